/**
 * Opaque access tokens, checked by RFC 7662 introspection at the real OpenID provider that issued
 * them, with the same rules as JWTs: active, this issuer, this resource.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textOf } from './support/harness.js';
import { clientCredentialsClient, type OAuthMcp, startOAuthMcp } from './support/oauth-server.js';
import { CLIENT_SECRET } from './support/oidc.js';
import { initializeRequest, postMcp } from './support/raw-mcp-http.js';

let server: OAuthMcp;
let alice: Client;

beforeAll(async () => {
  server = await startOAuthMcp({
    opaque: true,
    env: (issuer) => ({
      MCP_OAUTH_INTROSPECTION_URL: `${issuer}/token/introspection`,
      MCP_OAUTH_INTROSPECTION_CLIENT_ID: 'sumo-ops-mcp',
      MCP_OAUTH_INTROSPECTION_CLIENT_SECRET: CLIENT_SECRET,
    }),
  });
  alice = await clientCredentialsClient(server, 'alice');
}, 30_000);

afterAll(async () => {
  await alice?.close();
  await server?.close();
});

describe('opaque access tokens through introspection', () => {
  it('serves a real client whose provider issues opaque tokens, asking the provider about each request', async () => {
    const token = await server.oidc.token('alice', { resource: `${server.url}/mcp`, scope: 'sumo-ops:read' });
    expect(token.split('.')).toHaveLength(1);
    const before = server.oidc.hits.get('/token/introspection') ?? 0;
    const listed = await alice.callTool({ name: 'list_collectors', arguments: {} });
    expect(listed.isError, textOf(listed as never)).toBeFalsy();
    expect(server.oidc.hits.get('/token/introspection') ?? 0).toBeGreaterThan(before);
  });

  it('refuses an opaque token issued for another resource, and one the provider never issued', async () => {
    const elsewhere = await server.oidc.token('alice', {
      resource: 'https://other.example/mcp',
      scope: 'sumo-ops:read',
    });
    for (const token of [elsewhere, 'never-issued-by-anyone']) {
      const reply = await postMcp(server.url, { authorization: `Bearer ${token}` }, initializeRequest);
      expect(reply.status, reply.body).toBe(401);
      expect(reply.headers['www-authenticate']).toContain('error="invalid_token"');
    }
  });
});
