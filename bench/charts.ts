/**
 * bench/charts — what drawing a picture costs: the messages-over-time chart of a 1,000-bucket
 * histogram (and of the 24 steps a search summary carries, what Slack and the CLI draw), the
 * previous period beside it, and the fleet of 1,000 collectors; each spec → SVG (Vega) → PNG
 * (resvg), rendered one after the other in this process after the first (which also loads the
 * libraries, reported apart). Printed: p50 / p99 / max ms and PNG bytes per picture, and the MCP
 * App's HTML (apps/mcp-server/dist/app-view.html) in bytes and gzipped.
 * Run: `pnpm bench:charts` (compiled JavaScript, as in production).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type ChartSpec, type FleetChartCollector, fleetChart, messagesOverTimeChart } from '@sumo-ops/core';
import { rasterise, renderSvg } from '@sumo-ops/core/render-chart';
import { MCP_BIN } from './start-up.js';

const RUNS = 60;
const START = Date.parse('2026-12-04T00:00:00Z');

/** A day of traffic with a daily swell and a burst, deterministic so runs compare. */
function counts(buckets: number, seed: number): number[] {
  let state = seed;
  const noise = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return Array.from({ length: buckets }, (_, index) => {
    const swell = 400 + 300 * Math.sin((index / buckets) * 2 * Math.PI);
    const burst = index > buckets * 0.6 && index < buckets * 0.65 ? 2_000 : 0;
    return Math.round(swell + burst + noise() * 150);
  });
}

function histogram(buckets: number, seed: number, start = START) {
  return {
    start: new Date(start).toISOString(),
    stepMs: Math.round(86_400_000 / buckets),
    counts: counts(buckets, seed),
  };
}

function fleet(size: number): FleetChartCollector[] {
  const versions = ['19.470-2', '19.490-10', '20.1-2749', '20.1-4617', '20.1-5230'];
  return Array.from({ length: size }, (_, index) => ({
    kind: index % 10 === 0 ? 'ot' : index % 17 === 0 ? 'hosted' : 'installed',
    version: index % 17 === 0 && index % 10 !== 0 ? '' : (versions[index % versions.length] ?? ''),
    alive: index % 7 !== 0,
    healthErrors: index % 23 === 0 ? 1 : 0,
  }));
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/**
 * The two steps of `renderChart` timed apart: Vega's spec → SVG runs on the main thread (what an
 * event loop waits for), resvg's SVG → PNG on libuv's thread pool (`renderAsync`).
 */
async function measure(name: string, chart: ChartSpec) {
  const times: number[] = [];
  const svgTimes: number[] = [];
  let png = 0;
  let svg = 0;
  for (let run = 0; run < RUNS; run += 1) {
    const started = performance.now();
    const drawnSvg = await renderSvg(chart);
    const svgDone = performance.now();
    const image = await rasterise(drawnSvg);
    png = image.asPng().byteLength;
    times.push(performance.now() - started);
    svgTimes.push(svgDone - started);
    svg = Buffer.byteLength(drawnSvg);
  }
  return { name, times, svgTimes, png, svg };
}

async function main(): Promise<void> {
  const firstStarted = performance.now();
  await rasterise(await renderSvg(messagesOverTimeChart({ histogram: histogram(24, 1), timeZone: 'UTC' })));
  const first = performance.now() - firstStarted;

  const results = [
    await measure(
      'messages over time, 1,000 buckets',
      messagesOverTimeChart({ histogram: histogram(1_000, 7), timeZone: 'Europe/Berlin' }),
    ),
    await measure(
      '  … with the previous period (2 × 1,000)',
      messagesOverTimeChart({
        histogram: histogram(1_000, 7),
        previous: histogram(1_000, 9, START - 86_400_000),
        timeZone: 'Europe/Berlin',
      }),
    ),
    await measure(
      'messages over time, 24 steps (a summary)',
      messagesOverTimeChart({ histogram: histogram(24, 3), timeZone: 'Europe/Berlin' }),
    ),
    await measure('fleet, 1,000 collectors', fleetChart(fleet(1_000))),
  ];

  const rows = [
    [
      'picture (720 × 300 spec, PNG at 2×)',
      'p50 / p99 / max ms',
      'of it SVG, main thread',
      'PNG bytes',
      'SVG bytes',
    ],
    ...results.map((result) => [
      result.name,
      `${percentile(result.times, 50).toFixed(1)} / ${percentile(result.times, 99).toFixed(1)} / ${Math.max(...result.times).toFixed(1)}`,
      `${percentile(result.svgTimes, 50).toFixed(1)} / ${percentile(result.svgTimes, 99).toFixed(1)}`,
      result.png.toLocaleString('en-US'),
      result.svg.toLocaleString('en-US'),
    ]),
  ];
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  console.log(`\ncharts: ${RUNS} renders each, one after the other, in one process\n`);
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  '));
  console.log(
    `\nfirst chart of the process (loads vega, vega-lite and resvg, then draws 24 steps): ${first.toFixed(0)} ms`,
  );

  const html = readFileSync(join(dirname(MCP_BIN), 'app-view.html'));
  console.log(
    `MCP App view (apps/mcp-server/dist/app-view.html): ${html.byteLength.toLocaleString('en-US')} bytes, ${gzipSync(html).byteLength.toLocaleString('en-US')} gzipped`,
  );
}

await main();
