import { createRequire } from 'node:module';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import {
  ALL_ORGS,
  connectSumo as connectSumoWith,
  createCatalog,
  type Logger,
  type OperationCatalog,
  type SharedReads,
  type SumoClient,
  type SumoConnection,
  SumoOrgs,
  type Toolset,
} from '@sumo-ops/core';
import { AuditLog, type AuditWriter } from './audit.js';
import { type Caller, mayUse } from './auth/caller.js';
import type { ScopeNames } from './auth/settings.js';
import { ConfirmationTokens } from './confirmation.js';
import { ServerShuttingDownError } from './errors.js';
import { SHARED_PARAMETERS_TEXT } from './json-schema.js';
import { renderError } from './render.js';
import {
  type AppViewsShownTo,
  createSdkServer,
  type SdkServer,
  toolDefinition,
  useMadeSchemas,
} from './sdk-adapter.js';
import type { MadeToolSchemas } from './tool-schemas.js';
import { selectOrgs, selectTools, type ToolSelection } from './tool-selection.js';
import type { ToolOutcome, ToolSpec } from './tool-types.js';
import { buildTools, ORG_FIELD } from './tools.js';

export const SERVER_NAME = 'sumo-ops';
export const SERVER_VERSION: string = (
  createRequire(import.meta.url)('../package.json') as { version: string }
).version;

const INSTRUCTIONS = `Tools to operate a Sumo Logic organisation: collectors, sources, collector upgrades and log search.
${SHARED_PARAMETERS_TEXT}`;

export interface SumoOpsMcpOptions {
  /** The default org's client; with `orgs`, every org's comes from there. */
  client: SumoClient;
  /** Every configured org (SUMO_OPS_ORGS); with more than one, every tool takes `org`. */
  orgs?: SumoOrgs | undefined;
  /** Only these orgs (--orgs, checked by the caller against `orgs`); a client's X-MCP-Orgs narrows further. */
  allowedOrgs?: readonly string[] | undefined;
  logger: Logger;
  /** The stores' `reads`: with Redis, identical reads are shared with other replicas too. */
  reads?: SharedReads | undefined;
  /** Defaults to the product's whole catalog. */
  catalog?: OperationCatalog | undefined;
  toolsets?: readonly Toolset[] | undefined;
  /** Only these tools (exact names, checked by the caller against the catalog). */
  tools?: readonly string[] | undefined;
  readOnly?: boolean | undefined;
  timeBudgetMs?: number | undefined;
  /** Said on every result, e.g. "simulator (demo)". */
  sourceNote?: string | undefined;
  /**
   * The tools' JSON schemas made at build from the product's catalog (`readToolSchemas()`), so
   * the first `tools/list` converts none; ignored with another `catalog`.
   */
  toolSchemas?: MadeToolSchemas | undefined;
  /** Shared by every session of the process; injected in tests with a fake clock. */
  tokens?: ConfirmationTokens | undefined;
  now?: (() => number) | undefined;
  /** Where audit lines go (default stderr: on stdio, stdout is the MCP channel). */
  audit?: AuditWriter | undefined;
  /** With OAuth: `tools/list` shows each caller only the tools their token's scopes allow. */
  scopes?: ScopeNames | undefined;
  /** With OAuth: the client a caller's calls use (a per-caller cap on requests in flight). */
  clientFor?: ((client: SumoClient, caller: Caller | undefined) => SumoClient) | undefined;
}

export interface SumoOpsMcp {
  tools: ToolSpec[];
  /**
   * A fresh MCP server, one per connection, with every tool of this server or only those a
   * client's selection keeps (it can only narrow; throws `ToolSelectionError` for unknown names).
   */
  createServer(selection?: ToolSelection, appViewsShownTo?: AppViewsShownTo): SdkServer;
  /**
   * Stops taking tool calls (new ones are refused with a retry hint), waits up to `graceMs` for
   * those in flight, then aborts the rest and waits for them to clean up after themselves.
   */
  drain(graceMs: number): Promise<DrainResult>;
}

export interface DrainResult {
  /** Calls that finished on their own within the grace period. */
  finished: number;
  /** Calls that were aborted after it. */
  aborted: number;
}

/** The MCP face of the catalog, independent of any transport. */
export function createSumoOpsMcp(options: SumoOpsMcpOptions): SumoOpsMcp {
  const catalog = options.catalog ?? createCatalog();
  const orgs = options.orgs ?? SumoOrgs.single(options.client);
  const allowedOrgs = options.allowedOrgs ?? orgs.names;
  const built = buildTools({
    catalog,
    client: options.client,
    orgs,
    allowedOrgs,
    logger: options.logger,
    reads: options.reads,
    tokens: options.tokens ?? new ConfirmationTokens(options.now ? { now: options.now } : {}),
    toolsets: options.toolsets,
    tools: options.tools,
    readOnly: options.readOnly,
    timeBudgetMs: options.timeBudgetMs,
    sourceNote: options.sourceNote,
    audit: new AuditLog(options.audit ?? ((line) => process.stderr.write(line)), options.now),
    clientFor: options.clientFor,
    ...(options.now ? { now: options.now } : {}),
  });
  const calls = new CallTracker(options.sourceNote);
  const tools = built.map((tool) => ({ ...tool, run: calls.wrap(tool.run) }));
  // The made schemas have no `org`: with several orgs each tool's is made here once.
  if (options.toolSchemas && !options.catalog && allowedOrgs.length === 1)
    useMadeSchemas(tools, options.toolSchemas);
  // What a session reads is about the orgs it may use: its X-MCP-Orgs narrows them.
  const identityFor = (sessionOrgs: readonly string[]) => ({
    name: SERVER_NAME,
    version: SERVER_VERSION,
    instructions: [
      INSTRUCTIONS,
      ...(sessionOrgs.length > 1 ? [orgsInstructions(sessionOrgs, orgs.defaultOrg)] : []),
      ...(options.sourceNote
        ? [`This server is connected to a ${options.sourceNote}, not a real Sumo Logic organisation.`]
        : []),
    ].join('\n'),
  });
  const identity = identityFor(allowedOrgs);
  const known = catalog.list().map((operation) => operation.name);
  const { scopes } = options;
  const visibleTo = scopes
    ? (tool: ToolSpec, caller: Caller | undefined) => mayUse(caller, catalog.require(tool.name).kind, scopes)
    : undefined;
  return {
    tools,
    createServer: (selection, appViewsShownTo) => {
      const sessionOrgs = selection?.orgs ? selectOrgs(allowedOrgs, selection.orgs) : undefined;
      const narrowed = sessionOrgs && sessionOrgs.length < allowedOrgs.length ? sessionOrgs : undefined;
      return createSdkServer(
        narrowed ? identityFor(narrowed) : identity,
        selection ? selectTools(tools, known, selection) : tools,
        visibleTo,
        sessionOrgs,
        narrowed ? definitionsWithOrgs(narrowed) : undefined,
        appViewsShownTo,
      );
    },
    drain: (graceMs) => calls.drain(graceMs),
  };
}

/** The `org` parameter, described once for every tool that has it (all of them). */
function orgsInstructions(allowed: readonly string[], defaultOrg: string): string {
  const fallback = allowed.includes(defaultOrg)
    ? `left out, ${defaultOrg}`
    : allowed.length === 1
      ? `left out, ${allowed[0]}`
      : 'it must be named';
  return `- org: the Sumo Logic org a tool acts on, one of ${allowed.join(', ')} (${fallback}). Every answer names its org; a confirmationToken acts only on the org it was previewed in, and a jobId only exists in the org that started it.`;
}

/**
 * Tool definitions for a session narrowed to `sessionOrgs` (X-MCP-Orgs): the `org` enum lists only
 * those (and `*` where a tool answers per org and more than one is left); with one left, there is
 * nothing to choose and no `org`, as with --orgs naming one. Made once per tool per session.
 */
function definitionsWithOrgs(sessionOrgs: readonly string[]): (tool: ToolSpec) => Tool {
  const made = new Map<ToolSpec, Tool>();
  return (tool) => {
    let definition = made.get(tool);
    if (definition) return definition;
    definition = toolDefinition(tool);
    const properties = definition.inputSchema.properties;
    const org = properties?.[ORG_FIELD] as { enum?: string[] } | undefined;
    if (properties && org?.enum) {
      const names = org.enum.filter((name) =>
        name === ALL_ORGS ? sessionOrgs.length > 1 : sessionOrgs.includes(name),
      );
      definition = {
        ...definition,
        inputSchema: {
          ...definition.inputSchema,
          properties: Object.fromEntries(
            Object.entries(properties).flatMap(([name, schema]) =>
              name !== ORG_FIELD
                ? [[name, schema]]
                : sessionOrgs.length > 1
                  ? [[name, { ...org, enum: names }]]
                  : [],
            ),
          ),
        },
      };
    }
    made.set(tool, definition);
    return definition;
  };
}

/** How long aborted calls get to delete what they started (a search job) once the grace period is over. */
const ABORT_CLEANUP_MS = 2_000;

/** The tool calls running in this process, so a shutdown can wait for them and then abort them. */
class CallTracker {
  readonly #running = new Set<Promise<ToolOutcome>>();
  readonly #shutdown = new AbortController();
  #draining = false;

  constructor(private readonly sourceNote: string | undefined) {}

  wrap(run: ToolSpec['run']): ToolSpec['run'] {
    return (args, call) => {
      if (this.#draining) {
        return Promise.resolve(
          renderError(
            {
              code: 'server.shutting.down',
              text: 'This sumo-ops server is shutting down and takes no new work; nothing was done. Call the tool again in a moment (a restarted server or another replica will answer).',
            },
            { sourceNote: this.sourceNote },
          ),
        );
      }
      const running = run(args, { ...call, signal: AbortSignal.any([call.signal, this.#shutdown.signal]) });
      this.#running.add(running);
      const forget = () => this.#running.delete(running);
      running.then(forget, forget);
      return running;
    };
  }

  async drain(graceMs: number): Promise<DrainResult> {
    this.#draining = true;
    const inFlight = [...this.#running];
    const settled = () => Promise.allSettled(inFlight).then(() => true);
    if (await Promise.race([settled(), delay(graceMs, false)]))
      return { finished: inFlight.length, aborted: 0 };
    const aborted = this.#running.size;
    this.#shutdown.abort(new ServerShuttingDownError());
    await Promise.race([settled(), delay(ABORT_CLEANUP_MS, false)]);
    return { finished: inFlight.length - aborted, aborted };
  }
}

function delay<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(resolve, ms, value).unref());
}

export { DEMO_SOURCE_NOTE, type SumoConnection } from '@sumo-ops/core';

/**
 * The real org from SUMO_* settings, or — only when asked with `demo` — the embedded simulator
 * (loaded only then); shared state from SUMO_OPS_* settings, and kept search jobs in it so any
 * replica can continue them. Core's `connectSumo`, which the other bins use too.
 */
export function connectSumo(options: {
  demo: boolean;
  env: Record<string, string | undefined>;
  logger: Logger;
}): Promise<SumoConnection> {
  return connectSumoWith({
    env: options.env,
    logger: options.logger,
    shareSearchJobs: true,
    demo: options.demo
      ? () => import('@sumo-ops/simulator').then(({ startDemoSumo }) => startDemoSumo())
      : undefined,
  });
}
