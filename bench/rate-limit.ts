/**
 * bench/rate-limit — does the client use the whole allowed rate without earning a single 429?
 *
 * N requests go through the client to the simulator at a fast limit with random latency, and the
 * same N requests go out as a naive `Promise.all` of bare undici calls, in the same run against
 * the same simulator. Achieved rate counts the window the last batch occupies:
 * 2xx ÷ (last start − first start + 1 s), so a client that keeps the limit exactly scores 1.0.
 * The naive baseline starts everything at once, so its figure only reflects the few requests
 * the server let through; its 429 column tells the rest.
 */

import { RateLimiter, SumoClient, silentLogger } from '@sumo-ops/core';
import { startSimulator } from '@sumo-ops/simulator';
import { Agent, type Dispatcher, request } from 'undici';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const PER_SECOND = 20;
const CONCURRENT = 10;
const LATENCY: [number, number] = [20, 80];
const ACCESS_ID = 'sim-access-id';
const ACCESS_KEY = 'sim-access-key';

interface Row {
  variant: string;
  ok: number;
  rateLimited: number;
  maxInFlight: number;
  seconds: number;
  ratio: number;
}

function achievedRatio(starts: number[], okCount: number): number {
  const span = (Math.max(...starts) - Math.min(...starts)) / 1000 + 1;
  return okCount / span / PER_SECOND;
}

async function main() {
  const sim = await startSimulator({
    rateLimit: { perSecond: PER_SECOND, concurrent: CONCURRENT },
    faults: { latencyMs: LATENCY },
    org: { collectors: 20 },
  });
  const rows: Row[] = [];
  try {
    // Our client: the shared limiter plus retries, as the product uses it.
    sim.counters.reset();
    const starts: number[] = [];
    // Record when each request really leaves, below the limiter and the retry loop.
    const dispatcher = new Agent().compose((dispatch: Dispatcher['dispatch']) => (options, handler) => {
      starts.push(performance.now());
      return dispatch(options, handler);
    });
    const client = new SumoClient({
      dispatcher,
      accessId: ACCESS_ID,
      accessKey: ACCESS_KEY,
      apiUrl: sim.apiUrl,
      env: {},
      logger: silentLogger,
      rateLimiter: new RateLimiter({ limits: { perSecond: PER_SECOND, concurrent: CONCURRENT } }),
    });
    let began = performance.now();
    const ours = await Promise.allSettled(
      Array.from({ length: REQUESTS }, () => client.get('/v1/collectors', { limit: 1 })),
    );
    let seconds = (performance.now() - began) / 1000;
    const okOurs = ours.filter((outcome) => outcome.status === 'fulfilled').length;
    rows.push({
      variant: 'sumo-ops client (sliding window + gate)',
      ok: okOurs,
      rateLimited: sim.counters.rateLimited,
      maxInFlight: sim.counters.maxInFlight[ACCESS_ID] ?? 0,
      seconds,
      ratio: achievedRatio(starts, okOurs),
    });
    await client.close();
    await dispatcher.close();

    // Naive baseline: everything at once, no limiter, no retry. Wait out the simulator's window
    // first so the previous run's admissions do not count against it.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    sim.counters.reset();
    const authorization = `Basic ${Buffer.from(`${ACCESS_ID}:${ACCESS_KEY}`).toString('base64')}`;
    const naiveStarts: number[] = [];
    began = performance.now();
    const naive = await Promise.all(
      Array.from({ length: REQUESTS }, async () => {
        naiveStarts.push(performance.now());
        const response = await request(`${sim.apiUrl}/v1/collectors?limit=1`, {
          headers: { authorization, accept: 'application/json' },
        });
        await response.body.dump();
        return response.statusCode;
      }),
    );
    seconds = (performance.now() - began) / 1000;
    const okNaive = naive.filter((status) => status === 200).length;
    rows.push({
      variant: 'naive Promise.all (no limiter)',
      ok: okNaive,
      rateLimited: sim.counters.rateLimited,
      maxInFlight: sim.counters.maxInFlight[ACCESS_ID] ?? 0,
      seconds,
      ratio: achievedRatio(naiveStarts, okNaive),
    });
  } finally {
    await sim.close();
  }

  console.log(
    `bench/rate-limit: ${REQUESTS} requests, limit ${PER_SECOND}/s and ${CONCURRENT} in flight, latency ${LATENCY[0]}–${LATENCY[1]} ms (Node ${process.version})`,
  );
  console.table(
    rows.map((row) => ({
      variant: row.variant,
      '2xx': row.ok,
      'job done': `${((row.ok / REQUESTS) * 100).toFixed(0)}%`,
      '429s': row.rateLimited,
      'max in flight': row.maxInFlight,
      'wall s': row.seconds.toFixed(2),
      'achieved ÷ allowed rate': row.ratio.toFixed(3),
    })),
  );
  const [oursRow] = rows;
  const pass =
    oursRow !== undefined &&
    oursRow.ratio >= 0.95 &&
    oursRow.rateLimited === 0 &&
    oursRow.maxInFlight <= CONCURRENT;
  console.log(
    `targets (client): achieved ÷ allowed ≥ 0.95, 429s = 0, max in flight ≤ ${CONCURRENT} → ${pass ? 'MET' : 'NOT MET'}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
