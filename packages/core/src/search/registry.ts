import { createHash, randomBytes } from 'node:crypto';
import type { SumoClient } from '../http/client.js';
import { SearchJobAffinity } from '../http/search-affinity.js';
import { type Logger, silentLogger } from '../logger.js';
import type { StateBackend } from '../state/backend.js';
import { isSharedStateUnavailable } from '../state/errors.js';
import { Lease } from '../state/stores.js';
import { SearchJobError } from './errors.js';
import {
  SEARCH_MAX_RUNTIME_MS,
  SearchJob,
  type SearchJobCloseReason,
  type SearchJobSettings,
  type SearchStatusDelta,
} from './search-job.js';
import type { ResolvedSearchRequest } from './time.js';

/** How many closed job ids are remembered, to explain a later call about one. */
const REMEMBERED_CLOSED = 500;
/** Sumo cancels a job nobody polls for about 30 s: a crashed keeper's jobs are taken over well within that. */
const DEFAULT_LEASE_TTL_MS = 10_000;
/** How long every replica can still say why a job id is gone. */
const CLOSED_NOTE_TTL_MS = 24 * 3_600_000;
/** Nothing about a job outlives Sumo's own ceiling on a query's life. */
const RECORD_TTL_MS = SEARCH_MAX_RUNTIME_MS;
/** Sorted index of kept jobs in the backend, scored by the time each becomes idle (backend clock). */
const INDEX = 'search-jobs';

export interface SharedSearchJobsOptions {
  /**
   * The Sumo clients of this process. A replica can continue or keep alive only jobs of a client
   * it has (the cookies are useless without the access key); the registry learns clients from the
   * calls it serves, and these let it take over a crashed replica's jobs before serving any call.
   */
  clients?: readonly SumoClient[] | undefined;
  /** For jobs rebuilt from the backend and the registry's own lines. */
  logger?: Logger | undefined;
  /**
   * A keep-alive lease lasts this long without renewal, so another replica takes over a crashed
   * keeper's jobs within about this time plus `sweepMs`. Default 10 s (Sumo cancels at ~30 s).
   */
  leaseTtlMs?: number | undefined;
  /** How often the index of kept jobs is swept: idle deletion and orphaned jobs. Default leaseTtlMs / 3. */
  sweepMs?: number | undefined;
}

export interface SearchJobsShutdown {
  /** Jobs deleted because no other process could continue them. */
  deleted: number;
  /** Kept jobs left in shared state, their keep-alive leases released, for another replica. */
  leftForReplicas: number;
}

/** What another process needs to continue a kept job. Holds the session cookie: never log it. */
interface KeptJobRecord {
  apiUrl: string;
  accessId: string;
  id: string;
  cookies: string;
  request: ResolvedSearchRequest;
  createdAt: number;
  settings: SearchJobSettings;
}

type StoredDelta = SearchStatusDelta & { by: string };

interface SharedHandle {
  member: string;
  /** Marks the status deltas this job object recorded itself, so it never absorbs them twice. */
  token: string;
  /** Status entries already merged into the job (absorbed, or its own). */
  seen: number;
  /** Local ms when the record was known to be in the backend; a sweep older than that does not judge it. */
  since: number;
  /** Held while this process keeps the job alive. */
  lease?: Lease | undefined;
}

interface Held {
  job: SearchJob;
  /** Set once the job is registered in the shared backend: any replica can continue it. */
  shared?: SharedHandle | undefined;
}

interface Shared {
  backend: StateBackend;
  logger: Logger;
  leaseTtlMs: number;
  timer: NodeJS.Timeout;
  sweeping: Promise<void> | undefined;
}

/**
 * The search jobs that outlive one operation call (a run_search out of time, a start_search). A
 * follow-up call must reuse the job's own cookie jar, so a job id is looked up here; an id we
 * never had, or no longer have, gets a clear error. Jobs are keyed by API URL and access id too:
 * two accounts may well have the same job id.
 *
 * By default the jobs live in this process only. Given a shared backend (`useBackend`), kept jobs
 * are registered there with their cookies, request and accumulated status, so any replica can
 * continue them; one replica at a time keeps each alive (a lease, taken over by a periodic sweep
 * when its keeper dies), and the idle deletion happens exactly once (whoever takes the record).
 */
export class SearchJobRegistry {
  readonly #jobs = new Map<string, Held>();
  readonly #closed = new Map<string, SearchJobCloseReason>();
  /**
   * Jobs an operation call is using and has not kept, and jobs whose call has answered and whose
   * deletion is under way (`release`): only this process can continue or delete them.
   */
  readonly #inFlight = new Set<SearchJob>();
  /** Deletions `release` started and that have not finished. */
  readonly #releasing = new Set<Promise<boolean>>();
  readonly #clients = new Map<string, SumoClient>();
  #shared: Shared | undefined;

  /**
   * Shares kept jobs through `backend` (the front ends pass `stores.backend` when
   * `stores.shared`), from now until `shutdown()`. Calling it again with the same backend only
   * adds `clients`; another backend needs a `shutdown()` first.
   */
  useBackend(backend: StateBackend, options: SharedSearchJobsOptions = {}): void {
    for (const client of options.clients ?? []) this.#remember(client);
    if (this.#shared?.backend === backend) return;
    if (this.#shared) {
      throw new Error(
        'This SearchJobRegistry already shares its jobs through another backend: call shutdown() first, or give each runtime its own registry (createSearchOperations({ registry })).',
      );
    }
    const leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    const timer = setInterval(() => void this.#sweepOnce(), options.sweepMs ?? Math.floor(leaseTtlMs / 3));
    timer.unref();
    this.#shared = {
      backend,
      logger: (options.logger ?? silentLogger).child({ component: 'search-jobs' }),
      leaseTtlMs,
      timer,
      sweeping: undefined,
    };
  }

  /** A job an operation call has started; deleted at shutdown unless it has been kept (`add`). */
  track(job: SearchJob): void {
    this.#remember(job.client);
    this.#inFlight.add(job);
  }

  /**
   * The call that used `job` has its answer (or its error): deletes the job on the next turn of
   * the event loop, once the answer is on its way, so nobody waits for the DELETE nor for a free
   * slot in the rate window for it. The job stays tracked until it is deleted: `shutdown()` waits
   * for the deletion (and `close()` keeps it to one DELETE), `settled()` too.
   */
  release(job: SearchJob): void {
    const deleting = new Promise<boolean>((resolve) => setImmediate(() => resolve(job.close())));
    this.#releasing.add(deleting);
    void deleting.then(() => this.#releasing.delete(deleting));
  }

  /** Resolves once every deletion `release` started has finished. */
  async settled(): Promise<void> {
    while (this.#releasing.size > 0) await Promise.all(this.#releasing);
  }

  /**
   * Keeps a job for follow-up calls. With a shared backend it is registered there for every
   * replica; if the backend cannot be reached it stays this process's own, as without one.
   */
  async add(job: SearchJob): Promise<void> {
    this.#inFlight.delete(job);
    this.#remember(job.client);
    const key = keyOf(job.client, job.id);
    const held: Held = { job };
    this.#jobs.set(key, held);
    const shared = this.#shared;
    if (!shared) return;
    // Shared from the start, so a keep-alive status during registration is recorded too.
    const handle = newHandle(memberOf(key), 0, Number.POSITIVE_INFINITY);
    held.shared = handle;
    try {
      await this.#register(shared, job, handle);
      handle.since = Date.now();
      job.setTimers(handle.lease ? 'keep-alive' : 'none');
    } catch (error) {
      this.#unshare(held);
      // Registration stopped halfway: remove what was written, or the idle sweep of some replica
      // would find the record and delete a job this process is still serving.
      await Promise.allSettled([
        shared.backend.take(recordKey(handle.member)),
        shared.backend.indexRemove(INDEX, handle.member),
        shared.backend.delete(statusKey(handle.member)),
      ]);
      if (!isSharedStateUnavailable(error)) throw error;
      shared.logger.warn('kept search job is followed by this process only: shared state is unreachable', {
        searchJobId: job.id,
      });
    }
  }

  /** Called from the job's `onClosed`. */
  closed(job: SearchJob, reason: SearchJobCloseReason): void {
    this.#inFlight.delete(job);
    const key = keyOf(job.client, job.id);
    const held = this.#jobs.get(key);
    if (held?.job !== job) return;
    this.#forgetLocally(key, held, reason);
    // Closed outside `cancel` and the sweep (by its own idle timer, or directly): tell the others.
    const shared = this.#shared;
    if (held.shared && shared) {
      const member = held.shared.member;
      void shared.backend
        .take(recordKey(member))
        .then((record) => (record === undefined ? undefined : this.#noteClosed(shared, member, reason)))
        .catch(() => undefined);
    }
  }

  /**
   * Called from the job's `onStatus`: records the status for the other replicas, and merges what
   * theirs reported meanwhile (Sumo hands each bucket to whichever replica asks first).
   */
  async observed(job: SearchJob, status: SearchStatusDelta): Promise<void> {
    const held = this.#jobs.get(keyOf(job.client, job.id));
    const shared = this.#shared;
    if (held?.job !== job || !held.shared || !shared || !shared.backend.available) return;
    try {
      const entry: StoredDelta = { ...status, by: held.shared.token };
      await shared.backend.append(statusKey(held.shared.member), JSON.stringify(entry), RECORD_TTL_MS);
      await this.#sync(shared, held);
    } catch (error) {
      shared.logger.warn('could not record a search job status for the other replicas', {
        searchJobId: job.id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /** A job this process holds; throws a clear error otherwise. No shared state is consulted. */
  get(client: SumoClient, id: string): SearchJob {
    const key = keyOf(client, id);
    const job = this.#jobs.get(key)?.job;
    if (job && !job.closed) return job;
    // A deletion still waiting for Sumo's answer already knows why the job is gone.
    throw this.#gone(id, job?.closeReason ?? this.#closed.get(key));
  }

  /**
   * The job for a follow-up call, from this process or (with a shared backend) rebuilt from the
   * backend with the same cookies and the status accumulated by every replica. Counts as a use:
   * the job's idle deadline moves for every replica.
   */
  async open(client: SumoClient, id: string): Promise<SearchJob> {
    this.#remember(client);
    const shared = this.#shared;
    const key = keyOf(client, id);
    const held = this.#jobs.get(key);
    if (!shared || (held && !held.shared) || (!held && this.#closed.has(key))) return this.get(client, id);
    const member = memberOf(key);
    let text: string | undefined;
    try {
      text = await shared.backend.get(recordKey(member));
      if (text === undefined) {
        if (held) this.#dropLocally(key, held);
        throw this.#gone(id, await this.#closedReason(shared, key, member), shared.backend);
      }
      const record = parseRecord(text);
      await this.#touch(shared, member, record.settings);
      if (held) {
        await this.#sync(shared, held);
        return held.job;
      }
      return (await this.#rebuild(shared, client, member, record)).job;
    } catch (error) {
      if (!isSharedStateUnavailable(error)) throw error;
      // Jobs held here keep working while shared state is down; others cannot be reached.
      if (held) return held.job;
      throw new SearchJobError(
        'search.job.unreachable',
        `Search job ${id} is not held by this process, and shared state (${shared.backend.description}) is unreachable, so it cannot be continued from here right now. ${error.hint} The replica that holds the job keeps it alive meanwhile.`,
        id,
        { cause: error },
      );
    }
  }

  /**
   * Deletes a job (cancel_search). With a shared backend exactly one replica deletes it; a later
   * call anywhere is told it was cancelled. Resolves to whether Sumo confirmed the deletion.
   */
  async cancel(client: SumoClient, id: string): Promise<boolean> {
    const job = await this.open(client, id);
    const shared = this.#shared;
    const key = keyOf(client, id);
    const held = this.#jobs.get(key);
    const member = held?.shared?.member;
    if (!shared || !held || member === undefined) return job.close();
    let won: boolean;
    try {
      won = (await shared.backend.take(recordKey(member))) !== undefined;
    } catch (error) {
      if (!isSharedStateUnavailable(error)) throw error;
      // Deleting a job twice is harmless at Sumo (the second gets 404); leaving it is not.
      this.#unshare(held);
      return job.close();
    }
    if (!won) {
      this.#dropLocally(key, held);
      throw this.#gone(id, await this.#closedReason(shared, key, member), shared.backend);
    }
    this.#unshare(held);
    await this.#noteClosed(shared, member, 'closed').catch(() => undefined);
    return job.close();
  }

  /** Jobs this process holds, for tests and shutdown. */
  list(): SearchJob[] {
    return [...this.#jobs.values()].map((held) => held.job);
  }

  /**
   * What a process does with its search jobs when it stops (SIGTERM, SIGINT, stdin closed). Jobs
   * only this process can continue are deleted: those of operation calls still running and, without
   * a shared backend, every kept job. Kept jobs registered in a shared backend stay: their
   * keep-alive leases are released so another replica keeps them alive and serves them. Call it
   * before closing the stores (releasing needs the backend). Afterwards the registry is as if
   * `useBackend` had never been called: it takes no job over and registers none.
   */
  async shutdown(): Promise<SearchJobsShutdown> {
    const shared = this.#shared;
    this.#shared = undefined;
    if (shared) {
      clearInterval(shared.timer);
      await shared.sweeping;
    }
    const doomed = [...this.#inFlight];
    const left: Held[] = [];
    for (const held of this.#jobs.values()) {
      if (held.shared) left.push(held);
      else doomed.push(held.job);
    }
    for (const held of left) {
      held.job.setTimers('none');
      this.#jobs.delete(keyOf(held.job.client, held.job.id));
    }
    await Promise.all([
      ...left.map((held) => held.shared?.lease?.release()),
      ...doomed.map((job) => job.close()),
    ]);
    return { deleted: doomed.length, leftForReplicas: left.length };
  }

  /** Same as `shutdown()`: without a shared backend, deletes every job this process holds. */
  async closeAll(): Promise<void> {
    await this.shutdown();
  }

  async #register(shared: Shared, job: SearchJob, handle: SharedHandle): Promise<void> {
    const member = handle.member;
    const record: KeptJobRecord = {
      apiUrl: job.client.apiUrl,
      accessId: job.client.config.accessId,
      id: job.id,
      cookies: job.affinity.serialize(),
      request: job.request,
      createdAt: job.createdAt,
      settings: job.settings,
    };
    // Status first: a replica that finds the record must find everything reported before it.
    const first: StoredDelta = { ...job.statusSoFar(), by: handle.token };
    await shared.backend.append(statusKey(member), JSON.stringify(first), RECORD_TTL_MS);
    await shared.backend.set(recordKey(member), JSON.stringify(record), { ttlMs: RECORD_TTL_MS });
    await this.#touch(shared, member, job.settings);
    const lease = new Lease(shared.backend, keeperKey(member), shared.leaseTtlMs);
    if (await lease.acquire()) handle.lease = lease;
  }

  /** Moves the job's idle deadline, on the backend's clock (replicas' clocks differ). */
  async #touch(shared: Shared, member: string, settings: SearchJobSettings): Promise<void> {
    const idleMs = settings.idleTimeoutMs ?? SEARCH_MAX_RUNTIME_MS;
    await shared.backend.indexPut(INDEX, member, (await shared.backend.now()) + idleMs);
  }

  /** Merges the status other replicas recorded since this process last looked. */
  async #sync(shared: Shared, held: Held): Promise<void> {
    const handle = held.shared;
    if (!handle) return;
    const entries = await shared.backend.list(statusKey(handle.member));
    // Read `seen` after the await: of two calls syncing at once, the later one merges nothing twice.
    for (const text of entries.slice(handle.seen)) {
      const delta = parseDelta(text);
      if (delta.by !== handle.token) held.job.absorb(delta);
    }
    handle.seen = Math.max(handle.seen, entries.length);
  }

  async #rebuild(shared: Shared, client: SumoClient, member: string, record: KeptJobRecord): Promise<Held> {
    const entries = await shared.backend.list(statusKey(member));
    const affinity = await SearchJobAffinity.deserialize(record.cookies);
    const key = keyOf(client, record.id);
    const existing = this.#jobs.get(key);
    if (existing) return existing;
    const job = new SearchJob(client, record.id, record.request, affinity, {
      ...record.settings,
      logger: shared.logger,
      createdAt: record.createdAt,
      timers: 'none',
      onClosed: (closed, reason) => this.closed(closed, reason),
      onStatus: (observed, status) => this.observed(observed, status),
    });
    for (const text of entries) job.absorb(parseDelta(text));
    const held: Held = { job, shared: newHandle(member, entries.length, Date.now()) };
    this.#jobs.set(key, held);
    return held;
  }

  #sweepOnce(): Promise<void> {
    const shared = this.#shared;
    if (!shared || shared.sweeping) return shared?.sweeping ?? Promise.resolve();
    shared.sweeping = this.#sweep(shared).finally(() => {
      shared.sweeping = undefined;
    });
    return shared.sweeping;
  }

  /** Deletes jobs whose idle deadline passed, forgets jobs gone elsewhere, and keeps orphans alive. */
  async #sweep(shared: Shared): Promise<void> {
    const started = Date.now();
    try {
      const now = await shared.backend.now();
      for (const member of await shared.backend.indexRange(INDEX, now)) {
        await this.#each(shared, member, () => this.#expire(shared, member));
      }
      const live = new Set(await shared.backend.indexRange(INDEX));
      for (const [key, held] of this.#jobs) {
        if (held.shared && held.shared.since < started && !live.has(held.shared.member)) {
          this.#dropLocally(key, held);
        }
      }
      for (const member of live) await this.#each(shared, member, () => this.#keep(shared, member));
    } catch (error) {
      // An outage is logged once by the backend; jobs held here keep their local keep-alive.
      if (!isSharedStateUnavailable(error)) this.#sweepFailed(shared, undefined, error);
    }
  }

  async #each(shared: Shared, member: string, step: () => Promise<void>): Promise<void> {
    // A shutdown during the sweep: leave the rest to the replicas that go on.
    if (this.#shared !== shared) return;
    try {
      await step();
    } catch (error) {
      if (isSharedStateUnavailable(error)) throw error;
      this.#sweepFailed(shared, member, error);
    }
  }

  #sweepFailed(shared: Shared, member: string | undefined, error: unknown): void {
    shared.logger.warn('search job sweep failed', {
      ...(member ? { job: member } : {}),
      error: error instanceof Error ? error.message : String(error),
    });
  }

  /** The idle deletion: of all replicas, the one that takes the record deletes the job. */
  async #expire(shared: Shared, member: string): Promise<void> {
    const text = await shared.backend.get(recordKey(member));
    if (text === undefined) {
      await shared.backend.indexRemove(INDEX, member);
      return;
    }
    const record = parseRecord(text);
    const key = `${record.apiUrl}\n${record.accessId}\n${record.id}`;
    const held = this.#jobs.get(key);
    if (held && !held.shared) {
      // Left over from a registration that failed halfway: this process serves the job alone.
      await shared.backend.take(recordKey(member));
      await shared.backend.indexRemove(INDEX, member);
      return;
    }
    const client = held?.job.client ?? this.#clients.get(clientKey(record.apiUrl, record.accessId));
    // Without this account's key the job cannot be deleted from here; a replica with it will.
    if (!client) return;
    // The due list was read before earlier deletions of this sweep (each waits for the rate
    // budget): a replica may have used the job since, so ask again just before taking it.
    if (!(await shared.backend.indexRange(INDEX, await shared.backend.now())).includes(member)) return;
    if ((await shared.backend.take(recordKey(member))) === undefined) return;
    await this.#noteClosed(shared, member, 'idle');
    const job =
      held?.job ??
      new SearchJob(client, record.id, record.request, await SearchJobAffinity.deserialize(record.cookies), {
        ...record.settings,
        logger: shared.logger,
        timers: 'none',
      });
    if (held) this.#unshare(held);
    shared.logger.info('deleting search job unused by its callers', { searchJobId: record.id });
    await job.close();
    this.#remember(client);
    this.#rememberClosed(key, 'idle');
  }

  /** Renews this process's keep-alive lease, or takes over a job whose keeper stopped. */
  async #keep(shared: Shared, member: string): Promise<void> {
    const held = [...this.#jobs.values()].find((candidate) => candidate.shared?.member === member);
    const lease = held?.shared?.lease;
    if (held?.shared && lease) {
      if (await shared.backend.renewIfHeld(lease.key, lease.holder, lease.ttlMs)) return;
      // Lost while Redis was unreachable and taken by another replica since: one keeper is enough.
      held.shared.lease = undefined;
      await lease.release();
      held.job.setTimers('none');
      return;
    }
    const text = await shared.backend.get(recordKey(member));
    if (text === undefined) return;
    const record = parseRecord(text);
    const client = held?.job.client ?? this.#clients.get(clientKey(record.apiUrl, record.accessId));
    if (!client) return;
    const taken = new Lease(shared.backend, keeperKey(member), shared.leaseTtlMs);
    if (!(await taken.acquire())) return;
    const target = await (held
      ? this.#sync(shared, held).then(() => held)
      : this.#rebuild(shared, client, member, record)
    ).catch(async (error: unknown) => {
      await taken.release();
      throw error;
    });
    if (!target.shared || target.shared.lease || this.#shared !== shared) {
      await taken.release();
      return;
    }
    target.shared.lease = taken;
    target.job.setTimers('keep-alive');
    shared.logger.info('keeping a search job alive for a replica that stopped', { searchJobId: record.id });
    // Its last keeper may have polled up to a lease ago: touch the job now, not a keep-alive later.
    await target.job.refresh().catch(() => undefined);
  }

  /** Tells every replica why the job is gone and clears what was kept about it. */
  async #noteClosed(shared: Shared, member: string, reason: SearchJobCloseReason): Promise<void> {
    await shared.backend.set(closedKey(member), reason, { ttlMs: CLOSED_NOTE_TTL_MS });
    await shared.backend.indexRemove(INDEX, member);
    await shared.backend.delete(statusKey(member));
    await shared.backend.delete(keeperKey(member));
  }

  async #closedReason(
    shared: Shared,
    key: string,
    member: string,
  ): Promise<SearchJobCloseReason | undefined> {
    const local = this.#closed.get(key);
    if (local) return local;
    const noted = await shared.backend.get(closedKey(member));
    return noted === 'idle' || noted === 'closed' ? noted : undefined;
  }

  /** Stops following a job that another replica deleted, without deleting it again. */
  #dropLocally(key: string, held: Held): void {
    held.job.setTimers('none');
    this.#unshare(held);
    this.#jobs.delete(key);
  }

  /** This process alone decides about the job from now on (it deletes it, or shared state failed). */
  #unshare(held: Held): void {
    void held.shared?.lease?.release();
    held.shared = undefined;
  }

  #forgetLocally(key: string, held: Held, reason: SearchJobCloseReason): void {
    void held.shared?.lease?.release();
    this.#jobs.delete(key);
    this.#rememberClosed(key, reason);
  }

  /** Bounded: a long-running replica sees many jobs end. */
  #rememberClosed(key: string, reason: SearchJobCloseReason): void {
    this.#closed.set(key, reason);
    if (this.#closed.size > REMEMBERED_CLOSED) {
      const oldest = this.#closed.keys().next().value;
      if (oldest !== undefined) this.#closed.delete(oldest);
    }
  }

  #gone(id: string, reason: SearchJobCloseReason | undefined, backend?: StateBackend): SearchJobError {
    if (reason === 'idle') {
      return new SearchJobError(
        'search.job.unknown',
        `Search job ${id} was deleted after going unused for too long; results are not kept. Run the search again.`,
        id,
      );
    }
    if (reason) {
      return new SearchJobError(
        'search.job.unknown',
        `Search job ${id} was cancelled and deleted. Run the search again.`,
        id,
      );
    }
    if (backend) {
      return new SearchJobError(
        'search.job.unknown',
        `Search job ${id} is not known to this process nor to the replicas sharing state (${backend.description}): it was never started with these credentials, or it ended more than a day ago. Start a new search with run_search or start_search.`,
        id,
      );
    }
    return new SearchJobError(
      'search.job.unknown',
      `Search job ${id} is not one this process started, so its session cookie is not here (search jobs can only be followed from the process that created them). Start a new search with run_search or start_search.`,
      id,
    );
  }

  #remember(client: SumoClient): void {
    this.#clients.set(clientKey(client.apiUrl, client.config.accessId), client);
  }
}

function keyOf(client: SumoClient, id: string): string {
  return `${clientKey(client.apiUrl, client.config.accessId)}\n${id}`;
}

function clientKey(apiUrl: string, accessId: string): string {
  return `${apiUrl}\n${accessId}`;
}

/** The job's name in the backend: a hash, so key names carry neither URLs nor access ids. */
function memberOf(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}

function newHandle(member: string, seen: number, since: number): SharedHandle {
  return { member, token: randomBytes(9).toString('base64url'), seen, since };
}

const recordKey = (member: string) => `search-job:${member}`;
const statusKey = (member: string) => `search-job:${member}:status`;
const keeperKey = (member: string) => `search-job:${member}:keeper`;
const closedKey = (member: string) => `search-job:${member}:closed`;

function parseRecord(text: string): KeptJobRecord {
  const record = JSON.parse(text) as KeptJobRecord;
  if (typeof record.id !== 'string' || typeof record.cookies !== 'string' || !record.request?.resolved) {
    throw new Error('a kept search job record in shared state is malformed');
  }
  return record;
}

function parseDelta(text: string): StoredDelta {
  return JSON.parse(text) as StoredDelta;
}

/** The process-wide registry the search operations use. */
export const searchJobRegistry = new SearchJobRegistry();
