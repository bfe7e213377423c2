import { loadStateConfig } from './config.js';
import { SumoClient } from './http/client.js';
import type { RateLimits } from './http/rate-limiter.js';
import type { Logger } from './logger.js';
import { loadOrgsConfig, SumoOrgs } from './orgs.js';
import { rolloutRunner } from './rollouts/rollout-runner.js';
import { searchJobRegistry } from './search/registry.js';
import { RedisBackend } from './state/redis-backend.js';
import { createStores, type Stores } from './state/stores.js';

export const DEMO_SOURCE_NOTE = 'simulator (demo)';

/** An API to run against instead of Sumo Logic (`--demo`): the simulator package's `startDemoSumo`. */
export interface DemoSumo {
  apiUrl: string;
  accessId: string;
  accessKey: string;
  /** The limits the stand-in enforces, so the client spends them as it would Sumo's. */
  rateLimits: RateLimits;
  close(): Promise<void>;
}

export interface SumoConnection {
  /** The default org's client. */
  client: SumoClient;
  /** Every configured org's client (SUMO_OPS_ORGS), or the one org of SUMO_* settings. */
  orgs: SumoOrgs;
  /** Shared state (Redis when SUMO_OPS_REDIS_URL is set, else this process's memory). */
  stores: Stores;
  /** DEMO_SOURCE_NOTE on the demo, said on answers so nobody takes it for their org. */
  sourceNote?: string | undefined;
  /** Closes the client, the stores (releasing rate-limit leases) and the demo's API. */
  close(): Promise<void>;
}

/**
 * What every bin does at start: the real org from SUMO_* settings, or — only when the bin passes
 * `demo` (its --demo flag) — the API that starts; shared state from SUMO_OPS_* settings in both
 * cases (the demo too uses Redis only when asked), so this process spends the team's one rate
 * budget. Missing or bad settings throw `SumoConfigError` naming each variable; there is no silent
 * fallback. `demo` is a function so a bin loads the simulator only when asked for it.
 */
export async function connectSumo(options: {
  env: Record<string, string | undefined>;
  logger: Logger;
  demo?: (() => Promise<DemoSumo>) | undefined;
  /**
   * Keep search jobs in shared state too, so any replica can continue one (long-running servers);
   * a one-shot process such as the CLI deletes its jobs before it exits instead.
   */
  shareSearchJobs?: boolean | undefined;
}): Promise<SumoConnection> {
  const stateConfig = loadStateConfig(options.env);
  const orgsConfig = options.demo ? undefined : loadOrgsConfig(options.env);
  const stores = createStores(stateConfig, { logger: options.logger });
  // A moment to connect, so the first calls use the shared budget and the confirmation key can be
  // fetched; a Redis that is down does not stop the start (reads work, confirmations wait for it).
  if (stores.backend instanceof RedisBackend) await stores.backend.settled();
  const shared = { rateLimitStore: stores.rateLimitStore, rateKey: stores.rateKey };
  const demo = options.demo ? await options.demo() : undefined;
  // Each org its own client, so its own budget (keyed by its access id), search jobs and reads.
  const orgs = demo
    ? SumoOrgs.single(
        new SumoClient({
          accessId: demo.accessId,
          accessKey: demo.accessKey,
          apiUrl: demo.apiUrl,
          env: {},
          logger: options.logger,
          rateLimits: demo.rateLimits,
          ...shared,
        }),
      )
    : SumoOrgs.fromConfig(orgsConfig as NonNullable<typeof orgsConfig>, {
        logger: options.logger,
        ...shared,
      });
  const client = orgs.get(orgs.defaultOrg).client;
  if (options.shareSearchJobs && stores.shared)
    searchJobRegistry.useBackend(stores.backend, {
      clients: orgs.all().map((org) => org.client),
      logger: options.logger,
    });
  // Rollouts are records in the state backend whatever the process: a restart (with Redis) or
  // another replica carries one on; long-running servers also look for one nobody drives.
  rolloutRunner.useBackend(stores.backend, {
    clients: orgs.all().map((org) => org.client),
    logger: options.logger,
    resume: stores.shared && options.shareSearchJobs === true,
  });
  if (demo)
    options.logger.info('demo mode: using the embedded Sumo Logic simulator', { apiUrl: demo.apiUrl });
  return {
    client,
    orgs,
    stores,
    sourceNote: demo ? DEMO_SOURCE_NOTE : undefined,
    async close() {
      await orgs.close();
      await stores.close();
      await demo?.close();
    },
  };
}
