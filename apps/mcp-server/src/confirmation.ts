import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  isSharedStateUnavailable,
  type Logger,
  MemoryBackend,
  metrics,
  type StateBackend,
  type Stores,
  sharedSecret,
} from '@sumo-ops/core';

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
  /**
   * Where redeemed nonces are recorded. Replicas that share one backend (Redis) accept each token
   * once between them. Default: this process's memory.
   */
  backend?: StateBackend;
  /**
   * The signing key, or how to get the one every replica agrees on (asked for every token).
   * Default: a random key that lives only in this process.
   */
  secret?: string | (() => Promise<string>);
}

const USED_KEY = 'mcp:confirmation-used:';

/**
 * Tokens that let a client without elicitation confirm a previewed write: each is an HMAC over
 * the tool name, the exact (canonical) arguments, an expiry and a nonce. So a token cannot be
 * forged, cannot be moved to other arguments, stops working after the TTL, and is accepted once:
 * redeeming records its nonce with set-if-absent, so of two racing redeems — in this process or
 * on another replica sharing the backend — exactly one wins.
 */
export class ConfirmationTokens {
  readonly #now: () => number;
  readonly #ttlMs: number;
  readonly #backend: StateBackend;
  #key: Buffer | undefined;
  readonly #loadKey: (() => Promise<string>) | undefined;

  constructor(options: ConfirmationTokensOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#ttlMs = options.ttlMs ?? CONFIRMATION_TTL_MS;
    this.#backend = options.backend ?? new MemoryBackend(this.#now);
    const { secret } = options;
    if (typeof secret === 'function') this.#loadKey = secret;
    else this.#key = secret === undefined ? randomBytes(32) : Buffer.from(secret);
  }

  /** Whether a signing key is known, reading the shared one if it can. */
  async ready(): Promise<boolean> {
    try {
      await this.#signingKey();
      return true;
    } catch (error) {
      if (isSharedStateUnavailable(error)) return false;
      throw error;
    }
  }

  /**
   * Throws `SharedStateUnavailableError` while the shared key is unknown and unreachable: a token
   * signed with a key of our own would be refused by every other replica.
   */
  async issue(tool: string, args: unknown): Promise<IssuedToken> {
    const key = await this.#signingKey();
    const expiresAt = this.#now() + this.#ttlMs;
    const nonce = randomBytes(12).toString('base64url');
    metrics.confirmations.inc({ front_end: 'mcp', event: 'issued' });
    return { token: `v1.${expiresAt}.${nonce}.${mac(key, tool, args, expiresAt, nonce)}`, expiresAt };
  }

  /**
   * Checks a token and, when it is good, uses it up before the caller acts. Throws
   * `SharedStateUnavailableError` (nothing may run then) when the used-token record cannot be
   * written; a token whose record was written but whose answer was lost stays used.
   */
  async redeem(tool: string, args: unknown, token: string): Promise<RedeemResult> {
    const parts = token.split('.');
    const [version, rawExpiry, nonce, given] = parts;
    if (
      parts.length !== 4 ||
      version !== 'v1' ||
      !rawExpiry ||
      !nonce ||
      !given ||
      !/^\d+$/.test(rawExpiry)
    ) {
      return { ok: false, reason: 'malformed' };
    }
    const expiresAt = Number(rawExpiry);
    // No cached key here: redeeming needs shared state anyway, and a key cached before Redis lost
    // its data would call a good token forged.
    const expected = Buffer.from(mac(await this.#signingKey(false), tool, args, expiresAt, nonce));
    const givenBytes = Buffer.from(given);
    if (expected.length !== givenBytes.length || !timingSafeEqual(expected, givenBytes)) {
      return { ok: false, reason: 'mismatch' };
    }
    const now = this.#now();
    if (expiresAt <= now) {
      metrics.confirmations.inc({ front_end: 'mcp', event: 'expired' });
      return { ok: false, reason: 'expired' };
    }
    // Kept until the token would have expired anyway; after that the expiry check refuses it.
    const first = await this.#backend.set(`${USED_KEY}${nonce}`, '1', {
      ttlMs: expiresAt - now,
      onlyIfAbsent: true,
    });
    if (!first) return { ok: false, reason: 'used' };
    metrics.confirmations.inc({ front_end: 'mcp', event: 'redeemed' });
    return { ok: true };
  }

  /**
   * A shared key is read again for every token: if Redis lost its data, the record of redeemed
   * tokens went with it, and the new key it gets makes every token issued before unusable too.
   * While Redis is unreachable the last key read still signs previews (not redemptions).
   */
  async #signingKey(cachedWhenUnreachable = true): Promise<Buffer> {
    if (!this.#loadKey) return this.#key as Buffer;
    try {
      this.#key = Buffer.from(await this.#loadKey());
    } catch (error) {
      if (!cachedWhenUnreachable || !this.#key || !isSharedStateUnavailable(error)) throw error;
    }
    return this.#key;
  }
}

function mac(key: Buffer, tool: string, args: unknown, expiresAt: number, nonce: string): string {
  return createHmac('sha256', key)
    .update(`${tool}\n${expiresAt}\n${nonce}\n${canonicalJson(args)}`)
    .digest('base64url');
}

/**
 * The tokens a process serves with. With shared state every replica signs with one key (the
 * configured SUMO_OPS_CONFIRMATION_SECRET, or one kept in Redis) and records redeemed tokens there.
 * In memory the key is this process's own even when a secret is configured: the used-token record
 * dies with the process, so a key that outlived it would let a used token work again after a restart.
 */
export async function createConfirmationTokens(stores: Stores, logger: Logger): Promise<ConfirmationTokens> {
  const configured = stores.shared ? stores.config.confirmationSecret : undefined;
  const tokens = new ConfirmationTokens({
    backend: stores.backend,
    secret: () => sharedSecret(stores.backend, 'mcp-confirmation', configured),
  });
  if (!(await tokens.ready())) {
    logger.warn(
      'confirmations are unavailable until shared state can be reached: the signing key is kept there (or set SUMO_OPS_CONFIRMATION_SECRET on every replica)',
      { state: stores.backend.description },
    );
  }
  return tokens;
}
