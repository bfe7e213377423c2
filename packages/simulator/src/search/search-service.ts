import { randomBytes } from 'node:crypto';
import type { SimClock } from '../clock.js';
import { DAY_MS, HOUR_MS } from '../durations.js';
import type { SimOrg } from '../org/sim-org.js';
import { type FieldDescriptor, LogCorpus, type MessageMap } from './corpus.js';
import type { HistogramBucket, RecordMap, SearchExecution } from './execution.js';
import { FleetLogs } from './fleet-logs.js';
import { type CompiledQuery, compileQuery } from './query.js';
import { SearchQueryError } from './query-error.js';
import { searchErrors } from './search-errors.js';

export interface SearchOptions {
  /** Messages in the log corpus, generated on demand. Default 1,000,000. */
  corpusSize?: number;
  /** Seeds the corpus. Default: the simulator's seed. */
  seed?: number;
  /** Epoch ms of the oldest message. Default: 24 hours before `corpusTo`. */
  corpusFrom?: number;
  /** Epoch ms the newest message precedes. Default: the simulator's start time. */
  corpusTo?: number;
  /**
   * Non-aggregate jobs stop as FORCE PAUSED at this many messages. Default 10,000,000, the doc's
   * per-search result limit; the doc's FORCE PAUSED note puts the service's (dynamic) pause near
   * 100,000, so set that to test a client's handling of paused searches.
   */
  forcePauseThreshold?: number;
  /** Corpus messages a job scans per simulated second while gathering. Default 1,000,000. */
  gatheringSpeed?: number;
  /** Simulated ms a new job stays NOT STARTED. Default 500. */
  startDelayMs?: number;
  /** Active (not deleted, not cancelled) jobs per access id; one more is a 429. Default 200. */
  maxActiveJobs?: number;
  /** A job with no status or result request for this many simulated ms is cancelled. Default 30,000. */
  keepAliveMs?: number;
  /**
   * Search the org's own logs beside the corpus: every source of every collector sends messages
   * with its `_collector`, `_collectorId`, `_source`, `_sourceId`, `_sourceCategory` and
   * `_sourceHost`, except while its collector is offline, a health error on it stops it, or an
   * ingest budget over it is `Exceeded` with `stopCollecting`. Default false: the corpus alone,
   * so its counts are exactly `corpusSize`.
   */
  fleetLogs?: boolean;
  /**
   * When set, every job is DONE this many simulated ms after its creation, however much its range
   * holds: it stays NOT STARTED for `startDelayMs` (at most this long), then scans its range at
   * the even pace that ends it on time. Benchmarks use it to run jobs of chosen lengths; change it
   * between jobs with `SearchService.setJobDurationMs`.
   */
  jobDurationMs?: number;
}

export type ResolvedSearchOptions = Required<
  Omit<SearchOptions, 'seed' | 'corpusFrom' | 'corpusTo' | 'corpusSize' | 'fleetLogs' | 'jobDurationMs'>
>;

export type SearchJobState =
  | 'NOT STARTED'
  | 'GATHERING RESULTS'
  | 'FORCE PAUSED'
  | 'DONE GATHERING RESULTS'
  | 'CANCELLED';

/**
 * `state` comes after the string arrays on purpose: clients that grep it with a greedy
 * `"state":"(.*)"[,}]`, as the doc's own script does, still stop at the state's closing quote
 * when a status carries several warnings.
 */
export interface SearchJobStatus {
  pendingErrors: string[];
  pendingWarnings: string[];
  histogramBuckets: { length: number; count: number; startTimestamp: number }[];
  state: SearchJobState;
  messageCount: number;
  recordCount: number;
}

export interface NewSearchJob {
  query: string;
  from: number;
  to: number;
  byReceiptTime: boolean;
}

/** The cookie that routes follow-up requests to the job's node. */
export const SESSION_COOKIE = 'JSESSIONID';
/** The documented hard stop, however often the client polls. */
const MAX_JOB_AGE_MS = 8 * HOUR_MS;
/** How long a cancelled job still answers its status (as CANCELLED) before it is forgotten. */
const CANCELLED_RETENTION_MS = HOUR_MS;

const DEFAULTS: ResolvedSearchOptions = {
  forcePauseThreshold: 10_000_000,
  gatheringSpeed: 1_000_000,
  startDelayMs: 500,
  maxActiveJobs: 200,
  keepAliveMs: 30_000,
};

export class SearchJob {
  readonly id = randomBytes(8).toString('hex').toUpperCase();
  /** The JSESSIONID value; a request without it cannot reach the job. */
  readonly sessionId = randomBytes(16).toString('hex').toUpperCase();
  lastRequestAt: number;
  cancelledAt: number | undefined;
  /** The simulated time the job was last brought up to. */
  private syncedAt: number;
  private paused = false;
  private final: { messageCount: number; recordCount: number } | undefined;

  /** Simulated ms the job stays NOT STARTED. */
  private readonly startDelayMs: number;
  /** Simulated ms from the start to the end of the scan, when the job runs for a set time. */
  private readonly scanMs: number | undefined;

  constructor(
    readonly accessId: string,
    readonly query: CompiledQuery,
    readonly createdAt: number,
    private execution: SearchExecution | undefined,
    private readonly options: ResolvedSearchOptions,
    durationMs?: number,
  ) {
    this.lastRequestAt = createdAt;
    this.syncedAt = createdAt;
    this.startDelayMs =
      durationMs === undefined ? options.startDelayMs : Math.min(options.startDelayMs, durationMs);
    this.scanMs = durationMs === undefined ? undefined : durationMs - this.startDelayMs;
  }

  get isActive(): boolean {
    return this.cancelledAt === undefined;
  }

  /**
   * Brings the job to simulated time `now`: gathering is a pure function of elapsed time, computed
   * when someone looks, so no timers run. A job nobody asked about for the keep-alive window is
   * cancelled as of the end of that window.
   */
  sync(now: number): void {
    if (this.cancelledAt !== undefined) return;
    this.syncedAt = Math.max(this.syncedAt, now);
    const deadline = Math.min(this.lastRequestAt + this.options.keepAliveMs, this.createdAt + MAX_JOB_AGE_MS);
    this.gatherUntil(Math.min(now, deadline));
    if (now > deadline) this.cancel(deadline);
  }

  private gatherUntil(time: number): void {
    const execution = this.execution;
    if (execution === undefined || execution.done || this.paused) return;
    const elapsed = time - this.createdAt - this.startDelayMs;
    // A job set to scan in no time at all is done the moment it starts.
    if (elapsed < 0 || (elapsed === 0 && this.scanMs !== 0)) return;
    const total = execution.totalPositions;
    const target =
      this.scanMs === undefined
        ? Math.min(total, Math.floor((elapsed / 1000) * this.options.gatheringSpeed))
        : elapsed >= this.scanMs
          ? total
          : Math.floor((total * elapsed) / this.scanMs);
    const threshold = this.query.isAggregate ? Number.POSITIVE_INFINITY : this.options.forcePauseThreshold;
    execution.advance(target - execution.scannedPositions, threshold);
    if (!execution.done && execution.messageCount >= threshold) {
      this.paused = true;
      execution.warn(
        'force-paused',
        `The search was paused after ${threshold} messages. Narrow the query or the time range to see all results.`,
      );
    }
  }

  private cancel(at: number): void {
    this.cancelledAt = at;
    this.final = {
      messageCount: this.execution?.messageCount ?? 0,
      recordCount: this.execution?.recordCount ?? 0,
    };
    // The positions of a cancelled job can never be paged again; free them.
    this.execution = undefined;
  }

  /** Marks a request for the job: status and result calls keep it alive. */
  touch(now: number): void {
    if (this.cancelledAt === undefined) this.lastRequestAt = now;
  }

  get state(): SearchJobState {
    if (this.cancelledAt !== undefined) return 'CANCELLED';
    if (this.syncedAt - this.createdAt < this.startDelayMs) return 'NOT STARTED';
    if ((this.execution as SearchExecution).done) return 'DONE GATHERING RESULTS';
    return this.paused ? 'FORCE PAUSED' : 'GATHERING RESULTS';
  }

  /** The status document; histogram buckets and warnings are only those new since the last call. */
  status(): SearchJobStatus {
    const state = this.state;
    const execution = this.execution;
    if (execution === undefined || state === 'NOT STARTED') {
      const counts = this.final ?? { messageCount: 0, recordCount: 0 };
      return { pendingErrors: [], pendingWarnings: [], histogramBuckets: [], state, ...counts };
    }
    return {
      pendingErrors: [],
      pendingWarnings: execution.takeNewWarnings(),
      histogramBuckets: execution.takeNewHistogramBuckets().map(docBucket),
      state,
      messageCount: execution.messageCount,
      recordCount: execution.recordCount,
    };
  }

  messages(offset: number, limit: number): { fields: FieldDescriptor[]; messages: { map: MessageMap }[] } {
    const execution = this.requireExecution();
    return {
      fields: execution.messageFields,
      messages: execution.messages(offset, limit).map((map) => ({ map })),
    };
  }

  records(offset: number, limit: number): { fields: FieldDescriptor[]; records: RecordMap[] } {
    if (!this.query.isAggregate) throw searchErrors.notAnAggregation();
    const execution = this.requireExecution();
    return { fields: execution.recordFields, records: execution.records(offset, limit) };
  }

  private requireExecution(): SearchExecution {
    // Results of a cancelled job are gone, as for a job that never existed.
    if (this.execution === undefined) throw searchErrors.jobIdInvalid();
    return this.execution;
  }
}

/** Keys in the doc's order, for clients that compare status documents as text. */
function docBucket(bucket: HistogramBucket): SearchJobStatus['histogramBuckets'][number] {
  return { length: bucket.length, count: bucket.count, startTimestamp: bucket.startTimestamp };
}

/**
 * The search side of the simulator (`sim.search`): the log corpus and every search job, with
 * the documented lifecycle driven by the simulated clock.
 */
export class SearchService {
  readonly corpus: LogCorpus;
  readonly options: ResolvedSearchOptions;
  private readonly jobs = new Map<string, SearchJob>();
  private readonly org: Pick<SimOrg, 'dataOrigins'> | undefined;
  private jobDurationMs: number | undefined;

  /** `org.dataOrigins` sends the org's logs when `options.fleetLogs` asks for them. */
  constructor(
    private readonly clock: SimClock,
    options: SearchOptions = {},
    defaults: { seed: number; org?: Pick<SimOrg, 'dataOrigins'> } = { seed: 1 },
  ) {
    const to = options.corpusTo ?? clock.now();
    this.corpus = new LogCorpus({
      seed: options.seed ?? defaults.seed,
      size: options.corpusSize ?? 1_000_000,
      from: options.corpusFrom ?? to - DAY_MS,
      to,
    });
    this.options = {
      forcePauseThreshold: options.forcePauseThreshold ?? DEFAULTS.forcePauseThreshold,
      gatheringSpeed: options.gatheringSpeed ?? DEFAULTS.gatheringSpeed,
      startDelayMs: options.startDelayMs ?? DEFAULTS.startDelayMs,
      maxActiveJobs: options.maxActiveJobs ?? DEFAULTS.maxActiveJobs,
      keepAliveMs: options.keepAliveMs ?? DEFAULTS.keepAliveMs,
    };
    this.org = options.fleetLogs ? defaults.org : undefined;
    this.setJobDurationMs(options.jobDurationMs);
  }

  /** The org's logs as of now (what a job created now searches), or undefined when they are off. */
  fleetLogs(): FleetLogs | undefined {
    return this.org && new FleetLogs(this.corpus.seed, this.org.dataOrigins(), this.clock.now());
  }

  /** Jobs created from now on are DONE this long after creation (see `SearchOptions.jobDurationMs`); undefined: as their range takes. */
  setJobDurationMs(durationMs: number | undefined): void {
    if (durationMs !== undefined && !(Number.isFinite(durationMs) && durationMs >= 0)) {
      throw new RangeError('jobDurationMs must be a non-negative number of simulated milliseconds');
    }
    this.jobDurationMs = durationMs;
  }

  /** Starts a job; throws the documented 400 for a query the engine cannot run, 429 over the job limit. */
  create(accessId: string, request: NewSearchJob): SearchJob {
    const now = this.clock.now();
    if (this.activeJobCount(accessId) >= this.options.maxActiveJobs) {
      throw searchErrors.tooManyJobs(this.options.maxActiveJobs);
    }
    let query: CompiledQuery;
    try {
      query = compileQuery(request.query);
    } catch (error) {
      if (error instanceof SearchQueryError) throw searchErrors.parseError(error.message);
      throw error;
    }
    const fleet = this.fleetLogs();
    const execution = query.execute(
      this.corpus,
      { from: request.from, to: request.to, byReceiptTime: request.byReceiptTime },
      { retainPositions: true, ...(fleet && { fleet }) },
    );
    const job = new SearchJob(accessId, query, now, execution, this.options, this.jobDurationMs);
    this.jobs.set(job.id, job);
    return job;
  }

  /**
   * The job a follow-up request names, brought up to date and kept alive. Without the job's
   * routing cookie, or from another access id, it is a 404 as if the job did not exist.
   */
  job(accessId: string, id: string, sessionCookie: string | undefined): SearchJob {
    const job = this.jobs.get(id);
    if (job === undefined || job.accessId !== accessId || job.sessionId !== sessionCookie) {
      throw searchErrors.jobIdInvalid();
    }
    const now = this.clock.now();
    job.sync(now);
    job.touch(now);
    return job;
  }

  delete(accessId: string, id: string, sessionCookie: string | undefined): void {
    this.job(accessId, id, sessionCookie);
    this.jobs.delete(id);
  }

  /** Jobs that count against the limit: created, not deleted, not cancelled. */
  activeJobCount(accessId?: string): number {
    this.sweep();
    let count = 0;
    for (const job of this.jobs.values()) {
      if (job.isActive && (accessId === undefined || job.accessId === accessId)) count++;
    }
    return count;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [id, job] of this.jobs) {
      job.sync(now);
      if (job.cancelledAt !== undefined && now - job.cancelledAt > CANCELLED_RETENTION_MS)
        this.jobs.delete(id);
    }
  }
}
