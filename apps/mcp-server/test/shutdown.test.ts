/**
 * How `sumo-ops-mcp` stops: SIGTERM or SIGINT (process managers, Ctrl-C) and stdin closing (how MCP
 * clients stop a stdio server). Without shared state nobody else can continue this process's
 * search jobs, so they must be deleted on Sumo, and the process must exit 0 within 10 seconds.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type Simulator, startSimulator } from '@sumo-ops/simulator';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type BinProcess,
  callTool,
  httpClient,
  requireBuiltBin,
  spawnBin,
  startHttpReplica,
  sumoEnv,
} from './support/bin-process.js';
import { textOf } from './support/harness.js';
import { callsTo } from './support/org.js';

/** A search that takes minutes of real time: 200,000 messages scanned at 1,000 a second. */
const SLOW_SEARCH = { query: 'error', from: '-24h' };
const EXIT_WITHIN_MS = 10_000;

let sim: Simulator | undefined;
let client: Client | undefined;

beforeAll(() => requireBuiltBin());
afterEach(async () => {
  await client?.close().catch(() => undefined);
  await sim?.close();
  client = undefined;
  sim = undefined;
});

async function slowSimulator(): Promise<Simulator> {
  sim = await startSimulator({
    org: { collectors: 6 },
    clockSpeed: 1,
    rateLimit: { perSecond: 50, concurrent: 10 },
    search: { corpusSize: 200_000, gatheringSpeed: 1_000 },
  });
  return sim;
}

/** The one line the server logs when it has finished shutting down. */
function shutdownLine(bin: BinProcess): Record<string, unknown> {
  const line = bin
    .stderr()
    .split('\n')
    .find((text) => text.includes('"msg":"shut down"'));
  expect(line, bin.stderr()).toBeDefined();
  return JSON.parse(line as string) as Record<string, unknown>;
}

describe('sumo-ops-mcp shutdown', () => {
  it('deletes a kept search job on SIGTERM and exits 0 within 10 s (HTTP, no Redis)', async () => {
    const simulator = await slowSimulator();
    const server = await startHttpReplica(sumoEnv(simulator));
    client = await httpClient(server.mcpUrl);
    const result = await callTool(client, 'run_search', { ...SLOW_SEARCH, timeBudgetSeconds: 1 });
    expect(result.structuredContent, textOf(result)).toMatchObject({ jobKept: true, done: false });
    expect(simulator.search.activeJobCount()).toBe(1);

    server.child.kill('SIGTERM');
    expect(await server.exited(EXIT_WITHIN_MS)).toBe(0);
    expect(simulator.search.activeJobCount()).toBe(0);
    expect(callsTo(simulator, 'DELETE /v1/search/jobs/:id')).toBe(1);
    expect(shutdownLine(server)).toMatchObject({ reason: 'SIGTERM', searchJobsDeleted: 1, callsAborted: 0 });
  });

  it('deletes a kept search job when the client closes stdin, and exits 0 within 10 s', async () => {
    const simulator = await slowSimulator();
    const server = spawnBin([], sumoEnv(simulator));
    const rpc = jsonRpcOverStdio(server);
    await rpc.request('initialize', {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'stdin-test', version: '0.0.0' },
    });
    rpc.notify('notifications/initialized');
    const answer = await rpc.request('tools/call', {
      name: 'run_search',
      arguments: { ...SLOW_SEARCH, timeBudgetSeconds: 1 },
    });
    expect(answer).toMatchObject({ structuredContent: { jobKept: true } });
    expect(simulator.search.activeJobCount()).toBe(1);

    server.child.stdin?.end();
    expect(await server.exited(EXIT_WITHIN_MS)).toBe(0);
    expect(simulator.search.activeJobCount()).toBe(0);
    expect(shutdownLine(server)).toMatchObject({ reason: 'stdin closed', searchJobsDeleted: 1 });
  });

  it('lets a search in flight run for the grace period, then stops it and deletes its job (SIGINT)', async () => {
    const simulator = await slowSimulator();
    const server = await startHttpReplica(sumoEnv(simulator));
    client = await httpClient(server.mcpUrl);
    const call = callTool(client, 'run_search', { ...SLOW_SEARCH, timeBudgetSeconds: 40 });
    await vi.waitFor(() => expect(simulator.search.activeJobCount()).toBe(1), { timeout: 5_000 });

    server.child.kill('SIGINT');
    const result = await call;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/stopped because this sumo-ops server is shutting down/);
    expect(await server.exited(EXIT_WITHIN_MS)).toBe(0);
    expect(simulator.search.activeJobCount()).toBe(0);
    expect(shutdownLine(server)).toMatchObject({ reason: 'SIGINT', callsAborted: 1 });
  });
});

/** Just enough of a stdio MCP client to keep stdin under the test's control. */
function jsonRpcOverStdio(bin: BinProcess) {
  const pending = new Map<number, (result: unknown) => void>();
  let buffered = '';
  let nextId = 1;
  bin.child.stdout?.setEncoding('utf8');
  bin.child.stdout?.on('data', (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const message = JSON.parse(buffered.slice(0, end)) as { id?: number; result?: unknown };
      buffered = buffered.slice(end + 1);
      if (message.id !== undefined) pending.get(message.id)?.(message.result);
    }
  });
  const send = (message: Record<string, unknown>) =>
    bin.child.stdin?.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
  return {
    request(method: string, params: Record<string, unknown>): Promise<unknown> {
      const id = nextId++;
      const answered = new Promise<unknown>((resolve) => pending.set(id, resolve));
      send({ id, method, params });
      return answered;
    },
    notify(method: string) {
      send({ method });
    },
  };
}
