/**
 * Every write operation, through a real MCP client and server, against the simulator's faults:
 * an answer lost after Sumo acted, a 2xx cut off mid-body, a 503 and a reset before Sumo acted,
 * a 500 after Sumo acted, and a persistent 500. Each asserts what Sumo's org shows (the change made exactly once, or not
 * at all) and that the answer is honest about it: done, not done, or unknown with how to check —
 * never an invitation to run the change again blindly.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { FaultOptions, Simulator } from '@sumo-ops/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { callTool, errorCode, type Harness, startHarness, textOf } from './support/mcp-harness.js';
import { expectNoSecrets } from './support/secrets.js';
import { callsTo, collectorWhere, hostedCollector, takeOffline, workhorse } from './support/seeded-org.js';

interface WriteCase {
  name: string;
  /** The route its changing request goes to. */
  route: string;
  /** Arguments for a target in this org, and a reading of the org that shows the change. */
  setUp(sim: Simulator): { args: Record<string, unknown>; effect(): number };
}

let serial = 0;
const unique = (prefix: string) => `${prefix}-${++serial}`;

const hostedWithSource = (sim: Simulator) =>
  collectorWhere(
    sim,
    (collector) => collector.collectorType === 'Hosted' && (sim.org.sources(collector.id)?.length ?? 0) > 0,
    'hosted collector with a source',
  );

const WRITES: WriteCase[] = [
  {
    name: 'create_hosted_collector',
    route: 'POST /v1/collectors',
    setUp(sim) {
      const name = unique('fault-created');
      return {
        args: { name },
        effect: () => sim.org.collectors().filter((collector) => collector.name === name).length,
      };
    },
  },
  {
    name: 'update_collector',
    route: 'PUT /v1/collectors/:id',
    setUp(sim) {
      const target = hostedCollector(sim);
      const category = unique('fault/category');
      return {
        args: { collector: target.id, changes: { category } },
        effect: () => (sim.org.collectorById(target.id)?.category === category ? 1 : 0),
      };
    },
  },
  {
    name: 'delete_collector',
    route: 'DELETE /v1/collectors/:id',
    setUp(sim) {
      const target = hostedCollector(sim);
      return { args: { collector: target.id }, effect: () => (sim.org.collectorById(target.id) ? 0 : 1) };
    },
  },
  {
    name: 'delete_offline_collectors',
    route: 'DELETE /v1/collectors/offline',
    setUp(sim) {
      const offline = takeOffline(sim, 2, 5);
      // The service deletes them 30 simulated seconds after the request: read what it scheduled.
      return {
        args: { aliveBeforeDays: 1 },
        effect: () => {
          sim.clock.advance(60_000);
          return offline.every((id) => !sim.org.collectorById(id)) ? 1 : 0;
        },
      };
    },
  },
  {
    name: 'create_source',
    route: 'POST /v1/collectors/:collectorId/sources',
    setUp(sim) {
      const target = hostedCollector(sim);
      const name = unique('fault-source');
      return {
        args: { collector: target.id, source: { sourceType: 'HTTP', name } },
        effect: () => (sim.org.sources(target.id) ?? []).filter((source) => source.name === name).length,
      };
    },
  },
  {
    name: 'update_source',
    route: 'PUT /v1/collectors/:collectorId/sources/:sourceId',
    setUp(sim) {
      const target = hostedWithSource(sim);
      const source = (sim.org.sources(target.id) ?? [])[0];
      const category = unique('fault/source');
      return {
        args: { collector: target.id, sourceId: source?.id, changes: { category } },
        effect: () =>
          (sim.org.sources(target.id) ?? []).some((s) => s.id === source?.id && s.category === category)
            ? 1
            : 0,
      };
    },
  },
  {
    name: 'delete_source',
    route: 'DELETE /v1/collectors/:collectorId/sources/:sourceId',
    setUp(sim) {
      const target = hostedWithSource(sim);
      const source = (sim.org.sources(target.id) ?? [])[0];
      return {
        args: { collector: target.id, sourceId: source?.id },
        effect: () => ((sim.org.sources(target.id) ?? []).some((s) => s.id === source?.id) ? 0 : 1),
      };
    },
  },
  {
    name: 'upgrade_collector',
    route: 'POST /v1/collectors/upgrades',
    setUp(sim) {
      const target = workhorse(sim);
      return {
        args: { collector: target.id },
        effect: () => sim.org.upgradeTasks().filter((task) => task.collectorId === target.id).length,
      };
    },
  },
  {
    name: 'upgrade_collectors',
    route: 'POST /v1/collectors/upgrades',
    setUp(sim) {
      const target = workhorse(sim);
      return {
        args: { collectors: [target.id], wait: false },
        effect: () => sim.org.upgradeTasks().filter((task) => task.collectorId === target.id).length,
      };
    },
  },
];

type Method = 'POST' | 'PUT' | 'DELETE' | 'BULK';
type Answer = 'done' | 'unknown' | 'not done';

interface FaultCase {
  label: string;
  faults: Omit<FaultOptions, 'routes'>;
  /** Per kind of request: the honest answer, whether Sumo's org shows the change, and the requests sent. */
  expect: Record<Method, [answer: Answer, effect: 0 | 1, requests: number]>;
}

const FAULTS: FaultCase[] = [
  {
    label: 'answer lost after Sumo acted',
    faults: { lostAnswerRate: 1, limit: 1 },
    // A POST is never sent twice: unknown. PUT and DELETE are retried and recognise their own
    // effect (a 412 against their own write, a 404 for what they deleted).
    expect: {
      POST: ['unknown', 1, 1],
      PUT: ['done', 1, 2],
      DELETE: ['done', 1, 2],
      BULK: ['unknown', 1, 1],
    },
  },
  {
    label: '2xx cut off mid-body',
    faults: { truncateRate: 1, limit: 1 },
    expect: {
      POST: ['unknown', 1, 1],
      PUT: ['done', 1, 2],
      DELETE: ['done', 1, 1],
      BULK: ['unknown', 1, 1],
    },
  },
  {
    label: '503 once, before Sumo acted',
    faults: { rate503: 1, limit: 1 },
    expect: { POST: ['done', 1, 2], PUT: ['done', 1, 2], DELETE: ['done', 1, 2], BULK: ['done', 1, 2] },
  },
  {
    label: 'connection reset once, before Sumo acted',
    faults: { resetRate: 1, limit: 1 },
    // From outside, a reset before acting looks like a lost answer: a POST cannot know.
    expect: {
      POST: ['unknown', 0, 1],
      PUT: ['done', 1, 2],
      DELETE: ['done', 1, 2],
      BULK: ['unknown', 0, 1],
    },
  },
  {
    label: '500 once, after Sumo acted',
    faults: { actThen500Rate: 1, limit: 1 },
    // A 500 does not say nothing was done: a POST is unknown; PUT and DELETE recognise their own
    // effect on the retry, as after a lost answer.
    expect: {
      POST: ['unknown', 1, 1],
      PUT: ['done', 1, 2],
      DELETE: ['done', 1, 2],
      BULK: ['unknown', 1, 1],
    },
  },
  {
    label: '500 on every attempt',
    faults: { rate500: 1 },
    // Sumo did nothing here, but nothing in a 500 says so: the honest answer is still unknown.
    expect: {
      POST: ['unknown', 0, 1],
      PUT: ['unknown', 0, 5],
      DELETE: ['unknown', 0, 5],
      BULK: ['unknown', 0, 1],
    },
  },
];

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function methodOf(write: WriteCase): Method {
  if (write.name === 'upgrade_collectors') return 'BULK';
  return write.route.split(' ')[0] as Method;
}

function expectAnswer(result: CallToolResult, answer: Answer): void {
  const text = textOf(result);
  if (answer === 'done') {
    expect(result.isError, text).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ status: 'completed' });
    expect(text).not.toMatch(/unknown/i);
  } else if (answer === 'unknown') {
    expect(result.isError, text).toBe(true);
    expect(errorCode(result)).toBe('outcome.unknown');
    expect(text).toContain('UNKNOWN');
    expect(text).toContain('Do not simply run it again');
    // How to check, by the read tool that shows it.
    expect(text).toMatch(
      /(get_collector|get_source|list_sources|list_collectors|list_offline_collectors|list_upgradable_collectors) .*(shows|answers)/,
    );
    expect(text).not.toMatch(/call the tool again|usually temporary/i);
  } else {
    expect(result.isError, text).toBe(true);
    expect(errorCode(result)).not.toBe('outcome.unknown');
    expect(text).not.toMatch(/\bdone\b/i);
  }
}

/** A bulk upgrade answers per collector: the one it could not tell about says so, and how to check. */
function expectBulkAnswer(result: CallToolResult, answer: Answer): void {
  expect(result.isError, textOf(result)).toBeFalsy();
  const [entry] = (result.structuredContent as { result: { results: Array<Record<string, unknown>> } }).result
    .results;
  if (answer === 'done') {
    expect(entry).toMatchObject({ outcome: 'running', taskId: expect.any(String) });
  } else {
    expect(entry).toMatchObject({ outcome: 'unknown' });
    expect(entry?.taskId).toBeUndefined();
    expect(String(entry?.message)).toMatch(/whether a task was created is unknown/);
    expect(String(entry?.message)).toMatch(
      /Check before starting it again: get_collector .*list_upgradable_collectors/,
    );
    expect(
      (result.structuredContent as { result: { counts: Record<string, number> } }).result.counts,
    ).toMatchObject({
      unknown: 1,
      failed: 0,
    });
  }
}

describe.each(WRITES)('$name under faults', (write) => {
  it.each(FAULTS)('$label', async ({ faults, expect: expected }) => {
    harness = await startHarness({
      simulator: { org: { collectors: 16 } },
      elicit: () => ({ action: 'accept', content: { confirm: true } }),
    });
    const { sim } = harness.sumo;
    const { args, effect } = write.setUp(sim);
    sim.setFaults({ ...faults, routes: [write.route] });
    const result = await callTool(harness, write.name, args);
    sim.setFaults({});

    const method = methodOf(write);
    const [answer, effects, requests] = expected[method];
    if (method === 'BULK') expectBulkAnswer(result, answer);
    else expectAnswer(result, answer);
    // Exactly once, or not at all: what Sumo's org shows, and how often it was asked.
    expect(effect()).toBe(effects);
    expect(callsTo(sim, write.route)).toBe(requests);
    expectNoSecrets([
      textOf(result),
      JSON.stringify(result.structuredContent ?? {}),
      ...harness.sumo.logLines,
    ]);
  });
});
