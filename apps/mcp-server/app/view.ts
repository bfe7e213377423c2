/**
 * The MCP App of sumo-ops: the view a host with MCP Apps (Claude, ChatGPT, VS Code …) shows beside
 * a search or fleet tool's answer, in a sandboxed iframe. It speaks to the host only through the
 * ext-apps `App` (postMessage JSON-RPC): the tool result comes in as `ui/notifications/tool-result`,
 * and "Load more" is a `tools/call` of get_search_messages that the host forwards to this server.
 *
 * The bars are drawn here as a few SVG rects rather than with Vega, which draws the PNGs on the
 * server: Vega is about a megabyte of JavaScript and the view must stay small and load nothing.
 * Every value from Sumo (log lines, names) is set as text, never as markup.
 */
import { App } from '@modelcontextprotocol/ext-apps';

interface ToolResult {
  content?: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}
interface Histogram {
  start: string;
  stepMs: number;
  counts: number[];
}
interface Row {
  time?: string;
  raw?: string;
  fields?: Record<string, string>;
}
interface Summary {
  jobId: string;
  messageCount: number;
  recordCount: number;
  aggregate: boolean;
  histogram: Histogram;
  from: string;
  to: string;
  topValues?: Record<string, Array<{ value: string; count: number }>>;
  samples?: Array<{ time: string; sourceCategory: string; raw: string }>;
  records?: { fields: string[]; top: Array<Record<string, string>> };
  note?: string;
}

const PAGE = 25;
const SVG = 'http://www.w3.org/2000/svg';
const root = document.getElementById('root') as HTMLElement;
const app = new App({ name: 'sumo-ops-view', version: '0.1.0' }, {}, { autoResize: true });

function zone(): string {
  return app.getHostContext()?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}
function time(iso: string | number, withDate = false): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: zone(),
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    ...(withDate ? { month: 'short', day: 'numeric' } : {}),
  }).format(new Date(iso));
}
const count = (value: number) => value.toLocaleString('en-US');

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}
function svg(tag: string, attributes: Record<string, string | number>): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

/** Bars with a readout that follows the pointer: "label: value unit". */
function bars(
  items: Array<{ label: string; value: number; color?: string }>,
  unit: string,
  caption: string,
  /** Labels under the first and the last bar (times of a histogram). */
  ends: string[] = [],
): HTMLElement {
  const width = 640;
  const height = 160;
  const max = Math.max(1, ...items.map((item) => item.value));
  const slot = width / Math.max(1, items.length);
  const readout = el('div', { class: 'readout', 'aria-live': 'polite' }, caption);
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height + 4}`, role: 'img', 'aria-label': caption });
  items.forEach((item, index) => {
    const barHeight = Math.max(item.value > 0 ? 1 : 0, (item.value / max) * height);
    const bar = svg('rect', {
      class: 'bar',
      x: index * slot + 1,
      y: height - barHeight,
      width: Math.max(1, slot - 2),
      height: barHeight,
      fill: item.color ?? '#1f77b4',
      'data-value': item.value,
    });
    hoverable(bar, `${item.label}: ${count(item.value)} ${unit}`, readout);
    chart.append(bar);
  });
  chart.append(svg('line', { x1: 0, x2: width, y1: height + 0.5, y2: height + 0.5, stroke: '#888' }));
  const axis = el('div', { class: 'axis' }, ...ends.map((end) => el('span', {}, end)));
  return el('figure', {}, el('div', { class: 'max' }, `${count(max)} ${unit}`), chart, axis, readout);
}

/** Named counts as labelled horizontal bars (versions, event names), with the same hover readout. */
function namedBars(
  items: Array<{ label: string; value: number; color?: string }>,
  unit: string,
  caption: string,
): HTMLElement {
  const width = 640;
  const labelWidth = 250;
  const row = 22;
  const max = Math.max(1, ...items.map((item) => item.value));
  const readout = el('div', { class: 'readout', 'aria-live': 'polite' }, caption);
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${items.length * row}`,
    role: 'img',
    'aria-label': caption,
  });
  items.forEach((item, index) => {
    const label = svg('text', {
      x: labelWidth - 6,
      y: index * row + 15,
      'text-anchor': 'end',
      class: 'label',
    });
    label.textContent = item.label.length > 34 ? `${item.label.slice(0, 33)}…` : item.label;
    const bar = svg('rect', {
      class: 'bar',
      x: labelWidth,
      y: index * row + 3,
      width: Math.max(item.value > 0 ? 1 : 0, (item.value / max) * (width - labelWidth - 40)),
      height: row - 6,
      fill: item.color ?? '#1f77b4',
      'data-value': item.value,
    });
    hoverable(bar, `${item.label}: ${count(item.value)} ${unit}`, readout);
    const value = svg('text', {
      x: labelWidth + Number(bar.getAttribute('width')) + 4,
      y: index * row + 15,
      class: 'label',
    });
    value.textContent = count(item.value);
    chart.append(label, bar, value);
  });
  return el('figure', {}, chart, readout);
}

function table(columns: string[], rows: string[][]): HTMLTableElement {
  const body = el('tbody');
  appendRows(body, rows);
  return el(
    'table',
    {},
    el('thead', {}, el('tr', {}, ...columns.map((column) => el('th', {}, column)))),
    body,
  );
}
function appendRows(body: HTMLTableSectionElement, rows: string[][]): void {
  for (const row of rows) body.append(el('tr', {}, ...row.map((cell) => el('td', {}, cell))));
}

function showSearch(data: Record<string, unknown>): void {
  const summary = data.summary as Summary | undefined;
  const histogram = (summary?.histogram ?? data.histogram) as Histogram | undefined;
  const jobId = (data.jobId ?? summary?.jobId) as string;
  const messages = (summary?.messageCount ?? data.messageCount ?? 0) as number;
  const records = (summary?.recordCount ?? data.recordCount ?? 0) as number;
  // run_search says whether it kept the job; get_search_status answers only about a kept one.
  const kept = 'jobKept' in data ? data.jobKept === true : 'done' in data;
  const parts: Node[] = [
    el('h1', {}, `${count(messages)} messages${records > 0 ? ` · ${count(records)} records` : ''}`),
  ];
  if (summary)
    parts.push(
      el('p', { class: 'range' }, `${time(summary.from, true)} – ${time(summary.to, true)} (${zone()})`),
    );
  if (histogram && histogram.counts.length > 0) {
    const start = Date.parse(histogram.start);
    const minutes = histogram.stepMs / 60_000;
    const step =
      minutes >= 1 ? `${Math.round(minutes * 10) / 10} min` : `${Math.round(histogram.stepMs / 1000)} s`;
    parts.push(
      bars(
        histogram.counts.map((value, index) => ({ label: time(start + index * histogram.stepMs), value })),
        'messages',
        messages === 0 ? 'No messages in this range.' : `Messages per ${step} — hover a bar for its count.`,
        [time(start), time(start + histogram.counts.length * histogram.stepMs)],
      ),
    );
  }
  for (const [facet, values] of Object.entries(summary?.topValues ?? {})) {
    parts.push(
      el('h2', {}, `Top ${facet}`),
      el(
        'ul',
        { class: 'top' },
        ...values.map((entry) => el('li', {}, `${entry.value} — ${count(entry.count)}`)),
      ),
    );
  }
  if (summary?.records && summary.records.top.length > 0) {
    const { fields, top } = summary.records;
    parts.push(
      el('h2', {}, 'Top records'),
      table(
        fields,
        top.map((record) => fields.map((field) => record[field] ?? '')),
      ),
    );
  } else if (!summary?.aggregate) {
    const rows = [
      ...((data.items as Row[] | undefined) ?? []).map((row) => [
        row.time ? time(row.time, true) : '',
        row.fields?._sourceCategory ?? '',
        row.raw ?? '',
      ]),
    ];
    if (rows.length === 0)
      for (const sample of summary?.samples ?? [])
        rows.push([sample.time ? time(sample.time, true) : '', sample.sourceCategory, sample.raw]);
    const messagesTable = table(['time', '_sourceCategory', 'message'], rows);
    messagesTable.id = 'messages';
    parts.push(el('h2', {}, 'Messages'), messagesTable);
    if (kept && jobId && messages > 0)
      parts.push(loadMore(jobId, messagesTable.tBodies[0] as HTMLTableSectionElement, messages));
  }
  if (summary?.note) parts.push(el('p', { class: 'note' }, summary.note));
  root.replaceChildren(...parts);
}

/** Pages of get_search_messages, called through the host (tools/call from the view). */
function loadMore(jobId: string, body: HTMLTableSectionElement, total: number): HTMLElement {
  let offset = 0;
  const status = el('span', { class: 'status' });
  const button = el('button', { type: 'button', id: 'load-more' }, 'Load more');
  button.addEventListener('click', async () => {
    button.disabled = true;
    status.textContent = 'Loading…';
    try {
      if (offset === 0) body.replaceChildren();
      const result = (await app.callServerTool({
        name: 'get_search_messages',
        arguments: { jobId, offset, limit: PAGE },
      })) as ToolResult;
      if (result.isError) throw new Error(result.content?.[0]?.text ?? 'the server refused');
      const page = result.structuredContent as { items: Row[]; nextOffset: number | null };
      appendRows(
        body,
        page.items.map((row) => [
          row.time ? time(row.time, true) : '',
          row.fields?._sourceCategory ?? '',
          row.raw ?? '',
        ]),
      );
      offset = page.nextOffset ?? total;
      status.textContent = `${count(body.rows.length)} of ${count(total)} shown`;
      button.disabled = page.nextOffset === null;
    } catch (error) {
      status.textContent = `Could not load more: ${(error as Error).message}`;
      button.disabled = false;
    }
  });
  return el('p', {}, button, ' ', status);
}

function showFleet(items: Array<{ version: string; alive?: boolean; errors?: number; name: string }>): void {
  const groups = new Map<string, { alive: number; unwell: number; offline: number }>();
  for (const item of items) {
    const group = groups.get(item.version) ?? { alive: 0, unwell: 0, offline: 0 };
    if (!item.alive) group.offline += 1;
    else if ((item.errors ?? 0) > 0) group.unwell += 1;
    else group.alive += 1;
    groups.set(item.version, group);
  }
  const entries = [...groups].sort((a, b) => b[0].localeCompare(a[0]));
  root.replaceChildren(
    el('h1', {}, `${count(items.length)} OT collectors`),
    namedBars(
      entries
        .flatMap(([version, group]) => [
          { label: `${version} alive`, value: group.alive, color: '#2ca02c' },
          { label: `${version} alive with health errors`, value: group.unwell, color: '#ff7f0e' },
          { label: `${version} offline`, value: group.offline, color: '#7f7f7f' },
        ])
        .filter((bar) => bar.value > 0),
      'collectors',
      'By version: alive (green), with health errors (orange), offline (grey) — hover a bar.',
    ),
    table(
      ['name', 'version', 'state', 'health errors'],
      items.map((item) => [
        item.name,
        item.version,
        item.alive ? 'alive' : 'offline',
        String(item.errors ?? 0),
      ]),
    ),
  );
}

function showHealth(data: {
  items: Array<{ eventName?: string; severity?: string; resourceName?: string }>;
  counts: { byName: Record<string, number>; bySeverity: Record<string, number> };
}): void {
  const names = Object.entries(data.counts.byName).sort((a, b) => b[1] - a[1]);
  const severities = Object.entries(data.counts.bySeverity).map(
    ([severity, value]) => `${count(value)} ${severity}`,
  );
  root.replaceChildren(
    el('h1', {}, `Health events: ${severities.join(' · ') || 'none'}`),
    namedBars(
      names.map(([label, value]) => ({ label, value, color: '#d62728' })),
      'events',
      'Events by name — hover a bar.',
    ),
    table(
      ['event', 'severity', 'resource'],
      data.items.map((item) => [item.eventName ?? '', item.severity ?? '', item.resourceName ?? '']),
    ),
  );
}

function show(result: ToolResult): void {
  const data = result.structuredContent;
  if (result.isError || !data) {
    root.replaceChildren(el('p', { class: 'note' }, result.content?.[0]?.text ?? 'No result to show.'));
    return;
  }
  if ('summary' in data || 'histogram' in data) showSearch(data);
  else if ('counts' in data && Array.isArray(data.items))
    showHealth(data as Parameters<typeof showHealth>[0]);
  else if (Array.isArray(data.items)) showFleet(data.items as Parameters<typeof showFleet>[0]);
  else root.replaceChildren(el('p', { class: 'note' }, 'Nothing to draw for this answer.'));
}

app.ontoolresult = (params) => show(params as ToolResult);
void app.connect();

/** A bar's value as its tooltip, and in the readout line while the pointer is on it. */
function hoverable(bar: SVGElement, text: string, readout: HTMLElement): void {
  const title = document.createElementNS(SVG, 'title');
  title.textContent = text;
  bar.append(title);
  bar.addEventListener('mouseenter', () => {
    readout.textContent = text;
  });
}
