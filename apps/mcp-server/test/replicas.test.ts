/**
 * Replicas of the built `sumo-ops-mcp` serving Streamable HTTP, sharing one redis-server, against
 * one simulator: what a team gets behind a load balancer without sticky sessions.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { META_FRESHNESS } from '@sumo-ops/mcp-server';
import { type LocalRedis, type Simulator, startRedisServer, startSimulator } from '@sumo-ops/simulator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  callTool,
  type HttpReplica,
  httpClient,
  requireBuiltBin,
  startHttpReplica,
  sumoEnv,
} from './support/bin-process.js';
import { errorCode, textOf } from './support/harness.js';
import { callsTo } from './support/org.js';
import { roundRobinProxy } from './support/round-robin-proxy.js';

let sim: Simulator;
let redis: LocalRedis;
let a: HttpReplica;
let b: HttpReplica;
let clientA: Client;
let clientB: Client;

beforeAll(async () => {
  requireBuiltBin();
  sim = await startSimulator({
    org: { collectors: 12 },
    rateLimit: { perSecond: 50, concurrent: 10 },
    // Searches take minutes: 200,000 messages scanned at 1,000 a second.
    search: { corpusSize: 200_000, gatheringSpeed: 1_000 },
  });
  redis = await startRedisServer();
  const env = sumoEnv(sim, { SUMO_OPS_REDIS_URL: redis.url, SUMO_OPS_KEY_PREFIX: 'replicas-test:' });
  [a, b] = await Promise.all([startHttpReplica(env), startHttpReplica(env)]);
  clientA = await httpClient(a.mcpUrl);
  clientB = await httpClient(b.mcpUrl);
}, 30_000);

afterAll(async () => {
  await clientA?.close();
  await clientB?.close();
  for (const replica of [a, b]) {
    replica?.child.kill('SIGTERM');
    await replica?.exited(10_000).catch(() => replica.child.kill('SIGKILL'));
  }
  await redis?.stop();
  await sim?.close();
});

async function preview(client: Client, name: string): Promise<string> {
  const first = await callTool(client, 'create_hosted_collector', { name });
  expect(first.structuredContent, textOf(first)).toMatchObject({ status: 'confirmation_required' });
  return (first.structuredContent as { confirmationToken: string }).confirmationToken;
}

describe('sumo-ops-mcp replicas sharing Redis', () => {
  it('answers identical reads on both replicas at once with one Sumo call, and says when it reuses one', async () => {
    const route = 'GET /v1/collectors';
    const before = callsTo(sim, route);
    // Slow enough that every call arrives while the first read is still in flight.
    sim.setFaults({ latencyMs: 300, routes: [route] });
    try {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          callTool(index % 2 === 0 ? clientA : clientB, 'list_collectors', { limit: 7 }),
        ),
      );
      for (const result of results) expect(result.structuredContent).toEqual(results[0]?.structuredContent);
      expect(callsTo(sim, route)).toBe(before + 1);
    } finally {
      sim.setFaults({});
    }
    const later = await callTool(clientB, 'list_collectors', { limit: 7 });
    expect(textOf(later)).toMatch(/As of (\d+ s|less than a second) ago/);
    expect(later._meta?.[META_FRESHNESS]).toMatchObject({ source: 'reused' });
    expect(callsTo(sim, route)).toBe(before + 1);
  });

  it('redeems a token issued by replica A on replica B once, and refuses it on A afterwards', async () => {
    const name = 'made-across-replicas';
    const token = await preview(clientA, name);
    expect(sim.org.collectorByName(name)).toBeUndefined();
    const posts = callsTo(sim, 'POST /v1/collectors');

    const onB = await callTool(clientB, 'create_hosted_collector', { name, confirmationToken: token });
    expect(onB.structuredContent, textOf(onB)).toMatchObject({ status: 'completed' });
    expect(sim.org.collectorByName(name)).toBeDefined();

    const againOnA = await callTool(clientA, 'create_hosted_collector', { name, confirmationToken: token });
    expect(againOnA.isError).toBe(true);
    expect(errorCode(againOnA)).toBe('confirmation.used');
    expect(callsTo(sim, 'POST /v1/collectors')).toBe(posts + 1);
  });

  it('serves one client whose consecutive requests alternate between replicas (no sticky sessions)', async () => {
    const proxy = await roundRobinProxy([a.mcpUrl, b.mcpUrl]);
    try {
      const client = await httpClient(proxy.url);
      const listed = await callTool(client, 'list_collectors', { limit: 2 });
      expect(listed.isError, textOf(listed)).toBeFalsy();
      const name = 'made-through-the-balancer';
      const token = await preview(client, name);
      const done = await callTool(client, 'create_hosted_collector', { name, confirmationToken: token });
      expect(done.structuredContent, textOf(done)).toMatchObject({ status: 'completed' });
      await client.close();
      expect(proxy.served[0]).toBeGreaterThan(1);
      expect(proxy.served[1]).toBeGreaterThan(1);
      expect(proxy.sessionIds).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('keeps reading while Redis is down, refuses to redeem without writing, and confirms again once it is back', async () => {
    const name = 'made-after-an-outage';
    const token = await preview(clientA, name);
    const posts = callsTo(sim, 'POST /v1/collectors');
    await redis.stop();
    try {
      const listed = await callTool(clientB, 'list_collectors', { limit: 2 });
      expect(listed.isError, textOf(listed)).toBeFalsy();

      const refused = await callTool(clientB, 'create_hosted_collector', { name, confirmationToken: token });
      expect(refused.isError).toBe(true);
      expect(errorCode(refused)).toBe('state.unavailable');
      expect(textOf(refused)).toMatch(/Shared state \(Redis at redis:\/\/127\.0\.0\.1:\d+\) is unreachable/);
      expect(textOf(refused)).toMatch(/Nothing was changed.*SUMO_OPS_REDIS_URL/s);
      expect(sim.org.collectorByName(name)).toBeUndefined();
      expect(callsTo(sim, 'POST /v1/collectors')).toBe(posts);
    } finally {
      await redis.start();
    }
    // The replicas reconnect by themselves. Redis came back empty (no persistence): the record of
    // redeemed tokens is gone, and so is the key, so tokens from before are refused, not replayable.
    // Until a replica has reconnected, the old token is refused as unavailable (not used up).
    await vi.waitFor(
      async () => {
        for (const client of [clientA, clientB]) {
          const old = await callTool(client, 'create_hosted_collector', { name, confirmationToken: token });
          expect(errorCode(old)).toBe('confirmation.mismatch');
        }
      },
      { timeout: 15_000, interval: 300 },
    );
    expect(callsTo(sim, 'POST /v1/collectors')).toBe(posts);

    const fresh = await preview(clientA, name);

    const redeemed = await callTool(clientB, 'create_hosted_collector', { name, confirmationToken: fresh });
    expect(redeemed.structuredContent, textOf(redeemed)).toMatchObject({ status: 'completed' });
    expect(sim.org.collectorByName(name)).toBeDefined();
    expect(callsTo(sim, 'POST /v1/collectors')).toBe(posts + 1);
    const again = await callTool(clientA, 'create_hosted_collector', { name, confirmationToken: fresh });
    expect(errorCode(again)).toBe('confirmation.used');
  });

  it('previews without issuing a token on a replica that started while Redis was down, until Redis is back', async () => {
    const name = 'made-by-a-late-replica';
    await redis.stop();
    let late: HttpReplica | undefined;
    let client: Client | undefined;
    try {
      late = await startHttpReplica(
        sumoEnv(sim, { SUMO_OPS_REDIS_URL: redis.url, SUMO_OPS_KEY_PREFIX: 'replicas-test:' }),
      );
      client = await httpClient(late.mcpUrl);
      const listed = await callTool(client, 'list_collectors', { limit: 2 });
      expect(listed.isError, textOf(listed)).toBeFalsy();
      const first = await callTool(client, 'create_hosted_collector', { name });
      expect(first.isError).toBe(true);
      expect(errorCode(first)).toBe('state.unavailable');
      expect(textOf(first)).toMatch(
        /Confirmations are unavailable right now, so no confirmationToken was issued/,
      );
      expect(textOf(first)).toContain(name);

      await redis.start();
      // Once it reconnects it fetches the key the other replicas use: its token works on replica A.
      const token = await vi.waitFor(() => preview(client as Client, name), {
        timeout: 15_000,
        interval: 300,
      });
      // Replica A may still be reconnecting: it refuses (nothing used up) until it can read the key.
      const onA = await vi.waitFor(
        async () => {
          const answer = await callTool(clientA, 'create_hosted_collector', {
            name,
            confirmationToken: token,
          });
          if (errorCode(answer) === 'state.unavailable') throw new Error('replica A is still reconnecting');
          return answer;
        },
        { timeout: 15_000, interval: 300 },
      );
      expect(onA.structuredContent, textOf(onA)).toMatchObject({ status: 'completed' });
      expect(sim.org.collectorByName(name)).toBeDefined();
    } finally {
      if (!redis.running) await redis.start();
      await client?.close();
      late?.child.kill('SIGTERM');
      await late?.exited(10_000);
    }
  });

  it('leaves a kept search job to the other replicas on SIGTERM, and another replica continues it', async () => {
    const leaving = await startHttpReplica(
      sumoEnv(sim, { SUMO_OPS_REDIS_URL: redis.url, SUMO_OPS_KEY_PREFIX: 'replicas-test:' }),
    );
    const client = await httpClient(leaving.mcpUrl);
    const kept = await callTool(client, 'run_search', { query: 'error', from: '-24h', timeBudgetSeconds: 1 });
    expect(kept.structuredContent, textOf(kept)).toMatchObject({ jobKept: true, done: false });
    const { jobId } = kept.structuredContent as { jobId: string };
    await client.close();
    const deletes = callsTo(sim, 'DELETE /v1/search/jobs/:id');

    leaving.child.kill('SIGTERM');
    expect(await leaving.exited(10_000)).toBe(0);
    expect(leaving.stderr()).toMatch(
      /"msg":"shut down".*"searchJobsDeleted":0,"searchJobsLeftForReplicas":1/,
    );
    expect(sim.search.activeJobCount()).toBe(1);
    expect(callsTo(sim, 'DELETE /v1/search/jobs/:id')).toBe(deletes);

    const status = await callTool(clientB, 'get_search_status', { jobId });
    expect(status.isError, textOf(status)).toBeFalsy();
    const cancelled = await callTool(clientB, 'cancel_search', { jobId });
    expect(cancelled.structuredContent, textOf(cancelled)).toMatchObject({ deleted: true });
    expect(sim.search.activeJobCount()).toBe(0);
  });
});
