/**
 * The MCP server as an OAuth 2.1 resource server of a real OpenID provider (`oidc-provider`) on
 * loopback: real MCP clients sign in with client credentials, and every token from elsewhere —
 * or meant for something else — is refused before a tool runs.
 */

import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { metrics } from '@sumo-ops/core';
import type { ReceivedRequest } from '@sumo-ops/simulator';
import {
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  SignJWT,
  UnsecuredJWT,
} from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { errorCode, textOf } from './support/harness.js';
import {
  clientCredentialsClient,
  type OAuthMcp,
  signedInClient,
  startOAuthMcp,
} from './support/oauth-server.js';
import { startOidc } from './support/oidc.js';
import { initializeRequest, openSession, postMcp } from './support/raw-mcp-http.js';

let server: OAuthMcp;
let alice: Client;
let bob: Client;
/** Every request the simulated Sumo API received, as it arrived. */
const sumoReceived: ReceivedRequest[] = [];

beforeAll(async () => {
  // Failures are counted only once metrics are on, as the HTTP bin turns them on before serving.
  await metrics.enable();
  server = await startOAuthMcp({ sumo: { onRequest: (request) => sumoReceived.push(request) } });
  alice = await clientCredentialsClient(server, 'alice');
  bob = await clientCredentialsClient(server, 'bob');
}, 30_000);

afterAll(async () => {
  await alice?.close();
  await bob?.close();
  await server?.close();
});

afterEach(() => {
  vi.useRealTimers();
});

const resource = () => `${server.url}/mcp`;

/** A raw initialize with this bearer token, as any HTTP client would send it. */
function initializeWith(token: string | undefined) {
  return postMcp(
    server.url,
    token === undefined ? {} : { authorization: `Bearer ${token}` },
    initializeRequest,
  );
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** What the auth-failure metric says for one reason now. */
async function failures(reason: string): Promise<number> {
  const match = new RegExp(`sumo_ops_auth_failures_total\\{reason="${reason}"\\} (\\d+)`).exec(
    (await metrics.exposition()).text,
  );
  return Number(match?.[1] ?? 0);
}

/** A token signed with `key` (the provider's own unless said otherwise), claims as given. */
async function signed(
  claims: JWTPayload,
  key: JWK = server.oidc.signingKey(),
  alg = 'RS256',
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: server.oidc.issuer,
    aud: resource(),
    iat: now,
    exp: now + 300,
    sub: 'mallory',
    scope: 'sumo-ops:read sumo-ops:write',
    ...claims,
  })
    .setProtectedHeader({ alg, kid: key.kid as string, typ: 'at+jwt' })
    .sign(await importJWK(key, alg));
}

describe('Protected Resource Metadata (RFC 9728)', () => {
  it('is served at both well-known URLs, naming the resource, the issuer and the scopes', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        resource: resource(),
        authorization_servers: [server.oidc.issuer],
        scopes_supported: ['sumo-ops:read', 'sumo-ops:write'],
        bearer_methods_supported: ['header'],
        resource_name: 'sumo-ops',
      });
    }
  });
});

describe('a request without a valid token', () => {
  it('is answered 401 with a challenge naming the metadata and the scopes to ask for', async () => {
    const before = await failures('missing_token');
    const reply = await initializeWith(undefined);
    expect(reply.status).toBe(401);
    expect(reply.headers['www-authenticate']).toBe(
      `Bearer resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp", scope="sumo-ops:read sumo-ops:write"`,
    );
    expect(await failures('missing_token')).toBe(before + 1);
  });

  it.each([
    [
      'a token the provider issued for another resource',
      'wrong_audience',
      () => server.oidc.token('alice', { resource: 'https://other.example/mcp', scope: 'sumo-ops:read' }),
    ],
    [
      "a token signed with the issuer's key but another issuer",
      'wrong_issuer',
      () => signed({ iss: 'https://evil.example' }),
    ],
    ['an expired token', 'expired', () => signed({ exp: Math.floor(Date.now() / 1000) - 120 })],
    [
      'a token not valid for another hour',
      'not_yet_valid',
      () => signed({ nbf: Math.floor(Date.now() / 1000) + 3600 }),
    ],
    [
      "a token signed by a key that is not the issuer's",
      'unknown_key',
      async () => {
        const { privateKey } = await generateKeyPair('RS256', { extractable: true });
        return signed({}, { ...(await exportJWK(privateKey)), kid: 'not-the-issuers' });
      },
    ],
    [
      'a token with the signature of another token',
      'bad_signature',
      async () => {
        const [header, payload] = (await signed({ sub: 'alice' })).split('.');
        const [, , signature] = (await signed({ sub: 'mallory' })).split('.');
        return `${header}.${payload}.${signature}`;
      },
    ],
    [
      'an unsigned token (alg none)',
      'algorithm_not_allowed',
      () =>
        new UnsecuredJWT({ sub: 'mallory', scope: 'sumo-ops:write' })
          .setIssuer(server.oidc.issuer)
          .setAudience(resource())
          .setExpirationTime('5m')
          .encode(),
    ],
    [
      "a token HMAC-signed with the issuer's public key (HS256 confusion)",
      'algorithm_not_allowed',
      async () => {
        const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = server.oidc.signingKey();
        const pem = createPublicKey({ key: publicJwk as JsonWebKey, format: 'jwk' })
          .export({ type: 'spki', format: 'pem' })
          .toString();
        const now = Math.floor(Date.now() / 1000);
        return new SignJWT({ sub: 'mallory', scope: 'sumo-ops:write' })
          .setProtectedHeader({ alg: 'HS256', kid: publicJwk.kid as string })
          .setIssuer(server.oidc.issuer)
          .setAudience(resource())
          .setExpirationTime(now + 300)
          .sign(new TextEncoder().encode(pem));
      },
    ],
    [
      'a token from another OpenID provider',
      'unknown_key',
      async () => {
        const other = await startOidc({ resource: resource() });
        try {
          return await other.token('alice', { resource: resource(), scope: 'sumo-ops:read' });
        } finally {
          await other.close();
        }
      },
    ],
    ['an opaque string (no introspection configured)', 'malformed_token', async () => 'opaque-token-value'],
  ])('refuses %s (%s) with 401 invalid_token, and counts it', async (_what, reason, make) => {
    const token = await make();
    const before = await failures(reason);
    const reply = await initializeWith(token);
    expect(reply.status, reply.body).toBe(401);
    expect(reply.headers['www-authenticate']).toMatch(
      /^Bearer error="invalid_token", error_description="[^"]+", resource_metadata="[^"]+", scope="sumo-ops:read sumo-ops:write"$/,
    );
    expect(reply.body).not.toContain(token);
    expect(await failures(reason)).toBe(before + 1);
  });

  it('accepts a token the provider issued for this resource, sent by hand', async () => {
    const token = await server.oidc.token('alice', { resource: resource(), scope: 'sumo-ops:read' });
    expect((await initializeWith(token)).status).toBe(200);
  });
});

describe('scopes', () => {
  it('shows a caller with both scopes every tool, and one with the read scope only the read tools', async () => {
    const reader = await clientCredentialsClient(server, 'reader', 'sumo-ops:read');
    try {
      const all = (await alice.listTools()).tools;
      const read = (await reader.listTools()).tools;
      expect(all.some((tool) => tool.annotations?.readOnlyHint === false)).toBe(true);
      expect(read.map((tool) => tool.name)).toEqual(
        all.filter((tool) => tool.annotations?.readOnlyHint).map((tool) => tool.name),
      );
      const listed = await call(reader, 'list_collectors', {});
      expect(listed.isError, textOf(listed)).toBeFalsy();
    } finally {
      await reader.close();
    }
  });

  it('answers a write tool called without the write scope with 403 insufficient_scope naming every scope needed', async () => {
    const token = await server.oidc.token('reader', { resource: resource(), scope: 'sumo-ops:read' });
    const before = await failures('insufficient_scope');
    const reply = await postMcp(
      server.url,
      { authorization: `Bearer ${token}` },
      {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'delete_collector', arguments: { id: '1' } },
      },
    );
    expect(reply.status).toBe(403);
    expect(reply.headers['www-authenticate']).toMatch(
      /^Bearer error="insufficient_scope", scope="sumo-ops:read sumo-ops:write", resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp", error_description="The tool delete_collector needs the scope sumo-ops:write/,
    );
    expect(await failures('insufficient_scope')).toBe(before + 1);
  });

  it('refuses the write tool to a real read-only client after its step-up cannot get the scope', async () => {
    const reader = await clientCredentialsClient(server, 'reader', 'sumo-ops:read');
    try {
      await expect(call(reader, 'create_hosted_collector', { name: 'never-made' })).rejects.toThrow(/403/);
      expect(server.sumo.sim.org.collectorByName('never-made')).toBeUndefined();
    } finally {
      await reader.close();
    }
  });

  it("answers a token with none of the server's scopes with 403, asking for the read scope", async () => {
    const token = await signed({ scope: 'openid profile' });
    const reply = await initializeWith(token);
    expect(reply.status).toBe(403);
    expect(reply.headers['www-authenticate']).toContain('scope="sumo-ops:read"');
  });
});

describe('every change tied to a person', () => {
  it("refuses Alice's preview to Bob, saying why, and lets Alice confirm it; the audit names each", async () => {
    const args = { name: 'made-by-alice' };
    const preview = await call(alice, 'create_hosted_collector', args);
    expect(preview.structuredContent, textOf(preview)).toMatchObject({ status: 'confirmation_required' });
    const { confirmationToken } = preview.structuredContent as { confirmationToken: string };

    const byBob = await call(bob, 'create_hosted_collector', { ...args, confirmationToken });
    expect(byBob.isError).toBe(true);
    expect(errorCode(byBob)).toBe('confirmation.other_person');
    expect(textOf(byBob)).toContain('a preview made by another person');
    expect(server.sumo.sim.org.collectorByName('made-by-alice')).toBeUndefined();

    const byAlice = await call(alice, 'create_hosted_collector', { ...args, confirmationToken });
    expect(byAlice.structuredContent, textOf(byAlice)).toMatchObject({ status: 'completed' });
    expect(server.sumo.sim.org.collectorByName('made-by-alice')).toBeDefined();

    const lines = server.audit.filter((line) => line.tool === 'create_hosted_collector');
    expect(lines).toEqual([
      expect.objectContaining({
        audit: 'sumo-ops.mcp',
        caller: { subject: 'bob' },
        clientId: 'bob',
        outcome: 'refused',
        reason: 'confirmation.other_person',
        input: args,
      }),
      expect.objectContaining({ caller: { subject: 'alice' }, outcome: 'succeeded', input: args }),
    ]);
  });

  it('logs every call with the caller, and never the access token', async () => {
    const before = server.sumo.logLines.length;
    await call(bob, 'list_collectors', {});
    const logged = server.sumo.logLines.slice(before).join('\n');
    expect(logged).toMatch(
      /"tool call".*"caller":\{"subject":"bob"\}|"caller":\{"subject":"bob"\}.*"tool call"/,
    );
    expect(logged).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });
});

describe('no token passthrough', () => {
  it("calls Sumo with the access key, never with any part of the caller's token", async () => {
    const token = await server.oidc.token('alice', { resource: resource(), scope: 'sumo-ops:read' });
    const session = await openSession(server.url, { authorization: `Bearer ${token}` });
    const collector = server.sumo.sim.org.collectors()[0] as { id: number };
    const before = sumoReceived.length;
    // get_collector is never answered from a recent read: it always reaches Sumo.
    const { result } = await session.request('tools/call', {
      name: 'get_collector',
      arguments: { collector: String(collector.id) },
    });
    expect(result?.isError, JSON.stringify(result)).toBeFalsy();
    const received = sumoReceived.slice(before);
    expect(received.map(({ method, url }) => `${method} ${url}`)).toContain(
      `GET /api/v1/collectors/${collector.id}`,
    );
    const sumoCredential = `Basic ${Buffer.from('sim-access-id:sim-access-key').toString('base64')}`;
    // The signature alone would be enough to replay the token, so no part of it may travel either.
    const [, claims = '', signature = ''] = token.split('.');
    for (const request of received) {
      expect(request.headers.authorization).toBe(sumoCredential);
      const everything = JSON.stringify([request.url, request.headers, request.body]);
      for (const part of [token, claims, signature]) expect(everything).not.toContain(part);
    }
  });
});

describe('keys', () => {
  it('fetches the JWKS once, refetches for an unknown key at most once per cooldown, and follows a rotation without a restart', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const fetches = () => server.oidc.hits.get('/jwks') ?? 0;
    const before = fetches();
    const first = await server.oidc.token('alice', { resource: resource(), scope: 'sumo-ops:read' });
    for (let i = 0; i < 3; i += 1) expect((await initializeWith(first)).status).toBe(200);
    expect(fetches()).toBe(before);

    // Past the cooldown, so the rotation below is not held back by an earlier refetch.
    vi.setSystemTime(Date.now() + 31_000);
    await server.oidc.rotate();
    const rotated = await server.oidc.token('alice', { resource: resource(), scope: 'sumo-ops:read' });
    expect(rotated.split('.')[0]).not.toBe(first.split('.')[0]);
    expect((await initializeWith(rotated)).status).toBe(200);
    expect(fetches()).toBe(before + 1);

    // Tokens signed with either key keep working from the cache.
    expect((await initializeWith(first)).status).toBe(200);
    expect((await initializeWith(rotated)).status).toBe(200);
    // A flood of unknown key ids within the cooldown does not reach the issuer.
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const stranger = { ...(await exportJWK(privateKey)), kid: 'made-up' };
    for (let i = 0; i < 5; i += 1) {
      expect((await initializeWith(await signed({}, stranger))).status).toBe(401);
    }
    expect(fetches()).toBe(before + 1);
  });
});

describe('a person signing in (authorization code with PKCE)', () => {
  it('connects after signing in through the provider, and writes under their own name and email', async () => {
    const carol = await signedInClient(server, 'carol');
    try {
      const args = { name: 'made-by-carol' };
      const preview = await call(carol, 'create_hosted_collector', args);
      const { confirmationToken } = preview.structuredContent as { confirmationToken: string };
      const done = await call(carol, 'create_hosted_collector', { ...args, confirmationToken });
      expect(done.structuredContent, textOf(done)).toMatchObject({ status: 'completed' });
      expect(
        server.audit.find(
          (line) =>
            line.tool === 'create_hosted_collector' &&
            line.outcome === 'succeeded' &&
            (line.input as { name: string }).name === 'made-by-carol',
        ),
      ).toMatchObject({
        caller: { subject: 'carol', email: 'carol@example.test', username: 'carol' },
        clientId: 'desktop-app',
      });
    } finally {
      await carol.close();
    }
  });
});

describe('an issuer that cannot be reached', () => {
  it('answers 503 with Retry-After, not 401, so clients do not sign in again for nothing', async () => {
    const lonely = await startOAuthMcp();
    try {
      const token = await lonely.oidc.token('alice', {
        resource: `${lonely.url}/mcp`,
        scope: 'sumo-ops:read',
      });
      await lonely.oidc.close();
      const before = await failures('issuer_unreachable');
      const reply = await postMcp(lonely.url, { authorization: `Bearer ${token}` }, initializeRequest);
      expect(reply.status).toBe(503);
      expect(reply.headers['retry-after']).toBe('5');
      expect(reply.body).toContain('could not be reached');
      expect(await failures('issuer_unreachable')).toBe(before + 1);
    } finally {
      await lonely.close();
    }
  });
});
