/**
 * The Redis backend on a primary found through Redis Sentinel: Debian's `redis-server` (a primary
 * and a `--replicaof` replica) and three `redis-sentinel`s started here on free loopback ports.
 * The primary is killed and the sentinels promote the replica while the backend is in use.
 */
import {
  type LocalRedis,
  type LocalSentinels,
  startRedisSentinels,
  startRedisServer,
} from '@sumo-ops/simulator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectOneOutageFrom } from '../../../test/support/outage-log.js';
import {
  checkRedis,
  checkSumoSettings,
  createLogger,
  createStores,
  formatCheckReport,
  isSharedStateUnavailable,
  loadStateConfig,
  RedisBackend,
  type RedisRateLimitStore,
  type Stores,
  SUMO_RATE_LIMITS,
} from '../src/index.js';

let primary: LocalRedis;
let replica: LocalRedis;
let sentinels: LocalSentinels;
const logs: Array<{ msg: string; [field: string]: unknown }> = [];
let stores: Stores;

beforeAll(async () => {
  primary = await startRedisServer();
  replica = await startRedisServer({ replicaOf: primary.port });
  sentinels = await startRedisSentinels({ primaryPort: primary.port, downAfterMs: 1_000 });
  await sentinels.waitUntilWatching({ replicas: 1, timeoutMs: 60_000 });
  const logger = createLogger({
    level: 'info',
    write: (line: string) => logs.push(JSON.parse(line) as { msg: string }),
  });
  stores = createStores(
    loadStateConfig({
      SUMO_OPS_REDIS_SENTINELS: sentinels.setting,
      SUMO_OPS_REDIS_MASTER: sentinels.masterName,
      SUMO_OPS_KEY_PREFIX: 'sentinel-test:',
    }),
    // The product's command deadline: WAIT for a replica's acknowledgement gets half of it, and a
    // shorter one made an acknowledgement slowed by a loaded machine count as none.
    { logger },
  );
}, 90_000);

afterAll(async () => {
  await stores?.close();
  await sentinels?.stop();
  await Promise.all([primary?.stop(), replica?.stop()]);
});

describe('--check with Redis Sentinel', () => {
  it('reports the primary the sentinels name, and each bad setting on its own line without its password', async () => {
    expect(await checkRedis(stores)).toEqual({
      name: 'redis',
      status: 'ok',
      detail: `Redis primary "sumo-ops" through Sentinel at ${sentinels.setting} answered PING (primary now 127.0.0.1:${primary.port})`,
    });
    const report = formatCheckReport(
      checkSumoSettings(
        {
          SUMO_OPS_REDIS_SENTINELS: `${sentinels.setting},:26379`,
          SUMO_OPS_REDIS_PASSWORD: 'pw-check-never-shown',
          SUMO_OPS_REDIS_DB: 'first',
        },
        { demo: true },
      ),
    );
    expect(report.passed).toBe(false);
    expect(report.text.split('\n').filter((line) => line.startsWith('FAIL'))).toEqual([
      'FAIL settings: SUMO_OPS_REDIS_SENTINELS has ":26379"',
      'FAIL settings: SUMO_OPS_REDIS_MASTER is not set',
      'FAIL settings: SUMO_OPS_REDIS_DB is "first"',
    ]);
    expect(report.text).not.toContain('pw-check-never-shown');
  });
});

describe('RedisBackend through Redis Sentinel', () => {
  it('follows a failover: refuses take-once while no primary answers, then carries on where the replica left off', async () => {
    const backend = stores.backend as RedisBackend;
    const rate = stores.rateLimitStore as RedisRateLimitStore;
    expect(backend).toBeInstanceOf(RedisBackend);
    expect(await backend.ready(10_000)).toBe(true);
    expect(backend.description).toBe(`Redis primary "sumo-ops" through Sentinel at ${sentinels.setting}`);
    expect(backend.primary).toBe(`127.0.0.1:${primary.port}`);

    // Written before the fall, so the replica has them; a take counts once a replica has it too.
    for (let i = 0; i < 5; i += 1) await backend.set(`confirmation-${i}`, `action-${i}`, { ttlMs: 60_000 });
    expect(await backend.take('confirmation-0')).toBe('action-0');
    // A take the replica has not acknowledged could come back after a failover: refused, and gone.
    await backend.set('unacknowledged', 'action', { ttlMs: 60_000 });
    replica.pause();
    let unacknowledged: unknown;
    try {
      await backend.take('unacknowledged');
    } catch (error) {
      unacknowledged = error;
    } finally {
      replica.resume();
    }
    expect(isSharedStateUnavailable(unacknowledged), String(unacknowledged)).toBe(true);
    expect((unacknowledged as Error).message).toMatch(/Nothing was changed/);
    expect(await backend.get('unacknowledged')).toBeUndefined();
    // A claim (set-if-absent) likewise counts once a replica has it: refused while none can say so.
    replica.pause();
    let unacknowledgedClaim: unknown;
    try {
      await backend.set('claim', 'watcher-a', { ttlMs: 60_000, onlyIfAbsent: true });
    } catch (error) {
      unacknowledgedClaim = error;
    } finally {
      replica.resume();
    }
    expect(isSharedStateUnavailable(unacknowledgedClaim), String(unacknowledgedClaim)).toBe(true);
    expect((unacknowledgedClaim as { mayHaveApplied?: boolean }).mayHaveApplied).toBe(true);
    expect(await backend.set('claim-2', 'watcher-a', { ttlMs: 60_000, onlyIfAbsent: true })).toBe(true);
    // A slot in flight when the primary falls, released while it is down.
    const gate = { ...SUMO_RATE_LIMITS, perSecond: 1_000, concurrent: 1 };
    const held = await rate.tryAcquire('gate', gate, Date.now());
    expect(held.granted).toBe(true);

    const killedAtLine = logs.length;
    await primary.stop();
    let refused: unknown;
    try {
      await backend.take('confirmation-1');
    } catch (error) {
      refused = error;
    }
    expect(isSharedStateUnavailable(refused), String(refused)).toBe(true);
    expect((refused as Error).message).toMatch(
      /^Shared state \(Redis primary "sumo-ops" through Sentinel at .*\) is unreachable, so this was refused rather than risk doing it twice\. Nothing was changed\. If Redis Sentinel is failing over to a new primary, this lasts seconds: try again shortly\./,
    );
    expect(() => stores.requireAvailable()).toThrow(/failing over to a new primary/);
    if (held.granted) await rate.release('gate', held.lease);

    expect(await sentinels.waitForFailover(primary.port, 60_000)).toBe(replica.port);
    await vi.waitFor(() => expect(backend.available).toBe(true), { timeout: 30_000, interval: 100 });
    expect(backend.primary).toBe(`127.0.0.1:${replica.port}`);

    // The new primary has what the old one acknowledged, and each confirmation is taken once.
    expect(await backend.take('confirmation-0')).toBeUndefined();
    expect(await backend.take('confirmation-1')).toBe('action-1');
    const racing = await Promise.all(Array.from({ length: 10 }, () => backend.take('confirmation-2')));
    expect(racing.filter((value) => value !== undefined)).toEqual(['action-2']);
    // The slot released during the failover is free now, not when its lease would have expired.
    await vi.waitFor(
      async () => expect((await rate.tryAcquire('gate', gate, Date.now())).granted).toBe(true),
      { timeout: 10_000, interval: 100 },
    );

    expectOneOutageFrom(
      logs.map((line) => line.msg),
      killedAtLine,
    );
    const lost = logs.filter((line) => line.msg.startsWith('shared state lost'));
    expect(lost.at(-1)?.fix).toMatch(/A Sentinel failover takes seconds and is followed automatically/);
  }, 120_000);
});
