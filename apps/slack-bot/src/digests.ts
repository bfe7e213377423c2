import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { webApi } from '@slack/bolt';
import {
  claimWithToken,
  isSharedStateUnavailable,
  type Logger,
  type MessagesOverTimeInput,
  messagesOverTimeChart,
  type OperationCatalog,
  type SearchSummary,
  type StateBackend,
  type SumoClient,
  type SumoOrgs,
} from '@sumo-ops/core';
import type { FetchFunction } from '@sumo-ops/core/http-dispatcher';
import { describeError } from './blocks/errors.js';
import type { Reply } from './blocks/help.js';
import { type Block, fitBlocks, LIMITS, RESERVED_TEXT } from './blocks/limits.js';
import { searchSummaryMessage } from './blocks/search.js';
import { comparisonMessage, figuresOf } from './blocks/search-actions.js';
import { code, context, escapeMrkdwn, section } from './blocks/text.js';
import { postChart, readerTimeZone } from './charts/post-chart.js';
import { operationContext } from './context.js';
import {
  allowanceText,
  DIGEST_BUDGET_VARIABLE,
  type DigestBudget,
  type DigestPlan,
  type DigestPlans,
  digestCallsPerMinute,
  formatCalls,
  planDigestsByOrg,
} from './digest-budget.js';
import { forOrg } from './orgs/channel-orgs.js';
import type { ChannelPacer } from './pacer.js';

/** A search posted into a channel at a fixed interval, with the change against the period before. */
export interface Digest {
  id: string;
  channelId: string;
  query: string;
  /** As typed: `1h`. */
  every: string;
  everyMs: number;
  /** The range each run searches, as typed (`-1h`); its length is also the comparison's. */
  from: string;
  rangeMs: number;
  createdBy: string;
  createdAt: number;
  /** Epoch ms of the next run. */
  nextRunAt: number;
  /** Set after a failed run, so the channel hears of a failure once, not every tick. */
  failing?: boolean | undefined;
  /** The org it searches (with an orgs file), named on every post. */
  org?: string | undefined;
}

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const MIN_EVERY_MS = UNIT_MS.m;
export const MAX_EVERY_MS = 7 * UNIT_MS.d;

/** `15m`, `1h`, `7d` → ms; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,4})([mhd])$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** Where digests are kept: Redis (shared by replicas) or a JSON file (one bot, kept over restarts). */
export interface DigestStore {
  readonly description: string;
  list(): Promise<Digest[]>;
  put(digest: Digest): Promise<void>;
  /** True if it existed. */
  remove(id: string): Promise<boolean>;
}

const INDEX = 'slack:digests';
const digestKey = (id: string) => `slack:digest:${id}`;
/** Digests live until removed; the backend wants a lifetime, so it is one nobody reaches. */
const FOREVER_MS = 10 * 365 * 86_400_000;

export class BackendDigestStore implements DigestStore {
  constructor(private readonly backend: StateBackend) {}

  get description(): string {
    return this.backend.description;
  }

  async list(): Promise<Digest[]> {
    const digests: Digest[] = [];
    for (const id of await this.backend.indexRange(INDEX)) {
      const stored = await this.backend.get(digestKey(id));
      if (stored !== undefined) digests.push(JSON.parse(stored) as Digest);
    }
    return digests;
  }

  async put(digest: Digest): Promise<void> {
    await this.backend.set(digestKey(digest.id), JSON.stringify(digest), { ttlMs: FOREVER_MS });
    await this.backend.indexPut(INDEX, digest.id, digest.createdAt);
  }

  async remove(id: string): Promise<boolean> {
    const existed = (await this.backend.take(digestKey(id))) !== undefined;
    await this.backend.indexRemove(INDEX, id);
    return existed;
  }
}

/**
 * One JSON file under the data directory, replaced atomically (written beside it, then renamed):
 * a crash mid-write leaves the previous file, never half of one. Writes run one after another.
 */
export class FileDigestStore implements DigestStore {
  readonly #file: string;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly directory: string) {
    this.#file = join(directory, 'digests.json');
  }

  get description(): string {
    return this.#file;
  }

  async list(): Promise<Digest[]> {
    try {
      return (JSON.parse(await readFile(this.#file, 'utf8')) as { digests: Digest[] }).digests;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new Error(`${this.#file} cannot be read as digests: ${describeError(error)}`);
    }
  }

  put(digest: Digest): Promise<void> {
    return this.#change((digests) => [...digests.filter((item) => item.id !== digest.id), digest]);
  }

  async remove(id: string): Promise<boolean> {
    let existed = false;
    await this.#change((digests) => {
      existed = digests.some((item) => item.id === id);
      return digests.filter((item) => item.id !== id);
    });
    return existed;
  }

  #change(update: (digests: Digest[]) => Digest[]): Promise<void> {
    const next = this.#queue.then(async () => {
      const digests = update(await this.list());
      await mkdir(this.directory, { recursive: true });
      const temporary = `${this.#file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(temporary, `${JSON.stringify({ digests }, null, 2)}\n`, { mode: 0o600 });
      await rename(temporary, this.#file);
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

export function newDigestId(): string {
  return randomBytes(4).toString('hex');
}

interface DigestBot {
  catalog: OperationCatalog;
  sumo: SumoClient;
  orgs: SumoOrgs;
  logger: Logger;
  pacer: ChannelPacer;
  httpFetch: FetchFunction;
  notes: string[];
}

const SEARCH_BUDGET_SECONDS = 45;

/**
 * Runs due digests. Every replica ticks; a run belongs to whoever first sets the run's key
 * (digest id + its due time) to its token in the state backend — a lease that is never released,
 * only expires after one interval — so each due time is run once across replicas (and still once
 * when the answer to that write is lost: the next tick finds the token), and the next due
 * time is stored before the run so no replica sees it as due again. Only digests within the
 * digest budget run (`planDigests`); the others stay stored, listed and logged as paused.
 */
export class DigestScheduler {
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #stopped = false;
  readonly #running = new Set<Promise<void>>();
  /** The paused digests last logged, so the log speaks when the set changes, not every tick. */
  #pausedLogged = '';
  readonly #claimToken = randomBytes(12).toString('base64url');

  constructor(
    private readonly bot: DigestBot,
    readonly store: DigestStore,
    private readonly backend: StateBackend,
    private readonly client: webApi.WebClient,
    private readonly options: {
      tickMs: number;
      now: () => number;
      /** The fraction of each org's rate budget its digests together may spend. */
      share: number;
    },
  ) {}

  /** The clock digests are scheduled by. */
  now(): number {
    return this.options.now();
  }

  /** The org a digest runs in: its own, else the default (a digest made before orgs were named). */
  orgOf(digest: Pick<Digest, 'org'>): string {
    return digest.org ?? this.bot.orgs.defaultOrg;
  }

  /** An org's digests share that org's rate budget, its access key's, and no other's. */
  budgetFor(org: string): DigestBudget {
    // An org taken out of the orgs file is counted against the default's budget: its digests fail
    // when they run (and say so), but still take their place in the plan.
    const client = this.bot.orgs.names.includes(org) ? this.bot.orgs.get(org).client : this.bot.sumo;
    return { share: this.options.share, callsPerMinute: client.rateLimiter.limits.perSecond * 60 };
  }

  /** Every digest of every channel (the store is shared by replicas), split by each org's budget. */
  async plan(): Promise<DigestPlans> {
    return this.#planOf(await this.store.list());
  }

  #planOf(digests: readonly Digest[]): DigestPlans {
    return planDigestsByOrg(
      digests,
      (digest) => this.orgOf(digest),
      (org) => this.budgetFor(org),
    );
  }

  /** Ticks once at once, so digests over the budget are in the start-up log, then every tickMs. */
  start(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setInterval(() => void this.tick(), this.options.tickMs);
    this.#timer.unref();
    void this.tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#ticking;
    await Promise.allSettled([...this.#running]);
  }

  tick(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#ticking ??= this.#tickOnce().finally(() => {
      this.#ticking = undefined;
    });
    return this.#ticking;
  }

  async #tickOnce(): Promise<void> {
    const now = this.options.now();
    let digests: Digest[];
    try {
      digests = await this.store.list();
    } catch (error) {
      if (!isSharedStateUnavailable(error))
        this.bot.logger.warn('could not read digests', { error: describeError(error) });
      return;
    }
    const plan = this.#planOf(digests);
    this.#logPaused(plan);
    for (const digest of plan.running) {
      if (digest.nextRunAt > now || this.#stopped) continue;
      try {
        // With this replica's own token: a claim whose answer was lost is won on the next tick.
        const runKey = `slack:digest-run:${digest.id}:${digest.nextRunAt}`;
        if (!(await claimWithToken(this.backend, runKey, this.#claimToken, digest.everyMs))) continue;
        let next = digest.nextRunAt + digest.everyMs;
        // After downtime, the missed runs are skipped, not caught up in a burst.
        while (next <= now) next += digest.everyMs;
        const claimed = { ...digest, nextRunAt: next };
        await this.store.put(claimed);
        const run = this.#run(claimed, now).finally(() => this.#running.delete(run));
        this.#running.add(run);
      } catch (error) {
        if (!isSharedStateUnavailable(error))
          this.bot.logger.warn('digest tick failed', { digest: digest.id, error: describeError(error) });
      }
    }
  }

  #logPaused(plan: DigestPlans): void {
    const paused = plan.paused.map((digest) => digest.id).join(',');
    if (paused === this.#pausedLogged) return;
    this.#pausedLogged = paused;
    // Per org when they are named: each org's digests spend its own budget.
    const perOrg = (say: (org: DigestPlan) => string) =>
      this.bot.orgs.named
        ? [...plan.byOrg].map(([org, orgPlan]) => `${org}: ${say(orgPlan)}`).join('; ')
        : [...plan.byOrg.values()].map(say).join('; ');
    if (plan.paused.length === 0) {
      this.bot.logger.info('every digest fits in the digest budget again; none is paused', {
        spentCallsPerMinute: perOrg((orgPlan) => formatCalls(orgPlan.spent)),
        allowed: perOrg((orgPlan) => allowanceText(orgPlan.budget)),
      });
      return;
    }
    this.bot.logger.warn('digests over the digest budget are paused (kept, listed, not run)', {
      paused: plan.paused.map((digest) => ({
        id: digest.id,
        channel: digest.channelId,
        ...(digest.org ? { org: digest.org } : {}),
        every: digest.every,
        callsPerMinute: formatCalls(digestCallsPerMinute(digest)),
      })),
      wantedCallsPerMinute: perOrg((orgPlan) => formatCalls(orgPlan.wanted)),
      allowed: perOrg((orgPlan) => allowanceText(orgPlan.budget)),
      fix: `Raise ${DIGEST_BUDGET_VARIABLE}, or remove digests (/sumo digest remove <id>); paused digests run again by themselves once they fit, oldest first.`,
    });
  }

  async #run(digest: Digest, now: number): Promise<void> {
    const iso = (epochMs: number) => new Date(epochMs).toISOString();
    let reply: Reply;
    let histograms: Pick<MessagesOverTimeInput, 'histogram' | 'previous'> | undefined;
    let failing = false;
    try {
      // The org it was set up for, whatever the channel's org is by now.
      const bot = forOrg(this.bot, digest.org);
      const current = await this.#search(bot, digest.query, iso(now - digest.rangeMs), iso(now));
      const previous = await this.#search(
        bot,
        digest.query,
        iso(now - 2 * digest.rangeMs),
        iso(now - digest.rangeMs),
      );
      reply = digestMessage(digest, current, previous, bot.notes);
      histograms = { histogram: current.histogram, previous: previous.histogram };
    } catch (error) {
      failing = true;
      this.bot.logger.warn('digest run failed', { digest: digest.id, error: describeError(error) });
      if (digest.failing) {
        await this.#markFailing(digest, true);
        return;
      }
      const line = `:x: Digest \`${digest.id}\` (${code(digest.query)}, every ${digest.every}) failed: ${escapeMrkdwn(describeError(error))}. It keeps trying every ${digest.every}; this is said once, and again when it works.`;
      reply = { text: `Digest ${digest.id} failed`, blocks: [section(line)] };
    }
    try {
      const posted = await this.bot.pacer.run(digest.channelId, () =>
        this.client.chat.postMessage({ channel: digest.channelId, ...reply }),
      );
      if (histograms && posted.ts) {
        // Asked after the text is posted: users.info may be slow or retried, the digest is not held for it.
        // A digest is read by a channel; its axis is on the clock of the person who set it up.
        const timeZone = (await readerTimeZone(this.client, digest.createdBy, this.bot.logger)) ?? 'UTC';
        const chart = messagesOverTimeChart({ ...histograms, timeZone });
        const target = { client: this.client, channelId: digest.channelId, threadTs: posted.ts };
        const { pacer, logger, httpFetch } = this.bot;
        await postChart({ ...target, pacer, logger, httpFetch }, chart, 'digest.png');
      }
    } catch (error) {
      this.bot.logger.warn('could not post a digest', { digest: digest.id, error: describeError(error) });
    }
    if (failing !== Boolean(digest.failing)) await this.#markFailing(digest, failing);
  }

  async #markFailing(digest: Digest, failing: boolean): Promise<void> {
    // Only if it still exists: a digest removed during its run stays removed.
    const current = (await this.store.list()).find((item) => item.id === digest.id);
    if (current && Boolean(current.failing) !== failing) await this.store.put({ ...current, failing });
  }

  async #search(bot: DigestBot, query: string, from: string, to: string): Promise<SearchSummary> {
    const { catalog } = bot;
    const input = catalog.parseInput('run_search', {
      query,
      from,
      to,
      limit: 0,
      timeBudgetSeconds: SEARCH_BUDGET_SECONDS,
    });
    // Nobody waits for a digest's search: it polls sparingly, which keeps it within the estimate
    // its budget is counted by (digest-budget.ts).
    const context = operationContext(bot, 'run_search', { background: true });
    const result = (await catalog.run('run_search', context, input)) as {
      jobKept: boolean;
      jobId: string;
      summary: SearchSummary;
    };
    if (result.jobKept) {
      // Nobody continues a digest's search: its job is deleted now rather than left to expire.
      await catalog
        .run(
          'cancel_search',
          operationContext(bot, 'cancel_search'),
          catalog.parseInput('cancel_search', { jobId: result.jobId }),
        )
        .catch(() => undefined);
    }
    return result.summary;
  }
}

/** One parent message per run: what ran, the summary, then this period against the one before. */
export function digestMessage(
  digest: Digest,
  current: SearchSummary,
  previous: SearchSummary,
  notes: readonly string[] = [],
): Reply {
  const head: Block[] = [
    section(
      `:calendar: *Digest* \`${digest.id}\` — every ${escapeMrkdwn(digest.every)}, last ${escapeMrkdwn(digest.from.replace(/^-/, ''))}\n${code(digest.query)}`,
    ),
  ];
  if (digest.failing) head.push(context(':white_check_mark: Working again after a failed run.'));
  const summary = searchSummaryMessage(current).blocks;
  const comparison = comparisonMessage(
    figuresOf(current),
    figuresOf(previous),
    digest.createdBy,
  ).blocks.slice(1);
  const blocks = fitBlocks(
    [...head, ...comparison, ...summary],
    LIMITS.totalText - RESERVED_TEXT,
    LIMITS.blocks - 2,
  );
  blocks.push(
    context(
      `Set up by <@${digest.createdBy}>. \`/sumo digest remove ${digest.id}\` stops it.`,
      ...notes.map(escapeMrkdwn),
    ),
  );
  return {
    text: `Digest ${digest.id}: ${current.messageCount} messages, ${current.recordCount} records`,
    blocks,
  };
}
