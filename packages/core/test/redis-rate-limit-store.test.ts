import { setTimeout as sleep } from 'node:timers/promises';
import { type LocalRedis, startRedisServer, startSimulator } from '@sumo-ops/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createStores,
  InMemoryRateLimitStore,
  loadStateConfig,
  type RateLimitDecision,
  RateLimiter,
  type RateLimitStore,
  type RateLimits,
  RedisBackend,
  RedisRateLimitStore,
  SUMO_RATE_LIMITS,
  SumoClient,
  silentLogger,
} from '../src/index.js';

// Each replica below has its own RedisBackend (its own connection and process id) and its own
// store, which is all that tells one process from another as far as Redis is concerned.

let redis: LocalRedis;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await redis.stop();
});

interface Replica {
  backend: RedisBackend;
  store: RedisRateLimitStore;
}

const uniquePrefix = () => `t${Math.random().toString(36).slice(2)}:`;

async function replica(
  prefix: string,
  options: { url?: string; leaseMs?: number; heartbeatMs?: number } = {},
): Promise<Replica> {
  const backend = new RedisBackend({
    url: options.url ?? redis.url,
    keyPrefix: prefix,
    logger: silentLogger,
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
  });
  const store = new RedisRateLimitStore(backend, {
    logger: silentLogger,
    ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
  });
  cleanups.push(async () => {
    store.close();
    await backend.close();
  });
  expect(await backend.ready(5_000)).toBe(true);
  return { backend, store };
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

function leaseOf(decision: RateLimitDecision): string {
  if (!decision.granted) throw new Error(`expected a grant, got ${JSON.stringify(decision)}`);
  return decision.lease;
}

/**
 * A grant as this process saw it: when its `tryAcquire` was sent and when the answer came back.
 * The store stamped the start somewhere in between (Redis on its clock, this machine's), so
 * however late this process's event loop got to either side, the stamp is within.
 */
interface Grant {
  sent: number;
  returned: number;
}

/** A store that notes every grant's `Grant` times in `grants`. */
function noting(store: RateLimitStore, grants: Grant[]): RateLimitStore {
  return {
    ...(store.pollMs === undefined ? {} : { pollMs: store.pollMs }),
    async tryAcquire(key, limits, now) {
      const sent = performance.now();
      const decision = await store.tryAcquire(key, limits, now);
      if (decision.granted) grants.push({ sent, returned: performance.now() });
      return decision;
    },
    release: (key, lease) => store.release(key, lease),
    widen: (key, widening, now) => store.widen(key, widening, now),
    wideningMs: (key, now) => store.wideningMs(key, now),
  };
}

/**
 * The shortest time `count` of the grants could have started within: over every `count` of them,
 * the latest answer less the earliest send. If the store kept at most `count − 1` starts in any
 * window, its stamps of any `count` grants are at least a window apart, and so is this (it can
 * only be longer than the stamps' spread); a store that let `count` start together fails it.
 */
function shortestSpread(grants: Grant[], count: number): number {
  let shortest = Number.POSITIVE_INFINITY;
  for (const [i, earliest] of grants.entries()) {
    // The other count − 1 sent no earlier, answered soonest.
    const answers = grants
      .filter((other, j) => j !== i && other.sent >= earliest.sent)
      .map((other) => other.returned)
      .sort((a, b) => a - b);
    if (answers.length < count - 1) continue;
    const latest = Math.max(earliest.returned, answers[count - 2] as number);
    shortest = Math.min(shortest, latest - earliest.sent);
  }
  return shortest;
}

/** Waits until a `penalize` has reached Redis (it is sent without waiting for the answer). */
async function widenedInRedis(r: Replica, key: string): Promise<void> {
  const hash = r.backend.key(`rate:{${key}}:widening`);
  const deadline = Date.now() + 5_000;
  while ((await r.backend.command(['EXISTS', hash])) !== 1) {
    if (Date.now() > deadline) throw new Error('the widening never reached Redis');
    await sleep(5);
  }
}

/** Three limiters, one per store, each running `perProcess` tasks; their grants and peak concurrency. */
async function runThree(
  stores: RateLimitStore[],
  limits: Partial<RateLimits>,
  perProcess: number,
  holdMs: number,
): Promise<{ grants: Grant[]; mostInFlight: number }> {
  const grants: Grant[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  await Promise.all(
    stores.map((store) => {
      const limiter = new RateLimiter({ limits, store: noting(store, grants) });
      return Promise.all(
        Array.from({ length: perProcess }, () =>
          limiter.schedule('budget', async () => {
            inFlight += 1;
            mostInFlight = Math.max(mostInFlight, inFlight);
            await sleep(holdMs);
            inFlight -= 1;
          }),
        ),
      );
    }),
  );
  return { grants, mostInFlight };
}

describe('Redis rate budget shared by several processes', () => {
  it('never lets three processes start more than 4 requests in any second between them', async () => {
    const prefix = uniquePrefix();
    const replicas = await Promise.all([0, 1, 2].map(() => replica(prefix)));
    const { grants } = await runThree(
      replicas.map((r) => r.store),
      SUMO_RATE_LIMITS,
      6,
      20,
    );
    expect(grants).toHaveLength(18);
    // Any 5 of the 18 starts span at least a second.
    expect(shortestSpread(grants, SUMO_RATE_LIMITS.perSecond + 1)).toBeGreaterThanOrEqual(1_000);

    // The same measurement on three per-process budgets (what each process had before) sees the
    // overrun: each of them starts its first 4 at once.
    const separate = await runThree(
      [0, 1, 2].map(() => new InMemoryRateLimitStore()),
      SUMO_RATE_LIMITS,
      6,
      20,
    );
    expect(shortestSpread(separate.grants, SUMO_RATE_LIMITS.perSecond + 1)).toBeLessThan(1_000);
  });

  it('never lets three processes hold more than 10 requests in flight between them', async () => {
    const prefix = uniquePrefix();
    const replicas = await Promise.all([0, 1, 2].map(() => replica(prefix)));
    // A fast window, so that only the in-flight gate holds requests back.
    const { grants, mostInFlight } = await runThree(
      replicas.map((r) => r.store),
      { perSecond: 1_000, concurrent: SUMO_RATE_LIMITS.concurrent },
      15,
      300,
    );
    expect(grants).toHaveLength(45);
    expect(mostInFlight).toBeLessThanOrEqual(SUMO_RATE_LIMITS.concurrent);
    // One gate for all three, not a third of it each.
    expect(mostInFlight).toBeGreaterThan(Math.ceil(SUMO_RATE_LIMITS.concurrent / 3));
  });

  it("frees a crashed process's in-flight slots once its leases expire, and not while it lives", async () => {
    const prefix = uniquePrefix();
    // Renewed every leaseMs / 3: a lease lapses only if its holder's event loop stalls for two
    // thirds of it. 300 ms let a loaded machine's stall lapse a live holder's leases.
    const leaseMs = 1_500;
    const limits = { perSecond: 1_000, concurrent: 3, windowMs: 1_025 };
    const crashing = await replica(prefix, { leaseMs });
    const survivor = await replica(prefix, { leaseMs });
    // The survivor holds (and keeps renewing) a slot throughout, as a working replica would, so
    // the budget's keys stay alive and only the crashed holder's own leases can expire.
    const kept = leaseOf(await survivor.store.tryAcquire('budget', limits, Date.now()));
    leaseOf(await crashing.store.tryAcquire('budget', limits, Date.now()));
    leaseOf(await crashing.store.tryAcquire('budget', limits, Date.now()));

    // Alive, the holder renews its leases well past their length.
    await sleep(leaseMs * 2);
    expect((await survivor.store.tryAcquire('budget', limits, Date.now())).granted).toBe(false);

    // A crash: renewal stops and the connection goes, with nothing released.
    crashing.store.close();
    await crashing.backend.close();
    expect(crashing.store.heldLeases()).toBe(2);
    expect((await survivor.store.tryAcquire('budget', limits, Date.now())).granted).toBe(false);
    const limiter = new RateLimiter({ limits, store: survivor.store });
    // Bounded generously: the slots come back after leaseMs (1.5 s), or the test fails here.
    const release = await limiter.acquire('budget', AbortSignal.timeout(10_000));
    release();
    await survivor.store.release('budget', kept);
  });

  it('grants a process with one waiter within a few grants while another has 50 queued', async () => {
    const prefix = uniquePrefix();
    const busy = await replica(prefix);
    const quiet = await replica(prefix);
    // One slot at a time, so every grant is a choice between the two processes.
    const limits = { perSecond: 1_000, concurrent: 1 };
    const busyLimiter = new RateLimiter({ limits, store: busy.store });
    const quietLimiter = new RateLimiter({ limits, store: quiet.store });
    const order: string[] = [];
    const busyDone = Promise.all(
      Array.from({ length: 50 }, () =>
        busyLimiter.schedule('budget', async () => {
          order.push('busy');
          await sleep(10);
        }),
      ),
    );
    await until(() => order.length >= 3);
    const grantsBefore = order.length;
    await quietLimiter.schedule('budget', async () => {
      order.push('quiet');
    });
    await busyDone;
    const busyGrantsWhileQuietWaited = order.indexOf('quiet') - grantsBefore;
    expect(busyGrantsWhileQuietWaited).toBeLessThanOrEqual(3);
    expect(order.filter((who) => who === 'busy')).toHaveLength(50);
  });

  it('makes access ids that name the same SUMO_OPS_RATE_KEY share one budget', async () => {
    const prefix = uniquePrefix();
    const clientFor = async (accessId: string, rateKey?: string) => {
      const stores = createStores(
        loadStateConfig({
          SUMO_OPS_REDIS_URL: redis.url,
          SUMO_OPS_KEY_PREFIX: prefix,
          ...(rateKey ? { SUMO_OPS_RATE_KEY: rateKey } : {}),
        }),
        { logger: silentLogger },
      );
      const client = new SumoClient({
        accessId,
        accessKey: `${accessId}-secret`,
        apiUrl: 'http://127.0.0.1:9/api',
        env: {},
        logger: silentLogger,
        rateLimits: { concurrent: 1 },
        rateLimitStore: stores.rateLimitStore,
        rateKey: stores.rateKey,
      });
      cleanups.push(async () => {
        await client.close();
        await stores.close();
      });
      expect(await (stores.backend as RedisBackend).ready(5_000)).toBe(true);
      return client;
    };
    const alice = await clientFor('access-id-a', 'team-budget');
    const bob = await clientFor('access-id-b', 'team-budget');
    const carol = await clientFor('access-id-c');
    expect([alice.rateKey, bob.rateKey, carol.rateKey]).toEqual([
      'team-budget',
      'team-budget',
      'access-id-c',
    ]);

    const releaseAlice = await alice.rateLimiter.acquire(alice.rateKey);
    let bobGranted = false;
    const bobAcquire = bob.rateLimiter.acquire(bob.rateKey).then((release) => {
      bobGranted = true;
      return release;
    });
    // Carol's key has a budget of its own: her slot is free while Alice holds the shared one.
    (await carol.rateLimiter.acquire(carol.rateKey))();
    await sleep(300);
    expect(bobGranted).toBe(false);
    releaseAlice();
    (await bobAcquire)();
    expect(bobGranted).toBe(true);
  });

  it('widens the window on every process sharing the budget when one of them meets a 429', async () => {
    const prefix = uniquePrefix();
    const [a, b] = await Promise.all([0, 1].map(() => replica(prefix)));
    const limits = { perSecond: 2, concurrent: 10, windowMs: 200 };
    // One step of 400 ms that lasts a minute: the test sees only the widening, not its wearing off.
    const widening = { penaltyStepMs: 400, maxPenaltyMs: 400, recoveryMs: 60_000 };
    const grants: Grant[] = [];
    const limiterA = new RateLimiter({ limits, store: a?.store, ...widening });
    const limiterB = new RateLimiter({ limits, store: noting((b as Replica).store, grants), ...widening });
    expect(limiterA.windowFor('budget')).toBe(200);

    limiterA.penalize('budget');
    expect(limiterA.windowFor('budget')).toBe(600);
    await widenedInRedis(a as Replica, 'budget');
    expect(limiterB.windowFor('budget')).toBe(200);
    // B learns it from Redis with its first grant, and paces every start by it.
    await Promise.all(Array.from({ length: 4 }, () => limiterB.schedule('budget', async () => undefined)));
    expect(limiterB.windowFor('budget')).toBe(600);
    // Any 3 of the 4 starts span the widened window; unwidened, they would fit in 250 ms (the
    // window and the 50 ms between processes).
    expect(shortestSpread(grants, limits.perSecond + 1)).toBeGreaterThanOrEqual(600);

    const otherKey = new RateLimiter({ limits, store: b?.store, ...widening });
    await otherKey.schedule('another-budget', async () => undefined);
    expect(otherKey.windowFor('another-budget')).toBe(200);
  });

  it("widens another client's window after a 429 that Sumo answered one client (through the SumoClient)", async () => {
    const sim = await startSimulator({ rateLimit: { perSecond: 500, concurrent: 20 } });
    cleanups.push(() => sim.close());
    const prefix = uniquePrefix();
    const clientFor = async () => {
      const stores = createStores(
        loadStateConfig({ SUMO_OPS_REDIS_URL: redis.url, SUMO_OPS_KEY_PREFIX: prefix }),
        { logger: silentLogger },
      );
      const client = new SumoClient({
        accessId: 'sim-access-id',
        accessKey: 'sim-access-key',
        apiUrl: sim.apiUrl,
        env: {},
        logger: silentLogger,
        rateLimitStore: stores.rateLimitStore,
        rateKey: stores.rateKey,
        retry: { baseDelayMs: 1, maxDelayMs: 5 },
      });
      cleanups.push(async () => {
        await client.close();
        await stores.close();
      });
      expect(await (stores.backend as RedisBackend).ready(5_000)).toBe(true);
      return client;
    };
    const [a, b] = [await clientFor(), await clientFor()] as [SumoClient, SumoClient];
    const widened = SUMO_RATE_LIMITS.windowMs + Math.ceil(SUMO_RATE_LIMITS.windowMs * 0.05);
    sim.setFaults({ rate429: 1, limit: 1 });
    await a.get('/v1/collectors', { limit: 1 });
    expect(sim.counters.byRoute['GET /v1/collectors']).toEqual({ 200: 1, 429: 1 });
    expect(a.rateLimiter.windowFor(a.rateKey)).toBe(widened);
    expect(b.rateLimiter.windowFor(b.rateKey)).toBe(SUMO_RATE_LIMITS.windowMs);
    await b.get('/v1/collectors', { limit: 1 });
    expect(b.rateLimiter.windowFor(b.rateKey)).toBe(widened);
  });

  it('lets a shared widening wear off, one step per recovery time, for every process', async () => {
    const prefix = uniquePrefix();
    const [a, b] = await Promise.all([0, 1].map(() => replica(prefix)));
    const limits = { perSecond: 100, concurrent: 10, windowMs: 200 };
    // One step that wears off after a second: B must have read it from Redis within that second
    // (300 ms was short enough for a loaded machine to miss it), and a second later it is gone.
    const widening = { penaltyStepMs: 100, maxPenaltyMs: 100, recoveryMs: 1_000 };
    const limiterA = new RateLimiter({ limits, store: a?.store, ...widening });
    const limiterB = new RateLimiter({ limits, store: b?.store, ...widening });
    limiterA.penalize('budget');
    await widenedInRedis(a as Replica, 'budget');
    await limiterB.schedule('budget', async () => undefined);
    expect(limiterB.windowFor('budget')).toBe(300);
    await sleep(1_100);
    await limiterB.schedule('budget', async () => undefined);
    expect(limiterB.windowFor('budget')).toBe(200);
    await limiterA.schedule('budget', async () => undefined);
    expect(limiterA.windowFor('budget')).toBe(200);
  });

  it('keeps granting on a local share (1/N) while Redis is down, and shares the budget again when it is back', async () => {
    const own = await startRedisServer();
    cleanups.push(() => own.stop());
    const prefix = uniquePrefix();
    const replicas = await Promise.all(
      // The product's own return spread (3 s): the replicas notice Redis is back up to one capped,
      // jittered reconnection delay (≤ 2 s) apart, and a shortened spread made this test depend on
      // them all reconnecting within it (a loaded CI machine did not).
      [0, 1, 2].map(() => replica(prefix, { url: own.url, heartbeatMs: 50 })),
    );
    await until(() => replicas.every((r) => r.backend.replicasSeen === 3));
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const rateOnly = { ...SUMO_RATE_LIMITS, concurrent: 1_000 };
    const gateOnly = { ...SUMO_RATE_LIMITS, perSecond: 1_000 };

    await own.stop();
    // What Redis granted in the last window is invisible locally, so each replica first waits a
    // window: the shared and the local budgets never overlap.
    for (const [r, limits] of [
      [a, rateOnly],
      [b, gateOnly],
    ] as const) {
      const quiet = await r.store.tryAcquire('quiet', limits, Date.now());
      expect(quiet).toMatchObject({ granted: false });
      expect(quiet.granted === false && quiet.retryInMs).toBeGreaterThan(SUMO_RATE_LIMITS.windowMs);
    }
    await sleep(SUMO_RATE_LIMITS.windowMs + 100);
    // 4/s shared by 3 replicas: 1 start per window for each.
    expect(leaseOf(await a.store.tryAcquire('rate', rateOnly, Date.now()))).toMatch(/^local:/);
    const refused = await a.store.tryAcquire('rate', rateOnly, Date.now());
    expect(refused).toMatchObject({ granted: false });
    expect(refused.granted === false && refused.retryInMs).toBeGreaterThan(0);
    // 10 in flight shared by 3: 3 each.
    const local = [];
    for (let i = 0; i < 3; i += 1)
      local.push(leaseOf(await b.store.tryAcquire('gate', gateOnly, Date.now())));
    expect((await b.store.tryAcquire('gate', gateOnly, Date.now())).granted).toBe(false);
    await b.store.release('gate', local[0] as string);
    leaseOf(await b.store.tryAcquire('gate', gateOnly, Date.now()));
    // And the limiter on top waits out the local window instead of failing.
    const release = await new RateLimiter({ limits: rateOnly, store: c.store }).acquire('rate');
    release();

    await own.start();
    for (const r of replicas) expect(await r.backend.ready(10_000)).toBe(true);
    // Shared again, but the others may not have noticed yet and still start on their local share
    // (1 a window each, invisible to Redis): right after the recovery Redis hands out 4 − 2 × 1.
    for (const r of [a, b]) {
      expect(leaseOf(await r.store.tryAcquire('recovering', rateOnly, Date.now()))).not.toMatch(/^local:/);
    }
    expect((await c.store.tryAcquire('recovering', rateOnly, Date.now())).granted).toBe(false);
    // Once every replica has surely noticed, the whole budget: two replicas' grants fill the one
    // window and the third is refused.
    const recovering = rateOnly.windowMs + 50 + 3_000;
    await until(() => replicas.every((r) => Date.now() > (r.backend.recoveredAt ?? Date.now()) + recovering));
    for (const r of [a, b, a, b]) {
      expect(leaseOf(await r.store.tryAcquire('shared', rateOnly, Date.now()))).not.toMatch(/^local:/);
    }
    expect((await c.store.tryAcquire('shared', rateOnly, Date.now())).granted).toBe(false);
  });

  it('waits for its last local start to leave the window before its first shared start', async () => {
    const own = await startRedisServer();
    cleanups.push(() => own.stop());
    const r = await replica(uniquePrefix(), { url: own.url });
    // A long window, so that Redis is surely back before the wait is over.
    const limits = { ...SUMO_RATE_LIMITS, windowMs: 20_000 };
    await own.stop();
    const quiet = await r.store.tryAcquire('k', limits, Date.now());
    expect(quiet.granted).toBe(false);
    const localAt = Date.now() + (quiet.granted ? 0 : (quiet.retryInMs ?? 0));
    expect(leaseOf(await r.store.tryAcquire('k', limits, localAt))).toMatch(/^local:/);
    await own.start();
    expect(await r.backend.ready(10_000)).toBe(true);
    const back = await r.store.tryAcquire('k', limits, localAt + 1_000);
    expect(back).toMatchObject({ granted: false });
    expect(back.granted === false && back.retryInMs).toBeGreaterThan(18_000);
    expect(leaseOf(await r.store.tryAcquire('k', limits, localAt + 20_100))).not.toMatch(/^local:/);
  });

  it('releases exactly the lease named, however often it is released', async () => {
    const prefix = uniquePrefix();
    const limits = { perSecond: 1_000, concurrent: 2, windowMs: 1_025 };
    const holder = await replica(prefix);
    const other = await replica(prefix);
    const first = leaseOf(await holder.store.tryAcquire('budget', limits, Date.now()));
    leaseOf(await holder.store.tryAcquire('budget', limits, Date.now()));
    expect((await other.store.tryAcquire('budget', limits, Date.now())).granted).toBe(false);

    await holder.store.release('budget', first);
    await holder.store.release('budget', first);
    await other.store.release('budget', 'a-lease-nobody-holds');
    leaseOf(await other.store.tryAcquire('budget', limits, Date.now()));
    // The second lease is still held: releasing the first twice did not free it.
    expect((await other.store.tryAcquire('budget', limits, Date.now())).granted).toBe(false);
    expect(holder.store.heldLeases()).toBe(1);
  });
});
