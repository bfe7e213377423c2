/**
 * bench/scale-out — three processes on one access key share Sumo's budget only through Redis.
 *
 * Three replicas (bench/scale-out-worker, each its own OS process, built like the bins) make
 * concurrent `getCollector` calls on ONE access key against ONE simulator enforcing Sumo's real
 * limits (4 requests/s, 10 in flight) with 20 ms of API latency, side by side in one run:
 *   without Redis   every process keeps its own 4/s — today's behaviour, the simulator's 429s counted;
 *   with Redis      one budget for all three (RedisRateLimitStore);
 *   Redis outage    the same, with Redis killed after a third of the run and restarted after two
 *                   thirds: the replicas fall back to a local share and resume;
 *   Sentinel        a primary, a replica and three sentinels (SUMO_OPS_REDIS_SENTINELS), the
 *                   primary killed after a third of the run: the sentinels promote the replica and
 *                   the replicas follow them there.
 * Plus the store's own cost: the median time from acquire to grant, uncontended, Redis store vs
 * the in-memory store.
 *
 * "achieved ÷ allowed" = successful calls ÷ (last attempt start − first attempt start + 1 s) ÷ 4/s,
 * start times taken below each replica's limiter on one machine clock, as in bench/rate-limit.
 */

import { type ChildProcess, fork } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  InMemoryRateLimitStore,
  RateLimiter,
  type RateLimitStore,
  RedisBackend,
  RedisRateLimitStore,
  silentLogger,
} from '@sumo-ops/core';
import {
  REAL_RATE_LIMIT,
  type Simulator,
  startRedisSentinels,
  startRedisServer,
  startSimulator,
} from '@sumo-ops/simulator';
import type { WorkerResult } from './scale-out-worker.js';

const REPLICAS = 3;
const CALLS = Number(process.env.BENCH_CALLS ?? 24);
const LATENCY_MS = 20;
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 1000);
const ACCESS_ID = 'sim-access-id';
const ACCESS_KEY = 'sim-access-key';
const WORKER = new URL('./scale-out-worker.js', import.meta.url);

interface Row {
  variant: string;
  ok: number;
  failed: number;
  rateLimited: number;
  maxInFlight: number;
  seconds: number;
  ratio: number;
  /** What the replicas logged, message → count. */
  logs: Map<string, number>;
  errors: string[];
}

/** Something done to Redis at a fraction of the run's expected length; `at` is filled in, seconds after go. */
interface Disruption {
  fraction: number;
  what: string;
  act: () => Promise<void>;
  at?: number;
}

async function runReplicas(
  variant: string,
  sim: Simulator,
  state: Record<string, string | undefined>,
  disruptions: Disruption[] = [],
): Promise<Row> {
  // The previous variant's admissions must not count against this one.
  await sleep(1100);
  const logs = new Map<string, number>();
  const children: ChildProcess[] = [];
  const results: Array<Promise<WorkerResult>> = [];
  const ready: Array<Promise<void>> = [];
  const prefix = `bench-${Math.random().toString(36).slice(2)}:`;
  for (let i = 0; i < REPLICAS; i += 1) {
    const env: Record<string, string | undefined> = {
      ...process.env,
      SUMO_ACCESS_ID: ACCESS_ID,
      SUMO_ACCESS_KEY: ACCESS_KEY,
      SUMO_API_URL: sim.apiUrl,
      SUMO_OPS_KEY_PREFIX: prefix,
      SUMO_OPS_REDIS_URL: undefined,
      SUMO_OPS_REDIS_SENTINELS: undefined,
      SUMO_OPS_REDIS_MASTER: undefined,
      ...state,
      SUMO_OPS_RATE_KEY: undefined,
      BENCH_CALLS: String(CALLS),
      BENCH_COLLECTOR_ID: String(sim.org.collectors()[0]?.id),
    };
    const child = fork(WORKER, { env, stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    children.push(child);
    let pending = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        let message = line;
        try {
          message = (JSON.parse(line) as { msg?: string }).msg ?? line;
        } catch {
          // Not a log line (a crash): counted as it is.
        }
        logs.set(message, (logs.get(message) ?? 0) + 1);
      }
    });
    ready.push(
      new Promise((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) =>
          reject(new Error(`replica ${i} exited with ${code} before it was ready`)),
        );
      }),
    );
    results.push(
      new Promise((resolve, reject) => {
        child.on('message', (message: { type: string }) => {
          if (message.type === 'done') resolve(message as WorkerResult);
        });
        child.once('exit', (code) => reject(new Error(`replica ${i} exited with ${code} without a result`)));
      }),
    );
  }
  try {
    await Promise.all(ready);
    sim.counters.reset();
    const began = performance.now();
    for (const child of children) child.send({ type: 'go' });
    const expectedMs = ((REPLICAS * CALLS) / REAL_RATE_LIMIT.perSecond) * 1000;
    const disrupted = (async () => {
      for (const disruption of disruptions) {
        await sleep(began + expectedMs * disruption.fraction - performance.now());
        await disruption.act();
        disruption.at = (performance.now() - began) / 1000;
      }
    })();
    const done = await Promise.all(results);
    const seconds = (performance.now() - began) / 1000;
    await disrupted;
    const starts = done.flatMap((result) => result.starts);
    const ok = done.reduce((sum, result) => sum + result.ok, 0);
    const span = (Math.max(...starts) - Math.min(...starts)) / 1000 + 1;
    return {
      variant,
      ok,
      failed: done.reduce((sum, result) => sum + result.failed, 0),
      rateLimited: sim.counters.rateLimited,
      maxInFlight: sim.counters.maxInFlight[ACCESS_ID] ?? 0,
      seconds,
      ratio: ok / span / REAL_RATE_LIMIT.perSecond,
      logs,
      errors: done.flatMap((result) => result.errors),
    };
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/**
 * One primary, one replica and three sentinels of their own; the primary is killed a third into
 * the run. `events` gets when it fell and when every sentinel named the replica instead.
 */
async function sentinelFailover(sim: Simulator, events: Disruption[]): Promise<Row> {
  const primary = await startRedisServer();
  const replica = await startRedisServer({ replicaOf: primary.port });
  const sentinels = await startRedisSentinels({ primaryPort: primary.port, downAfterMs: 1_000 });
  try {
    await sentinels.waitUntilWatching({ replicas: 1, timeoutMs: 60_000 });
    let promoted: Promise<void> = Promise.resolve();
    const promotion: Disruption = { fraction: 1 / 3, what: 'replica promoted', act: async () => {} };
    const kill: Disruption = {
      fraction: 1 / 3,
      what: 'primary killed',
      act: async () => {
        await primary.stop();
        const fell = performance.now();
        promoted = sentinels.waitForFailover(primary.port, 60_000).then(() => {
          promotion.at = (kill.at ?? 0) + (performance.now() - fell) / 1000;
        });
      },
    };
    events.push(kill, promotion);
    const row = await runReplicas(
      'with Redis Sentinel, primary killed ⅓ into the run',
      sim,
      { SUMO_OPS_REDIS_SENTINELS: sentinels.setting, SUMO_OPS_REDIS_MASTER: sentinels.masterName },
      [kill],
    );
    await promoted;
    return row;
  } finally {
    await sentinels.stop();
    await Promise.all([primary.stop(), replica.stop()]);
  }
}

/** Median and 90th percentile of acquire → grant, uncontended (limits far above the load). */
async function acquireLatency(store: RateLimitStore): Promise<number[]> {
  const limiter = new RateLimiter({ limits: { perSecond: 1_000_000_000, concurrent: 1_000_000 }, store });
  const samples: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES + 100; i += 1) {
    const began = performance.now();
    const release = await limiter.acquire('latency');
    const took = performance.now() - began;
    release();
    // The first 100 warm up the JIT, the connection and the script cache.
    if (i >= 100) samples.push(took);
  }
  return samples.sort((a, b) => a - b);
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;

async function main() {
  const sim = await startSimulator({
    rateLimit: { ...REAL_RATE_LIMIT },
    faults: { latencyMs: LATENCY_MS },
    org: { collectors: 20 },
  });
  const redis = await startRedisServer();
  const rows: Row[] = [];
  const outage: Disruption[] = [
    { fraction: 1 / 3, what: 'Redis killed', act: () => redis.stop() },
    { fraction: 2 / 3, what: 'Redis restarted', act: () => redis.start() },
  ];
  const failover: Disruption[] = [];
  let memory: number[] = [];
  let shared: number[] = [];
  try {
    rows.push(await runReplicas('without Redis (per-process limiter)', sim, {}));
    rows.push(await runReplicas('with Redis (shared budget)', sim, { SUMO_OPS_REDIS_URL: redis.url }));
    rows.push(
      await runReplicas(
        'with Redis, stopped ⅓ → ⅔ of the run',
        sim,
        { SUMO_OPS_REDIS_URL: redis.url },
        outage,
      ),
    );
    rows.push(await sentinelFailover(sim, failover));

    const backend = new RedisBackend({ url: redis.url, keyPrefix: 'bench-latency:', logger: silentLogger });
    if (!(await backend.ready(5_000))) throw new Error('Redis did not come back after the outage run');
    const redisStore = new RedisRateLimitStore(backend, { logger: silentLogger });
    // Alternate the two in rounds so machine noise lands on both alike.
    for (let round = 0; round < 2; round += 1) {
      memory = memory.concat(await acquireLatency(new InMemoryRateLimitStore()));
      shared = shared.concat(await acquireLatency(redisStore));
    }
    memory.sort((a, b) => a - b);
    shared.sort((a, b) => a - b);
    redisStore.close();
    await backend.close();
  } finally {
    await redis.stop();
    await sim.close();
  }

  console.log(
    `bench/scale-out: ${REPLICAS} processes × ${CALLS} getCollector calls on one access key, simulator limits ${REAL_RATE_LIMIT.perSecond}/s and ${REAL_RATE_LIMIT.concurrent} in flight, ${LATENCY_MS} ms API latency (Node ${process.version})`,
  );
  console.table(
    rows.map((row) => ({
      variant: row.variant,
      '2xx': row.ok,
      'failed calls': row.failed,
      '429s': row.rateLimited,
      'max in flight': row.maxInFlight,
      'wall s': row.seconds.toFixed(2),
      'achieved ÷ allowed rate': row.ratio.toFixed(3),
    })),
  );
  for (const row of rows) {
    const logged = [...row.logs].map(([message, count]) => `${count}× "${message}"`).join(', ');
    console.log(`${row.variant} — replicas logged: ${logged || 'nothing'}`);
    for (const error of new Set(row.errors)) console.log(`  failed: ${error}`);
  }
  for (const [name, disruptions] of [
    ['outage', outage],
    ['Sentinel failover', failover],
  ] as const) {
    const told = disruptions.map((d) => `${d.what} at ${d.at?.toFixed(1)} s`).join(', ');
    console.log(`${name}: ${told} after go`);
  }

  const memoryMedian = quantile(memory, 0.5);
  const redisMedian = quantile(shared, 0.5);
  console.log(
    `\nacquire → grant, uncontended, ${memory.length} samples each (one process, Redis on loopback)`,
  );
  console.table([
    { store: 'in-memory', 'median ms': memoryMedian.toFixed(3), 'p90 ms': quantile(memory, 0.9).toFixed(3) },
    { store: 'Redis', 'median ms': redisMedian.toFixed(3), 'p90 ms': quantile(shared, 0.9).toFixed(3) },
  ]);
  const addedMs = redisMedian - memoryMedian;
  console.log(
    `Redis ÷ in-memory median: ${(redisMedian / memoryMedian).toFixed(1)}; added per request ${addedMs.toFixed(3)} ms = ${((addedMs / LATENCY_MS) * 100).toFixed(1)}% of the ${LATENCY_MS} ms API latency`,
  );

  const [without, withRedis, withOutage, withFailover] = rows;
  const verdict = (met: boolean) => (met ? 'met' : 'MISSED');
  console.log(
    `\nwithout Redis (today): ${without?.rateLimited} 429s, ${without?.failed} failed calls, achieved ÷ allowed ${without?.ratio.toFixed(3)}`,
  );
  console.log(
    `with Redis: achieved ÷ allowed ${withRedis?.ratio.toFixed(3)} (target ≥ 0.9: ${verdict((withRedis?.ratio ?? 0) >= 0.9)}), 429s ${withRedis?.rateLimited} (target 0: ${verdict(withRedis?.rateLimited === 0)}), failed ${withRedis?.failed}`,
  );
  console.log(
    `Redis stopped mid-run: failed calls ${withOutage?.failed} (target 0: ${verdict(withOutage?.failed === 0)}), 429s ${withOutage?.rateLimited}, achieved ÷ allowed ${withOutage?.ratio.toFixed(3)}`,
  );
  console.log(
    `Sentinel failover mid-run: failed calls ${withFailover?.failed} (target 0: ${verdict(withFailover?.failed === 0)}), 429s ${withFailover?.rateLimited} (target 0: ${verdict(withFailover?.rateLimited === 0)}), achieved ÷ allowed ${withFailover?.ratio.toFixed(3)}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
