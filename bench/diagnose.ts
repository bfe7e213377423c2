/**
 * What `diagnose_collector` costs against what its answer needs: API calls and wall time ÷ the
 * minimum calls that answer needs, side by side with finding the same things by hand with the
 * separate read tools (get_collector or get_ot_collector, list_sources, list_upgrade_targets,
 * list_health_events for the collector, list_ingest_budgets, run_search over the last 15
 * minutes), called one after another as an assistant would (its own think time left out, which
 * favours the by-hand column). Against the simulator at Sumo's real limits (4 requests/s, 10 in
 * flight) with 20 ms of latency on every call, each side with its own client and limiter, runs
 * alternating with a pause that lets the rate window drain. Also prints `tools/list` bytes per
 * tool. Run: `pnpm bench:diagnose`.
 *
 * The minimum for one collector: find it (1), its sources (1, installed and hosted), the latest
 * build (1, installed), its health events (1 per 1000), the budgets (1 per 1000), and the data
 * search: create, one status, the records page when something arrived, delete.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createCatalog, type OperationContext, type SumoClient, silentLogger } from '@sumo-ops/core';
import { createSumoOpsMcp } from '@sumo-ops/mcp-server';
import { REAL_RATE_LIMIT, type Simulator, startSimulator } from '@sumo-ops/simulator';
import { simulatorClient } from './sim-client.js';
import { median } from './stats.js';

const RUNS = 5;
const LATENCY_MS = 20;
/** Longer than the rate window, so one run's requests do not slow the next. */
const PAUSE_MS = 1_500;
const CALLS_TARGET = 12;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const catalog = createCatalog();

function newClient(apiUrl: string): SumoClient {
  return simulatorClient(apiUrl, { rateLimits: { ...REAL_RATE_LIMIT } });
}

interface Subject {
  label: string;
  ref: number | string;
  kind: 'installed' | 'hosted' | 'ot';
}

interface Diagnosis {
  apiCalls: number;
  data: { checked: boolean; messages?: number };
}

function minimumCalls(kind: Subject['kind'], diagnosis: Diagnosis): number {
  const find = 1;
  const sources = kind === 'ot' ? 0 : 1;
  const latestBuild = kind === 'installed' ? 1 : 0;
  const eventsAndBudgets = 2;
  const search = 3 + ((diagnosis.data.messages ?? 0) > 0 ? 1 : 0);
  return find + sources + latestBuild + eventsAndBudgets + search;
}

const callsSoFar = (sim: Simulator) => sim.counters.total;

async function byHand(ctx: OperationContext, subject: Subject): Promise<void> {
  const run = (name: string, raw: unknown) => catalog.run(name, ctx, catalog.parseInput(name, raw));
  if (subject.kind === 'ot') {
    const collector = (await run('get_ot_collector', { collector: subject.ref })) as {
      id: string;
      name: string;
    };
    await run('list_health_events', { collector: collector.id });
    await run('list_ingest_budgets', {});
    await run('run_search', { query: `_collector="${collector.name}" | count by _source`, from: '-15m' });
    return;
  }
  const collector = (await run('get_collector', { collector: subject.ref })) as { id: number; name: string };
  await run('list_sources', { collector: collector.id });
  if (subject.kind === 'installed') await run('list_upgrade_targets', {});
  await run('list_health_events', { collector: collector.id });
  await run('list_ingest_budgets', {});
  await run('run_search', { query: `_collector="${collector.name}" | count by _source`, from: '-15m' });
}

interface Row {
  subject: string;
  minimum: number;
  oursCalls: number[];
  oursMs: number[];
  handCalls: number[];
  handMs: number[];
}

async function main(): Promise<void> {
  // The org's own collectors send logs (fleetLogs), so "did data arrive" has real answers.
  const sim = await startSimulator({
    rateLimit: { ...REAL_RATE_LIMIT },
    org: { collectors: 60 },
    search: { fleetLogs: true },
  });
  sim.setFaults({ latencyMs: LATENCY_MS });
  const ours = newClient(sim.apiUrl);
  const hand = newClient(sim.apiUrl);
  const oursCtx: OperationContext = { client: ours, logger: silentLogger };
  const handCtx: OperationContext = { client: hand, logger: silentLogger };
  try {
    const capped = sim.org
      .collectors()
      .find((c) => c.collectorType === 'Installable' && c.alive && c.osName === 'Linux');
    const s3Event = sim.org.healthEvents
      .unresolved()
      .find((event) => event.eventName === 'AwsS3AccessDenied');
    const s3Owner = sim.org.collectors().find((c) => c.name === s3Event?.resourceIdentity.collectorName);
    if (!capped || !s3Owner) throw new Error('the seeded org lacks the budget-capped or the S3 collector');
    const healthy = sim.org
      .collectors()
      .find(
        (c) =>
          c.alive &&
          c.collectorType === 'Installable' &&
          c.id !== capped.id &&
          (sim.org.sources(c.id)?.length ?? 0) > 0 &&
          !sim.org.healthEvents.unresolved().some((event) => event.resourceIdentity.collectorName === c.name),
      );
    if (!healthy) throw new Error('the seeded org lacks a healthy installed collector');
    const subjects: Subject[] = [
      { label: 'installed, budget Exceeded', ref: capped.id, kind: 'installed' },
      {
        label: `${s3Owner.collectorType === 'Hosted' ? 'hosted' : 'installed'}, S3 source denied`,
        ref: s3Owner.id,
        kind: s3Owner.collectorType === 'Hosted' ? 'hosted' : 'installed',
      },
      { label: 'installed, healthy, data arriving', ref: healthy.name, kind: 'installed' },
      { label: 'OT, exporter failing', ref: 'otel-staging-api-01', kind: 'ot' },
    ];
    const rows: Row[] = [];
    for (const subject of subjects) {
      const row: Row = {
        subject: subject.label,
        minimum: 0,
        oursCalls: [],
        oursMs: [],
        handCalls: [],
        handMs: [],
      };
      for (let run = 0; run < RUNS; run += 1) {
        let before = callsSoFar(sim);
        let started = performance.now();
        const diagnosis = (await catalog.run(
          'diagnose_collector',
          oursCtx,
          catalog.parseInput('diagnose_collector', { collector: subject.ref }),
        )) as Diagnosis;
        row.oursMs.push(performance.now() - started);
        row.oursCalls.push(callsSoFar(sim) - before);
        if (diagnosis.apiCalls !== callsSoFar(sim) - before)
          throw new Error(
            `diagnose_collector reported ${diagnosis.apiCalls} calls, the simulator saw ${callsSoFar(sim) - before}`,
          );
        row.minimum = minimumCalls(subject.kind, diagnosis);
        await pause(PAUSE_MS);
        before = callsSoFar(sim);
        started = performance.now();
        await byHand(handCtx, subject);
        row.handMs.push(performance.now() - started);
        row.handCalls.push(callsSoFar(sim) - before);
        await pause(PAUSE_MS);
      }
      rows.push(row);
    }

    console.log(
      `\ndiagnose: API calls and wall time ÷ the minimum calls the answer needs, ${RUNS} runs each, simulator at Sumo's limits (${REAL_RATE_LIMIT.perSecond}/s, ${REAL_RATE_LIMIT.concurrent} in flight) and ${LATENCY_MS} ms API latency (Node ${process.version})\n`,
    );
    const width = Math.max(...rows.map((row) => row.subject.length));
    console.log(
      `${'collector'.padEnd(width)}  min  diagnose: calls  ÷min  ms  ms÷min   by hand: calls  ÷min  ms  ms÷min   time by hand ÷ diagnose`,
    );
    for (const row of rows) {
      const oursCalls = median(row.oursCalls);
      const handCalls = median(row.handCalls);
      const oursMs = median(row.oursMs);
      const handMs = median(row.handMs);
      console.log(
        `${row.subject.padEnd(width)}  ${String(row.minimum).padStart(3)}  ${String(oursCalls).padStart(15)}  ${(oursCalls / row.minimum).toFixed(2)}  ${oursMs.toFixed(0).padStart(4)}  ${(oursMs / row.minimum).toFixed(0).padStart(6)}   ${String(handCalls).padStart(14)}  ${(handCalls / row.minimum).toFixed(2)}  ${handMs.toFixed(0).padStart(4)}  ${(handMs / row.minimum).toFixed(0).padStart(6)}   ${(handMs / oursMs).toFixed(2)}`,
      );
    }
    const worst = Math.max(...rows.flatMap((row) => row.oursCalls));
    console.log(
      `\ndiagnose_collector calls, worst run: ${worst} (target ≤ ${CALLS_TARGET}) → ${worst <= CALLS_TARGET ? 'MET' : 'NOT MET'}`,
    );

    const server = createSumoOpsMcp({ client: ours, logger: silentLogger }).createServer();
    const client = new Client({ name: 'diagnose-bench', version: '0.0.0' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    await client.connect(clientSide);
    const listed = await client.listTools();
    const bytes = Buffer.byteLength(JSON.stringify(listed));
    console.log(
      `tools/list: ${listed.tools.length} tools, ${bytes} B, ${(bytes / listed.tools.length).toFixed(0)} B per tool (target ≤ 1050) → ${bytes / listed.tools.length <= 1050 ? 'MET' : 'NOT MET'}`,
    );
    await client.close();
    await server.close();
  } finally {
    await ours.close();
    await hand.close();
    await sim.close();
  }
}

try {
  await main();
} catch (error) {
  console.error(`diagnose could not run: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
}
