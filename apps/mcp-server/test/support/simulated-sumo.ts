import { createLogger, type Logger, RateLimiter, SumoClient } from '@sumo-ops/core';
import { type Simulator, type SimulatorOptions, startSimulator } from '@sumo-ops/simulator';

/**
 * A simulator on an ephemeral port and a client on it over real HTTP (core's test helper does the
 * same, but importing across packages' test folders breaks this package's rootDir).
 */
export interface SimulatedSumo {
  sim: Simulator;
  client: SumoClient;
  logger: Logger;
  /** Every log line written during the test, for secret-leak checks. */
  logLines: string[];
  close(): Promise<void>;
}

export interface SimulatedSumoOptions extends SimulatorOptions {
  /** Overrides for the client: a wrong key, or another API URL. */
  client?: { accessKey?: string; apiUrl?: string };
}

export async function startSimulatedSumo(options: SimulatedSumoOptions = {}): Promise<SimulatedSumo> {
  const limits = { perSecond: 500, concurrent: 10 };
  const sim = await startSimulator({ rateLimit: limits, ...options });
  const logLines: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => logLines.push(line) });
  const client = new SumoClient({
    accessId: 'sim-access-id',
    accessKey: options.client?.accessKey ?? 'sim-access-key',
    apiUrl: options.client?.apiUrl ?? sim.apiUrl,
    env: {},
    logger,
    rateLimiter: new RateLimiter({ limits }),
    retry: { baseDelayMs: 10, maxDelayMs: 200 },
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
