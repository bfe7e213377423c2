import { HEALTH_INCIDENTS } from '@sumo-ops/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import {
  fastRollouts,
  healthyUpgradable,
  ROLLOUT_SEARCH,
  sendsNothing,
  skipSoaks,
  tasksPerCollector,
} from '../../../test/support/rollouts.js';
import { type SimulatedSumo, startSimulatedSumo } from '../../../test/support/simulated-sumo.js';
import {
  createCatalog,
  createRolloutOperations,
  type OperationContext,
  OperationError,
  RolloutRunner,
  soakSecondsOf,
  splitWaves,
} from '../src/index.js';
import { caught } from './helpers.js';

let sumo: SimulatedSumo;
let runner: RolloutRunner;

async function start(collectors = 60) {
  sumo = await startSimulatedSumo({ org: { collectors }, clockSpeed: 6_000, search: ROLLOUT_SEARCH });
  runner = new RolloutRunner(fastRollouts(sumo.sim));
  const catalog = createCatalog(createRolloutOperations({ runner }));
  const ctx: OperationContext = {
    client: sumo.client,
    logger: sumo.logger,
    auditSubject: { subject: 'u-1', email: 'ops@example.com' },
  };
  return {
    catalog,
    preview: (name: string, raw: unknown) => catalog.preview(name, ctx, catalog.parseInput(name, raw)),
    // biome-ignore lint/suspicious/noExplicitAny: tests read the parsed output by field.
    run: async (name: string, raw: unknown, extra: Partial<OperationContext> = {}): Promise<any> =>
      catalog.run(name, { ...ctx, ...extra }, catalog.parseInput(name, raw), { confirmed: true }),
  };
}

afterEach(async () => {
  await runner?.shutdown();
  await sumo?.close();
});

const latest = () => sumo.sim.org.latestVersion;

describe('waves', () => {
  it('reads counts as wave sizes and percentages as the share done by the end of the wave', () => {
    const planned = Array.from({ length: 200 }, (_, i) => ({
      collectorId: i,
      name: `c${i}`,
      fromVersion: '1',
    }));
    expect(splitWaves(planned, [1, '10%', '50%', '100%']).map((w) => w.length)).toEqual([1, 19, 80, 100]);
    expect(splitWaves(planned.slice(0, 5), [1, '10%', '100%']).map((w) => w.length)).toEqual([1, 4]);
    expect(splitWaves(planned.slice(0, 5), [2, 2]).map((w) => w.length)).toEqual([2, 3]);
    expect(splitWaves(planned.slice(0, 5), ['2', '100%']).map((w) => w.length)).toEqual([2, 3]);
    // Exactly the share asked for: in floating point 7 % of 100 is 7.000000000000001.
    const hundred = planned.slice(0, 100);
    expect(splitWaves(hundred, ['7%', '14%', '55%', '100%']).map((w) => w.length)).toEqual([7, 7, 41, 45]);
    expect(splitWaves(hundred, ['0.5%', '100%']).map((w) => w.length)).toEqual([1, 99]);
  });

  it('refuses a bad wave list and a bad soak before any API call', async () => {
    const { catalog } = await start(20);
    expect(() => catalog.parseInput('rollout_collector_upgrade', { all: true, waves: [0, '100%'] })).toThrow(
      /waves.*wave 1 \(0\)/s,
    );
    expect(() => catalog.parseInput('rollout_collector_upgrade', { all: true, waves: ['150%'] })).toThrow(
      /percentage/,
    );
    expect(() => catalog.parseInput('rollout_collector_upgrade', { all: true, soakSeconds: 'soon' })).toThrow(
      /soakSeconds/,
    );
    expect(catalog.parseInput('rollout_collector_upgrade', { all: true })).toMatchObject({
      soakSeconds: 600,
      waves: [1, '10%', '100%'],
      checkData: true,
    });
    expect(soakSecondsOf('10m')).toBe(600);
    expect(soakSecondsOf('90s')).toBe(90);
    expect(() => catalog.parseInput('rollout_collector_upgrade', { all: true, soakSeconds: '25h' })).toThrow(
      /24 hours/,
    );
    expect(sumo.sim.counters.total).toBe(0);
  });
});

describe('rolling out', () => {
  it('previews every wave with its collectors, the gates and the worst case, without a change', async () => {
    const { preview } = await start();
    const ids = healthyUpgradable(sumo.sim, 12);
    const planned = await preview('rollout_collector_upgrade', {
      collectors: ids,
      waves: [1, '50%', '100%'],
    });
    const details = planned.details as {
      waves: { wave: number; size: number; collectors: { collectorId: number; to: string }[] }[];
      gates: string[];
      worstCase: { ifTheCanaryFails: number; upgradedByEndOfWave: number[] };
    };
    expect(details.waves.map((w) => w.size)).toEqual([1, 5, 6]);
    expect(details.waves.flatMap((w) => w.collectors.map((c) => c.collectorId))).toEqual(ids);
    expect(details.gates).toHaveLength(4);
    expect(details.worstCase).toEqual({ ifTheCanaryFails: 1, upgradedByEndOfWave: [1, 6, 12] });
    expect(planned.summary).toContain('at most 1 collector(s) upgraded before a failing gate stops it');
    expect(sumo.sim.org.upgradeTasks()).toHaveLength(0);
  });

  it('takes a good build through every wave, each collector upgraded once, gates passed', async () => {
    const { run } = await start();
    const ids = healthyUpgradable(sumo.sim, 12);
    const progress: string[] = [];
    const result = await run(
      'rollout_collector_upgrade',
      { collectors: ids, waves: [1, '50%', '100%'], soakSeconds: 600 },
      { onProgress: (update) => progress.push(update.message ?? '') },
    );
    expect(result.reason).toContain('Every wave passed');
    expect(result).toMatchObject({ state: 'done', toVersion: latest(), confirmedBy: 'ops@example.com' });
    expect(result.waves.map((w: { phase: string; upgraded: number }) => [w.phase, w.upgraded])).toEqual([
      ['passed', 1],
      ['passed', 5],
      ['passed', 6],
    ]);
    expect(result.failures).toEqual([]);
    for (const id of ids) expect(sumo.sim.org.collectorById(id)?.collectorVersion).toBe(latest());
    expect([...tasksPerCollector(sumo.sim).values()]).toEqual(ids.map(() => 1));
    expect(progress.some((message) => message.includes('wave 2 of 3'))).toBe(true);
    expect(progress.at(-1)).toContain('done');
  });

  it('halts, holding the org, when Sumo keeps failing after a wave was asked for: no gate judged it', async () => {
    const { run } = await start();
    const ids = healthyUpgradable(sumo.sim, 4);
    // The wave's upgrades go through; every read of health events for its gate then fails.
    sumo.sim.setFaults({ rate500: 1, routes: ['GET /v1/healthEvents'] });
    const result = await run('rollout_collector_upgrade', {
      collectors: ids,
      waves: [1, '100%'],
      soakSeconds: 0,
      checkData: false,
    });
    sumo.sim.setFaults({});
    expect(result.state).toBe('halted');
    expect(result.reason).toContain('Halted in wave 1 after repeated errors');
    expect(result.waves.map((w: { phase: string }) => w.phase)).toEqual(['failed', 'skipped']);
    expect(sumo.sim.org.upgradeTasks()).toHaveLength(1);
    // Like a failed gate: a new rollout waits for a decision about this one.
    const second = await caught(
      run('rollout_collector_upgrade', { collectors: ids.slice(1), soakSeconds: 0 }),
    );
    expect((second as Error).message).toContain(result.rolloutId);
  });

  it('does not pass a wave whose health it cannot read in full: over 20,000 unresolved events', async () => {
    const { run } = await start();
    const ids = healthyUpgradable(sumo.sim, 3);
    // 20,001 warnings on a collector outside the rollout: none is the wave's, but an Error of the
    // wave's could sort past the 20 pages the gate reads, so the gate cannot say it is healthy.
    const bystander = sumo.sim.org
      .collectors()
      .find((collector) => collector.collectorType === 'Installable' && !ids.includes(collector.id));
    if (!bystander) throw new Error('no collector outside the rollout');
    for (let i = 0; i < 20_001; i += 1)
      sumo.sim.org.healthEvents.raise(
        { type: 'Collector', collectorId: bystander.id },
        HEALTH_INCIDENTS.otDataInactive,
      );
    const halted = await run('rollout_collector_upgrade', {
      collectors: ids,
      waves: [1, '100%'],
      soakSeconds: 0,
      checkData: false,
    });
    expect(halted.state).toBe('halted');
    expect(halted.failures).toEqual([
      expect.objectContaining({
        collectorId: ids[0],
        gate: 'health',
        reason: expect.stringContaining('more than 20000 unresolved health events'),
      }),
    ]);
    expect(sumo.sim.org.upgradeTasks()).toHaveLength(1);
  });

  it('halts a bad build after its canary, names why, and upgrades nothing more', async () => {
    const { run } = await start();
    const ids = healthyUpgradable(sumo.sim, 12);
    sumo.sim.org.setBadBuild({ version: latest(), share: 1, effect: 'stops heartbeating' });
    const result = await run('rollout_collector_upgrade', { collectors: ids, soakSeconds: 600 });
    expect(result.state).toBe('halted');
    expect(result.waves.map((w: { phase: string }) => w.phase)).toEqual(['failed', 'skipped', 'skipped']);
    const canary = sumo.sim.org.collectorById(ids[0] as number);
    expect(result.failures).toContainEqual({
      collectorId: canary?.id,
      name: canary?.name,
      gate: 'alive',
      reason: expect.stringContaining('not alive since its upgrade'),
    });
    expect(result.failures.map((f: { gate: string }) => f.gate)).toEqual(
      expect.arrayContaining(['alive', 'health']),
    );
    expect(result.reason).toContain(canary?.name);
    expect(result.next).toContain('rollback_collector_rollout');
    expect([...tasksPerCollector(sumo.sim).keys()]).toEqual([canary?.id]);
  });

  it('refuses a second rollout in the same org, naming the running one', async () => {
    const { run, preview } = await start();
    const ids = healthyUpgradable(sumo.sim, 6);
    const first = await run(
      'rollout_collector_upgrade',
      { collectors: ids.slice(0, 3), soakSeconds: 86_400 },
      { deadline: Date.now() },
    );
    expect(first.state).toBe('running');
    const refused = await caught(run('rollout_collector_upgrade', { collectors: ids.slice(3) }));
    expect(refused).toBeInstanceOf(OperationError);
    expect((refused as OperationError).message).toContain(first.rolloutId);
    expect((await preview('rollout_collector_upgrade', { collectors: ids.slice(3) })).summary).toContain(
      first.rolloutId,
    );
    const status = await run('get_rollout_status', {});
    expect(status.rolloutId).toBe(first.rolloutId);
  });

  it('cancels after the running wave: no later wave starts', async () => {
    const { run } = await start();
    const ids = healthyUpgradable(sumo.sim, 6);
    const first = await run(
      'rollout_collector_upgrade',
      { collectors: ids, soakSeconds: 3_600, waves: [1, '100%'] },
      { deadline: Date.now() },
    );
    const cancelled = await run('cancel_rollout', { rolloutId: first.rolloutId });
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.waves.map((w: { phase: string }) => w.phase)).toEqual(
      expect.arrayContaining(['skipped']),
    );
    expect([...tasksPerCollector(sumo.sim).keys()]).toEqual([ids[0]]);
  });

  it('offers a rollback of the failed wave and runs it only when asked, once', async () => {
    const { run, preview } = await start();
    const ids = healthyUpgradable(sumo.sim, 8);
    const from = sumo.sim.org.collectorById(ids[0] as number)?.collectorVersion;
    sumo.sim.org.setBadBuild({ version: latest(), share: 1, effect: 'health error', afterMs: 30_000 });
    const halted = await run('rollout_collector_upgrade', { collectors: ids, soakSeconds: 300 });
    expect(halted.state).toBe('halted');
    expect(halted.failures).toContainEqual(
      expect.objectContaining({ gate: 'health', reason: expect.stringContaining('keeps restarting') }),
    );
    // Halted, and still on the bad build: nothing is rolled back on its own.
    expect(sumo.sim.org.collectorById(ids[0] as number)?.collectorVersion).toBe(latest());

    const offered = await preview('rollback_collector_rollout', { rolloutId: halted.rolloutId });
    expect(offered.willChange).toBe(true);
    expect(offered.details).toMatchObject({ rollback: [{ collectorId: ids[0], from: latest(), to: from }] });
    const rolledBack = await run('rollback_collector_rollout', { rolloutId: halted.rolloutId });
    expect(rolledBack.rollback).toMatchObject({
      complete: true,
      results: [{ outcome: 'succeeded', toVersion: from }],
    });
    expect(sumo.sim.org.collectorById(ids[0] as number)?.collectorVersion).toBe(from);
    const again = await caught(run('rollback_collector_rollout', { rolloutId: halted.rolloutId }));
    expect((again as Error).message).toMatch(/rolled back already/);
  });

  it('frees the org of a halted rollout whose decision was claimed by a process that stopped before recording it', async () => {
    const { run } = await start();
    const ids = healthyUpgradable(sumo.sim, 6);
    sumo.sim.org.setBadBuild({ version: latest(), share: 1, effect: 'stops heartbeating' });
    const halted = await run('rollout_collector_upgrade', { collectors: ids.slice(0, 3), soakSeconds: 0 });
    expect(halted.state).toBe('halted');
    // A rollback's claim taken, then its process gone before the rollback was recorded.
    expect(await runner.claimRollback(halted.rolloutId, 'a-process-that-stopped')).toBe(true);
    const next = await run('rollout_collector_upgrade', {
      collectors: ids.slice(3),
      waves: ['100%'],
      soakSeconds: 0,
      checkData: false,
    });
    // Not refused: it ran (and, on the same bad build, halted in its turn).
    expect(next.rolloutId).not.toBe(halted.rolloutId);
    expect(next.state).toBe('halted');
  });

  it('keeps the first 200 gate failures of a wave in the record and counts the rest', async () => {
    const { run } = await start(900);
    const ids = healthyUpgradable(sumo.sim, 230);
    sumo.sim.org.setBadBuild({ version: latest(), share: 1, effect: 'stops heartbeating' });
    const halted = await run('rollout_collector_upgrade', {
      collectors: ids,
      waves: ['100%'],
      soakSeconds: 0,
      checkData: false,
    });
    expect(halted.state).toBe('halted');
    expect(halted.failures).toHaveLength(100);
    // 230 collectors each failed at least one gate (alive); what is past the first 200 is counted.
    const more = halted.notes.map(
      (note: string) => /^(\d+) more gate failure\(s\) than the 200 kept\.$/.exec(note)?.[1],
    );
    expect(Number(more.find(Boolean))).toBeGreaterThanOrEqual(30);
    expect(halted.notes).toContain('200 gate failures were kept; the first 100 are listed.');
  });

  it('rolls back a collector whose outcome a stopped process left unknown when Sumo shows it on the build', async () => {
    const { run, preview } = await start();
    const ids = healthyUpgradable(sumo.sim, 3);
    sumo.sim.org.setBadBuild({ version: latest(), share: 1, effect: 'health error', afterMs: 30_000 });
    const halted = await run('rollout_collector_upgrade', {
      collectors: ids,
      waves: ['100%'],
      soakSeconds: 300,
    });
    expect(halted.state).toBe('halted');
    // As the 'starting' recovery records it: the upgrade went through, the task id was never kept.
    const stored = await runner.get(sumo.client, halted.rolloutId);
    if (!stored) throw new Error('no record');
    const member = stored.collectors.find((collector) => collector.collectorId === ids[0]);
    if (!member) throw new Error('no member');
    member.outcome = 'unknown';
    await runner.saveRollback(stored);
    const offered = await preview('rollback_collector_rollout', { rolloutId: halted.rolloutId });
    const listed = (offered.details as { rollback: Array<{ collectorId: number }> }).rollback;
    expect(listed.map((target) => target.collectorId)).toEqual(ids);
  });

  it('refuses a new rollout while a halted one awaits a decision, naming both ways on; a rollback frees the org', async () => {
    const { run, preview } = await start();
    const ids = healthyUpgradable(sumo.sim, 8);
    sumo.sim.org.setBadBuild({ version: latest(), share: 1, effect: 'stops heartbeating' });
    const halted = await run('rollout_collector_upgrade', { collectors: ids.slice(0, 4), soakSeconds: 300 });
    expect(halted.state).toBe('halted');
    expect(halted.next).toContain(`cancel_rollout ${halted.rolloutId} dismisses it`);

    const refused = await caught(run('rollout_collector_upgrade', { collectors: ids.slice(4) }));
    expect(refused).toBeInstanceOf(OperationError);
    expect((refused as OperationError).code).toBe('rollout.halted');
    for (const way of [
      `rollback_collector_rollout ${halted.rolloutId}`,
      `cancel_rollout ${halted.rolloutId}`,
    ])
      expect((refused as OperationError).message).toContain(way);
    const planned = await preview('rollout_collector_upgrade', { collectors: ids.slice(4) });
    expect(planned).toMatchObject({ willChange: false, summary: expect.stringContaining(halted.rolloutId) });
    expect([...tasksPerCollector(sumo.sim).keys()]).toEqual([ids[0]]);

    await run('rollback_collector_rollout', { rolloutId: halted.rolloutId });
    sumo.sim.org.setBadBuild({ version: latest(), share: 0, effect: 'stops heartbeating' });
    const next = await run('rollout_collector_upgrade', { collectors: ids.slice(4), soakSeconds: 60 });
    expect(next).toMatchObject({ state: 'done' });
  });

  it('lets cancel_rollout dismiss a halted rollout, recording who, with no rollback after it', async () => {
    const { run, preview } = await start();
    const ids = healthyUpgradable(sumo.sim, 8);
    sumo.sim.org.setBadBuild({ version: latest(), share: 1, effect: 'health error', afterMs: 0 });
    const halted = await run('rollout_collector_upgrade', { collectors: ids.slice(0, 4), soakSeconds: 300 });
    expect(halted.state).toBe('halted');

    const asked = await preview('cancel_rollout', { rolloutId: halted.rolloutId });
    expect(asked).toMatchObject({
      willChange: true,
      summary: expect.stringContaining('Dismiss halted rollout'),
    });
    const dismissed = await run('cancel_rollout', { rolloutId: halted.rolloutId });
    expect(dismissed.state).toBe('halted');
    expect(dismissed.reason).toMatch(/Dismissed by ops@example\.com at .*: the failed wave stays as it is\./);
    expect(dismissed.next).toBeUndefined();
    // The canary stays on the build it halted on.
    expect(sumo.sim.org.collectorById(ids[0] as number)?.collectorVersion).toBe(latest());
    const rollback = await caught(run('rollback_collector_rollout', { rolloutId: halted.rolloutId }));
    expect((rollback as OperationError).code).toBe('rollout.dismissed');
    // A second dismissal changes nothing: the first one's record stands.
    expect((await run('cancel_rollout', { rolloutId: halted.rolloutId })).reason).toBe(dismissed.reason);

    sumo.sim.org.setBadBuild({ version: latest(), share: 0, effect: 'health error' });
    const next = await run('rollout_collector_upgrade', { collectors: ids.slice(4), soakSeconds: 60 });
    expect(next).toMatchObject({ state: 'done' });
  });
});

describe('the data gate', () => {
  const searchesStarted = () =>
    Object.values(sumo.sim.counters.byRoute['POST /v1/search/jobs'] ?? {}).reduce((sum, n) => sum + n, 0);

  it('passes collectors that keep sending when the clock jumps past a day-long soak', async () => {
    const { run } = await start();
    const ids = healthyUpgradable(sumo.sim, 12)
      .filter((id) => !sendsNothing(sumo.sim, id))
      .slice(0, 6);
    const started = await run(
      'rollout_collector_upgrade',
      { collectors: ids, waves: [1, '100%'], soakSeconds: 86_400 },
      { deadline: Date.now() },
    );
    await skipSoaks(runner, sumo.sim, started.rolloutId);
    const done = await run('get_rollout_status', { rolloutId: started.rolloutId });
    expect(done).toMatchObject({ state: 'done', failures: [], notes: [] });
    // Each wave's data gate searched: the hour before the wave, and the soak's last hour.
    expect(searchesStarted()).toBe(4);
  });

  it('does not blame the upgrade for data that had stopped hours before it, and says so', async () => {
    const { run } = await start();
    // The seed's ingest budget stopped this collector's data hours ago; the day before a day-long
    // soak still holds what it sent until then.
    const silent = healthyUpgradable(sumo.sim, 12).find((id) => sendsNothing(sumo.sim, id));
    const name = sumo.sim.org.collectorById(silent as number)?.name;
    const started = await run(
      'rollout_collector_upgrade',
      { collectors: [silent], waves: [1], soakSeconds: 86_400 },
      { deadline: Date.now() },
    );
    await skipSoaks(runner, sumo.sim, started.rolloutId);
    const done = await run('get_rollout_status', { rolloutId: started.rolloutId });
    expect(done).toMatchObject({ state: 'done', failures: [] });
    expect(done.notes).toEqual([
      `1 collector(s) sent under 5 messages in the 60 min before their upgrade, so their data was not judged: ${name}.`,
    ]);
  });

  it('halts on a collector that stays alive but stops sending during its soak, saying how long', async () => {
    const { run } = await start();
    const [canary, ...rest] = healthyUpgradable(sumo.sim, 12).filter((id) => !sendsNothing(sumo.sim, id));
    const name = sumo.sim.org.collectorById(canary as number)?.name as string;
    // Collection stops two simulated minutes into the soak: some data reaches it, then none.
    const budget = sumo.sim.org.ingestBudgets.create({
      name: 'canary budget',
      scope: `_collector=${name}`,
      capacityBytes: 1_000,
      action: 'stopCollecting',
    });
    const started = await run(
      'rollout_collector_upgrade',
      { collectors: [canary, ...rest.slice(0, 3)], waves: [1, '100%'], soakSeconds: 600 },
      { deadline: Date.now() },
    );
    await skipSoaks(runner, sumo.sim, started.rolloutId, () => {
      sumo.sim.clock.advance(120_000);
      sumo.sim.org.ingestBudgets.setUsage(budget.id, 1_000);
    });
    const halted = await run('get_rollout_status', { rolloutId: started.rolloutId });
    expect(halted.state).toBe('halted');
    expect(halted.waves.map((w: { phase: string }) => w.phase)).toEqual(['failed', 'skipped']);
    expect(halted.failures).toEqual([
      {
        collectorId: canary,
        name,
        gate: 'data',
        reason: expect.stringMatching(
          /^no data in the last 5 min of the soak, against \d+ messages in the 5 min before its upgrade$/,
        ),
      },
    ]);
    expect(sumo.sim.org.collectorById(canary as number)?.alive).toBe(true);
    expect(halted.reason).toContain(name);
  });
});
