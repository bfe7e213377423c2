import { z } from 'zod';
import { collectorNameProblem, getCollector, getCollectorByName } from '../api/collectors.js';
import { collectHealthEventsForResources, type HealthResource } from '../api/health-events.js';
import { collectIngestBudgets, scopeMatches } from '../api/ingest-budgets.js';
import { findOtCollector, getOtCollectorsByName } from '../api/ot-collectors.js';
import { isHexId, resourceIdNumber, toDecimalId, toHexId } from '../api/resource-id.js';
import { listSources } from '../api/sources.js';
import { latestTarget, listUpgradeTargets } from '../api/upgrades.js';
import type { SumoClient, SumoRequest, SumoResponse } from '../http/client.js';
import { isSumoApiError } from '../http/errors.js';
import { sleep } from '../http/sleep.js';
import { type Collector, isHosted } from '../schemas/collector.js';
import type { HealthEvent } from '../schemas/health-event.js';
import type { IngestBudget } from '../schemas/ingest-budget.js';
import type { OtCollector } from '../schemas/ot-collector.js';
import type { Source } from '../schemas/source.js';
import { startSearchJob } from '../search/search-job.js';
import { type AnyOperation, defineOperation, type OperationContext } from './define.js';
import { OperationError, OperationInputError } from './errors.js';
import { explainApiError } from './explain.js';
import {
  byUrgency,
  HealthEventItemSchema,
  IngestBudgetItemSchema,
  toHealthEventItem,
  toIngestBudgetItem,
} from './health.js';
import { onlyOne } from './ot-collector-ref.js';
import { isoTime } from './views.js';

/** The most API calls one diagnosis may spend (the issue's promise), retries included. */
export const DIAGNOSE_MAX_CALLS = 12;
/** How far back "is data arriving" looks. */
const DATA_WINDOW = '-15m';
/** The search's own closing calls: its records page and its delete. */
const SEARCH_CLOSING_CALLS = 2;
const POLL_FIRST_MS = 300;
const POLL_MAX_MS = 4_000;
/** Hand back what the diagnosis has by then even without a deadline from the front end. */
const DEFAULT_TIME_BUDGET_MS = 40_000;
const HOUR_MS = 3_600_000;

type Kind = 'installed' | 'hosted' | 'ot';

/** The collector as found, whatever its kind: what the rest of the diagnosis needs of it. */
interface Subject {
  kind: Kind;
  id: string;
  name: string;
  alive: boolean | undefined;
  lastSeenAlive?: number | undefined;
  version?: string | undefined;
  hostName?: string | undefined;
  category?: string | undefined;
  fields: Record<string, string>;
  resource: HealthResource;
  installed?: Collector;
}

/**
 * A view of the client that counts the requests it sends, retries included: the diagnosis
 * reports what it spent and keeps within its allowance. Everything else (the shared rate
 * limiter, the connection) is the client's own, reached through the prototype.
 */
function countingClient(client: SumoClient): { client: SumoClient; spent: () => number } {
  let spent = 0;
  const counted = Object.create(client) as SumoClient;
  counted.request = async <T>(request: SumoRequest): Promise<SumoResponse<T>> => {
    try {
      const response = await client.request<T>(request);
      spent += response.attempts;
      return response;
    } catch (error) {
      spent += isSumoApiError(error) ? error.attempts : 1;
      throw error;
    }
  };
  return { client: counted, spent: () => spent };
}

const CauseSchema = z.object({
  cause: z.string(),
  evidence: z.string(),
  nextStep: z.string(),
  weight: z.number().int().describe('How likely, 0–100: causes are ranked by it.'),
});
type Cause = z.infer<typeof CauseSchema>;

const SubjectOutputSchema = z.object({
  kind: z.enum(['installed', 'hosted', 'ot']),
  id: z.string(),
  name: z.string(),
  alive: z.boolean().optional(),
  lastSeenAlive: z.string().optional().describe('Last heartbeat (installed only; the OT API has none).'),
  version: z.string().optional(),
  latestVersion: z.string().optional(),
  hostName: z.string().optional(),
  sources: z.number().int().optional(),
});

const DataOutputSchema = z.object({
  checked: z.boolean().describe('False when the search could not finish within the call allowance.'),
  window: z.string(),
  messages: z.number().int().optional(),
  bySource: z.array(z.object({ source: z.string(), messages: z.number().int() })).optional(),
  silentSources: z.array(z.string()).optional().describe('Sources with no data in the window.'),
});

export const diagnoseCollectorOperation = defineOperation({
  name: 'diagnose_collector',
  toolset: 'health',
  title: 'Diagnose a collector',
  description:
    'Why one collector (installed, hosted or OT; id or name) is unwell, in one call: liveness, version, health events of it and its sources, matching ingest budgets, data in the last 15 min; then likely causes ranked, each with the next step. 6–12 API calls.',
  kind: 'read',
  idempotent: true,
  sharedRead: { reuseSeconds: 0 },
  input: z.object({
    collector: z
      .union([z.number().int().positive(), z.string().trim().min(1).max(255)])
      .describe('Id (decimal, or 16 hex digits for OT) or exact name.'),
  }),
  output: z.object({
    collector: SubjectOutputSchema,
    causes: z.array(CauseSchema).describe('Most likely first; empty when nothing looks wrong.'),
    healthEvents: z.array(HealthEventItemSchema),
    budgets: z.array(IngestBudgetItemSchema).describe('Budgets whose scope covers its data.'),
    data: DataOutputSchema,
    notes: z.array(z.string()),
    apiCalls: z.number().int(),
  }),
  async run(ctx, input) {
    const counted = countingClient(ctx.client);
    const call: OperationContext = { ...ctx, client: counted.client };
    const deadline = ctx.deadline ?? Date.now() + DEFAULT_TIME_BUDGET_MS;
    const notes: string[] = [];

    const subject = await findSubject(call, input.collector);
    // Everything that needs only the collector goes out at once; the search first among them,
    // as its wait is the longest part. Health events need the sources' ids.
    // Settled here, whatever Sumo answers: a refused search must neither go unhandled while the
    // other reads run nor take the rest of the diagnosis with it.
    const searching = startSearchJob(
      call.client,
      { query: dataQuery(subject.name), from: DATA_WINDOW, to: 'now' },
      { signal: call.signal, logger: call.logger },
    ).then(
      (job) => ({ job }),
      (error: unknown) => ({ error }),
    );
    let sources: Source[];
    let targets: Awaited<ReturnType<typeof listUpgradeTargets>>;
    let foundBudgets: Awaited<ReturnType<typeof collectIngestBudgets>>;
    try {
      [sources, targets, foundBudgets] = await Promise.all([
        subject.installed ? listSources(call.client, subject.installed.id, call) : Promise.resolve([]),
        subject.kind === 'installed'
          ? orNote(listUpgradeTargets(call.client, call), notes, 'Upgrade targets', [])
          : Promise.resolve([]),
        orNote(
          collectIngestBudgets(call.client, { signal: call.signal, maxPages: 1 }),
          notes,
          'Ingest budgets',
          {
            items: [],
            pages: 0,
            complete: true,
          },
        ),
      ]);
    } catch (error) {
      // The search job may exist by now: it is deleted, never left to Sumo's timeout.
      const started = await searching;
      if ('job' in started) await started.job.close();
      throw error;
    }
    const started = await searching;
    const latest = latestTarget(targets);
    const budgets = foundBudgets.items.filter((budget) => coversCollector(budget, subject, sources));
    if (!foundBudgets.complete) notes.push('Only the first 1000 ingest budgets were checked.');
    let data: z.infer<typeof DataOutputSchema> = { checked: false, window: '15m' };
    let events: HealthEvent[];
    const dataNotChecked = (why: string) =>
      notes.push(
        `${why}, so data arrival is not checked; run_search "${dataQuery(subject.name)}" from ${DATA_WINDOW} answers it.`,
      );
    try {
      const resources = [
        subject.resource,
        ...sources.map((source) => ({ id: toHexId(source.id), type: 'Source' })),
      ];
      const foundEvents = await orNote(
        collectHealthEventsForResources(call.client, resources, { signal: call.signal, maxPages: 1 }),
        notes,
        'Health events',
        { items: [], pages: 0, complete: true },
      );
      events = foundEvents.items.sort(byUrgency);
      if (!foundEvents.complete) notes.push('Only the first 1000 health events were read.');

      if ('error' in started) {
        if (call.signal?.aborted) throw started.error;
        dataNotChecked(`The data search could not start (${describe(started.error)})`);
      } else if (counted.spent() + 1 + SEARCH_CLOSING_CALLS > DIAGNOSE_MAX_CALLS) {
        // Retries earlier on (429s at Sumo's limits) used the room a status call, the page and
        // the delete need: the promise is the ceiling, not the data check.
        dataNotChecked(`The calls before it used the diagnosis's allowance of ${DIAGNOSE_MAX_CALLS}`);
      } else {
        // Polls stop where the next one would leave no room for the page and the delete, or pass the deadline.
        const mayPollAgain = (wait: number) =>
          DIAGNOSE_MAX_CALLS - counted.spent() - SEARCH_CLOSING_CALLS > 0 && Date.now() + wait <= deadline;
        try {
          const search = started.job;
          let snapshot = await search.refresh(call.signal);
          for (
            let wait = POLL_FIRST_MS;
            !snapshot.done && mayPollAgain(wait);
            wait = Math.min(wait * 2, POLL_MAX_MS)
          ) {
            await sleep(wait, call.signal);
            snapshot = await search.refresh(call.signal);
          }
          if (!snapshot.done) {
            notes.push(
              `The data search did not finish within the diagnosis's allowance (${DIAGNOSE_MAX_CALLS} API calls, its time budget); run_search "${dataQuery(subject.name)}" from ${DATA_WINDOW} answers it.`,
            );
          } else {
            const rows = snapshot.recordCount > 0 ? (await search.getRecords(0, 1000, call.signal)).rows : [];
            data = dataArrival(rows, sources);
          }
        } catch (error) {
          // The rest of the diagnosis stands without it: a search Sumo cancelled or refused leaves
          // only the data question open, and the note says how to ask it again.
          if (call.signal?.aborted) throw error;
          dataNotChecked(`The data search failed (${describe(error)})`);
        }
      }
    } finally {
      if ('job' in started) await started.job.close();
    }

    const causes = rankCauses(subject, { sources, latest, events, budgets, data });
    if (subject.kind === 'ot') notes.push('The OT API reports alive or not but no last-heartbeat time.');
    return {
      collector: Object.fromEntries(
        Object.entries({
          kind: subject.kind,
          id: subject.id,
          name: subject.name,
          alive: subject.alive,
          lastSeenAlive: isoTime(subject.lastSeenAlive),
          version: subject.version || undefined,
          latestVersion: subject.kind === 'installed' ? latest : undefined,
          hostName: subject.hostName,
          sources: subject.installed ? sources.length : undefined,
        }).filter(([, value]) => value !== undefined),
      ) as z.infer<typeof SubjectOutputSchema>,
      causes,
      healthEvents: events.map(toHealthEventItem),
      budgets: budgets.map(toIngestBudgetItem),
      data,
      notes,
      apiCalls: counted.spent(),
    };
  },
});

/**
 * Finds the collector with as few calls as its form allows: a decimal id or a name is first
 * looked up among installed and hosted collectors, 16 hex digits among OT collectors; only when
 * that finds nothing is the other kind asked (ids name the same number in both forms).
 */
async function findSubject(ctx: OperationContext, ref: number | string): Promise<Subject> {
  const text = typeof ref === 'number' ? String(ref) : ref.trim();
  const number = resourceIdNumber(typeof ref === 'number' ? ref : text);
  const options = { signal: ctx.signal };
  try {
    if (number !== undefined && isHexId(text)) {
      const ot = await findOtCollector(ctx.client, text.toUpperCase(), options);
      if (ot) return otSubject(ot);
      const decimal = toDecimalId(text);
      if (decimal !== undefined) {
        const installed = await findInstalled(() => getCollector(ctx.client, decimal, options));
        if (installed) return installedSubject(installed);
      }
    } else if (number !== undefined) {
      const decimal = toDecimalId(text);
      const installed =
        decimal === undefined
          ? undefined
          : await findInstalled(() => getCollector(ctx.client, decimal, options));
      if (installed) return installedSubject(installed);
      const ot = await findOtCollector(ctx.client, toHexId(number), options);
      if (ot) return otSubject(ot);
    } else {
      const nameProblem = collectorNameProblem(text);
      if (!nameProblem) {
        const installed = await findInstalled(() => getCollectorByName(ctx.client, text, options));
        if (installed) return installedSubject(installed);
      }
      const ot = await getOtCollectorsByName(ctx.client, [text], options);
      if (ot.length > 0) return otSubject(onlyOne(text, ot));
      // An installed collector of that name may exist, but the API cannot look it up by name.
      if (nameProblem)
        throw new OperationInputError('diagnose_collector', [
          { field: 'collector', message: `Collector name "${text}" ${nameProblem}` },
        ]);
    }
  } catch (error) {
    throw explainApiError(error, { collector: `Collector ${text}` });
  }
  throw new OperationError(
    `No collector, installed, hosted or OT, is ${number !== undefined ? `id ${text}` : `named "${text}"`}. list_collectors and list_ot_collectors show them.`,
    'not.found',
  );
}

/**
 * A part of the diagnosis Sumo would not give (a key without the capability, a failing API):
 * the rest is still worth answering, with the gap said in the notes.
 */
async function orNote<T>(reading: Promise<T>, notes: string[], what: string, empty: T): Promise<T> {
  try {
    return await reading;
  } catch (error) {
    if (!isSumoApiError(error)) throw error;
    notes.push(`${what} could not be read (${error.status} ${error.code}): they are left out of the causes.`);
    return empty;
  }
}

async function findInstalled(get: () => Promise<{ collector: Collector }>): Promise<Collector | undefined> {
  try {
    return (await get()).collector;
  } catch (error) {
    if (isSumoApiError(error) && error.status === 404) return undefined;
    throw error;
  }
}

function installedSubject(collector: Collector): Subject {
  return {
    kind: isHosted(collector) ? 'hosted' : 'installed',
    id: String(collector.id),
    name: collector.name,
    alive: collector.alive,
    lastSeenAlive: collector.lastSeenAlive ?? undefined,
    version: collector.collectorVersion,
    hostName: collector.hostName ?? undefined,
    category: collector.category ?? undefined,
    fields: stringFields(collector.fields),
    resource: { id: toHexId(collector.id), type: 'Collector' },
    installed: collector,
  };
}

function otSubject(collector: OtCollector): Subject {
  return {
    kind: 'ot',
    id: collector.id,
    name: collector.name,
    alive: collector.alive,
    version: collector.version.currentVersion,
    hostName: collector.systemInfo?.hostName ?? undefined,
    category: collector.category ?? undefined,
    fields: stringFields(collector.tags),
    resource: { id: collector.id, type: 'Collector' },
  };
}

function stringFields(fields: Record<string, unknown> | null | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fields ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

/** Messages in the window, by source: one aggregate row per source that sent anything. */
function dataQuery(name: string): string {
  return `_collector="${name.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}" | count by _source`;
}

/** Whether a budget's scope covers data of the collector or any of its sources. */
function coversCollector(budget: IngestBudget, subject: Subject, sources: readonly Source[]): boolean {
  const base = { ...subject.fields, _collector: subject.name, _sourceCategory: subject.category };
  if (scopeMatches(budget.scope, base)) return true;
  return sources.some((source) =>
    scopeMatches(budget.scope, {
      ...base,
      ...stringFields(source.fields as Record<string, unknown> | undefined),
      _source: source.name,
      _sourceCategory: source.category ?? subject.category,
      _sourceHost: source.hostName ?? subject.hostName,
    }),
  );
}

function dataArrival(
  rows: readonly Record<string, string>[],
  sources: readonly Source[],
): z.infer<typeof DataOutputSchema> {
  const bySource = rows
    .map((row) => ({ source: row._source ?? '', messages: Number(row._count ?? 0) }))
    .filter((row) => row.messages > 0)
    .sort((a, b) => b.messages - a.messages);
  const seen = new Set(bySource.map((row) => row.source));
  return {
    checked: true,
    window: '15m',
    messages: bySource.reduce((sum, row) => sum + row.messages, 0),
    bySource: bySource.slice(0, 20),
    silentSources: sources.map((source) => source.name).filter((name) => !seen.has(name)),
  };
}

interface Findings {
  sources: readonly Source[];
  latest: string | undefined;
  events: readonly HealthEvent[];
  budgets: readonly IngestBudget[];
  data: z.infer<typeof DataOutputSchema>;
}

/**
 * Likely causes, most likely first. The weights order what is known to stop data (a budget that
 * stops collection, a dead collector, an error Sumo raised) before what only suggests trouble
 * (silence, warnings, an old version).
 */
function rankCauses(subject: Subject, findings: Findings, now = Date.now()): Cause[] {
  const causes: Cause[] = [];
  for (const budget of findings.budgets) {
    const stops = budget.action === 'stopCollecting';
    if (budget.usageStatus === 'Exceeded' || budget.usageStatus === 'Approaching') {
      const exceeded = budget.usageStatus === 'Exceeded';
      causes.push({
        cause: `Ingest budget "${budget.name}" is ${budget.usageStatus}${stops ? ' and set to stopCollecting' : ''}`,
        evidence: `scope ${budget.scope}: ${budget.usageBytes ?? '?'} of ${budget.capacityBytes} bytes${budget.resetTime ? `, resets at ${budget.resetTime} ${budget.timezone ?? ''}`.trimEnd() : ''}`,
        nextStep: stops
          ? `Raise its capacityBytes or reset its usage (POST /v2/ingestBudgets/${budget.id}/usage/reset), or set action to keepCollecting if overage is acceptable.`
          : 'Data keeps flowing (keepCollecting); raise the capacity if the overage is expected.',
        weight: stops ? (exceeded ? 100 : 55) : exceeded ? 30 : 15,
      });
    }
  }
  if (subject.alive === false) {
    const silentFor =
      subject.lastSeenAlive !== undefined ? ` for ${durationText(now - subject.lastSeenAlive)}` : '';
    causes.push({
      cause: `The collector is offline${silentFor}`,
      evidence:
        subject.lastSeenAlive !== undefined
          ? `last heartbeat ${isoTime(subject.lastSeenAlive)}`
          : 'alive: false (no heartbeat)',
      nextStep:
        subject.kind === 'ot'
          ? `On ${subject.hostName ?? 'its host'}, restart the otelcol-sumo service and check its log for connection errors to Sumo Logic.`
          : `On ${subject.hostName ?? 'its host'}, start or restart the collector service (e.g. sudo systemctl restart collector) and check that it reaches Sumo Logic (proxy, firewall, credentials).`,
      weight: 95,
    });
  }
  const grouped = new Map<string, HealthEvent[]>();
  for (const event of findings.events) {
    const key = `${event.severityLevel}\n${event.eventName}\n${event.details.error ?? ''}`;
    grouped.set(key, [...(grouped.get(key) ?? []), event]);
  }
  for (const group of grouped.values()) {
    const [first] = group as [HealthEvent];
    const error = first.severityLevel === 'Error';
    const who = group.map((event) => event.resourceIdentity.name ?? event.resourceIdentity.id).join(', ');
    causes.push({
      cause: `${first.eventName}${first.details.error ? `: ${first.details.error}` : ''}`,
      evidence: `${first.severityLevel} on ${who} since ${first.eventTime}${first.details.description ? ` — ${first.details.description}` : ''}`,
      nextStep: eventNextStep(first),
      weight: error ? 90 : 40,
    });
  }
  if (findings.data.checked && subject.alive !== false) {
    const silent = findings.data.silentSources ?? [];
    // A silent source with an open event of its own is explained by it: say so beside its name.
    const named = silent.slice(0, 10).map((name) => {
      const event = findings.events.find(
        (candidate) =>
          candidate.resourceIdentity.type === 'Source' && candidate.resourceIdentity.name === name,
      );
      return event ? `${name} (see ${event.eventName})` : name;
    });
    const silentText = `silent: ${named.join(', ')}${silent.length > 10 ? ', …' : ''}`;
    if ((findings.data.messages ?? 0) === 0) {
      causes.push({
        cause: 'No data arrived in the last 15 minutes although the collector is alive',
        evidence: `search _collector="${subject.name}" over 15 minutes found 0 messages${silent.length > 0 ? `; ${silentText}` : ''}`,
        nextStep:
          'Check that its sources still read something: file paths and permissions on the host, the sending side of HTTP/syslog sources, and the collector log (collector.log) for source errors.',
        weight: 70,
      });
    } else if (silent.length > 0) {
      causes.push({
        cause: `${silent.length} of ${findings.sources.length} sources sent nothing in the last 15 minutes`,
        evidence: silentText,
        nextStep:
          'For each silent source, check what it reads (path, port, credentials) and whether that is written to at all; quiet sources may be normal.',
        weight: 45,
      });
    }
  }
  if (
    subject.kind === 'installed' &&
    findings.latest &&
    subject.version &&
    subject.version !== findings.latest
  ) {
    causes.push({
      cause: `It runs ${subject.version}, not the latest build ${findings.latest}`,
      evidence: 'list_upgrade_targets marks the latest build',
      nextStep: `upgrade_collector ${subject.id} (it must be alive), after the causes above.`,
      weight: subject.alive === false ? 10 : 20,
    });
  }
  return causes.sort((a, b) => b.weight - a.weight);
}

/** The step a health event asks for, from what Sumo says went wrong. */
function eventNextStep(event: HealthEvent): string {
  const text = `${event.eventName} ${event.details.error ?? ''} ${event.details.description ?? ''}`;
  const where =
    event.resourceIdentity.type === 'Source'
      ? `source "${event.resourceIdentity.name ?? event.resourceIdentity.id}"`
      : 'the collector';
  if (/s3/i.test(text) && /access|denied|permission|forbidden/i.test(text))
    return `Give the IAM role or access key of ${where} s3:GetObject and s3:ListBucket on the bucket it reads (and kms:Decrypt if the bucket is encrypted), then wait for the next scan.`;
  if (/access|denied|permission|forbidden|unauthori[sz]ed|credential/i.test(text))
    return `Fix the credentials or permissions ${where} uses, as the event says: ${event.details.error ?? event.eventName}.`;
  if (/throttl|rate.?limit/i.test(text))
    return `Ingestion of ${where} is throttled: spread its load or ask Sumo Logic support to raise the limit.`;
  if (/offline|heartbeat/i.test(text))
    return 'Restart the collector on its host and check that it reaches Sumo Logic.';
  if (/budget/i.test(text)) return 'Raise the ingest budget or reset its usage (list_ingest_budgets).';
  return `Act on what the event says${event.details.description ? `: ${event.details.description}` : ''}; it clears once the cause is gone.`;
}

function durationText(ms: number): string {
  if (ms >= 48 * HOUR_MS) return `${Math.floor(ms / (24 * HOUR_MS))} days`;
  if (ms >= 2 * HOUR_MS) return `${Math.floor(ms / HOUR_MS)} hours`;
  return `${Math.max(1, Math.floor(ms / 60_000))} minutes`;
}

/** The answer front ends render (`/sumo why`, `sumo-ops why`). */
export type Diagnosis = z.output<typeof diagnoseCollectorOperation.output>;

export const diagnoseOperations: AnyOperation[] = [diagnoseCollectorOperation];

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
