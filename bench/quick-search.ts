/**
 * How soon `run_search` answers a quick search: its time to answer ÷ the job's own run time, side
 * by side with a peer-style poller (status every 1 s, then the summary's page, then the delete),
 * for jobs whose run times are drawn at random (seeded) between 1 and 6 s: one in each half second
 * of that span, so short jobs (the hardest to answer in proportion to their run time) are always
 * among them. Against the simulator in a process of its own (bench/quick-search-sumo.ts) with
 * Sumo's real limits (4 requests/s, 10 in flight per access id) and 20 ms of latency on every API
 * call; `run_search` goes through a real MCP client and server in this process, with the product's
 * default rate limiter.
 *
 * Each simulated job is DONE exactly its drawn time after its creation (`jobDurationMs`), so
 * where a job ends between two polls differs from case to case as it does against Sumo. Every
 * case runs a plain query (its summary page can be read while the job gathers) and an aggregate
 * one (records are final only when it is done), `RUNS` times each. The two pollers take turns on
 * two access ids (each its own rate budget, as two users; one at a time, so neither's CPU work in
 * this process slows the other's), with a pause that lets the rate windows drain. Run:
 * `pnpm bench:quick-search`.
 */

import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  createSearchJob,
  deleteSearchJob,
  getSearchJobMessages,
  getSearchJobRecords,
  getSearchJobStatus,
  SearchJobAffinity,
  SumoClient,
  searchJobRegistry,
  silentLogger,
} from '@sumo-ops/core';
import { createSumoOpsMcp } from '@sumo-ops/mcp-server';
import { createRandom, REAL_RATE_LIMIT } from '@sumo-ops/simulator';
import { Agent, type Dispatcher } from 'undici';
import { reply } from './ipc.js';
import { median } from './stats.js';

const SEED = 21;
const CASES = 10;
const RUNS = 3;
const SHORTEST_JOB_MS = 1_000;
const LONGEST_JOB_MS = 6_000;
const LATENCY_MS = 20;
const START_DELAY_MS = 500;
const MESSAGES = 60_000;
/** Rows the summary reads, as run_search does. */
const SUMMARY_ROWS = 1_000;
const PEER_POLL_MS = 1_000;
/** Longer than the rate window, so one run's requests do not slow the next. */
const PAUSE_MS = 1_100;
const MEDIAN_TARGET = 1.15;
const WORST_TARGET = 1.4;
const QUERIES = { plain: '*', aggregate: '* | count by _sourceCategory' } as const;
const OURS = { accessId: 'sim-access-id', accessKey: 'sim-access-key' };
const PEER = { accessId: 'peer-access-id', accessKey: 'peer-access-key' };

const SUMO = fileURLToPath(new URL('./quick-search-sumo.js', import.meta.url));

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Side {
  client: SumoClient;
  dispatcher: Dispatcher;
  /** Status calls this side has made. */
  statusCalls: { count: number };
}

function newSide(apiUrl: string, credentials: { accessId: string; accessKey: string }): Side {
  const statusCalls = { count: 0 };
  const countStatus =
    (dispatch: Dispatcher['dispatch']): Dispatcher['dispatch'] =>
    (options, handler) => {
      if (options.method === 'GET' && /\/v1\/search\/jobs\/[^/]+$/.test(options.path)) statusCalls.count += 1;
      return dispatch(options, handler);
    };
  const dispatcher = new Agent().compose(countStatus);
  // Each poller its own limiter with Sumo's limits, as separate processes would have.
  const client = new SumoClient({
    ...credentials,
    apiUrl,
    env: {},
    logger: silentLogger,
    rateLimits: { ...REAL_RATE_LIMIT },
    dispatcher,
  });
  return { client, dispatcher, statusCalls };
}

/** What peers' scripts do: create, poll every second until done, read the summary's page, delete. */
async function peerSearch(client: SumoClient, query: string, from: number, to: number): Promise<number> {
  const affinity = await SearchJobAffinity.create();
  const started = performance.now();
  const id = await createSearchJob(
    client,
    { query, from: String(from), to: String(to), timeZone: 'UTC' },
    { affinity },
  );
  for (;;) {
    const status = await getSearchJobStatus(client, id, { affinity });
    if (status.state === 'DONE GATHERING RESULTS') {
      const read = status.recordCount > 0 ? getSearchJobRecords : getSearchJobMessages;
      const count = status.recordCount > 0 ? status.recordCount : status.messageCount;
      await read(client, id, 0, Math.min(SUMMARY_ROWS, count), { affinity });
      break;
    }
    await pause(PEER_POLL_MS);
  }
  await deleteSearchJob(client, id, { affinity });
  return performance.now() - started;
}

interface Case {
  jobMs: number;
  kind: keyof typeof QUERIES;
  ours: number[];
  peer: number[];
  ourPolls: number;
  peerPolls: number;
}

async function main(): Promise<void> {
  const random = createRandom(SEED);
  const band = (LONGEST_JOB_MS - SHORTEST_JOB_MS) / CASES;
  const durations = Array.from({ length: CASES }, (_, index) =>
    Math.round(SHORTEST_JOB_MS + (index + random()) * band),
  );
  const to = Date.now() - 60_000;
  const from = to - 3_600_000;
  const sumo = fork(SUMO, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      QUICK_SEARCH_SUMO: JSON.stringify({
        credentials: [OURS, PEER],
        corpus: { size: MESSAGES, from, to },
        latencyMs: LATENCY_MS,
        startDelayMs: START_DELAY_MS,
      }),
    },
  });
  const { apiUrl } = await reply<{ apiUrl: string }>(sumo, 'ready');
  const ours = newSide(apiUrl, OURS);
  const peer = newSide(apiUrl, PEER);
  const server = createSumoOpsMcp({ client: ours.client, logger: silentLogger }).createServer();
  const client = new Client({ name: 'quick-search-bench', version: '0.0.0' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);

  const runSearch = async (query: string): Promise<number> => {
    const started = performance.now();
    const result = (await client.callTool({
      name: 'run_search',
      arguments: { query, from, to },
    })) as CallToolResult;
    const elapsed = performance.now() - started;
    const answer = result.structuredContent as { done?: boolean; messageCount?: number } | undefined;
    if (result.isError || answer?.done !== true || answer.messageCount !== MESSAGES) {
      throw new Error(`run_search did not finish the search: ${JSON.stringify(result.content)}`);
    }
    return elapsed;
  };

  const cases: Case[] = [];
  try {
    for (const jobMs of durations) {
      sumo.send({ jobDurationMs: jobMs });
      await reply(sumo, 'set');
      for (const [kind, query] of Object.entries(QUERIES) as [keyof typeof QUERIES, string][]) {
        const row: Case = { jobMs, kind, ours: [], peer: [], ourPolls: 0, peerPolls: 0 };
        const polls = { ours: ours.statusCalls.count, peer: peer.statusCalls.count };
        for (let run = 0; run < RUNS; run += 1) {
          row.ours.push((await runSearch(query)) / jobMs);
          await pause(PAUSE_MS);
          row.peer.push((await peerSearch(peer.client, query, from, to)) / jobMs);
          await pause(PAUSE_MS);
        }
        row.ourPolls = (ours.statusCalls.count - polls.ours) / RUNS;
        row.peerPolls = (peer.statusCalls.count - polls.peer) / RUNS;
        cases.push(row);
      }
    }
  } finally {
    await client.close();
    await server.close();
    // run_search deletes its last job just after answering: let that finish before closing.
    await searchJobRegistry.shutdown();
    for (const side of [ours, peer]) {
      await side.client.close();
      await side.dispatcher.close();
    }
    sumo.disconnect();
    await once(sumo, 'exit');
  }
  report(cases);
}

function report(cases: Case[]): void {
  console.log(
    `\nquick search: time to answer ÷ the job's own run time; ${CASES} job lengths drawn at random, one in each ${(LONGEST_JOB_MS - SHORTEST_JOB_MS) / CASES / 1000} s of ${SHORTEST_JOB_MS / 1000}–${LONGEST_JOB_MS / 1000} s (seed ${SEED}) × plain and aggregate query × ${RUNS} runs; simulator at Sumo's limits (${REAL_RATE_LIMIT.perSecond}/s, ${REAL_RATE_LIMIT.concurrent} in flight per access id) and ${LATENCY_MS} ms API latency; run_search over MCP and a 1 s poller taking turns on two access ids (Node ${process.version})\n`,
  );
  const header = [
    'job s',
    'query',
    'run_search median',
    'worst',
    'polls',
    '1 s poller median',
    'worst',
    'polls',
  ];
  const lines = cases.map((row) => [
    (row.jobMs / 1000).toFixed(3),
    row.kind,
    median(row.ours).toFixed(3),
    Math.max(...row.ours).toFixed(3),
    row.ourPolls.toFixed(1),
    median(row.peer).toFixed(3),
    Math.max(...row.peer).toFixed(3),
    row.peerPolls.toFixed(1),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column]?.length ?? 0)),
  );
  for (const line of [header, ...lines]) {
    console.log(line.map((cell, column) => cell.padStart(widths[column] ?? 0)).join('  '));
  }
  const all = (side: 'ours' | 'peer') => cases.flatMap((row) => row[side]);
  const slower = cases.filter((row) => median(row.ours) > median(row.peer));
  console.log(
    `\nall runs: run_search median ${median(all('ours')).toFixed(3)}, worst ${Math.max(...all('ours')).toFixed(3)}; 1 s poller median ${median(all('peer')).toFixed(3)}, worst ${Math.max(...all('peer')).toFixed(3)}`,
  );
  console.log(
    `cases where run_search's median is slower than the 1 s poller's: ${slower.length === 0 ? 'none' : slower.map((row) => `${(row.jobMs / 1000).toFixed(3)} s ${row.kind}`).join(', ')}`,
  );
  const met =
    median(all('ours')) <= MEDIAN_TARGET && Math.max(...all('ours')) <= WORST_TARGET && slower.length === 0;
  console.log(
    `run_search targets: median ≤ ${MEDIAN_TARGET}, worst ≤ ${WORST_TARGET}, never slower than the 1 s poller → ${met ? 'MET' : 'NOT MET'}`,
  );
}

try {
  await main();
} catch (error) {
  console.error(`quick-search could not run: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
}
