import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness, textOf } from './support/harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

async function refused(name: string, args: Record<string, unknown>): Promise<string> {
  const before = harness.sumo.sim.counters.total;
  const result = (await harness.client.callTool({ name, arguments: args })) as CallToolResult;
  expect(result.isError).toBe(true);
  expect(harness.sumo.sim.counters.total).toBe(before);
  return textOf(result);
}

describe('hostile or misspelt arguments over MCP', () => {
  it('refuses a misspelt argument of a read tool, naming it and the valid ones', async () => {
    const text = await refused('list_collectors', { filtre: 'dead' });
    expect(text).toContain('"filtre"');
    expect(text).toContain('filter, limit, offset');
  });

  it('refuses a misspelt argument of a changing tool, listing confirmationToken among the valid ones', async () => {
    const text = await refused('delete_collector', { colector: 'web-01' });
    expect(text).toContain('"colector"');
    expect(text).toMatch(/collector, confirmationToken/);
  });

  it('refuses a search whose from is misspelt instead of searching the default 15 minutes', async () => {
    const text = await refused('run_search', { query: 'error', form: '-1h' });
    expect(text).toContain('"form"');
    expect(harness.sumo.sim.search.activeJobCount()).toBe(0);
  });

  it('refuses the names . and .. and a lone surrogate, and ids past 2^53', async () => {
    expect(await refused('get_collector', { collector: '..' })).toContain('path segment');
    expect(await refused('get_collector', { collector: 'a\uD83Db' })).toContain('broken character');
    expect(await refused('get_collector', { collector: '9007199254740993' })).toContain(
      '9007199254740993 is larger than 9007199254740991',
    );
  });

  it('refuses a relative time out of range, naming from', async () => {
    const text = await refused('run_search', { query: 'error', from: '-100000d' });
    expect(text).toMatch(/from: .*at most 3650 days/);
  });

  it('still serves a correct call afterwards', async () => {
    const result = (await harness.client.callTool({
      name: 'list_collectors',
      arguments: { filter: 'hosted', limit: 1 },
    })) as CallToolResult;
    expect(result.isError).toBeFalsy();
  });
});
