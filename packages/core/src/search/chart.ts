import type { CompactHistogram } from './histogram.js';
import { zoneOffset } from './time.js';

/**
 * The two pictures every front end draws, as declarative Vega-Lite specs built by pure functions:
 * messages over time (a search's histogram, optionally beside the previous period) and the fleet
 * (collectors by kind, version and state). `renderChart` (render-chart.ts) turns a spec into SVG and
 * PNG. Nothing here draws a query or a credential: titles and labels come from counts, times and
 * collector versions, which the text answers beside the pictures already show.
 */

/** Slack shows an image inline at up to ~360 px high; 720 × 300 drawn at 2× stays sharp there. */
export const CHART_WIDTH = 720;
export const CHART_HEIGHT = 300;

/** A picture to draw: the Vega-Lite spec and the same facts as one sentence, for screen readers. */
export interface ChartSpec {
  kind: 'messages-over-time' | 'fleet';
  /** A Vega-Lite top-level spec (JSON, data inline). */
  vegaLite: Record<string, unknown>;
  /** Alt text: what the picture shows, in words. */
  alt: string;
  /** True when there was nothing to plot and the picture says so. */
  empty: boolean;
}

export interface MessagesOverTimeInput {
  histogram: CompactHistogram;
  /** The same span just before, drawn over the bars as a line. */
  previous?: CompactHistogram | undefined;
  /** IANA zone of the reader: the axis shows wall-clock times there. */
  timeZone: string;
}

const CURRENT = 'this period';
const PREVIOUS = 'previous period';
const BAR_COLOR = '#1f77b4';
const PREVIOUS_COLOR = '#ff7f0e';
const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';
/**
 * Steps at least this wide are drawn as bars a pixel apart. Narrower ones (a 1,000-bucket
 * histogram has 0.72 px steps) as one stepped area: a 1 px gap would leave 0.28 px slivers, and
 * even gapless bars meet inside pixels whose two anti-aliased halves never add up to the bar
 * colour, so no pixel would show it.
 */
const BAR_MIN_STEP_PX = 3;

/** The search histogram as bars (and the previous period as a line), times in the reader's zone. */
export function messagesOverTimeChart(input: MessagesOverTimeInput): ChartSpec {
  const { histogram, previous, timeZone } = input;
  const start = Date.parse(histogram.start);
  const end = start + histogram.stepMs * histogram.counts.length;
  const total = sum(histogram.counts);
  const previousTotal = previous ? sum(previous.counts) : undefined;
  const step = describeStep(histogram.stepMs);
  const range = `${formatTime(start, timeZone)} – ${formatTime(end, timeZone)} (${timeZone})`;
  const subtitle = `${range} · ${formatCount(total)} ${plural(total, 'message')}${
    previousTotal === undefined ? '' : ` · previous period ${formatCount(previousTotal)}`
  }`;
  const empty = total === 0 && (previousTotal ?? 0) === 0;
  if (empty) {
    return {
      kind: 'messages-over-time',
      vegaLite: emptyPicture('No messages in this range', range),
      alt: `No messages between ${range}.`,
      empty: true,
    };
  }
  // Bars stand at their real instants (a UTC scale: no zone of the process in it), so an hour a
  // DST change repeats is drawn twice, side by side. Vega formats times only in the process's zone
  // or UTC: the ticks are chosen and labelled here, on the reader's clock (`zoneTicks`).
  const rows = histogram.counts.map((count, index) => {
    const at = start + index * histogram.stepMs;
    return { t: at, t2: at + histogram.stepMs, count, from: formatTime(at, timeZone) };
  });
  const ticks = zoneTicks(start, end, timeZone);
  const x = {
    field: 't',
    type: 'temporal',
    // From the first step's start to the last one's end (the data's extent; an explicit domain
    // makes Vega-Lite 6 warn of a conflict with itself on ranged bars).
    scale: { type: 'utc', nice: false },
    axis: {
      title: `time (${timeZone})`,
      values: ticks.map((tick) => tick.at),
      labelExpr: tickLabelExpression(ticks),
      labelOverlap: true,
    },
  };
  const y = {
    field: 'count',
    type: 'quantitative',
    axis: { title: `messages per ${step}`, format: '~s', tickMinStep: 1 },
  };
  const color = previous ? { field: 'series', type: 'nominal', scale: colors(), title: null } : undefined;
  const tooltip = [
    { field: 'from', type: 'nominal', title: 'from' },
    { field: 'count', type: 'quantitative', title: 'messages', format: ',d' },
  ];
  const bars = CHART_WIDTH / histogram.counts.length >= BAR_MIN_STEP_PX;
  const last = rows.at(-1);
  const layers: Array<Record<string, unknown>> = [
    bars
      ? {
          data: { values: rows.map((row) => ({ ...row, series: CURRENT })) },
          mark: { type: 'bar', color: BAR_COLOR, x2Offset: -1 },
          // x and x2 both set make a ranged bar; y2 at zero makes it stand on the axis.
          encoding: { x, x2: { field: 't2' }, y, y2: { datum: 0 }, color, tooltip },
        }
      : {
          // Each step's count held from its start to the next; a last point closes the last step.
          data: {
            values: [...rows, ...(last ? [{ ...last, t: last.t2 }] : [])].map((row) => ({
              ...row,
              series: CURRENT,
            })),
          },
          mark: { type: 'area', interpolate: 'step-after', color: BAR_COLOR },
          encoding: { x, y, color, tooltip },
        },
  ];
  if (previous) {
    const shift = start - Date.parse(previous.start);
    const points = previous.counts.map((count, index) => {
      // Each previous step is drawn at the middle of the step it precedes by one period.
      const at = Date.parse(previous.start) + shift + (index + 0.5) * previous.stepMs;
      return { t: at, count, series: PREVIOUS };
    });
    layers.push({
      data: { values: points },
      mark: { type: 'line', point: true, strokeWidth: 2 },
      encoding: {
        x,
        y,
        color: { field: 'series', type: 'nominal', scale: colors(), title: null },
      },
    });
  }
  return {
    kind: 'messages-over-time',
    vegaLite: frame(
      {
        layer: layers,
        title: { text: `Messages per ${step}`, subtitle },
      },
      previous !== undefined,
    ),
    alt: messagesAlt(histogram, previous, timeZone, step, range),
    empty: false,
  };
}

/** One collector as the fleet picture counts it. */
export interface FleetChartCollector {
  kind: 'installed' | 'hosted' | 'ot';
  /** Empty for hosted collectors, which have no version of their own. */
  version: string;
  alive: boolean;
  /** Open health errors. */
  healthErrors?: number | undefined;
}

const FLEET_STATES = ['alive', 'alive, health errors', 'offline'] as const;
const FLEET_COLORS = ['#2ca02c', '#ff7f0e', '#7f7f7f'];
/** Versions beyond these (the smallest groups) are counted together so labels stay readable. */
const FLEET_GROUPS = 12;

/** Collectors by kind and version, each bar split by state; health errors counted in the title. */
export function fleetChart(collectors: readonly FleetChartCollector[]): ChartSpec {
  if (collectors.length === 0) {
    return {
      kind: 'fleet',
      vegaLite: emptyPicture('No collectors', 'The org has no installed, hosted or OT collectors.'),
      alt: 'No collectors: the org has no installed, hosted or OT collectors.',
      empty: true,
    };
  }
  const groups = new Map<string, Record<(typeof FLEET_STATES)[number], number>>();
  for (const collector of collectors) {
    const label = `${collector.kind}${collector.version ? ` ${collector.version}` : ''}`;
    const counts = groups.get(label) ?? { alive: 0, 'alive, health errors': 0, offline: 0 };
    const state = !collector.alive
      ? 'offline'
      : (collector.healthErrors ?? 0) > 0
        ? 'alive, health errors'
        : 'alive';
    counts[state] += 1;
    groups.set(label, counts);
  }
  const ranked = [...groups].sort((a, b) => sum(Object.values(b[1])) - sum(Object.values(a[1])));
  if (ranked.length > FLEET_GROUPS) {
    const rest = { alive: 0, 'alive, health errors': 0, offline: 0 };
    for (const [, counts] of ranked.splice(FLEET_GROUPS - 1)) {
      for (const state of FLEET_STATES) rest[state] += counts[state];
    }
    ranked.push([`other versions`, rest]);
  }
  const rows = ranked.flatMap(([group, counts]) =>
    FLEET_STATES.filter((state) => counts[state] > 0).map((state) => ({
      group,
      state,
      count: counts[state],
    })),
  );
  const totals = Object.fromEntries(
    FLEET_STATES.map((state) => [
      state,
      sum(rows.filter((row) => row.state === state).map((row) => row.count)),
    ]),
  );
  const healthErrors = sum(collectors.map((collector) => collector.healthErrors ?? 0));
  const subtitle = `${formatCount(collectors.length)} ${plural(collectors.length, 'collector')} · ${formatCount(totals.alive ?? 0)} alive · ${formatCount(totals['alive, health errors'] ?? 0)} alive with health errors · ${formatCount(totals.offline ?? 0)} offline · ${formatCount(healthErrors)} open health ${plural(healthErrors, 'error')}`;
  const spec = frame(
    {
      title: { text: 'Collectors by kind and version', subtitle },
      data: { values: rows },
      mark: { type: 'bar' },
      encoding: {
        y: {
          field: 'group',
          type: 'nominal',
          sort: ranked.map(([group]) => group),
          axis: { title: null, labelLimit: 200 },
        },
        x: {
          field: 'count',
          type: 'quantitative',
          stack: true,
          axis: { title: 'collectors', format: '~s', tickMinStep: 1 },
        },
        color: {
          field: 'state',
          type: 'nominal',
          scale: { domain: [...FLEET_STATES], range: FLEET_COLORS },
          title: null,
        },
        order: { field: 'state', sort: 'ascending' },
        tooltip: [
          { field: 'group', title: 'collectors' },
          { field: 'state', title: 'state' },
          { field: 'count', type: 'quantitative', title: 'count', format: ',d' },
        ],
      },
    },
    true,
  );
  const biggest = ranked
    .slice(0, 3)
    .map(([group, counts]) => `${group}: ${formatCount(sum(Object.values(counts)))}`)
    .join(', ');
  return {
    kind: 'fleet',
    vegaLite: spec,
    alt: `Bar chart of ${subtitle}. Largest groups: ${biggest}.`,
    empty: false,
  };
}

function frame(body: Record<string, unknown>, legend: boolean): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    background: 'white',
    padding: 12,
    config: {
      font: FONT,
      title: { fontSize: 16, subtitleFontSize: 12, anchor: 'start', subtitleColor: '#444' },
      axis: { labelFontSize: 12, titleFontSize: 12 },
      legend: legend ? { orient: 'top', labelFontSize: 12, labelLimit: 320 } : { disable: true },
      view: { stroke: null },
    },
    ...body,
  };
}

function emptyPicture(headline: string, detail: string): Record<string, unknown> {
  return frame(
    {
      title: { text: headline, subtitle: detail },
      data: { values: [{ text: headline }] },
      mark: { type: 'text', fontSize: 20, color: '#666' },
      encoding: { text: { field: 'text' }, x: { value: CHART_WIDTH / 2 }, y: { value: CHART_HEIGHT / 2 } },
    },
    false,
  );
}

function colors(): Record<string, unknown> {
  return { domain: [CURRENT, PREVIOUS], range: [BAR_COLOR, PREVIOUS_COLOR] };
}

function messagesAlt(
  histogram: CompactHistogram,
  previous: CompactHistogram | undefined,
  timeZone: string,
  step: string,
  range: string,
): string {
  const start = Date.parse(histogram.start);
  const total = sum(histogram.counts);
  let peak = 0;
  for (let index = 1; index < histogram.counts.length; index += 1) {
    if ((histogram.counts[index] ?? 0) > (histogram.counts[peak] ?? 0)) peak = index;
  }
  const peakAt = formatTime(start + peak * histogram.stepMs, timeZone);
  const parts = [
    `Bar chart of messages per ${step}, ${range}: ${formatCount(total)} ${plural(total, 'message')} in ${histogram.counts.length} bars`,
    `the most, ${formatCount(histogram.counts[peak] ?? 0)}, in the ${step} from ${peakAt}`,
  ];
  if (previous) parts.push(`the previous period, drawn as a line, had ${formatCount(sum(previous.counts))}`);
  return `${parts.join('; ')}.`;
}

/** Epoch ms of the same wall-clock reading in UTC: what a UTC scale needs to show `timeZone`'s clock. */
export function wallClock(at: number, timeZone: string): number {
  return at + zoneOffset(at, timeZone);
}

function formatTime(at: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
}

const MINUTE_MS = 60_000;
const DAY_MINUTES = 1_440;
/** Tick spacings on the reader's clock, in minutes: the first that gives at most `MAX_TICKS` wins. */
const TICK_MINUTES = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1_440, 2_880, 10_080, 20_160, 40_320];
const MAX_TICKS = 8;

export interface ZoneTick {
  /** The instant (epoch ms). */
  at: number;
  /** What the reader's clock shows then. */
  label: string;
}

/**
 * Axis ticks at round times of the reader's clock (every 10 minutes, every hour, every midnight…)
 * between two instants, labelled on that clock. Across a DST change the labels say what the clock
 * said: 00:00, 01:00, 01:00, 02:00 the night an hour repeats, 00:00, 01:00, 03:00 the night one
 * is skipped.
 */
export function zoneTicks(start: number, end: number, timeZone: string): ZoneTick[] {
  const span = end - start;
  const minutes = TICK_MINUTES.find((each) => span / (each * MINUTE_MS) <= MAX_TICKS) ?? DAY_MINUTES * 28;
  // Zones are offset from UTC by whole quarter hours: round times of the zone fall on these instants.
  const granularity = (minutes < DAY_MINUTES ? gcd(minutes, 15) : 15) * MINUTE_MS;
  const ticks: ZoneTick[] = [];
  for (let at = Math.ceil(start / granularity) * granularity; at <= end; at += granularity) {
    const clock = wallClock(at, timeZone);
    const ofDay = Math.floor((clock % 86_400_000) / MINUTE_MS);
    const round =
      clock % MINUTE_MS === 0 &&
      (minutes < DAY_MINUTES
        ? ofDay % minutes === 0
        : ofDay === 0 && Math.floor(clock / 86_400_000) % (minutes / DAY_MINUTES) === 0);
    if (round) ticks.push({ at, label: tickLabel(clock, span, minutes) });
  }
  return ticks;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** `clock` is a wall-clock reading as a UTC instant (`wallClock`). */
function tickLabel(clock: number, span: number, minutes: number): string {
  const time = new Date(clock).toISOString().slice(11, 16);
  if (span <= 36 * 3_600_000) return time;
  const day = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short' }).format(
    clock,
  );
  return minutes >= DAY_MINUTES ? day : `${day} ${time}`;
}

/** A Vega expression giving each tick its label (Vega cannot format in a zone). */
function tickLabelExpression(ticks: readonly ZoneTick[]): string {
  return `${ticks.map((tick) => `+datum.value === ${tick.at} ? ${JSON.stringify(tick.label)} : `).join('')}''`;
}

function describeStep(stepMs: number): string {
  const units: Array<[number, string]> = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  for (const [size, name] of units) {
    if (stepMs >= size) {
      const amount = Math.round((stepMs / size) * 10) / 10;
      return amount === 1 ? name : `${amount} ${name}s`;
    }
  }
  return `${stepMs} ms`;
}

function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/** The fields the fleet picture needs, as list_collectors and list_ot_collectors answer them. */
export interface FleetLists {
  installed?: ReadonlyArray<{ collectorType: string; alive: boolean; collectorVersion: string }>;
  ot?: ReadonlyArray<{ alive?: boolean | undefined; version: string; errors?: number | undefined }>;
}

/** list_collectors' and list_ot_collectors' items as the fleet picture counts them. */
export function fleetChartCollectors(lists: FleetLists): FleetChartCollector[] {
  return [
    ...(lists.installed ?? []).map((collector) => ({
      kind: collector.collectorType === 'Hosted' ? ('hosted' as const) : ('installed' as const),
      version: collector.collectorType === 'Hosted' ? '' : collector.collectorVersion,
      alive: collector.alive,
    })),
    ...(lists.ot ?? []).map((collector) => ({
      kind: 'ot' as const,
      version: collector.version,
      alive: collector.alive ?? false,
      healthErrors: collector.errors,
    })),
  ];
}
