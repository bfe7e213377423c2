/**
 * What the MCP layer costs: the same operations called directly (`catalog.run` with a client) and
 * as tool calls through a real MCP client over stdio, interleaved call by call against one
 * simulator in one run. Limits are high on both sides so the rate limiter is not what is measured.
 * The stdio server is a child process serving the package's `createSumoOpsMcp` with a client
 * configured exactly like the direct one (the shipped binary uses Sumo's real 4 requests/s).
 * Also prints the size of `tools/list` and of a `run_search` answer over 100,000 messages.
 * Run: `pnpm bench:mcp-overhead` (compiled JavaScript, as in production).
 */
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createCatalog, RateLimiter, SumoClient, silentLogger } from '@sumo-ops/core';
import { createSumoOpsMcp, serveStdio } from '@sumo-ops/mcp-server';
import { startSimulator } from '@sumo-ops/simulator';

const HIGH_LIMITS = { perSecond: 100_000, concurrent: 64 };
const CALLS = 300;
const WARMUP = 20;
const SEARCH_MESSAGES = 100_000;
const RATIO_TARGET = 1.3;
const SEARCH_TEXT_TARGET = 4_096;

function client(apiUrl: string): SumoClient {
  return new SumoClient({
    accessId: 'sim-access-id',
    accessKey: 'sim-access-key',
    apiUrl,
    env: {},
    logger: silentLogger,
    rateLimiter: new RateLimiter({ limits: HIGH_LIMITS }),
  });
}

const [mode, apiUrl] = process.argv.slice(2);
if (mode === '--serve-stdio' && apiUrl) {
  await serveStdio(createSumoOpsMcp({ client: client(apiUrl), logger: silentLogger }).createServer());
  process.exit(0);
}

interface Row {
  case: string;
  direct: number;
  mcp: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

async function main(): Promise<void> {
  const to = Date.now() - 60_000;
  const sim = await startSimulator({
    rateLimit: HIGH_LIMITS,
    clockSpeed: 1_000,
    org: { collectors: 200 },
    search: { corpusSize: SEARCH_MESSAGES, corpusFrom: to - 24 * 3_600_000, corpusTo: to },
  });
  const direct = client(sim.apiUrl);
  const catalog = createCatalog();
  const mcp = new Client({ name: 'mcp-overhead-bench', version: '0.0.0' });
  await mcp.connect(
    new StdioClientTransport({
      command: process.execPath,
      // The same Node flags as this process, so both sides run the same code.
      args: [...process.execArgv, fileURLToPath(import.meta.url), '--serve-stdio', sim.apiUrl],
      stderr: 'inherit',
    }),
  );
  try {
    const collectorId = sim.org.collectors()[0]?.id;
    const cases: Array<[string, Record<string, unknown>]> = [
      ['list_collectors', { limit: 50 }],
      ['get_collector', { collector: collectorId }],
      ['list_upgrade_targets', {}],
    ];
    const rows: Row[] = [];
    for (const latency of [0, 20]) {
      sim.setFaults({ latencyMs: latency });
      for (const [name, args] of cases) {
        const times = { direct: [] as number[], mcp: [] as number[] };
        for (let i = 0; i < WARMUP + CALLS; i += 1) {
          // Interleaved, so both sides see the same machine load.
          const t0 = performance.now();
          const input = catalog.parseInput(name, args);
          await catalog.run(name, { client: direct, logger: silentLogger }, input);
          const t1 = performance.now();
          const result = (await mcp.callTool({ name, arguments: args })) as CallToolResult;
          const t2 = performance.now();
          if (result.isError) throw new Error(`${name} failed over MCP: ${JSON.stringify(result.content)}`);
          if (i >= WARMUP) {
            times.direct.push(t1 - t0);
            times.mcp.push(t2 - t1);
          }
        }
        rows.push({
          case: `${name} (+${latency} ms API latency)`,
          direct: median(times.direct),
          mcp: median(times.mcp),
        });
      }
    }
    sim.setFaults({});

    const listed = await mcp.listTools();
    const toolsList = Buffer.byteLength(JSON.stringify(listed));
    const search = (await mcp.callTool({
      name: 'run_search',
      arguments: { query: '*', from: to - 24 * 3_600_000, to },
    })) as CallToolResult;
    if (search.isError) throw new Error(`run_search failed: ${JSON.stringify(search.content)}`);
    const searched = search.structuredContent as { messageCount: number };
    const text = search.content.map((item) => (item.type === 'text' ? item.text : '')).join('');
    const searchText = Buffer.byteLength(text);
    const searchStructured = Buffer.byteLength(JSON.stringify(search.structuredContent));

    const ratio = (row: Row) => row.mcp / row.direct;
    const overall = median(rows.filter((row) => row.case.includes('+0 ms')).map(ratio));
    const width = Math.max(...rows.map((row) => row.case.length));
    console.log(
      `\nMCP overhead: ${CALLS} calls per case, medians, stdio vs direct catalog.run (same simulator)\n`,
    );
    console.log(`${'case'.padEnd(width)}  direct ms  MCP ms  ratio  MCP − direct`);
    for (const row of rows) {
      console.log(
        `${row.case.padEnd(width)}  ${row.direct.toFixed(2).padStart(9)}  ${row.mcp.toFixed(2).padStart(6)}  ${ratio(row).toFixed(2).padStart(5)}  ${(row.mcp - row.direct).toFixed(2).padStart(8)} ms`,
      );
    }
    const verdict = (ok: boolean) => (ok ? 'within target' : 'OVER target');
    console.log(
      `\nmedian ratio without API latency: ${overall.toFixed(2)} (target ≤ ${RATIO_TARGET}: ${verdict(overall <= RATIO_TARGET)})`,
    );
    const realistic = median(rows.filter((row) => row.case.includes('+20 ms')).map(ratio));
    console.log(
      `median ratio with 20 ms API latency: ${realistic.toFixed(2)} (target ≤ ${RATIO_TARGET}: ${verdict(realistic <= RATIO_TARGET)})`,
    );
    console.log(`\ntools/list: ${toolsList.toLocaleString('en')} bytes (${listed.tools.length} tools)`);
    console.log(
      `run_search over ${searched.messageCount.toLocaleString('en')} messages: ${searchText.toLocaleString('en')} bytes of text, ${searchStructured.toLocaleString('en')} bytes structured (target ≤ ${SEARCH_TEXT_TARGET.toLocaleString('en')} bytes of text: ${verdict(searchText <= SEARCH_TEXT_TARGET)})`,
    );
  } finally {
    await mcp.close();
    await direct.close();
    await sim.close();
  }
}

try {
  await main();
} catch (error) {
  console.error(`mcp-overhead could not run: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
}
