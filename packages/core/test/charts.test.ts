import { describe, expect, it } from 'vitest';
import { decodePng, keepArtifact, paintedRuns, svgMarks } from '../../../test/support/pictures.js';
import { CHART_HEIGHT, CHART_WIDTH, fleetChart, messagesOverTimeChart, wallClock } from '../src/index.js';
import { rasterise, renderChart, renderSvg } from '../src/search/render-chart.js';

const BAR = '#1f77b4';
const PREVIOUS_LINE = '#ff7f0e';
const START = '2026-12-04T10:00:00.000Z';
const STEP = 150_000;
/** An hour in 24 steps; zeros between the others so every drawn bar stands apart. */
const COUNTS = [0, 40, 0, 80, 0, 120, 0, 10, 0, 200, 0, 60, 0, 0, 90, 0, 30, 0, 150, 0, 0, 70, 0, 20];

describe('the messages-over-time chart', () => {
  it('draws one bar per step, as tall as its count, on a PNG at twice the spec size', async () => {
    const chart = await renderChart(
      messagesOverTimeChart({ histogram: { start: START, stepMs: STEP, counts: COUNTS }, timeZone: 'UTC' }),
    );
    keepArtifact('messages-over-time.png', chart.png);
    expect(chart.width).toBeGreaterThanOrEqual(CHART_WIDTH * 2);
    expect(chart.height).toBeGreaterThanOrEqual(CHART_HEIGHT * 2);
    const png = decodePng(chart.png);
    expect({ width: png.width, height: png.height }).toEqual({ width: chart.width, height: chart.height });

    expect(svgMarks(chart.svg, 'rect')).toHaveLength(COUNTS.length);
    const drawn = COUNTS.filter((count) => count > 0);
    const bars = paintedRuns(png.columns(BAR));
    expect(bars).toHaveLength(drawn.length);
    // Heights in pixels keep the order and the proportions of the counts (within a pixel of rounding).
    const pixelsPerMessage = (bars[drawn.indexOf(200)] ?? 0) / 200;
    for (const [index, count] of drawn.entries()) {
      expect(Math.abs((bars[index] ?? 0) - count * pixelsPerMessage)).toBeLessThanOrEqual(2);
    }
    expect(chart.alt).toContain('870 messages');
    expect(chart.alt).toContain('the most, 200');
  });

  it("labels times on the reader's clock and counts with their unit", async () => {
    const chart = await renderChart(
      messagesOverTimeChart({
        histogram: { start: START, stepMs: STEP, counts: COUNTS },
        timeZone: 'America/New_York',
      }),
    );
    const labels = [...chart.svg.matchAll(/role-axis-label[^>]*>(.*?)<\/g>/gs)].flatMap((axis) =>
      [...(axis[1] ?? '').matchAll(/>([^<]+)<\/text>/g)].map((label) => label[1]),
    );
    const times = labels.filter((label) => label?.includes(':'));
    expect(times.length).toBeGreaterThan(3);
    // 10:00–11:00 UTC is 05:00–06:00 in New York on December 4.
    for (const time of times) expect(time).toMatch(/^(05:\d\d|06:00)$/);
    expect(chart.svg).toContain('messages per 2.5 minutes');
    expect(chart.svg).toContain('time (America/New_York)');
    expect(chart.alt).toContain('4 Dec, 05:00 – 4 Dec, 06:00 (America/New_York)');
  });

  it('draws the hour a DST change repeats twice, side by side: bars at their real instants, the clock on the axis', async () => {
    // 1 Nov 2026, New York: 02:00 EDT becomes 01:00 EST at 06:00 UTC. 00:00 to 03:00 by the clock is four hours.
    const counts = Array.from({ length: 24 }, (_, index) => (index % 2 === 0 ? 10 + index : 0));
    const chart = await renderChart(
      messagesOverTimeChart({
        histogram: { start: '2026-11-01T04:00:00.000Z', stepMs: 600_000, counts },
        timeZone: 'America/New_York',
      }),
    );
    keepArtifact('messages-over-time-dst.png', chart.png);
    const bars = svgMarks(chart.svg, 'rect').map((path) => {
      const [, x = '', width = ''] = /d="M([\d.]+),[\d.]+h([\d.]+)/.exec(path) ?? [];
      return { x: Number(x), right: Number(x) + Number(width) };
    });
    expect(bars).toHaveLength(counts.length);
    for (const [index, bar] of bars.entries()) {
      const next = bars[index + 1];
      if (next) expect(next.x).toBeGreaterThanOrEqual(bar.right);
      expect(bar.right).toBeGreaterThan(bar.x);
    }
    expect(paintedRuns(decodePng(chart.png).columns(BAR))).toHaveLength(counts.filter((c) => c > 0).length);
    const labels = [...chart.svg.matchAll(/>(\d\d:\d\d)<\/text>/g)].map((label) => label[1]);
    // Every half hour by the clock, the repeated hour's ticks once for each time it was that hour.
    expect(labels).toEqual(['00:00', '00:30', '01:00', '01:30', '01:00', '01:30', '02:00', '02:30', '03:00']);
  });

  it('draws the previous period as a line over the bars, both in one picture', async () => {
    const previous = {
      start: '2026-12-04T09:00:00.000Z',
      stepMs: STEP,
      counts: COUNTS.map((count) => count + 5),
    };
    const chart = await renderChart(
      messagesOverTimeChart({
        histogram: { start: START, stepMs: STEP, counts: COUNTS },
        previous,
        timeZone: 'UTC',
      }),
    );
    keepArtifact('messages-over-time-compared.png', chart.png);
    expect(svgMarks(chart.svg, 'rect')).toHaveLength(COUNTS.length);
    expect(svgMarks(chart.svg, 'line')).toHaveLength(1);
    expect(svgMarks(chart.svg, 'symbol').length).toBeGreaterThanOrEqual(COUNTS.length);
    expect(decodePng(chart.png).count(PREVIOUS_LINE)).toBeGreaterThan(500);
    expect(chart.svg).toContain('previous period');
    expect(chart.alt).toContain('the previous period, drawn as a line, had 990');
  });

  it('draws a 1,000-bucket histogram as solid bars, their heights in proportion, not faint slivers', async () => {
    const counts = Array.from({ length: 1_000 }, (_, index) => (index < 500 ? 100 : 50));
    const chart = await renderChart(
      messagesOverTimeChart({ histogram: { start: START, stepMs: 3_600, counts }, timeZone: 'UTC' }),
    );
    keepArtifact('messages-over-time-1000.png', chart.png);
    const columns = decodePng(chart.png).columns(BAR);
    const painted = columns.filter((height) => height > 0);
    // Every pixel column of the 1,440 px plot shows the bar colour (within the plot's edges).
    expect(painted.length).toBeGreaterThan(CHART_WIDTH * 2 * 0.95);
    const half = painted.length / 2;
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const left = mean(painted.slice(10, half - 10));
    const right = mean(painted.slice(half + 10, -10));
    expect(left / right).toBeGreaterThan(1.9);
    expect(left / right).toBeLessThan(2.1);
  });

  it('says "no messages" honestly when the search found none: no bars, the range named', async () => {
    const chart = await renderChart(
      messagesOverTimeChart({
        histogram: { start: START, stepMs: STEP, counts: new Array(24).fill(0) },
        timeZone: 'Europe/Paris',
      }),
    );
    keepArtifact('messages-over-time-empty.png', chart.png);
    expect(chart.empty).toBe(true);
    expect(svgMarks(chart.svg, 'rect')).toHaveLength(0);
    expect(chart.svg).toContain('No messages in this range');
    expect(chart.alt).toBe('No messages between 4 Dec, 11:00 – 4 Dec, 12:00 (Europe/Paris).');
    const png = decodePng(chart.png);
    expect(png.count(BAR)).toBe(0);
    // The words are drawn, not only written in the SVG: grey text pixels appear in the PNG.
    expect(png.count('#666666')).toBeGreaterThan(50);
  });

  it('never draws the query: handed a whole search with its query, the picture holds only times, counts and units', async () => {
    const query = '_sourceCategory=prod/payments "card 4111" | where secret_token';
    // What a front end has at hand: the search as it was asked, histogram and all.
    const search = { query, histogram: { start: START, stepMs: STEP, counts: COUNTS }, messageCount: 870 };
    const spec = messagesOverTimeChart({ ...search, timeZone: 'UTC' });
    const chart = await renderChart(spec);
    for (const part of [query, '_sourceCategory', 'prod/payments', '4111', 'secret_token']) {
      expect(JSON.stringify(spec.vegaLite)).not.toContain(part);
      expect(chart.svg).not.toContain(part);
      expect(chart.alt).not.toContain(part);
    }
    expect(chart.alt).toContain('870 messages');
  });
});

describe('the fleet chart', () => {
  it('stacks collectors of each kind and version by state, health errors apart from healthy ones', async () => {
    const collectors = [
      ...Array.from({ length: 6 }, () => ({ kind: 'installed' as const, version: '19.470-2', alive: true })),
      ...Array.from({ length: 2 }, () => ({ kind: 'installed' as const, version: '19.470-2', alive: false })),
      ...Array.from({ length: 3 }, () => ({ kind: 'installed' as const, version: '19.460-5', alive: true })),
      { kind: 'hosted' as const, version: '', alive: true },
      ...Array.from({ length: 4 }, () => ({ kind: 'ot' as const, version: '0.118.0-sumo-0', alive: true })),
      { kind: 'ot' as const, version: '0.118.0-sumo-0', alive: true, healthErrors: 2 },
    ];
    const chart = await renderChart(fleetChart(collectors));
    keepArtifact('fleet.png', chart.png);
    // installed 19.470-2: alive + offline; 19.460-5: alive; hosted: alive; ot: alive + health errors.
    expect(svgMarks(chart.svg, 'rect')).toHaveLength(6);
    const png = decodePng(chart.png);
    expect(png.count('#2ca02c')).toBeGreaterThan(1000);
    expect(png.count('#ff7f0e')).toBeGreaterThan(100);
    expect(png.count('#7f7f7f')).toBeGreaterThan(100);
    expect(chart.alt).toContain(
      '17 collectors · 14 alive · 1 alive with health errors · 2 offline · 2 open health errors',
    );
    expect(chart.alt).toContain('installed 19.470-2: 8');
  });

  it('draws an honest picture of an org with no collectors', async () => {
    const chart = await renderChart(fleetChart([]));
    expect(chart.empty).toBe(true);
    expect(svgMarks(chart.svg, 'rect')).toHaveLength(0);
    expect(chart.svg).toContain('No collectors');
  });
});

describe('drawing', () => {
  it('rasterises off the event loop: a callback queued before the PNG step runs before it ends', async () => {
    const counts = Array.from({ length: 1_000 }, (_, index) => 100 + (index % 50));
    const svg = await renderSvg(
      messagesOverTimeChart({ histogram: { start: START, stepMs: 60_000, counts }, timeZone: 'UTC' }),
    );
    await rasterise(svg); // resvg loaded: what follows measures the drawing, not the import
    let ranMeanwhile = false;
    setImmediate(() => {
      ranMeanwhile = true;
    });
    const image = await rasterise(svg);
    // A synchronous render would hold the loop until the PNG is done, and the callback would come after.
    expect(ranMeanwhile).toBe(true);
    expect(image.width).toBeGreaterThanOrEqual(CHART_WIDTH * 2);
  });
});

describe('wall-clock times', () => {
  it('reads an instant as the clock in the zone, across a DST change', () => {
    expect(new Date(wallClock(Date.parse('2026-03-08T06:59:00Z'), 'America/New_York')).toISOString()).toBe(
      '2026-03-08T01:59:00.000Z',
    );
    expect(new Date(wallClock(Date.parse('2026-03-08T07:00:00Z'), 'America/New_York')).toISOString()).toBe(
      '2026-03-08T03:00:00.000Z',
    );
  });
});
