import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { allOperations } from '@sumo-ops/core';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_VIEW_URI } from '../src/app-view.js';
import { APPS_CLIENT } from './support/apps-client.js';
import { type Harness, startHarness } from './support/harness.js';

const VIEW_TOOLS = ['get_search_status', 'list_health_events', 'list_ot_collectors', 'run_search'];

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

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
