import { createRandom, type Random } from './prng.js';

export interface FaultOptions {
  /** Probabilities 0..1 per request, drawn from a seeded PRNG. */
  rate429?: number;
  rate500?: number;
  rate503?: number;
  /** Destroy the socket without a response (a connection reset). */
  resetRate?: number;
  /** Carry the request out, then destroy the socket instead of answering: the server acted, the answer is lost. */
  lostAnswerRate?: number;
  /** Carry the request out, then answer 2xx with its JSON body cut in half (complete HTTP framing). */
  truncateRate?: number;
  /** Carry the request out, then answer 500 internal.error: the server acted but reports a failure. */
  actThen500Rate?: number;
  /** Inject at most this many faults, then none: "only the first attempt fails". */
  limit?: number;
  /** Added before handling; a pair draws uniformly from [min, max]. */
  latencyMs?: number | [min: number, max: number];
  /** When set, 429 and 503 responses carry `Retry-After`. */
  retryAfterSeconds?: number;
  /** Only inject faults on these route names, e.g. `GET /v1/collectors`. */
  routes?: string[];
}

export type FaultDecision =
  | 'none'
  | 'reset'
  | 'lost-answer'
  | 'truncate'
  | 'act-then-500'
  | '429'
  | '500'
  | '503';

/**
 * Decides, per request, the injected latency and fault. One PRNG stream serves both, so a
 * given seed and request order always give the same faults.
 */
export class FaultInjector {
  #options: FaultOptions;
  readonly #random: Random;
  #injected = 0;

  constructor(options: FaultOptions = {}, seed = 1) {
    this.#options = validateFaults(options);
    this.#random = createRandom(seed ^ 0x5eed_fa17);
  }

  set(options: FaultOptions): void {
    this.#options = validateFaults(options);
    this.#injected = 0;
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
    const decision = this.#draw();
    if (decision === 'none') return decision;
    if (this.#options.limit !== undefined && this.#injected >= this.#options.limit) return 'none';
    this.#injected += 1;
    return decision;
  }

  #draw(): FaultDecision {
    const {
      resetRate = 0,
      lostAnswerRate = 0,
      truncateRate = 0,
      actThen500Rate = 0,
      rate429 = 0,
      rate500 = 0,
      rate503 = 0,
    } = this.#options;
    const choices: [FaultDecision, number][] = [
      ['reset', resetRate],
      ['lost-answer', lostAnswerRate],
      ['truncate', truncateRate],
      ['act-then-500', actThen500Rate],
      ['429', rate429],
      ['500', rate500],
      ['503', rate503],
    ];
    if (choices.every(([, rate]) => rate === 0)) return 'none';
    const draw = this.#random();
    let threshold = 0;
    for (const [decision, rate] of choices) {
      threshold += rate;
      if (draw < threshold) return decision;
    }
    return 'none';
  }
}

function validateFaults(options: FaultOptions): FaultOptions {
  const rates = [
    options.rate429,
    options.rate500,
    options.rate503,
    options.resetRate,
    options.lostAnswerRate,
    options.truncateRate,
    options.actThen500Rate,
  ];
  for (const rate of rates) {
    if (rate !== undefined && !(rate >= 0 && rate <= 1))
      throw new RangeError('fault rates must be within 0..1');
  }
  if (rates.reduce<number>((sum, rate) => sum + (rate ?? 0), 0) > 1) {
    throw new RangeError('fault rates must not add up to more than 1');
  }
  if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit >= 0))
    throw new RangeError('limit must be a whole number of faults, 0 or more');
  const latency = options.latencyMs;
  const latencies = latency === undefined ? [] : typeof latency === 'number' ? [latency] : latency;
  if (latencies.some((ms) => !(ms >= 0))) throw new RangeError('latencyMs must be non-negative');
  if (Array.isArray(latency) && latency[0] > latency[1])
    throw new RangeError('latencyMs range must be [min, max]');
  return { ...options };
}
