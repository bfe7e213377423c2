import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CheckResult, checkConnection } from './check.js';
import type { SumoClient } from './http/client.js';
import { metrics, type SumoOpsMetrics } from './metrics.js';
import type { SumoOrgs } from './orgs.js';
import type { Stores } from './state/stores.js';

export const OPS_PATHS = ['/healthz', '/readyz', '/metrics'] as const;

export interface Readiness {
  ready: boolean;
  checks: CheckResult[];
}

/**
 * /healthz (the process answers), /readyz (Sumo Logic accepts the key; Redis answers when
 * configured) and /metrics (Prometheus text), for every long-running front end alike.
 */
export interface OpsEndpoints {
  /** Answers the request and returns true when its path is one of OPS_PATHS; false otherwise. */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
  readiness(): Promise<Readiness>;
}

export interface OpsEndpointsOptions {
  client: SumoClient;
  /** With several orgs, each one's key is checked (its own readiness line). */
  orgs?: SumoOrgs | undefined;
  stores?: Stores | undefined;
  /**
   * How long a readiness answer is reused. Probes come every few seconds; one Sumo call per
   * interval keeps readiness true to the key without spending the key's rate budget on probes.
   */
  cacheMs?: number | undefined;
  metrics?: SumoOpsMetrics | undefined;
  /** More dependencies readiness waits for (the MCP server's OAuth issuer), checked alongside. */
  extraChecks?: (() => Promise<CheckResult[]>) | undefined;
}

const DEFAULT_READINESS_CACHE_MS = 30_000;

export function createOpsEndpoints(options: OpsEndpointsOptions): OpsEndpoints {
  const registry = options.metrics ?? metrics;
  // The front end awaits `metrics.enable()` before taking work; this covers one that did not.
  registry.enable().catch(() => undefined);
  const cacheMs = options.cacheMs ?? DEFAULT_READINESS_CACHE_MS;
  let cached: { at: number; answer: Promise<Readiness> } | undefined;

  const evaluate = async (): Promise<Readiness> => {
    const [connection, extra] = await Promise.all([
      checkConnection(options.orgs ?? options.client, options.stores),
      options.extraChecks?.() ?? [],
    ]);
    const checks = [...connection, ...extra];
    // A 429 says the key is busy, not wrong: still ready.
    return { ready: checks.every((check) => check.status !== 'fail'), checks };
  };
  const readiness = () => {
    const now = Date.now();
    if (!cached || now - cached.at >= cacheMs) cached = { at: now, answer: evaluate() };
    return cached.answer;
  };

  return {
    readiness,
    handle(request, response) {
      const path = (request.url ?? '').split('?')[0];
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        if (!(OPS_PATHS as readonly string[]).includes(path ?? '')) return false;
        response.writeHead(405, { allow: 'GET, HEAD' }).end();
        return true;
      }
      if (path === '/healthz') {
        json(response, 200, { status: 'ok' });
        return true;
      }
      if (path === '/readyz') {
        readiness().then(
          (answer) =>
            json(response, answer.ready ? 200 : 503, {
              status: answer.ready ? 'ready' : 'not ready',
              ...answer,
            }),
          (error: unknown) => json(response, 503, { status: 'not ready', error: String(error) }),
        );
        return true;
      }
      if (path === '/metrics') {
        registry.exposition().then(
          ({ contentType, text }) => {
            response.writeHead(200, { 'content-type': contentType });
            response.end(text);
          },
          () => json(response, 500, { status: 'error' }),
        );
        return true;
      }
      return false;
    },
  };
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

export interface RunningOpsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The three endpoints on a port of their own (the Slack bot in Socket Mode has no HTTP server). */
export async function startOpsServer(
  endpoints: OpsEndpoints,
  options: { port: number; host?: string | undefined },
): Promise<RunningOpsServer> {
  const server: Server = createServer((request, response) => {
    if (!endpoints.handle(request, response)) json(response, 404, { status: 'not found', paths: OPS_PATHS });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
