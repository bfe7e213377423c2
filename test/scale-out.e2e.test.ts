/**
 * What a team runs: three `sumo-ops-mcp` processes (built bins over stdio, real MCP clients) on one
 * access key, against a simulator enforcing Sumo's documented limits (4 requests/s, 10 in flight)
 * with 20 ms of API latency. Without shared state each process keeps its own 4/s and Sumo answers
 * 429; with one Redis they keep one budget between them. Redis is then killed mid-run and
 * restarted: no call may fail.
 */
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  DEFAULT_CREDENTIALS,
  type LocalRedis,
  REAL_RATE_LIMIT,
  type Simulator,
  startRedisServer,
  startSimulator,
} from '@sumo-ops/simulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const MCP_BIN = fileURLToPath(new URL('../apps/mcp-server/dist/bin.js', import.meta.url));
const REPLICAS = 3;
const CALLS_PER_REPLICA = 20;
/** Calls each replica has in flight at once, as an assistant working through a list would. */
const CONCURRENCY = 5;

interface ToolAnswer {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
}

let sim: Simulator;
let redis: LocalRedis;
let collectorIds: string[];
const clients: Client[] = [];

beforeAll(async () => {
  sim = await startSimulator({
    rateLimit: { ...REAL_RATE_LIMIT },
    faults: { latencyMs: 20 },
    org: { collectors: 30 },
  });
  redis = await startRedisServer();
  collectorIds = sim.org
    .collectors()
    .slice(0, CALLS_PER_REPLICA)
    .map((collector) => String(collector.id));
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  await sim?.close();
  await redis?.stop();
});

async function startReplicas(extraEnv: Record<string, string>): Promise<Client[]> {
  const credentials = DEFAULT_CREDENTIALS[0];
  if (!credentials) throw new Error('the simulator has no default credentials');
  const started = await Promise.all(
    Array.from({ length: REPLICAS }, async () => {
      const client = new Client({ name: 'scale-out', version: '0.0.0' });
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [MCP_BIN],
          env: {
            PATH: process.env.PATH ?? '',
            LOG_LEVEL: process.env.SCALE_OUT_LOG ?? 'error',
            SUMO_API_URL: sim.apiUrl,
            SUMO_ACCESS_ID: credentials.accessId,
            SUMO_ACCESS_KEY: credentials.accessKey,
            ...extraEnv,
          },
          stderr: process.env.SCALE_OUT_LOG ? 'inherit' : 'ignore',
        }),
      );
      return client;
    }),
  );
  clients.push(...started);
  return started;
}

/** Every replica works through its list with CONCURRENCY calls at a time; resolves with the failures. */
async function runAll(replicas: Client[], during?: (done: number) => Promise<void>): Promise<string[]> {
  const failures: string[] = [];
  let done = 0;
  await Promise.all(
    replicas.map(async (client) => {
      const queue = [...collectorIds];
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
            const answer = (await client.callTool({
              name: 'get_collector',
              arguments: { collector: id },
            })) as ToolAnswer;
            if (answer.isError) failures.push(answer.content.map((part) => part.text ?? '').join(' '));
            done += 1;
            await during?.(done);
          }
        }),
      );
    }),
  );
  return failures;
}

describe('three MCP server processes on one access key', () => {
  it('get many 429s from Sumo when each keeps its own budget', async () => {
    const replicas = await startReplicas({});
    sim.counters.reset();
    await runAll(replicas);
    // The control for the test below: without a shared budget, three processes ask for 12/s.
    expect(sim.counters.rateLimited).toBeGreaterThanOrEqual(20);
  }, 90_000);

  it('share one budget through Redis: (next to) no 429 from Sumo and no failed call', async () => {
    const replicas = await startReplicas({
      SUMO_OPS_REDIS_URL: redis.url,
      SUMO_OPS_KEY_PREFIX: 'scale-out:',
    });
    sim.counters.reset();
    const failures = await runAll(replicas);
    expect(failures).toEqual([]);
    // bench/scale-out measures 0. Here the simulator shares a CPU with every other suite running in
    // parallel (and in the load check, two busy cores beside them), and a stall of an event loop
    // between a slot granted and its request sent can squeeze two correctly spaced arrivals into
    // one second; a broken shared budget earns dozens (the control above: at least 20, 70–85 in
    // bench/scale-out), so a few stray 429s are allowed: 4 were seen once in CI on a loaded machine,
    // and the bound stays far below what a broken budget earns. Every call still succeeds: the
    // assertion above is the promise.
    expect(sim.counters.rateLimited).toBeLessThanOrEqual(8);
    expect(Object.values(sim.counters.maxInFlight)[0]).toBeLessThanOrEqual(REAL_RATE_LIMIT.concurrent);
  }, 90_000);

  it('lose no call when Redis is killed mid-run and restarted', async () => {
    const replicas = await startReplicas({
      SUMO_OPS_REDIS_URL: redis.url,
      SUMO_OPS_KEY_PREFIX: 'scale-out-outage:',
    });
    const total = REPLICAS * CALLS_PER_REPLICA;
    let stopped = false;
    let restarted = false;
    const failures = await runAll(replicas, async (done) => {
      if (!stopped && done >= total / 3) {
        stopped = true;
        await redis.stop();
      } else if (stopped && !restarted && done >= (total * 2) / 3) {
        restarted = true;
        await redis.start();
      }
    });
    expect(stopped && restarted).toBe(true);
    expect(failures).toEqual([]);
  }, 90_000);
});
