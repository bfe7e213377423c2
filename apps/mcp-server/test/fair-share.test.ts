/**
 * A fair share per person: each caller's Sumo requests hold at most N of the key's ten in-flight
 * slots, in one process and across replicas sharing Redis — watched at the simulator, which
 * counts the requests it has in flight.
 */
import { connectSumo, createLogger, createStores, loadStateConfig, type Stores } from '@sumo-ops/core';
import { type LocalRedis, startRedisServer } from '@sumo-ops/simulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatedSumo, startSimulatedSumo } from '../../../test/support/simulated-sumo.js';
import { PROD_KEY, STAGING_KEY, startTwoOrgs } from '../../../test/support/two-orgs.js';
import { createFairShare } from '../src/auth/fair-share.js';

let sumo: SimulatedSumo | undefined;
let redis: LocalRedis;
const stores: Stores[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
});

afterEach(async () => {
  // Once: a test without a simulator of its own leaves the last one closed.
  await sumo?.close();
  sumo = undefined;
  for (const store of stores.splice(0)) await store.close();
});

afterAll(async () => {
  await redis?.stop();
});

const alice = { subject: 'alice' };
const bob = { subject: 'bob' };

/** Every request is held at the simulator a while, so requests overlap and their order shows. */
async function slowSumo(): Promise<SimulatedSumo> {
  sumo = await startSimulatedSumo({ org: { collectors: 2 }, faults: { latencyMs: 150 } });
  return sumo;
}

/** Starts `count` requests at once; resolves with the order each finished in, by caller. */
function burst(client: SimulatedSumo['client'], count: number, finished: string[], who: string) {
  return Promise.all(
    Array.from({ length: count }, () => client.get('/v1/collectors').then(() => finished.push(who))),
  );
}

describe('fair share per caller', () => {
  it("caps one caller's requests in flight, so another caller's requests go ahead of their backlog", async () => {
    const { client, sim } = await slowSumo();
    const share = createFairShare({ maxInFlight: 4 });
    const finished: string[] = [];
    await Promise.all([
      burst(share(client, alice), 10, finished, 'alice'),
      burst(share(client, bob), 3, finished, 'bob'),
    ]);
    expect(sim.counters.maxInFlight['sim-access-id']).toBeLessThanOrEqual(7);
    // Bob's requests did not wait behind all of Alice's ten.
    expect(finished.lastIndexOf('bob')).toBeLessThan(finished.lastIndexOf('alice'));
    expect(finished.slice(-3)).toEqual(['alice', 'alice', 'alice']);
  });

  it("gives a caller a share of each org's key: a burst in one org does not hold back the other", async () => {
    const two = await startTwoOrgs({ simulator: { faults: { latencyMs: 150 } } });
    const connection = await connectSumo({ env: two.env, logger: createLogger({ level: 'silent' }) });
    try {
      const share = createFairShare({ maxInFlight: 4 });
      const finished: string[] = [];
      await Promise.all([
        burst(share(connection.orgs.get('prod').client, alice), 6, finished, 'prod'),
        burst(share(connection.orgs.get('staging').client, alice), 6, finished, 'staging'),
      ]);
      expect(two.prod.counters.maxInFlight[PROD_KEY.accessId]).toBe(4);
      expect(two.staging.counters.maxInFlight[STAGING_KEY.accessId]).toBe(4);
      // Both orgs' first four ran side by side, not staging's behind production's.
      expect(finished.slice(0, 8).filter((org) => org === 'staging')).toHaveLength(4);
    } finally {
      await connection.close();
      await two.close();
    }
  });

  it('leaves a call with no caller (stdio, static token) on the shared client', async () => {
    const { client } = await slowSumo();
    expect(createFairShare({ maxInFlight: 1 })(client, undefined)).toBe(client);
  });

  it("holds the cap across replicas that share Redis: Alice's requests on two replicas take 4 slots between them", async () => {
    const { client, sim } = await slowSumo();
    const config = loadStateConfig({
      SUMO_OPS_REDIS_URL: redis.url,
      SUMO_OPS_KEY_PREFIX: 'fair-share-test:',
    });
    const logger = createLogger({ level: 'silent' });
    const [a, b] = [createStores(config, { logger }), createStores(config, { logger })];
    stores.push(a, b);
    const onA = createFairShare({ maxInFlight: 4, store: a.rateLimitStore });
    const onB = createFairShare({ maxInFlight: 4, store: b.rateLimitStore });
    const finished: string[] = [];
    await Promise.all([
      burst(onA(client, alice), 6, finished, 'alice'),
      burst(onB(client, alice), 6, finished, 'alice'),
    ]);
    expect(finished).toHaveLength(12);
    expect(sim.counters.maxInFlight['sim-access-id']).toBe(4);
  });
});
