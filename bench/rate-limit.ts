/**
 * bench/rate-limit — does the client use the whole allowed rate without earning a single 429?
 *
 * N requests go through the client to the simulator at a fast limit with random latency, and the
 * same N requests go out as a naive `Promise.all` of bare undici calls, in the same run against
 * the same simulator. Achieved rate counts the window the last batch occupies:
 * 2xx ÷ (last start − first start + 1 s), so a client that keeps the limit exactly scores 1.0.
 * The naive baseline starts everything at once, so its figure only reflects the few requests
 * the server let through; its 429 column tells the rest.
 *
 * Then two orgs (SUMO_OPS_ORGS: two simulators, each with its own key and Sumo's real 4/s and 10
 * in flight) saturated at once from one process: each org's client, made from the orgs file as
 * every bin makes it, must reach ≥ 0.95 of its own 4/s with no 429 — neither budget slows the other.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrgsConfig, RateLimiter, SUMO_RATE_LIMITS, SumoClient, silentLogger } from '@sumo-ops/core';
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

function achievedRatio(starts: number[], okCount: number, perSecond = PER_SECOND): number {
  const span = (Math.max(...starts) - Math.min(...starts)) / 1000 + 1;
  return okCount / span / perSecond;
}

/** An undici dispatcher that records when each request really leaves, below the limiter and retries. */
function timedDispatcher(starts: number[]): Dispatcher {
  return new Agent().compose((dispatch: Dispatcher['dispatch']) => (options, handler) => {
    starts.push(performance.now());
    return dispatch(options, handler);
  });
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
    const dispatcher = timedDispatcher(starts);
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

const ORG_REQUESTS = Number(process.env.BENCH_ORG_REQUESTS ?? 80);

/** Two orgs from one orgs file, both saturated at once: each within its own 4/s. */
async function twoOrgs(): Promise<void> {
  const orgNames = ['prod', 'staging'] as const;
  const sims = await Promise.all(
    orgNames.map((name) =>
      startSimulator({
        credentials: [{ accessId: `${name}-access-id`, accessKey: `${name}-access-key` }],
        faults: { latencyMs: LATENCY },
        org: { collectors: 20 },
      }),
    ),
  );
  const dir = await mkdtemp(join(tmpdir(), 'bench-orgs-'));
  const rows: Array<Record<string, string | number>> = [];
  let met = true;
  try {
    const file = join(dir, 'orgs.json');
    const env: Record<string, string> = { SUMO_OPS_ORGS: file };
    const orgs: Record<string, unknown> = {};
    orgNames.forEach((name, index) => {
      const key = name.toUpperCase();
      orgs[name] = {
        apiUrl: sims[index]?.apiUrl,
        accessIdEnv: `${key}_SUMO_ACCESS_ID`,
        accessKeyEnv: `${key}_SUMO_ACCESS_KEY`,
      };
      env[`${key}_SUMO_ACCESS_ID`] = `${name}-access-id`;
      env[`${key}_SUMO_ACCESS_KEY`] = `${name}-access-key`;
    });
    await writeFile(file, JSON.stringify({ default: 'prod', orgs }));
    const config = loadOrgsConfig(env);
    // As connectSumo makes them: one client per org, its budget keyed by its access id.
    const runs = orgNames.map((name) => {
      const starts: number[] = [];
      const dispatcher = timedDispatcher(starts);
      const client = new SumoClient({
        config: config.orgs.get(name) as NonNullable<ReturnType<typeof config.orgs.get>>,
        dispatcher,
        env: {},
        logger: silentLogger,
      });
      return { name, starts, dispatcher, client };
    });
    const began = performance.now();
    const outcomes = await Promise.all(
      runs.map(({ client }) =>
        Promise.allSettled(
          Array.from({ length: ORG_REQUESTS }, () => client.get('/v1/collectors', { limit: 1 })),
        ),
      ),
    );
    const seconds = (performance.now() - began) / 1000;
    runs.forEach((run, index) => {
      const sim = sims[index];
      const ok = outcomes[index]?.filter((outcome) => outcome.status === 'fulfilled').length ?? 0;
      const ratio = achievedRatio(run.starts, ok, SUMO_RATE_LIMITS.perSecond);
      const rateLimited = sim?.counters.rateLimited ?? 0;
      met &&= ratio >= 0.95 && rateLimited === 0 && ok === ORG_REQUESTS;
      rows.push({
        org: run.name,
        '2xx': ok,
        '429s': rateLimited,
        'max in flight': sim?.counters.maxInFlight[`${run.name}-access-id`] ?? 0,
        'wall s': seconds.toFixed(2),
        'achieved ÷ its own 4/s': ratio.toFixed(3),
      });
    });
    await Promise.all(
      runs.map(async ({ client, dispatcher }) => {
        await client.close();
        await dispatcher.close();
      }),
    );
  } finally {
    await Promise.all(sims.map((sim) => sim.close()));
    await rm(dir, { recursive: true, force: true });
  }
  console.log(
    `\nbench/rate-limit, two orgs at once: ${ORG_REQUESTS} requests each, Sumo's limits per org (4/s, 10 in flight), latency ${LATENCY[0]}–${LATENCY[1]} ms`,
  );
  console.table(rows);
  console.log(`targets (each org): achieved ÷ its own 4/s ≥ 0.95, 429s = 0 → ${met ? 'MET' : 'NOT MET'}`);
}

main()
  .then(twoOrgs)
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
