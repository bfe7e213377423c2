export interface RateLimitOptions {
  /** Requests admitted per access id in any sliding one-second window (real time). Default 4. */
  perSecond?: number;
  /** Requests in flight per access id, injected latency included. Default 10. */
  concurrent?: number;
  enabled?: boolean;
}

export const REAL_RATE_LIMIT = { perSecond: 4, concurrent: 10 } as const;

const WINDOW_MS = 1000;

interface AccessIdState {
  /** Admission times (real ms), oldest first. */
  admissions: number[];
  inFlight: number;
}

/**
 * The documented limits: 4 requests/s per user and 10 concurrent per access key. The window
 * runs on real time, not simulated time, because it is the client's real pacing that the real
 * service judges. Only admitted requests enter the window: a 429 does not push the caller's
 * next slot further away, which keeps "no second ever holds more than N admitted requests" as
 * the one guarantee clients can be tested against.
 */
export class RateLimiter {
  #perSecond: number;
  #concurrent: number;
  #enabled: boolean;
  readonly #states = new Map<string, AccessIdState>();
  readonly #realNow: () => number;

  constructor(options: RateLimitOptions = {}, realNow: () => number = () => performance.now()) {
    this.#perSecond = REAL_RATE_LIMIT.perSecond;
    this.#concurrent = REAL_RATE_LIMIT.concurrent;
    this.#enabled = true;
    this.#realNow = realNow;
    this.configure(options);
  }

  /** Changes only the given settings. */
  configure(options: RateLimitOptions): void {
    if (options.perSecond !== undefined) this.#perSecond = positiveLimit(options.perSecond, 'perSecond');
    if (options.concurrent !== undefined) this.#concurrent = positiveLimit(options.concurrent, 'concurrent');
    if (options.enabled !== undefined) this.#enabled = options.enabled;
  }

  /**
   * Admits a request or refuses it. An admitted request holds an in-flight slot until its
   * `release` is called; the in-flight count is kept even with limiting disabled so that
   * `maxInFlight` stays observable.
   */
  tryAcquire(
    accessId: string,
  ): { admitted: true; inFlight: number; release: () => void } | { admitted: false } {
    const state = this.#stateFor(accessId);
    const now = this.#realNow();
    while ((state.admissions[0] ?? Number.POSITIVE_INFINITY) <= now - WINDOW_MS) state.admissions.shift();
    if (this.#enabled && (state.admissions.length >= this.#perSecond || state.inFlight >= this.#concurrent)) {
      return { admitted: false };
    }
    state.admissions.push(now);
    state.inFlight += 1;
    let released = false;
    return {
      admitted: true,
      inFlight: state.inFlight,
      release: () => {
        if (released) return;
        released = true;
        state.inFlight -= 1;
      },
    };
  }

  #stateFor(accessId: string): AccessIdState {
    let state = this.#states.get(accessId);
    if (!state) {
      state = { admissions: [], inFlight: 0 };
      this.#states.set(accessId, state);
    }
    return state;
  }
}

function positiveLimit(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`rateLimit.${name} must be a positive integer`);
  return value;
}
