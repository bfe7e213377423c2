import { createServer } from 'node:net';
import { type OAuthClientProvider, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformation,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import {
  type SimulatedSumo,
  type SimulatedSumoOptions,
  startSimulatedSumo,
} from '../../../../test/support/simulated-sumo.js';
import { createFairShare } from '../../src/auth/fair-share.js';
import { createResourceServer } from '../../src/auth/resource-server.js';
import { type OAuthSettings, readOAuthSettings } from '../../src/auth/settings.js';
import type { TokenVerifierOptions } from '../../src/auth/verifier.js';
import { type RunningHttpServer, startHttpServer } from '../../src/http.js';
import { createSumoOpsMcp, type SumoOpsMcpOptions } from '../../src/runtime.js';
import { BROWSER_CLIENT, CLIENT_SECRET, type LocalOidc, signInThroughBrowser, startOidc } from './oidc.js';

export interface OAuthMcp {
  oidc: LocalOidc;
  sumo: SimulatedSumo;
  http: RunningHttpServer;
  settings: OAuthSettings;
  /** `http://127.0.0.1:port` — MCP_PUBLIC_URL. */
  url: string;
  /** Audit lines written so far, parsed. */
  audit: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * The MCP server over Streamable HTTP as an OAuth resource server of a real OpenID provider on
 * loopback, wired as `sumo-ops-mcp` wires it, in this process so tests can see its audit lines.
 */
export async function startOAuthMcp(
  options: {
    /** More settings, given the provider's issuer URL. */
    env?: (issuer: string) => Record<string, string>;
    verifier?: TokenVerifierOptions;
    mcp?: Partial<SumoOpsMcpOptions>;
    /** More simulator options, such as `onRequest` to see what reached the Sumo API. */
    sumo?: SimulatedSumoOptions;
    opaque?: boolean;
  } = {},
): Promise<OAuthMcp> {
  // The resource names the port, and the provider and the settings need the resource first.
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const oidc = await startOidc({ resource: `${url}/mcp`, ...(options.opaque ? { opaque: true } : {}) });
  const settings = readOAuthSettings({
    MCP_OAUTH_ISSUER: oidc.issuer,
    MCP_PUBLIC_URL: url,
    ...options.env?.(oidc.issuer),
  }) as OAuthSettings;
  const sumo = await startSimulatedSumo({ org: { collectors: 4 }, ...options.sumo });
  const audit: Array<Record<string, unknown>> = [];
  const mcp = createSumoOpsMcp({
    client: sumo.client,
    logger: sumo.logger,
    audit: (line) => audit.push(JSON.parse(line) as Record<string, unknown>),
    scopes: settings.scopes,
    clientFor: createFairShare({ maxInFlight: settings.maxInFlightPerCaller }),
    ...options.mcp,
  });
  const oauth = createResourceServer({
    settings,
    logger: sumo.logger,
    tools: mcp.tools,
    ...(options.verifier ? { verifier: options.verifier } : {}),
  });
  const http = await startHttpServer({
    host: '127.0.0.1',
    port,
    createServer: mcp.createServer,
    logger: sumo.logger,
    oauth,
  });
  return {
    oidc,
    sumo,
    http,
    settings,
    url,
    audit,
    async close() {
      await http.close();
      await sumo.close();
      await oidc.close();
    },
  };
}

/** A real MCP client that signs in with client credentials: 401 → metadata → token → retry. */
export async function clientCredentialsClient(
  server: { url: string; oidc: { issuer: string } },
  clientId: string,
  scope = 'sumo-ops:read sumo-ops:write',
): Promise<Client> {
  const client = new Client({ name: `${clientId}-agent`, version: '0.0.0' });
  const authProvider = new ClientCredentialsProvider({
    clientId,
    clientSecret: CLIENT_SECRET,
    scope,
    expectedIssuer: server.oidc.issuer,
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { authProvider }));
  return client;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A real MCP client of an app a person signs in to (authorization code with PKCE): the first
 * connect is refused, the person signs in through the provider's pages, the app finishes with
 * the code and connects again.
 */
export async function signedInClient(server: OAuthMcp, login: string): Promise<Client> {
  const provider = new BrowserAppProvider();
  const mcpUrl = new URL(`${server.url}/mcp`);
  const first = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
  const client = new Client({ name: `${login}-desktop`, version: '0.0.0' });
  await client.connect(first).then(
    () => {
      throw new Error('connected without signing in');
    },
    (error: unknown) => {
      if (!(error instanceof UnauthorizedError)) throw error;
    },
  );
  await first.finishAuth(await signInThroughBrowser(provider.authorizationUrl as URL, login));
  await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
  return client;
}

/** A pre-registered public client (no secret): PKCE is what binds the code to this app. */
class BrowserAppProvider implements OAuthClientProvider {
  authorizationUrl: URL | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier = '';
  readonly redirectUrl = BROWSER_CLIENT.redirectUri;
  readonly clientMetadata: OAuthClientMetadata = {
    client_name: 'desktop app',
    redirect_uris: [BROWSER_CLIENT.redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
  clientInformation(): OAuthClientInformation {
    return { client_id: BROWSER_CLIENT.id };
  }
  tokens(): OAuthTokens | undefined {
    return this.#tokens;
  }
  saveTokens(tokens: OAuthTokens): void {
    this.#tokens = tokens;
  }
  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string): void {
    this.#verifier = verifier;
  }
  codeVerifier(): string {
    return this.#verifier;
  }
}
