import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { StateBackend } from './backend.js';
import { SharedStateUnavailableError } from './errors.js';

/**
 * State in Redis, through node-redis (`@redis/client`, the client Redis itself maintains). What
 * this adds around the client is only the promise the product makes: never hang and never crash
 * on a Redis that is down. Commands fail at once while disconnected (no offline queue: a queued
 * confirmation would run whenever Redis came back), every command has a timeout, reconnection is
 * automatic with capped backoff, and an outage is logged once when it starts and once when it
 * ends, with what to check.
 */
export interface RedisBackendOptions {
  url: string;
  keyPrefix: string;
  logger: Logger;
  /** A command without an answer after this long counts as Redis being unreachable. */
  commandTimeoutMs?: number;
  /** How often this process says it is alive (for the count of replicas seen recently). */
  heartbeatMs?: number;
}

/** A process counts as a live replica for this long after its last heartbeat. */
const REPLICA_SEEN_MS = 30_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 1_000;
const DEFAULT_HEARTBEAT_MS = 2_000;
const MAX_RECONNECT_DELAY_MS = 2_000;

type Reply = string | number | null | Reply[];
type RedisModule = typeof import('./node-redis.js');
type RedisClient = ReturnType<typeof openClient>;

/**
 * Error replies that mean this Redis cannot serve us right now (a replica after a failover, a full
 * disk, still loading, out of memory, a busy script, wrong credentials): as good as unreachable.
 */
const UNUSABLE_REPLY =
  /^(READONLY|LOADING|MISCONF|OOM|BUSY|MASTERDOWN|NOAUTH|WRONGPASS|NOPERM|CLUSTERDOWN|TRYAGAIN)\b/;

const RENEW_IF_HELD = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE_IF_HELD = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const APPEND = `redis.call('RPUSH', KEYS[1], ARGV[1]) return redis.call('PEXPIRE', KEYS[1], ARGV[2])`;
const HEARTBEAT = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('ZCARD', KEYS[1])`;

export class RedisBackend implements StateBackend {
  readonly kind = 'redis';
  readonly description: string;
  /** Identifies this process among the replicas (heartbeats, lease holders). */
  readonly processId = randomUUID();
  /** Loaded by the constructor, so only a process configured for Redis loads node-redis. */
  #redis: { module: RedisModule; client: RedisClient } | undefined;
  readonly #prefix: string;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #heartbeat: NodeJS.Timeout;
  #available = false;
  #outageLogged = false;
  #everReady = false;
  #closed = false;
  #replicaCounts: Array<{ at: number; count: number }> = [];

  constructor(options: RedisBackendOptions) {
    const url = new URL(options.url);
    this.description = `Redis at ${url.protocol}//${url.host}${url.pathname.length > 1 ? url.pathname : ''}`;
    this.#prefix = options.keyPrefix;
    this.#logger = options.logger.child({ component: 'shared-state' });
    this.#timeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    // Not awaited: a Redis that is down at start must not stop the process from serving reads.
    import('./node-redis.js').then(
      (module) => this.#connect(module, options.url),
      (error: unknown) => this.#down(error),
    );
    const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.#heartbeat = setInterval(() => void this.#beat(), heartbeatMs);
    this.#heartbeat.unref();
  }

  #connect(module: RedisModule, url: string): void {
    if (this.#closed) return;
    const client = openClient(module, url, this.#timeoutMs);
    this.#redis = { module, client };
    client.on('ready', () => this.#up());
    client.on('error', (error: unknown) => this.#down(error));
    client.on('end', () => {
      this.#available = false;
    });
    client.connect().catch((error: unknown) => this.#down(error));
  }

  /** A reply Redis sent (a script error, NOSCRIPT), as opposed to no answer at all. */
  #isErrorReply(error: unknown): error is Error {
    return this.#redis !== undefined && error instanceof this.#redis.module.ErrorReply;
  }

  get available(): boolean {
    return this.#available;
  }

  /**
   * The most processes seen sending heartbeats at once in the last 30 s, this one included;
   * undefined until known. The highest recent count, not the last one: a process that beat first
   * at start-up saw only itself, and under-counting would give it too large a local share.
   */
  get replicasSeen(): number | undefined {
    const since = Date.now() - REPLICA_SEEN_MS;
    const recent = this.#replicaCounts.filter((entry) => entry.at >= since).map((entry) => entry.count);
    return recent.length > 0 ? Math.max(...recent) : undefined;
  }

  /** Resolves once connected, or false after `timeoutMs` (start-up checks and tests). */
  async ready(timeoutMs = 2_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (!this.#available && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    return this.#available;
  }

  /**
   * Resolves true once connected, or false as soon as the first attempt has failed (or after
   * `timeoutMs`): at start-up a refused connection should not hold a process for the whole wait.
   */
  async settled(timeoutMs = 2_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (!this.#available && !this.#outageLogged && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.#available;
  }

  key(name: string): string {
    return `${this.#prefix}${name}`;
  }

  async get(key: string): Promise<string | undefined> {
    return asString(await this.command(['GET', this.key(key)]));
  }

  async set(
    key: string,
    value: string,
    options: { ttlMs: number; onlyIfAbsent?: boolean },
  ): Promise<boolean> {
    const args = ['SET', this.key(key), value, 'PX', String(Math.max(1, Math.ceil(options.ttlMs)))];
    if (options.onlyIfAbsent) args.push('NX');
    return (await this.command(args)) === 'OK';
  }

  async take(key: string): Promise<string | undefined> {
    return asString(await this.command(['GETDEL', this.key(key)]));
  }

  async delete(key: string): Promise<void> {
    await this.command(['DEL', this.key(key)]);
  }

  async renewIfHeld(key: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await this.eval(RENEW_IF_HELD, [this.key(key)], [holder, String(Math.ceil(ttlMs))])) === 1;
  }

  async releaseIfHeld(key: string, holder: string): Promise<boolean> {
    return (await this.eval(RELEASE_IF_HELD, [this.key(key)], [holder])) === 1;
  }

  async indexPut(index: string, member: string, score: number): Promise<void> {
    await this.command(['ZADD', this.key(index), String(score), member]);
  }

  async indexRemove(index: string, member: string): Promise<void> {
    await this.command(['ZREM', this.key(index), member]);
  }

  async indexRange(index: string, maxScore?: number): Promise<string[]> {
    const reply = await this.command([
      'ZRANGE',
      this.key(index),
      '-inf',
      maxScore === undefined ? '+inf' : String(maxScore),
      'BYSCORE',
    ]);
    return Array.isArray(reply) ? reply.map(String) : [];
  }

  async append(key: string, value: string, ttlMs: number): Promise<void> {
    await this.eval(APPEND, [this.key(key)], [value, String(Math.ceil(ttlMs))]);
  }

  async list(key: string): Promise<string[]> {
    const reply = await this.command(['LRANGE', this.key(key), '0', '-1']);
    return Array.isArray(reply) ? reply.map(String) : [];
  }

  async now(): Promise<number> {
    const reply = await this.command(['TIME']);
    if (!Array.isArray(reply)) throw new Error('Redis TIME gave no time');
    return Number(reply[0]) * 1000 + Math.floor(Number(reply[1]) / 1000);
  }

  /** Sends one command; anything but a reply from Redis becomes `SharedStateUnavailableError`. */
  async command(args: string[]): Promise<Reply> {
    if (this.#closed) throw new SharedStateUnavailableError(`${this.description}, closed`);
    // Each waiting command holds a place in the client's pipeline; a hung Redis must not collect them.
    const client = this.#redis?.client;
    if (!client || (!this.#available && !client.isReady))
      throw new SharedStateUnavailableError(this.description);
    try {
      const reply = await withDeadline(
        client.sendCommand(args, { timeout: this.#timeoutMs }) as Promise<Reply>,
        this.#timeoutMs,
      );
      if (!this.#available) this.#up();
      return reply;
    } catch (error) {
      if (this.#isErrorReply(error) && !UNUSABLE_REPLY.test(error.message)) throw error;
      this.#down(error);
      throw new SharedStateUnavailableError(this.description, error);
    }
  }

  /** Runs a Lua script by its SHA1, loading it on first use (EVALSHA, then EVAL on NOSCRIPT). */
  async eval(script: string, keys: string[], args: string[]): Promise<Reply> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await this.command(['EVALSHA', createHash('sha1').update(script).digest('hex'), ...tail]);
    } catch (error) {
      if (!this.#isErrorReply(error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.command(['EVAL', script, ...tail]);
    }
  }

  async ping(): Promise<void> {
    await this.command(['PING']);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    if (this.#available) {
      await this.command(['ZREM', this.key('replicas'), this.processId]).catch(() => undefined);
    }
    const wasAvailable = this.#available;
    this.#available = false;
    const client = this.#redis?.client;
    if (!client) return;
    try {
      // A graceful close waits for every reply still owed; a hung Redis owes them forever.
      if (wasAvailable && client.isReady) await withDeadline(client.close(), this.#timeoutMs);
      else client.destroy();
    } catch {
      client.destroy();
    }
  }

  async #beat(): Promise<void> {
    // While the socket is down the client reconnects by itself; while it is up but Redis stopped
    // answering (hung, partitioned), only a command can tell when it answers again: the heartbeat
    // is that command, and its success ends the outage.
    if (!this.#available && !this.#redis?.client.isReady) return;
    try {
      const count = await this.eval(
        HEARTBEAT,
        [this.key('replicas')],
        [this.processId, String(REPLICA_SEEN_MS)],
      );
      if (typeof count === 'number') {
        const at = Date.now();
        this.#replicaCounts = [
          ...this.#replicaCounts.filter((entry) => entry.at >= at - REPLICA_SEEN_MS),
          { at, count },
        ];
      }
    } catch {
      // An outage is logged by #down; a missed heartbeat matters to nobody.
    }
  }

  #up(): void {
    this.#available = true;
    if (this.#outageLogged) {
      this.#logger.info('shared state reachable again: the shared rate budget and confirmations resume', {
        redis: this.description,
      });
    }
    this.#outageLogged = false;
    this.#everReady = true;
    void this.#beat();
  }

  #down(error: unknown): void {
    if (this.#closed) return;
    // A command without an answer (a hung or partitioned Redis) counts as much as a socket error;
    // the next answer, or the client's reconnection, ends the outage.
    this.#available = false;
    if (this.#outageLogged) return;
    this.#outageLogged = true;
    this.#logger.warn(
      this.#everReady
        ? 'shared state lost: working on a local share of the rate budget; confirmations are refused until Redis is back'
        : 'shared state unreachable at start: working on a local share of the rate budget; confirmations are refused until Redis answers',
      {
        redis: this.description,
        error: error instanceof Error ? error.message : String(error),
        fix: 'Check that Redis is running and reachable, and that SUMO_OPS_REDIS_URL (host, port, password, db) is right. Reconnection is automatic.',
      },
    );
  }
}

function openClient(module: RedisModule, url: string, timeoutMs: number) {
  return module.createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: timeoutMs },
    socket: {
      connectTimeout: 2_000,
      // Jittered, capped backoff: replicas that lost Redis together do not reconnect in lockstep.
      reconnectStrategy: (retries) =>
        Math.min(MAX_RECONNECT_DELAY_MS, 50 * 2 ** Math.min(retries, 6)) * (0.5 + Math.random() / 2),
    },
  });
}

/**
 * node-redis's own command timeout only covers the wait before a command is written; once it is
 * on the wire, a Redis that stopped answering would hold the caller forever. The late answer, if
 * any, is consumed by the client's pipeline and ignored here.
 */
function withDeadline<T>(pending: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer from Redis within ${ms} ms`)), ms);
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function asString(reply: Reply): string | undefined {
  return reply === null || reply === undefined ? undefined : String(reply);
}
