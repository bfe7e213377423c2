import { createHash, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import { SumoApiError, type SumoApiErrorDetails } from '../http/errors.js';
import { sleep } from '../http/sleep.js';
import { OperationError } from '../operations/errors.js';
import { MemoryBackend, type StateBackend } from './backend.js';
import { isSharedStateUnavailable } from './errors.js';
import { Lease } from './stores.js';

/** How an answer reached its caller, and how old it was when it did. */
export interface Freshness {
  /** When the answer came back from Sumo Logic: epoch ms on the shared state's clock. */
  readAt: number;
  /** Its age when it was handed to this caller. */
  ageMs: number;
  /**
   * `own`: this call read it. `joined`: an identical read already in flight (in this process or,
   * with Redis, another replica) read it for this caller too. `reused`: a recent answer to the
   * same request, within the operation's reuse time.
   */
  source: 'own' | 'joined' | 'reused';
}

export interface SharedReadRequest {
  /** Whose data it is: one access key of one org (see `readScope`); nothing is shared across scopes. */
  scope: string;
  operation: string;
  /** Parsed input: its canonical JSON (RFC 8785) is part of the key, so key order and defaults do not matter. */
  input: unknown;
  /** How long an answer may be handed to later identical requests; 0 shares it only while in flight. */
  reuseMs: number;
  /** This caller giving up: it stops waiting, the shared read goes on for the others. */
  signal?: AbortSignal | undefined;
  /** The read itself, made once for every caller; `signal` aborts it once no caller waits. */
  read(signal: AbortSignal): Promise<unknown>;
}

export interface SharedReadsOptions {
  /** Where replicas meet (the stores' backend: Redis when configured); default this process's memory. */
  backend?: StateBackend;
  /** False (SUMO_OPS_SHARED_READS=off): every read is its own call, as if nothing were shared. */
  enabled?: boolean;
  /** A leader's lease, renewed while it reads: a leader that died is noticed within this. */
  leaseMs?: number;
  /** A follower waits at most this long for other replicas' answers, then reads on its own. */
  followMaxMs?: number;
  /** How often a follower looks for the leader's answer. */
  pollMs?: number;
}

const DEFAULT_LEASE_MS = 3_000;
const DEFAULT_FOLLOW_MAX_MS = 20_000;
const DEFAULT_POLL_MS = 50;
/** A leader's answer waits this long for followers that are between two polls. */
const ANSWER_TTL_MS = 10_000;
/** Longer than any reuse time, so a generation never comes back while its answers live. */
const GENERATION_TTL_MS = 3_600_000;

interface Answer {
  value: unknown;
  readAt: number;
  ageMs: number;
  source: Freshness['source'];
}

interface Flight {
  readonly scope: string;
  readonly controller: AbortController;
  readonly answer: Promise<Answer>;
  waiters: number;
  settled: boolean;
  /** The last turn handed to a waiter: each resumes in its own turn of the event loop. */
  turns: Promise<void>;
}

type Published = { value: unknown; readAt: number } | { error: PublishedError };
type PublishedError =
  | { kind: 'sumo-api'; details: Omit<SumoApiErrorDetails, 'cause'> }
  | { kind: 'operation'; message: string; code: string; details: Record<string, unknown> };

/**
 * One read answers many. Identical reads in flight at the same time (same scope, operation and
 * canonical input) share one call: in this process through a map of flights, across replicas
 * through the state backend — the first to take a lease reads and publishes its answer (or its
 * Sumo failure) under its lease holder's name; the others poll for it, and read on their own if
 * the leader's lease lapses without an answer (it died) or after `followMaxMs` (never a hang).
 * An answer may then be reused for the operation's reuse time. A failure goes to every caller
 * waiting for that read, and is never kept for later ones. A caller that gives up stops waiting
 * alone; once every caller in this process has, the read is aborted (other replicas following it
 * then read on their own). Writes call `invalidate`, so a read after a change never gets an answer
 * from before it.
 */
export class SharedReads {
  readonly #flights = new Map<string, Flight>();
  readonly #backend: StateBackend;
  readonly #enabled: boolean;
  readonly #leaseMs: number;
  readonly #followMaxMs: number;
  readonly #pollMs: number;

  constructor(options: SharedReadsOptions = {}) {
    this.#backend = options.backend ?? new MemoryBackend();
    this.#enabled = options.enabled ?? true;
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#followMaxMs = options.followMaxMs ?? DEFAULT_FOLLOW_MAX_MS;
    this.#pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  }

  async read(request: SharedReadRequest): Promise<{ value: unknown; freshness: Freshness }> {
    if (!this.#enabled) {
      const value = await request.read(request.signal ?? new AbortController().signal);
      return { value, freshness: { readAt: Date.now(), ageMs: 0, source: 'own' } };
    }
    const inputDigest = digest(request.input);
    const key = `${request.scope}\n${request.operation}\n${inputDigest}`;
    const existing = this.#flights.get(key);
    const flight = existing ?? this.#start(key, request, inputDigest);
    flight.waiters += 1;
    try {
      const answer = await untilAborted(flight.answer, request.signal);
      // A hundred waiters resuming in one go would render a hundred replies before the process
      // reads its next request: one waiter a turn lets I/O (a Slack ack) in between.
      if (existing) await this.#nextTurn(flight);
      const source = existing && answer.source === 'own' ? 'joined' : answer.source;
      // Each caller gets its own copy: a front end that decorates its answer must not touch another's.
      return {
        value: structuredClone(answer.value),
        freshness: { readAt: answer.readAt, ageMs: answer.ageMs, source },
      };
    } finally {
      flight.waiters -= 1;
      // The last caller gone before the answer: nobody wants it, so stop spending the budget on it.
      if (flight.waiters === 0 && !flight.settled) {
        if (this.#flights.get(key) === flight) this.#flights.delete(key);
        flight.controller.abort(new Error('every caller waiting for this read has gone'));
      }
    }
  }

  /**
   * After a change (whatever its outcome): answers read before it are not handed out again, and
   * reads in flight since are not joined — in this process and, through the backend, in every
   * replica.
   */
  async invalidate(scope: string): Promise<void> {
    if (!this.#enabled) return;
    for (const [key, flight] of this.#flights) if (flight.scope === scope) this.#flights.delete(key);
    // With Redis down nothing is reused meanwhile; what was stored before expires within seconds.
    await this.#backend
      .set(generationKey(scope), randomUUID(), { ttlMs: GENERATION_TTL_MS })
      .catch(() => undefined);
  }

  #start(key: string, request: SharedReadRequest, inputDigest: string): Flight {
    const controller = new AbortController();
    const flight: Flight = {
      scope: request.scope,
      controller,
      waiters: 0,
      settled: false,
      turns: Promise.resolve(),
      answer: this.#lead(request, inputDigest, controller.signal),
    };
    this.#flights.set(key, flight);
    const forget = () => {
      flight.settled = true;
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    };
    flight.answer.then(forget, forget);
    return flight;
  }

  #nextTurn(flight: Flight): Promise<void> {
    // An immediate queued while immediates run waits for the next turn, after I/O has been polled.
    flight.turns = flight.turns.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    return flight.turns;
  }

  /** This process's one caller for the read: finds a recent answer, follows another replica, or reads. */
  async #lead(request: SharedReadRequest, inputDigest: string, signal: AbortSignal): Promise<Answer> {
    const backend = this.#backend;
    let reading = false;
    const read = (): Promise<unknown> => {
      reading = true;
      return request.read(signal);
    };
    try {
      const generation = (await backend.get(generationKey(request.scope))) ?? '0';
      const base = `reads:${request.scope}:${generation}:${request.operation}:${inputDigest}`;
      return await this.#throughBackend(backend, request, base, read, signal);
    } catch (error) {
      // Shared state unreachable before the read began: read on our own, as without sharing.
      if (reading || !isSharedStateUnavailable(error)) throw error;
      return ownAnswer(await read(), Date.now());
    }
  }

  async #throughBackend(
    backend: StateBackend,
    request: SharedReadRequest,
    base: string,
    read: () => Promise<unknown>,
    signal: AbortSignal,
  ): Promise<Answer> {
    const leaseKey = `${base}:lease`;
    const until = Date.now() + this.#followMaxMs;
    while (Date.now() < until) {
      const recent = request.reuseMs > 0 ? await this.#recent(backend, base) : undefined;
      if (recent) return recent;
      const lease = new Lease(backend, leaseKey, this.#leaseMs);
      if (await lease.acquire()) return this.#readAndPublish(backend, request, base, lease, read, signal);
      const holder = await backend.get(leaseKey);
      if (holder === undefined) continue;
      const answer = await this.#follow(backend, base, holder, until, signal);
      if (answer) return answer;
    }
    return ownAnswer(await read(), Date.now());
  }

  async #readAndPublish(
    backend: StateBackend,
    request: SharedReadRequest,
    base: string,
    lease: Lease,
    read: () => Promise<unknown>,
    signal: AbortSignal,
  ): Promise<Answer> {
    try {
      // Another leader may have finished between our look for a recent answer and our lease.
      const recent = request.reuseMs > 0 ? await this.#recent(backend, base) : undefined;
      if (recent) return recent;
      let value: unknown;
      try {
        value = await read();
      } catch (error) {
        const shared = signal.aborted ? undefined : encodeError(error);
        if (shared) await publish(backend, answerKey(base, lease.holder), { error: shared }, ANSWER_TTL_MS);
        throw error;
      }
      const readAt = await backend.now().catch(() => Date.now());
      const published: Published = { value, readAt };
      await publish(backend, answerKey(base, lease.holder), published, ANSWER_TTL_MS);
      if (request.reuseMs > 0) await publish(backend, `${base}:recent`, published, request.reuseMs);
      return ownAnswer(value, readAt);
    } finally {
      await lease.release();
    }
  }

  /** Waits for the holder's answer; undefined when its lease ended without one (it died or gave up). */
  async #follow(
    backend: StateBackend,
    base: string,
    holder: string,
    until: number,
    signal: AbortSignal,
  ): Promise<Answer | undefined> {
    const key = answerKey(base, holder);
    while (Date.now() < until) {
      await sleep(this.#pollMs, signal);
      const published = await backend.get(key);
      if (published !== undefined) return received(backend, published, 'joined');
      if ((await backend.get(`${base}:lease`)) !== holder) {
        // Released just after publishing, or lapsed: one last look tells which.
        const last = await backend.get(key);
        return last === undefined ? undefined : received(backend, last, 'joined');
      }
    }
    return undefined;
  }

  async #recent(backend: StateBackend, base: string): Promise<Answer | undefined> {
    const stored = await backend.get(`${base}:recent`);
    return stored === undefined ? undefined : received(backend, stored, 'reused');
  }
}

/**
 * For front ends to say beside an answer: how old a reused answer is, in words. Undefined for an
 * answer read for this request (alone or with identical requests in flight at the same time).
 */
export function freshnessNote(freshness: Freshness | undefined): string | undefined {
  if (freshness?.source !== 'reused') return undefined;
  const seconds = Math.round(freshness.ageMs / 1_000);
  const age = seconds < 1 ? 'less than a second' : `${seconds} s`;
  return `As of ${age} ago: the answer to an identical request moments before.`;
}

/**
 * Whose data a read is: the access id and the API it was made against. Two keys (or orgs) never
 * share an answer: what one key may read, another may not.
 */
export function readScope(client: { config: { accessId: string }; apiUrl: string }): string {
  const api = createHash('sha256').update(client.apiUrl).digest('base64url').slice(0, 12);
  return `${client.config.accessId}@${api}`;
}

function digest(input: unknown): string {
  return createHash('sha256')
    .update(canonicalize(input ?? {}) ?? '')
    .digest('base64url');
}

function generationKey(scope: string): string {
  return `reads:${scope}:generation`;
}

function answerKey(base: string, holder: string): string {
  return `${base}:answer:${holder}`;
}

function ownAnswer(value: unknown, readAt: number): Answer {
  return { value, readAt, ageMs: 0, source: 'own' };
}

async function received(backend: StateBackend, stored: string, source: 'joined' | 'reused'): Promise<Answer> {
  const published = JSON.parse(stored) as Published;
  if ('error' in published) throw decodeError(published.error);
  const now = await backend.now().catch(() => published.readAt);
  return {
    value: published.value,
    readAt: published.readAt,
    ageMs: Math.max(0, now - published.readAt),
    source,
  };
}

/** Publishing is a courtesy to followers: a backend that fails here only makes them read on their own. */
async function publish(backend: StateBackend, key: string, published: Published, ttlMs: number) {
  await backend.set(key, JSON.stringify(published), { ttlMs }).catch(() => undefined);
}

/**
 * The failures worth handing to another replica's callers, which they would meet too: Sumo's
 * answer, or an operation's own refusal. Anything else (a bug, a local resource) is not
 * published; those followers read on their own.
 */
function encodeError(error: unknown): PublishedError | undefined {
  if (error instanceof SumoApiError) {
    const { cause: _cause, ...details } = error.toDetails();
    return { kind: 'sumo-api', details };
  }
  if (error instanceof OperationError) {
    return { kind: 'operation', message: error.message, code: error.code, details: error.details };
  }
  return undefined;
}

function decodeError(error: PublishedError): Error {
  return error.kind === 'sumo-api'
    ? new SumoApiError(error.details)
    : new OperationError(error.message, error.code, error.details);
}

/** The shared answer, or this caller's own abort: leaving does not cancel the read for the others. */
function untilAborted<T>(pending: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return pending;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
