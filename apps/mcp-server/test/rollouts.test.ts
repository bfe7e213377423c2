import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { rolloutRunner } from '@sumo-ops/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  fastRollouts,
  healthyUpgradable,
  ROLLOUT_SEARCH,
  tasksPerCollector,
} from '../../../test/support/rollouts.js';
import { type Harness, startHarness } from './support/harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await rolloutRunner.shutdown();
  await harness?.close();
  harness = undefined;
});

async function start(): Promise<Harness> {
  harness = await startHarness({
    elicit: () => ({ action: 'accept', content: { confirm: true } }),
    simulator: { org: { collectors: 40 }, clockSpeed: 6_000, search: ROLLOUT_SEARCH },
    // The first answer comes at once; the rollout goes on in the background.
    timeBudgetMs: 100,
  });
  rolloutRunner.configure(fastRollouts(harness.sumo.sim));
  return harness;
}

// biome-ignore lint/suspicious/noExplicitAny: tests read the structured answer by field.
type Answer = Record<string, any>;
const structured = (result: CallToolResult) => result.structuredContent as Answer;

/** Asks for the status until the rollout has ended, as a model following it would. */
async function untilEnded(h: Harness, rolloutId: string): Promise<Answer> {
  for (;;) {
    const status = structured(
      (await h.client.callTool({
        name: 'get_rollout_status',
        arguments: { rolloutId, wait: true },
      })) as CallToolResult,
    );
    if (status.state !== 'running') return status;
  }
}

describe('rollouts over MCP', () => {
  it('answers with the rollout id at once, reports each wave as progress, and goes through every wave of a good build', async () => {
    const h = await start();
    const ids = healthyUpgradable(h.sumo.sim, 8);
    const progress: string[] = [];
    const first = (await h.client.callTool(
      {
        name: 'rollout_collector_upgrade',
        arguments: { collectors: ids, waves: [1, '100%'], soakSeconds: 600 },
      },
      undefined,
      { onprogress: (update) => progress.push(update.message ?? '') },
    )) as CallToolResult;
    expect(first.isError).toBeFalsy();
    const answer = structured(first);
    expect(answer).toMatchObject({ status: 'completed', result: { state: 'running' } });
    expect(progress[0]).toContain('wave 1 of 2');
    const ended = await untilEnded(h, answer.result.rolloutId);
    expect(ended).toMatchObject({ state: 'done', waves: [{ phase: 'passed' }, { phase: 'passed' }] });
    expect([...tasksPerCollector(h.sumo.sim).values()]).toEqual(ids.map(() => 1));
  });

  it('halts a bad build at its canary with the reason, and rolls back only when confirmed', async () => {
    const h = await start();
    const ids = healthyUpgradable(h.sumo.sim, 8);
    const latest = h.sumo.sim.org.latestVersion;
    const from = h.sumo.sim.org.collectorById(ids[0] as number)?.collectorVersion;
    h.sumo.sim.org.setBadBuild({ version: latest, share: 1, effect: 'health error', afterMs: 30_000 });
    const first = structured(
      (await h.client.callTool({
        name: 'rollout_collector_upgrade',
        arguments: { collectors: ids, soakSeconds: 300 },
      })) as CallToolResult,
    );
    const halted = await untilEnded(h, first.result.rolloutId);
    expect(halted.state).toBe('halted');
    expect(halted.failures).toContainEqual(
      expect.objectContaining({
        collectorId: ids[0],
        gate: 'health',
        reason: expect.stringContaining(latest),
      }),
    );
    expect(halted.next).toContain('rollback_collector_rollout');
    expect([...tasksPerCollector(h.sumo.sim).keys()]).toEqual([ids[0]]);
    expect(h.sumo.sim.org.collectorById(ids[0] as number)?.collectorVersion).toBe(latest);

    const rolledBack = structured(
      (await h.client.callTool({
        name: 'rollback_collector_rollout',
        arguments: { rolloutId: first.result.rolloutId },
      })) as CallToolResult,
    );
    expect(rolledBack.status).toBe('completed');
    expect(h.elicitations.at(-1)?.message).toContain('Roll back 1 collector(s)');
    expect(h.sumo.sim.org.collectorById(ids[0] as number)?.collectorVersion).toBe(from);
  });
});
