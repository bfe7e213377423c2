import { parseArgs } from 'node:util';
import { allOperations, TOOLSETS, type Toolset } from '@sumo-ops/core';
import { CONFIRMATION_TTL_TEXT } from './confirmation.js';
import { commaList } from './tool-selection.js';
import { DEFAULT_TIME_BUDGET_MS } from './tools.js';

export interface ServerOptions {
  transport: 'stdio' | 'http';
  host: string;
  port: number;
  allowedHosts: string[];
  /** Undefined: every toolset. */
  toolsets: Toolset[] | undefined;
  /** Undefined: every tool of the toolsets. */
  tools: string[] | undefined;
  readOnly: boolean;
  /** Undefined: every org of SUMO_OPS_ORGS (checked against them once they are loaded). */
  orgs: string[] | undefined;
  demo: boolean;
  /** Check the settings and the connections they name, print a report, exit. */
  check: boolean;
  timeBudgetMs: number;
  help: boolean;
  version: boolean;
}

/** A command line we cannot act on; the message names the flag and the fix. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const DEFAULT_PORT = 3000;
export const DEFAULT_HOST = '127.0.0.1';

export const HELP_TEXT = `sumo-ops-mcp — Sumo Logic collectors, sources, upgrades and search as MCP tools.

Usage: sumo-ops-mcp [options]

Options:
  --transport <stdio|http>  How clients connect (default: stdio).
  --port <n>                HTTP port (default: ${DEFAULT_PORT}; 0 picks a free one).
  --host <addr>             HTTP bind address (default: ${DEFAULT_HOST}). Anything but loopback
                            requires MCP_HTTP_TOKEN or OAuth (MCP_OAUTH_ISSUER).
  --allowed-hosts <a,b>     Extra Host header names accepted over HTTP (DNS-rebinding protection),
                            e.g. the name clients use to reach a server bound to 0.0.0.0.
  --toolsets <a,b>          Only these toolsets: ${TOOLSETS.join(', ')} (default: all).
  --tools <a,b>             Only these tools, by exact name (e.g. run_search,get_search_status),
                            within --toolsets and --read-only.
  --read-only               Register only tools that read; nothing can be changed.
  --orgs <a,b>              Only these orgs of SUMO_OPS_ORGS (default: all); with more than one,
                            every tool takes an optional org (the file's default when left out).
  --time-budget <seconds>   How long a long-running tool works before answering with what it has
                            and how to continue (default: ${DEFAULT_TIME_BUDGET_MS / 1000}; keep below your client's request timeout).
  --demo                    Start an embedded Sumo Logic simulator (seeded org, fast clock) and use
                            it instead of a real org. Every result says it comes from the simulator.
  --check                   Check every setting, one call to Sumo Logic with the key and, when
                            configured, Redis; print one line per check with what to fix; exit 0
                            (all passed) or 1.
  --help                    Show this help.

Over HTTP a client can narrow what it gets further, per session (or per request without
sessions), with the headers X-MCP-Tools: <a,b>, X-MCP-Toolsets: <a,b>, X-MCP-Orgs: <a,b> and
X-MCP-Readonly: true; they never add a tool or an org the flags above leave out. An unknown name is refused with the valid ones.
  --version                 Show the version.

Environment:
  SUMO_ACCESS_ID            Access ID of a Sumo Logic access key (required unless --demo).
  SUMO_ACCESS_KEY           Its secret (required unless --demo).
  SUMO_DEPLOYMENT           Deployment code: au, ca, ch, de, esc, eu, fed, in, jp, kr, us1, us2
                            (default: us1).
  SUMO_API_URL              Full API base URL ending in /api; overrides SUMO_DEPLOYMENT.
  SUMO_OPS_ORGS             Instead of the four above, a JSON file of several orgs:
                            { "default": "prod", "orgs": { "prod": { "deployment": "us2",
                            "accessIdEnv": "<variable>", "accessKeyEnv": "<variable>" } } }
                            (apiUrl instead of deployment; keys only in the variables it names).
  MCP_HTTP_TOKEN            Bearer token HTTP clients must send. Required when --host is not
                            loopback (unless OAuth is configured); enforced whenever set.

OAuth over HTTP (instead of MCP_HTTP_TOKEN; people sign in at your identity provider):
  MCP_OAUTH_ISSUER          The authorization server's issuer URL (exactly its tokens' "iss").
  MCP_PUBLIC_URL            The URL clients use; tokens must be issued for <MCP_PUBLIC_URL>/mcp.
  MCP_OAUTH_READ_SCOPE      Scope of the read tools (default: sumo-ops:read).
  MCP_OAUTH_WRITE_SCOPE     Scope of every tool that changes something (default: sumo-ops:write).
  MCP_OAUTH_ALGORITHMS      Accepted JWS algorithms (default: RS*, PS*, ES*, EdDSA; never none/HS*).
  MCP_OAUTH_MAX_IN_FLIGHT_PER_CALLER
                            Sumo requests one person may have in flight (default: 4 of 10).
  MCP_OAUTH_INTROSPECTION_URL, MCP_OAUTH_INTROSPECTION_CLIENT_ID, MCP_OAUTH_INTROSPECTION_CLIENT_SECRET
                            RFC 7662 introspection for opaque (non-JWT) access tokens.
  MCP_OAUTH_INTROSPECTION_CACHE_SECONDS
                            How long an active answer is reused, never past the token's expiry
                            (default: 60; 0: introspect every request; at most 3600; only with
                            MCP_OAUTH_INTROSPECTION_URL). A revoked token can be accepted for
                            that long.
  LOG_LEVEL                 debug, info, warn, error or silent (default: info). Logs go to stderr.
  HTTPS_PROXY, HTTP_PROXY   Proxy for calls to Sumo Logic (https:// and http:// URLs); NO_PROXY
  NO_PROXY                  lists hosts reached directly (e.g. localhost,.internal.example.com).

Shared state, for several processes on one access key (optional; without it all state stays in
this process, as one process needs):
  SUMO_OPS_REDIS_URL        redis://[user:password@]host[:port][/db] (rediss:// for TLS). Replicas
                            then share the rate budget, accept a confirmation token once across all
                            of them, and serve HTTP without sessions (any replica answers any request).
  SUMO_OPS_REDIS_SENTINELS  Instead of the URL, with Redis Sentinel: host:port,host:port,… of the
  SUMO_OPS_REDIS_MASTER     sentinels, and the name they monitor the primary by. With them:
                            SUMO_OPS_REDIS_USERNAME, SUMO_OPS_REDIS_PASSWORD, SUMO_OPS_REDIS_DB,
                            SUMO_OPS_REDIS_TLS=true, and SUMO_OPS_REDIS_SENTINEL_USERNAME and
                            SUMO_OPS_REDIS_SENTINEL_PASSWORD for sentinels that require AUTH. A
                            failover is followed automatically.
  SUMO_OPS_KEY_PREFIX       Prefix of every Redis key (default: sumo-ops:), for several installs on
                            one Redis.
  SUMO_OPS_RATE_KEY         Name of the shared rate budget (default: the access id); set it alike
                            where several access ids belong to one Sumo user.
  SUMO_OPS_CONFIRMATION_SECRET
                            Signs confirmation tokens, the same on every replica (32+ characters).
                            Default with Redis: one generated once and kept there. Ignored without
                            Redis: tokens then stop working when the process stops.
  SUMO_OPS_SHARED_READS     on (default): identical reads in flight share one Sumo call (across
                            replicas with Redis) and lists are reused for seconds; off: never.

SIGTERM, SIGINT or the client closing stdin: new calls are refused, calls in flight get 5 s to
finish, search jobs only this process can continue are deleted, and the process exits.

Write and destructive tools never act on their first call: they preview, then act only after the
user confirms (a form in clients that support elicitation, otherwise a single-use confirmationToken
bound to the exact arguments, valid ${CONFIRMATION_TTL_TEXT}).
`;

export function parseServerOptions(argv: readonly string[]): ServerOptions {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const transport = values.transport ?? 'stdio';
  if (transport !== 'stdio' && transport !== 'http') {
    throw new UsageError(`--transport is "${transport}": use stdio or http.`);
  }
  const selectedToolsets = toolsets(values.toolsets);
  const readOnly = values['read-only'] ?? false;
  return {
    transport,
    host: values.host ?? DEFAULT_HOST,
    port: integer('--port', values.port, DEFAULT_PORT, 0, 65_535),
    allowedHosts: list(values['allowed-hosts']),
    toolsets: selectedToolsets,
    tools: tools(values.tools, selectedToolsets, readOnly),
    readOnly,
    orgs: values.orgs === undefined ? undefined : list(values.orgs),
    demo: values.demo ?? false,
    check: values.check ?? false,
    timeBudgetMs:
      integer('--time-budget', values['time-budget'], DEFAULT_TIME_BUDGET_MS / 1000, 1, 3600) * 1000,
    help: values.help ?? false,
    version: values.version ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      transport: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'allowed-hosts': { type: 'string' },
      toolsets: { type: 'string' },
      tools: { type: 'string' },
      'read-only': { type: 'boolean' },
      orgs: { type: 'string' },
      'time-budget': { type: 'string' },
      demo: { type: 'boolean' },
      check: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
    },
  });
}

function integer(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new UsageError(`${flag} is "${raw}": use a whole number from ${min} to ${max}.`);
  }
  return value;
}

function list(raw: string | undefined): string[] {
  return commaList(raw ?? '');
}

function toolsets(raw: string | undefined): Toolset[] | undefined {
  if (raw === undefined) return undefined;
  const names = list(raw);
  const unknown = names.filter((name) => !(TOOLSETS as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new UsageError(
      `--toolsets "${raw}": ${unknown.length ? `unknown ${unknown.join(', ')}; ` : ''}use a comma-separated list of ${TOOLSETS.join(', ')}.`,
    );
  }
  return names as Toolset[];
}

/** Names checked at start-up, so a typo is a refusal that lists the valid names, not a missing tool. */
function tools(
  raw: string | undefined,
  toolsets: Toolset[] | undefined,
  readOnly: boolean,
): string[] | undefined {
  if (raw === undefined) return undefined;
  const names = list(raw);
  const valid = allOperations.map((operation) => operation.name);
  const unknown = names.filter((name) => !valid.includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new UsageError(
      `--tools "${raw}": ${unknown.length ? `unknown ${unknown.join(', ')}; ` : ''}use a comma-separated list of tool names: ${valid.join(', ')}.`,
    );
  }
  const left = allOperations.filter(
    (operation) =>
      names.includes(operation.name) &&
      ((toolsets && !toolsets.includes(operation.toolset)) || (readOnly && operation.kind !== 'read')),
  );
  if (left.length > 0) {
    throw new UsageError(
      `--tools names ${left.map((operation) => operation.name).join(', ')}, which ${readOnly && left.some((operation) => operation.kind !== 'read') ? '--read-only' : '--toolsets'} leaves out; drop ${left.length === 1 ? 'it' : 'them'} or widen the other flags.`,
    );
  }
  return names;
}
