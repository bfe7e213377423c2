import { MCP_PATH } from '../mcp-path.js';

/**
 * The OAuth resource-server settings, read and checked without loading any JOSE code: a server
 * that is not configured for OAuth never pays for it at start.
 */
export interface OAuthSettings {
  /** The authorization server's issuer, exactly as its metadata and tokens say it. */
  issuer: string;
  /** What clients use to reach this server, without a trailing slash. */
  publicUrl: string;
  /** `<publicUrl>/mcp`: the RFC 8707 resource every accepted token must name in `aud`. */
  resource: string;
  /** RFC 7662 endpoint for tokens that are not JWTs; undefined: only JWTs are accepted. */
  introspectionUrl: string | undefined;
  /** How this server authenticates to the introspection endpoint. */
  introspectionClient: { id: string; secret: string } | undefined;
  /**
   * How long an active introspection answer is reused (never past the token's `exp`); 0: every
   * request is introspected. The longest a revoked token can still be accepted.
   */
  introspectionCacheSeconds: number;
  scopes: ScopeNames;
  /** JWS algorithms accepted; never `none` nor an HMAC (the issuer's public keys are not secrets). */
  algorithms: string[];
  /** Sumo Logic requests one caller may have in flight at once, of the ten a key allows. */
  maxInFlightPerCaller: number;
}

export interface ScopeNames {
  read: string;
  write: string;
}

export const DEFAULT_SCOPES: Readonly<ScopeNames> = { read: 'sumo-ops:read', write: 'sumo-ops:write' };

/** Asymmetric algorithms only: HS* with a public key as the secret is the classic confusion attack. */
export const DEFAULT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

/**
 * A minute: a session's requests cost one introspection a minute instead of one each, and a
 * revoked token is refused at most a minute later (as with a JWT, which no revocation reaches).
 */
export const DEFAULT_INTROSPECTION_CACHE_SECONDS = 60;
/** An hour at most: beyond it revocation stops meaning much, and no session needs longer. */
const MAX_INTROSPECTION_CACHE_SECONDS = 3600;

/** Four of the ten in-flight slots a Sumo key allows: two callers can never fill it alone. */
export const DEFAULT_MAX_IN_FLIGHT_PER_CALLER = 4;

/** A setting the server cannot start with; the message names the variable and the fix. */
export class OAuthSettingsError extends Error {
  override readonly name = 'OAuthSettingsError';
}

/**
 * Undefined when OAuth is not configured (MCP_OAUTH_ISSUER unset). Throws `OAuthSettingsError`
 * for settings that contradict each other, such as a static MCP_HTTP_TOKEN beside an issuer: a
 * token that skips every scope and names no person would undo what OAuth is there for.
 */
export function readOAuthSettings(env: Record<string, string | undefined>): OAuthSettings | undefined {
  const value = (name: string) => env[name]?.trim() || undefined;
  const issuer = value('MCP_OAUTH_ISSUER');
  if (!issuer) {
    const stray = [
      'MCP_PUBLIC_URL',
      'MCP_OAUTH_INTROSPECTION_URL',
      'MCP_OAUTH_INTROSPECTION_CACHE_SECONDS',
    ].filter((name) => value(name));
    if (stray.length > 0) {
      throw new OAuthSettingsError(
        `${stray.join(' and ')} ${stray.length > 1 ? 'are' : 'is'} set but MCP_OAUTH_ISSUER is not: set MCP_OAUTH_ISSUER to your authorization server's issuer URL to turn OAuth on, or unset ${stray.join(' and ')}.`,
      );
    }
    return undefined;
  }
  if (value('MCP_HTTP_TOKEN')) {
    throw new OAuthSettingsError(
      'MCP_HTTP_TOKEN and MCP_OAUTH_ISSUER are both set: with OAuth every caller is a person with scopes, and a shared static token would bypass both. Unset MCP_HTTP_TOKEN (or MCP_OAUTH_ISSUER to keep the static token).',
    );
  }
  httpsUrl('MCP_OAUTH_ISSUER', issuer);
  const publicUrl = value('MCP_PUBLIC_URL');
  if (!publicUrl) {
    throw new OAuthSettingsError(
      `MCP_PUBLIC_URL is not set: set it to the URL clients use to reach this server (e.g. https://sumo-ops-mcp.example.com); tokens must be issued for <MCP_PUBLIC_URL>${MCP_PATH}.`,
    );
  }
  const base = httpsUrl('MCP_PUBLIC_URL', publicUrl).replace(/\/+$/, '');
  const introspectionUrl = value('MCP_OAUTH_INTROSPECTION_URL');
  if (introspectionUrl) httpsUrl('MCP_OAUTH_INTROSPECTION_URL', introspectionUrl);
  const clientId = value('MCP_OAUTH_INTROSPECTION_CLIENT_ID');
  const clientSecret = value('MCP_OAUTH_INTROSPECTION_CLIENT_SECRET');
  if (introspectionUrl && !(clientId && clientSecret)) {
    throw new OAuthSettingsError(
      'MCP_OAUTH_INTROSPECTION_URL is set without MCP_OAUTH_INTROSPECTION_CLIENT_ID and MCP_OAUTH_INTROSPECTION_CLIENT_SECRET: RFC 7662 endpoints answer only authenticated callers; set both to a client the authorization server lets introspect.',
    );
  }
  const cacheSeconds = value('MCP_OAUTH_INTROSPECTION_CACHE_SECONDS');
  if (cacheSeconds !== undefined && !introspectionUrl) {
    throw new OAuthSettingsError(
      'MCP_OAUTH_INTROSPECTION_CACHE_SECONDS is set but MCP_OAUTH_INTROSPECTION_URL is not: it says how long introspection answers are reused; set MCP_OAUTH_INTROSPECTION_URL too, or unset MCP_OAUTH_INTROSPECTION_CACHE_SECONDS.',
    );
  }
  const scopes = {
    read: scopeName('MCP_OAUTH_READ_SCOPE', value('MCP_OAUTH_READ_SCOPE') ?? DEFAULT_SCOPES.read),
    write: scopeName('MCP_OAUTH_WRITE_SCOPE', value('MCP_OAUTH_WRITE_SCOPE') ?? DEFAULT_SCOPES.write),
  };
  if (scopes.read === scopes.write) {
    throw new OAuthSettingsError(
      `MCP_OAUTH_READ_SCOPE and MCP_OAUTH_WRITE_SCOPE are both "${scopes.read}": give the scope that allows changes a name of its own.`,
    );
  }
  return {
    issuer,
    publicUrl: base,
    resource: `${base}${MCP_PATH}`,
    introspectionUrl,
    introspectionClient:
      introspectionUrl && clientId && clientSecret ? { id: clientId, secret: clientSecret } : undefined,
    introspectionCacheSeconds: introspectionCacheSeconds(cacheSeconds),
    scopes,
    algorithms: algorithms(value('MCP_OAUTH_ALGORITHMS')),
    maxInFlightPerCaller: maxInFlight(value('MCP_OAUTH_MAX_IN_FLIGHT_PER_CALLER')),
  };
}

/** https, or http only to a loopback host (a local authorization server while developing). */
function httpsUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OAuthSettingsError(`${name} is not a URL: use an absolute https:// URL.`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new OAuthSettingsError(
      `${name} uses ${url.protocol}//: use https:// (http:// only for localhost while developing).`,
    );
  }
  if (url.search || url.hash) {
    throw new OAuthSettingsError(`${name} has a query or fragment: give the URL without them.`);
  }
  return raw;
}

/** RFC 6749 scope-token characters: printable ASCII without space, quote or backslash. */
function scopeName(name: string, raw: string): string {
  if (!/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(raw)) {
    throw new OAuthSettingsError(
      `${name} is "${raw.slice(0, 40)}": a scope is one word of printable ASCII without quotes or backslashes.`,
    );
  }
  return raw;
}

function algorithms(raw: string | undefined): string[] {
  if (raw === undefined) return [...DEFAULT_ALGORITHMS];
  const names = raw
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const refused = names.filter((name) => !DEFAULT_ALGORITHMS.includes(name));
  if (names.length === 0 || refused.length > 0) {
    throw new OAuthSettingsError(
      `MCP_OAUTH_ALGORITHMS names ${refused.join(', ') || 'nothing'}: list asymmetric JWS algorithms from ${DEFAULT_ALGORITHMS.join(', ')} (never none or HS*: anyone holding the issuer's public key could sign with them).`,
    );
  }
  return names;
}

function introspectionCacheSeconds(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_INTROSPECTION_CACHE_SECONDS;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > MAX_INTROSPECTION_CACHE_SECONDS) {
    throw new OAuthSettingsError(
      `MCP_OAUTH_INTROSPECTION_CACHE_SECONDS is "${raw}": use a whole number of seconds from 0 (introspect every request) to ${MAX_INTROSPECTION_CACHE_SECONDS}; a revoked token can be accepted for that long.`,
    );
  }
  return value;
}

function maxInFlight(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_MAX_IN_FLIGHT_PER_CALLER;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > 10) {
    throw new OAuthSettingsError(
      `MCP_OAUTH_MAX_IN_FLIGHT_PER_CALLER is "${raw}": use a whole number from 1 to 10 (Sumo allows 10 requests in flight per key).`,
    );
  }
  return value;
}
