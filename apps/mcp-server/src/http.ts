import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Logger, OpsEndpoints } from '@sumo-ops/core';
import { STATIC_TOKEN_CALLER } from './auth/caller.js';
import type { ResourceServer } from './auth/resource-server.js';
import { MCP_PATH } from './mcp-path.js';
import type { AppViewsShownTo, SdkServer } from './sdk-adapter.js';
import { commaList, type ToolSelection, ToolSelectionError } from './tool-selection.js';

export { MCP_PATH };
export const HEALTH_PATH = '/healthz';

export interface HttpServerOptions {
  host: string;
  port: number;
  /** Required when `host` is not a loopback address; enforced whenever set. */
  bearerToken?: string | undefined;
  /** Host header names accepted besides the bound address (DNS-rebinding protection). */
  allowedHosts?: readonly string[] | undefined;
  /**
   * One MCP server per session: an SDK server serves exactly one transport. Given what the
   * request's X-MCP-Tools, X-MCP-Toolsets, X-MCP-Orgs and X-MCP-Readonly headers select; throws
   * `ToolSelectionError` for a selection it refuses. Stateless, asked to show the MCP App view to
   * every client: no server of a stateless request saw the client's `initialize`.
   */
  createServer: (selection: ToolSelection, appViewsShownTo?: AppViewsShownTo) => SdkServer;
  logger: Logger;
  /**
   * No sessions: every POST gets a fresh server and transport, so any replica behind a load
   * balancer can answer any request. Used with shared state; elicitation needs a session, so
   * writes are confirmed with tokens then.
   */
  stateless?: boolean | undefined;
  /**
   * /healthz, /readyz and /metrics, answered before the MCP app: probes and scrapers send the
   * pod's address as Host, which the DNS-rebinding check would refuse, and nothing they read is
   * secret or changes anything.
   */
  ops?: OpsEndpoints | undefined;
  /**
   * OAuth instead of `bearerToken` (never both): Protected Resource Metadata served, and every
   * request to /mcp carrying an access token the issuer signed for this server.
   */
  oauth?: ResourceServer | undefined;
}

export interface RunningHttpServer {
  /** `http://host:port` */
  url: string;
  port: number;
  /** Stops taking new connections; requests on open ones still get answers until `close`. */
  stopListening(): void;
  close(): Promise<void>;
}

/** Refusing to start is better than serving Sumo Logic credentials' worth of power to a network. */
export class HttpSecurityError extends Error {
  override readonly name = 'HttpSecurityError';
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/**
 * Streamable HTTP on `/mcp` with Host-header validation before anything else and a bearer token in
 * front of `/mcp`: stateful (sessions let elicitation answers find the call that asked), or
 * stateless for replicas behind a load balancer without sticky sessions.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const { host, bearerToken, logger, oauth } = options;
  if (bearerToken && oauth) {
    throw new HttpSecurityError(
      'Refusing to serve with both a static bearer token and OAuth: the static token would bypass every scope and name nobody. Use one.',
    );
  }
  if (!isLoopback(host) && !bearerToken && !oauth) {
    throw new HttpSecurityError(
      `Refusing to listen on ${host} without a bearer token: set MCP_HTTP_TOKEN to a long random secret (clients then send "Authorization: Bearer <token>"), or MCP_OAUTH_ISSUER and MCP_PUBLIC_URL for OAuth, or bind to 127.0.0.1.`,
    );
  }

  const app = createMcpExpressApp({ host, ...allowedHostsFor(host, options.allowedHosts) });
  app.get(HEALTH_PATH, (_request, response) => {
    response.json({ status: 'ok' });
  });
  if (oauth) oauth.mount(app);
  else if (bearerToken) app.use(MCP_PATH, requireBearerAuth({ verifier: staticTokenVerifier(bearerToken) }));
  app.post(MCP_PATH, requireJsonContentType);

  // Answers still being written, so closing can let them go out first.
  const answering = new Set<Promise<void>>();
  app.post(MCP_PATH, (_request: Request, response: Response, next: () => void) => {
    const written = new Promise<void>((resolve) => response.once('close', resolve));
    answering.add(written);
    void written.then(() => answering.delete(written));
    next();
  });
  const sessions = new Map<string, Session>();
  if (options.stateless) serveStateless(app, options.createServer);
  else serveSessions(app, options.createServer, sessions);
  app.use(notFound);
  app.use(answerBodyErrors(logger));

  const { ops } = options;
  const httpServer: Server = createServer((request, response) => {
    if (!ops?.handle(request, response)) app(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${bracketed(host)}:${port}`;
  logger.info('MCP server listening', {
    url: `${url}${MCP_PATH}`,
    bearerAuth: Boolean(bearerToken),
    oauth: Boolean(oauth),
  });

  let stopped: Promise<void> | undefined;
  const stopListening = () => {
    stopped ??= new Promise<void>((resolve) => httpServer.close(() => resolve()));
    httpServer.closeIdleConnections();
    return stopped;
  };
  return {
    url,
    port,
    stopListening: () => void stopListening(),
    async close() {
      await Promise.race([Promise.all(answering), new Promise((resolve) => setTimeout(resolve, 1_000))]);
      for (const { server } of sessions.values()) await server.close().catch(() => undefined);
      sessions.clear();
      const closed = stopListening();
      httpServer.closeAllConnections();
      await closed;
    },
  };
}

type App = ReturnType<typeof createMcpExpressApp>;
type Request = Parameters<Parameters<App['get']>[1]>[0];
type Response = Parameters<Parameters<App['get']>[1]>[1];
type Session = { transport: StreamableHTTPServerTransport; server: SdkServer };

type CreateServer = HttpServerOptions['createServer'];

/**
 * The server for a new session (or, without sessions, for this request) with the tools the
 * client's headers select; a refused selection is answered here as a JSON-RPC error.
 */
function serverFor(
  request: Request,
  response: Response,
  create: CreateServer,
  appViewsShownTo: AppViewsShownTo = 'declared',
): SdkServer | undefined {
  try {
    return create(selectionFrom(request), appViewsShownTo);
  } catch (error) {
    if (!(error instanceof ToolSelectionError)) throw error;
    rpcError(response, 400, error.message);
    return undefined;
  }
}

/** X-MCP-Tools, X-MCP-Toolsets and X-MCP-Orgs (comma-separated) and X-MCP-Readonly (true or false). */
function selectionFrom(request: Request): ToolSelection {
  const tools = request.header('x-mcp-tools');
  const orgs = request.header('x-mcp-orgs');
  const toolsets = request.header('x-mcp-toolsets');
  const readOnly = request.header('x-mcp-readonly')?.trim().toLowerCase();
  if (readOnly !== undefined && !['true', 'false', '1', '0', ''].includes(readOnly)) {
    throw new ToolSelectionError(
      `X-MCP-Readonly is ${JSON.stringify(readOnly.slice(0, 20))}: use true (only tools that read) or false.`,
    );
  }
  return {
    ...(tools !== undefined ? { tools: commaList(tools) } : {}),
    ...(toolsets !== undefined ? { toolsets: commaList(toolsets) } : {}),
    ...(orgs !== undefined ? { orgs: commaList(orgs) } : {}),
    readOnly: readOnly === 'true' || readOnly === '1',
  };
}

function serveStateless(app: App, createMcpServer: CreateServer): void {
  app.post(MCP_PATH, async (request: Request, response: Response) => {
    const server = serverFor(request, response, createMcpServer, 'always');
    if (!server) return;
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    response.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request, response, request.body);
  });
  const noStream = (_request: Request, response: Response) =>
    rpcError(response, 405, 'This server is stateless (no sessions, no server-sent stream): use POST.');
  app.get(MCP_PATH, noStream);
  app.delete(MCP_PATH, noStream);
}

function serveSessions(app: App, createMcpServer: CreateServer, sessions: Map<string, Session>): void {
  app.post(MCP_PATH, async (request: Request, response: Response) => {
    const sessionId = request.header('mcp-session-id');
    const session = sessionId ? sessions.get(sessionId) : undefined;
    if (session) return session.transport.handleRequest(request, response, request.body);
    if (sessionId) return rpcError(response, 404, 'Unknown or expired session: initialize a new one.');
    if (!isInitializeRequest(request.body)) {
      return rpcError(response, 400, 'No session: the first request must be initialize.');
    }
    const server = serverFor(request, response, createMcpServer);
    if (!server) return;
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(request, response, request.body);
  });
  const bySession = async (request: Request, response: Response) => {
    const session = sessions.get(request.header('mcp-session-id') ?? '');
    if (!session) return rpcError(response, 404, 'Unknown or expired session: initialize a new one.');
    return session.transport.handleRequest(request, response);
  };
  app.get(MCP_PATH, bySession);
  app.delete(MCP_PATH, bySession);
}

/**
 * Without this, a body of another type is left unparsed and reaches the session logic as "no
 * initialize" (or the SDK as a bare 415 that does not say what was sent).
 */
function requireJsonContentType(request: Request, response: Response, next: () => void): void {
  if (request.is('application/json')) {
    next();
    return;
  }
  const sent = request.header('content-type');
  rpcError(
    response,
    415,
    `Content-Type must be application/json${sent ? ` (this request sent ${JSON.stringify(sent.slice(0, 100))})` : ' (this request sent none)'}: send the JSON-RPC message as JSON.`,
  );
}

function notFound(request: Request, response: Response): void {
  rpcError(
    response,
    404,
    `Nothing is served at ${request.method} ${request.path}: MCP is served on ${MCP_PATH}.`,
  );
}

/** What the body parser adds to its errors (`http-errors` with `type`, and `limit` for sizes). */
interface BodyError {
  type?: unknown;
  limit?: unknown;
  length?: unknown;
}

/**
 * Express's default error handler answers an HTML page with the stack and the server's paths;
 * every error is answered here as JSON-RPC instead, and only the log sees the details.
 */
function answerBodyErrors(logger: Logger) {
  return (error: unknown, _request: Request, response: Response, _next: (error?: unknown) => void): void => {
    if (response.headersSent) {
      logger.warn('MCP HTTP request failed after its answer began', { error: String(error) });
      response.end();
      return;
    }
    const [status, code, message] = describeBodyError(error);
    if (status === 500) {
      logger.error('MCP HTTP request failed', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
    rpcError(response, status, message, code);
  };
}

function describeBodyError(error: unknown): [status: number, code: number, message: string] {
  const { type, limit, length } = (typeof error === 'object' && error !== null ? error : {}) as BodyError;
  if (type === 'entity.parse.failed') {
    return [400, -32700, 'Parse error: the request body is not valid JSON.'];
  }
  if (type === 'entity.too.large' && typeof limit === 'number') {
    const sent = typeof length === 'number' ? ` (this one is ${kilobytes(length)})` : '';
    return [
      413,
      -32000,
      `Request body is larger than the ${kilobytes(limit)} limit${sent}: send smaller arguments.`,
    ];
  }
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
    return [415, -32000, 'Send the JSON body as UTF-8, without Content-Encoding.'];
  }
  return [500, -32603, 'Internal error while handling the request: see the server log.'];
}

function kilobytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.round(bytes / 1024)} kB`;
}

/**
 * Loopback binds get the SDK's built-in localhost check; a specific address accepts itself; a
 * wildcard bind accepts only the names given (the SDK warns when there are none).
 */
function allowedHostsFor(host: string, extra: readonly string[] | undefined): { allowedHosts?: string[] } {
  const given = [...(extra ?? [])];
  if (isLoopback(host))
    return given.length ? { allowedHosts: ['localhost', '127.0.0.1', '[::1]', ...given] } : {};
  if (host === '0.0.0.0' || host === '::') return given.length ? { allowedHosts: given } : {};
  return { allowedHosts: [bracketed(host), ...given] };
}

/** An IPv6 address as it stands in a URL or a Host header. */
function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function staticTokenVerifier(expected: string) {
  const expectedDigest = createHash('sha256').update(expected).digest();
  return {
    async verifyAccessToken(token: string) {
      // Comparing digests keeps the comparison constant-time whatever the token's length.
      const given = createHash('sha256').update(token).digest();
      if (!timingSafeEqual(given, expectedDigest)) throw new InvalidTokenError('Invalid bearer token');
      // The verifier contract wants an expiry; a static token is valid while the server runs.
      return {
        token,
        clientId: STATIC_TOKEN_CALLER.subject,
        scopes: [],
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
        extra: { caller: STATIC_TOKEN_CALLER },
      };
    },
  };
}

function rpcError(
  response: { status(code: number): { json(body: unknown): unknown } },
  status: number,
  message: string,
  code = -32000,
): void {
  response.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}
