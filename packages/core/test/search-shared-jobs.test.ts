import { setTimeout as delay } from 'node:timers/promises';
import { type LocalRedis, startRedisServer } from '@sumo-ops/simulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatedSumo, startSimulatedSumo } from '../../../test/support/simulated-sumo.js';
import {
  createCatalog,
  createLogger,
  createSearchOperations,
  type OperationContext,
  OperationError,
  RateLimiter,
  RedisBackend,
  SearchJobRegistry,
  SumoClient,
} from '../src/index.js';
import { caught } from './helpers.js';
import { FAST, HOUR } from './support/search.js';

/**
 * Sumo's ~30 s cancel window for unpolled jobs, shortened so a test can wait past it, and long
 * enough that a loaded machine's stall (of the keeper, or of the replica taking over) does not
 * leave a job unpolled for all of it: 1.5 s did not always hold.
 */
const SUMO_CANCEL_WINDOW_MS = 3_000;
/** Keep-alive leases: a crashed keeper's jobs are taken over within ~0.4 s, well inside the window. */
const SHARING = { leaseTtlMs: 300, sweepMs: 100 };

let redis: LocalRedis;
let sumo: SimulatedSumo | undefined;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis.stop();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  await sumo?.close();
  sumo = undefined;
});

async function simulator(search: Record<string, number> = {}) {
  const corpusTo = Date.now() - HOUR;
  sumo = await startSimulatedSumo({
    search: {
      corpusSize: 20_000,
      corpusTo,
      corpusFrom: corpusTo - 24 * HOUR,
      startDelayMs: 0,
      keepAliveMs: SUMO_CANCEL_WINDOW_MS,
      ...search,
    },
  });
  return { sim: sumo.sim, range: { from: corpusTo - 24 * HOUR, to: corpusTo } };
}

interface ReplicaOptions {
  /** Shared state; without it the replica keeps its jobs in memory, as by default. */
  redisUrl?: string | undefined;
  prefix?: string;
  idleTimeoutMs?: number;
}

/** One "process": its own Sumo client (own cookie jars, own limiter), registry and Redis connection. */
async function replica(options: ReplicaOptions) {
  const simulator = sumo?.sim;
  if (!simulator) throw new Error('start the simulator first');
  const logLines: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => logLines.push(line) });
  const client = new SumoClient({
    accessId: 'sim-access-id',
    accessKey: 'sim-access-key',
    apiUrl: simulator.apiUrl,
    env: {},
    logger,
    rateLimiter: new RateLimiter({ limits: { perSecond: 500, concurrent: 10 } }),
    retry: { baseDelayMs: 10, maxDelayMs: 200 },
  });
  const registry = new SearchJobRegistry();
  let backend: RedisBackend | undefined;
  if (options.redisUrl) {
    // The product's command deadline: Redis is stopped, not hung, in the outage test below, and a
    // shorter deadline turned a loaded machine's stall into an outage.
    backend = new RedisBackend({ url: options.redisUrl, keyPrefix: options.prefix ?? 'sumo-ops:', logger });
    expect(await backend.ready()).toBe(true);
    registry.useBackend(backend, { clients: [client], logger, ...SHARING });
  }
  const catalog = createCatalog(
    createSearchOperations({
      registry,
      job: FAST,
      ...(options.idleTimeoutMs ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
    }),
  );
  const ctx: OperationContext = { client, logger };
  // biome-ignore lint/suspicious/noExplicitAny: tests read the operations' untyped output
  const run = (name: string, raw: unknown): Promise<any> =>
    catalog.run(name, ctx, catalog.parseInput(name, raw));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await registry.shutdown();
    await backend?.close();
    await client.close();
  };
  cleanups.push(stop);
  return {
    client,
    registry,
    run,
    logLines,
    stop,
    /** What a killed process leaves behind: no timer of its runs, nothing released or deleted. */
    async crash() {
      for (const job of registry.list()) job.setTimers('none');
      await backend?.close();
    },
  };
}

/** Two replicas sharing one Redis (fresh key prefix per test, as two installs would have). */
async function replicas(options: Omit<ReplicaOptions, 'redisUrl' | 'prefix'> = {}) {
  const prefix = `t${Math.random().toString(36).slice(2)}:`;
  const a = await replica({ ...options, redisUrl: redis.url, prefix });
  const b = await replica({ ...options, redisUrl: redis.url, prefix });
  return { a, b };
}

const deletes = () => sumo?.sim.counters.byRoute['DELETE /v1/search/jobs/:id'] ?? {};
const active = () => sumo?.sim.search.activeJobCount() ?? -1;
const sum = (counts: number[]) => counts.reduce((total, count) => total + count, 0);

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await delay(25);
  }
}

describe('kept search jobs shared through Redis', () => {
  it('a job kept on one replica is read on another: status with the full histogram, messages, records', async () => {
    const { range } = await simulator({ gatheringSpeed: 10_000 });
    const { a, b } = await replicas();

    const kept = await a.run('run_search', { query: '*', ...range, timeBudgetSeconds: 1 });
    expect(kept).toMatchObject({ jobKept: true, done: false });
    // A's polls consumed buckets B never saw from Sumo: B must get them from shared state.
    expect(kept.messageCount).toBeGreaterThan(0);

    const status = await b.run('get_search_status', { jobId: kept.jobId, waitSeconds: 20 });
    expect(status).toMatchObject({ done: true, state: 'DONE GATHERING RESULTS', messageCount: 20_000 });
    expect(sum(status.histogram.counts)).toBe(20_000);
    expect(status.summary.messageCount).toBe(20_000);

    const page = await b.run('get_search_messages', { jobId: kept.jobId, offset: 10, limit: 5 });
    expect(page).toMatchObject({ offset: 10, total: 20_000, nextOffset: 15, done: true });
    expect(page.items).toHaveLength(5);

    // A learns what B's status calls reported, without asking Sumo again for the buckets.
    const onA = await a.run('get_search_status', { jobId: kept.jobId });
    expect(onA).toMatchObject({ done: true, messageCount: 20_000 });
    expect(sum(onA.histogram.counts)).toBe(20_000);

    const aggregate = await a.run('start_search', { query: 'error | count by _sourceCategory', ...range });
    await b.run('get_search_status', { jobId: aggregate.jobId, waitSeconds: 20 });
    const records = await b.run('get_search_records', { jobId: aggregate.jobId, limit: 3 });
    expect(records.items).toHaveLength(3);
    expect(records.items[0].fields).toMatchObject({
      _sourceCategory: expect.any(String),
      _count: expect.any(String),
    });
    expect(records.total).toBeGreaterThan(3);

    for (const line of [...a.logLines, ...b.logLines]) expect(line).not.toContain('sim-access-key');
  });

  it('a job cancelled on one replica is deleted once, and every replica then says it was cancelled', async () => {
    const { range } = await simulator({ gatheringSpeed: 10 });
    const { a, b } = await replicas();
    const started = await a.run('start_search', { query: 'error', ...range });
    expect(active()).toBe(1);

    expect(await b.run('cancel_search', { jobId: started.jobId })).toMatchObject({ deleted: true });
    expect(active()).toBe(0);
    expect(deletes()).toEqual({ 200: 1 });

    for (const [replica, operation] of [
      [a, 'get_search_status'],
      [a, 'cancel_search'],
      [b, 'get_search_messages'],
      [b, 'cancel_search'],
    ] as const) {
      const refused = await caught(replica.run(operation, { jobId: started.jobId }));
      expect(refused).toBeInstanceOf(OperationError);
      expect(refused).toMatchObject({
        code: 'search.job.unknown',
        message: expect.stringContaining('was cancelled and deleted'),
      });
    }
    expect(deletes()).toEqual({ 200: 1 });
    // A stopped keeping it alive too: nothing polls a deleted job.
    const polls = sumo?.sim.counters.byRoute['GET /v1/search/jobs/:id']?.[404] ?? 0;
    await delay(400);
    expect(sumo?.sim.counters.byRoute['GET /v1/search/jobs/:id']?.[404] ?? 0).toBe(polls);
  });

  it('another replica keeps a job alive past Sumo cancel window when its keeper crashes', async () => {
    const { range } = await simulator({ gatheringSpeed: 10 });
    const { a, b } = await replicas();
    const started = await a.run('start_search', { query: '*', ...range });

    await a.crash();
    // Past the window after A's last poll: the simulator cancels a job as of the end of its window,
    // so it is still active here only if B kept polling it (once would not last 1.5 windows).
    await delay(SUMO_CANCEL_WINDOW_MS * 1.5);
    expect(active()).toBe(1);
    const status = await b.run('get_search_status', { jobId: started.jobId });
    expect(status.state).toBe('GATHERING RESULTS');
    expect(
      b.logLines.some((line) => line.includes('keeping a search job alive for a replica that stopped')),
    ).toBe(true);

    // The control: with its new keeper gone as well, Sumo cancels the job.
    await b.crash();
    await until(() => active() === 0, SUMO_CANCEL_WINDOW_MS * 3);
  });

  it('deletes a job idle for every replica exactly once, and each use on any replica postpones it', async () => {
    const { range } = await simulator({ gatheringSpeed: 10 });
    const idleTimeoutMs = 3_000;
    const { a, b } = await replicas({ idleTimeoutMs });
    const started = await a.run('start_search', { query: '*', ...range });

    // Halfway to the deadline A set, B uses the job: its deadline moves for both replicas.
    await delay(idleTimeoutMs / 2);
    const used = Date.now();
    await b.run('get_search_status', { jobId: started.jobId });
    // B's deadline is at least a timeout after `used` (on Redis's clock, this machine's), and the
    // job is seen gone only after it was deleted: so this holds whenever B's use postponed the
    // deletion, however slow the machine; a deletion at A's deadline would be seen half a timeout
    // too early.
    await until(() => active() === 0, idleTimeoutMs * 3);
    expect(Date.now() - used).toBeGreaterThanOrEqual(idleTimeoutMs);
    await delay(500);
    expect(deletes()).toEqual({ 200: 1 });
    for (const replica of [a, b]) {
      const refused = await caught(replica.run('get_search_messages', { jobId: started.jobId }));
      expect((refused as Error).message).toContain('deleted after going unused');
    }
    expect(deletes()).toEqual({ 200: 1 });
  });

  it('shutdown with Redis leaves kept jobs for the other replicas and deletes only its in-flight ones', async () => {
    const { range } = await simulator({ gatheringSpeed: 10 });
    const { a, b } = await replicas();
    const kept = await a.run('start_search', { query: '*', ...range });
    const running = caught(a.run('run_search', { query: 'error', ...range, timeBudgetSeconds: 60 }));
    await until(() => active() === 2);

    expect(await a.registry.shutdown()).toEqual({ deleted: 1, leftForReplicas: 1 });
    expect(await running).toBeInstanceOf(Error);
    expect(deletes()).toEqual({ 200: 1 });

    // Past the window after A's last poll (see the crash above): B keeps the job alive.
    await delay(SUMO_CANCEL_WINDOW_MS * 1.5);
    expect(active()).toBe(1);
    expect(await b.run('get_search_status', { jobId: kept.jobId })).toMatchObject({ done: false });
    expect(await b.run('cancel_search', { jobId: kept.jobId })).toMatchObject({ deleted: true });
    expect(deletes()).toEqual({ 200: 2 });
  });

  it('shutdown without Redis deletes every job, as before', async () => {
    const { range } = await simulator({ gatheringSpeed: 10 });
    const solo = await replica({});
    await solo.run('start_search', { query: '*', ...range });
    await solo.run('run_search', { query: 'error', ...range, timeBudgetSeconds: 1 });
    expect(active()).toBe(2);
    expect(await solo.registry.shutdown()).toEqual({ deleted: 2, leftForReplicas: 0 });
    expect(active()).toBe(0);
    expect(deletes()).toEqual({ 200: 2 });
  });

  it('with Redis down, a job held here keeps working and one held elsewhere is refused naming shared state', async () => {
    const { range } = await simulator({ gatheringSpeed: 10 });
    const own = await startRedisServer();
    cleanups.push(() => own.stop());
    const prefix = 'down:';
    const a = await replica({ redisUrl: own.url, prefix });
    const b = await replica({ redisUrl: own.url, prefix });
    const started = await a.run('start_search', { query: '*', ...range });

    await own.stop();
    expect(await a.run('get_search_status', { jobId: started.jobId })).toMatchObject({ done: false });
    const refused = await caught(b.run('get_search_status', { jobId: started.jobId }));
    expect(refused).toMatchObject({
      code: 'search.job.unreachable',
      message: expect.stringContaining('shared state (Redis at redis://127.0.0.1'),
    });
    expect((refused as Error).message).not.toContain('not known');
    // Its holder keeps it alive meanwhile.
    await delay(SUMO_CANCEL_WINDOW_MS * 1.5);
    expect(active()).toBe(1);
    expect(await a.run('cancel_search', { jobId: started.jobId })).toMatchObject({ deleted: true });
    expect(active()).toBe(0);
  });
});
