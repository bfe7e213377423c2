import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { callTool as call, errorCode, type Harness, startHarness, textOf } from './support/harness.js';
import { callsTo, hostedCollector, takeOffline, workhorse } from './support/org.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The user accepts every confirmation form, so each tool call acts at once. */
async function start(): Promise<Harness> {
  harness = await startHarness({ elicit: () => ({ action: 'accept', content: { confirm: true } }) });
  return harness;
}

const structured = (result: CallToolResult) => result.structuredContent as Record<string, unknown>;

describe('MCP answers when Sumo Logic acted but its answer was lost', () => {
  it('upgrade_collector says the outcome is unknown and how to check, never to call again', async () => {
    const h = await start();
    const target = workhorse(h.sumo.sim);
    h.sumo.sim.setFaults({ lostAnswerRate: 1, routes: ['POST /v1/collectors/upgrades'], limit: 1 });
    const result = await call(h, 'upgrade_collector', { collector: target.id });

    expect(result.isError).toBe(true);
    expect(errorCode(result)).toBe('outcome.unknown');
    const text = textOf(result);
    expect(text).toContain('UNKNOWN');
    expect(text).toContain(`get_collector "${target.name}"`);
    expect(text).not.toMatch(/call the tool again|usually temporary/i);
    expect(callsTo(h.sumo.sim, 'POST /v1/collectors/upgrades')).toBe(1);
    expect(h.sumo.sim.org.upgradeTasks().filter((task) => task.collectorId === target.id)).toHaveLength(1);
  });

  it('delete_collector reports the deletion when the retry finds the collector gone', async () => {
    const h = await start();
    const target = hostedCollector(h.sumo.sim);
    h.sumo.sim.setFaults({ lostAnswerRate: 1, routes: ['DELETE /v1/collectors/:id'], limit: 1 });
    const result = await call(h, 'delete_collector', { collector: target.id });

    expect(result.isError).toBeFalsy();
    expect(structured(result)).toMatchObject({ status: 'completed', result: { deleted: { id: target.id } } });
    expect(JSON.stringify(structured(result))).toContain('the first answer was lost');
    expect(h.sumo.sim.org.collectorById(target.id)).toBeUndefined();
  });

  it('delete_offline_collectors whose every answer is lost is unknown, not "usually temporary"', async () => {
    const h = await start();
    takeOffline(h.sumo.sim, 2, 5);
    h.sumo.sim.setFaults({ lostAnswerRate: 1, routes: ['DELETE /v1/collectors/offline'] });
    const result = await call(h, 'delete_offline_collectors', { aliveBeforeDays: 1 });
    expect(result.isError).toBe(true);
    expect(errorCode(result)).toBe('outcome.unknown');
    expect(textOf(result)).toContain('UNKNOWN');
    expect(textOf(result)).not.toMatch(/usually temporary/i);
  });

  it('create_hosted_collector that Sumo carried out but answered 500 is unknown, never "usually temporary"', async () => {
    const h = await start();
    h.sumo.sim.setFaults({ actThen500Rate: 1, routes: ['POST /v1/collectors'], limit: 1 });
    const result = await call(h, 'create_hosted_collector', { name: 'acted-then-500' });
    expect(result.isError).toBe(true);
    expect(errorCode(result)).toBe('outcome.unknown');
    const text = textOf(result);
    expect(text).toContain('answered 500 internal.error after receiving it');
    expect(text).toContain('UNKNOWN');
    expect(text).not.toMatch(/call the tool again|usually temporary/i);
    expect(callsTo(h.sumo.sim, 'POST /v1/collectors')).toBe(1);
    expect(h.sumo.sim.org.collectors().filter((c) => c.name === 'acted-then-500')).toHaveLength(1);
  });

  it('a read whose 200 is cut off once is retried and answers normally', async () => {
    const h = await start();
    h.sumo.sim.setFaults({ truncateRate: 1, routes: ['GET /v1/collectors'], limit: 1 });
    const result = await call(h, 'list_collectors', { limit: 3 });
    expect(result.isError).toBeFalsy();
    expect(callsTo(h.sumo.sim, 'GET /v1/collectors')).toBe(2);
  });
});
