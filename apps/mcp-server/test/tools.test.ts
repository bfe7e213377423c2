import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { allOperations, createCatalog, rolloutRunner } from '@sumo-ops/core';
import type { Simulator } from '@sumo-ops/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { fastRollouts } from '../../../test/support/rollouts.js';
import { callTool, type Harness, type HarnessOptions, startHarness, textOf } from './support/harness.js';
import { hostedCollector, latestVersion, takeOffline, workhorse } from './support/org.js';

type Args = Record<string, unknown>;
type Structured = Record<string, unknown>;
type Call = (name: string, args: Args) => Promise<Structured>;

let harness: Harness | undefined;
const rolloutSettings = { ...rolloutRunner.settings };
afterEach(async () => {
  await rolloutRunner.shutdown();
  rolloutRunner.configure(rolloutSettings);
  await harness?.close();
  harness = undefined;
});

/** A rollout through the tool: the preview's token, then the confirmed call; its id. */
async function startRollout(h: Harness, args: Args): Promise<string> {
  const first = structuredOf(
    await callTool(h, 'rollout_collector_upgrade', args),
    'rollout_collector_upgrade',
  );
  const second = structuredOf(
    await callTool(h, 'rollout_collector_upgrade', { ...args, confirmationToken: first.confirmationToken }),
    'rollout_collector_upgrade',
  );
  return (second.result as { rolloutId: string }).rolloutId;
}

function structuredOf(result: CallToolResult, name: string): Structured {
  if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
  expect(result.structuredContent, `${name} structuredContent`).toBeDefined();
  // The text carries the same answer for clients that only show text.
  expect(JSON.parse(textOf(result))).toEqual(result.structuredContent);
  return result.structuredContent as Structured;
}

interface ReadCase {
  args(sim: Simulator, call: Call): Promise<Args> | Args;
  check(result: Structured, sim: Simulator): void;
  harness?: HarnessOptions;
}

let offline: number[] = [];
let rolloutId = '';
/** The collector the rollback case's rollout upgraded, and the build it ran before. */
let rolledBack = { id: 0, from: '' };
const items = (result: Structured) => result.items as Array<Record<string, unknown>>;

/** One case per read operation; the test below fails when an operation has none. */
const readCases: Record<string, ReadCase> = {
  list_collectors: {
    args: () => ({ limit: 5 }),
    check: (result, sim) => {
      expect(items(result)).toHaveLength(5);
      expect(result).toMatchObject({ offset: 0, limit: 5, nextOffset: 5 });
      expect(items(result)[0]?.id).toBe(sim.org.collectors()[0]?.id);
    },
  },
  get_collector: {
    args: (sim) => ({ collector: workhorse(sim).name }),
    check: (result, sim) => expect(result).toMatchObject({ id: workhorse(sim).id, alive: true }),
  },
  list_offline_collectors: {
    args: (sim) => {
      offline = takeOffline(sim, 2, 150, [workhorse(sim).id]);
      return { aliveBeforeDays: 100 };
    },
    check: (result) => {
      expect(items(result).map((item) => item.id)).toEqual(offline);
      // About 150: the simulator's clock runs ahead of the wall clock the operation reads.
      expect(items(result).every((item) => Math.abs((item.offlineDays as number) - 150) <= 1)).toBe(true);
    },
  },
  list_sources: {
    args: (sim) => ({ collector: workhorse(sim).id }),
    check: (result, sim) =>
      expect(items(result)).toHaveLength(sim.org.sources(workhorse(sim).id)?.length ?? -1),
  },
  get_source: {
    args: (sim) => ({ collector: workhorse(sim).id, sourceId: sim.org.sources(workhorse(sim).id)?.[0]?.id }),
    check: (result, sim) =>
      expect((result.source as Structured).id).toBe(sim.org.sources(workhorse(sim).id)?.[0]?.id),
  },
  list_upgradable_collectors: {
    args: () => ({}),
    check: (result, sim) => expect(items(result).map((item) => item.id)).toContain(workhorse(sim).id),
  },
  list_upgrade_targets: {
    args: () => ({}),
    check: (result, sim) => expect(result.latest).toBe(latestVersion(sim)),
  },
  get_upgrade_status: {
    args: (sim) => ({ taskId: String(sim.org.startUpgrade(workhorse(sim).id).id) }),
    check: (result, sim) => expect(result).toMatchObject({ collectorId: workhorse(sim).id, done: false }),
  },
  run_search: {
    args: () => ({ query: 'error', from: '-1h', limit: 5 }),
    check: (result) => {
      expect(result).toMatchObject({ done: true, jobKept: false, itemsKind: 'messages' });
      expect(items(result).length).toBeLessThanOrEqual(5);
    },
  },
  start_search: {
    args: () => ({ query: 'error', from: '-1h' }),
    check: (result) => expect(typeof result.jobId).toBe('string'),
  },
  get_search_status: {
    args: async (_sim, call) => ({
      jobId: (await call('start_search', { query: 'error', from: '-1h' })).jobId,
      waitSeconds: 10,
    }),
    check: (result) => expect(result).toMatchObject({ done: true }),
  },
  get_search_messages: {
    args: async (_sim, call) => {
      const { jobId } = await call('start_search', { query: 'error', from: '-1h' });
      await call('get_search_status', { jobId, waitSeconds: 10 });
      return { jobId, limit: 3 };
    },
    check: (result) => {
      expect(items(result).length).toBeLessThanOrEqual(3);
      expect(result).toMatchObject({ offset: 0, limit: 3, done: true });
    },
  },
  get_search_records: {
    args: async (_sim, call) => {
      const { jobId } = await call('start_search', { query: '* | count by _sourceCategory', from: '-1h' });
      await call('get_search_status', { jobId, waitSeconds: 10 });
      return { jobId, limit: 3 };
    },
    check: (result) => expect(items(result).length).toBeGreaterThan(0),
  },
  cancel_search: {
    args: async (_sim, call) => ({
      jobId: (await call('start_search', { query: 'error', from: '-1h' })).jobId,
    }),
    check: (result) => expect(result).toMatchObject({ deleted: true }),
  },
};

const otByName = (sim: Simulator, name: string) => {
  const collector = sim.org.otCollectors.byName(name);
  if (!collector) throw new Error(`seeded OT collector ${name} missing`);
  return collector;
};

/** The fleet and health tools: OT collectors, Sumo's health events, ingest budgets, the diagnosis. */
Object.assign(readCases, {
  list_ot_collectors: {
    args: () => ({ alive: false, limit: 1 }),
    check: (result, sim) => {
      const offline = sim.org.otCollectors.all().filter((collector) => !collector.alive);
      expect(items(result)).toHaveLength(1);
      expect(result).toMatchObject({ total: offline.length, next: expect.any(String) });
    },
  },
  get_ot_collector: {
    args: () => ({ collector: 'otel-prod-web-01' }),
    check: (result, sim) =>
      expect(result).toMatchObject({ id: otByName(sim, 'otel-prod-web-01').id, kind: 'ot' }),
  },
  list_health_events: {
    args: () => ({ severity: 'Error' }),
    check: (result, sim) => {
      const errors = sim.org.healthEvents.unresolved().filter((event) => event.severityLevel === 'Error');
      expect(result).toMatchObject({
        total: errors.length,
        counts: { bySeverity: { Error: errors.length } },
      });
    },
  },
  list_ingest_budgets: {
    args: () => ({ status: 'Exceeded' }),
    check: (result) =>
      expect(items(result)).toMatchObject([{ usageStatus: 'Exceeded', action: 'stopCollecting' }]),
  },
  get_rollout_status: {
    // The rollout's first answer comes at once; it goes on while its status is read.
    harness: { timeBudgetMs: 100 },
    args: async (sim, call) => {
      const first = await call('rollout_collector_upgrade', { collectors: [workhorse(sim).id] });
      const second = await call('rollout_collector_upgrade', {
        collectors: [workhorse(sim).id],
        confirmationToken: first.confirmationToken,
      });
      rolloutId = (second.result as { rolloutId: string }).rolloutId;
      return { rolloutId };
    },
    check: (result) =>
      expect(result).toMatchObject({ rolloutId, toVersion: expect.any(String), waves: [{ collectors: 1 }] }),
  },
  diagnose_collector: {
    args: () => ({ collector: 'otel-staging-api-01' }),
    check: (result) => {
      expect(result).toMatchObject({ collector: { kind: 'ot', name: 'otel-staging-api-01' } });
      const causes = result.causes as Array<{ cause: string }>;
      expect(causes[0]?.cause).toMatch(/OtCollectorExporterFailing/);
      expect(result.apiCalls).toBeLessThanOrEqual(12);
    },
  },
} satisfies Record<string, ReadCase>);

interface WriteCase {
  args(sim: Simulator, prepared: Args): Args;
  /** Whether the simulator (or the state the change is recorded in) shows the change. */
  applied(sim: Simulator, args: Args): boolean | Promise<boolean>;
  /** What must exist first (a rollout to cancel or roll back), made through the tools. */
  prepare?(h: Harness): Promise<Args>;
  harness?: HarnessOptions;
}

/** A rollout answers at once and goes on: these tests do not wait for it. */
const ROLLOUT_HARNESS: HarnessOptions = { timeBudgetMs: 100 };

const sourceOf = (sim: Simulator) => {
  const source = sim.org.sources(workhorse(sim).id)?.[0];
  if (!source) throw new Error('workhorse has no source');
  return source;
};

/** One case per write or destructive operation. */
const writeCases: Record<string, WriteCase> = {
  create_hosted_collector: {
    args: () => ({ name: 'mcp-created-hosted', category: 'test/mcp' }),
    applied: (sim) => sim.org.collectorByName('mcp-created-hosted') !== undefined,
  },
  update_collector: {
    args: (sim) => ({ collector: workhorse(sim).id, changes: { description: 'changed through MCP' } }),
    applied: (sim, args) =>
      sim.org.collectorById(args.collector as number)?.description === 'changed through MCP',
  },
  delete_collector: {
    args: (sim) => ({ collector: hostedCollector(sim).id }),
    applied: (sim, args) => sim.org.collectorById(args.collector as number) === undefined,
  },
  delete_offline_collectors: {
    args: (sim) => {
      takeOffline(sim, 2, 200, [workhorse(sim).id]);
      return { aliveBeforeDays: 150 };
    },
    applied: (sim) => {
      // The service deletes them shortly after the call.
      sim.clock.advance(60_000);
      return !sim.org
        .collectors()
        .some(
          (collector) =>
            !collector.alive && (collector.lastSeenAlive ?? 0) < sim.clock.now() - 150 * 86_400_000,
        );
    },
  },
  create_source: {
    args: (sim) => ({
      collector: workhorse(sim).id,
      source: { sourceType: 'LocalFile', name: 'mcp-created-source', pathExpression: '/var/log/mcp/*.log' },
    }),
    applied: (sim, args) =>
      sim.org.sources(args.collector as number)?.some((source) => source.name === 'mcp-created-source') ===
      true,
  },
  update_source: {
    args: (sim) => ({
      collector: workhorse(sim).id,
      sourceId: sourceOf(sim).id,
      changes: { category: 'mcp/changed' },
    }),
    applied: (sim) => sourceOf(sim).category === 'mcp/changed',
  },
  delete_source: {
    args: (sim) => ({ collector: workhorse(sim).id, sourceId: sourceOf(sim).id }),
    applied: (sim, args) =>
      !sim.org.sources(args.collector as number)?.some((source) => source.id === args.sourceId),
  },
  upgrade_collector: {
    args: (sim) => ({ collector: workhorse(sim).id }),
    applied: (sim, args) => sim.org.upgradeTasks().some((task) => task.collectorId === args.collector),
  },
  delete_ot_collector: {
    args: (sim) => ({ collector: otByName(sim, 'otel-dev-batch-01').id }),
    applied: (sim, args) => sim.org.otCollectors.byId(args.collector as string) === undefined,
  },
  delete_offline_ot_collectors: {
    args: () => ({}),
    applied: (sim) => sim.org.otCollectors.all().every((collector) => collector.alive),
  },
  rollout_collector_upgrade: {
    harness: ROLLOUT_HARNESS,
    args: (sim) => ({ collectors: [workhorse(sim).id], soakSeconds: 0 }),
    applied: (sim, args) =>
      sim.org.upgradeTasks().some((task) => task.collectorId === (args.collectors as number[])[0]),
  },
  cancel_rollout: {
    harness: ROLLOUT_HARNESS,
    prepare: async (h) => ({ rolloutId: await startRollout(h, { collectors: [workhorse(h.sumo.sim).id] }) }),
    args: (_sim, prepared) => prepared,
    // Recorded for the driver, which stops once the running wave's tasks end.
    applied: async (_sim, args) =>
      (await rolloutRunner.backend.get(`rollout:${args.rolloutId}:cancel`)) !== undefined,
  },
  rollback_collector_rollout: {
    harness: ROLLOUT_HARNESS,
    prepare: async (h) => {
      const { sim } = h.sumo;
      const target = workhorse(sim);
      sim.org.setUpgradeOutcome(target.id, 'succeed');
      sim.org.setBadBuild({ version: sim.org.latestVersion, share: 1, effect: 'health error', afterMs: 0 });
      sim.clock.setSpeed(6_000);
      rolloutRunner.configure(fastRollouts(sim));
      // The simulator here keeps search jobs for 30 simulated seconds: the data gate is left out.
      const id = await startRollout(h, { collectors: [target.id], soakSeconds: 60, checkData: false });
      expect((await rolloutRunner.follow(id)).state).toBe('halted');
      rolledBack = { id: target.id, from: target.collectorVersion };
      return { rolloutId: id };
    },
    args: (_sim, prepared) => ({ rolloutId: prepared.rolloutId }),
    applied: (sim) => sim.org.collectorById(rolledBack.id)?.collectorVersion === rolledBack.from,
  },
  upgrade_collectors: {
    args: (sim) => ({ collectors: [workhorse(sim).id], wait: false }),
    applied: (sim, args) =>
      sim.org.upgradeTasks().some((task) => task.collectorId === (args.collectors as number[])[0]),
  },
};

const catalog = createCatalog();

describe('every tool, through an MCP client, against the simulator over HTTP', () => {
  it('has a case below for every catalog operation', () => {
    const covered = [...Object.keys(readCases), ...Object.keys(writeCases)].sort();
    expect(covered).toEqual(allOperations.map((operation) => operation.name).sort());
    for (const name of Object.keys(writeCases)) expect(catalog.require(name).kind).not.toBe('read');
  });

  it.each(Object.keys(readCases))(
    '%s answers with structured content that matches its schema',
    async (name) => {
      const testCase = readCases[name] as ReadCase;
      harness = await startHarness({ simulator: { clockSpeed: 60 }, ...testCase.harness });
      const h = harness;
      const call: Call = async (tool, args) => structuredOf(await callTool(h, tool, args), tool);
      const result = await call(name, await testCase.args(h.sumo.sim, call));
      testCase.check(result, h.sumo.sim);
    },
  );

  it.each(Object.keys(writeCases))(
    '%s previews on the first call and acts only with the token',
    async (name) => {
      const testCase = writeCases[name] as WriteCase;
      harness = await startHarness(testCase.harness);
      const h = harness;
      const args = testCase.args(h.sumo.sim, (await testCase.prepare?.(h)) ?? {});

      const first = structuredOf(await callTool(h, name, args), name);
      expect(first).toMatchObject({ status: 'confirmation_required', preview: { willChange: true } });
      expect(typeof first.confirmationToken).toBe('string');
      expect(Date.parse(first.expiresAt as string)).toBeGreaterThan(Date.now());
      expect(await testCase.applied(h.sumo.sim, args)).toBe(false);

      const second = structuredOf(
        await callTool(h, name, { ...args, confirmationToken: first.confirmationToken }),
        name,
      );
      expect(second).toMatchObject({ status: 'completed' });
      expect(second.result).toBeDefined();
      expect(await testCase.applied(h.sumo.sim, args)).toBe(true);
    },
  );
});
