import { createHash, randomUUID } from 'node:crypto';
import type { RedisSentinelConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { StateBackend } from './backend.js';
import { SharedStateUnavailableError } from './errors.js';

/**
 * State in Redis, through node-redis (`@redis/client`, the client Redis itself maintains): one
 * Redis at a URL, or the primary that Redis Sentinel names (node-redis's Sentinel client, which
 * follows a failover to the new primary). What this adds around the client is only the promise
 * the product makes: never hang and never crash on a Redis that is down. Commands fail at once
 * while disconnected (no offline queue: a queued confirmation would run whenever Redis came back),
 * every command has a deadline after which it is never sent, reconnection is automatic with capped
 * backoff, and an outage (a failover included) is logged once when it starts and once when it
 * ends, with what to check.
 */
export interface RedisBackendOptions {
  /** One Redis: `redis://` or `rediss://`. Exactly one of `url` and `sentinel`. */
  url?: string | undefined;
  /** The primary Redis Sentinel names (SUMO_OPS_REDIS_SENTINELS, SUMO_OPS_REDIS_MASTER, …). */
  sentinel?: RedisSentinelConfig | undefined;
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
const CONNECT_TIMEOUT_MS = 2_000;
/**
 * How often the Sentinel client asks a sentinel for the primary besides the sentinels' own
 * announcements: a missed `+switch-master` (a sentinel restarting mid-failover) costs at most this.
 */
const SENTINEL_SCAN_MS = 2_000;

type Reply = string | number | null | Reply[];
type RedisModule = typeof import('./node-redis.js');

/** Jittered, capped backoff: replicas that lost Redis together do not reconnect in lockstep. */
const reconnectDelay = (retries: number) =>
  Math.min(MAX_RECONNECT_DELAY_MS, 50 * 2 ** Math.min(retries, 6)) * (0.5 + Math.random() / 2);

/** What the backend needs from node-redis, alike for one Redis and for a primary found through Sentinel. */
interface Connection {
  /** True while commands can be written to the primary now. */
  readonly ready: boolean;
  /** host:port of the primary Sentinel named, when it is not in the description. */
  readonly primary: string | undefined;
  send(args: string[], options: { timeout: number; abortSignal: AbortSignal }): Promise<Reply>;
  /** Waits for every reply still owed. */
  close(): Promise<void>;
  destroy(): void;
}

/**
 * Error replies that mean this Redis cannot serve us right now (a replica after a failover, a full
 * disk, still loading, out of memory, a busy script, wrong credentials): as good as unreachable.
 */
const UNUSABLE_REPLY =
  /^(READONLY|LOADING|MISCONF|OOM|BUSY|MASTERDOWN|NOAUTH|WRONGPASS|NOPERM|CLUSTERDOWN|TRYAGAIN)\b/;

const RENEW_IF_HELD = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE_IF_HELD = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const SET_IF_HELD = `if redis.call('GET', KEYS[2]) == ARGV[3] then return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end return 0`;
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
  /** What to do when it cannot be reached, for refusals (SharedStateUnavailableError). */
  readonly unavailableHint: string;
  /**
   * Made once node-redis is loaded (by the constructor, with `import()`): only a process
   * configured for Redis loads it (start-up time, bench/cold-start).
   */
  #redis: { module: RedisModule; connection: Connection } | undefined;
  readonly #sentinel: boolean;
  readonly #prefix: string;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #heartbeat: NodeJS.Timeout;
  #available = false;
  #outageLogged = false;
  #everReady = false;
  #closed = false;
  #recoveredAt: number | undefined;
  #replicaCounts: Array<{ at: number; count: number }> = [];

  constructor(options: RedisBackendOptions) {
    this.#prefix = options.keyPrefix;
    this.#logger = options.logger.child({ component: 'shared-state' });
    this.#timeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.#sentinel = options.sentinel !== undefined;
    if (options.sentinel) {
      const { masterName, sentinels } = options.sentinel;
      this.description = `Redis primary "${masterName}" through Sentinel at ${sentinels.map(hostPort).join(',')}`;
      this.unavailableHint = `If Redis Sentinel is failing over to a new primary, this lasts seconds: try again shortly. If it goes on, check that the sentinels in SUMO_OPS_REDIS_SENTINELS are reachable and monitor "${masterName}" (SUMO_OPS_REDIS_MASTER), and the password, database and TLS settings.`;
    } else if (options.url) {
      const url = new URL(options.url);
      this.description = `Redis at ${url.protocol}//${url.host}${url.pathname.length > 1 ? url.pathname : ''}`;
      this.unavailableHint =
        'Check that Redis is running and that SUMO_OPS_REDIS_URL points at it, then try again.';
    } else {
      throw new Error('RedisBackend needs a url or a sentinel configuration');
    }
    const { sentinel, url } = options;
    // Not awaited: a Redis that is down at start must not stop the process from serving reads.
    import('./node-redis.js').then(
      (module) => {
        if (this.#closed) return;
        const connection = sentinel
          ? this.#connectSentinel(module, sentinel)
          : this.#connectClient(module, url as string);
        this.#redis = { module, connection };
      },
      (error: unknown) => this.#down(error),
    );
    const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.#heartbeat = setInterval(() => void this.#beat(), heartbeatMs);
    this.#heartbeat.unref();
  }

  get available(): boolean {
    return this.#available;
  }

  /** Epoch ms at which Redis last answered again after an outage (a failover included). */
  get recoveredAt(): number | undefined {
    return this.#recoveredAt;
  }

  /** With Sentinel, the primary it named and this process is connected to (host:port). */
  get primary(): string | undefined {
    return this.#redis?.connection.primary;
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
    const written = (await this.command(args)) === 'OK';
    // A set-if-absent is a claim (a follow-up's post, a digest's run, a lease): one a failover
    // undid could be won again on the new primary, so with Sentinel it counts once a replica has it.
    if (written && options.onlyIfAbsent && this.#sentinel) await this.#replicated();
    return written;
  }

  async take(key: string): Promise<string | undefined> {
    const value = asString(await this.command(['GETDEL', this.key(key)]));
    if (value !== undefined && this.#sentinel) await this.#replicated();
    return value;
  }

  /**
   * With Sentinel, a failover promotes a replica, and replication is asynchronous: a take the old
   * primary answered but had not yet passed on would be undone, and the same confirmation could be
   * taken again from the new primary (a claim likewise won twice). So a take, or a claim, counts
   * only once a replica has it (WAIT); when none acknowledges in time it is refused — a taken value
   * is gone here, so at worst a confirmation must be asked for again, never run twice; a claim may
   * stand (the refusal says it may have applied), and its holder asks again with the same token.
   * A primary without replicas has no one to fail over to.
   */
  async #replicated(): Promise<void> {
    const role = await this.command(['ROLE']);
    const replicas = Array.isArray(role) && Array.isArray(role[2]) ? role[2].length : 0;
    if (replicas === 0) return;
    const acknowledged = await this.command(['WAIT', '1', String(Math.floor(this.#timeoutMs / 2))]);
    if (typeof acknowledged === 'number' && acknowledged >= 1) return;
    throw this.#unavailable(new Error('no replica acknowledged the write in time'));
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

  async setIfHeld(
    key: string,
    value: string,
    ttlMs: number,
    lease: { key: string; holder: string },
  ): Promise<boolean> {
    const reply = await this.eval(
      SET_IF_HELD,
      [this.key(key), this.key(lease.key)],
      [value, String(Math.max(1, Math.ceil(ttlMs))), lease.holder],
    );
    return reply === 'OK';
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
    if (this.#closed)
      throw this.#unavailable(undefined, { where: `${this.description}, closed`, mayHaveApplied: false });
    // Each waiting command holds a place in the client's pipeline; a hung Redis must not collect them.
    const connection = this.#redis?.connection;
    if (!connection || (!this.#available && !connection.ready))
      throw this.#unavailable(undefined, { mayHaveApplied: false });
    // Past its deadline a command must never be sent: the caller has been told it was refused.
    const abort = new AbortController();
    try {
      const reply = await withDeadline(
        connection.send(args, { timeout: this.#timeoutMs, abortSignal: abort.signal }),
        this.#timeoutMs,
        abort,
      );
      if (!this.#available) this.#up();
      return reply;
    } catch (error) {
      const redis = this.#redis?.module;
      if (redis && error instanceof redis.ErrorReply && !UNUSABLE_REPLY.test(error.message)) throw error;
      this.#down(error);
      // An error reply was an answer: Redis refused the command. Offline or closed: never written.
      // Anything else (no answer in time, a connection lost) may have been applied.
      const refused =
        redis !== undefined &&
        (error instanceof redis.ErrorReply ||
          error instanceof redis.ClientOfflineError ||
          error instanceof redis.ClientClosedError);
      throw this.#unavailable(error, { mayHaveApplied: !refused });
    }
  }

  /** Runs a Lua script by its SHA1, loading it on first use (EVALSHA, then EVAL on NOSCRIPT). */
  async eval(script: string, keys: string[], args: string[]): Promise<Reply> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await this.command(['EVALSHA', createHash('sha1').update(script).digest('hex'), ...tail]);
    } catch (error) {
      const redis = this.#redis?.module;
      if (!redis || !(error instanceof redis.ErrorReply) || !error.message.startsWith('NOSCRIPT'))
        throw error;
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
    const connection = this.#redis?.connection;
    if (!connection) return;
    try {
      // A graceful close waits for every reply still owed; a hung Redis owes them forever.
      if (wasAvailable && connection.ready) await withDeadline(connection.close(), this.#timeoutMs);
      else connection.destroy();
    } catch {
      connection.destroy();
    }
  }

  #connectClient(module: RedisModule, url: string): Connection {
    const client = module.createClient({
      url,
      disableOfflineQueue: true,
      commandOptions: { timeout: this.#timeoutMs },
      socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: reconnectDelay },
    });
    client.on('ready', () => this.#up());
    client.on('error', (error: unknown) => this.#down(error));
    client.on('end', () => {
      this.#available = false;
    });
    // Not awaited: a Redis that is down at start must not stop the process from serving reads.
    client.connect().catch((error: unknown) => this.#down(error));
    return {
      get ready() {
        return client.isReady;
      },
      primary: undefined,
      send: (args, options) => client.sendCommand(args, options) as Promise<Reply>,
      close: () => client.close(),
      destroy: () => client.destroy(),
    };
  }

  /**
   * node-redis's Sentinel client asks the sentinels for the primary, connects to it, and on their
   * `+switch-master` (or its own periodic scan) moves to the new one. Its retries are switched off
   * (`maxCommandRediscovers: 0`): a command that met a falling primary is failed to us at once,
   * and refused, rather than replayed on the next primary after its caller was told no; and a
   * command is only handed to it while a primary is connected, because its own wait for one would
   * be an offline queue. A first connection that fails (no sentinel reachable, no primary yet) is
   * retried here with the same backoff, for as long as the process runs.
   */
  #connectSentinel(module: RedisModule, config: RedisSentinelConfig): Connection {
    const socket = { connectTimeout: CONNECT_TIMEOUT_MS, ...(config.tls ? { tls: true as const } : {}) };
    const sentinel = module.createSentinel({
      name: config.masterName,
      sentinelRootNodes: config.sentinels,
      maxCommandRediscovers: 0,
      scanInterval: SENTINEL_SCAN_MS,
      commandOptions: { timeout: this.#timeoutMs },
      nodeClientOptions: {
        ...(config.username ? { username: config.username } : {}),
        ...(config.password ? { password: config.password } : {}),
        database: config.database,
        disableOfflineQueue: true,
        socket: { ...socket, reconnectStrategy: reconnectDelay },
      },
      sentinelClientOptions: {
        ...(config.sentinelUsername ? { username: config.sentinelUsername } : {}),
        ...(config.sentinelPassword ? { password: config.sentinelPassword } : {}),
        socket,
      },
    });
    const primaryReady = () => sentinel.isReady && sentinel.getMasterNode() !== undefined;
    sentinel.on('ready', () => this.#up());
    sentinel.on('reconnecting', () =>
      this.#down(new Error('the sentinels named a new primary; connecting to it')),
    );
    sentinel.on('client-error', (event: { type: string; error: unknown }) => {
      if (event.type === 'MASTER') this.#down(event.error);
    });
    // A sentinel that is down, or a rediscovery before a new primary is elected, lands here: an
    // outage only while no primary answers.
    sentinel.on('error', (error: unknown) => {
      if (!primaryReady()) this.#down(error);
    });
    sentinel.on('end', () => {
      this.#available = false;
    });
    let attempts = 0;
    const open = () => {
      if (this.#closed) return;
      sentinel.connect().then(
        () => {
          attempts = 0;
        },
        (error: unknown) => {
          this.#down(error);
          setTimeout(open, reconnectDelay(attempts++)).unref();
        },
      );
    };
    open();
    return {
      get ready() {
        return primaryReady();
      },
      get primary() {
        const node = sentinel.getMasterNode();
        return node ? hostPort(node) : undefined;
      },
      send: (args, options) =>
        primaryReady()
          ? (sentinel.sendCommand(false, args, options) as Promise<Reply>)
          : Promise.reject(new Error(`no primary "${config.masterName}" connected`)),
      close: () => sentinel.close(),
      destroy: () => void sentinel.destroy().catch(() => undefined),
    };
  }

  #unavailable(
    cause?: unknown,
    { where = this.description, mayHaveApplied }: { where?: string; mayHaveApplied?: boolean } = {},
  ): SharedStateUnavailableError {
    return new SharedStateUnavailableError(where, cause, { mayHaveApplied, hint: this.unavailableHint });
  }

  async #beat(): Promise<void> {
    // While the socket is down the client reconnects by itself; while it is up but Redis stopped
    // answering (hung, partitioned), only a command can tell when it answers again: the heartbeat
    // is that command, and its success ends the outage.
    if (!this.#available && !this.#redis?.connection.ready) return;
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
      this.#recoveredAt = Date.now();
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
        fix: this.#sentinel
          ? 'A Sentinel failover takes seconds and is followed automatically. If it goes on, check that the sentinels in SUMO_OPS_REDIS_SENTINELS are reachable, that they monitor SUMO_OPS_REDIS_MASTER, and SUMO_OPS_REDIS_PASSWORD, SUMO_OPS_REDIS_DB and SUMO_OPS_REDIS_TLS.'
          : 'Check that Redis is running and reachable, and that SUMO_OPS_REDIS_URL (host, port, password, db) is right. Reconnection is automatic.',
      },
    );
  }
}

/**
 * node-redis's own command timeout only covers the wait before a command is written; once it is
 * on the wire, a Redis that stopped answering would hold the caller forever. The late answer, if
 * any, is consumed by the client's pipeline and ignored here.
 */
function withDeadline<T>(pending: Promise<T>, ms: number, abort?: AbortController): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      abort?.abort();
      reject(new Error(`no answer from Redis within ${ms} ms`));
    }, ms);
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

function hostPort(node: { host: string; port: number }): string {
  return node.host.includes(':') ? `[${node.host}]:${node.port}` : `${node.host}:${node.port}`;
}

function asString(reply: Reply): string | undefined {
  return reply === null || reply === undefined ? undefined : String(reply);
}
