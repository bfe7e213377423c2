/**
 * Sumo allows 4 requests per second per user and 10 concurrent requests per access key, and does
 * not say how it measures the second. A sliding window over request starts is the reading that
 * earns no 429 under any measurement (a token bucket of burst 4 refilled at 4/s lets 7 requests
 * through in one second), so that is what we enforce, plus a gate on requests in flight.
 *
 * The state lives behind `RateLimitStore`: in this process by default, in Redis when several
 * processes share one budget (`state/redis-rate-limit-store.ts`); the queueing logic here is the same.
 */

export interface RateLimits {
  /** Requests that may start in any window of `windowMs`. */
  perSecond: number;
  /** Requests that may be in flight at once. */
  concurrent: number;
  /** Window length; 1000 ms plus a small margin for network jitter between us and the server. */
  windowMs?: number;
}

export const SUMO_RATE_LIMITS: Readonly<Required<RateLimits>> = Object.freeze({
  perSecond: 4,
  concurrent: 10,
  windowMs: 1025,
});

export type RateLimitDecision =
  /** `lease` names the in-flight slot, handed back to `release`. */
  | { granted: true; lease: string }
  /** `retryInMs` is when a window slot frees up; absent when only the in-flight gate is full. */
  | { granted: false; retryInMs?: number };

export interface RateLimitStore {
  /** Atomically record a start and an in-flight slot if both limits allow it. */
  tryAcquire(key: string, limits: Required<RateLimits>, now: number): Promise<RateLimitDecision>;
  /** Free the in-flight slot taken by a granted `tryAcquire`. */
  release(key: string, lease: string): Promise<void>;
  /** How often a waiter should re-ask when the store cannot wake it (other processes' releases). */
  readonly pollMs?: number;
}

interface KeyState {
  starts: number[];
  inFlight: number;
}

export class InMemoryRateLimitStore implements RateLimitStore {
  private readonly state = new Map<string, KeyState>();
  private leases = 0;

  async tryAcquire(key: string, limits: Required<RateLimits>, now: number): Promise<RateLimitDecision> {
    let entry = this.state.get(key);
    if (!entry) {
      entry = { starts: [], inFlight: 0 };
      this.state.set(key, entry);
    }
    const windowStart = now - limits.windowMs;
    while (entry.starts.length > 0 && (entry.starts[0] as number) <= windowStart) entry.starts.shift();
    if (entry.inFlight >= limits.concurrent) return { granted: false };
    if (entry.starts.length >= limits.perSecond) {
      return { granted: false, retryInMs: Math.max(1, (entry.starts[0] as number) + limits.windowMs - now) };
    }
    entry.starts.push(now);
    entry.inFlight += 1;
    return { granted: true, lease: String(++this.leases) };
  }

  async release(key: string, _lease?: string): Promise<void> {
    const entry = this.state.get(key);
    if (entry && entry.inFlight > 0) entry.inFlight -= 1;
  }

  /** For tests and diagnostics. */
  inFlight(key: string): number {
    return this.state.get(key)?.inFlight ?? 0;
  }
}

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  abandoned: boolean;
}

export interface RateLimiterOptions {
  limits?: Partial<RateLimits>;
  store?: RateLimitStore;
  now?: () => number;
  /**
   * How often a waiter re-checks a gate that is full in another process. Local releases wake
   * waiters at once, so this only matters for shared stores.
   */
  pollMs?: number;
  /**
   * Each 429 the server sends despite our pacing widens the window by this much (default 5% of
   * it), up to `maxPenaltyMs` (default 25%); the widening wears off one step per `recoveryMs`
   * (default 10 s) without another 429. Our clock and the server's never agree exactly, so the
   * margin learns how much jitter there really is instead of guessing it once.
   */
  penaltyStepMs?: number;
  maxPenaltyMs?: number;
  recoveryMs?: number;
}

interface Penalty {
  extraMs: number;
  since: number;
}

/**
 * Hands out permission to start a request, first come first served per key (the access id).
 * Only the head of each key's queue talks to the store, so waiting callers cost nothing.
 */
export class RateLimiter {
  readonly limits: Required<RateLimits>;
  private readonly store: RateLimitStore;
  private readonly now: () => number;
  private readonly pollMs: number;
  private readonly queues = new Map<string, Waiter[]>();
  private readonly pumping = new Set<string>();
  private readonly wakers = new Map<string, () => void>();
  private readonly penalties = new Map<string, Penalty>();
  private readonly penaltyStepMs: number;
  private readonly maxPenaltyMs: number;
  private readonly recoveryMs: number;

  constructor(options: RateLimiterOptions = {}) {
    const limits = { ...SUMO_RATE_LIMITS, ...options.limits };
    if (!(limits.perSecond >= 1) || !(limits.concurrent >= 1) || !(limits.windowMs >= 1)) {
      throw new RangeError(
        'Rate limits must be at least 1 request per window, 1 in flight and a 1 ms window.',
      );
    }
    this.limits = limits;
    this.store = options.store ?? new InMemoryRateLimitStore();
    this.now = options.now ?? Date.now;
    this.pollMs = options.pollMs ?? this.store.pollMs ?? 50;
    this.penaltyStepMs = options.penaltyStepMs ?? Math.ceil(limits.windowMs * 0.05);
    this.maxPenaltyMs = options.maxPenaltyMs ?? Math.ceil(limits.windowMs * 0.25);
    this.recoveryMs = options.recoveryMs ?? 10_000;
  }

  /** The server refused a request for its rate limit although we kept ours: widen the window. */
  penalize(key: string): void {
    const current = this.currentPenalty(key);
    const extraMs = Math.min(this.maxPenaltyMs, current + this.penaltyStepMs);
    if (extraMs > 0) this.penalties.set(key, { extraMs, since: this.now() });
  }

  /** The window currently enforced for a key, the learnt margin included. */
  windowFor(key: string): number {
    return this.limits.windowMs + this.currentPenalty(key);
  }

  private currentPenalty(key: string): number {
    const penalty = this.penalties.get(key);
    if (!penalty) return 0;
    const steps = Math.floor((this.now() - penalty.since) / this.recoveryMs);
    const extraMs = penalty.extraMs - steps * this.penaltyStepMs;
    if (extraMs <= 0) {
      this.penalties.delete(key);
      return 0;
    }
    return extraMs;
  }

  /** Resolves with a release function once a request may start; call it when the response is done. */
  acquire(key: string, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined, abandoned: false };
      if (signal) {
        waiter.onAbort = () => {
          waiter.abandoned = true;
          const queue = this.queues.get(key);
          const index = queue?.indexOf(waiter) ?? -1;
          if (queue && index >= 0) queue.splice(index, 1);
          reject(signal.reason);
          this.wakers.get(key)?.();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      const queue = this.queues.get(key) ?? [];
      queue.push(waiter);
      this.queues.set(key, queue);
      void this.pump(key);
    });
  }

  /** Runs `task` inside a rate-limit slot. */
  async schedule<T>(key: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(key, signal);
    try {
      return await task();
    } finally {
      release();
    }
  }

  private async pump(key: string): Promise<void> {
    if (this.pumping.has(key)) return;
    this.pumping.add(key);
    try {
      const queue = this.queues.get(key);
      while (queue && queue.length > 0) {
        const head = queue[0] as Waiter;
        let decision: RateLimitDecision;
        try {
          decision = await this.store.tryAcquire(
            key,
            { ...this.limits, windowMs: this.windowFor(key) },
            this.now(),
          );
        } catch (error) {
          // The head may have been aborted (and removed) while the store was asked.
          if (queue[0] === head) queue.shift();
          this.detach(head);
          head.reject(error);
          continue;
        }
        if (decision.granted) {
          if (queue[0] === head) queue.shift();
          this.detach(head);
          const release = this.releaser(key, decision.lease);
          if (head.abandoned) release();
          else head.resolve(release);
          continue;
        }
        await this.waitForChance(key, decision.retryInMs ?? this.pollMs);
      }
    } finally {
      this.pumping.delete(key);
      if ((this.queues.get(key)?.length ?? 0) === 0) this.queues.delete(key);
      else void this.pump(key);
    }
  }

  private waitForChance(key: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakers.set(key, () => {
        this.wakers.delete(key);
        done();
      });
    });
  }

  private releaser(key: string, lease: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // A release that fails (a shared store out of reach) is not the caller's problem: the slot
      // is a lease that expires on its own.
      void this.store
        .release(key, lease)
        .catch(() => undefined)
        .finally(() => this.wakers.get(key)?.());
    };
  }

  private detach(waiter: Waiter): void {
    if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
  }
}

const sharedLimiters = new Map<string, RateLimiter>();

/**
 * Every client in this process that uses the same access id and limits shares one limiter:
 * Sumo counts per user and per key, not per client object.
 */
export function sharedRateLimiter(
  accessId: string,
  limits: Partial<RateLimits> = {},
  store?: RateLimitStore,
): RateLimiter {
  const resolved = { ...SUMO_RATE_LIMITS, ...limits };
  const key = `${accessId}|${resolved.perSecond}|${resolved.concurrent}|${resolved.windowMs}`;
  const limiters = store ? storeLimiters(store) : sharedLimiters;
  let limiter = limiters.get(key);
  if (!limiter) {
    limiter = new RateLimiter({ limits: resolved, ...(store ? { store } : {}) });
    limiters.set(key, limiter);
  }
  return limiter;
}

const limitersByStore = new WeakMap<RateLimitStore, Map<string, RateLimiter>>();

function storeLimiters(store: RateLimitStore): Map<string, RateLimiter> {
  let limiters = limitersByStore.get(store);
  if (!limiters) {
    limiters = new Map();
    limitersByStore.set(store, limiters);
  }
  return limiters;
}
