import {
  createLogger,
  type Logger,
  RateLimiter,
  type RateLimits,
  SumoClient,
  type SumoClientOptions,
} from '@sumo-ops/core';
import { type Simulator, type SimulatorOptions, startSimulator } from '@sumo-ops/simulator';

export interface SimulatedSumo {
  sim: Simulator;
  client: SumoClient;
  logger: Logger;
  /** Every log line written by the client during the test (for secret-leak checks). */
  logLines: string[];
  close(): Promise<void>;
}

export interface SimulatedSumoOptions extends SimulatorOptions {
  /** Limits for both sides: the simulator enforces them, the client keeps to them. */
  limits?: Partial<RateLimits>;
  /** Overrides for the client: a wrong key, another API URL, another limiter. */
  client?: Partial<SumoClientOptions>;
}

/**
 * A simulator on an ephemeral port and a client pointed at it over real HTTP. Limits are the
 * simulator's and the client's alike, fast enough for tests but still enforced on both sides.
 * Shared by the suites of every package, so each tests against the same setup.
 */
export async function startSimulatedSumo(options: SimulatedSumoOptions = {}): Promise<SimulatedSumo> {
  const limits = { perSecond: 500, concurrent: 10, ...options.limits };
  const sim = await startSimulator({
    ...options,
    rateLimit: { perSecond: limits.perSecond, concurrent: limits.concurrent, ...options.rateLimit },
  });
  const logLines: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => logLines.push(line) });
  const client = new SumoClient({
    accessId: 'sim-access-id',
    accessKey: 'sim-access-key',
    apiUrl: sim.apiUrl,
    env: {},
    logger,
    rateLimiter: new RateLimiter({ limits }),
    retry: { baseDelayMs: 10, maxDelayMs: 200 },
    ...options.client,
  });
  return {
    sim,
    client,
    logger,
    logLines,
    async close() {
      await client.close();
      await sim.close();
    },
  };
}
