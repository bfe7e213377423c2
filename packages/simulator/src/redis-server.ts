import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * A throwaway `redis-server` on a free loopback port, for tests and benchmarks of the shared-state
 * layer: no system service, no fixed port, nothing kept on disk. It sits beside the simulator as
 * the other stand-in those runs need. `stop()` and `start()` let a test take Redis away mid-run
 * and bring it back on the same port.
 */
export interface LocalRedis {
  url: string;
  port: number;
  readonly running: boolean;
  /** Starts it again on the same port (after `stop`). */
  start(): Promise<void>;
  /** SIGKILL: as abrupt as a crash or a lost network. */
  stop(): Promise<void>;
  /** SIGSTOP: connections stay open but nothing answers, like a hung or partitioned Redis. */
  pause(): void;
  /** SIGCONT after `pause`. */
  resume(): void;
}

export interface RedisServerOptions {
  binary?: string;
  /** Starts it as a replica of the primary on this loopback port (`--replicaof`). */
  replicaOf?: number;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<LocalRedis> {
  const binary = options.binary ?? process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const port = await freePort();
  let child: ChildProcess | undefined;
  // A replica writes the primary's snapshot to its working directory during a full sync: each
  // server gets a throwaway one, so no dump.rdb lands wherever the tests were started.
  const dir = mkdtempSync(join(tmpdir(), 'sumo-ops-redis-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const args = [
    '--port',
    String(port),
    '--dir',
    dir,
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--protected-mode',
    'yes',
    ...(options.replicaOf === undefined ? [] : ['--replicaof', '127.0.0.1', String(options.replicaOf)]),
  ];

  const start = async () => {
    if (child) return;
    const started = await spawnUntilReady(binary, args, 'Ready to accept connections', 'redis-server');
    child = started;
    started.once('exit', () => {
      if (child === started) child = undefined;
    });
  };

  const stop = async () => {
    const running = child;
    if (!running) return;
    child = undefined;
    await kill(running);
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get running() {
      return child !== undefined;
    },
    start,
    stop,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
  };
}

/**
 * Three (or `count`) `redis-sentinel`s on free loopback ports watching one primary, for tests and
 * benchmarks of a failover: down after `downAfterMs` without an answer, a quorum of 2.
 */
export interface LocalSentinels {
  masterName: string;
  nodes: Array<{ host: string; port: number }>;
  /** The value for SUMO_OPS_REDIS_SENTINELS. */
  setting: string;
  /** The primary's port as the first answering sentinel names it. */
  primaryPort(): Promise<number | undefined>;
  /**
   * Resolves once every sentinel sees the primary up, at least `replicas` replicas in sync with it
   * and every other sentinel (a failover needs their votes): only then is killing the primary a
   * failover rather than an outage.
   */
  waitUntilWatching(options: { replicas: number; timeoutMs?: number }): Promise<void>;
  /** Resolves with the new primary's port once every sentinel names one other than `oldPort`. */
  waitForFailover(oldPort: number, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

export async function startRedisSentinels(options: {
  primaryPort: number;
  masterName?: string;
  count?: number;
  downAfterMs?: number;
  failoverTimeoutMs?: number;
  binary?: string;
}): Promise<LocalSentinels> {
  const binary = options.binary ?? process.env.REDIS_SENTINEL_BIN ?? 'redis-sentinel';
  const masterName = options.masterName ?? 'sumo-ops';
  const count = options.count ?? 3;
  // A sentinel rewrites its configuration file as it learns the topology, so each gets its own.
  const dir = await mkdtemp(join(tmpdir(), 'sumo-ops-sentinels-'));
  const children: ChildProcess[] = [];
  const nodes: LocalSentinels['nodes'] = [];
  const stop = async () => {
    await Promise.all(children.splice(0).map(kill));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < count; i += 1) {
      const port = await freePort();
      const file = join(dir, `sentinel-${port}.conf`);
      await writeFile(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${options.primaryPort} 2`,
          `sentinel down-after-milliseconds ${masterName} ${options.downAfterMs ?? 1_000}`,
          `sentinel failover-timeout ${masterName} ${options.failoverTimeoutMs ?? 5_000}`,
          `sentinel parallel-syncs ${masterName} 1`,
          '',
        ].join('\n'),
      );
      children.push(await spawnUntilReady(binary, [file], '+monitor master', 'redis-sentinel'));
      nodes.push({ host: '127.0.0.1', port });
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const ask = (port: number, ...command: string[]) => redisCli(port, command);
  const primaryOf = async (port: number) => {
    const address = (await ask(port, 'SENTINEL', 'get-master-addr-by-name', masterName)) as string[] | null;
    return address?.[1] === undefined ? undefined : Number(address[1]);
  };
  const poll = async <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>) => {
    const until = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < until) {
      try {
        const found = await probe();
        if (found !== undefined) return found;
      } catch (error) {
        last = error;
      }
      await sleep(100);
    }
    throw new Error(`sentinels: ${what} within ${timeoutMs} ms${last ? ` (${String(last)})` : ''}`);
  };

  return {
    masterName,
    nodes,
    setting: nodes.map((node) => `${node.host}:${node.port}`).join(','),
    async primaryPort() {
      for (const node of nodes) {
        const port = await primaryOf(node.port).catch(() => undefined);
        if (port !== undefined) return port;
      }
      return undefined;
    },
    async waitUntilWatching({ replicas, timeoutMs = 30_000 }) {
      await poll(
        `not every sentinel saw the primary, ${replicas} replica(s) in sync and the others`,
        timeoutMs,
        async () => {
          for (const node of nodes) {
            const master = (await ask(node.port, 'SENTINEL', 'master', masterName)) as Record<string, string>;
            const inSync = (
              (await ask(node.port, 'SENTINEL', 'replicas', masterName)) as Array<Record<string, string>>
            ).filter((replica) => replica.flags === 'slave' && replica['master-link-status'] === 'ok');
            const others = (await ask(node.port, 'SENTINEL', 'sentinels', masterName)) as unknown[];
            if (master.flags !== 'master' || inSync.length < replicas || others.length < nodes.length - 1)
              return undefined;
          }
          return true;
        },
      );
    },
    async waitForFailover(oldPort, timeoutMs = 30_000) {
      return poll(`no failover away from port ${oldPort}`, timeoutMs, async () => {
        const named = await Promise.all(nodes.map((node) => primaryOf(node.port)));
        const [first] = named;
        return first !== undefined && first !== oldPort && named.every((port) => port === first)
          ? first
          : undefined;
      });
    },
    stop,
  };
}

/** One command through `redis-cli --json` (installed with redis-server): the reply as JSON. */
async function redisCli(port: number, command: string[]): Promise<unknown> {
  const binary = process.env.REDIS_CLI_BIN ?? 'redis-cli';
  const { stdout } = await execFileAsync(
    binary,
    ['-h', '127.0.0.1', '-p', String(port), '--json', ...command],
    {
      timeout: 5_000,
    },
  );
  return JSON.parse(stdout);
}

/** Spawns a Redis binary and resolves once its output says `readyText`; it dies with the test. */
async function spawnUntilReady(
  binary: string,
  args: string[],
  readyText: string,
  name: string,
): Promise<ChildProcess> {
  const started = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // A test that dies must not leave a Redis process behind.
  process.once('exit', () => started.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`${name} did not start within 10 s:\n${output}`)), 10_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      started.kill('SIGKILL');
      reject(error);
    };
    started.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code === 'ENOENT'
          ? new Error(
              `${binary} is not installed: apt-get install -y redis-server redis-sentinel (or set REDIS_SERVER_BIN / REDIS_SENTINEL_BIN). .ci/run installs them.`,
            )
          : error,
      ),
    );
    started.once('exit', (code) => fail(new Error(`${name} exited with ${code}:\n${output}`)));
    started.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(readyText)) {
        clearTimeout(timer);
        started.removeAllListeners('exit');
        resolve();
      }
    });
    started.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
  });
  return started;
}

/** SIGKILL: as abrupt as a crash or a lost network. */
function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** A loopback port nothing listens on right now: the OS picks it, and we let it go for the caller. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
