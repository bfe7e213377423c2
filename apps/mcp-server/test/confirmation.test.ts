import { describe, expect, it } from 'vitest';
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

describe('ConfirmationTokens', () => {
  const clock = () => {
    let now = 1_000_000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it('accepts a token once, for the arguments it was issued for', () => {
    const tokens = new ConfirmationTokens();
    const { token } = tokens.issue('delete_collector', { id: 7, force: false });
    expect(tokens.redeem('delete_collector', { force: false, id: 7 }, token)).toEqual({ ok: true });
    expect(tokens.redeem('delete_collector', { force: false, id: 7 }, token)).toEqual({
      ok: false,
      reason: 'used',
    });
  });

  it('refuses other arguments, another tool, and another process’s tokens', () => {
    const tokens = new ConfirmationTokens();
    const { token } = tokens.issue('delete_collector', { id: 7 });
    expect(tokens.redeem('delete_collector', { id: 8 }, token)).toEqual({ ok: false, reason: 'mismatch' });
    expect(tokens.redeem('upgrade_collector', { id: 7 }, token)).toEqual({ ok: false, reason: 'mismatch' });
    expect(new ConfirmationTokens().redeem('delete_collector', { id: 7 }, token)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    // A refused attempt does not use the token up.
    expect(tokens.redeem('delete_collector', { id: 7 }, token)).toEqual({ ok: true });
  });

  it('refuses a token after five minutes', () => {
    const time = clock();
    const tokens = new ConfirmationTokens({ now: time.now });
    const issued = tokens.issue('delete_collector', { id: 7 });
    expect(issued.expiresAt).toBe(time.now() + CONFIRMATION_TTL_MS);
    time.advance(CONFIRMATION_TTL_MS);
    expect(tokens.redeem('delete_collector', { id: 7 }, issued.token)).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('refuses a forged expiry, since the expiry is signed', () => {
    const time = clock();
    const tokens = new ConfirmationTokens({ now: time.now });
    const { token } = tokens.issue('delete_collector', { id: 7 });
    time.advance(CONFIRMATION_TTL_MS + 1);
    const [version, , nonce, mac] = token.split('.');
    const extended = [version, String(time.now() + 60_000), nonce, mac].join('.');
    expect(tokens.redeem('delete_collector', { id: 7 }, extended)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses text that is not a token', () => {
    expect(new ConfirmationTokens().redeem('x', {}, 'yes please')).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });
});
