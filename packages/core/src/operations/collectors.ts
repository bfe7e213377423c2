import { z } from 'zod';
import {
  collectorNameProblem,
  collectorUpdateBody,
  createHostedCollector,
  DEFAULT_ALIVE_BEFORE_DAYS,
  deleteCollector,
  deleteOfflineCollectors,
  getCollectorByName,
  iterateOfflineCollectors,
  listCollectors,
  listOfflineCollectors,
  unpairedSurrogateProblem,
  updateCollector,
} from '../api/collectors.js';
import { collect } from '../api/response.js';
import { listSources } from '../api/sources.js';
import { isSumoApiError } from '../http/errors.js';
import { COLLECTOR_FILTERS, type Collector, isHosted } from '../schemas/collector.js';
import { collectorRefInput, resolveCollectorInput } from './collector-ref.js';
import { type AnyOperation, defineOperation, type OperationContext, refuseUnknownFields } from './define.js';
import { conflictError, etagInput, requireEtag } from './etag.js';
import { explainApiError } from './explain.js';
import { OfflineOtCollectorsSchema, offlineOtCollectors } from './fleet.js';
import { pageOutput, pagingInput, toPage } from './paging.js';
import {
  CollectorDetailSchema,
  CollectorSummarySchema,
  collectorLabel,
  FieldChangeSchema,
  fieldChanges,
  isoTime,
  toCollectorDetail,
  toCollectorSummary,
} from './views.js';

const DAY_MS = 86_400_000;
const ANSWER_LOST_BUT_APPLIED =
  'The first answer was lost; reading the object again shows the change was made.';
/** How many offline collectors a delete preview names one by one; the count is always exact. */
const PREVIEW_LIST_MAX = 100;

const aliveBeforeDaysInput = z
  .number()
  .int('aliveBeforeDays must be a whole number of days')
  .min(1, 'aliveBeforeDays must be at least 1 (the API refuses less)')
  .default(DEFAULT_ALIVE_BEFORE_DAYS)
  .describe('Last heartbeat at least this many days ago.');

const nameInput = z
  .string()
  .trim()
  .min(1)
  .max(128, 'collector names are at most 128 characters')
  .superRefine((name, ctx) => {
    const problem = unpairedSurrogateProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const descriptionInput = z.string().max(1024, 'descriptions are at most 1024 characters');
const fieldsInput = z.record(z.string(), z.string());

export const listCollectorsOperation = defineOperation({
  name: 'list_collectors',
  toolset: 'collectors',
  title: 'List collectors',
  description:
    'A page of collectors, optionally only installed, hosted, alive or dead: to find one, check versions and liveness, or survey the fleet. Key fields only (get_collector has all). 1 API call a page.',
  kind: 'read',
  idempotent: true,
  // A list asked by many at once (an incident) is one call; a few seconds old is still the fleet now.
  sharedRead: { reuseSeconds: 5 },
  input: z.object({
    filter: z
      .enum(COLLECTOR_FILTERS)
      .default('all')
      .describe('alive: a heartbeat in the last 30 minutes; dead: none.'),
    ...pagingInput({ defaultLimit: 50, maxLimit: 1000, what: 'collectors' }),
  }),
  output: pageOutput(CollectorSummarySchema, 'collectors'),
  async run(ctx, input) {
    const collectors = await listCollectors(ctx.client, input, { signal: ctx.signal });
    return toPage(collectors.map(toCollectorSummary), input.offset, input.limit);
  },
});

export const getCollectorOperation = defineOperation({
  name: 'get_collector',
  toolset: 'collectors',
  title: 'Get a collector',
  description:
    'One collector in full: type, version, liveness and last heartbeat, OS, source mode (UI or Json), fields, time zone. 1 API call.',
  kind: 'read',
  idempotent: true,
  // A get is how one checks what a change did: shared only while in flight, never reused.
  sharedRead: { reuseSeconds: 0 },
  input: z.object({ collector: collectorRefInput('The collector to read') }),
  output: CollectorDetailSchema,
  async run(ctx, input) {
    const { collector } = await resolveCollectorInput(ctx, input.collector);
    return toCollectorDetail(collector);
  },
});

const OfflineCollectorSchema = CollectorSummarySchema.extend({
  kind: z.literal('installed'),
  offlineDays: z.number().optional().describe('Whole days since the last heartbeat.'),
});

/** Offline OT collectors named beside the installed ones on a first page. */
const OFFLINE_OT_LIST_MAX = 20;

function offlineItem(collector: Collector, now: number) {
  const lastSeen = collector.lastSeenAlive ?? undefined;
  return {
    ...toCollectorSummary(collector),
    kind: 'installed' as const,
    ...(lastSeen === undefined ? {} : { offlineDays: Math.floor((now - lastSeen) / DAY_MS) }),
  };
}

export const listOfflineCollectorsOperation = defineOperation({
  name: 'list_offline_collectors',
  toolset: 'collectors',
  title: 'List offline collectors',
  description:
    'Installed collectors silent for aliveBeforeDays or more, with days offline (what delete_offline_collectors deletes); the first page also counts offline OT collectors. 1–2 API calls a page.',
  kind: 'read',
  idempotent: true,
  sharedRead: { reuseSeconds: 5 },
  acrossOrgs: true,
  input: z.object({
    aliveBeforeDays: aliveBeforeDaysInput,
    ...pagingInput({ defaultLimit: 50, maxLimit: 1000, what: 'collectors' }),
  }),
  output: pageOutput(OfflineCollectorSchema, 'offline installed collectors').extend({
    otCollectors: OfflineOtCollectorsSchema.optional().describe(
      'First page only: offline OpenTelemetry collectors, which have no last-heartbeat time.',
    ),
  }),
  async run(ctx, input) {
    const [collectors, ot] = await Promise.all([
      listOfflineCollectors(ctx.client, input, { signal: ctx.signal }),
      input.offset === 0 ? offlineOtCollectors(ctx, OFFLINE_OT_LIST_MAX) : undefined,
    ]);
    const now = Date.now();
    return {
      ...toPage(
        collectors.map((collector) => offlineItem(collector, now)),
        input.offset,
        input.limit,
      ),
      ...(ot ? { otCollectors: ot } : {}),
    };
  },
});

const createHostedInput = z.object({
  name: nameInput.describe('Unique in the org.'),
  description: descriptionInput.optional().describe('What the collector is for.'),
  category: z.string().optional().describe('Default _sourceCategory of its sources.'),
  timeZone: z.string().optional().describe('E.g. Europe/Berlin; default UTC.'),
  fields: fieldsInput.optional().describe('Metadata fields for its data, e.g. {"_budget": "Dev_20GB"}.'),
});

export const createHostedCollectorOperation = defineOperation({
  name: 'create_hosted_collector',
  toolset: 'collectors',
  title: 'Create a hosted collector',
  description:
    'Creates a hosted collector (for HTTP, cloud syslog and polling sources); installed ones register from their host. Returns it. 1 API call, preview 1.',
  kind: 'write',
  input: createHostedInput,
  output: CollectorDetailSchema,
  async preview(ctx, input) {
    const warnings: string[] = [];
    let willChange = true;
    const nameProblem = collectorNameProblem(input.name);
    if (nameProblem) {
      warnings.push(`Once created, it cannot be looked up by name: the name ${nameProblem}.`);
    } else {
      const existing = await findByName(ctx, input.name);
      if (existing) {
        willChange = false;
        warnings.push(
          `A collector named "${input.name}" already exists (id ${existing.id}); the create would be refused.`,
        );
      }
    }
    return {
      summary: `Create hosted collector "${input.name}"${input.category ? ` with category ${input.category}` : ''}.`,
      willChange,
      details: { collectorType: 'Hosted', ...input },
      warnings,
    };
  },
  async run(ctx, input) {
    try {
      const { collector } = await createHostedCollector(ctx.client, input, { signal: ctx.signal });
      return toCollectorDetail(collector);
    } catch (error) {
      throw explainApiError(error, {
        collector: `"${input.name}"`,
        action: `Creating hosted collector "${input.name}"`,
        check: `get_collector with "${input.name}" (or list_collectors with filter hosted) shows whether it was created; create it only if it is not there`,
      });
    }
  },
});

async function findByName(ctx: OperationContext, name: string): Promise<Collector | undefined> {
  try {
    return (await getCollectorByName(ctx.client, name, { signal: ctx.signal })).collector;
  } catch (error) {
    if (isSumoApiError(error) && error.status === 404) return undefined;
    throw error;
  }
}

const collectorChangesInput = refuseUnknownFields(
  z.object({
    name: nameInput.optional(),
    description: descriptionInput.nullable().optional(),
    category: z.string().nullable().optional(),
    hostName: z.string().max(128).nullable().optional(),
    timeZone: z.string().nullable().optional(),
    ephemeral: z.boolean().optional().describe('Deleted after 12 hours offline.'),
    fields: fieldsInput.nullable().optional().describe('Replaces the whole set.'),
    cutoffTimestamp: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Collect only files modified after this, epoch ms (0: all).'),
    targetCpu: z.number().int().min(-1).max(100).optional().describe('CPU % to throttle to (-1: none).'),
  }),
).refine((changes) => Object.values(changes).some((value) => value !== undefined), {
  message: 'name at least one field to change',
});

export const updateCollectorOperation = defineOperation({
  name: 'update_collector',
  toolset: 'collectors',
  title: 'Update a collector',
  description:
    "Changes a collector's settings (see changes), keeping the rest. Changed by someone meanwhile: nothing is written; the error shows the current values. 2 API calls, preview 1.",
  kind: 'write',
  idempotent: true,
  input: z.object({
    collector: collectorRefInput('The collector to change'),
    changes: collectorChangesInput.describe('Only the fields to change; null clears one.'),
    etag: etagInput,
  }),
  output: z.object({
    collector: CollectorDetailSchema.describe('The collector after the update.'),
    changed: z.array(FieldChangeSchema).describe('What changed; empty when the values were already set.'),
    note: z
      .string()
      .optional()
      .describe('Set when the answer was lost and a re-read showed the change made.'),
  }),
  async preview(ctx, input) {
    const { collector, etag } = await resolveCollectorInput(ctx, input.collector);
    const changes = fieldChanges(collector as Record<string, unknown>, input.changes);
    return {
      summary:
        changes.length === 0
          ? `Collector ${collectorLabel(collector)} already has these values; nothing would change.`
          : `Change ${changes.map((change) => change.field).join(', ')} of collector ${collectorLabel(collector)}.`,
      willChange: changes.length > 0,
      details: { collectorId: collector.id, changes, etag },
      warnings: [],
    };
  },
  async run(ctx, input) {
    const { collector, etag } = await resolveCollectorInput(ctx, input.collector);
    const changed = fieldChanges(collector as Record<string, unknown>, input.changes);
    if (changed.length === 0 && input.etag === undefined)
      return { collector: toCollectorDetail(collector), changed };
    const ifMatch = requireEtag(input.etag ?? etag, collectorLabel(collector));
    try {
      const updated = await updateCollector(
        ctx.client,
        collector.id,
        collectorUpdateBody(collector, input.changes),
        ifMatch,
        { signal: ctx.signal },
      );
      return { collector: toCollectorDetail(updated.collector), changed };
    } catch (error) {
      if (isSumoApiError(error) && error.status === 412) {
        // Read again only to show the person what is there now; the write is not repeated.
        const { collector: current } = await resolveCollectorInput(ctx, collector.id);
        // A retry of a write whose answer was lost meets the ETag that write itself made.
        if (error.outcome === 'unknown' && fieldChanges(current, input.changes).length === 0)
          return { collector: toCollectorDetail(current), changed, note: ANSWER_LOST_BUT_APPLIED };
        throw conflictError(
          collectorLabel(collector),
          input.etag !== undefined,
          toCollectorDetail(current),
          changed,
        );
      }
      throw explainApiError(error, {
        collector: collectorLabel(collector),
        action: `Updating collector ${collectorLabel(collector)}`,
        check: `get_collector ${collectorLabel(collector)} shows its current values`,
      });
    }
  },
});

export const deleteCollectorOperation = defineOperation({
  name: 'delete_collector',
  toolset: 'collectors',
  title: 'Delete a collector',
  description:
    'Deletes a collector with all its sources; a running installed one stops sending data until registered again. 2 API calls, preview 2 (it shows the sources that go).',
  kind: 'destructive',
  input: z.object({ collector: collectorRefInput('The collector to delete') }),
  output: z.object({
    deleted: CollectorSummarySchema.describe('The collector that was deleted.'),
    note: z.string().optional().describe('Set when the answer was lost and a retry found it already gone.'),
  }),
  async preview(ctx, input) {
    const { collector } = await resolveCollectorInput(ctx, input.collector);
    const sources = await listSources(ctx.client, collector.id, { signal: ctx.signal });
    const warnings: string[] = [];
    if (collector.alive && !isHosted(collector)) {
      warnings.push(
        `${collector.name} is running: once deleted it can no longer send data until it is re-registered on its host.`,
      );
    }
    if (sources.length > 0)
      warnings.push(`Its ${sources.length} source configuration(s) are deleted with it.`);
    return {
      summary: `Delete ${isHosted(collector) ? 'hosted' : 'installed'} collector ${collectorLabel(collector)} and its ${sources.length} source(s).`,
      willChange: true,
      details: {
        collector: toCollectorSummary(collector),
        sourceCount: sources.length,
        sources: sources.map(({ id, name, sourceType }) => ({ id, name, sourceType })),
      },
      warnings,
    };
  },
  async run(ctx, input) {
    const { collector } = await resolveCollectorInput(ctx, input.collector);
    const label = collectorLabel(collector);
    try {
      const { firstAnswerLost } = await deleteCollector(ctx.client, collector.id, { signal: ctx.signal });
      return {
        deleted: toCollectorSummary(collector),
        ...(firstAnswerLost ? { note: `Deleted: the first answer was lost; ${label} is gone.` } : {}),
      };
    } catch (error) {
      throw explainApiError(error, {
        collector: label,
        action: `Deleting collector ${label}`,
        check: `get_collector ${label} answers that it does not exist once it is deleted`,
      });
    }
  },
});

export const deleteOfflineCollectorsOperation = defineOperation({
  name: 'delete_offline_collectors',
  toolset: 'collectors',
  title: 'Delete offline installed collectors',
  description:
    'Deletes every installed collector offline for aliveBeforeDays or more, with its sources, shortly after the call (OT ones: delete_offline_ot_collectors). The preview lists them (1 API call per 1000). 1 API call.',
  kind: 'destructive',
  input: z.object({ aliveBeforeDays: aliveBeforeDaysInput }),
  output: z.object({
    aliveBeforeDays: z.number().int(),
    message: z.string().describe("The service's answer."),
    asynchronous: z
      .literal(true)
      .describe(
        'The deletion runs on the server after the call; list_offline_collectors shows what remains.',
      ),
  }),
  async preview(ctx, input) {
    const offline = await collect(
      iterateOfflineCollectors(
        ctx.client,
        { aliveBeforeDays: input.aliveBeforeDays },
        { signal: ctx.signal },
      ),
    );
    const now = Date.now();
    const lastSeen = offline
      .map((collector) => collector.lastSeenAlive)
      .filter((value): value is number => typeof value === 'number')
      .sort((a, b) => a - b);
    const ephemeral = offline.filter((collector) => collector.ephemeral).length;
    return {
      summary:
        offline.length === 0
          ? `No installed collector has been offline for ${input.aliveBeforeDays} days or more; nothing would be deleted.`
          : `Delete ${offline.length} installed collector(s) offline for at least ${input.aliveBeforeDays} days ` +
            `(last seen between ${isoTime(lastSeen[0]) ?? '?'} and ${isoTime(lastSeen.at(-1)) ?? '?'}), with their sources.`,
      willChange: offline.length > 0,
      details: {
        count: offline.length,
        oldestLastSeen: isoTime(lastSeen[0]),
        newestLastSeen: isoTime(lastSeen.at(-1)),
        collectors: offline.slice(0, PREVIEW_LIST_MAX).map((collector) => offlineItem(collector, now)),
        notListed: Math.max(0, offline.length - PREVIEW_LIST_MAX),
      },
      warnings: [
        'The deletion runs on the server shortly after the call and cannot be undone.',
        'Installed collectors only: offline OpenTelemetry collectors are deleted with delete_offline_ot_collectors.',
        ...(ephemeral > 0
          ? [`${ephemeral} of them are ephemeral and would be deleted automatically anyway.`]
          : []),
      ],
    };
  },
  async run(ctx, input) {
    try {
      const { message } = await deleteOfflineCollectors(ctx.client, input.aliveBeforeDays, {
        signal: ctx.signal,
      });
      return { aliveBeforeDays: input.aliveBeforeDays, message, asynchronous: true as const };
    } catch (error) {
      throw explainApiError(error, {
        action: `Deleting installed collectors offline for ${input.aliveBeforeDays} days or more`,
        check: `list_offline_collectors with aliveBeforeDays ${input.aliveBeforeDays} shows which of them remain`,
      });
    }
  },
});

export const collectorOperations: AnyOperation[] = [
  listCollectorsOperation,
  getCollectorOperation,
  listOfflineCollectorsOperation,
  createHostedCollectorOperation,
  updateCollectorOperation,
  deleteCollectorOperation,
  deleteOfflineCollectorsOperation,
];
