import { createRequire } from 'node:module';
import {
  createCatalog,
  type Logger,
  loadConfig,
  type OperationCatalog,
  SumoClient,
  type Toolset,
} from '@sumo-ops/core';
import { type Simulator, startSimulator } from '@sumo-ops/simulator';
import { ConfirmationTokens } from './confirmation.js';
import { createSdkServer, type SdkServer } from './sdk-adapter.js';
import type { ToolSpec } from './tool-types.js';
import { buildTools } from './tools.js';

export const SERVER_NAME = 'sumo-ops';
export const SERVER_VERSION: string = (
  createRequire(import.meta.url)('../package.json') as { version: string }
).version;

const INSTRUCTIONS = `Tools to operate a Sumo Logic organisation: collectors, sources, collector upgrades and log search.
List tools page their results (limit, offset, total, nextOffset). Tools that change things never act on the first call: they return a preview and a confirmationToken; show the preview to the user and call again with the token only after they agree.`;

export interface SumoOpsMcpOptions {
  client: SumoClient;
  logger: Logger;
  /** Defaults to the product's whole catalog. */
  catalog?: OperationCatalog | undefined;
  toolsets?: readonly Toolset[] | undefined;
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
  /** A fresh MCP server with every tool registered; one per connection. */
  createServer(): SdkServer;
}

/** The MCP face of the catalog, independent of any transport. */
export function createSumoOpsMcp(options: SumoOpsMcpOptions): SumoOpsMcp {
  const tools = buildTools({
    catalog: options.catalog ?? createCatalog(),
    client: options.client,
    logger: options.logger,
    tokens: options.tokens ?? new ConfirmationTokens(options.now ? { now: options.now } : {}),
    toolsets: options.toolsets,
    readOnly: options.readOnly,
    timeBudgetMs: options.timeBudgetMs,
    sourceNote: options.sourceNote,
    ...(options.now ? { now: options.now } : {}),
  });
  const instructions = options.sourceNote
    ? `${INSTRUCTIONS}\nThis server is connected to a ${options.sourceNote}, not a real Sumo Logic organisation.`
    : INSTRUCTIONS;
  return {
    tools,
    createServer: () => createSdkServer({ name: SERVER_NAME, version: SERVER_VERSION, instructions }, tools),
  };
}

export const DEMO_SOURCE_NOTE = 'simulator (demo)';

/** Simulated time runs this much faster in the demo, so a collector upgrade finishes in seconds. */
export const DEMO_CLOCK_SPEED = 60;
const DEMO_LIMITS = { perSecond: 20, concurrent: 10 };

export interface SumoConnection {
  client: SumoClient;
  sourceNote?: string | undefined;
  simulator?: Simulator | undefined;
  close(): Promise<void>;
}

/**
 * The real org from SUMO_* settings, or — only when asked with `demo` — an embedded simulator.
 * Missing settings throw `SumoConfigError` (naming each variable); there is no silent fallback.
 */
export async function connectSumo(options: {
  demo: boolean;
  env: Record<string, string | undefined>;
  logger: Logger;
}): Promise<SumoConnection> {
  if (!options.demo) {
    const client = new SumoClient({ config: loadConfig({}, options.env), logger: options.logger });
    return { client, close: () => client.close() };
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
  });
  options.logger.info('demo mode: using the embedded Sumo Logic simulator', { apiUrl: simulator.apiUrl });
  return {
    client,
    simulator,
    sourceNote: DEMO_SOURCE_NOTE,
    async close() {
      await client.close();
      await simulator.close();
    },
  };
}
