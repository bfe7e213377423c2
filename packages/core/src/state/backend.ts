/**
 * The few primitives every piece of state that must outlive a call, or be shared by replicas, is
 * built from: values with a time to live, set-if-absent, take-once, holder-checked leases and a
 * scored index. `MemoryBackend` keeps them in this process (the default: one process needs
 * nothing); `RedisBackend` keeps them in Redis. Stores are written once against this interface,
 * so the in-memory twin of every store is the same code, and the same tests run on both.
 */
export interface StateBackend {
  readonly kind: 'memory' | 'redis';
  /** False while a shared backend cannot be reached; a memory backend is always available. */
  readonly available: boolean;
  /** Where the state lives, for messages (`in memory`, `Redis at host:port`); never a password. */
  readonly description: string;
  get(key: string): Promise<string | undefined>;
  /** Stores `value` for `ttlMs`; with `onlyIfAbsent`, only when the key holds nothing (then reports whether it did). */
  set(key: string, value: string, options: { ttlMs: number; onlyIfAbsent?: boolean }): Promise<boolean>;
  /** Reads and deletes in one step: of several callers racing for a key, exactly one gets it. */
  take(key: string): Promise<string | undefined>;
  delete(key: string): Promise<void>;
  /** Extends `key` by `ttlMs` if it still holds `holder` (a lease renewal); false if it was lost. */
  renewIfHeld(key: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Deletes `key` if it still holds `holder`; never frees a lease someone else has taken since. */
  releaseIfHeld(key: string, holder: string): Promise<boolean>;
  /**
   * Stores `value` for `ttlMs` only while the lease at `lease.key` holds `lease.holder`, in one
   * step: a holder that lost its lease (a long pause, a partition) cannot put back an older copy
   * over what the next holder wrote. False, and nothing written, when the lease is not held.
   */
  setIfHeld(
    key: string,
    value: string,
    ttlMs: number,
    lease: { key: string; holder: string },
  ): Promise<boolean>;
  /** Adds or moves `member` in a sorted index with `score` (e.g. a due time in epoch ms). */
  indexPut(index: string, member: string, score: number): Promise<void>;
  indexRemove(index: string, member: string): Promise<void>;
  /** Members with a score at most `maxScore` (all when absent), lowest score first. */
  indexRange(index: string, maxScore?: number): Promise<string[]>;
  /** Appends to a list kept for `ttlMs` after the last append. */
  append(key: string, value: string, ttlMs: number): Promise<void>;
  list(key: string): Promise<string[]>;
  /** Epoch ms on the backend's clock (Redis's own for Redis: replicas' clocks differ). */
  now(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Expired entries go when they are next read; one sweep every so many writes drops those nobody
 * reads again (a shared read's answer for its followers, a key made from arguments seen once), so a
 * long-running process does not keep them for ever.
 */
const SWEEP_EVERY_WRITES = 1_000;

interface Entry<T> {
  value: T;
  expiresAt: number;
}

/** State in this process only: what one process needs, with the same semantics as Redis. */
export class MemoryBackend implements StateBackend {
  readonly kind = 'memory';
  readonly available = true;
  readonly description = 'in memory';
  readonly #values = new Map<string, Entry<string>>();
  readonly #lists = new Map<string, Entry<string[]>>();
  readonly #indexes = new Map<string, Map<string, number>>();
  readonly #clock: () => number;
  #writes = 0;

  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  async get(key: string): Promise<string | undefined> {
    return this.#live(this.#values, key)?.value;
  }

  async set(
    key: string,
    value: string,
    options: { ttlMs: number; onlyIfAbsent?: boolean },
  ): Promise<boolean> {
    if (options.onlyIfAbsent && this.#live(this.#values, key)) return false;
    this.#values.set(key, { value, expiresAt: this.#clock() + options.ttlMs });
    this.#wrote();
    return true;
  }

  async take(key: string): Promise<string | undefined> {
    const entry = this.#live(this.#values, key);
    this.#values.delete(key);
    return entry?.value;
  }

  async delete(key: string): Promise<void> {
    this.#values.delete(key);
    this.#lists.delete(key);
    this.#indexes.delete(key);
  }

  async renewIfHeld(key: string, holder: string, ttlMs: number): Promise<boolean> {
    const entry = this.#live(this.#values, key);
    if (entry?.value !== holder) return false;
    entry.expiresAt = this.#clock() + ttlMs;
    return true;
  }

  async releaseIfHeld(key: string, holder: string): Promise<boolean> {
    if (this.#live(this.#values, key)?.value !== holder) return false;
    this.#values.delete(key);
    return true;
  }

  async setIfHeld(
    key: string,
    value: string,
    ttlMs: number,
    lease: { key: string; holder: string },
  ): Promise<boolean> {
    if (this.#live(this.#values, lease.key)?.value !== lease.holder) return false;
    return this.set(key, value, { ttlMs });
  }

  async indexPut(index: string, member: string, score: number): Promise<void> {
    const entries = this.#indexes.get(index) ?? new Map<string, number>();
    entries.set(member, score);
    this.#indexes.set(index, entries);
  }

  async indexRemove(index: string, member: string): Promise<void> {
    this.#indexes.get(index)?.delete(member);
  }

  async indexRange(index: string, maxScore = Number.POSITIVE_INFINITY): Promise<string[]> {
    return [...(this.#indexes.get(index) ?? [])]
      .filter(([, score]) => score <= maxScore)
      .sort((a, b) => a[1] - b[1])
      .map(([member]) => member);
  }

  async append(key: string, value: string, ttlMs: number): Promise<void> {
    const entry = this.#live(this.#lists, key) ?? { value: [], expiresAt: 0 };
    entry.value.push(value);
    entry.expiresAt = this.#clock() + ttlMs;
    this.#lists.set(key, entry);
    this.#wrote();
  }

  async list(key: string): Promise<string[]> {
    return [...(this.#live(this.#lists, key)?.value ?? [])];
  }

  async now(): Promise<number> {
    return this.#clock();
  }

  async close(): Promise<void> {}

  #wrote(): void {
    this.#writes += 1;
    if (this.#writes % SWEEP_EVERY_WRITES !== 0) return;
    const now = this.#clock();
    for (const map of [this.#values, this.#lists] as Array<Map<string, Entry<unknown>>>) {
      for (const [key, entry] of map) if (entry.expiresAt <= now) map.delete(key);
    }
  }

  #live<T>(map: Map<string, Entry<T>>, key: string): Entry<T> | undefined {
    const entry = map.get(key);
    if (entry && entry.expiresAt <= this.#clock()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }
}
