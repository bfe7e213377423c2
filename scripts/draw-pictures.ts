/**
 * The READMEs' pictures, drawn by the product from the simulator (never by hand): a search's chart
 * as Slack and `sumo-ops search --chart` post it, the same with the previous period ("compare"),
 * the fleet picture of App Home, and the MCP App as Chromium shows it in a host. Written to
 * docs/pictures/ at the spec's size (1×) to stay small. Run: `pnpm pictures` (builds first).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  type ChartSpec,
  fleetChart,
  fleetChartCollectors,
  messagesOverTimeChart,
  type SearchSummary,
} from '@sumo-ops/core';
import { renderChart } from '@sumo-ops/core/render-chart';
import { APPS_CLIENT } from '../apps/mcp-server/test/support/apps-client.js';
import { openAppsHost } from '../test/support/apps-host.js';
import { startHarness } from '../test/support/mcp-harness.js';

const OUT = fileURLToPath(new URL('../docs/pictures/', import.meta.url));
const TIME_ZONE = 'Europe/Berlin';
const HOUR = 3_600_000;

const harness = await startHarness({
  capabilities: APPS_CLIENT,
  simulator: { org: { collectors: 40 }, clockSpeed: 60, search: { corpusSize: 40_000 } },
});
const call = async (name: string, args: Record<string, unknown>) =>
  (await harness.client.callTool({ name, arguments: args })) as CallToolResult;
const summaryOf = async (from: string, to: string) =>
  (
    (await call('run_search', { query: 'error', from, to, limit: 5 })).structuredContent as {
      summary: SearchSummary;
    }
  ).summary;
const draw = async (name: string, chart: ChartSpec) => {
  const drawn = await renderChart(chart, 1);
  await writeFile(join(OUT, name), drawn.png);
  process.stdout.write(
    `docs/pictures/${name}: ${drawn.width}×${drawn.height}, ${drawn.png.byteLength.toLocaleString('en-US')} bytes\n`,
  );
};

try {
  await mkdir(OUT, { recursive: true });
  const now = Date.now();
  const iso = (at: number) => new Date(at).toISOString();
  const current = await summaryOf(iso(now - 6 * HOUR), iso(now));
  const previous = await summaryOf(iso(now - 12 * HOUR), iso(now - 6 * HOUR));
  await draw(
    'search-chart.png',
    messagesOverTimeChart({ histogram: current.histogram, timeZone: TIME_ZONE }),
  );
  await draw(
    'search-compared.png',
    messagesOverTimeChart({
      histogram: current.histogram,
      previous: previous.histogram,
      timeZone: TIME_ZONE,
    }),
  );
  const installed = (await call('list_collectors', { limit: 1000 })).structuredContent as {
    items: Parameters<typeof fleetChartCollectors>[0]['installed'];
  };
  const ot = (await call('list_ot_collectors', { limit: 1000 })).structuredContent as {
    items: Parameters<typeof fleetChartCollectors>[0]['ot'];
  };
  await draw('fleet.png', fleetChart(fleetChartCollectors({ installed: installed.items, ot: ot.items })));

  const { contents } = await harness.client.readResource({ uri: 'ui://sumo-ops/view' });
  const host = await openAppsHost(harness.client, (contents[0] as { text: string }).text, TIME_ZONE);
  try {
    await host.show(await call('run_search', { query: 'error', from: '-6h', limit: 3 }));
    const screenshot = await host.page.screenshot({ clip: { x: 0, y: 0, width: 780, height: 640 } });
    await writeFile(join(OUT, 'mcp-app.png'), screenshot);
    process.stdout.write(
      `docs/pictures/mcp-app.png: ${screenshot.byteLength.toLocaleString('en-US')} bytes\n`,
    );
  } finally {
    await host.close();
  }
} finally {
  await harness.close();
}
