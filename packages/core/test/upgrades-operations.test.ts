import type { SimCollector } from '@sumo-ops/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { type SimulatedSumo, startSimulatedSumo } from '../../../test/support/simulated-sumo.js';
import {
  createUpgradeTask,
  explainApiError,
  OperationError,
  planBulkUpgrade,
  runBulkUpgrade,
  waitForUpgradeTask,
} from '../src/index.js';
import { caught } from './helpers.js';
import { callsByMethod, callsTo, catalogOn, collectorWhere as collectorWhereIn } from './support/catalog.js';

const STATUS_ROUTE = 'GET /v1/collectors/upgrades/:upgradeTaskId';
let sumo: SimulatedSumo;

async function start(clockSpeed: number, collectors = 40) {
  sumo = await startSimulatedSumo({ org: { collectors }, clockSpeed });
  return sumo;
}
afterEach(async () => {
  await sumo.close();
});

const collectorWhere = (predicate: (collector: SimCollector) => boolean) =>
  collectorWhereIn(sumo.sim, predicate);
const upgradable = (c: SimCollector) =>
  c.collectorType === 'Installable' && c.alive && c.collectorVersion !== sumo.sim.org.latestVersion;
const succeeding = (c: SimCollector) => upgradable(c) && sumo.sim.org.upgradeOutcome(c.id) === 'succeed';

describe('targets and upgradable collectors', () => {
  it('lists the builds and names the latest', async () => {
    const { run } = catalogOn(await start(0));
    const result = await run('list_upgrade_targets', {});
    expect(result.latest).toBe(sumo.sim.org.latestVersion);
    expect(result.targets.map((t: { version: string }) => t.version)).toEqual(sumo.sim.org.versions);
    expect(result.targets.filter((t: { latest: boolean }) => t.latest)).toHaveLength(1);
  });

  it('pages through the upgradable collectors for a version', async () => {
    const { run } = catalogOn(await start(0));
    const expected = sumo.sim.org
      .collectors()
      .filter(upgradable)
      .map((c) => c.id);
    const seen: number[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const page: { items: { id: number }[]; nextOffset: number | null } = await run(
        'list_upgradable_collectors',
        {
          limit: 5,
          offset,
        },
      );
      seen.push(...page.items.map((item) => item.id));
      offset = page.nextOffset;
    }
    expect(seen).toEqual(expected);
  });
});

describe('upgrading one collector', () => {
  it('previews from→to with reads only, starts the task and maps the status codes to names', async () => {
    const { preview, run } = catalogOn(await start(0));
    const collector = collectorWhere(succeeding);
    const planned = await preview('upgrade_collector', { collector: collector.name });
    expect(planned.details).toMatchObject({
      fromVersion: collector.collectorVersion,
      toVersion: sumo.sim.org.latestVersion,
      willBeRefused: false,
    });
    expect(planned.summary).toContain(`from ${collector.collectorVersion} to ${sumo.sim.org.latestVersion}`);
    expect(Object.keys(callsByMethod(sumo.sim))).toEqual(['GET']);
    expect(sumo.sim.org.upgradeTasks()).toHaveLength(0);

    const started = await run('upgrade_collector', { collector: collector.name });
    expect(started).toMatchObject({
      collectorId: collector.id,
      collectorName: collector.name,
      fromVersion: collector.collectorVersion,
      toVersion: sumo.sim.org.latestVersion,
      status: 0,
      statusName: 'not started',
      done: false,
    });
    const seen: string[] = [];
    for (const step of [10_000, 40_000, 180_000]) {
      sumo.sim.clock.advance(step);
      seen.push((await run('get_upgrade_status', { taskId: started.taskId })).statusName);
    }
    expect(seen).toEqual(['pending', 'progressing', 'succeeded']);
    expect(sumo.sim.org.collectorById(collector.id)?.collectorVersion).toBe(sumo.sim.org.latestVersion);
  });

  it('reports a failed task with its reason', async () => {
    const { run } = catalogOn(await start(0));
    const collector = collectorWhere(upgradable);
    sumo.sim.org.setUpgradeOutcome(collector.id, 'fail');
    const started = await run('upgrade_collector', {
      collector: collector.id,
      toVersion: sumo.sim.org.versions[0],
    });
    sumo.sim.clock.advance(10 * 60_000);
    const status = await run('get_upgrade_status', { taskId: Number(started.taskId) });
    expect(status).toMatchObject({ status: 3, statusName: 'failed', done: true });
    expect(status.message).toContain('failed');
  });

  it.each([
    ['hosted', 'collector.type.invalid', 'Hosted Collector'],
    ['offline', 'collector.not.alive', 'is offline'],
    ['already on the version', 'collector.version.invalid', 'already runs it'],
    ['already upgrading', 'collector.in.upgrading', 'already has an upgrade in progress'],
    ['asked for an unknown build', 'collector.version.invalid', 'list_upgrade_targets'],
  ])(
    'predicts in the preview and explains the refusal when the collector is %s',
    async (situation, code, phrase) => {
      const { preview, run } = catalogOn(await start(0));
      const latest = sumo.sim.org.latestVersion;
      const pick: Record<string, (c: SimCollector) => boolean> = {
        hosted: (c) => c.collectorType === 'Hosted',
        offline: (c) => c.collectorType === 'Installable' && !c.alive,
        'already on the version': (c) =>
          c.collectorType === 'Installable' && c.alive && c.collectorVersion === latest,
        'already upgrading': upgradable,
        'asked for an unknown build': upgradable,
      };
      const collector = collectorWhere(pick[situation] as (c: SimCollector) => boolean);
      if (situation === 'already upgrading') await createUpgradeTask(sumo.client, collector.id);
      const input = {
        collector: collector.id,
        ...(situation === 'asked for an unknown build' ? { toVersion: '1.0-0' } : {}),
      };

      const planned = await preview('upgrade_collector', input);
      expect(planned.willChange).toBe(false);
      expect(planned.details).toMatchObject({ willBeRefused: true, refusal: { code } });

      const error = (await caught(run('upgrade_collector', input))) as OperationError;
      expect(error).toBeInstanceOf(OperationError);
      expect(error.code).toBe(code);
      expect(error.message).toContain(phrase);
      expect(error.message).toContain(collector.name);
    },
  );

  it('explains collector.invalid for an id the service does not know', async () => {
    await start(0);
    const error = await caught(createUpgradeTask(sumo.client, 42));
    const explained = explainApiError(error) as OperationError;
    expect(explained.code).toBe('collector.invalid');
    expect(explained.message).toContain('was not found, or this access key may not manage it');
  });

  it('waits for the task when asked, and stops at the deadline with the last status', async () => {
    const fast = catalogOn(await start(6_000));
    const collector = collectorWhere(succeeding);
    const done = await fast.run('upgrade_collector', { collector: collector.id, wait: true });
    expect(done).toMatchObject({ statusName: 'succeeded', done: true });
    await sumo.close();

    const frozen = await start(0);
    const updates: number[] = [];
    const { run } = catalogOn(frozen, {
      deadline: Date.now() + 300,
      onProgress: (update) => updates.push(update.progress),
    });
    const stuck = await run('upgrade_collector', { collector: collectorWhere(upgradable).id, wait: true });
    expect(stuck).toMatchObject({ statusName: 'not started', done: false });
    expect(updates.length).toBeGreaterThan(0);
  });

  it('stops waiting when the signal aborts', async () => {
    await start(0);
    const { id } = await createUpgradeTask(sumo.client, collectorWhere(upgradable).id);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('caller went away')), 100);
    const error = await caught(waitForUpgradeTask(sumo.client, id, { signal: controller.signal }));
    expect((error as Error).message).toBe('caller went away');
  });
});

describe('upgrading many collectors', () => {
  it('previews which collectors go from which version and which are skipped and why, with reads only', async () => {
    const { preview } = catalogOn(await start(0));
    const latest = sumo.sim.org.latestVersion;
    const upgrading = collectorWhere(upgradable);
    await createUpgradeTask(sumo.client, upgrading.id);
    const hosted = collectorWhere((c) => c.collectorType === 'Hosted');
    const offline = collectorWhere((c) => c.collectorType === 'Installable' && !c.alive);
    const current = collectorWhere(
      (c) => c.collectorType === 'Installable' && c.alive && c.collectorVersion === latest,
    );
    const eligible = sumo.sim.org
      .collectors()
      .filter((c) => upgradable(c) && c.id !== upgrading.id)
      .slice(0, 2);
    sumo.sim.counters.reset();

    const planned = await preview('upgrade_collectors', {
      collectors: [
        hosted.id,
        offline.name,
        current.id,
        upgrading.id,
        'nobody-by-that-name',
        ...eligible.map((c) => c.id),
      ],
    });
    const details = planned.details as {
      upgrades: { collectorId: number; from: string; to: string }[];
      skipped: { ref: string; reason: string }[];
      skippedByReason: Record<string, number>;
    };
    expect(details.upgrades).toEqual(
      eligible.map((c) => ({ collectorId: c.id, name: c.name, from: c.collectorVersion, to: latest })),
    );
    expect(details.skipped.map((s) => [s.ref, s.reason.split(':')[0]])).toEqual([
      [String(hosted.id), 'hosted'],
      [offline.name, 'offline'],
      [String(current.id), 'already on version'],
      [String(upgrading.id), 'already upgrading'],
      ['nobody-by-that-name', 'not found'],
    ]);
    expect(planned.summary).toContain('Upgrade 2 collector(s)');
    expect(Object.keys(callsByMethod(sumo.sim))).toEqual(['GET']);
    expect(sumo.sim.org.upgradeTasks()).toHaveLength(1);
  });

  it('upgrades all, reports each outcome, and tracks completion with list calls, not a status call per task', async () => {
    const progress: number[] = [];
    const { run } = catalogOn(await start(36_000, 60), {
      onProgress: (update) => progress.push(update.progress),
    });
    const expected = sumo.sim.org.collectors().filter(upgradable);
    const result = await run('upgrade_collectors', { all: true });

    expect(result.complete).toBe(true);
    expect(result.results.map((r: { collectorId: number }) => r.collectorId)).toEqual(
      expected.map((c) => c.id),
    );
    for (const entry of result.results) {
      const outcome = sumo.sim.org.upgradeOutcome(entry.collectorId);
      expect(entry.outcome).toBe(outcome === 'succeed' ? 'succeeded' : 'failed');
      expect(entry.taskId).toEqual(expect.any(String));
      if (entry.outcome === 'succeeded') {
        expect(sumo.sim.org.collectorById(entry.collectorId)?.collectorVersion).toBe(
          sumo.sim.org.latestVersion,
        );
      } else {
        expect(entry.message).toMatch(/failed|timed out/);
      }
    }
    const failed = result.counts.failed;
    expect(failed).toBeGreaterThan(0);
    expect(result.counts.succeeded).toBeGreaterThan(0);
    // Status calls only to learn why the failed ones failed: none per task per round.
    expect(callsTo(sumo.sim, STATUS_ROUTE)).toBe(failed);
    expect(callsTo(sumo.sim, 'POST /v1/collectors/upgrades')).toBe(expected.length);
    expect(progress.at(-1)).toBe(expected.length * 2);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('infers failures from the upgradable list once the reason budget is spent', async () => {
    await start(36_000, 60);
    const plan = await planBulkUpgrade(sumo.client, { all: true }, sumo.sim.org.latestVersion);
    for (const { collectorId } of plan.planned) sumo.sim.org.setUpgradeOutcome(collectorId, 'fail');
    sumo.sim.counters.reset();
    const run = await runBulkUpgrade(sumo.client, plan, { pollIntervalMs: 50, maxReasonLookups: 2 });
    expect(run.results.every((r) => r.outcome === 'failed')).toBe(true);
    expect(callsTo(sumo.sim, STATUS_ROUTE)).toBe(2);
    const inferred = run.results.filter((r) => r.status === undefined);
    expect(inferred).toHaveLength(plan.planned.length - 2);
    expect(inferred[0]?.message).toContain(`task ${inferred[0]?.taskId}`);
  });

  it('hands back the task ids of upgrades still running at the deadline', async () => {
    const frozen = await start(0);
    const { run } = catalogOn(frozen, { deadline: Date.now() + 1_500 });
    const ids = sumo.sim.org
      .collectors()
      .filter(upgradable)
      .slice(0, 3)
      .map((c) => c.id);
    const result = await run('upgrade_collectors', { collectors: ids });
    expect(result.complete).toBe(false);
    expect(result.counts.running).toBe(3);
    expect(result.note).toContain('get_upgrade_status');
    for (const entry of result.results)
      expect(entry).toMatchObject({ outcome: 'running', taskId: expect.any(String) });

    sumo.sim.clock.advance(10 * 60_000);
    const later = await catalogOn(frozen).run('get_upgrade_status', { taskId: result.results[0].taskId });
    expect(later.done).toBe(true);
  });

  it('refuses a selection that is neither a list nor all, before any call', () => {
    return start(0).then(() => {
      const { catalog } = catalogOn(sumo);
      expect(() => catalog.parseInput('upgrade_collectors', {})).toThrow(/either collectors/);
      expect(() => catalog.parseInput('upgrade_collectors', { all: true, collectors: [1] })).toThrow(
        /either collectors/,
      );
      expect(sumo.sim.counters.total).toBe(0);
    });
  });
});
