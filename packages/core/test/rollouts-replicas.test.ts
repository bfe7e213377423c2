import { type LocalRedis, startRedisServer } from '@sumo-ops/simulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  fastRollouts,
  healthyUpgradable,
  ROLLOUT_SEARCH,
  skipSoaks,
  tasksPerCollector,
} from '../../../test/support/rollouts.js';
import { type SimulatedSumo, startSimulatedSumo } from '../../../test/support/simulated-sumo.js';
import {
  createCatalog,
  createRolloutOperations,
  RedisBackend,
  type RolloutRecord,
  RolloutRunner,
} from '../src/index.js';

let redis: LocalRedis;
let sumo: SimulatedSumo;
const cleanups: Array<() => Promise<unknown>> = [];
let prefixes = 0;

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis.stop();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  await sumo?.close();
});

/** One replica (or one life of a restarted process): its own runner and Redis connection. */
async function replica(prefix: string) {
  const backend = new RedisBackend({ url: redis.url, keyPrefix: prefix, logger: sumo.logger });
  expect(await backend.ready()).toBe(true);
  const runner = new RolloutRunner(fastRollouts(sumo.sim));
  runner.useBackend(backend, { clients: [sumo.client], logger: sumo.logger, resume: true });
  cleanups.push(
    () => backend.close(),
    () => runner.shutdown(),
  );
  const catalog = createCatalog(createRolloutOperations({ runner }));
  const ctx = { client: sumo.client, logger: sumo.logger };
  return {
    runner,
    backend,
    // biome-ignore lint/suspicious/noExplicitAny: tests read the parsed output by field.
    run: (name: string, raw: unknown, deadline?: number): Promise<any> =>
      catalog.run(name, { ...ctx, deadline }, catalog.parseInput(name, raw), { confirmed: true }),
  };
}

async function setUp() {
  sumo = await startSimulatedSumo({ org: { collectors: 60 }, clockSpeed: 6_000, search: ROLLOUT_SEARCH });
  prefixes += 1;
  return `rollouts-${prefixes}:`;
}

describe('a rollout in Redis', () => {
  it('resumes mid-soak in a restarted process exactly where it was, each upgrade asked once', async () => {
    const prefix = await setUp();
    const ids = healthyUpgradable(sumo.sim, 8);
    const first = await replica(prefix);
    const started = await first.run(
      'rollout_collector_upgrade',
      { collectors: ids, waves: [1, '100%'], soakSeconds: 86_400 },
      Date.now(),
    );
    let soaking: RolloutRecord | undefined;
    const seen = new AbortController();
    await first.runner
      .follow(started.rolloutId, {
        signal: seen.signal,
        onChange: (record) => {
          if (record.waves[0]?.phase !== 'soaking') return;
          soaking = record;
          seen.abort();
        },
      })
      .catch(() => undefined);
    // The process stops mid-soak (its lease handed back, as on SIGTERM).
    await first.runner.shutdown();
    expect(soaking?.waves[0]?.soakUntil).toBeGreaterThan(sumo.sim.clock.now());

    const restarted = await replica(prefix);
    // Each soak is a simulated day: the test moves the clock on rather than waiting it out.
    await skipSoaks(restarted.runner, sumo.sim, started.rolloutId);
    const done = await restarted.run('get_rollout_status', { rolloutId: started.rolloutId });
    expect(done.failures).toEqual([]);
    expect(done.state).toBe('done');
    const record = await restarted.runner.get(sumo.client, started.rolloutId);
    expect(record?.waves[0]?.soakUntil).toBe(soaking?.waves[0]?.soakUntil);
    expect([...tasksPerCollector(sumo.sim).values()]).toEqual(ids.map(() => 1));
  });

  it('two replicas drive one rollout without asking for a wave twice, even when a lease is lost', async () => {
    const prefix = await setUp();
    const ids = healthyUpgradable(sumo.sim, 10);
    const one = await replica(prefix);
    const two = await replica(prefix);
    const started = await one.run(
      'rollout_collector_upgrade',
      { collectors: ids, waves: [1, 3, '100%'], soakSeconds: 600 },
      Date.now(),
    );
    // Steal the lease again and again: whoever sweeps next drives, and both try.
    const leaseKey = `rollout:${started.rolloutId}:lease`;
    const stealing = setInterval(() => void one.backend.delete(leaseKey), 15);
    cleanups.push(async () => clearInterval(stealing));
    const ended = await two.runner.follow(started.rolloutId, { deadline: Date.now() + 20_000 });
    clearInterval(stealing);
    expect(ended.state).not.toBe('running');
    for (const count of tasksPerCollector(sumo.sim).values()) expect(count).toBe(1);
  });

  it('lets two replicas share a rollout and refuses a second one in the org on either', async () => {
    const prefix = await setUp();
    const ids = healthyUpgradable(sumo.sim, 10);
    const one = await replica(prefix);
    const two = await replica(prefix);
    const started = await one.run(
      'rollout_collector_upgrade',
      { collectors: ids.slice(0, 6), waves: [1, '100%'], soakSeconds: 600 },
      Date.now(),
    );
    await expect(two.run('rollout_collector_upgrade', { collectors: ids.slice(6) })).rejects.toThrow(
      started.rolloutId,
    );
    const done = await two.run('get_rollout_status', { wait: true });
    expect(done).toMatchObject({ rolloutId: started.rolloutId, state: 'done' });
    expect([...tasksPerCollector(sumo.sim).values()]).toEqual(ids.slice(0, 6).map(() => 1));
  });
});
