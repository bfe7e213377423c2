import { SumoClient, type SumoClientOptions, silentLogger } from '@sumo-ops/core';

/**
 * A client of a bench's simulator: its default credentials, no environment (no proxy, no stray
 * settings of the machine), no logs; each bench says only how the client is limited.
 */
export function simulatorClient(
  apiUrl: string,
  limits: Pick<SumoClientOptions, 'rateLimits' | 'rateLimiter'>,
): SumoClient {
  return new SumoClient({
    accessId: 'sim-access-id',
    accessKey: 'sim-access-key',
    apiUrl,
    env: {},
    logger: silentLogger,
    ...limits,
  });
}
