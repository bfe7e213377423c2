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
  // Every key the runner reads, in order: a test can tell where the driver is (a soak reads the
  // cancel key each simulated minute).
  const reads: string[] = [];
  const watched = new Proxy(backend, {
    get(target, property) {
      if (property === 'get')
        return (key: string) => {
          reads.push(key);
          return target.get(key);
        };
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const runner = new RolloutRunner(fastRollouts(sumo.sim));
  runner.useBackend(watched, { clients: [sumo.client], logger: sumo.logger, resume: true });
  cleanups.push(
    () => backend.close(),
    () => runner.shutdown(),
  );
  const catalog = createCatalog(createRolloutOperations({ runner }));
  const ctx = { client: sumo.client, logger: sumo.logger };
  return {
    runner,
    backend,
    reads,
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

/** The record once the rollout's current wave reaches `phase`, as its driver saved it. */
async function phaseReached(runner: RolloutRunner, id: string, phase: string): Promise<RolloutRecord> {
  let reached: RolloutRecord | undefined;
  const seen = new AbortController();
  await runner
    .follow(id, {
      signal: seen.signal,
      onChange: (record) => {
        if (record.waves[record.currentWave]?.phase !== phase) return;
        reached = record;
        seen.abort();
      },
    })
    .catch(() => undefined);
  if (!reached) throw new Error(`rollout ${id} ended before its wave reached ${phase}`);
  return reached;
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); ) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A rollout of `count` healthy collectors in two waves, a simulated day's soak each, driven by a
 * first replica until its canary wave is soaking.
 */
async function firstSoak(count: number) {
  const prefix = await setUp();
  const ids = healthyUpgradable(sumo.sim, count);
  const first = await replica(prefix);
  const started = await first.run(
    'rollout_collector_upgrade',
    { collectors: ids, waves: [1, '100%'], soakSeconds: 86_400 },
    Date.now(),
  );
  const id: string = started.rolloutId;
  return { prefix, ids, first, id, soaking: await phaseReached(first.runner, id, 'soaking') };
}

describe('a rollout in Redis', () => {
  it('resumes mid-soak in a restarted process exactly where it was, each upgrade asked once', async () => {
    const { prefix, ids, first, id, soaking } = await firstSoak(8);
    // The process stops mid-soak (its lease handed back, as on SIGTERM).
    await first.runner.shutdown();
    expect(soaking.waves[0]?.soakUntil).toBeGreaterThan(sumo.sim.clock.now());

    const restarted = await replica(prefix);
    // Each soak is a simulated day: the test moves the clock on rather than waiting it out.
    await skipSoaks(restarted.runner, sumo.sim, id);
    const done = await restarted.run('get_rollout_status', { rolloutId: id });
    expect(done.failures).toEqual([]);
    expect(done.state).toBe('done');
    const record = await restarted.runner.get(sumo.client, id);
    expect(record?.waves[0]?.soakUntil).toBe(soaking.waves[0]?.soakUntil);
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
    // Steal the lease again and again (as expiries after long pauses would): whoever sweeps next
    // drives, and both try. A holder's saves are refused once its lease is gone, so the rollout
    // moves on only between thefts; after 40 of them it is left to finish.
    const leaseKey = `rollout:${started.rolloutId}:lease`;
    let thefts = 0;
    const stealing = setInterval(() => {
      thefts += 1;
      if (thefts > 40) clearInterval(stealing);
      else void one.backend.delete(leaseKey);
    }, 25);
    cleanups.push(async () => clearInterval(stealing));
    // Well within the test's own time: a slow run then fails on the check below, with the state
    // the rollout was in, rather than on vitest's timeout, which says nothing.
    const ended = await two.runner.follow(started.rolloutId, { deadline: Date.now() + 45_000 });
    clearInterval(stealing);
    expect(ended.state).not.toBe('running');
    for (const count of tasksPerCollector(sumo.sim).values()) expect(count).toBe(1);
  }, 60_000);

  it('stops a process whose lease was taken over, and never puts its older record back', async () => {
    const { first, id, soaking } = await firstSoak(4);
    // The first process is waiting in the soak: of two reads of the cancel key from now on, at
    // most one is the step that recorded the soak, the other the soak's own minute check.
    const cancelReads = () => first.reads.filter((key) => key === `rollout:${id}:cancel`).length;
    const readsBefore = cancelReads();
    await until(() => cancelReads() >= readsBefore + 2);
    // The first process paused past its lease; another took the rollout over and wrote the record.
    const leaseKey = `rollout:${id}:lease`;
    await first.backend.delete(leaseKey);
    expect(await first.backend.set(leaseKey, 'another-process', { ttlMs: 60_000, onlyIfAbsent: true })).toBe(
      true,
    );
    const written = { ...soaking, reason: 'written by the process that took over' };
    await first.backend.set(`rollout:${id}`, JSON.stringify(written), { ttlMs: 60_000 });
    // The soak ends for the first process: its next write is refused and it stops driving.
    sumo.sim.clock.advance(Math.max(0, (soaking.waves[0]?.soakUntil ?? 0) - sumo.sim.clock.now()));
    await until(
      () => sumo.logLines.some((line) => line.includes('its record write was refused') && line.includes(id)),
      10_000,
    );
    const record = JSON.parse((await first.backend.get(`rollout:${id}`)) ?? '{}') as RolloutRecord;
    expect(record.reason).toBe(written.reason);
    expect(record.waves[0]?.phase).toBe('soaking');
    expect(record.currentWave).toBe(0);
    // Only the canary was asked for; the stopped process started nothing more.
    expect([...tasksPerCollector(sumo.sim).values()]).toEqual([1]);
  });

  it("asks for a wave's upgrades itself when the process that recorded its start never claimed it, and only then", async () => {
    const { prefix, ids, first, id, soaking } = await firstSoak(5);
    await first.runner.shutdown();
    // As a process leaves it that recorded wave 2's start, then stopped (or paused past its lease)
    // before it claimed the wave: nobody asked Sumo for wave 2.
    const [one, two] = soaking.waves;
    if (!one || !two) throw new Error('two waves expected');
    one.phase = 'passed';
    two.phase = 'starting';
    two.startedAt = sumo.sim.clock.now();
    const recorded = { ...soaking, currentWave: 1 };
    await first.backend.set(`rollout:${id}`, JSON.stringify(recorded), { ttlMs: 60_000 });

    const next = await replica(prefix);
    const ended = await skipSoaks(next.runner, sumo.sim, id);
    expect(ended.state).toBe('done');
    // Asked once, by the new holder, and tracked: not left 'unknown'.
    expect([...tasksPerCollector(sumo.sim).values()]).toEqual(ids.map(() => 1));
    expect(ended.collectors.filter((c) => c.wave === 1).map((c) => c.outcome)).toEqual(
      ids.slice(1).map(() => 'succeeded'),
    );
    // The former holder, waking up, cannot win the wave's claim any more.
    expect(
      await first.backend.set(`rollout:${id}:wave:1`, 'late', { ttlMs: 60_000, onlyIfAbsent: true }),
    ).toBe(false);
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
