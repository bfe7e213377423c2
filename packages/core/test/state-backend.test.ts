import { type LocalRedis, startRedisServer } from '@sumo-ops/simulator';
import { describe, expect, it } from 'vitest';
import { redisBackendsForSuite } from '../../../test/support/redis-backends.js';
import {
  claimWithToken,
  Lease,
  MemoryBackend,
  RedisBackend,
  type RedisBackendOptions,
  SharedStateUnavailableError,
  type StateBackend,
  sharedSecret,
  silentLogger,
} from '../src/index.js';

const redis = redisBackendsForSuite();

/**
 * A redis-server of the test's own, which it may stop, pause or starve, with one ready backend on
 * it; both are gone afterwards, resumed first in case the test left the server paused.
 */
async function withOwnRedis(
  options: Omit<RedisBackendOptions, 'url' | 'keyPrefix' | 'logger'>,
  use: (local: LocalRedis, backend: RedisBackend) => Promise<void>,
): Promise<void> {
  const local = await startRedisServer();
  const backend = new RedisBackend({ url: local.url, keyPrefix: 'x:', logger: silentLogger, ...options });
  try {
    expect(await backend.ready()).toBe(true);
    await use(local, backend);
  } finally {
    local.resume();
    await backend.close();
    await local.stop();
  }
}

const backends: Array<[string, () => Promise<StateBackend>]> = [
  ['memory', async () => new MemoryBackend()],
  ['redis', () => redis.open()],
];

describe.each(backends)('%s state backend', (_name, make) => {
  it('keeps a value until its time to live runs out', async () => {
    const backend = await make();
    // A second to live: the read just after the write comes within it even on a stalled machine.
    await backend.set('a', '1', { ttlMs: 1_000 });
    expect(await backend.get('a')).toBe('1');
    await new Promise((r) => setTimeout(r, 1_200));
    expect(await backend.get('a')).toBeUndefined();
  });

  it('sets only if absent when asked, and reports whether it did', async () => {
    const backend = await make();
    expect(await backend.set('once', 'x', { ttlMs: 5_000, onlyIfAbsent: true })).toBe(true);
    expect(await backend.set('once', 'y', { ttlMs: 5_000, onlyIfAbsent: true })).toBe(false);
    expect(await backend.get('once')).toBe('x');
  });

  it('hands a value to exactly one of many racing takers', async () => {
    const backend = await make();
    await backend.set('prize', 'p', { ttlMs: 5_000 });
    const results = await Promise.all(Array.from({ length: 10 }, () => backend.take('prize')));
    expect(results.filter((value) => value === 'p')).toHaveLength(1);
    expect(await backend.get('prize')).toBeUndefined();
  });

  it('gives a token claim to one caller only, and settles a repeated claim by the same token', async () => {
    const backend = await make();
    const claims = await Promise.all(
      ['t1', 't2', 't3'].map((token) => claimWithToken(backend, 'posted', token, 5_000)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    const winner = ['t1', 't2', 't3'][claims.indexOf(true)] as string;
    // The winner asking again (its first answer lost) learns it won; the others still lose.
    expect(await claimWithToken(backend, 'posted', winner, 5_000)).toBe(true);
    expect(await claimWithToken(backend, 'posted', 'someone-else', 5_000)).toBe(false);
  });

  it('renews and releases a lease only for its holder', async () => {
    const backend = await make();
    // Renewed every third of its life, a lease lapses only if its holder stalls for two thirds of
    // it: a second keeps a loaded machine's stalls short of that, and the wait outlasts it by half.
    const ttlMs = 1_000;
    const first = new Lease(backend, 'lease', ttlMs);
    const second = new Lease(backend, 'lease', ttlMs);
    expect(await first.acquire()).toBe(true);
    expect(await second.acquire()).toBe(false);
    expect(await backend.releaseIfHeld('lease', second.holder)).toBe(false);
    await new Promise((r) => setTimeout(r, ttlMs * 1.5));
    expect(await second.acquire()).toBe(false);
    await first.release();
    expect(await second.acquire()).toBe(true);
    await second.release();
  });

  it("writes for a lease's holder only while it holds the lease", async () => {
    const backend = await make();
    const first = new Lease(backend, 'record-lease', 60_000);
    expect(await first.acquire()).toBe(true);
    const held = { key: first.key, holder: first.holder };
    expect(await backend.setIfHeld('record', 'v1', 60_000, held)).toBe(true);
    expect(await backend.get('record')).toBe('v1');
    // Taken over (expired, then acquired by another): the first holder's write is refused.
    await backend.delete(first.key);
    const second = new Lease(backend, 'record-lease', 60_000);
    expect(await second.acquire()).toBe(true);
    expect(await backend.setIfHeld('record', 'v2', 60_000, { key: second.key, holder: second.holder })).toBe(
      true,
    );
    expect(await backend.setIfHeld('record', 'stale', 60_000, held)).toBe(false);
    expect(await backend.get('record')).toBe('v2');
    // No lease at all: nobody writes.
    await second.release();
    await first.release();
    expect(
      await backend.setIfHeld('record', 'stale', 60_000, { key: second.key, holder: second.holder }),
    ).toBe(false);
    expect(await backend.get('record')).toBe('v2');
  });

  it('orders an index by score and lists what is due', async () => {
    const backend = await make();
    await backend.indexPut('due', 'late', 300);
    await backend.indexPut('due', 'early', 100);
    await backend.indexPut('due', 'middle', 200);
    expect(await backend.indexRange('due')).toEqual(['early', 'middle', 'late']);
    expect(await backend.indexRange('due', 200)).toEqual(['early', 'middle']);
    await backend.indexRemove('due', 'early');
    expect(await backend.indexRange('due', 200)).toEqual(['middle']);
  });

  it('appends to a list and reads it back in order', async () => {
    const backend = await make();
    await backend.append('log', 'one', 5_000);
    await backend.append('log', 'two', 5_000);
    expect(await backend.list('log')).toEqual(['one', 'two']);
  });

  it('agrees on one generated secret', async () => {
    const backend = await make();
    const secrets = await Promise.all([1, 2, 3].map(() => sharedSecret(backend, 'tokens', undefined)));
    expect(new Set(secrets).size).toBe(1);
    expect(await sharedSecret(backend, 'tokens', 'configured-secret')).toBe('configured-secret');
  });
});

it('memory backend: sweeping expired keys nobody reads again keeps every live one', async () => {
  let now = 0;
  const backend = new MemoryBackend(() => now);
  await backend.set('kept', 'yes', { ttlMs: 60_000 });
  await backend.append('kept-list', 'a', 60_000);
  for (let index = 0; index < 2_000; index += 1) {
    await backend.set(`once-${index}`, 'answer', { ttlMs: 10 });
    now += 1;
  }
  expect(await backend.get('kept')).toBe('yes');
  expect(await backend.list('kept-list')).toEqual(['a']);
  expect(await backend.get('once-1999')).toBe('answer');
  expect(await backend.get('once-0')).toBeUndefined();
});

describe('redis state backend', () => {
  it('namespaces keys so two installs on one Redis do not see each other', async () => {
    const a = await redis.open({ prefix: 'install-a:' });
    const b = await redis.open({ prefix: 'install-b:' });
    await a.set('k', 'from-a', { ttlMs: 5_000 });
    expect(await b.get('k')).toBeUndefined();
    expect(await a.get('k')).toBe('from-a');
  });

  it('fails at once while Redis is down, then works again after it comes back', async () => {
    await withOwnRedis({ commandTimeoutMs: 300 }, async (local, backend) => {
      await local.stop();
      const started = Date.now();
      await expect(backend.get('k')).rejects.toBeInstanceOf(SharedStateUnavailableError);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(backend.available).toBe(false);
      // Known to be down: refused before sending, so it certainly changed nothing.
      await expect(backend.set('k', 'v', { ttlMs: 1_000 })).rejects.toMatchObject({ mayHaveApplied: false });
      await local.start();
      expect(await backend.ready(5_000)).toBe(true);
      await backend.set('k', 'v', { ttlMs: 1_000 });
      expect(await backend.get('k')).toBe('v');
    });
  });

  it('treats a Redis that stops answering as down, and notices when it answers again', async () => {
    await withOwnRedis({ commandTimeoutMs: 200, heartbeatMs: 100 }, async (local, backend) => {
      local.pause();
      // Sent, and no answer: Redis may have applied it, and the error says so.
      await expect(backend.set('k', 'v', { ttlMs: 1_000 })).rejects.toMatchObject({
        name: 'SharedStateUnavailableError',
        mayHaveApplied: true,
      });
      expect(backend.available).toBe(false);
      local.resume();
      expect(await backend.ready(5_000)).toBe(true);
    });
  });

  it('treats a Redis that answers but cannot serve (out of memory) as down, until it can again', async () => {
    await withOwnRedis({ heartbeatMs: 50 }, async (_local, backend) => {
      await backend.command(['CONFIG', 'SET', 'maxmemory', '1']);
      await expect(backend.set('k', 'v', { ttlMs: 1_000 })).rejects.toMatchObject({
        name: 'SharedStateUnavailableError',
        mayHaveApplied: false,
      });
      expect(backend.available).toBe(false);
      await backend.command(['CONFIG', 'SET', 'maxmemory', '0']);
      expect(await backend.ready(5_000)).toBe(true);
      expect(await backend.set('k', 'v', { ttlMs: 1_000 })).toBe(true);
    });
  });

  it('closes promptly even while Redis hangs', async () => {
    await withOwnRedis({ commandTimeoutMs: 200 }, async (local, backend) => {
      local.pause();
      await expect(backend.get('k')).rejects.toBeInstanceOf(SharedStateUnavailableError);
      await backend.close();
    });
  });

  it('does not hang or throw when Redis is unreachable from the start', async () => {
    const local = await startRedisServer();
    await local.stop();
    const backend = new RedisBackend({ url: local.url, keyPrefix: 'x:', logger: silentLogger });
    try {
      const started = Date.now();
      // A refused first connection settles at once: start-up does not sit out the whole wait.
      expect(await backend.settled(5_000)).toBe(false);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(await backend.ready(300)).toBe(false);
      await expect(backend.set('k', 'v', { ttlMs: 1_000 })).rejects.toThrow(
        /unreachable.*SUMO_OPS_REDIS_URL/s,
      );
    } finally {
      await backend.close();
    }
  });
});
