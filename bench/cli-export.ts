/**
 * `sumo-ops search "*" --messages --output ndjson > file` for 1,000,000 messages against the
 * simulator enforcing Sumo's documented limits (4 requests/s, 10 in flight), side by side with the
 * bare undici loop of bench/search-paging paced to the same limit; each in its own child process.
 * The CLI is the built bin run as a user runs it: no node flag, no NODE_OPTIONS; its peak RSS is
 * the kernel's high-water mark (VmHWM) read from /proc while it runs. Then its start-up: spawn to
 * its first API call, against `node -e 0` from spawn to exit. Run: `pnpm bench:cli-export`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, createReadStream, createWriteStream, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ACCESS_ID,
  ACCESS_KEY,
  type ExportRun,
  endSide,
  fastest,
  messagesPerSecond,
  OUT_DIR,
  printRuns,
  runRounds,
  type SearchSpec,
  sideProcess,
  viaBareUndici,
} from './bare-search.js';
import { CLI_BIN as CLI, FirstRequestServer, msToExit, userEnv } from './start-up.js';
import { median } from './stats.js';

/** Sumo's documented limits, which the simulator enforces by default. */
const PER_SECOND = 4;
const ROUNDS = 2;
const START_UP_RUNS = 11;

interface SideResult extends ExportRun {
  side: 'bare' | 'cli';
}

const [mode, arg] = process.argv.slice(2);
if (mode === '--bare') await runBare(JSON.parse(arg ?? '{}') as SearchSpec);
else await main(Number(mode ?? 1_000_000));

async function main(target: number): Promise<void> {
  const results = await runRounds<SideResult>({
    target,
    rounds: ROUNDS,
    sides: ['bare', 'cli'],
    run: async (side, spec) => {
      // Each side starts with the access id's one-second window empty, as a fresh run would.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      return side === 'bare'
        ? await sideProcess<SideResult>([fileURLToPath(import.meta.url), '--bare', JSON.stringify(spec)])
        : await cliChild(spec);
    },
  });
  const startUp = await measureStartUp();
  report(results, target, startUp);
}

function report(results: SideResult[], target: number, startUp: StartUp): void {
  const cli = fastest(results, 'cli');
  const bare = fastest(results, 'bare');
  console.log(
    `cli export: sumo-ops search "*" --messages --output ndjson > file, ${target.toLocaleString('en-US')} messages, simulator at ${PER_SECOND} requests/s and 10 in flight, ${ROUNDS} rounds per side, each in its own process (the CLI with no node flag)`,
  );
  printRuns(results, [['peak RSS MB', (result) => result.peakRssMb.toFixed(0)]]);
  const ratio = messagesPerSecond(cli) / messagesPerSecond(bare);
  console.log('');
  console.log(
    `CLI ÷ bare undici messages/s (best of ${ROUNDS} each; the CLI's time includes its start-up): ${ratio.toFixed(2)}   target ≥ 0.90  ${ratio >= 0.9 ? 'ok' : 'MISSED'}`,
  );
  const peak = Math.max(
    ...results.filter((result) => result.side === 'cli').map((result) => result.peakRssMb),
  );
  console.log(
    `CLI peak RSS (worst of ${ROUNDS}): ${peak.toFixed(0)} MB (bare loop: ${bare.peakRssMb.toFixed(0)} MB)   target ≤ 200 MB  ${peak <= 200 ? 'ok' : 'MISSED'}`,
  );
  console.log(
    `CLI start-up to its first API call ÷ node -e 0 (medians of ${START_UP_RUNS}): ${startUp.cliMs.toFixed(0)} ms ÷ ${startUp.nodeMs.toFixed(0)} ms = ${(startUp.cliMs / startUp.nodeMs).toFixed(2)}`,
  );
}

async function runBare(spec: SearchSpec): Promise<void> {
  const file = join(OUT_DIR, 'bare.ndjson');
  const output = createWriteStream(file);
  const started = performance.now();
  const messages = await viaBareUndici(spec, output, { wait: { ms: 0 }, perSecond: PER_SECOND });
  const result: SideResult = { side: 'bare', messages, ...(await endSide(output, file, started)) };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** The built bin, stdout to a file as `> file` does, timed from spawn to exit. */
async function cliChild(spec: SearchSpec): Promise<SideResult> {
  const file = join(OUT_DIR, 'cli.ndjson');
  const fd = openSync(file, 'w');
  const args = ['search', spec.query, '--from', iso(spec.from), '--to', iso(spec.to), '--tz', 'UTC'];
  const started = performance.now();
  const proc = spawn(process.execPath, [CLI, ...args, '--messages', '--output', 'ndjson'], {
    stdio: ['ignore', fd, 'inherit'],
    env: cliEnv(spec.apiUrl),
  });
  closeSync(fd);
  let peakKb = 0;
  const sample = () => {
    peakKb = Math.max(peakKb, highWaterKb(proc.pid));
  };
  const timer = setInterval(sample, 20);
  const [code] = (await once(proc, 'exit')) as [number | null];
  const ms = performance.now() - started;
  clearInterval(timer);
  if (code !== 0) throw new Error(`sumo-ops exited with ${code}`);
  return {
    side: 'cli',
    messages: await countLines(file),
    bytes: statSync(file).size,
    ms,
    peakRssMb: (peakKb * 1024) / 1e6,
  };
}

/** VmHWM: the peak resident set of a running process so far (Linux), in KiB; 0 once it has gone. */
function highWaterKb(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

async function countLines(file: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines += 1;
  }
  return lines;
}

interface StartUp {
  cliMs: number;
  nodeMs: number;
}

/** Spawn → the CLI's first request, against spawn → exit of `node -e 0`; alternated, so both see the same machine load. */
async function measureStartUp(): Promise<StartUp> {
  const server = await FirstRequestServer.start();
  const cli: number[] = [];
  const node: number[] = [];
  try {
    // One of each first, uncounted: the files are read from disk once.
    for (let run = 0; run <= START_UP_RUNS; run += 1) {
      const cliMs = await server.msToFirstRequest(
        [CLI, 'search', '*', '--from', '-1h', '--messages', '--output', 'ndjson'],
        cliEnv(server.apiUrl),
      );
      const nodeMs = await msToExit(['-e', '0']);
      if (run > 0) {
        cli.push(cliMs);
        node.push(nodeMs);
      }
    }
  } finally {
    await server.close();
  }
  return { cliMs: median(cli), nodeMs: median(node) };
}

function cliEnv(apiUrl: string): NodeJS.ProcessEnv {
  return userEnv({ SUMO_API_URL: apiUrl, SUMO_ACCESS_ID: ACCESS_ID, SUMO_ACCESS_KEY: ACCESS_KEY });
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
