/**
 * Streams 1,000,000 search messages from the simulator to NDJSON twice, side by side: through the
 * search-job runner (`exportSearchResults`) and through a bare undici loop doing the same work
 * (create with cookie, poll, page 10,000 at a time, JSON.parse, serialise NDJSON, write to a
 * file with backpressure) minus our layers. Each side runs in its own child process so its peak
 * RSS is its own. Run: `pnpm bench:search-paging` (compiled JavaScript, as in production).
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { exportSearchResults, RateLimiter, SumoClient, silentLogger, startSearchJob } from '@sumo-ops/core';
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

const HIGH_LIMITS = { perSecond: 10_000, concurrent: 64 };
const ROUNDS = 2;
/**
 * Both children get the same V8 heap cap. Without one V8 lets garbage pile up to several times
 * the live data before collecting, which measures V8's appetite rather than what the code holds;
 * with it, a side that kept results in memory would die of OOM rather than pass.
 */
const HEAP_CAP_MB = 128;

interface SideResult extends ExportRun {
  side: 'runner' | 'bare';
  /** RSS once everything is imported, before the search: node and core. */
  startRssMb: number;
  /** Bare side only: time spent waiting for the simulator's page answers. */
  serverWaitMs?: number;
}

const [mode, ...args] = process.argv.slice(2);
if (mode === '--side')
  await runSide(args[0] as SideResult['side'], JSON.parse(args[1] ?? '{}') as SearchSpec);
else await main(Number(mode ?? 1_000_000));

async function main(target: number): Promise<void> {
  const results = await runRounds<SideResult>({
    target,
    rounds: ROUNDS,
    sides: ['bare', 'runner'],
    rateLimit: HIGH_LIMITS,
    run: child,
  });
  report(results, target);
}

function report(results: SideResult[], target: number): void {
  const runner = fastest(results, 'runner');
  const bare = fastest(results, 'bare');
  console.log(
    `search paging: ${target.toLocaleString('en-US')} messages to NDJSON files, ${ROUNDS} rounds per side, each run in its own child process (--max-old-space-size=${HEAP_CAP_MB})`,
  );
  printRuns(results, [
    ['start RSS MB', (result) => result.startRssMb.toFixed(0)],
    ['peak RSS MB', (result) => result.peakRssMb.toFixed(0)],
    [
      'waiting on simulator',
      (result) =>
        result.serverWaitMs === undefined ? '' : `${Math.round((100 * result.serverWaitMs) / result.ms)}%`,
    ],
  ]);
  const ratio = messagesPerSecond(runner) / messagesPerSecond(bare);
  console.log('');
  console.log(
    `runner ÷ bare undici messages/s (best of ${ROUNDS} each): ${ratio.toFixed(2)}   target ≥ 0.90  ${ratio >= 0.9 ? 'ok' : 'MISSED'}`,
  );
  console.log(
    `runner peak RSS: ${runner.peakRssMb.toFixed(0)} MB (bare: ${bare.peakRssMb.toFixed(0)} MB; ~${runner.startRssMb.toFixed(0)} MB of it is node + imports before any work)   target ≤ 200 MB  ${runner.peakRssMb <= 200 ? 'ok' : 'MISSED'}`,
  );
}

function child(side: SideResult['side'], spec: SearchSpec): Promise<SideResult> {
  return sideProcess<SideResult>([
    ...process.execArgv,
    `--max-old-space-size=${HEAP_CAP_MB}`,
    fileURLToPath(import.meta.url),
    '--side',
    side,
    JSON.stringify(spec),
  ]);
}

async function runSide(side: SideResult['side'], spec: SearchSpec): Promise<void> {
  const file = join(OUT_DIR, `${side}.ndjson`);
  const output = createWriteStream(file);
  const startRssMb = process.memoryUsage.rss() / 1e6;
  const started = performance.now();
  const wait = { ms: 0 };
  const messages =
    side === 'runner' ? await viaRunner(spec, output) : await viaBareUndici(spec, output, { wait });
  const result: SideResult = {
    side,
    messages,
    ...(await endSide(output, file, started)),
    startRssMb,
    ...(side === 'bare' ? { serverWaitMs: wait.ms } : {}),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function viaRunner(spec: SearchSpec, output: Writable): Promise<number> {
  const client = new SumoClient({
    accessId: ACCESS_ID,
    accessKey: ACCESS_KEY,
    apiUrl: spec.apiUrl,
    env: {},
    logger: silentLogger,
    rateLimiter: new RateLimiter({ limits: HIGH_LIMITS }),
  });
  const job = await startSearchJob(client, { query: spec.query, from: spec.from, to: spec.to });
  try {
    const { rows } = await exportSearchResults(job, output, { format: 'ndjson' });
    return rows;
  } finally {
    await job.close();
    await client.close();
  }
}
