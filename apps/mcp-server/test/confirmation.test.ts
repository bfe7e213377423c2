import { MemoryBackend, SharedStateUnavailableError, type StateBackend, sharedSecret } from '@sumo-ops/core';
import { type LocalRedis, startRedisServer } from '@sumo-ops/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisBackendsForSuite } from '../../../test/support/redis-backends.js';
import { CONFIRMATION_TTL_MS, ConfirmationTokens, canonicalJson } from '../src/confirmation.js';

describe('canonicalJson', () => {
  it('gives the same text whatever the key order, at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'x' } })).toBe(
      canonicalJson({ a: { c: 'x', d: [1, { x: 1, y: 2 }] }, b: 1 }),
    );
    expect(canonicalJson({ a: 1, skipped: undefined })).toBe('{"a":1}');
    expect(canonicalJson([3, 1])).not.toBe(canonicalJson([1, 3]));
  });
});

const redis = redisBackendsForSuite();

const clock = () => {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
};

/** Two replicas' worth of state: each replica opens its own connection to the one store. */
const stores: Array<[string, () => Promise<[StateBackend, StateBackend]>]> = [
  [
    'memory',
    async () => {
      const backend = new MemoryBackend();
      return [backend, backend];
    },
  ],
  [
    'redis',
    async () => {
      const prefix = `t${Math.random().toString(36).slice(2)}:`;
      return [await redis.open({ prefix }), await redis.open({ prefix })];
    },
  ],
];

describe.each(stores)('ConfirmationTokens on %s state', (_name, open) => {
  /** Two replicas that agree on the key the way the server does: via sharedSecret. */
  async function replicas(now?: () => number): Promise<[ConfirmationTokens, ConfirmationTokens]> {
    const [a, b] = await open();
    const make = (backend: StateBackend) =>
      new ConfirmationTokens({
        backend,
        secret: () => sharedSecret(backend, 'mcp-confirmation', undefined),
        ...(now ? { now } : {}),
      });
    return [make(a), make(b)];
  }

  it('accepts a token once, for the arguments it was issued for', async () => {
    const [tokens] = await replicas();
    const { token } = await tokens.issue('delete_collector', { id: 7, force: false });
    expect(await tokens.redeem('delete_collector', { force: false, id: 7 }, token)).toEqual({ ok: true });
    expect(await tokens.redeem('delete_collector', { force: false, id: 7 }, token)).toEqual({
      ok: false,
      reason: 'used',
    });
  });

  it('accepts a token issued by one replica on another, then refuses it on the first', async () => {
    const [a, b] = await replicas();
    const { token } = await a.issue('delete_collector', { id: 7 });
    expect(await b.redeem('delete_collector', { id: 7 }, token)).toEqual({ ok: true });
    expect(await a.redeem('delete_collector', { id: 7 }, token)).toEqual({ ok: false, reason: 'used' });
  });

  it('lets exactly one of many racing redeems across replicas win', async () => {
    const [a, b] = await replicas();
    const { token } = await a.issue('delete_collector', { id: 7 });
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).redeem('delete_collector', { id: 7 }, token)),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(results.filter((result) => !result.ok && result.reason === 'used')).toHaveLength(11);
  });

  it('refuses other arguments, another tool, and tokens signed with another key', async () => {
    const [tokens] = await replicas();
    const { token } = await tokens.issue('delete_collector', { id: 7 });
    expect(await tokens.redeem('delete_collector', { id: 8 }, token)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(await tokens.redeem('upgrade_collector', { id: 7 }, token)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(await new ConfirmationTokens().redeem('delete_collector', { id: 7 }, token)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    // A refused attempt does not use the token up.
    expect(await tokens.redeem('delete_collector', { id: 7 }, token)).toEqual({ ok: true });
  });

  it('refuses a token after five minutes', async () => {
    const time = clock();
    const [tokens] = await replicas(time.now);
    const issued = await tokens.issue('delete_collector', { id: 7 });
    expect(issued.expiresAt).toBe(time.now() + CONFIRMATION_TTL_MS);
    time.advance(CONFIRMATION_TTL_MS);
    expect(await tokens.redeem('delete_collector', { id: 7 }, issued.token)).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('refuses a forged expiry, since the expiry is signed', async () => {
    const time = clock();
    const [tokens] = await replicas(time.now);
    const { token } = await tokens.issue('delete_collector', { id: 7 });
    time.advance(CONFIRMATION_TTL_MS + 1);
    const [version, , nonce, who, mac] = token.split('.');
    const extended = [version, String(time.now() + 60_000), nonce, who, mac].join('.');
    expect(await tokens.redeem('delete_collector', { id: 7 }, extended)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it("refuses Alice's token to Bob, saying so, and still lets Alice redeem it", async () => {
    const [onA, onB] = await replicas();
    const { token } = await onA.issue('delete_collector', { id: 7 }, { subject: 'alice' });
    expect(token).not.toContain('alice');
    expect(await onB.redeem('delete_collector', { id: 7 }, token, { subject: 'bob' })).toEqual({
      ok: false,
      reason: 'other_person',
    });
    expect(await onB.redeem('delete_collector', { id: 7 }, token)).toEqual({
      ok: false,
      reason: 'other_person',
    });
    expect(await onB.redeem('delete_collector', { id: 7 }, token, { subject: 'alice' })).toEqual({
      ok: true,
    });
  });

  it('refuses a token whose previewer was swapped for another, since who previewed is signed', async () => {
    const [tokens] = await replicas();
    const alice = (await tokens.issue('delete_collector', { id: 7 }, { subject: 'alice' })).token.split('.');
    const bob = (await tokens.issue('delete_collector', { id: 7 }, { subject: 'bob' })).token.split('.');
    const swapped = [...alice.slice(0, 3), bob[3], alice[4]].join('.');
    expect(await tokens.redeem('delete_collector', { id: 7 }, swapped, { subject: 'bob' })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('refuses text that is not a token', async () => {
    const [tokens] = await replicas();
    expect(await tokens.redeem('x', {}, 'yes please')).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('ConfirmationTokens while Redis is unreachable', () => {
  let own: LocalRedis;
  beforeAll(async () => {
    own = await startRedisServer();
  });
  afterAll(async () => {
    await own.stop();
  });

  it('refuses to redeem while Redis is down, without using the token up', async () => {
    const backend = await redis.open({ url: own.url, prefix: 'outage-redeem:' });
    const tokens = new ConfirmationTokens({
      backend,
      secret: () => sharedSecret(backend, 'mcp-confirmation', undefined),
    });
    const { token } = await tokens.issue('delete_collector', { id: 7 });
    const client = await redis.open({ url: own.url, prefix: 'outage-redeem:' });
    // Down for the replica only (a network partition): Redis keeps its data.
    const unreachable = redis.connect({ url: 'redis://127.0.0.1:1', prefix: 'outage-redeem:' });
    const partitioned = new ConfirmationTokens({
      backend: unreachable,
      secret: async () => (await client.get('secret:mcp-confirmation')) as string,
    });
    await expect(partitioned.redeem('delete_collector', { id: 7 }, token)).rejects.toBeInstanceOf(
      SharedStateUnavailableError,
    );
    expect(await tokens.redeem('delete_collector', { id: 7 }, token)).toEqual({ ok: true });
  });

  it('refuses tokens issued before Redis lost its data (the record of used ones went with it)', async () => {
    const backend = await redis.open({ url: own.url, prefix: 'data-loss:' });
    const tokens = new ConfirmationTokens({
      backend,
      secret: () => sharedSecret(backend, 'mcp-confirmation', undefined),
    });
    const { token } = await tokens.issue('delete_collector', { id: 7 });
    expect(await tokens.redeem('delete_collector', { id: 7 }, token)).toEqual({ ok: true });
    await own.stop();
    await expect(tokens.redeem('delete_collector', { id: 7 }, token)).rejects.toBeInstanceOf(
      SharedStateUnavailableError,
    );
    // No token is issued that no replica could redeem.
    await expect(tokens.issue('delete_collector', { id: 8 })).rejects.toBeInstanceOf(
      SharedStateUnavailableError,
    );
    await own.start();
    expect(await backend.ready(10_000)).toBe(true);
    expect(await tokens.redeem('delete_collector', { id: 7 }, token)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    const fresh = await tokens.issue('delete_collector', { id: 7 });
    expect(await tokens.redeem('delete_collector', { id: 7 }, fresh.token)).toEqual({ ok: true });
  });

  it('never accepts a used token again after Redis lost its data, even with a configured secret', async () => {
    const backend = await redis.open({ url: own.url, prefix: 'data-loss-configured:' });
    const tokens = new ConfirmationTokens({
      backend,
      secret: () =>
        sharedSecret(backend, 'mcp-confirmation', 'a-configured-secret-of-at-least-32-characters'),
    });
    const { token } = await tokens.issue('delete_collector', { id: 7 });
    expect(await tokens.redeem('delete_collector', { id: 7 }, token)).toEqual({ ok: true });
    await own.stop();
    await own.start();
    expect(await backend.ready(10_000)).toBe(true);
    // Same key, empty Redis: the token is no longer on record, so it is refused, never run again.
    expect(await tokens.redeem('delete_collector', { id: 7 }, token)).toEqual({ ok: false, reason: 'used' });
  });

  it('issues no token while the shared key is unknown and unreachable, and issues once Redis is back', async () => {
    await own.stop();
    const backend = redis.connect({ url: own.url, prefix: 'outage-issue:' });
    const tokens = new ConfirmationTokens({
      backend,
      secret: () => sharedSecret(backend, 'mcp-confirmation', undefined),
    });
    expect(await tokens.ready()).toBe(false);
    await expect(tokens.issue('delete_collector', { id: 7 })).rejects.toBeInstanceOf(
      SharedStateUnavailableError,
    );
    await own.start();
    expect(await backend.ready(10_000)).toBe(true);
    const { token } = await tokens.issue('delete_collector', { id: 7 });
    // Another replica that fetches the key now agrees with it.
    const other = await redis.open({ url: own.url, prefix: 'outage-issue:' });
    const replica = new ConfirmationTokens({
      backend: other,
      secret: () => sharedSecret(other, 'mcp-confirmation', undefined),
    });
    expect(await replica.redeem('delete_collector', { id: 7 }, token)).toEqual({ ok: true });
  });
});
