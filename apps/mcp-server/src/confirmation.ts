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

/** `stateDigest`: what the preview that issued the token was bound to, when it was. */
export type RedeemResult =
  | { ok: true; stateDigest?: string | undefined }
  | { ok: false; reason: RefusalReason };

/** `other_person`: a good token, previewed by someone other than the caller redeeming it. */
export type RefusalReason = 'malformed' | 'mismatch' | 'other_person' | 'expired' | 'used';

/** What a token is issued for besides the tool and its arguments. */
export interface TokenBinding {
  /** Who previewed (the OAuth subject): only they may redeem it. */
  subject?: string | undefined;
  /** The preview's fingerprint of the objects it showed, for an operation that binds its preview. */
  stateDigest?: string | undefined;
  /** The org previewed (with several orgs): the token acts on no other. */
  org?: string | undefined;
}

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

const OPEN_KEY = 'mcp:confirmation-open:';

/**
 * Tokens that let a client without elicitation confirm a previewed write: each is an HMAC over
 * the tool name, the exact (canonical) arguments, the org (with several), an expiry, a nonce and who previewed (a keyed
 * digest of the caller's subject, so the token does not show it). So a token cannot be forged,
 * cannot be moved to other arguments or to another person, stops working after the TTL, and is
 * accepted once:
 * issuing records its nonce as redeemable and redeeming takes that record (GETDEL), so of two
 * racing redeems — in this process or on another replica sharing the backend — exactly one wins.
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
   * Throws `SharedStateUnavailableError` while shared state is unreachable: the token could be
   * neither verified nor redeemed by the other replicas.
   */
  async issue(
    tool: string,
    args: unknown,
    { subject, stateDigest, org }: TokenBinding = {},
  ): Promise<IssuedToken> {
    const key = await this.#signingKey();
    const expiresAt = this.#now() + this.#ttlMs;
    const nonce = randomBytes(12).toString('base64url');
    // What is recorded is the token that may still be redeemed, not the ones used: if Redis loses
    // its data (a restart without persistence, eviction), a token can only be refused, never
    // accepted twice — even when SUMO_OPS_CONFIRMATION_SECRET keeps the signing key the same.
    // The record also keeps the preview's digest, so a preview-bound run checks the objects it showed.
    await this.#backend.set(`${OPEN_KEY}${nonce}`, JSON.stringify({ stateDigest }), { ttlMs: this.#ttlMs });
    metrics.confirmations.inc({ front_end: 'mcp', event: 'issued' });
    const who = whoDigest(key, subject);
    return {
      token: `v2.${expiresAt}.${nonce}.${who}.${mac(key, tool, args, expiresAt, nonce, who, org)}`,
      expiresAt,
    };
  }

  /**
   * Checks a token and, when it is good, uses it up before the caller acts. Throws
   * `SharedStateUnavailableError` (nothing may run then) when its record cannot be taken; a
   * record taken whose answer was lost stays used.
   */
  async redeem(
    tool: string,
    args: unknown,
    token: string,
    { subject, org }: Omit<TokenBinding, 'stateDigest'> = {},
  ): Promise<RedeemResult> {
    const parts = token.split('.');
    const [version, rawExpiry, nonce, who, given] = parts;
    if (
      parts.length !== 5 ||
      version !== 'v2' ||
      !rawExpiry ||
      !nonce ||
      !who ||
      !given ||
      !/^\d+$/.test(rawExpiry)
    ) {
      return { ok: false, reason: 'malformed' };
    }
    const expiresAt = Number(rawExpiry);
    const key = await this.#signingKey();
    if (!sameText(mac(key, tool, args, expiresAt, nonce, who, org), given))
      return { ok: false, reason: 'mismatch' };
    // The digest is under the MAC, so a mismatch here is a genuine preview by someone else.
    if (!sameText(whoDigest(key, subject), who)) return { ok: false, reason: 'other_person' };
    const now = this.#now();
    if (expiresAt <= now) {
      metrics.confirmations.inc({ front_end: 'mcp', event: 'expired' });
      return { ok: false, reason: 'expired' };
    }
    // Take-once: of racing redeems, here or on another replica, exactly one gets the record.
    const record = await this.#backend.take(`${OPEN_KEY}${nonce}`);
    if (record === undefined) return { ok: false, reason: 'used' };
    metrics.confirmations.inc({ front_end: 'mcp', event: 'redeemed' });
    return { ok: true, stateDigest: recordedDigest(record) };
  }

  /**
   * A shared key is read again for every token, so replicas agree on it even after Redis lost its
   * data and a new one was generated. Issuing and redeeming both need the backend anyway.
   */
  async #signingKey(): Promise<Buffer> {
    if (this.#loadKey) this.#key = Buffer.from(await this.#loadKey());
    return this.#key as Buffer;
  }
}

/** Records written before digests were kept hold `1`: such a token confirmed no particular objects. */
function recordedDigest(record: string): string | undefined {
  try {
    const parsed = JSON.parse(record) as { stateDigest?: unknown } | null;
    return typeof parsed?.stateDigest === 'string' ? parsed.stateDigest : undefined;
  } catch {
    return undefined;
  }
}

function mac(
  key: Buffer,
  tool: string,
  args: unknown,
  expiresAt: number,
  nonce: string,
  who: string,
  org: string | undefined,
): string {
  // Without orgs the signed text is as before; with them, a token names exactly one org.
  const where = org === undefined ? '' : `org\n${org}\n`;
  return createHmac('sha256', key)
    .update(`${tool}\n${expiresAt}\n${nonce}\n${who}\n${where}${canonicalJson(args)}`)
    .digest('base64url');
}

/** Who previewed, keyed so the token neither shows nor lets anyone guess the subject; `-` for nobody. */
function whoDigest(key: Buffer, subject: string | undefined): string {
  if (subject === undefined) return '-';
  return createHmac('sha256', key).update(`subject\n${subject}`).digest('base64url').slice(0, 22);
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The tokens a process serves with. With shared state every replica signs with one key (the
 * configured SUMO_OPS_CONFIRMATION_SECRET, or one kept in Redis) and keeps the record of tokens
 * still redeemable there. In memory the key is this process's own: nothing outlives the process.
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
