/**
 * How soon `run_search` answers a quick search: its time to answer ÷ the job's own run time, for
 * jobs that run 1.5 s and 4 s, side by side with a peer-style poller (status every 1 s, then the
 * page and the delete). Against the simulator with Sumo's real limits (4 requests/s, 10 in flight)
 * and 20 ms of latency on every API call; `run_search` goes through a real MCP client and server
 * in this process, with the product's default rate limiter.
 *
 * A simulated job stays NOT STARTED for `startDelayMs`, then scans `gatheringSpeed` messages a
 * second, newest first, until its range is covered (packages/simulator/src/search/search-service.ts):
 * its run time is startDelayMs + messages in range ÷ gatheringSpeed, set here per case. Each case
 * runs a plain query (its summary page can be read while the job gathers) and an aggregate one
 * (records are final only when it is done). Runs alternate between the two pollers, with a pause
 * that lets the rate window drain. Run: `pnpm bench:quick-search`.
 */
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
  silentLogger,
} from '@sumo-ops/core';
import { createSumoOpsMcp } from '@sumo-ops/mcp-server';
import { REAL_RATE_LIMIT, startSimulator } from '@sumo-ops/simulator';
import { median } from './stats.js';

const RUNS = 5;
const LATENCY_MS = 20;
const START_DELAY_MS = 500;
const MESSAGES = 60_000;
/** Rows the summary reads, as run_search does. */
const SUMMARY_ROWS = 1_000;
const PEER_POLL_MS = 1_000;
/** Longer than the rate window, so one run's requests do not slow the next. */
const PAUSE_MS = 1_500;
const MEDIAN_TARGET = 1.2;
const WORST_TARGET = 1.5;
const QUERIES = { plain: '*', aggregate: '* | count by _sourceCategory' } as const;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function newClient(apiUrl: string): SumoClient {
  // Each poller its own limiter with Sumo's limits, as separate processes would have.
  return new SumoClient({
    accessId: 'sim-access-id',
    accessKey: 'sim-access-key',
    apiUrl,
    env: {},
    logger: silentLogger,
    rateLimits: { ...REAL_RATE_LIMIT },
  });
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

interface Row {
  job: string;
  poller: string;
  ratios: number[];
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const jobSeconds of [1.5, 4]) {
    const to = Date.now() - 60_000;
    const from = to - 3_600_000;
    const sim = await startSimulator({
      rateLimit: { ...REAL_RATE_LIMIT },
      search: {
        corpusSize: MESSAGES,
        corpusFrom: from,
        corpusTo: to,
        startDelayMs: START_DELAY_MS,
        gatheringSpeed: MESSAGES / (jobSeconds - START_DELAY_MS / 1000),
      },
    });
    sim.setFaults({ latencyMs: LATENCY_MS });
    const mcpClient = newClient(sim.apiUrl);
    const peerClient = newClient(sim.apiUrl);
    const server = createSumoOpsMcp({ client: mcpClient, logger: silentLogger }).createServer();
    const client = new Client({ name: 'quick-search-bench', version: '0.0.0' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    await client.connect(clientSide);
    try {
      for (const [kind, query] of Object.entries(QUERIES)) {
        const job = `${jobSeconds} s job, ${kind} query`;
        const ours: Row = { job, poller: 'run_search', ratios: [] };
        const peer: Row = { job, poller: `peer, status every ${PEER_POLL_MS / 1000} s`, ratios: [] };
        for (let run = 0; run < RUNS; run += 1) {
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
          ours.ratios.push(elapsed / (jobSeconds * 1000));
          await pause(PAUSE_MS);
          peer.ratios.push((await peerSearch(peerClient, query, from, to)) / (jobSeconds * 1000));
          await pause(PAUSE_MS);
        }
        rows.push(ours, peer);
      }
    } finally {
      await client.close();
      await server.close();
      await mcpClient.close();
      await peerClient.close();
      await sim.close();
    }
  }

  console.log(
    `\nquick search: time to answer ÷ the job's own run time, ${RUNS} runs each, simulator at Sumo's limits (${REAL_RATE_LIMIT.perSecond}/s, ${REAL_RATE_LIMIT.concurrent} in flight) and ${LATENCY_MS} ms API latency (Node ${process.version})\n`,
  );
  const width = Math.max(...rows.map((row) => row.job.length));
  const pollerWidth = Math.max(...rows.map((row) => row.poller.length));
  console.log(`${'job'.padEnd(width)}  ${'poller'.padEnd(pollerWidth)}  median  worst  runs`);
  for (const row of rows) {
    const runs = row.ratios.map((ratio) => ratio.toFixed(2)).join(' ');
    console.log(
      `${row.job.padEnd(width)}  ${row.poller.padEnd(pollerWidth)}  ${median(row.ratios).toFixed(2).padStart(6)}  ${Math.max(
        ...row.ratios,
      )
        .toFixed(2)
        .padStart(5)}  ${runs}`,
    );
  }
  const ours = rows.filter((row) => row.poller === 'run_search');
  const met = ours.every(
    (row) => median(row.ratios) <= MEDIAN_TARGET && Math.max(...row.ratios) <= WORST_TARGET,
  );
  console.log(
    `\nrun_search targets: median ≤ ${MEDIAN_TARGET}, worst ≤ ${WORST_TARGET} in every case → ${met ? 'MET' : 'NOT MET'}`,
  );
}

try {
  await main();
} catch (error) {
  console.error(`quick-search could not run: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
}
