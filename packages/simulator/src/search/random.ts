/**
 * Counter-based randomness: every value is a pure function of (seed, index, salt), so message i
 * can be regenerated at any time without walking messages 0..i-1.
 */
export function hash32(seed: number, index: number, salt: number): number {
  let h = Math.imul((index ^ salt) | 0, 0x9e3779b1) ^ Math.imul(seed | 0, 0x85ebca6b);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const HEX_BYTES = Array.from({ length: 256 }, (_, n) => n.toString(16).padStart(2, '0'));

/**
 * The several draws one message needs: mulberry32 like `prng.ts`, but yielding 32-bit integers
 * from an inlined state, because this runs for every generated message (floats and a closure per
 * message halve generation speed).
 */
export class Draws {
  private state: number;

  constructor(start: number) {
    this.state = start | 0;
  }

  /** Uniform unsigned 32-bit integer. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return this.u32() % n;
  }

  /** Integer in [min, max]. */
  between(min: number, max: number): number {
    return min + (this.u32() % (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.u32() % items.length] as T;
  }

  /** Picks from `[weight, value]` pairs whose weights sum to 100. */
  weighted<T>(table: readonly (readonly [number, T])[]): T {
    let roll = this.u32() % 100;
    for (const [weight, value] of table) {
      if (roll < weight) return value;
      roll -= weight;
    }
    return (table[table.length - 1] as readonly [number, T])[1];
  }

  hex(length: number): string {
    let out = '';
    while (out.length < length) {
      const n = this.u32();
      out += `${HEX_BYTES[n & 0xff]}${HEX_BYTES[(n >>> 8) & 0xff]}${HEX_BYTES[(n >>> 16) & 0xff]}${HEX_BYTES[n >>> 24]}`;
    }
    return out.length === length ? out : out.slice(0, length);
  }
}
