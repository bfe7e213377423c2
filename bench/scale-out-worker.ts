/**
 * One replica for bench/scale-out, run as its own OS process: a SumoClient built from SUMO_* and
 * SUMO_OPS_* settings the way the bins build theirs (`createStores(loadStateConfig(env))`, the
 * store's rate budget and rate key handed to the client), making BENCH_CALLS concurrent
 * `getCollector` calls once the parent says go, so the three replicas start together.
 *
 * Protocol over the IPC channel: → { type: 'ready' }, ← { type: 'go' }, → a `WorkerResult`.
 */

import {
  createLogger,
  createStores,
  getCollector,
  loadStateConfig,
  RedisBackend,
  SumoClient,
} from '@sumo-ops/core';
import { Agent, type Dispatcher } from 'undici';

export interface WorkerResult {
  type: 'done';
  ok: number;
  failed: number;
  /** Epoch ms (fractional) at which each attempt left this process, 429s and retries included. */
  starts: number[];
  /** Error messages of the failed calls, for the report. */
  errors: string[];
}

const calls = Number(process.env.BENCH_CALLS ?? 20);
const collectorId = Number(process.env.BENCH_COLLECTOR_ID);

async function main() {
  // The parent counts these lines by message: retries, the outage and its end.
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info' });
  const stores = createStores(loadStateConfig(process.env), { logger });
  // Record when each attempt really leaves, below the limiter and the retry loop.
  const starts: number[] = [];
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 32 }).compose(
    (dispatch: Dispatcher['dispatch']) => (options, handler) => {
      starts.push(performance.timeOrigin + performance.now());
      return dispatch(options, handler);
    },
  );
  const client = new SumoClient({
    env: process.env,
    logger,
    dispatcher,
    rateLimitStore: stores.rateLimitStore,
    rateKey: stores.rateKey,
  });
  // A bin serves at once, Redis or not; the bench waits for the connection only so that the three
  // replicas' first seconds are comparable rather than spent on a local share.
  if (stores.backend instanceof RedisBackend) await stores.backend.ready(5_000);

  await new Promise<void>((resolve) => {
    process.once('message', () => resolve());
    process.send?.({ type: 'ready' });
  });
  const outcomes = await Promise.allSettled(
    Array.from({ length: calls }, () => getCollector(client, collectorId)),
  );
  const errors = outcomes.flatMap((outcome) =>
    outcome.status === 'rejected' ? [String((outcome.reason as Error)?.message ?? outcome.reason)] : [],
  );
  const result: WorkerResult = {
    type: 'done',
    ok: outcomes.length - errors.length,
    failed: errors.length,
    starts,
    errors,
  };
  await client.close();
  await stores.close();
  await dispatcher.close();
  process.send?.(result, () => process.disconnect());
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
