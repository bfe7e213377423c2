import { createRequire } from 'node:module';
import {
  createCatalog,
  createStores,
  type Logger,
  loadConfig,
  loadStateConfig,
  type OperationCatalog,
  RedisBackend,
  type Stores,
  SumoClient,
  searchJobRegistry,
  type Toolset,
} from '@sumo-ops/core';
import { type Simulator, startSimulator } from '@sumo-ops/simulator';
import { ConfirmationTokens } from './confirmation.js';
import { ServerShuttingDownError } from './errors.js';
import { SHARED_PARAMETERS_TEXT } from './json-schema.js';
import { renderError } from './render.js';
import { createSdkServer, type SdkServer } from './sdk-adapter.js';
import { selectTools, type ToolSelection } from './tool-selection.js';
import type { ToolOutcome, ToolSpec } from './tool-types.js';
import { buildTools } from './tools.js';

export const SERVER_NAME = 'sumo-ops';
export const SERVER_VERSION: string = (
  createRequire(import.meta.url)('../package.json') as { version: string }
).version;

const INSTRUCTIONS = `Tools to operate a Sumo Logic organisation: collectors, sources, collector upgrades and log search.
${SHARED_PARAMETERS_TEXT}`;

export interface SumoOpsMcpOptions {
  client: SumoClient;
  logger: Logger;
  /** Defaults to the product's whole catalog. */
  catalog?: OperationCatalog | undefined;
  toolsets?: readonly Toolset[] | undefined;
  /** Only these tools (exact names, checked by the caller against the catalog). */
  tools?: readonly string[] | undefined;
  readOnly?: boolean | undefined;
  timeBudgetMs?: number | undefined;
  /** Said on every result, e.g. "simulator (demo)". */
  sourceNote?: string | undefined;
  /** Shared by every session of the process; injected in tests with a fake clock. */
  tokens?: ConfirmationTokens | undefined;
  now?: (() => number) | undefined;
}

export interface SumoOpsMcp {
  tools: ToolSpec[];
  /**
   * A fresh MCP server, one per connection, with every tool of this server or only those a
   * client's selection keeps (it can only narrow; throws `ToolSelectionError` for unknown names).
   */
  createServer(selection?: ToolSelection): SdkServer;
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
  const built = buildTools({
    catalog,
    client: options.client,
    logger: options.logger,
    tokens: options.tokens ?? new ConfirmationTokens(options.now ? { now: options.now } : {}),
    toolsets: options.toolsets,
    tools: options.tools,
    readOnly: options.readOnly,
    timeBudgetMs: options.timeBudgetMs,
    sourceNote: options.sourceNote,
    ...(options.now ? { now: options.now } : {}),
  });
  const calls = new CallTracker(options.sourceNote);
  const tools = built.map((tool) => ({ ...tool, run: calls.wrap(tool.run) }));
  const instructions = options.sourceNote
    ? `${INSTRUCTIONS}\nThis server is connected to a ${options.sourceNote}, not a real Sumo Logic organisation.`
    : INSTRUCTIONS;
  const identity = { name: SERVER_NAME, version: SERVER_VERSION, instructions };
  const known = catalog.list().map((operation) => operation.name);
  return {
    tools,
    createServer: (selection) =>
      createSdkServer(identity, selection ? selectTools(tools, known, selection) : tools),
    drain: (graceMs) => calls.drain(graceMs),
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

export const DEMO_SOURCE_NOTE = 'simulator (demo)';

/** Simulated time runs this much faster in the demo, so a collector upgrade finishes in seconds. */
export const DEMO_CLOCK_SPEED = 60;
const DEMO_LIMITS = { perSecond: 20, concurrent: 10 };

export interface SumoConnection {
  client: SumoClient;
  /** Shared state (Redis when SUMO_OPS_REDIS_URL is set, else this process's memory). */
  stores: Stores;
  sourceNote?: string | undefined;
  simulator?: Simulator | undefined;
  /** Closes the client, the stores (releasing rate-limit leases) and the demo simulator. */
  close(): Promise<void>;
}

/**
 * The real org from SUMO_* settings, or — only when asked with `demo` — an embedded simulator;
 * shared state from SUMO_OPS_* settings, in both cases (the demo too uses Redis only when asked).
 * Missing or bad settings throw `SumoConfigError` (naming each variable); there is no silent fallback.
 */
export async function connectSumo(options: {
  demo: boolean;
  env: Record<string, string | undefined>;
  logger: Logger;
}): Promise<SumoConnection> {
  const stateConfig = loadStateConfig(options.env);
  const config = options.demo ? undefined : loadConfig({}, options.env);
  const stores = createStores(stateConfig, { logger: options.logger });
  // A moment to connect, so the first calls use the shared budget and the confirmation key can be
  // fetched; a Redis that is down does not stop the start (reads work, confirmations wait for it).
  if (stores.backend instanceof RedisBackend) await stores.backend.ready();
  const shared = { rateLimitStore: stores.rateLimitStore, rateKey: stores.rateKey };
  // Kept search jobs go to shared state too, so any replica can continue them.
  const shareSearchJobs = (client: SumoClient) => {
    if (stores.shared)
      searchJobRegistry.useBackend(stores.backend, { clients: [client], logger: options.logger });
  };
  if (config) {
    const client = new SumoClient({ config, logger: options.logger, ...shared });
    shareSearchJobs(client);
    return {
      client,
      stores,
      async close() {
        await client.close();
        await stores.close();
      },
    };
  }
  const simulator = await startSimulator({
    seed: 42,
    clockSpeed: DEMO_CLOCK_SPEED,
    rateLimit: DEMO_LIMITS,
    org: { collectors: 40 },
  });
  const client = new SumoClient({
    accessId: 'sim-access-id',
    accessKey: 'sim-access-key',
    apiUrl: simulator.apiUrl,
    env: {},
    logger: options.logger,
    rateLimits: DEMO_LIMITS,
    ...shared,
  });
  shareSearchJobs(client);
  options.logger.info('demo mode: using the embedded Sumo Logic simulator', { apiUrl: simulator.apiUrl });
  return {
    client,
    stores,
    simulator,
    sourceNote: DEMO_SOURCE_NOTE,
    async close() {
      await client.close();
      await stores.close();
      await simulator.close();
    },
  };
}
