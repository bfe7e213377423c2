/**
 * Production Redis with Sentinel: one primary, one replica (`--replicaof`) and three sentinels,
 * Debian's `redis-server` and `redis-sentinel` started here on free loopback ports. Three built
 * `sumo-ops-mcp` processes on one access key find the primary through the sentinels
 * (SUMO_OPS_REDIS_SENTINELS, SUMO_OPS_REDIS_MASTER), read against a simulator enforcing Sumo's
 * limits and redeem confirmations on each other's tokens, while the primary is killed mid-run.
 */
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { RedisBackend, silentLogger } from '@sumo-ops/core';
import {
  DEFAULT_CREDENTIALS,
  type LocalRedis,
  type LocalSentinels,
  REAL_RATE_LIMIT,
  type Simulator,
  startRedisSentinels,
  startRedisServer,
  startSimulator,
} from '@sumo-ops/simulator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { errorCode, textOf } from './support/mcp-harness.js';
import { callsTo } from './support/seeded-org.js';

const MCP_BIN = fileURLToPath(new URL('../apps/mcp-server/dist/bin.js', import.meta.url));
const REPLICAS = 3;
const CALLS_PER_REPLICA = 20;
const CONCURRENCY = 5;
const PREFIX = 'sentinel-e2e:';
/** Confirmations in flight across the failover. */
const TOKENS = 6;

interface Replica {
  client: Client;
  /** Its JSON log lines' messages, as they arrive. */
  logs: string[];
}

let sim: Simulator;
let primary: LocalRedis;
let replica: LocalRedis;
let sentinels: LocalSentinels;
let replicas: Replica[] = [];

beforeAll(async () => {
  sim = await startSimulator({
    rateLimit: { ...REAL_RATE_LIMIT },
    faults: { latencyMs: 20 },
    org: { collectors: 30 },
  });
  primary = await startRedisServer();
  replica = await startRedisServer({ replicaOf: primary.port });
  sentinels = await startRedisSentinels({ primaryPort: primary.port, downAfterMs: 1_000 });
  // Killing the primary is a failover only once the sentinels know the replica and each other.
  await sentinels.waitUntilWatching({ replicas: 1, timeoutMs: 60_000 });
  replicas = await Promise.all(Array.from({ length: REPLICAS }, startReplica));
}, 90_000);

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.client.close()));
  await sentinels?.stop();
  await Promise.all([primary?.stop(), replica?.stop()]);
  await sim?.close();
});

async function startReplica(): Promise<Replica> {
  const credentials = DEFAULT_CREDENTIALS[0];
  if (!credentials) throw new Error('the simulator has no default credentials');
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [MCP_BIN],
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'info',
      SUMO_API_URL: sim.apiUrl,
      SUMO_ACCESS_ID: credentials.accessId,
      SUMO_ACCESS_KEY: credentials.accessKey,
      SUMO_OPS_REDIS_SENTINELS: sentinels.setting,
      SUMO_OPS_REDIS_MASTER: sentinels.masterName,
      SUMO_OPS_KEY_PREFIX: PREFIX,
    },
    stderr: 'pipe',
  });
  const logs: string[] = [];
  let pending = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      try {
        // Log lines carry `msg`; audit lines of writes (stderr too, on stdio) are kept whole.
        const entry = JSON.parse(line) as { msg?: unknown };
        logs.push(typeof entry.msg === 'string' ? entry.msg : line);
      } catch {
        logs.push(line);
      }
    }
  });
  const client = new Client({ name: 'sentinel-e2e', version: '0.0.0' });
  await client.connect(transport);
  return { client, logs };
}

const call = async (r: Replica, name: string, args: Record<string, unknown>) =>
  (await r.client.callTool({ name, arguments: args })) as CallToolResult;

async function preview(r: Replica, name: string): Promise<string> {
  const first = await call(r, 'create_hosted_collector', { name });
  const token = (first.structuredContent as { confirmationToken?: string } | undefined)?.confirmationToken;
  if (!token) throw new Error(`no confirmation token: ${textOf(first)}`);
  return token;
}

const redeem = (r: Replica, name: string, token: string) =>
  call(r, 'create_hosted_collector', { name, confirmationToken: token });

type Outcome = 'completed' | 'used' | 'unavailable';

/** What a redeem came to; anything but these three fails the test where it is read. */
function outcomeOf(result: CallToolResult): Outcome | string {
  if ((result.structuredContent as { status?: string } | undefined)?.status === 'completed')
    return 'completed';
  if (errorCode(result) === 'confirmation.used') return 'used';
  if (errorCode(result) === 'state.unavailable') return 'unavailable';
  return `${errorCode(result)}: ${textOf(result)}`;
}

describe('three MCP server processes on Redis with Sentinel', () => {
  it('keep the budget and confirm exactly once through a failover of the primary', async () => {
    // Every replica issues tokens only once it has reached the primary through the sentinels.
    await vi.waitFor(() => Promise.all(replicas.map((r, i) => preview(r, `warm-up-${i}`))), {
      timeout: 30_000,
      interval: 300,
    });
    // Issued before the primary falls (so the replica holds them too), redeemed by all three
    // replicas at once as it falls, and again on the new primary.
    const tokens = await Promise.all(
      Array.from({ length: TOKENS }, async (_, i) => {
        const name = `across-the-failover-${i}`;
        return { name, token: await preview(replicas[i % REPLICAS] as Replica, name) };
      }),
    );
    const fallen = { name: 'redeemed-while-the-primary-is-down', token: '' };
    fallen.token = await preview(replicas[0] as Replica, fallen.name);
    const outcomes = new Map<string, Array<Outcome | string>>(tokens.map(({ name }) => [name, []]));
    const redeemAll = () =>
      Promise.all(
        tokens.flatMap(({ name, token }) =>
          replicas.map(async (r) => {
            const answer = await redeem(r, name, token);
            outcomes.get(name)?.push(outcomeOf(answer));
            if (errorCode(answer) === 'state.unavailable') refusals.push(textOf(answer));
          }),
        ),
      );

    const collectorIds = sim.org
      .collectors()
      .slice(0, CALLS_PER_REPLICA)
      .map((collector) => String(collector.id));
    const total = REPLICAS * CALLS_PER_REPLICA;
    const readFailures: string[] = [];
    const refusals: string[] = [];
    let readsDone = 0;
    let failover: Promise<CallToolResult> | undefined;
    sim.counters.reset();
    const postsBefore = callsTo(sim, 'POST /v1/collectors');

    await Promise.all(
      replicas.map(async (r) => {
        const queue = [...collectorIds];
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
              const answer = await call(r, 'get_collector', { collector: id });
              if (answer.isError) readFailures.push(textOf(answer));
              readsDone += 1;
              if (!failover && readsDone >= total / 3) {
                failover = (async () => {
                  const racing = redeemAll();
                  await primary.stop();
                  // Sent once the primary is dead and long before a failover can have happened.
                  const refused = await redeem(replicas[1] as Replica, fallen.name, fallen.token);
                  await racing;
                  return refused;
                })();
              }
            }
          }),
        );
      }),
    );
    const refused = await (failover as Promise<CallToolResult>);

    expect(readFailures).toEqual([]);
    // Local Redis replicates in well under a millisecond, and a loaded machine can stall the
    // simulator's event loop long enough to squeeze two correctly spaced arrivals into one second
    // (see scale-out.e2e); a broken shared budget earns dozens. bench/scale-out measures 0.
    expect(sim.counters.rateLimited).toBeLessThanOrEqual(1);

    // Refused while the primary was gone, saying why and what to do; nothing was created.
    expect(errorCode(refused), textOf(refused)).toBe('state.unavailable');
    refusals.push(textOf(refused));
    for (const text of refusals) {
      expect(text).toMatch(/Redis primary "sumo-ops" through Sentinel at .* is unreachable/);
      expect(text).toMatch(
        /Nothing was changed\. If Redis Sentinel is failing over to a new primary, this lasts seconds: try again shortly/,
      );
    }
    expect(sim.org.collectorByName(fallen.name)).toBeUndefined();

    // The sentinels promote the replica; every process follows them there and confirms again.
    const newPrimaryPort = await sentinels.waitForFailover(primary.port, 60_000);
    expect(newPrimaryPort).toBe(replica.port);
    await vi.waitFor(
      async () =>
        expect(outcomeOf(await redeem(replicas[2] as Replica, fallen.name, fallen.token))).toBe('completed'),
      { timeout: 30_000, interval: 300 },
    );
    for (const [i, r] of replicas.entries()) {
      await vi.waitFor(
        async () => {
          const name = `after-the-failover-${i}`;
          expect(outcomeOf(await redeem(r, name, await preview(r, name)))).toBe('completed');
        },
        { timeout: 30_000, interval: 300 },
      );
    }
    // Tokens refused during the failover are still good, once; the others are used up. A take the
    // old primary made just as it fell, and was refused for want of its replica's acknowledgement,
    // may have been passed on anyway: that token is then used up without being run (at most once).
    await redeemAll();
    let completed = 0;
    for (const [name, seen] of outcomes) {
      for (const outcome of seen) expect(['completed', 'used', 'unavailable']).toContain(outcome);
      const runs = seen.filter((outcome) => outcome === 'completed').length;
      expect(runs, name).toBeLessThanOrEqual(1);
      expect(sim.org.collectors().filter((collector) => collector.name === name)).toHaveLength(runs);
      completed += runs;
    }
    // That takes the kill landing within a millisecond or two of a take; not more than twice.
    expect(completed).toBeGreaterThanOrEqual(TOKENS - 2);
    expect(outcomeOf(await redeem(replicas[0] as Replica, fallen.name, fallen.token))).toBe('used');
    expect(callsTo(sim, 'POST /v1/collectors') - postsBefore).toBe(completed + 1 + REPLICAS);

    // The shared budget lives on the new primary now.
    const onNewPrimary = new RedisBackend({
      url: `redis://127.0.0.1:${newPrimaryPort}`,
      keyPrefix: PREFIX,
      logger: silentLogger,
    });
    try {
      expect(await onNewPrimary.ready(5_000)).toBe(true);
      const keys = (await onNewPrimary.command(['KEYS', `${PREFIX}rate:*`])) as string[];
      expect(keys.length).toBeGreaterThan(0);
    } finally {
      await onNewPrimary.close();
    }

    // Each process said once that it lost shared state and once that it was back.
    for (const r of replicas) {
      const lost = r.logs.filter((message) => message.startsWith('shared state lost'));
      const back = r.logs.filter((message) => message.startsWith('shared state reachable again'));
      expect({ lost: lost.length, back: back.length }, r.logs.join('\n')).toEqual({ lost: 1, back: 1 });
    }
  }, 180_000);
});
