/**
 * The MCP App as a person sees it: the view the server serves, loaded in headless Chromium (Debian's
 * `chromium`, driven by playwright-core) inside a host page that speaks the MCP Apps protocol with
 * ext-apps' own AppBridge. The tool results are real answers of this server to a real MCP Client,
 * from the simulator; "Load more" goes view → host (tools/call over postMessage) → the MCP Client →
 * this server → the simulator and back. Screenshots go to test-artifacts/ for a person to look at.
 *
 * One run per CI is enough: .ci/run sets SUMO_OPS_SKIP_BROWSER_TESTS for its second Node version.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { FrameLocator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppsHost, openAppsHost } from '../../../test/support/apps-host.js';
import { keepArtifact } from '../../../test/support/pictures.js';
import { APP_VIEW_URI } from '../src/app-view.js';
import { APPS_CLIENT } from './support/apps-client.js';
import { type Harness, startHarness } from './support/harness.js';

let harness: Harness;
let host: AppsHost;

describe.skipIf(process.env.SUMO_OPS_SKIP_BROWSER_TESTS === '1')('the MCP App in Chromium', () => {
  beforeAll(async () => {
    harness = await startHarness({
      capabilities: APPS_CLIENT,
      simulator: { clockSpeed: 60, search: { corpusSize: 20_000 } },
    });
    const { contents } = await harness.client.readResource({ uri: APP_VIEW_URI });
    host = await openAppsHost(harness.client, (contents[0] as { text: string }).text);
  }, 60_000);
  afterAll(async () => {
    await host?.close();
    await harness?.close();
  });

  async function show(result: CallToolResult, screenshot: string): Promise<FrameLocator> {
    const frame = await host.show(result);
    keepArtifact(screenshot, await host.page.screenshot({ fullPage: true }));
    return frame;
  }

  it('draws run_search: one bar per histogram step with its count on hover, the top values and the messages', async () => {
    const result = (await harness.client.callTool({
      name: 'run_search',
      arguments: { query: 'error', from: '-6h', limit: 5 },
    })) as CallToolResult;
    const answer = result.structuredContent as {
      summary: {
        messageCount: number;
        histogram: { counts: number[] };
        topValues: Record<string, Array<{ value: string }>>;
      };
      items: unknown[];
      jobKept: boolean;
    };
    expect(answer.summary.messageCount).toBeGreaterThan(0);
    const frame = await show(result, 'mcp-app-run-search.png');

    const bars = frame.locator('rect.bar');
    expect(await bars.count()).toBe(answer.summary.histogram.counts.length);
    const values = await bars.evaluateAll((rects) =>
      rects.map((rect) => Number(rect.getAttribute('data-value'))),
    );
    expect(values).toEqual(answer.summary.histogram.counts);
    const busiest = values.indexOf(Math.max(...values));
    await bars.nth(busiest).hover();
    await expect
      .poll(() => frame.locator('.readout').textContent(), { timeout: 15_000 })
      .toMatch(new RegExp(`: ${Math.max(...values).toLocaleString('en-US')} messages$`));

    const topCategory = answer.summary.topValues._sourceCategory?.[0]?.value ?? '';
    expect(topCategory).not.toBe('');
    expect(await frame.locator('ul.top').first().textContent()).toContain(topCategory);
    expect(await frame.locator('#messages tbody tr').count()).toBe(answer.items.length);
    // The job was deleted with the answer: nothing to load more from.
    expect(answer.jobKept).toBe(false);
    expect(await frame.locator('#load-more').count()).toBe(0);
  });

  it('loads more messages of a kept job through the host: get_search_messages called from the view', async () => {
    const started = (await harness.client.callTool({
      name: 'start_search',
      arguments: { query: 'error', from: '-6h' },
    })) as CallToolResult;
    const { jobId } = started.structuredContent as { jobId: string };
    let status: CallToolResult;
    do {
      status = (await harness.client.callTool({
        name: 'get_search_status',
        arguments: { jobId, waitSeconds: 5 },
      })) as CallToolResult;
    } while (!(status.structuredContent as { done: boolean }).done);
    const { messageCount, histogram } = status.structuredContent as {
      messageCount: number;
      histogram: { counts: number[] };
    };
    expect(messageCount).toBeGreaterThan(30);
    const frame = await show(status, 'mcp-app-search-status.png');
    expect(await frame.locator('rect.bar').count()).toBe(histogram.counts.length);

    const rows = frame.locator('#messages tbody tr');
    // A page is a tools/call through the host to this server and the simulator: give it time on busy machines.
    const shown = (count: number) => `${count} of ${messageCount.toLocaleString('en-US')} shown`;
    await frame.locator('#load-more').click();
    await expect.poll(() => frame.locator('.status').textContent(), { timeout: 15_000 }).toBe(shown(25));
    expect(await rows.count()).toBe(25);
    await frame.locator('#load-more').click();
    await expect.poll(() => frame.locator('.status').textContent(), { timeout: 15_000 }).toBe(shown(50));
    expect(await rows.count()).toBe(50);
    expect(host.toolCalls).toEqual(['get_search_messages', 'get_search_messages']);
    keepArtifact('mcp-app-load-more.png', await host.page.screenshot({ fullPage: true }));
    await harness.client.callTool({ name: 'cancel_search', arguments: { jobId } });
  });

  it('draws the OT fleet by version and state from list_ot_collectors', async () => {
    const result = (await harness.client.callTool({
      name: 'list_ot_collectors',
      arguments: {},
    })) as CallToolResult;
    const { items } = result.structuredContent as {
      items: Array<{ version: string; alive?: boolean; errors?: number }>;
    };
    expect(items.length).toBeGreaterThan(0);
    const frame = await show(result, 'mcp-app-ot-fleet.png');
    expect(await frame.locator('h1').textContent()).toBe(`${items.length} OT collectors`);
    const groups = new Set(
      items.map((item) => `${item.version} ${!item.alive ? 'offline' : item.errors ? 'unwell' : 'alive'}`),
    );
    // A bar for each version and state that has collectors, the counts adding up to the fleet.
    const values = await frame
      .locator('rect.bar')
      .evaluateAll((rects) => rects.map((rect) => Number(rect.getAttribute('data-value'))));
    expect(values).toHaveLength(groups.size);
    expect(values.reduce((sum, value) => sum + value, 0)).toBe(items.length);
    expect(await frame.locator('tbody tr').count()).toBe(items.length);
  });

  it('draws the health events by name from list_health_events, with the severities counted', async () => {
    const result = (await harness.client.callTool({
      name: 'list_health_events',
      arguments: {},
    })) as CallToolResult;
    const { items, counts } = result.structuredContent as {
      items: unknown[];
      counts: { byName: Record<string, number>; bySeverity: Record<string, number> };
    };
    expect(items.length).toBeGreaterThan(0);
    const frame = await show(result, 'mcp-app-health.png');
    const values = await frame
      .locator('rect.bar')
      .evaluateAll((rects) => rects.map((rect) => Number(rect.getAttribute('data-value'))));
    expect(values).toEqual(Object.values(counts.byName).sort((a, b) => b - a));
    for (const [severity, count] of Object.entries(counts.bySeverity)) {
      expect(await frame.locator('h1').textContent()).toContain(`${count} ${severity}`);
    }
    expect(await frame.locator('tbody tr').count()).toBe(items.length);
  });
});
