import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { type CheckResult, type Logger, metrics, type OperationKind } from '@sumo-ops/core';
import { MCP_PATH } from '../mcp-path.js';
import type { ToolSpec } from '../tool-types.js';
import { scopeFor } from './caller.js';
import type { OAuthSettings } from './settings.js';
import {
  type AuthFailureReason,
  TokenRefusedError,
  TokenVerifier,
  type TokenVerifierOptions,
} from './verifier.js';

type App = ReturnType<typeof createMcpExpressApp>;
type Request = Parameters<Parameters<App['get']>[1]>[0] & { auth?: AuthInfo };
type Response = Parameters<Parameters<App['get']>[1]>[1];

/** RFC 9728 §3: the metadata of the resource `<public URL>/mcp`, at the path-inserted well-known URL. */
export const PRM_PATH = `/.well-known/oauth-protected-resource${MCP_PATH}`;
/** Also at the bare well-known URL, where clients of the 2025-11-25 spec look first. */
export const PRM_ROOT_PATH = '/.well-known/oauth-protected-resource';

export interface ResourceServerOptions {
  settings: OAuthSettings;
  logger: Logger;
  /** The tools this server offers (the operator's flags are the ceiling). */
  tools: readonly ToolSpec[];
  verifier?: TokenVerifierOptions;
}

/** The MCP server as an OAuth 2.1 resource server (MCP authorization spec, 2025-06-18 onward). */
export interface ResourceServer {
  /** Serves the Protected Resource Metadata and puts the token check in front of /mcp. */
  mount(app: App): void;
  /** For --check and /readyz: the issuer's metadata and keys can be fetched. */
  check(): Promise<CheckResult[]>;
}

export function createResourceServer(options: ResourceServerOptions): ResourceServer {
  const { settings, logger } = options;
  const toolKinds = new Map(options.tools.map((tool) => [tool.name, kindOf(tool)]));
  const verifier = new TokenVerifier(settings, options.verifier);
  const metadataUrl = `${settings.publicUrl}${PRM_PATH}`;
  // Only the scopes that unlock a tool this server offers: a --read-only server never asks for write.
  const needed = new Set([...toolKinds.values()].map((kind) => scopeFor(kind, settings.scopes)));
  const offered = [settings.scopes.read, settings.scopes.write].filter((scope) => needed.has(scope));
  const metadata = {
    resource: settings.resource,
    authorization_servers: [settings.issuer],
    scopes_supported: offered,
    bearer_methods_supported: ['header'],
    resource_name: 'sumo-ops',
  };

  const refuse = (response: Response, refusal: TokenRefusedError, tokenSent: boolean) => {
    metrics.authFailures.inc({ reason: refusal.reason });
    logger.warn('MCP request refused', { reason: refusal.reason });
    if (refusal.reason === 'issuer_unreachable') {
      // Not the client's fault: a 401 would send it to sign in again for nothing.
      response
        .set('retry-after', '5')
        .status(503)
        .json({ error: 'temporarily_unavailable', error_description: refusal.message });
      return;
    }
    const error = tokenSent ? `error="invalid_token", error_description="${quoted(refusal.message)}", ` : '';
    response
      .set(
        'www-authenticate',
        `Bearer ${error}resource_metadata="${metadataUrl}", scope="${offered.join(' ')}"`,
      )
      .status(401)
      .json({ error: tokenSent ? 'invalid_token' : 'invalid_request', error_description: refusal.message });
  };

  /**
   * 2026-07-28 spec: 403 with `insufficient_scope` naming every scope the request needs — the ones
   * the token has plus the missing one — so the client's step-up authorization asks for all of
   * them at once and does not lose what it had.
   */
  const forbid = (response: Response, held: readonly string[], needed: string, what: string) => {
    metrics.authFailures.inc({ reason: 'insufficient_scope' satisfies AuthFailureReason });
    logger.warn('MCP request refused', { reason: 'insufficient_scope', needed });
    const scopes = [...new Set([...held.filter((scope) => offered.includes(scope)), needed])].join(' ');
    const description = `${what} needs the scope ${needed}; this token has ${held.length ? held.join(' ') : 'no scope'}. Sign in again asking for: ${scopes}.`;
    response
      .set(
        'www-authenticate',
        `Bearer error="insufficient_scope", scope="${scopes}", resource_metadata="${metadataUrl}", error_description="${quoted(description)}"`,
      )
      .status(403)
      .json({ error: 'insufficient_scope', error_description: description });
  };

  const authenticate = async (request: Request, response: Response, next: () => void) => {
    const header = request.header('authorization');
    const [type, token, ...rest] = header?.trim().split(/\s+/) ?? [];
    if (!header || type?.toLowerCase() !== 'bearer' || !token || rest.length > 0) {
      refuse(
        response,
        new TokenRefusedError(
          'missing_token',
          header
            ? 'The Authorization header must be "Bearer <access token>".'
            : `This server needs an OAuth access token from ${settings.issuer}: see ${metadataUrl}.`,
        ),
        false,
      );
      return;
    }
    let verified: Awaited<ReturnType<TokenVerifier['verify']>>;
    try {
      verified = await verifier.verify(token);
    } catch (error) {
      if (!(error instanceof TokenRefusedError)) throw error;
      refuse(response, error, true);
      return;
    }
    const held = verified.caller.scopes;
    if (!offered.some((scope) => held.includes(scope))) {
      forbid(response, held, settings.scopes.read, 'Every request to this server');
      return;
    }
    // Per the spec a token lacking a scope is refused at the HTTP layer, not as a tool error: a
    // 403 reaches the client, whose step-up authorization can get the scope and retry; a tool
    // error would reach only the model, which cannot.
    for (const message of messagesOf(request.body)) {
      const kind = message.method === 'tools/call' ? toolKinds.get(String(message.params?.name)) : undefined;
      if (kind === undefined) continue;
      const needed = scopeFor(kind, settings.scopes);
      if (!held.includes(needed)) {
        forbid(response, held, needed, `The tool ${String(message.params?.name)}`);
        return;
      }
    }
    request.auth = {
      token,
      clientId: verified.caller.clientId ?? verified.caller.subject,
      scopes: [...held],
      expiresAt: verified.expiresAt,
      resource: new URL(settings.resource),
      extra: { caller: verified.caller },
    };
    next();
  };

  return {
    mount(app) {
      const serveMetadata = (_request: Request, response: Response) => {
        // Browser-based clients read it cross-origin before they have a token.
        response.set('access-control-allow-origin', '*').json(metadata);
      };
      app.get(PRM_PATH, serveMetadata);
      app.get(PRM_ROOT_PATH, serveMetadata);
      app.use(MCP_PATH, (request: Request, response: Response, next: (error?: unknown) => void) => {
        authenticate(request, response, next).catch(next);
      });
    },
    check: () => verifier.check(),
  };
}

/** Read back from the annotations, which the catalog's kinds made. */
function kindOf(tool: ToolSpec): OperationKind {
  if (tool.annotations.readOnlyHint) return 'read';
  return tool.annotations.destructiveHint ? 'destructive' : 'write';
}

interface JsonRpcMessage {
  method?: unknown;
  params?: { name?: unknown } | undefined;
}

/** The JSON-RPC messages of a POST body (one, or a batch from older clients). */
function messagesOf(body: unknown): JsonRpcMessage[] {
  const items = Array.isArray(body) ? body : [body];
  return items.filter((item): item is JsonRpcMessage => typeof item === 'object' && item !== null);
}

/** RFC 7235 quoted-string: no bare quotes or backslashes inside. */
function quoted(text: string): string {
  return text.replace(/["\\]/g, "'");
}
