/**
 * What the export benchmarks share (bench/search-paging, bench/cli-export): the bare undici loop
 * they measure sumo-ops against — create a job with its cookie, poll, page 10,000 messages at a
 * time, JSON.parse, serialise NDJSON and write to a file with backpressure, with nothing of ours —
 * a side run in its own process, the rounds against one simulator, and the table of runs.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { RateLimitOptions } from '@sumo-ops/simulator';
import { Agent, request } from 'undici';

export const ACCESS_ID = 'sim-access-id';
export const ACCESS_KEY = 'sim-access-key';
export const PAGE = 10_000;
/** Where the sides write their NDJSON: bench/dist/out, beside the compiled benchmarks. */
export const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), 'out');

export interface SearchSpec {
  apiUrl: string;
  query: string;
  from: number;
  to: number;
}

export interface BareOptions {
  /** Time spent waiting for the simulator's page answers is added here. */
  wait: { ms: number };
  /**
   * Requests per second the server allows (a sliding one-second window), so the loop does not
   * draw 429s: only what Sumo's documented limit demands, none of our limiter. Default: unpaced.
   */
  perSecond?: number | undefined;
}

/** Starts a request no sooner than the server's sliding window allows: the bare minimum of pacing. */
function pacer(perSecond: number | undefined): () => Promise<void> {
  if (perSecond === undefined) return async () => undefined;
  // 25 ms over the second, for the jitter between our clock and the server's arrival times.
  const windowMs = 1_025;
  const starts: number[] = [];
  return async () => {
    const oldest = starts.length >= perSecond ? (starts[starts.length - perSecond] ?? 0) : 0;
    const wait = oldest + windowMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    starts.push(performance.now());
  };
}

export async function viaBareUndici(
  spec: SearchSpec,
  output: Writable,
  options: BareOptions,
): Promise<number> {
  const { wait } = options;
  const paced = pacer(options.perSecond);
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 4 });
  const headers = {
    authorization: `Basic ${Buffer.from(`${ACCESS_ID}:${ACCESS_KEY}`).toString('base64')}`,
    accept: 'application/json',
    'content-type': 'application/json',
    cookie: '',
  };
  await paced();
  const created = await request(`${spec.apiUrl}/v1/search/jobs`, {
    method: 'POST',
    headers,
    dispatcher,
    body: JSON.stringify({
      query: spec.query,
      from: String(spec.from),
      to: String(spec.to),
      timeZone: 'UTC',
    }),
  });
  const setCookie = created.headers['set-cookie'];
  headers.cookie = (Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [])
    .map((cookie) => cookie.split(';')[0])
    .join('; ');
  const { id } = (await created.body.json()) as { id: string };
  const jobUrl = `${spec.apiUrl}/v1/search/jobs/${id}`;
  const get = async <T>(url: string): Promise<T> => {
    await paced();
    const response = await request(url, { headers, dispatcher });
    if (response.statusCode !== 200)
      throw new Error(`GET ${url} → ${response.statusCode}: ${await response.body.text()}`);
    return JSON.parse(await response.body.text()) as T;
  };
  let delay = 250;
  let status = await get<{ state: string; messageCount: number }>(jobUrl);
  while (status.state !== 'DONE GATHERING RESULTS' && status.state !== 'FORCE PAUSED') {
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 2_000);
    status = await get(jobUrl);
  }
  let written = 0;
  for (let offset = 0; offset < status.messageCount; offset += PAGE) {
    const asked = performance.now();
    const page = await get<{ messages: { map: Record<string, string> }[] }>(
      `${jobUrl}/messages?offset=${offset}&limit=${Math.min(PAGE, status.messageCount - offset)}`,
    );
    wait.ms += performance.now() - asked;
    for (let start = 0; start < page.messages.length; start += 1_000) {
      let text = '';
      for (const message of page.messages.slice(start, start + 1_000))
        text += `${JSON.stringify(message.map)}\n`;
      if (!output.write(text)) await once(output, 'drain');
    }
    written += page.messages.length;
  }
  await paced();
  await request(jobUrl, { method: 'DELETE', headers, dispatcher }).then((response) => response.body.dump());
  await dispatcher.close();
  return written;
}

/** One side's run: each side runs in its own process, so its peak RSS is its own. */
export interface ExportRun {
  side: string;
  messages: number;
  bytes: number;
  ms: number;
  peakRssMb: number;
}

export function messagesPerSecond(run: ExportRun): number {
  return run.messages / (run.ms / 1000);
}

export function fastest<T extends ExportRun>(runs: readonly T[], side: T['side']): T {
  return runs.filter((run) => run.side === side).sort((a, b) => a.ms - b.ms)[0] as T;
}

export interface RoundsOptions<T extends ExportRun> {
  /** Messages in the simulator's corpus; every run must stream all of them. */
  target: number;
  rounds: number;
  /** Run in this order in every round. */
  sides: readonly T['side'][];
  /** The simulator's limits; default Sumo's documented ones. */
  rateLimit?: RateLimitOptions;
  run: (side: T['side'], spec: SearchSpec) => Promise<T>;
}

/**
 * Runs every side `rounds` times against one simulator holding `target` messages over the day
 * that ended an hour ago, and fails on a run that did not stream them all: a fast side that
 * lost messages would otherwise win.
 */
export async function runRounds<T extends ExportRun>(options: RoundsOptions<T>): Promise<T[]> {
  const { target } = options;
  if (!Number.isInteger(target) || target < PAGE)
    throw new Error(`message count must be an integer ≥ ${PAGE}`);
  mkdirSync(OUT_DIR, { recursive: true });
  const span = 24 * 3_600_000;
  const to = Date.now() - 3_600_000;
  // Imported here so the side processes, which never start a simulator, do not carry it in their RSS.
  const { startSimulator } = await import('@sumo-ops/simulator');
  const sim = await startSimulator({
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    // Gathering takes well under a second, so every side measures paging, not waiting.
    search: { corpusSize: target, corpusFrom: to - span, corpusTo: to, gatheringSpeed: 50_000_000 },
  });
  try {
    const spec: SearchSpec = { apiUrl: sim.apiUrl, query: '*', from: to - span, to };
    const results: T[] = [];
    for (let round = 0; round < options.rounds; round += 1) {
      for (const side of options.sides) {
        const result = await options.run(side, spec);
        if (result.messages !== target) {
          throw new Error(`${side} streamed ${result.messages} messages, expected ${target}`);
        }
        results.push(result);
      }
    }
    return results;
  } finally {
    await sim.close();
  }
}

/**
 * Ends a side's output once all of it is on disk, and measures the side: bytes written, time
 * since `started`, and this process's peak RSS.
 */
export async function endSide(
  output: Writable,
  file: string,
  started: number,
): Promise<Pick<ExportRun, 'bytes' | 'ms' | 'peakRssMb'>> {
  output.end();
  await once(output, 'finish');
  const ms = performance.now() - started;
  return {
    bytes: statSync(file).size,
    ms,
    // maxRSS is the kernel's high-water mark for this process, in KiB.
    peakRssMb: (process.resourceUsage().maxRSS * 1024) / 1e6,
  };
}

/** Runs `node <args>` and reads the run it prints as its last stdout line. */
export async function sideProcess<T extends ExportRun>(args: string[]): Promise<T> {
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const [code] = (await once(proc, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}`);
  return JSON.parse(output.trim().split('\n').pop() ?? '{}') as T;
}

/** The runs, right-aligned: side, messages, NDJSON MB, seconds, messages/s, then `more` columns. */
export function printRuns<T extends ExportRun>(
  runs: readonly T[],
  more: ReadonlyArray<readonly [title: string, cell: (run: T) => string]>,
): void {
  const header = ['side', 'messages', 'NDJSON MB', 'seconds', 'messages/s', ...more.map(([title]) => title)];
  const rows = runs.map((run) => [
    run.side,
    run.messages.toLocaleString('en-US'),
    (run.bytes / 1e6).toFixed(0),
    (run.ms / 1000).toFixed(2),
    Math.round(messagesPerSecond(run)).toLocaleString('en-US'),
    ...more.map(([, cell]) => cell(run)),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells.map((cell, column) => cell.padStart(widths[column] ?? 0)).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}
