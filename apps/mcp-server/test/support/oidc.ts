import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';

/**
 * A real, certified OpenID provider (`oidc-provider`) on loopback, issuing JWT access tokens for
 * one MCP resource by client credentials and by authorization code with PKCE. It counts what is
 * asked of it, so tests can see how often the MCP server fetched its keys.
 */
export interface LocalOidc {
  issuer: string;
  /** Requests per path (`/jwks`, `/token`, …). */
  hits: Map<string, number>;
  /** The private JWK tokens are signed with now. */
  signingKey(): JWK;
  /** A new signing key published first, the old one kept so its tokens stay valid until they expire. */
  rotate(): Promise<void>;
  /** A client-credentials token for `client` (see CLIENTS), for `resource` with `scope`. */
  token(client: string, options: { resource: string; scope: string }): Promise<string>;
  /** Revokes an opaque token `client` was issued (RFC 7009); introspection calls it inactive from now on. */
  revoke(client: string, token: string): Promise<void>;
  close(): Promise<void>;
}

export const CLIENT_SECRET = 'a-long-test-client-secret-0123456789';

/** Clients by id and the scopes the provider lets each ask for. The id is the token's subject. */
export const CLIENTS: Record<string, string> = {
  alice: 'sumo-ops:read sumo-ops:write',
  bob: 'sumo-ops:read sumo-ops:write',
  reader: 'sumo-ops:read',
  stranger: 'openid',
  /** The MCP server itself, when it introspects opaque tokens. */
  'sumo-ops-mcp': 'openid',
};

/** A public client for the authorization-code flow with PKCE. */
export const BROWSER_CLIENT = { id: 'desktop-app', redirectUri: 'http://127.0.0.1/callback' };

export async function startOidc(options: { resource: string; opaque?: boolean }): Promise<LocalOidc> {
  const hits = new Map<string, number>();
  let provider: Provider | undefined;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    (provider as Provider).callback()(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const keys: JWK[] = [await newKey()];

  const configure = () => {
    provider = new Provider(issuer, {
      clients: [
        ...Object.entries(CLIENTS).map(([id, scope]) => ({
          client_id: id,
          client_secret: CLIENT_SECRET,
          grant_types: ['client_credentials'],
          redirect_uris: [],
          response_types: [],
          scope,
        })),
        {
          client_id: BROWSER_CLIENT.id,
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code'],
          redirect_uris: [BROWSER_CLIENT.redirectUri],
          response_types: ['code'],
          scope: 'openid sumo-ops:read sumo-ops:write',
        },
      ],
      jwks: { keys: keys.map((key) => ({ ...key })) },
      scopes: ['openid', 'sumo-ops:read', 'sumo-ops:write'],
      features: {
        clientCredentials: { enabled: true },
        introspection: { enabled: true },
        // Only the client a token was issued to may revoke it.
        revocation: {
          enabled: true,
          allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
        },
        devInteractions: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => options.resource,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, indicator) => ({
            scope: 'sumo-ops:read sumo-ops:write',
            audience: indicator,
            accessTokenTTL: 600,
            accessTokenFormat: options.opaque ? 'opaque' : 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          }),
        },
      },
      // People signing in through the browser flow get an email and a user name in their tokens.
      extraTokenClaims: (_ctx, token) =>
        'accountId' in token && token.accountId
          ? { email: `${token.accountId}@example.test`, preferred_username: token.accountId }
          : undefined,
      findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
      // Loopback http is fine for tests; the provider would otherwise warn about cookies.
      cookies: { keys: ['test-cookie-key-0123456789abcdef'] },
    });
  };
  configure();

  return {
    issuer,
    hits,
    signingKey: () => keys[0] as JWK,
    async rotate() {
      keys.unshift(await newKey());
      configure();
    },
    async token(client, { resource, scope }) {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basic(client),
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope }),
      });
      const body = (await response.json()) as { access_token?: string; error_description?: string };
      if (!body.access_token) throw new Error(`no token for ${client}: ${JSON.stringify(body)}`);
      return body.access_token;
    },
    async revoke(client, token) {
      const response = await fetch(`${issuer}/token/revocation`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basic(client),
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
      });
      if (!response.ok) throw new Error(`revocation answered ${response.status}: ${await response.text()}`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function basic(client: string): string {
  return `Basic ${Buffer.from(`${client}:${CLIENT_SECRET}`).toString('base64')}`;
}

let keyCount = 0;

async function newKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: `test-key-${++keyCount}`, alg: 'RS256', use: 'sig' };
}

/**
 * What a person does in the browser, done over HTTP: open the authorization URL, sign in as
 * `login` on the provider's sign-in page, consent, and come back with the code on the redirect.
 */
export async function signInThroughBrowser(authorizationUrl: URL, login: string): Promise<string> {
  const cookies = new Map<string, string>();
  let url = authorizationUrl.toString();
  let body: URLSearchParams | undefined;
  for (let step = 0; step < 12; step += 1) {
    const response = await fetch(url, {
      method: body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(body ? { body } : {}),
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const [name = '', ...value] = pair.split('=');
      cookies.set(name, value.join('='));
    }
    body = undefined;
    const location = response.headers.get('location');
    if (location) {
      const next = new URL(location, url);
      if (next.toString().startsWith(BROWSER_CLIENT.redirectUri)) {
        const code = next.searchParams.get('code');
        if (!code) throw new Error(`came back without a code: ${next}`);
        return code;
      }
      url = next.toString();
      continue;
    }
    const page = await response.text();
    // The provider's development sign-in page, then its consent page: both post to the same URL.
    body = page.includes('name="login"')
      ? new URLSearchParams({ prompt: 'login', login, password: 'any' })
      : page.includes('value="consent"')
        ? new URLSearchParams({ prompt: 'consent' })
        : undefined;
    if (!body) throw new Error(`unexpected page at ${url} (${response.status}): ${page.slice(0, 300)}`);
  }
  throw new Error('sign-in did not come back to the redirect URI');
}
