import { type Simulator, type SimulatorOptions, startSimulator } from '@sumo-ops/simulator';
import {
  createLogger,
  type Logger,
  RateLimiter,
  type RateLimits,
  SumoClient,
  type SumoClientOptions,
} from '../../src/index.js';

export interface SimulatedSumo {
  sim: Simulator;
  client: SumoClient;
  logger: Logger;
  /** Every log line written by the client during the test (for secret-leak checks). */
  logLines: string[];
  close(): Promise<void>;
}

/**
 * A simulator on an ephemeral port and a client pointed at it over real HTTP. Limits are the
 * simulator's and the client's alike, fast enough for tests but still enforced on both sides.
 */
export async function startSimulatedSumo(
  options: SimulatorOptions & { limits?: Partial<RateLimits>; client?: Partial<SumoClientOptions> } = {},
): Promise<SimulatedSumo> {
  const limits = { perSecond: 200, concurrent: 10, ...options.limits };
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
