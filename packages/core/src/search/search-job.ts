import {
  createSearchJob,
  deleteSearchJob,
  getSearchJobMessages,
  getSearchJobRecords,
  getSearchJobStatus,
  MAX_SEARCH_PAGE_SIZE,
  type SearchRowsPage,
} from '../api/search-jobs.js';
import type { SumoClient } from '../http/client.js';
import { isSumoApiError, SumoApiError } from '../http/errors.js';
import { SearchJobAffinity } from '../http/search-affinity.js';
import { sleep } from '../http/sleep.js';
import type { Logger } from '../logger.js';
import { metrics } from '../metrics.js';
import type { HistogramBucket, SearchJobState, SearchRow } from '../schemas/search-job.js';
import { SearchJobError } from './errors.js';
import { HistogramAccumulator } from './histogram.js';
import {
  createJobBody,
  type ResolvedSearchRequest,
  resolveSearchRequest,
  type SearchRequestInput,
} from './time.js';

/** Sumo cancels a job that nothing has asked about for 20–30 s. */
export const MAX_KEEP_ALIVE_MS = 20_000;
/** Sumo stops every query after about eight hours, polled or not. */
export const SEARCH_MAX_RUNTIME_MS = 8 * 3_600_000;
/** Errors and warnings kept per job; a runaway query can emit one per status call. */
const MAX_NOTES = 50;
const DELETE_TIMEOUT_MS = 15_000;
const SECOND_MS = 1_000;

export interface SearchJobOptions {
  logger?: Logger | undefined;
  /** Status polling while waiting: starts at `initialMs` and doubles up to `maxMs` (≤ 20 s). */
  poll?: { initialMs?: number; maxMs?: number } | undefined;
  /** Longest quiet time before the runner touches the job on its own (≤ 20 s). Default 15 s. */
  keepAliveMs?: number | undefined;
  /**
   * When set, the job deletes itself after this long without a call from its user (keep-alive
   * touches do not count): a job handed to a caller is kept only while the caller uses it.
   */
  idleTimeoutMs?: number | undefined;
  /** Default 8 hours, Sumo's own ceiling. */
  maxRuntimeMs?: number | undefined;
  /** Called once when the job has been closed (deleted, or given up on). */
  onClosed?: ((job: SearchJob, reason: SearchJobCloseReason) => void) | undefined;
  /**
   * Called after every status call with what it reported (awaited: a shared registry records it
   * for the other replicas before the caller sees the answer). Must not throw.
   */
  onStatus?: ((job: SearchJob, status: SearchStatusDelta) => Promise<void> | void) | undefined;
  /** When the job was created, for a job rebuilt by another process. Default: now. */
  createdAt?: number | undefined;
  /** Which timers this process runs for the job; see `setTimers`. Default `all`. */
  timers?: SearchJobTimers | undefined;
}

export type SearchJobCloseReason = 'closed' | 'idle';

/**
 * `all`: keep-alive and idle deletion run here. `keep-alive`: keep-alive only (a shared registry
 * deletes idle jobs, exactly once across replicas). `none`: another process keeps the job alive.
 */
export type SearchJobTimers = 'all' | 'keep-alive' | 'none';

/** What one status call reported: the state then, and what was new (the API reports each only once). */
export interface SearchStatusDelta {
  /** Epoch ms when it was read. */
  at: number;
  state: SearchJobState;
  messageCount: number;
  recordCount: number;
  histogramBuckets: HistogramBucket[];
  errors: string[];
  warnings: string[];
}

/** The settings a process that rebuilds the job needs to treat it the same way. */
export interface SearchJobSettings {
  poll: { initialMs: number; maxMs: number };
  keepAliveMs: number;
  idleTimeoutMs: number | undefined;
  maxRuntimeMs: number;
}

export interface SearchJobSnapshot {
  id: string;
  state: SearchJobState;
  /** Results are final: DONE GATHERING RESULTS, or FORCE PAUSED (final, but incomplete). */
  done: boolean;
  messageCount: number;
  recordCount: number;
  /** Merged across every status call, oldest first. */
  histogram: HistogramBucket[];
  /** Accumulated across status calls (the API reports each only once). */
  errors: string[];
  warnings: string[];
  elapsedMs: number;
}

export interface WaitOptions {
  signal?: AbortSignal | undefined;
  /** Epoch ms: return the latest snapshot (done: false) rather than wait past it. */
  deadline?: number | undefined;
  onProgress?: ((snapshot: SearchJobSnapshot, polls: number) => void) | undefined;
  /**
   * Poll like a poller that asks again one second after each answer, with polls evenly in between
   * while the job is young, instead of doubling the wait: each second after a "beat" poll's answer
   * is split into the fewest equal steps that keep a step within this fraction of the job's age,
   * so a job is seen done within about that fraction of its run time. Early on that is as often as
   * the rate budget leaves room for (`perSecond - reserve` polls a second; steps of at least the
   * poll settings' `initialMs`). The beat polls fall where such a one-second poller's polls fall,
   * so the job is never seen done later than by it, and no answer waits more than a second for
   * the next poll.
   */
  pollGrowth?: number | undefined;
  /**
   * Requests the caller makes as soon as the job is done (the summary's page): polls leave that
   * many of the rate budget's window to them, so they go out at once instead of queueing behind
   * this job's own polls. Read before every poll.
   */
  reserve?: (() => number) | undefined;
}

export interface PagingOptions {
  offset?: number | undefined;
  /** Stop after this many rows. */
  limit?: number | undefined;
  /** Rows per request, at most 10,000 (the API's maximum). */
  pageSize?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface RowsPage extends SearchRowsPage {
  offset: number;
}

type RowKind = 'messages' | 'records';

const RUNNING_STATES: ReadonlySet<SearchJobState> = new Set([
  'NOT STARTED',
  'GATHERING RESULTS',
  'GATHERING RESULTS FROM SUBQUERIES',
  // Only the histogram is complete; messages and records are still coming.
  'DONE GATHERING HISTOGRAM',
]);

/**
 * Creates a search job after checking the request (bad input never reaches the API). The returned
 * job must be closed; prefer `withSearchJob`, or `await using`.
 */
export async function startSearchJob(
  client: SumoClient,
  input: SearchRequestInput | ResolvedSearchRequest,
  options: SearchJobOptions & { signal?: AbortSignal | undefined } = {},
): Promise<SearchJob> {
  const request = 'resolved' in input ? input : resolveSearchRequest(input);
  const affinity = await SearchJobAffinity.create();
  let id: string;
  try {
    id = await createSearchJob(client, createJobBody(request), { affinity, signal: options.signal });
  } catch (error) {
    throw translateCreateError(error);
  }
  const job = new SearchJob(client, id, request, affinity, options);
  // Created while the caller gave up: the job exists, so it is deleted rather than leaked.
  if (options.signal?.aborted) {
    await job.close();
    throw options.signal.reason;
  }
  return job;
}

/** Runs `use` with a fresh search job and deletes the job however `use` ends. */
export async function withSearchJob<T>(
  client: SumoClient,
  input: SearchRequestInput | ResolvedSearchRequest,
  use: (job: SearchJob) => Promise<T>,
  options: SearchJobOptions & { signal?: AbortSignal | undefined } = {},
): Promise<T> {
  const job = await startSearchJob(client, input, options);
  try {
    return await use(job);
  } finally {
    await job.close();
  }
}

/**
 * One search job: keeps it alive, accumulates what the status call reports only once (buckets,
 * errors, warnings), pages its results, and deletes it when closed. Every request about the job
 * carries the job's own routing (its cookie jar), so concurrent jobs never see each other's.
 */
export class SearchJob implements AsyncDisposable {
  readonly id: string;
  readonly request: ResolvedSearchRequest;
  readonly client: SumoClient;
  readonly affinity: SearchJobAffinity;
  readonly #logger: Logger | undefined;
  readonly #pollInitialMs: number;
  readonly #pollMaxMs: number;
  readonly #keepAliveMs: number;
  readonly #idleTimeoutMs: number | undefined;
  readonly #maxRuntimeMs: number;
  readonly #onClosed: SearchJobOptions['onClosed'];
  readonly #onStatus: SearchJobOptions['onStatus'];
  readonly #createdAt: number;
  readonly #histogram = new HistogramAccumulator();
  /** The gauge this job counted itself in, counted down on it even if metrics were enabled since. */
  readonly #counted = metrics.searchJobs;
  readonly #errors: string[] = [];
  readonly #warnings: string[] = [];
  #droppedNotes = 0;
  #state: SearchJobState = 'NOT STARTED';
  /** When the state and counts were read (their own status call, or one absorbed from another process). */
  #stateAt = 0;
  #timers: SearchJobTimers;
  #messageCount = 0;
  #recordCount = 0;
  #lastTouch = Date.now();
  #lastUse = Date.now();
  /** When this job's latest request started (at first: its create), what its polls pace against. */
  #lastStart = Date.now();
  #lost: SearchJobError | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closing: Promise<boolean> | undefined;
  #closeReason: SearchJobCloseReason | undefined;

  constructor(
    client: SumoClient,
    id: string,
    request: ResolvedSearchRequest,
    affinity: SearchJobAffinity,
    options: SearchJobOptions = {},
  ) {
    this.client = client;
    this.id = id;
    this.request = request;
    this.affinity = affinity;
    this.#logger = options.logger?.child({ searchJobId: id });
    this.#pollInitialMs = options.poll?.initialMs ?? 250;
    this.#pollMaxMs = Math.min(options.poll?.maxMs ?? 10_000, MAX_KEEP_ALIVE_MS);
    this.#keepAliveMs = Math.min(options.keepAliveMs ?? 15_000, MAX_KEEP_ALIVE_MS);
    this.#idleTimeoutMs = options.idleTimeoutMs;
    this.#maxRuntimeMs = options.maxRuntimeMs ?? SEARCH_MAX_RUNTIME_MS;
    this.#onClosed = options.onClosed;
    this.#onStatus = options.onStatus;
    this.#createdAt = options.createdAt ?? Date.now();
    this.#timers = options.timers ?? 'all';
    this.#armKeepAlive();
    this.#counted.inc();
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Why the job was closed, from the moment its deletion starts (not when Sumo answers it). */
  get closeReason(): SearchJobCloseReason | undefined {
    return this.#closeReason;
  }

  get createdAt(): number {
    return this.#createdAt;
  }

  get settings(): SearchJobSettings {
    return {
      poll: { initialMs: this.#pollInitialMs, maxMs: this.#pollMaxMs },
      keepAliveMs: this.#keepAliveMs,
      idleTimeoutMs: this.#idleTimeoutMs,
      maxRuntimeMs: this.#maxRuntimeMs,
    };
  }

  /**
   * Which timers this process runs for the job (see `SearchJobTimers`). Switching to `none` stops
   * them without deleting the job: another process continues it.
   */
  setTimers(timers: SearchJobTimers): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timers = timers;
    this.#armKeepAlive();
  }

  /** Everything the status calls reported so far, as one delta (what a process rebuilding the job starts from). */
  statusSoFar(): SearchStatusDelta {
    return {
      at: this.#stateAt,
      state: this.#state,
      messageCount: this.#messageCount,
      recordCount: this.#recordCount,
      histogramBuckets: this.#histogram.buckets(),
      errors: [...this.#errors],
      warnings: [...this.#warnings],
    };
  }

  /**
   * Merges what another process's status call reported: its buckets, errors and warnings join the
   * accumulated ones, and its state and counts replace ours when they were read later.
   */
  absorb(delta: SearchStatusDelta): void {
    // Another process's status call touched the job too: no keep-alive is due before it needs one.
    this.#lastTouch = Math.min(Date.now(), Math.max(this.#lastTouch, delta.at));
    this.#histogram.add(delta.histogramBuckets);
    this.#note(this.#errors, delta.errors);
    this.#note(this.#warnings, delta.warnings);
    if (delta.at >= this.#stateAt) {
      this.#stateAt = delta.at;
      this.#state = delta.state;
      this.#messageCount = delta.messageCount;
      this.#recordCount = delta.recordCount;
    }
  }

  /** The latest known state without an API call. */
  snapshot(): SearchJobSnapshot {
    return {
      id: this.id,
      state: this.#state,
      done: isFinal(this.#state),
      messageCount: this.#messageCount,
      recordCount: this.#recordCount,
      histogram: this.#histogram.buckets(),
      errors:
        this.#droppedNotes > 0
          ? [...this.#errors, `(${this.#droppedNotes} more not kept)`]
          : [...this.#errors],
      warnings: [...this.#warnings],
      elapsedMs: Date.now() - this.#createdAt,
    };
  }

  /** One status call; its buckets, errors and warnings join the accumulated ones. */
  async refresh(signal?: AbortSignal): Promise<SearchJobSnapshot> {
    this.#use();
    await this.#status(signal);
    return this.snapshot();
  }

  /**
   * Polls until the results are final, fast at first (quick queries answer in well under a
   * second) and slower later, never less often than the keep-alive needs. Returns early with
   * `done: false` at `deadline`; throws when the job is cancelled, lost, or passes the runtime
   * ceiling, so no caller can wait forever.
   */
  async waitUntilDone(options: WaitOptions = {}): Promise<SearchJobSnapshot> {
    let delay = this.#pollInitialMs;
    const beat = { from: 0, steps: 0, step: 0 };
    for (let polls = 1; ; polls += 1) {
      const snapshot = await this.refresh(options.signal);
      options.onProgress?.(snapshot, polls);
      if (snapshot.done) return snapshot;
      this.#checkRuntime();
      const now = Date.now();
      const remaining = options.deadline === undefined ? Number.POSITIVE_INFINITY : options.deadline - now;
      if (remaining <= 0) return snapshot;
      const reserve = options.reserve?.() ?? 0;
      let wait: number;
      if (options.pollGrowth === undefined) {
        wait = Math.max(delay, this.#budgetFreeAt(reserve) - now);
        delay = Math.min(delay * 2, this.#pollMaxMs);
      } else {
        // This poll was the beat's last step, or the first poll: a new beat starts at its answer.
        if (beat.step === beat.steps) {
          beat.from = now;
          beat.steps = this.#stepsPerSecond(now, options.pollGrowth, reserve);
          beat.step = 0;
        }
        beat.step += 1;
        wait = beat.from + (beat.step * SECOND_MS) / beat.steps - now;
      }
      await sleep(Math.min(wait, remaining), options.signal);
    }
  }

  /** How many polls the next second gets under `WaitOptions.pollGrowth`. */
  #stepsPerSecond(now: number, growth: number, reserve: number): number {
    const most = Math.max(
      1,
      Math.min(
        this.client.rateLimiter.limits.perSecond - reserve,
        Math.floor(SECOND_MS / this.#pollInitialMs),
      ),
    );
    const fewest = Math.ceil(SECOND_MS / this.#pollMaxMs);
    const sinceCreated = Math.max(0, now - this.#createdAt) * growth;
    const wanted = sinceCreated > 0 ? Math.ceil(SECOND_MS / sinceCreated) : most;
    return Math.min(most, Math.max(fewest, wanted));
  }

  /**
   * The earliest time a poll may start so that, polling at this pace, `reserve` requests of the
   * rate budget's window stay free for the caller: polls are spread evenly over the window (a
   * burst would leave the window full just when the job is done). Only this job's own requests
   * count: that is what it knows without asking the store.
   */
  #budgetFreeAt(reserve: number): number {
    const { limits } = this.client.rateLimiter;
    const windowMs = this.client.rateLimiter.windowFor(this.client.rateKey);
    const spacing = windowMs / Math.max(1, limits.perSecond - reserve);
    return this.#lastStart + spacing;
  }

  /** One page of what has been found so far (no waiting). */
  getMessages(offset: number, limit: number, signal?: AbortSignal): Promise<SearchRowsPage> {
    return this.#page('messages', offset, limit, signal);
  }

  /** One page of records; only aggregate queries have them. */
  getRecords(offset: number, limit: number, signal?: AbortSignal): Promise<SearchRowsPage> {
    return this.#page('records', offset, limit, signal);
  }

  /** Pages of messages, newest first, while the job runs: up to the current count, then waits for more. */
  messagePages(options: PagingOptions = {}): AsyncGenerator<RowsPage> {
    return this.#pages('messages', options);
  }

  recordPages(options: PagingOptions = {}): AsyncGenerator<RowsPage> {
    return this.#pages('records', options);
  }

  async *messages(options: PagingOptions = {}): AsyncGenerator<SearchRow> {
    for await (const page of this.#pages('messages', options)) yield* page.rows;
  }

  async *records(options: PagingOptions = {}): AsyncGenerator<SearchRow> {
    for await (const page of this.#pages('records', options)) yield* page.rows;
  }

  /**
   * Deletes the job (once; later calls return the first result). Never throws and never uses the
   * caller's signal: it runs in `finally` blocks, cancellation included, where a throw would hide
   * the real error. Resolves to whether the API confirmed the deletion (a job already gone counts).
   */
  close(): Promise<boolean> {
    return this.#close('closed');
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close().then(() => undefined);
  }

  #close(reason: SearchJobCloseReason): Promise<boolean> {
    if (!this.#closing) {
      clearTimeout(this.#timer);
      this.#closeReason = reason;
      this.#closing = (async () => {
        try {
          await deleteSearchJob(this.client, this.id, {
            affinity: this.affinity,
            signal: AbortSignal.timeout(DELETE_TIMEOUT_MS),
          });
          return true;
        } catch (error) {
          if (isSumoApiError(error) && error.status === 404) return true;
          this.#logger?.warn('could not delete search job; Sumo will cancel it after 30 s without polling', {
            error: error instanceof Error ? error.message : String(error),
          });
          return false;
        } finally {
          this.#counted.dec();
          this.#onClosed?.(this, reason);
        }
      })();
    }
    return this.#closing;
  }

  async *#pages(kind: RowKind, options: PagingOptions): AsyncGenerator<RowsPage> {
    const pageSize = Math.min(options.pageSize ?? MAX_SEARCH_PAGE_SIZE, MAX_SEARCH_PAGE_SIZE);
    if (!(pageSize >= 1)) throw new RangeError('pageSize must be at least 1');
    const end =
      options.limit === undefined ? Number.POSITIVE_INFINITY : (options.offset ?? 0) + options.limit;
    let offset = options.offset ?? 0;
    let delay = this.#pollInitialMs;
    let asked = false;
    let ahead: Promise<SearchRowsPage> | undefined;
    while (offset < end) {
      const available = Math.min(kind === 'messages' ? this.#messageCount : this.#recordCount, end);
      if (offset < available) {
        const page =
          ahead !== undefined
            ? await ahead
            : await this.#page(kind, offset, Math.min(pageSize, available - offset), options.signal);
        ahead = undefined;
        asked = true;
        // An empty page below the reported count would otherwise be asked for again and again.
        if (page.rows.length === 0) {
          this.#logger?.warn('search job returned an empty page below its count', {
            kind,
            offset,
            available,
          });
          return;
        }
        const next = offset + page.rows.length;
        if (isFinal(this.#state) && next < available) {
          // Once the results are final the next page is known to exist: ask for it while the
          // caller handles this one. Its failure surfaces when it is awaited; if the caller stops
          // early it is dropped, never an unhandled rejection.
          ahead = this.#page(kind, next, Math.min(pageSize, available - next), options.signal);
          ahead.catch(() => undefined);
        }
        yield { ...page, offset };
        offset = next;
        delay = this.#pollInitialMs;
        continue;
      }
      if (isFinal(this.#state)) {
        // Asking once lets the API say "not an aggregation query" instead of a silent empty list.
        if (kind === 'records' && !asked && offset === 0) await this.#page(kind, 0, 1, options.signal);
        return;
      }
      this.#checkRuntime();
      await this.refresh(options.signal);
      if (offset >= (kind === 'messages' ? this.#messageCount : this.#recordCount) && !isFinal(this.#state)) {
        await sleep(delay, options.signal);
        delay = Math.min(delay * 2, this.#pollMaxMs);
      }
    }
  }

  async #page(kind: RowKind, offset: number, limit: number, signal?: AbortSignal): Promise<SearchRowsPage> {
    this.#use();
    this.#lastStart = Date.now();
    const fetch = kind === 'messages' ? getSearchJobMessages : getSearchJobRecords;
    try {
      const page = await fetch(this.client, this.id, offset, limit, { affinity: this.affinity, signal });
      this.#lastTouch = Date.now();
      return page;
    } catch (error) {
      throw this.#translate(error);
    }
  }

  async #status(signal?: AbortSignal): Promise<void> {
    if (this.#lost) throw this.#lost;
    this.#lastStart = Date.now();
    let status: Awaited<ReturnType<typeof getSearchJobStatus>>;
    try {
      status = await getSearchJobStatus(this.client, this.id, { affinity: this.affinity, signal });
    } catch (error) {
      throw this.#translate(error);
    }
    this.#lastTouch = Date.now();
    this.#stateAt = this.#lastTouch;
    this.#state = status.state;
    this.#messageCount = status.messageCount;
    this.#recordCount = status.recordCount;
    this.#histogram.add(status.histogramBuckets);
    this.#note(this.#errors, status.pendingErrors);
    this.#note(this.#warnings, status.pendingWarnings);
    await this.#onStatus?.(this, {
      at: this.#stateAt,
      state: status.state,
      messageCount: status.messageCount,
      recordCount: status.recordCount,
      histogramBuckets: status.histogramBuckets,
      errors: status.pendingErrors,
      warnings: status.pendingWarnings,
    });
    if (status.state === 'CANCELLED') {
      throw new SearchJobError(
        'search.job.cancelled',
        `Sumo Logic cancelled search job ${this.id} (state CANCELLED) after ${this.#messageCount} messages: it was deleted, not polled for 30 s, or stopped by the service. Start the search again.`,
        this.id,
      );
    }
  }

  #note(into: string[], notes: readonly string[]): void {
    for (const note of notes) {
      if (into.length < MAX_NOTES) into.push(note);
      else this.#droppedNotes += 1;
    }
  }

  #use(): void {
    if (this.#closing) {
      throw new SearchJobError('search.job.unknown', `Search job ${this.id} was already deleted.`, this.id);
    }
    if (this.#lost) throw this.#lost;
    this.#lastUse = Date.now();
  }

  #checkRuntime(): void {
    const runtime = Date.now() - this.#createdAt;
    if (runtime > this.#maxRuntimeMs) {
      throw new SearchJobError(
        'search.job.too.long',
        `Search job ${this.id} has run for ${Math.round(runtime / 60_000)} minutes without finishing; Sumo Logic stops queries after 8 hours. Split the time range into smaller searches.`,
        this.id,
      );
    }
  }

  #translate(error: unknown): unknown {
    if (!(error instanceof SumoApiError)) return error;
    if (error.status === 404 || /jobid\.invalid$/.test(error.code)) {
      this.#lost = new SearchJobError(
        'search.job.lost',
        `Search job ${this.id}: job lost (expired, cancelled, or cookie rejected). Sumo Logic no longer answers for it in this session, so its results cannot be read; start the search again.`,
        this.id,
        { cause: error },
      );
      return this.#lost;
    }
    if (/no\.records\.not\.an\.aggregation\.query$/.test(error.code)) {
      return new SearchJobError(
        'search.no.records',
        'This query has no aggregation (such as "| count by _sourceCategory"), so it produces messages, not records: page its messages instead.',
        this.id,
        { cause: error },
      );
    }
    return error;
  }

  /**
   * Touches the job when nothing else has for `keepAliveMs`, so a job that is only being paged
   * (with a slow consumer between pages) or waited on by a slow caller stays alive. The timer is
   * unref'd: it never keeps a process running.
   */
  #armKeepAlive(): void {
    // One chain of timers: a re-arm from a keep-alive that was running when `setTimers` armed its own replaces it.
    clearTimeout(this.#timer);
    if (this.#closing || this.#timers === 'none') return;
    const due = Math.max(0, this.#lastTouch + this.#keepAliveMs - Date.now());
    const idleDue =
      this.#idleTimeoutMs === undefined || this.#timers !== 'all'
        ? Number.POSITIVE_INFINITY
        : this.#lastUse + this.#idleTimeoutMs - Date.now();
    this.#timer = setTimeout(() => void this.#keepAlive(), Math.max(0, Math.min(due, idleDue)));
    this.#timer.unref();
  }

  async #keepAlive(): Promise<void> {
    if (this.#closing || this.#timers === 'none') return;
    if (
      this.#timers === 'all' &&
      this.#idleTimeoutMs !== undefined &&
      Date.now() - this.#lastUse >= this.#idleTimeoutMs
    ) {
      this.#logger?.info('deleting search job unused by its caller', { idleMs: Date.now() - this.#lastUse });
      await this.#close('idle');
      return;
    }
    if (!this.#lost && Date.now() - this.#lastTouch >= this.#keepAliveMs) {
      try {
        await this.#status();
      } catch (error) {
        // Lost and cancelled are kept for the next caller; anything else is worth only a log line.
        if (!(error instanceof SearchJobError)) {
          this.#logger?.warn('search job keep-alive failed', {
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }
    }
    this.#armKeepAlive();
  }
}

function isFinal(state: SearchJobState): boolean {
  return !RUNNING_STATES.has(state);
}

function translateCreateError(error: unknown): unknown {
  if (!(error instanceof SumoApiError) || error.status !== 429) return error;
  // Both limits answer 429 rate.limit.exceeded; only the message tells the job limit apart.
  const jobLimit = /search job/i.test(error.message);
  const what = jobLimit
    ? 'the organisation has reached its limit of active search jobs (200; 20 on the Frequent tier). Jobs started by every API client of the organisation count, and waiting a few seconds does not free any.'
    : 'the organisation is at its limit of 200 active search jobs (20 on the Frequent tier) or over its request rate.';
  return new SearchJobError(
    'search.jobs.limit',
    `Sumo Logic refused a new search job (429 ${error.code}) after ${error.attempts} attempts: ${what} Wait for running searches to finish, cancel the ones you no longer need (cancel_search), then try again; jobs nobody polls expire about 30 seconds after their last poll.`,
    undefined,
    { cause: error },
  );
}
