import { type CheckResult, registerSecret } from '@sumo-ops/core';
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import type { Caller } from './caller.js';
import { type IntrospectionAnswer, IntrospectionCache } from './introspection-cache.js';
import type { OAuthSettings } from './settings.js';

/**
 * Why a token was refused: the label of the auth-failure metric and the log field. A fixed set,
 * so the metric stays low-cardinality whatever callers send.
 */
export type AuthFailureReason =
  | 'missing_token'
  | 'malformed_token'
  | 'bad_signature'
  | 'unknown_key'
  | 'algorithm_not_allowed'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'expired'
  | 'not_yet_valid'
  | 'missing_subject'
  | 'inactive'
  | 'issuer_unreachable'
  | 'insufficient_scope';

/** A token this server does not accept; `message` is safe to send back (it never echoes the token). */
export class TokenRefusedError extends Error {
  override readonly name = 'TokenRefusedError';
  constructor(
    readonly reason: AuthFailureReason,
    message: string,
  ) {
    super(message);
  }
}

export interface VerifiedToken {
  caller: Caller & { scopes: readonly string[] };
  /** Epoch seconds. */
  expiresAt: number;
}

export interface TokenVerifierOptions {
  /**
   * The least time between two JWKS fetches that an unknown `kid` may trigger (jose's cooldown):
   * a stream of tokens with made-up key ids cannot turn this server into a JWKS hammer.
   */
  jwksCooldownMs?: number;
  /** How long fetched keys are trusted without a refetch. */
  jwksCacheMs?: number;
  /** Leeway for `exp` and `nbf` against clock skew between the issuer and this host. */
  clockToleranceSeconds?: number;
}

interface IssuerMetadata {
  issuer: string;
  jwks_uri: string;
}

/** How long a failed discovery is remembered, so an issuer outage is not asked on every request. */
const DISCOVERY_RETRY_MS = 5_000;
const FETCH_TIMEOUT_MS = 5_000;

/**
 * Checks access tokens against one issuer: JWTs by the issuer's keys (jose: discovery once, the
 * JWKS cached and refetched for an unknown `kid` at most once per cooldown, so keys rotate
 * without a restart), opaque tokens by RFC 7662 introspection when configured (active answers
 * kept a short while: IntrospectionCache). Every accepted token was issued by the issuer, for
 * this resource (RFC 8707 `aud`), and is within its lifetime.
 */
export class TokenVerifier {
  readonly #settings: OAuthSettings;
  readonly #options: TokenVerifierOptions;
  #discovery: { at: number; failed: boolean; metadata: Promise<IssuerMetadata> } | undefined;
  #jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  /** Undefined without an introspection endpoint, or with MCP_OAUTH_INTROSPECTION_CACHE_SECONDS=0. */
  readonly #introspections: IntrospectionCache | undefined;

  constructor(settings: OAuthSettings, options: TokenVerifierOptions = {}) {
    this.#settings = settings;
    this.#options = options;
    this.#introspections =
      settings.introspectionUrl && settings.introspectionCacheSeconds > 0
        ? new IntrospectionCache(settings.introspectionCacheSeconds)
        : undefined;
    // Redacted from every log line and error from now on, like the Sumo access key.
    if (settings.introspectionClient) registerSecret(settings.introspectionClient.secret);
  }

  async verify(token: string): Promise<VerifiedToken> {
    // A JWS in compact form is three base64url parts; anything else is opaque to us.
    if (/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) return this.#verifyJwt(token);
    if (this.#settings.introspectionUrl) return this.#introspect(token);
    throw new TokenRefusedError(
      'malformed_token',
      'The access token is not a JWT and this server has no introspection endpoint configured: ask the authorization server for a JWT access token for this resource.',
    );
  }

  /** For --check and /readyz: the issuer's metadata and its keys can be fetched. */
  async check(): Promise<CheckResult[]> {
    let metadata: IssuerMetadata;
    try {
      metadata = await this.#metadata();
    } catch (error) {
      return [
        {
          name: 'oauth',
          status: 'fail',
          detail: `the metadata of issuer ${this.#settings.issuer} could not be read: ${describe(error)}`,
          fix: 'check MCP_OAUTH_ISSUER (the exact issuer URL, as in the "iss" of its tokens) and that this host reaches it.',
        },
      ];
    }
    try {
      const jwks = this.#keySet(metadata);
      // Keys still fresh in the cache say as much as a fetch would, without spending one.
      if (!jwks.fresh) await jwks.reload();
      return [
        {
          name: 'oauth',
          status: 'ok',
          detail: `issuer ${metadata.issuer} answers, its keys (${metadata.jwks_uri}) can be fetched; tokens must be issued for ${this.#settings.resource}`,
        },
      ];
    } catch (error) {
      return [
        {
          name: 'oauth',
          status: 'fail',
          detail: `the keys of issuer ${metadata.issuer} (${metadata.jwks_uri}) could not be fetched: ${describe(error)}`,
          fix: 'check that this host reaches the jwks_uri the issuer publishes.',
        },
      ];
    }
  }

  async #verifyJwt(token: string): Promise<VerifiedToken> {
    const metadata = await this.#metadata().catch((error: unknown) => {
      throw new TokenRefusedError(
        'issuer_unreachable',
        `The authorization server could not be reached to check the token (${describe(error)}); try again shortly.`,
      );
    });
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#keySet(metadata), {
        issuer: this.#settings.issuer,
        audience: this.#settings.resource,
        algorithms: this.#settings.algorithms,
        clockTolerance: this.#options.clockToleranceSeconds ?? 30,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw refusalOf(error, this.#settings);
    }
    return accepted(payload);
  }

  async #introspect(token: string): Promise<VerifiedToken> {
    const answer = this.#introspections
      ? await this.#introspections.answerFor(token, (asked) => this.#askIntrospection(asked))
      : await this.#askIntrospection(token);
    // Checked on every request, kept answers too: the clock moves on, and `aud` is this server's rule.
    if (answer.active !== true) {
      throw new TokenRefusedError(
        'inactive',
        'The access token is not active (revoked, expired or unknown).',
      );
    }
    if (answer.iss !== undefined && answer.iss !== this.#settings.issuer) {
      throw new TokenRefusedError(
        'wrong_issuer',
        'The access token was issued by another authorization server.',
      );
    }
    const audiences =
      typeof answer.aud === 'string' ? [answer.aud] : Array.isArray(answer.aud) ? answer.aud : [];
    if (!audiences.includes(this.#settings.resource)) throw wrongAudience(this.#settings);
    const now = Date.now() / 1000;
    const tolerance = this.#options.clockToleranceSeconds ?? 30;
    if (typeof answer.exp !== 'number' || answer.exp + tolerance < now) {
      throw new TokenRefusedError('expired', 'The access token has expired: get a new one.');
    }
    if (typeof answer.nbf === 'number' && answer.nbf - tolerance > now) {
      throw new TokenRefusedError('not_yet_valid', 'The access token is not valid yet.');
    }
    // RFC 7662 makes `sub` optional; a client-credentials token acts for the client itself.
    const subject = answer.sub ?? answer.client_id;
    return accepted({ ...answer, sub: subject } as JWTPayload);
  }

  async #askIntrospection(token: string): Promise<IntrospectionAnswer> {
    const { introspectionUrl, introspectionClient } = this.#settings;
    const client = introspectionClient as { id: string; secret: string };
    try {
      const response = await fetch(introspectionUrl as string, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          // RFC 6749 §2.3.1: id and secret are form-encoded before they are joined.
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`,
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`introspection answered HTTP ${response.status}`);
      const answer: unknown = await response.json();
      if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
        throw new Error('introspection answered something other than a JSON object');
      }
      return answer as IntrospectionAnswer;
    } catch (error) {
      throw new TokenRefusedError(
        'issuer_unreachable',
        `The token could not be introspected (${describe(error)}); try again shortly.`,
      );
    }
  }

  #metadata(): Promise<IssuerMetadata> {
    const now = Date.now();
    if (!this.#discovery || (this.#discovery.failed && now - this.#discovery.at >= DISCOVERY_RETRY_MS)) {
      const discovery = { at: now, failed: false, metadata: discover(this.#settings.issuer) };
      discovery.metadata.catch(() => {
        discovery.failed = true;
      });
      this.#discovery = discovery;
    }
    return this.#discovery.metadata;
  }

  #keySet(metadata: IssuerMetadata): ReturnType<typeof createRemoteJWKSet> {
    this.#jwks ??= createRemoteJWKSet(new URL(metadata.jwks_uri), {
      cooldownDuration: this.#options.jwksCooldownMs ?? 30_000,
      cacheMaxAge: this.#options.jwksCacheMs ?? 10 * 60_000,
      timeoutDuration: FETCH_TIMEOUT_MS,
    });
    return this.#jwks;
  }
}

/**
 * RFC 8414 metadata (the well-known name inserted before the issuer's path), then OpenID
 * discovery (appended to it, as Entra ID and Keycloak publish it). The `issuer` it states must
 * be the configured one exactly (RFC 8414 §3.3), or a look-alike could hand out its own keys.
 */
async function discover(issuer: string): Promise<IssuerMetadata> {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  const candidates = [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
  const problems: string[] = [];
  for (const candidate of candidates) {
    let response: Response;
    try {
      response = await fetch(candidate, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
    } catch (error) {
      problems.push(`${candidate}: ${describe(error)}`);
      continue;
    }
    if (!response.ok) {
      problems.push(`${candidate}: HTTP ${response.status}`);
      continue;
    }
    const metadata = (await response.json().catch(() => ({}))) as Partial<IssuerMetadata>;
    if (metadata.issuer !== issuer) {
      throw new Error(
        `${candidate} names issuer ${JSON.stringify(metadata.issuer)}, not ${issuer}: set MCP_OAUTH_ISSUER to exactly the issuer the authorization server states`,
      );
    }
    if (typeof metadata.jwks_uri !== 'string') throw new Error(`${candidate} has no jwks_uri`);
    return { issuer: metadata.issuer, jwks_uri: metadata.jwks_uri };
  }
  throw new Error(problems.join('; '));
}

function accepted(payload: JWTPayload): VerifiedToken {
  const subject = typeof payload.sub === 'string' && payload.sub ? payload.sub : undefined;
  if (!subject) {
    throw new TokenRefusedError(
      'missing_subject',
      'The access token has no "sub" claim: every change is tied to a person, so tokens must name one.',
    );
  }
  const claims = payload as Record<string, unknown>;
  const text = (name: string) => (typeof claims[name] === 'string' ? (claims[name] as string) : undefined);
  const email = text('email');
  const username = text('preferred_username') ?? text('username');
  const clientId = text('client_id') ?? text('azp') ?? text('cid');
  return {
    caller: {
      subject,
      ...(email ? { email } : {}),
      ...(username ? { username } : {}),
      ...(clientId ? { clientId } : {}),
      scopes: scopesOf(claims),
    },
    expiresAt: typeof payload.exp === 'number' ? payload.exp : 0,
  };
}

/** `scope` (RFC 9068, space-separated) or `scp` (Okta: an array; Entra ID: space-separated). */
function scopesOf(claims: Record<string, unknown>): string[] {
  for (const value of [claims.scope, claims.scp]) {
    if (typeof value === 'string') return value.split(' ').filter(Boolean);
    if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  }
  return [];
}

function wrongAudience(settings: OAuthSettings): TokenRefusedError {
  return new TokenRefusedError(
    'wrong_audience',
    `The access token was not issued for this server: its "aud" must contain ${settings.resource} (request it with resource=${settings.resource}).`,
  );
}

function refusalOf(error: unknown, settings: OAuthSettings): TokenRefusedError {
  if (error instanceof errors.JWTExpired) {
    return new TokenRefusedError('expired', 'The access token has expired: get a new one.');
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') {
      return new TokenRefusedError(
        'wrong_issuer',
        `The access token was issued by another authorization server; this server accepts tokens from ${settings.issuer}.`,
      );
    }
    if (error.claim === 'aud') return wrongAudience(settings);
    if (error.claim === 'nbf')
      return new TokenRefusedError('not_yet_valid', 'The access token is not valid yet.');
    return new TokenRefusedError(
      'malformed_token',
      `The access token's "${error.claim}" claim is not acceptable.`,
    );
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new TokenRefusedError(
      'algorithm_not_allowed',
      `The access token is signed with an algorithm this server does not accept (accepted: ${settings.algorithms.join(', ')}).`,
    );
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new TokenRefusedError(
      'unknown_key',
      "The access token is not signed by any of the issuer's keys.",
    );
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new TokenRefusedError('bad_signature', "The access token's signature does not verify.");
  }
  if (
    error instanceof errors.JWKSTimeout ||
    (error instanceof Error && !(error instanceof errors.JOSEError))
  ) {
    return new TokenRefusedError(
      'issuer_unreachable',
      `The issuer's keys could not be fetched to check the token (${describe(error)}); try again shortly.`,
    );
  }
  return new TokenRefusedError('malformed_token', 'The access token is not a well-formed signed JWT.');
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}
