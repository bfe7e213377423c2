import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a confirmation token stays valid after the preview that issued it. */
export const CONFIRMATION_TTL_MS = 5 * 60_000;

/** The TTL as said to people and models ("valid 5 minutes"). */
export const CONFIRMATION_TTL_TEXT = `${CONFIRMATION_TTL_MS / 60_000} minutes`;

/**
 * JSON with object keys sorted at every depth, so two argument objects that mean the same thing
 * produce the same bytes whatever order a client wrote them in.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

export interface IssuedToken {
  token: string;
  /** Epoch ms. */
  expiresAt: number;
}

export type RedeemResult =
  | { ok: true }
  | { ok: false; reason: 'malformed' | 'mismatch' | 'expired' | 'used' };

export interface ConfirmationTokensOptions {
  /** Injected in tests to expire tokens without waiting. */
  now?: () => number;
  ttlMs?: number;
}

/**
 * Tokens that let a client without elicitation confirm a previewed write: each is an HMAC over
 * the tool name, the exact (canonical) arguments, an expiry and a nonce, under a key that lives
 * only in this process. So a token cannot be forged, cannot be moved to other arguments, stops
 * working after the TTL or a restart, and is accepted once.
 */
export class ConfirmationTokens {
  private readonly key = randomBytes(32);
  private readonly now: () => number;
  private readonly ttlMs: number;
  /** Nonces already redeemed, until their token would have expired anyway. */
  private readonly used = new Map<string, number>();

  constructor(options: ConfirmationTokensOptions = {}) {
    this.now = options.now ?? Date.now;
    this.ttlMs = options.ttlMs ?? CONFIRMATION_TTL_MS;
  }

  issue(tool: string, args: unknown): IssuedToken {
    const expiresAt = this.now() + this.ttlMs;
    const nonce = randomBytes(12).toString('base64url');
    return { token: `v1.${expiresAt}.${nonce}.${this.mac(tool, args, expiresAt, nonce)}`, expiresAt };
  }

  /** Checks a token and, when it is good, uses it up before the caller acts. */
  redeem(tool: string, args: unknown, token: string): RedeemResult {
    const parts = token.split('.');
    const [version, rawExpiry, nonce, mac] = parts;
    if (parts.length !== 4 || version !== 'v1' || !rawExpiry || !nonce || !mac || !/^\d+$/.test(rawExpiry)) {
      return { ok: false, reason: 'malformed' };
    }
    const expiresAt = Number(rawExpiry);
    const expected = Buffer.from(this.mac(tool, args, expiresAt, nonce));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return { ok: false, reason: 'mismatch' };
    }
    const now = this.now();
    this.forgetExpired(now);
    if (expiresAt <= now) return { ok: false, reason: 'expired' };
    if (this.used.has(nonce)) return { ok: false, reason: 'used' };
    this.used.set(nonce, expiresAt);
    return { ok: true };
  }

  private mac(tool: string, args: unknown, expiresAt: number, nonce: string): string {
    return createHmac('sha256', this.key)
      .update(`${tool}\n${expiresAt}\n${nonce}\n${canonicalJson(args)}`)
      .digest('base64url');
  }

  private forgetExpired(now: number): void {
    for (const [nonce, expiresAt] of this.used) if (expiresAt <= now) this.used.delete(nonce);
  }
}
