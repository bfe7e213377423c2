import { MemoryBackend, type StateBackend } from '@sumo-ops/core';
import { describe, expect, it } from 'vitest';
import { redisBackendsForSuite } from '../../../test/support/redis-backends.js';
import { PendingActions } from '../src/pending-actions.js';

const redis = redisBackendsForSuite();

const backends: Array<[string, () => Promise<StateBackend>]> = [
  ['memory', async () => new MemoryBackend()],
  ['redis', () => redis.open()],
];

describe.each(backends)('PendingActions on %s', (_name, makeBackend) => {
  async function store() {
    let now = 1_000_000;
    const backend = await makeBackend();
    const pending = new PendingActions(backend, () => now, 10 * 60_000);
    const action = await pending.create({
      userId: 'U1',
      channelId: 'C1',
      subcommand: 'delete-collector',
      commandText: '/sumo delete-collector 7',
      operation: 'delete_collector',
      input: { collector: 7 },
      preview: { summary: 'Delete 7.', willChange: true },
    });
    return { backend, pending, action, advance: (ms: number) => (now += ms) };
  }

  it('hands the action to its requester once; later claims see it was handled', async () => {
    const { pending, action } = await store();
    expect(await pending.claim(action.id, 'U1')).toMatchObject({
      status: 'claimed',
      action: { input: { collector: 7 } },
    });
    expect(await pending.claim(action.id, 'U1')).toEqual({ status: 'handled' });
  });

  it('gives the action to exactly one of many racing claimers', async () => {
    const { pending, action } = await store();
    const claims = await Promise.all(Array.from({ length: 8 }, () => pending.claim(action.id, 'U1')));
    expect(claims.filter((claim) => claim.status === 'claimed')).toHaveLength(1);
    expect(claims.filter((claim) => claim.status === 'handled')).toHaveLength(7);
  });

  it('is claimable through another instance on the same backend (another replica, or after a restart)', async () => {
    const { backend, action } = await store();
    const restarted = new PendingActions(backend, () => 1_000_000, 10 * 60_000);
    expect((await restarted.claim(action.id, 'U1')).status).toBe('claimed');
    expect((await restarted.claim(action.id, 'U1')).status).toBe('handled');
  });

  it('refuses anyone else without using the action up', async () => {
    const { pending, action } = await store();
    expect((await pending.claim(action.id, 'U2')).status).toBe('not-requester');
    expect((await pending.claim(action.id, 'U1')).status).toBe('claimed');
  });

  it('expires after the lifetime, and an expired action cannot be claimed later either', async () => {
    const { pending, action, advance } = await store();
    advance(10 * 60_000 + 1);
    expect((await pending.claim(action.id, 'U1')).status).toBe('expired');
    expect((await pending.claim(action.id, 'U1')).status).toBe('handled');
  });

  it('is still claimable just before the lifetime ends', async () => {
    const { pending, action, advance } = await store();
    advance(10 * 60_000 - 1);
    expect((await pending.claim(action.id, 'U1')).status).toBe('claimed');
  });

  it('knows nothing of ids it never issued', async () => {
    const { pending } = await store();
    expect(await pending.claim('forged', 'U1')).toEqual({ status: 'unknown' });
  });

  it('issues unguessable ids', async () => {
    const { pending, action } = await store();
    const other = await pending.create({ ...action });
    expect(other.id).not.toBe(action.id);
    expect(action.id.length).toBeGreaterThanOrEqual(24);
  });
});
