import { describe, expect, it } from 'vitest';
import { OAuthSettingsError, readOAuthSettings } from '../src/auth/settings.js';

const base = {
  MCP_OAUTH_ISSUER: 'https://idp.example.com/realms/ops',
  MCP_PUBLIC_URL: 'https://mcp.example.com/',
};

const introspecting = {
  ...base,
  MCP_OAUTH_INTROSPECTION_URL: 'https://idp.example.com/introspect',
  MCP_OAUTH_INTROSPECTION_CLIENT_ID: 'sumo-ops-mcp',
  MCP_OAUTH_INTROSPECTION_CLIENT_SECRET: 'secret',
};

function refusal(env: Record<string, string>): string {
  try {
    readOAuthSettings(env);
  } catch (error) {
    if (error instanceof OAuthSettingsError) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

describe('OAuth settings', () => {
  it('are off without MCP_OAUTH_ISSUER, and read with defaults when it is set', () => {
    expect(readOAuthSettings({})).toBeUndefined();
    expect(readOAuthSettings(base)).toMatchObject({
      issuer: 'https://idp.example.com/realms/ops',
      publicUrl: 'https://mcp.example.com',
      resource: 'https://mcp.example.com/mcp',
      scopes: { read: 'sumo-ops:read', write: 'sumo-ops:write' },
      introspectionUrl: undefined,
      maxInFlightPerCaller: 4,
    });
    expect(readOAuthSettings(base)?.algorithms).not.toContain('HS256');
  });

  it('keep introspection answers 60 s unless told otherwise, and 0 turns keeping them off', () => {
    expect(readOAuthSettings(introspecting)?.introspectionCacheSeconds).toBe(60);
    expect(
      readOAuthSettings({ ...introspecting, MCP_OAUTH_INTROSPECTION_CACHE_SECONDS: '0' })
        ?.introspectionCacheSeconds,
    ).toBe(0);
    expect(
      readOAuthSettings({ ...introspecting, MCP_OAUTH_INTROSPECTION_CACHE_SECONDS: '3600' })
        ?.introspectionCacheSeconds,
    ).toBe(3600);
  });

  it.each([
    [{ ...base, MCP_HTTP_TOKEN: 'static' }, /MCP_HTTP_TOKEN and MCP_OAUTH_ISSUER are both set/],
    [{ MCP_PUBLIC_URL: 'https://mcp.example.com' }, /MCP_PUBLIC_URL is set but MCP_OAUTH_ISSUER is not/],
    [
      { MCP_OAUTH_INTROSPECTION_CACHE_SECONDS: '30' },
      /MCP_OAUTH_INTROSPECTION_CACHE_SECONDS is set but MCP_OAUTH_ISSUER is not/,
    ],
    [{ MCP_OAUTH_ISSUER: base.MCP_OAUTH_ISSUER }, /MCP_PUBLIC_URL is not set/],
    [
      { ...base, MCP_OAUTH_ISSUER: 'http://idp.example.com' },
      /MCP_OAUTH_ISSUER uses http:\/\/: use https:\/\//,
    ],
    [{ ...base, MCP_PUBLIC_URL: 'mcp.example.com' }, /MCP_PUBLIC_URL is not a URL/],
    [
      { ...base, MCP_OAUTH_ALGORITHMS: 'RS256,HS256' },
      /MCP_OAUTH_ALGORITHMS names HS256.*never none or HS\*/,
    ],
    [{ ...base, MCP_OAUTH_ALGORITHMS: 'none' }, /MCP_OAUTH_ALGORITHMS names none/],
    [{ ...base, MCP_OAUTH_WRITE_SCOPE: 'sumo-ops:read' }, /both "sumo-ops:read"/],
    [{ ...base, MCP_OAUTH_READ_SCOPE: 'two words' }, /MCP_OAUTH_READ_SCOPE is "two words"/],
    [{ ...base, MCP_OAUTH_MAX_IN_FLIGHT_PER_CALLER: '11' }, /from 1 to 10/],
    [
      { ...base, MCP_OAUTH_INTROSPECTION_URL: 'https://idp.example.com/introspect' },
      /MCP_OAUTH_INTROSPECTION_CLIENT_ID/,
    ],
    ...['-1', '1.5', '3601', 'a minute'].map((seconds): [Record<string, string>, RegExp] => [
      { ...introspecting, MCP_OAUTH_INTROSPECTION_CACHE_SECONDS: seconds },
      new RegExp(
        `MCP_OAUTH_INTROSPECTION_CACHE_SECONDS is "${seconds}": use a whole number of seconds from 0 \\(introspect every request\\) to 3600`,
      ),
    ]),
    [
      { ...base, MCP_OAUTH_INTROSPECTION_CACHE_SECONDS: '30' },
      /MCP_OAUTH_INTROSPECTION_CACHE_SECONDS is set but MCP_OAUTH_INTROSPECTION_URL is not/,
    ],
  ])('refuse %o, naming the setting and the fix', (env, message) => {
    expect(refusal(env)).toMatch(message);
  });
});
