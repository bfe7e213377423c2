import { MockAgent } from 'undici';
import { createLogger, RateLimiter, SumoClient, type SumoClientOptions } from '../src/index.js';

export const ACCESS_ID = 'suTestAccessId01';
export const ACCESS_KEY = 'Test-Access-Key-That-Is-Secret-0123456789';
export const US1 = 'https://api.sumologic.com';

/** A client on a MockAgent with limits that never get in the way, and its log lines. */
export function mockedClient(options: Partial<SumoClientOptions> = {}) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const logLines: string[] = [];
  const client = new SumoClient({
    accessId: ACCESS_ID,
    accessKey: ACCESS_KEY,
    env: {},
    dispatcher: agent,
    rateLimiter: new RateLimiter({ limits: { perSecond: 1000, concurrent: 100 } }),
    logger: createLogger({ level: 'debug', write: (line) => logLines.push(line) }),
    retry: { baseDelayMs: 5, maxDelayMs: 50, random: () => 1 },
    ...options,
  });
  return { agent, pool: agent.get(US1), client, logLines };
}

export async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}
