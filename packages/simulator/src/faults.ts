import { createRandom, type Random } from './prng.js';

export interface FaultOptions {
  /** Probabilities 0..1 per request, drawn from a seeded PRNG. */
  rate429?: number;
  rate500?: number;
  rate503?: number;
  /** Destroy the socket without a response (a connection reset). */
  resetRate?: number;
  /** Added before handling; a pair draws uniformly from [min, max]. */
  latencyMs?: number | [min: number, max: number];
  /** When set, 429 and 503 responses carry `Retry-After`. */
  retryAfterSeconds?: number;
  /** Only inject faults on these route names, e.g. `GET /v1/collectors`. */
  routes?: string[];
}

export type FaultDecision = 'none' | 'reset' | '429' | '500' | '503';

/**
 * Decides, per request, the injected latency and fault. One PRNG stream serves both, so a
 * given seed and request order always give the same faults.
 */
export class FaultInjector {
  #options: FaultOptions;
  readonly #random: Random;

  constructor(options: FaultOptions = {}, seed = 1) {
    this.#options = validateFaults(options);
    this.#random = createRandom(seed ^ 0x5eed_fa17);
  }

  set(options: FaultOptions): void {
    this.#options = validateFaults(options);
  }

  get retryAfterSeconds(): number | undefined {
    return this.#options.retryAfterSeconds;
  }

  appliesTo(routeName: string): boolean {
    return this.#options.routes === undefined || this.#options.routes.includes(routeName);
  }

  latencyMs(): number {
    const latency = this.#options.latencyMs;
    if (latency === undefined) return 0;
    if (typeof latency === 'number') return latency;
    const [min, max] = latency;
    return min + this.#random() * (max - min);
  }

  decide(): FaultDecision {
    const { resetRate = 0, rate429 = 0, rate500 = 0, rate503 = 0 } = this.#options;
    if (resetRate + rate429 + rate500 + rate503 === 0) return 'none';
    const draw = this.#random();
    let threshold = resetRate;
    if (draw < threshold) return 'reset';
    threshold += rate429;
    if (draw < threshold) return '429';
    threshold += rate500;
    if (draw < threshold) return '500';
    threshold += rate503;
    if (draw < threshold) return '503';
    return 'none';
  }
}

function validateFaults(options: FaultOptions): FaultOptions {
  const rates = [options.rate429, options.rate500, options.rate503, options.resetRate];
  for (const rate of rates) {
    if (rate !== undefined && !(rate >= 0 && rate <= 1))
      throw new RangeError('fault rates must be within 0..1');
  }
  if (rates.reduce<number>((sum, rate) => sum + (rate ?? 0), 0) > 1) {
    throw new RangeError('fault rates must not add up to more than 1');
  }
  const latency = options.latencyMs;
  const latencies = latency === undefined ? [] : typeof latency === 'number' ? [latency] : latency;
  if (latencies.some((ms) => !(ms >= 0))) throw new RangeError('latencyMs must be non-negative');
  if (Array.isArray(latency) && latency[0] > latency[1])
    throw new RangeError('latencyMs range must be [min, max]');
  return { ...options };
}
