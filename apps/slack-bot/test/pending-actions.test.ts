import { describe, expect, it } from 'vitest';
import { PendingActions } from '../src/pending-actions.js';

function store() {
  let now = 1_000_000;
  const pending = new PendingActions(() => now, 10 * 60_000);
  const action = pending.create({
    userId: 'U1',
    channelId: 'C1',
    subcommand: 'delete-collector',
    commandText: '/sumo delete-collector 7',
    operation: 'delete_collector',
    input: { collector: 7 },
    preview: { summary: 'Delete 7.', willChange: true },
  });
  return { pending, action, advance: (ms: number) => (now += ms) };
}

describe('PendingActions', () => {
  it('hands the action to its requester once; later claims see it was handled', () => {
    const { pending, action } = store();
    expect(pending.claim(action.id, 'U1')).toMatchObject({
      status: 'claimed',
      action: { input: { collector: 7 } },
    });
    expect(pending.claim(action.id, 'U1')).toEqual({ status: 'handled' });
  });

  it('refuses anyone else without using the action up', () => {
    const { pending, action } = store();
    expect(pending.claim(action.id, 'U2').status).toBe('not-requester');
    expect(pending.claim(action.id, 'U1').status).toBe('claimed');
  });

  it('expires after the lifetime, and an expired action cannot be claimed later either', () => {
    const { pending, action, advance } = store();
    advance(10 * 60_000 + 1);
    expect(pending.claim(action.id, 'U1').status).toBe('expired');
    expect(pending.claim(action.id, 'U1').status).toBe('handled');
  });

  it('is still claimable just before the lifetime ends', () => {
    const { pending, action, advance } = store();
    advance(10 * 60_000 - 1);
    expect(pending.claim(action.id, 'U1').status).toBe('claimed');
  });

  it('knows nothing of ids it never issued', () => {
    const { pending } = store();
    expect(pending.claim('forged', 'U1')).toEqual({ status: 'unknown' });
  });

  it('issues unguessable ids', () => {
    const { pending, action } = store();
    const other = pending.create({ ...action });
    expect(other.id).not.toBe(action.id);
    expect(action.id.length).toBeGreaterThanOrEqual(24);
  });
});
