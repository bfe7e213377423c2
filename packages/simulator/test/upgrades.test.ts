import { describe, expect, it } from 'vitest';
import { MINUTE_MS } from '../src/durations.js';
import { COLLECTOR_VERSIONS, type SimCollector, type Simulator } from '../src/index.js';
import { api, collectorWhere, useSimulator } from './helpers.js';

const LATEST = COLLECTOR_VERSIONS.at(-1);

function upgradable(
  sim: Simulator,
  predicate: (collector: SimCollector) => boolean = () => true,
): SimCollector {
  return collectorWhere(
    sim,
    (candidate) =>
      candidate.collectorType === 'Installable' &&
      candidate.alive &&
      candidate.collectorVersion !== LATEST &&
      predicate(candidate),
  );
}

async function requestUpgrade(sim: Simulator, body: unknown) {
  return api(sim, 'POST', '/v1/collectors/upgrades', { body });
}

async function taskStatus(sim: Simulator, taskId: string) {
  return (await api(sim, 'GET', `/v1/collectors/upgrades/${taskId}`)).json.upgrade;
}

describe('upgrade routes', () => {
  const simulator = useSimulator();

  it('lists the available builds with only the last one flagged latest', async () => {
    const sim = await simulator();
    const response = await api(sim, 'GET', '/v1/collectors/upgrades/targets');
    expect(response.status).toBe(200);
    expect(response.json.targets).toEqual(
      COLLECTOR_VERSIONS.map((version, index) => ({
        version,
        latest: index === COLLECTOR_VERSIONS.length - 1,
      })),
    );
  });

  it('lists upgradable collectors 50 at a time by default: running, installed, not on the target', async () => {
    const sim = await simulator({ org: { collectors: 300 } });
    const expected = sim.org
      .collectors()
      .filter((c) => c.collectorType === 'Installable' && c.alive && c.collectorVersion !== LATEST);
    expect(expected.length).toBeGreaterThan(60);
    const firstPage = await api(sim, 'GET', '/v1/collectors/upgrades/collectors');
    expect(firstPage.status).toBe(200);
    expect(firstPage.json.collectors.map((c: SimCollector) => c.id)).toEqual(
      expected.slice(0, 50).map((c) => c.id),
    );
    const secondPage = await api(sim, 'GET', '/v1/collectors/upgrades/collectors?offset=50&limit=50');
    expect(secondPage.json.collectors.map((c: SimCollector) => c.id)).toEqual(
      expected.slice(50, 100).map((c) => c.id),
    );

    const toOldest = COLLECTOR_VERSIONS[0];
    const downgradable = await api(
      sim,
      'GET',
      `/v1/collectors/upgrades/collectors?toVersion=${toOldest}&limit=1000`,
    );
    expect(downgradable.json.collectors.every((c: SimCollector) => c.collectorVersion !== toOldest)).toBe(
      true,
    );
    expect(downgradable.json.collectors.some((c: SimCollector) => c.collectorVersion === LATEST)).toBe(true);
  });

  it('refuses an unknown toVersion when listing upgradable collectors', async () => {
    const sim = await simulator();
    const response = await api(sim, 'GET', '/v1/collectors/upgrades/collectors?toVersion=99.9-9');
    expect(response.status).toBe(400);
    expect(response.json.code).toBe('collector.version.invalid');
  });

  it('creates a task that moves 0 → 1 → 6 → 2 in simulated time and then shows the new version', async () => {
    const sim = await simulator();
    const collector = upgradable(sim);
    sim.org.setUpgradeOutcome(collector.id, 'succeed');
    const created = await requestUpgrade(sim, { collectorId: collector.id });
    expect(created.status).toBe(202);
    expect(created.json).toEqual({
      id: expect.stringMatching(/^\d+$/),
      link: { rel: 'self', href: `/v1/collectors/upgrades/${created.json.id}` },
    });

    const requested = await taskStatus(sim, created.json.id);
    expect(requested).toEqual({
      id: Number(created.json.id),
      collectorId: collector.id,
      toVersion: LATEST,
      requestTime: expect.any(Number),
      status: 0,
      message: '',
    });
    const observed = [requested.status];
    for (const step of [10_000, 50_000, 2 * MINUTE_MS]) {
      sim.clock.advance(step);
      observed.push((await taskStatus(sim, created.json.id)).status);
    }
    expect(observed).toEqual([0, 1, 6, 2]);

    const after = await api(sim, 'GET', `/v1/collectors/${collector.id}`);
    expect(after.json.collector.collectorVersion).toBe(LATEST);
    const listed = (await api(sim, 'GET', '/v1/collectors?filter=installed')).json.collectors.find(
      (c: SimCollector) => c.id === collector.id,
    );
    expect(listed.collectorVersion).toBe(LATEST);
  });

  it('downgrades to an explicit older version', async () => {
    const sim = await simulator();
    const collector = upgradable(sim, (c) => c.collectorVersion !== COLLECTOR_VERSIONS[0]);
    sim.org.setUpgradeOutcome(collector.id, 'succeed');
    const created = await requestUpgrade(sim, {
      collectorId: collector.id,
      toVersion: COLLECTOR_VERSIONS[0],
    });
    sim.clock.advance(5 * MINUTE_MS);
    expect((await taskStatus(sim, created.json.id)).status).toBe(2);
    expect(sim.org.collectorById(collector.id)?.collectorVersion).toBe(COLLECTOR_VERSIONS[0]);
  });

  it('fails the task with a reason for collectors seeded to fail, leaving the version alone', async () => {
    const sim = await simulator({ org: { collectors: 200 } });
    const failing = upgradable(sim, (c) => sim.org.upgradeOutcome(c.id) === 'fail');
    const created = await requestUpgrade(sim, { collectorId: failing.id });
    sim.clock.advance(MINUTE_MS);
    expect((await taskStatus(sim, created.json.id)).status).toBe(6);
    sim.clock.advance(2 * MINUTE_MS);
    const failed = await taskStatus(sim, created.json.id);
    expect(failed.status).toBe(3);
    expect(failed.message).not.toBe('');
    expect(sim.org.collectorById(failing.id)?.collectorVersion).toBe(failing.collectorVersion);
  });

  it('times a task out with status 3 after 30 minutes when the collector never answers', async () => {
    const sim = await simulator();
    const collector = upgradable(sim);
    sim.org.setUpgradeOutcome(collector.id, 'timeout');
    const created = await requestUpgrade(sim, { collectorId: collector.id });
    sim.clock.advance(29 * MINUTE_MS);
    expect((await taskStatus(sim, created.json.id)).status).toBe(1);
    sim.clock.advance(MINUTE_MS);
    const timedOut = await taskStatus(sim, created.json.id);
    expect(timedOut.status).toBe(3);
    expect(timedOut.message).toContain('30 minutes');
    expect((await requestUpgrade(sim, { collectorId: collector.id })).status).toBe(202);
  });

  it('times out a task whose collector goes offline mid-upgrade', async () => {
    const sim = await simulator();
    const collector = upgradable(sim);
    sim.org.setUpgradeOutcome(collector.id, 'succeed');
    const created = await requestUpgrade(sim, { collectorId: collector.id });
    sim.clock.advance(MINUTE_MS);
    sim.org.setAlive(collector.id, false);
    sim.clock.advance(10 * MINUTE_MS);
    expect((await taskStatus(sim, created.json.id)).status).toBe(6);
    sim.clock.advance(20 * MINUTE_MS);
    expect((await taskStatus(sim, created.json.id)).status).toBe(3);
    expect(sim.org.collectorById(collector.id)?.collectorVersion).toBe(collector.collectorVersion);
  });

  it('finishes upgrades without advancing the clock by hand when time runs faster', async () => {
    const sim = await simulator({ clockSpeed: 2000 });
    const collector = upgradable(sim);
    sim.org.setUpgradeOutcome(collector.id, 'succeed');
    const created = await requestUpgrade(sim, { collectorId: collector.id });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await taskStatus(sim, created.json.id)).status).toBe(2);
  });

  it('answers every documented 400 code', async () => {
    const sim = await simulator({ org: { collectors: 60 } });
    const hosted = sim.org.collectors().find((c) => c.collectorType === 'Hosted');
    const dead = sim.org.collectors().find((c) => c.collectorType === 'Installable' && !c.alive);
    const onLatest = sim.org
      .collectors()
      .find((c) => c.collectorType === 'Installable' && c.alive && c.collectorVersion === LATEST);
    const busy = upgradable(sim);
    await requestUpgrade(sim, { collectorId: busy.id });

    const cases: Array<[unknown, string]> = [
      [{}, 'collector.invalid'],
      [{ collectorId: 'abc' }, 'collector.invalid'],
      [{ collectorId: 1 }, 'collector.invalid'],
      [{ collectorId: hosted?.id }, 'collector.type.invalid'],
      [{ collectorId: dead?.id }, 'collector.not.alive'],
      [{ collectorId: busy.id }, 'collector.in.upgrading'],
      [{ collectorId: busy.id, toVersion: '99.9-9' }, 'collector.version.invalid'],
      [{ collectorId: onLatest?.id }, 'collector.version.invalid'],
    ];
    for (const [body, code] of cases) {
      const response = await requestUpgrade(sim, body);
      expect({ status: response.status, code: response.json.code }).toEqual({ status: 400, code });
    }
  });

  it('leaves collectors in upgrade out of the upgradable list', async () => {
    const sim = await simulator();
    const collector = upgradable(sim);
    sim.org.startUpgrade(collector.id);
    const listed = (await api(sim, 'GET', '/v1/collectors/upgrades/collectors?limit=1000')).json.collectors;
    expect(listed.some((c: SimCollector) => c.id === collector.id)).toBe(false);
    expect(sim.org.counts().upgradesInProgress).toBe(1);
  });

  it('answers an unknown task id with 404', async () => {
    const sim = await simulator();
    for (const id of ['424242', 'not-a-number']) {
      const response = await api(sim, 'GET', `/v1/collectors/upgrades/${id}`);
      expect(response.status).toBe(404);
      expect(response.json.status).toBe(404);
    }
  });

  it('keeps every task for inspection', async () => {
    const sim = await simulator();
    const collector = upgradable(sim);
    const created = await requestUpgrade(sim, { collectorId: collector.id });
    expect(sim.org.upgradeTasks()).toEqual([expect.objectContaining({ id: Number(created.json.id) })]);
    expect(sim.org.upgradeTask(Number(created.json.id))?.collectorId).toBe(collector.id);
  });
});

describe('a bad build', () => {
  const simulator = useSimulator();

  /** Upgrades every upgradable collector that is seeded to succeed, lets the tasks end, and `after` more pass. */
  async function upgradeAll(sim: Simulator, after: number): Promise<number[]> {
    const ids = sim.org
      .collectors()
      .filter(
        (c) =>
          c.collectorType === 'Installable' &&
          c.alive &&
          c.collectorVersion !== LATEST &&
          sim.org.upgradeOutcome(c.id) === 'succeed',
      )
      .map((c) => c.id);
    for (const id of ids) expect((await requestUpgrade(sim, { collectorId: id })).status).toBe(202);
    sim.clock.advance(3 * MINUTE_MS);
    sim.org.collectors();
    sim.clock.advance(after);
    return ids;
  }

  it('stops the share of collectors the seed picks from heartbeating a minute after their upgrade succeeds', async () => {
    const sim = await simulator({
      seed: 11,
      org: {
        collectors: 200,
        badBuilds: [{ version: LATEST as string, share: 0.3, effect: 'stops heartbeating' }],
      },
    });
    const ids = await upgradeAll(sim, 59_000);
    const broken = sim.org.brokenBy(LATEST as string, ids);
    expect(broken.length).toBeGreaterThan(ids.length * 0.15);
    expect(broken.length).toBeLessThan(ids.length * 0.45);
    // Still alive just before the minute is up; tasks succeeded either way.
    expect(ids.every((id) => sim.org.collectorById(id)?.alive)).toBe(true);
    expect(sim.org.upgradeTasks().every((task) => task.status === 2)).toBe(true);
    sim.clock.advance(1_000);
    const offline = ids.filter((id) => !sim.org.collectorById(id)?.alive);
    expect(offline).toEqual(broken);
  });

  it('breaks the same collectors for the same seed, and raises an Error health event when asked to', async () => {
    const options = {
      seed: 11,
      org: {
        collectors: 120,
        badBuilds: [{ version: LATEST as string, share: 0.3, effect: 'health error' as const, afterMs: 0 }],
      },
    };
    const first = await simulator(options);
    const firstIds = await upgradeAll(first, 0);
    const firstBroken = first.org.brokenBy(LATEST as string, firstIds);
    const second = await simulator(options);
    expect(second.org.brokenBy(LATEST as string, await upgradeAll(second, 0))).toEqual(firstBroken);
    const events = first.org.healthEvents
      .unresolved()
      .filter((event) => event.eventName === 'CollectorCrashLoop');
    expect(events.map((event) => event.resourceIdentity.name).sort()).toEqual(
      firstBroken.map((id) => first.org.collectorById(id)?.name).sort(),
    );
    expect(events.every((event) => event.severityLevel === 'Error')).toBe(true);
    expect(firstBroken.every((id) => first.org.collectorById(id)?.alive)).toBe(true);
  });
});
