import {
  createStores,
  type Logger,
  loadConfig,
  loadStateConfig,
  RedisBackend,
  type Stores,
  SumoClient,
} from '@sumo-ops/core';
import { startSimulator } from '@sumo-ops/simulator';

export interface Connection {
  client: SumoClient;
  stores: Stores;
  /** "simulator (demo)" when --demo. */
  sourceNote?: string | undefined;
  close(): Promise<void>;
}

const DEMO_LIMITS = { perSecond: 20, concurrent: 10 };

/**
 * SUMO_* settings (or, with --demo, an embedded simulator) and the shared state from SUMO_OPS_*:
 * with SUMO_OPS_REDIS_URL set, this process spends the team's one rate budget, not a budget of
 * its own. Bad settings throw SumoConfigError naming each variable. The same shape as the MCP
 * server's connectSumo, kept local while that file is being changed.
 */
export async function connect(options: {
  demo: boolean;
  env: Record<string, string | undefined>;
  logger: Logger;
}): Promise<Connection> {
  const stateConfig = loadStateConfig(options.env);
  const config = options.demo ? undefined : loadConfig({}, options.env);
  const stores = createStores(stateConfig, { logger: options.logger });
  if (stores.backend instanceof RedisBackend) await stores.backend.ready();
  const shared = { rateLimitStore: stores.rateLimitStore, rateKey: stores.rateKey };
  if (config) {
    const client = new SumoClient({ config, logger: options.logger, ...shared });
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
    clockSpeed: 60,
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
  return {
    client,
    stores,
    sourceNote: 'simulator (demo)',
    async close() {
      await client.close();
      await stores.close();
      await simulator.close();
    },
  };
}
