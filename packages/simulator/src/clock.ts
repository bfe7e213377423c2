/**
 * Simulated time. Upgrade tasks, offline-collector deletion and search jobs are driven by
 * it, so tests can jump minutes ahead (`advance`) or let time run faster than real time
 * (`setSpeed`) instead of sleeping.
 */
export class SimClock {
  #anchorSimulatedMs: number;
  #anchorRealMs: number;
  #speed: number;
  readonly #realNow: () => number;

  constructor(startEpochMs: number = Date.now(), speed = 1, realNow: () => number = () => performance.now()) {
    assertSpeed(speed);
    this.#realNow = realNow;
    this.#anchorSimulatedMs = startEpochMs;
    this.#anchorRealMs = realNow();
    this.#speed = speed;
  }

  /** Simulated epoch milliseconds. */
  now(): number {
    return Math.floor(this.#anchorSimulatedMs + (this.#realNow() - this.#anchorRealMs) * this.#speed);
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError('SimClock.advance() needs a non-negative number');
    this.#reanchor();
    this.#anchorSimulatedMs += ms;
  }

  setSpeed(speed: number): void {
    assertSpeed(speed);
    // Re-anchoring keeps simulated time continuous across a speed change.
    this.#reanchor();
    this.#speed = speed;
  }

  get speed(): number {
    return this.#speed;
  }

  #reanchor(): void {
    const realNow = this.#realNow();
    this.#anchorSimulatedMs += (realNow - this.#anchorRealMs) * this.#speed;
    this.#anchorRealMs = realNow;
  }
}

function assertSpeed(speed: number): void {
  if (!Number.isFinite(speed) || speed < 0) throw new RangeError('clock speed must be a non-negative number');
}
