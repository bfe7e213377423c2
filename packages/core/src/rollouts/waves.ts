import type { PlannedUpgrade } from '../upgrades/bulk-upgrade.js';

/** A wave as asked for: a number of collectors, or a percentage of the selection ("10%"). */
export type WaveSize = number | string;

export const DEFAULT_WAVES: readonly WaveSize[] = [1, '10%', '100%'];
export const PERCENT_PATTERN = /^(\d{1,3}(?:\.\d{1,2})?)%$/;

/**
 * Splits the planned collectors into waves, in the plan's order. A count is that many more
 * collectors; a percentage is how much of the selection is done once the wave ends (so
 * `[1, "10%", "50%", "100%"]` reads as canary, then up to a tenth, half, all). Waves left empty
 * (10 % of 5 collectors is already the canary) are dropped; the last wave takes the rest.
 */
export function splitWaves(
  planned: readonly PlannedUpgrade[],
  sizes: readonly WaveSize[],
): PlannedUpgrade[][] {
  const total = planned.length;
  const waves: PlannedUpgrade[][] = [];
  let done = 0;
  sizes.forEach((size, index) => {
    const last = index === sizes.length - 1;
    const end = last ? total : Math.min(total, waveEnd(size, done, total));
    if (end > done) waves.push(planned.slice(done, end));
    done = Math.max(done, end);
  });
  return waves;
}

/** A count given as words (`--waves 1,10%` on a command line) is still a count. */
const COUNT_PATTERN = /^\d+$/;

function waveEnd(size: WaveSize, done: number, total: number): number {
  if (typeof size === 'number') return done + size;
  if (COUNT_PATTERN.test(size.trim())) return done + Number(size);
  const percent = Number(PERCENT_PATTERN.exec(size)?.[1]);
  // In hundredths of a percent, whole numbers: (7 / 100) * 100 is 7.000000000000001 in floating
  // point, and its ceiling would put an eighth collector into a wave of 7 %.
  return Math.ceil((Math.round(percent * 100) * total) / 10_000);
}

/** Why a list of wave sizes cannot be used, or undefined when it can. */
export function wavesProblem(sizes: readonly WaveSize[]): string | undefined {
  for (const [index, given] of sizes.entries()) {
    const size = typeof given === 'string' && COUNT_PATTERN.test(given.trim()) ? Number(given) : given;
    if (typeof size === 'number') {
      if (!Number.isInteger(size) || size < 1)
        return `wave ${index + 1} (${size}) must be a whole number of collectors, at least 1`;
      continue;
    }
    const match = PERCENT_PATTERN.exec(size.trim());
    const percent = Number(match?.[1]);
    if (!match || percent <= 0 || percent > 100)
      return `wave ${index + 1} ("${size}") must be a count such as 5 or a percentage of the selection from "0.01%" to "100%"`;
  }
  return undefined;
}

/** Upgraded collectors by the end of each wave: the most a gate failing after that wave lets through. */
export function cumulativeSizes(waves: readonly (readonly unknown[])[]): number[] {
  let sum = 0;
  return waves.map((wave) => {
    sum += wave.length;
    return sum;
  });
}
