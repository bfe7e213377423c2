import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Harness, type HarnessOptions, startHarness, textOf } from './support/harness.js';
import { callsTo, workhorse } from './support/org.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(options: HarnessOptions): Promise<Harness> {
  harness = await startHarness(options);
  return harness;
}

/** A search that takes minutes of real time: 200,000 messages scanned at 1,000 a second. */
const SLOW_SEARCH = { clockSpeed: 1, search: { corpusSize: 200_000, gatheringSpeed: 1_000 } };

describe('long-running tools', () => {
  it('send progress notifications while an upgrade runs, when the caller asked for them', async () => {
    const h = await start({ simulator: { clockSpeed: 600 } });
    const target = workhorse(h.sumo.sim);
    const first = await h.client.callTool({
      name: 'upgrade_collector',
      arguments: { collector: target.id, wait: true },
    });
    const token = (first.structuredContent as { confirmationToken: string }).confirmationToken;

    const updates: Progress[] = [];
    const result = (await h.client.callTool(
      {
        name: 'upgrade_collector',
        arguments: { collector: target.id, wait: true, confirmationToken: token },
      },
      undefined,
      { onprogress: (progress) => updates.push(progress) },
    )) as CallToolResult;

    expect(result.structuredContent).toMatchObject({
      status: 'completed',
      result: { done: true, statusName: 'succeeded' },
    });
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.at(-1)).toMatchObject({ progress: 3, total: 3 });
    const progress = updates.map((update) => update.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(updates[0]?.message).toMatch(/Upgrade task/);
  });

  it('deletes the search job when the client cancels run_search', async () => {
    const h = await start({ simulator: SLOW_SEARCH });
    const controller = new AbortController();
    const call = h.client.callTool(
      { name: 'run_search', arguments: { query: 'error', from: '-24h' } },
      undefined,
      {
        signal: controller.signal,
        // Cancel once the job is known to be running.
        onprogress: () => controller.abort('the person pressed stop'),
      },
    );
    await expect(call).rejects.toThrow();
    await vi.waitFor(() => expect(callsTo(h.sumo.sim, 'DELETE /v1/search/jobs/:id')).toBe(1), {
      timeout: 5_000,
    });
    expect(h.sumo.sim.search.activeJobCount()).toBe(0);
  });

  it('answers within the time budget with the job id to continue with', async () => {
    const h = await start({ simulator: SLOW_SEARCH, timeBudgetMs: 1_500 });
    // The search takes minutes: an answer with the job kept and not done is one given at the budget.
    const result = (await h.client.callTool({
      name: 'run_search',
      arguments: { query: 'error', from: '-24h' },
    })) as CallToolResult;
    const answer = result.structuredContent as {
      jobKept: boolean;
      done: boolean;
      jobId: string;
      next: string;
    };
    expect(answer).toMatchObject({ jobKept: true, done: false });
    expect(answer.next).toContain(answer.jobId);
    expect(h.sumo.sim.search.activeJobCount()).toBe(1);

    const cancelled = await h.client.callTool({ name: 'cancel_search', arguments: { jobId: answer.jobId } });
    expect(cancelled.structuredContent).toMatchObject({ deleted: true });
    expect(h.sumo.sim.search.activeJobCount()).toBe(0);
  });

  it('answers run_search with a summary, not the raw messages', async () => {
    const h = await start({ simulator: { clockSpeed: 60, search: { corpusSize: 100_000 } } });
    const result = (await h.client.callTool({
      name: 'run_search',
      arguments: { query: '*', from: '-24h' },
    })) as CallToolResult;
    const answer = result.structuredContent as { messageCount: number; items: unknown[]; summary: unknown };
    expect(answer.messageCount).toBeGreaterThan(10_000);
    expect(answer.items.length).toBeLessThanOrEqual(10);
    expect(answer.summary).toBeDefined();
    expect(textOf(result).length).toBeLessThan(8_000);
  });
});
