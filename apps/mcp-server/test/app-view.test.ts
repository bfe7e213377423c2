import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { allOperations } from '@sumo-ops/core';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_VIEW_URI } from '../src/app-view.js';
import { MCP_PATH } from '../src/http.js';
import { APPS_CLIENT } from './support/apps-client.js';
import { type Harness, startHarness } from './support/harness.js';
import { type McpOverHttp, startMcpOverHttp } from './support/http-server.js';

const VIEW_TOOLS = ['get_search_status', 'list_health_events', 'list_ot_collectors', 'run_search'];

let harness: Harness | undefined;
let overHttp: McpOverHttp | undefined;
afterEach(async () => {
  await harness?.close();
  await overHttp?.http.close();
  await overHttp?.sumo.close();
  harness = undefined;
  overHttp = undefined;
});

/** A real MCP client over Streamable HTTP, declaring no extension at all. */
async function plainHttpClient(url: string): Promise<Client> {
  const client = new Client({ name: 'plain-http-client', version: '0.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}${MCP_PATH}`)));
  return client;
}

describe('the MCP App view', () => {
  it('is declared on the search and fleet tools, for clients with MCP Apps only, within the tools/list budget', async () => {
    harness = await startHarness({ capabilities: APPS_CLIENT });
    const listed = await harness.client.listTools();
    const withView = listed.tools.filter((tool: Tool) => tool._meta !== undefined);
    expect(withView.map((tool) => tool.name).sort()).toEqual(VIEW_TOOLS);
    for (const tool of withView) expect(tool._meta).toEqual({ ui: { resourceUri: APP_VIEW_URI } });
    expect(listed.tools).toHaveLength(allOperations.length);
    expect(Buffer.byteLength(JSON.stringify(listed)) / listed.tools.length).toBeLessThanOrEqual(1_050);
    await harness.close();

    harness = await startHarness();
    expect((await harness.client.listTools()).tools.filter((tool) => tool._meta !== undefined)).toEqual([]);
  });

  it('is declared by the server as the MCP Apps extension, as hosts require before showing a view', async () => {
    harness = await startHarness({ capabilities: APPS_CLIENT });
    expect(harness.client.getServerCapabilities()?.extensions).toEqual({ 'io.modelcontextprotocol/ui': {} });
  });

  it('lists the view resource only to clients with MCP Apps; any client can still read it by its URI', async () => {
    harness = await startHarness({ capabilities: APPS_CLIENT });
    expect((await harness.client.listResources()).resources.map((resource) => resource.uri)).toEqual([
      APP_VIEW_URI,
    ]);
    await harness.close();

    harness = await startHarness();
    expect((await harness.client.listResources()).resources).toEqual([]);
    const { contents } = await harness.client.readResource({ uri: APP_VIEW_URI });
    expect(contents[0]?.mimeType).toBe('text/html;profile=mcp-app');
  });

  it("is shown over stateless HTTP, where no request's server saw the client's initialize", async () => {
    overHttp = await startMcpOverHttp({ collectors: 2, http: { stateless: true } });
    const client = await plainHttpClient(overHttp.http.url);
    try {
      const listed = await client.listTools();
      const withView = listed.tools.filter((tool: Tool) => tool._meta !== undefined);
      expect(withView.map((tool) => tool.name).sort()).toEqual(VIEW_TOOLS);
      for (const tool of withView) expect(tool._meta).toEqual({ ui: { resourceUri: APP_VIEW_URI } });
      expect(Buffer.byteLength(JSON.stringify(listed)) / listed.tools.length).toBeLessThanOrEqual(1_050);
      expect((await client.listResources()).resources.map((resource) => resource.uri)).toEqual([
        APP_VIEW_URI,
      ]);
      expect(client.getServerCapabilities()?.extensions).toEqual({ 'io.modelcontextprotocol/ui': {} });
    } finally {
      await client.close();
    }
  });

  it('is shown over HTTP with sessions only to a client that declared MCP Apps', async () => {
    overHttp = await startMcpOverHttp({ collectors: 2 });
    const client = await plainHttpClient(overHttp.http.url);
    try {
      expect((await client.listTools()).tools.filter((tool: Tool) => tool._meta !== undefined)).toEqual([]);
      expect((await client.listResources()).resources).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('serves one self-contained HTML resource: the MCP App MIME type, a deny-by-default CSP, nothing fetched', async () => {
    harness = await startHarness({ capabilities: APPS_CLIENT });
    const { resources } = await harness.client.listResources();
    expect(resources).toEqual([
      expect.objectContaining({ uri: APP_VIEW_URI, mimeType: 'text/html;profile=mcp-app' }),
    ]);
    const { contents } = await harness.client.readResource({ uri: APP_VIEW_URI });
    const [view] = contents as Array<{ uri: string; mimeType: string; text: string; _meta: unknown }>;
    expect(view?.mimeType).toBe('text/html;profile=mcp-app');
    const html = view?.text ?? '';
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|@import|url\(http/i);
    expect(Buffer.byteLength(html)).toBeLessThan(300_000);
    expect(view?._meta).toEqual({
      ui: { csp: { connectDomains: [], resourceDomains: [] }, prefersBorder: true },
    });
    await expect(harness.client.readResource({ uri: 'ui://sumo-ops/other' })).rejects.toThrow(APP_VIEW_URI);
  });
});
