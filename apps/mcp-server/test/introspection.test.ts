/**
 * Opaque access tokens, checked by RFC 7662 introspection at the real OpenID provider that issued
 * them, with the same rules as JWTs: active, this issuer, this resource. Active answers are kept
 * for MCP_OAUTH_INTROSPECTION_CACHE_SECONDS (never past the token's `exp`), so a session costs the
 * provider one introspection, not one per request; the provider's own count of requests to its
 * introspection endpoint is what these tests read.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { metrics } from '@sumo-ops/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { textOf } from './support/harness.js';
import { clientCredentialsClient, type OAuthMcp, startOAuthMcp } from './support/oauth-server.js';
import { CLIENT_SECRET } from './support/oidc.js';
import { initializeRequest, openSession, postMcp } from './support/raw-mcp-http.js';

/** The default cache time (60 s). */
let cached: OAuthMcp;
/** MCP_OAUTH_INTROSPECTION_CACHE_SECONDS=0. */
let uncached: OAuthMcp;
/** An hour: longer than the provider's 600 s tokens live. */
let longCache: OAuthMcp;
let alice: Client;
/** Every token these tests send, to check none of them was ever logged. */
const sent: string[] = [];
/** Log lines of the servers a single test starts and closes. */
const closedServerLogs: string[] = [];

function startIntrospecting(cacheSeconds?: string): Promise<OAuthMcp> {
  return startOAuthMcp({
    opaque: true,
    env: (issuer) => ({
      MCP_OAUTH_INTROSPECTION_URL: `${issuer}/token/introspection`,
      MCP_OAUTH_INTROSPECTION_CLIENT_ID: 'sumo-ops-mcp',
      MCP_OAUTH_INTROSPECTION_CLIENT_SECRET: CLIENT_SECRET,
      ...(cacheSeconds === undefined ? {} : { MCP_OAUTH_INTROSPECTION_CACHE_SECONDS: cacheSeconds }),
    }),
  });
}

beforeAll(async () => {
  await metrics.enable();
  [cached, uncached, longCache] = await Promise.all([
    startIntrospecting(),
    startIntrospecting('0'),
    startIntrospecting('3600'),
  ]);
  alice = await clientCredentialsClient(cached, 'alice');
}, 30_000);

afterAll(async () => {
  await alice?.close();
  await Promise.all([cached, uncached, longCache].map((server) => server?.close()));
});

afterEach(() => {
  vi.useRealTimers();
});

/** Requests the provider's introspection endpoint has answered so far. */
const introspections = (server: OAuthMcp) => server.oidc.hits.get('/token/introspection') ?? 0;

async function tokenFrom(server: OAuthMcp, scope = 'sumo-ops:read', resource = `${server.url}/mcp`) {
  const token = await server.oidc.token('alice', { resource, scope });
  expect(token.split('.')).toHaveLength(1);
  sent.push(token);
  return token;
}

function initializeWith(server: OAuthMcp, token: string) {
  return postMcp(server.url, { authorization: `Bearer ${token}` }, initializeRequest);
}

/**
 * With the clock frozen (the provider's too: it runs in this process), a new token of `server`
 * accepted once: where the clock and the provider's introspection count stood before.
 */
async function acceptedOnFrozenClock(server: OAuthMcp) {
  vi.useFakeTimers({ toFake: ['Date'] });
  const token = await tokenFrom(server);
  const start = Date.now();
  const before = introspections(server);
  expect((await initializeWith(server, token)).status).toBe(200);
  return { token, start, before };
}

/** `times` initialize requests in a row with `token`, each answered 401 invalid_token. */
async function expectRefusedEachTime(server: OAuthMcp, token: string, times: number) {
  for (let request = 0; request < times; request += 1) {
    const reply = await initializeWith(server, token);
    expect(reply.status, reply.body).toBe(401);
    expect(reply.headers['www-authenticate']).toContain('error="invalid_token"');
  }
}

describe('opaque access tokens through introspection', () => {
  it('serves a real client whose provider issues opaque tokens', async () => {
    const listed = await alice.callTool({ name: 'list_collectors', arguments: {} });
    expect(listed.isError, textOf(listed as never)).toBeFalsy();
  });

  it('answers a session of requests with one introspection, checking scopes on each request', async () => {
    const token = await tokenFrom(cached);
    const before = introspections(cached);
    const session = await openSession(cached.url, { authorization: `Bearer ${token}` });
    for (let call = 0; call < 3; call += 1) {
      const { reply, result } = await session.request('tools/call', {
        name: 'list_collectors',
        arguments: {},
      });
      expect(reply.status).toBe(200);
      expect(result?.isError, JSON.stringify(result)).toBeFalsy();
    }
    // The kept answer carries the token's scopes; a write still needs the write scope.
    const write = await session.request('tools/call', {
      name: 'delete_collector',
      arguments: { collector: 1 },
    });
    expect(write.reply.status).toBe(403);
    expect(write.reply.headers['www-authenticate']).toContain('error="insufficient_scope"');
    // initialize, initialized, three calls and the refused write: six requests, one introspection.
    expect(introspections(cached) - before).toBe(1);
  });

  it('shares one introspection among identical requests in flight at once', async () => {
    const token = await tokenFrom(cached);
    const before = introspections(cached);
    const replies = await Promise.all(Array.from({ length: 5 }, () => initializeWith(cached, token)));
    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200, 200, 200]);
    expect(introspections(cached) - before).toBe(1);
  });

  it('introspects again once the kept answer is MCP_OAUTH_INTROSPECTION_CACHE_SECONDS old', async () => {
    const { token, start, before } = await acceptedOnFrozenClock(cached);
    vi.setSystemTime(start + 59_000);
    expect((await initializeWith(cached, token)).status).toBe(200);
    expect(introspections(cached) - before).toBe(1);
    vi.setSystemTime(start + 61_000);
    expect((await initializeWith(cached, token)).status).toBe(200);
    expect(introspections(cached) - before).toBe(2);
  });

  it('accepts a revoked token until its kept answer ages out, then refuses it', async () => {
    const { token, start } = await acceptedOnFrozenClock(cached);
    await cached.oidc.revoke('alice', token);
    expect((await initializeWith(cached, token)).status).toBe(200);
    vi.setSystemTime(start + 61_000);
    await expectRefusedEachTime(cached, token, 2);
  });

  it("never keeps an answer past the token's exp, however long the cache time", async () => {
    const { token, start, before } = await acceptedOnFrozenClock(longCache);
    // The provider's tokens live 600 s. One second after: inside this server's 30 s clock leeway,
    // so only asking the provider again (which says the token expired) refuses it.
    vi.setSystemTime(start + 601_000);
    await expectRefusedEachTime(longCache, token, 1);
    expect(introspections(longCache) - before).toBe(2);
  });

  it('with MCP_OAUTH_INTROSPECTION_CACHE_SECONDS=0, introspects every request', async () => {
    const token = await tokenFrom(uncached);
    const before = introspections(uncached);
    for (let request = 0; request < 4; request += 1) {
      expect((await initializeWith(uncached, token)).status).toBe(200);
    }
    expect(introspections(uncached) - before).toBe(4);
  });

  it('refuses a token the provider never issued each time, asking the provider each time', async () => {
    const token = 'never-issued-by-anyone';
    sent.push(token);
    const before = introspections(cached);
    await expectRefusedEachTime(cached, token, 3);
    expect(introspections(cached) - before).toBe(3);
  });

  it('refuses an opaque token issued for another resource on every request, kept answer or not', async () => {
    const token = await tokenFrom(cached, 'sumo-ops:read', 'https://other.example/mcp');
    const before = introspections(cached);
    await expectRefusedEachTime(cached, token, 2);
    // The provider says it is active, so the answer is kept; the audience is checked each time.
    expect(introspections(cached) - before).toBe(1);
  });

  it('keeps serving a session through an outage of the provider, and refuses a new token with 503 meanwhile', async () => {
    const server = await startIntrospecting();
    try {
      const [known, unknown] = [await tokenFrom(server), await tokenFrom(server)];
      expect((await initializeWith(server, known)).status).toBe(200);
      await server.oidc.close();
      expect((await initializeWith(server, known)).status).toBe(200);
      const refused = await initializeWith(server, unknown);
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
    } finally {
      closedServerLogs.push(...server.sumo.logLines);
      await server.close();
    }
  });

  it('never writes a token to a log line or a metric', async () => {
    const logged = [cached, uncached, longCache]
      .flatMap((server) => server.sumo.logLines)
      .concat(closedServerLogs)
      .join('\n');
    const exposition = (await metrics.exposition()).text;
    expect(logged).toContain('MCP request refused');
    for (const token of sent) {
      expect(logged).not.toContain(token);
      expect(exposition).not.toContain(token);
    }
  });
});
