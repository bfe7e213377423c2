import type { HistogramBucket } from '../schemas/search-job.js';

/**
 * The status call returns only the buckets found since the previous call, so the runner keeps
 * the running total. A bucket seen again carries the messages found in it since; counts add up.
 */
export class HistogramAccumulator {
  readonly #buckets = new Map<string, HistogramBucket>();

  add(buckets: readonly HistogramBucket[]): void {
    for (const bucket of buckets) {
      const key = `${bucket.startTimestamp}:${bucket.length}`;
      const known = this.#buckets.get(key);
      if (known) known.count += bucket.count;
      else
        this.#buckets.set(key, {
          startTimestamp: bucket.startTimestamp,
          length: bucket.length,
          count: bucket.count,
        });
    }
  }

  /** Oldest first. */
  buckets(): HistogramBucket[] {
    return [...this.#buckets.values()]
      .map((bucket) => ({ ...bucket }))
      .sort((a, b) => a.startTimestamp - b.startTimestamp);
  }

  total(): number {
    let sum = 0;
    for (const bucket of this.#buckets.values()) sum += bucket.count;
    return sum;
  }
}

export interface CompactHistogram {
  /** ISO time of the first point. */
  start: string;
  /** Width of every point in ms. */
  stepMs: number;
  /** Messages per step, oldest first; the series always covers the whole searched range. */
  counts: number[];
}

/**
 * Folds buckets into at most `maxPoints` equal steps across [from, to): a short series a person
 * or a model can read, whatever bucket width the API chose.
 */
export function compactHistogram(
  buckets: readonly HistogramBucket[],
  from: number,
  to: number,
  maxPoints = 24,
): CompactHistogram {
  const span = Math.max(1, to - from);
  const points = Math.max(1, Math.min(maxPoints, span < 1000 ? 1 : maxPoints));
  const stepMs = Math.ceil(span / points);
  const counts = new Array<number>(points).fill(0);
  for (const bucket of buckets) {
    // A bucket is credited to the step holding its middle; buckets outside the range clamp to the ends.
    const middle = bucket.startTimestamp + bucket.length / 2;
    const index = Math.min(points - 1, Math.max(0, Math.floor((middle - from) / stepMs)));
    counts[index] = (counts[index] ?? 0) + bucket.count;
  }
  return { start: new Date(from).toISOString(), stepMs, counts };
}

const SPARK = '▁▂▃▄▅▆▇█';

/**
 * Counts as a one-line chart of the eight block heights, scaled to the largest count. An empty
 * step is a blank so a gap stands out; an all-zero series is a flat baseline rather than nothing.
 */
export function sparkline(counts: readonly number[]): string {
  const max = Math.max(0, ...counts);
  if (max === 0) return counts.map(() => SPARK[0]).join('');
  return counts
    .map((count) => (count === 0 ? ' ' : SPARK[Math.min(7, Math.floor((count / max) * 7.999))]))
    .join('');
}
