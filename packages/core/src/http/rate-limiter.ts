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

/**
 * How a 429 that came despite our pacing widens a key's window: by `stepMs` each time, up to
 * `maxMs`, wearing off one step per `recoveryMs` without another 429.
 */
export interface WindowWidening {
  stepMs: number;
  maxMs: number;
  recoveryMs: number;
}

export interface RateLimitStore {
  /**
   * Atomically record a start and an in-flight slot if both limits allow it. The window is
   * `limits.windowMs` plus the key's current widening (`widen`), which the store applies itself.
   */
  tryAcquire(key: string, limits: Required<RateLimits>, now: number): Promise<RateLimitDecision>;
  /** Free the in-flight slot taken by a granted `tryAcquire`. */
  release(key: string, lease: string): Promise<void>;
  /**
   * Sumo answered 429 although the budget was kept: widen the key's window by one step for every
   * process that uses this store (a shared store shares the widening: Sumo counts all of them).
   */
  widen(key: string, widening: WindowWidening, now: number): Promise<void>;
  /** The widening now added to the key's window, as this process knows it (synchronously, for pacing). */
  wideningMs(key: string, now: number): number;
  /** How often a waiter should re-ask when the store cannot wake it (other processes' releases). */
  readonly pollMs?: number;
}

interface KeyState {
  starts: number[];
  inFlight: number;
}

interface Widened {
  extraMs: number;
  since: number;
  stepMs: number;
  recoveryMs: number;
}

export class InMemoryRateLimitStore implements RateLimitStore {
  private readonly state = new Map<string, KeyState>();
  private readonly widened = new Map<string, Widened>();
  private leases = 0;

  async tryAcquire(key: string, limits: Required<RateLimits>, now: number): Promise<RateLimitDecision> {
    let entry = this.state.get(key);
    if (!entry) {
      entry = { starts: [], inFlight: 0 };
      this.state.set(key, entry);
    }
    const windowMs = limits.windowMs + this.wideningMs(key, now);
    const windowStart = now - windowMs;
    while (entry.starts.length > 0 && (entry.starts[0] as number) <= windowStart) entry.starts.shift();
    if (entry.inFlight >= limits.concurrent) return { granted: false };
    if (entry.starts.length >= limits.perSecond) {
      return { granted: false, retryInMs: Math.max(1, (entry.starts[0] as number) + windowMs - now) };
    }
    entry.starts.push(now);
    entry.inFlight += 1;
    return { granted: true, lease: String(++this.leases) };
  }

  async widen(key: string, widening: WindowWidening, now: number): Promise<void> {
    this.adoptWidening(
      key,
      Math.min(widening.maxMs, this.wideningMs(key, now) + widening.stepMs),
      widening,
      now,
    );
  }

  /** Sets the key's widening to `extraMs` as of `now` (a shared store mirrors what Redis says here). */
  adoptWidening(key: string, extraMs: number, widening: Omit<WindowWidening, 'maxMs'>, now: number): void {
    if (extraMs > 0 && widening.stepMs > 0 && widening.recoveryMs > 0) {
      this.widened.set(key, {
        extraMs,
        since: now,
        stepMs: widening.stepMs,
        recoveryMs: widening.recoveryMs,
      });
    } else {
      this.widened.delete(key);
    }
  }

  wideningMs(key: string, now: number): number {
    const widened = this.widened.get(key);
    if (!widened) return 0;
    const steps = Math.floor((now - widened.since) / widened.recoveryMs);
    const extraMs = widened.extraMs - steps * widened.stepMs;
    if (extraMs > 0) return extraMs;
    this.widened.delete(key);
    return 0;
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
  private readonly widening: WindowWidening;

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
    this.widening = {
      stepMs: options.penaltyStepMs ?? Math.ceil(limits.windowMs * 0.05),
      maxMs: options.maxPenaltyMs ?? Math.ceil(limits.windowMs * 0.25),
      recoveryMs: options.recoveryMs ?? 10_000,
    };
  }

  /**
   * The server refused a request for its rate limit although we kept ours: widen the window, in
   * the store, so that with a shared store every process sharing the budget widens, not just this one.
   */
  penalize(key: string): void {
    // A store that cannot be reached keeps what it knew; the next 429 tries again.
    void this.store.widen(key, this.widening, this.now()).catch(() => undefined);
  }

  /** The window currently enforced for a key, the learnt margin included. */
  windowFor(key: string): number {
    return this.limits.windowMs + this.store.wideningMs(key, this.now());
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
          decision = await this.store.tryAcquire(key, this.limits, this.now());
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
