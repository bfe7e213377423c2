import { randomUUID } from 'node:crypto';
import {
  InMemoryRateLimitStore,
  type RateLimitDecision,
  type RateLimitStore,
  type RateLimits,
  type WindowWidening,
} from '../http/rate-limiter.js';
import type { Logger } from '../logger.js';
import { SharedStateUnavailableError } from './errors.js';
import type { RedisBackend } from './redis-backend.js';

/**
 * One rate budget for every process on a Sumo user: request starts in a sliding window and
 * in-flight slots, decided by one Lua script per acquire on Redis's clock (replicas' clocks
 * differ). In-flight slots are leases with an expiry, renewed while held, so a crashed process
 * frees its slots within `leaseMs`. Fairness: each process's head waiter queues in Redis by the
 * time it started waiting, and a free slot goes to the oldest live waiter, so a busy process
 * cannot starve a quiet one. While Redis is unreachable, the store hands out a safe local share of
 * the budget (1/N for N replicas seen recently, or what 4 replicas would get when N is unknown).
 */
export interface RedisRateLimitStoreOptions {
  logger: Logger;
  /** An in-flight lease lasts this long unless renewed; a crashed holder frees it after this. */
  leaseMs?: number;
  /** How often a waiter re-asks when only other processes' releases can free a slot. */
  pollMs?: number;
  /**
   * Added to the window. A start is stamped on Redis's clock when granted, but the request leaves
   * later, after the reply crosses to the process and its event loop gets to it; between processes
   * on a loaded machine those delays differ by more than the single-process margin. Default 50 ms
   * (measured in bench/scale-out: 1 in 4 loaded runs earned a 429 without it).
   */
  extraWindowMs?: number;
  /** See RETURN_SPREAD_MS; tests shorten it. */
  returnSpreadMs?: number;
}

const DEFAULT_LEASE_MS = 15_000;
/**
 * How far apart replicas may notice that Redis is back (a reconnection, a heartbeat, the
 * sentinels' scan after a failover). Until then their local starts are invisible to Redis, so for
 * this long after a recovery the shared budget leaves their local shares free.
 */
const RETURN_SPREAD_MS = 3_000;
/** When the number of replicas is unknown, assume this many share the budget. */
const UNKNOWN_REPLICAS = 4;

/**
 * The window widening after 429s, kept in Redis so that every process on the budget widens (Sumo
 * counts them all): a hash of the widening, when it was set, its step and its recovery time.
 */
const CURRENT_WIDENING = `
local function widening(key, now)
  local w = redis.call('HMGET', key, 'extra', 'since', 'step', 'recovery')
  if not w[1] then return 0, 0, 0 end
  local extra, since, step, recovery = tonumber(w[1]), tonumber(w[2]), tonumber(w[3]), tonumber(w[4])
  local current = extra - math.floor((now - since) / recovery) * step
  if current < 0 then current = 0 end
  return current, step, recovery
end`;

const ACQUIRE = `${CURRENT_WIDENING}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local perSecond, concurrent, windowMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local leaseMs, lease, waiter, staleMs = tonumber(ARGV[4]), ARGV[5], ARGV[6], tonumber(ARGV[7])
local starts, leases, queue, seen = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local widened, step, recovery = widening(KEYS[5], now)
windowMs = windowMs + widened
redis.call('ZREMRANGEBYSCORE', starts, '-inf', now - windowMs)
redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
for _, gone in ipairs(redis.call('ZRANGE', seen, '-inf', now - staleMs, 'BYSCORE')) do
  redis.call('ZREM', queue, gone)
  redis.call('ZREM', seen, gone)
end
local started, inFlight = redis.call('ZCARD', starts), redis.call('ZCARD', leases)
local free = math.min(perSecond - started, concurrent - inFlight)
if free > 0 then
  local mine = redis.call('ZSCORE', queue, waiter)
  local ahead
  if mine then ahead = redis.call('ZCOUNT', queue, '-inf', '(' .. mine) else ahead = redis.call('ZCARD', queue) end
  if ahead < free then
    redis.call('ZREM', queue, waiter)
    redis.call('ZREM', seen, waiter)
    redis.call('ZADD', starts, now, lease)
    redis.call('ZADD', leases, now + leaseMs, lease)
    redis.call('PEXPIRE', starts, windowMs * 2)
    redis.call('PEXPIRE', leases, leaseMs * 2)
    return {1, 0, widened, step, recovery}
  end
end
redis.call('ZADD', queue, 'NX', now, waiter)
redis.call('ZADD', seen, now, waiter)
redis.call('PEXPIRE', queue, staleMs * 4)
redis.call('PEXPIRE', seen, staleMs * 4)
if started >= perSecond then
  local oldest = redis.call('ZRANGE', starts, 0, 0, 'WITHSCORES')
  return {0, math.max(1, tonumber(oldest[2]) + windowMs - now), widened, step, recovery}
end
return {0, -1, widened, step, recovery}`;

const WIDEN = `${CURRENT_WIDENING}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stepMs, maxMs, recoveryMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local current = widening(KEYS[1], now)
local extra = math.min(maxMs, current + stepMs)
if extra <= 0 or stepMs <= 0 or recoveryMs <= 0 then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('HSET', KEYS[1], 'extra', extra, 'since', now, 'step', stepMs, 'recovery', recoveryMs)
redis.call('PEXPIRE', KEYS[1], math.ceil(extra / stepMs) * recoveryMs)
return extra`;

const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local renewed = 0
for i = 2, #ARGV do
  renewed = renewed + redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[i])
end
if #ARGV > 1 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2) end
return renewed`;

const LOCAL_LEASE = 'local:';

export class RedisRateLimitStore implements RateLimitStore {
  readonly pollMs: number;
  readonly #redis: RedisBackend;
  readonly #logger: Logger;
  readonly #leaseMs: number;
  readonly #extraWindowMs: number;
  readonly #returnSpreadMs: number;
  readonly #held = new Map<string, Set<string>>();
  /** Leases released while Redis was unreachable: freed as soon as it answers, not at expiry. */
  readonly #unreleased = new Map<string, Set<string>>();
  readonly #local = new InMemoryRateLimitStore();
  readonly #renewer: NodeJS.Timeout;
  #fallbackLogged = false;
  /** Local clock time of the first local grant since the last shared one (see #acquireLocally). */
  #localSince: number | undefined;
  /** Local clock time of the latest local grant, until a shared start may safely follow it. */
  #lastLocalStart: number | undefined;

  constructor(redis: RedisBackend, options: RedisRateLimitStoreOptions) {
    this.#redis = redis;
    this.#logger = options.logger.child({ component: 'rate-budget' });
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.pollMs = options.pollMs ?? 25;
    this.#extraWindowMs = options.extraWindowMs ?? 50;
    this.#returnSpreadMs = options.returnSpreadMs ?? RETURN_SPREAD_MS;
    this.#renewer = setInterval(() => void this.#renew(), Math.max(50, Math.floor(this.#leaseMs / 3)));
    this.#renewer.unref();
  }

  async tryAcquire(key: string, limits: Required<RateLimits>, now: number): Promise<RateLimitDecision> {
    if (this.#redis.available) {
      // Back from the local share: Redis does not know the starts made locally, so the first
      // shared start waits until the last local one has left the window.
      if (this.#lastLocalStart !== undefined) {
        const wait = this.#lastLocalStart + this.#windowMs(key, limits, now) - now;
        if (wait > 0) return { granted: false, retryInMs: wait };
        this.#lastLocalStart = undefined;
      }
      const lease = randomUUID();
      const shared = this.#sharedLimits(limits);
      try {
        if (this.#unreleased.size > 0) await this.#releaseLeftovers();
        const reply = await this.#redis.eval(ACQUIRE, this.#keys(key), [
          String(shared.perSecond),
          String(shared.concurrent),
          String(limits.windowMs + this.#extraWindowMs),
          String(this.#leaseMs),
          lease,
          `${this.#redis.processId}:${key}`,
          // A waiter that has not asked again within two windows has gone (ended, or gave up).
          String(limits.windowMs * 2 + this.pollMs * 4),
        ]);
        this.#fallbackLogged = false;
        this.#localSince = undefined;
        const [granted, retryInMs, widened = 0, stepMs = 0, recoveryMs = 0] = Array.isArray(reply)
          ? reply.map(Number)
          : [0, -1];
        // What Redis says the widening is, mirrored here for pacing and for the local share.
        this.#local.adoptWidening(key, widened, { stepMs, recoveryMs }, now);
        if (granted === 1) {
          this.#hold(key, lease);
          return { granted: true, lease };
        }
        return retryInMs !== undefined && retryInMs > 0 ? { granted: false, retryInMs } : { granted: false };
      } catch (error) {
        // Whatever went wrong with the shared budget, Sumo calls go on with the local share.
        if (!(error instanceof SharedStateUnavailableError) && !this.#fallbackLogged) {
          this.#logger.error('shared rate budget failed; using the local share', {
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }
    }
    return this.#acquireLocally(key, limits, now);
  }

  async release(key: string, lease: string): Promise<void> {
    if (lease.startsWith(LOCAL_LEASE)) return this.#local.release(key, lease);
    this.#held.get(key)?.delete(lease);
    // Unreachable Redis: released once it answers again (or it expires on its own within leaseMs).
    await this.#redis.command(['ZREM', this.#keys(key)[1] as string, lease]).catch(() => {
      const leases = this.#unreleased.get(key) ?? new Set<string>();
      leases.add(lease);
      this.#unreleased.set(key, leases);
    });
  }

  /**
   * Widens the window in Redis, for every process on this budget; here at once too, so this
   * process paces by it before Redis answers, and keeps it while Redis cannot be reached.
   */
  async widen(key: string, widening: WindowWidening, now: number): Promise<void> {
    await this.#local.widen(key, widening, now);
    if (!this.#redis.available) return;
    const extra = await this.#redis
      .eval(
        WIDEN,
        [this.#wideningKey(key)],
        [String(widening.stepMs), String(widening.maxMs), String(widening.recoveryMs)],
      )
      .catch(() => undefined);
    if (typeof extra === 'number') this.#local.adoptWidening(key, extra, widening, now);
  }

  wideningMs(key: string, now: number): number {
    return this.#local.wideningMs(key, now);
  }

  /** Stops renewing leases (they expire within `leaseMs` if not released). */
  close(): void {
    clearInterval(this.#renewer);
  }

  /** Leases this process holds in Redis, for shutdown and tests. */
  heldLeases(): number {
    let count = 0;
    for (const leases of this.#held.values()) count += leases.size;
    return count;
  }

  /** Releases every lease this process still holds (at shutdown). */
  async releaseAll(): Promise<void> {
    await Promise.all(
      [...this.#held].flatMap(([key, leases]) => [...leases].map((lease) => this.release(key, lease))),
    );
  }

  /** What one replica may use while Redis is unreachable: 1/N of the budget. */
  #localShare(limits: Required<RateLimits>): Required<RateLimits> {
    const replicas = this.#redis.replicasSeen ?? UNKNOWN_REPLICAS;
    return {
      ...limits,
      perSecond: Math.max(1, Math.floor(limits.perSecond / replicas)),
      concurrent: Math.max(1, Math.floor(limits.concurrent / replicas)),
    };
  }

  /** The budget Redis hands out: all of it, but less the other replicas' local shares just after a recovery. */
  #sharedLimits(limits: Required<RateLimits>): Required<RateLimits> {
    const recoveredAt = this.#redis.recoveredAt;
    if (
      recoveredAt === undefined ||
      Date.now() > recoveredAt + limits.windowMs + this.#extraWindowMs + this.#returnSpreadMs
    )
      return limits;
    const others = (this.#redis.replicasSeen ?? UNKNOWN_REPLICAS) - 1;
    const share = this.#localShare(limits);
    return {
      ...limits,
      perSecond: Math.max(1, limits.perSecond - others * share.perSecond),
      concurrent: Math.max(1, limits.concurrent - others * share.concurrent),
    };
  }

  async #releaseLeftovers(): Promise<void> {
    for (const [key, leases] of this.#unreleased) {
      await this.#redis.command(['ZREM', this.#keys(key)[1] as string, ...leases]);
      this.#unreleased.delete(key);
    }
  }

  async #acquireLocally(key: string, limits: Required<RateLimits>, now: number): Promise<RateLimitDecision> {
    const share = this.#localShare(limits);
    if (!this.#fallbackLogged) {
      this.#fallbackLogged = true;
      this.#logger.warn('shared rate budget unreachable: using a local share until Redis answers', {
        budget: key,
        replicasSeen: this.#redis.replicasSeen ?? 'unknown',
        perSecond: share.perSecond,
        concurrent: share.concurrent,
      });
    }
    // Requests Redis granted in the last window — to any replica — are invisible here: wait one
    // window after switching before the first local start, so the two budgets never overlap.
    this.#localSince ??= now;
    const quietFor = this.#localSince + this.#windowMs(key, limits, now) - now;
    if (quietFor > 0) return { granted: false, retryInMs: quietFor };
    // Requests still running on leases from Redis count against the local in-flight share.
    const stillRunning = this.#held.get(key)?.size ?? 0;
    const decision = await this.#local.tryAcquire(
      key,
      { ...share, concurrent: share.concurrent - stillRunning },
      now,
    );
    if (!decision.granted) return decision;
    this.#lastLocalStart = now;
    return { granted: true, lease: `${LOCAL_LEASE}${decision.lease}` };
  }

  /** The shared window as this process knows it: the limit, the margin between processes, the widening. */
  #windowMs(key: string, limits: Required<RateLimits>, now: number): number {
    return limits.windowMs + this.#extraWindowMs + this.#local.wideningMs(key, now);
  }

  #keys(key: string): string[] {
    const base = this.#redis.key(`rate:{${key}}`);
    return [`${base}:starts`, `${base}:leases`, `${base}:queue`, `${base}:seen`, this.#wideningKey(key)];
  }

  #wideningKey(key: string): string {
    return `${this.#redis.key(`rate:{${key}}`)}:widening`;
  }

  #hold(key: string, lease: string): void {
    const leases = this.#held.get(key) ?? new Set<string>();
    leases.add(lease);
    this.#held.set(key, leases);
  }

  async #renew(): Promise<void> {
    for (const [key, leases] of this.#held) {
      if (leases.size === 0) continue;
      await this.#redis
        .eval(RENEW, [this.#keys(key)[1] as string], [String(this.#leaseMs), ...leases])
        .catch(() => undefined);
    }
  }
}
