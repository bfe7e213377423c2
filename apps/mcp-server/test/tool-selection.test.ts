import { allOperations } from '@sumo-ops/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatedSumo } from '../../../test/support/simulated-sumo.js';
import type { RunningHttpServer } from '../src/http.js';
import { parseServerOptions, UsageError } from '../src/options.js';
import type { SumoOpsMcpOptions } from '../src/runtime.js';
import { type Harness, startHarness } from './support/harness.js';
import { startMcpOverHttp } from './support/http-server.js';
import { initializeRequest, openSession, postMcp } from './support/raw-mcp-http.js';

let harness: Harness | undefined;
let sumo: SimulatedSumo | undefined;
let http: RunningHttpServer | undefined;
afterEach(async () => {
  await harness?.close();
  await http?.close();
  await sumo?.close();
  harness = undefined;
  http = undefined;
  sumo = undefined;
});

function usageError(argv: string[]): string {
  try {
    parseServerOptions(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`parseServerOptions accepted ${argv.join(' ')}`);
}

describe('--tools', () => {
  it('takes exact tool names beside --toolsets', () => {
    const options = parseServerOptions(['--toolsets', 'search', '--tools', 'run_search, cancel_search']);
    expect(options.tools).toEqual(['run_search', 'cancel_search']);
    expect(options.toolsets).toEqual(['search']);
  });

  it('refuses an unknown name at start-up, listing every valid one', () => {
    const message = usageError(['--tools', 'run_search,list_collector']);
    expect(message).toContain('unknown list_collector');
    for (const operation of allOperations) expect(message).toContain(operation.name);
  });

  it('refuses a name that --toolsets or --read-only leaves out, instead of dropping it silently', () => {
    expect(usageError(['--toolsets', 'search', '--tools', 'run_search,list_collectors'])).toMatch(
      /--tools names list_collectors, which --toolsets leaves out/,
    );
    expect(usageError(['--read-only', '--tools', 'delete_collector'])).toMatch(
      /--tools names delete_collector, which --read-only leaves out/,
    );
  });

  it('serves only the named tools, and refuses a call to any other', async () => {
    harness = await startHarness({ tools: ['get_collector', 'run_search'] });
    const { tools } = await harness.client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['get_collector', 'run_search']);
    await expect(harness.client.callTool({ name: 'list_collectors', arguments: {} })).rejects.toThrow(
      /Unknown tool "list_collectors"\. This session offers: get_collector, run_search/,
    );
    expect(harness.sumo.sim.counters.total).toBe(0);
  });
});

async function startHttp(stateless: boolean, ceiling: Partial<SumoOpsMcpOptions>): Promise<string> {
  ({ sumo, http } = await startMcpOverHttp({ collectors: 3, mcp: ceiling, http: { stateless } }));
  return http.url;
}

/** tools/list as a client with these headers sees it: in a session, or on one stateless request. */
async function listedWith(url: string, stateless: boolean, headers: Record<string, string>) {
  if (stateless) {
    const reply = await postMcp(url, headers, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(reply.status, reply.body).toBe(200);
    const result = reply.messages[0]?.result as { tools: Array<{ name: string }> };
    return result.tools.map((tool) => tool.name).sort();
  }
  const session = await openSession(url, headers);
  const { result } = await session.request('tools/list');
  const tools = (result?.tools ?? []) as Array<{ name: string }>;
  return tools.map((tool) => tool.name).sort();
}

describe.each([
  ['sessions', false],
  ['stateless', true],
])('X-MCP-* headers over HTTP (%s)', (_mode, stateless) => {
  it('narrow the tools a client gets', async () => {
    const url = await startHttp(stateless, {});
    expect(await listedWith(url, stateless, { 'x-mcp-tools': 'run_search,get_search_status' })).toEqual([
      'get_search_status',
      'run_search',
    ]);
    const upgrades = allOperations.filter((operation) => operation.toolset === 'upgrades');
    expect(await listedWith(url, stateless, { 'x-mcp-toolsets': 'upgrades' })).toEqual(
      upgrades.map((operation) => operation.name).sort(),
    );
    expect(
      await listedWith(url, stateless, { 'x-mcp-toolsets': 'upgrades', 'x-mcp-readonly': 'true' }),
    ).toEqual(
      upgrades
        .filter((operation) => operation.kind === 'read')
        .map((operation) => operation.name)
        .sort(),
    );
  });

  it('never add a tool or turn writes back on beyond the server’s own flags', async () => {
    const url = await startHttp(stateless, { toolsets: ['collectors'], readOnly: true });
    const ceiling = allOperations
      .filter((operation) => operation.toolset === 'collectors' && operation.kind === 'read')
      .map((operation) => operation.name)
      .sort();
    expect(await listedWith(url, stateless, { 'x-mcp-readonly': 'false' })).toEqual(ceiling);
    expect(
      await listedWith(url, stateless, { 'x-mcp-tools': 'get_collector,delete_collector,run_search' }),
    ).toEqual(['get_collector']);
    expect(await listedWith(url, stateless, { 'x-mcp-toolsets': 'collectors,search' })).toEqual(ceiling);
  });

  it('answer an unknown name with a JSON-RPC error that lists the valid ones', async () => {
    const url = await startHttp(stateless, { toolsets: ['search'] });
    const unknownTool = await postMcp(url, { 'x-mcp-tools': 'run_serach' }, initializeRequest);
    expect(unknownTool.status).toBe(400);
    expect(unknownTool.messages[0]).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
    const message = JSON.stringify(unknownTool.messages[0]);
    expect(message).toContain('Unknown tool \\"run_serach\\"; this server offers: run_search, start_search');
    expect(message).not.toContain('list_collectors');

    const unknownToolset = await postMcp(url, { 'x-mcp-toolsets': 'search,logs' }, initializeRequest);
    expect(unknownToolset.status).toBe(400);
    expect(unknownToolset.body).toContain(
      'Unknown toolset \\"logs\\"; the toolsets are: collectors, sources, upgrades, search, fleet, health.',
    );

    const badFlag = await postMcp(url, { 'x-mcp-readonly': 'yes please' }, initializeRequest);
    expect(badFlag.status).toBe(400);
    expect(badFlag.body).toContain('X-MCP-Readonly is \\"yes please\\": use true');

    const nothingLeft = await postMcp(url, { 'x-mcp-tools': 'list_collectors' }, initializeRequest);
    expect(nothingLeft.status).toBe(400);
    expect(nothingLeft.body).toContain('No tool is left');
  });
});
