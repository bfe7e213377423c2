import { META_FRESHNESS } from '@sumo-ops/mcp-server';
import { afterEach, expect, it } from 'vitest';
import { callTool, type Harness, startHarness, textOf } from './support/harness.js';
import { callsTo } from './support/org.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const freshness = (result: { _meta?: Record<string, unknown> }) =>
  result._meta?.[META_FRESHNESS] as { source: string; ageSeconds: number; readAt: string } | undefined;

it("answers 40 identical list_collectors at once with one Sumo call, within Sumo's own limits", async () => {
  // Sumo's documented limits on both sides: 40 separate reads would queue for ten seconds.
  h = await startHarness({
    simulator: { org: { collectors: 60 }, limits: { perSecond: 4, concurrent: 10 } },
  });
  const harness = h;
  const results = await Promise.all(
    Array.from({ length: 40 }, () => callTool(harness, 'list_collectors', { limit: 50 })),
  );
  expect(callsTo(harness.sumo.sim, 'GET /v1/collectors')).toBe(1);
  for (const result of results) {
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(result.structuredContent).toEqual(results[0]?.structuredContent);
  }
  const sources = results.map((result) => freshness(result)?.source).sort();
  expect(sources).toEqual([...Array(39).fill('joined'), 'own']);
  // The output schema is untouched: how old an answer is travels in _meta (and the text when reused).
  expect(results[0]?.structuredContent).not.toHaveProperty('freshness');
});

it('says in the text and in _meta when an answer is a recent one reused', async () => {
  h = await startHarness();
  const first = await callTool(h, 'list_offline_collectors', {});
  expect(freshness(first)?.source).toBe('own');
  expect(textOf(first)).not.toMatch(/As of/);
  const again = await callTool(h, 'list_offline_collectors', {});
  expect(freshness(again)).toMatchObject({ source: 'reused', readAt: freshness(first)?.readAt });
  expect(textOf(again)).toMatch(
    /^\[As of (\d+ s|less than a second) ago: the answer to an identical request moments before\.\]/,
  );
  expect(again.structuredContent).toEqual(first.structuredContent);
  expect(callsTo(h.sumo.sim, 'GET /v1/collectors/offline')).toBe(1);
});

it('reads fresh for a confirmation preview and after the change, whatever was read just before', async () => {
  h = await startHarness();
  await callTool(h, 'list_collectors', { limit: 100 });
  const preview = await callTool(h, 'create_hosted_collector', { name: 'after-a-list' });
  expect(preview.structuredContent, textOf(preview)).toMatchObject({ status: 'confirmation_required' });
  const token = (preview.structuredContent as { confirmationToken: string }).confirmationToken;
  const done = await callTool(h, 'create_hosted_collector', {
    name: 'after-a-list',
    confirmationToken: token,
  });
  expect(done.structuredContent, textOf(done)).toMatchObject({ status: 'completed' });
  expect(freshness(done)).toBeUndefined();

  const listed = await callTool(h, 'list_collectors', { limit: 100 });
  expect(freshness(listed)?.source).toBe('own');
  const names = (listed.structuredContent as { items: Array<{ name: string }> }).items.map(
    (item) => item.name,
  );
  expect(names).toContain('after-a-list');
  expect(callsTo(h.sumo.sim, 'GET /v1/collectors')).toBe(2);
});
