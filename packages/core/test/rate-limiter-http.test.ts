import { afterEach, describe, expect, it } from 'vitest';
import { type SimulatedSumo, startSimulatedSumo } from '../../../test/support/simulated-sumo.js';
import { RateLimiter, type SumoApiError, SumoClient, silentLogger } from '../src/index.js';

// The client's window carries a wide margin here: tests share two cores with other suites, and
// event-loop stalls delay arrivals at the server by tens of milliseconds. The benchmark measures
// the default margin on a quiet machine.
const LIMITS = { perSecond: 20, concurrent: 4, windowMs: 1150 };

describe('rate limiter against the simulator over HTTP', () => {
  let env: SimulatedSumo | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it('earns no 429 and never exceeds the in-flight gate under a burst of concurrent calls', async () => {
    env = await startSimulatedSumo({
      limits: LIMITS,
      faults: { latencyMs: [20, 60] },
      org: { collectors: 5 },
    });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => env?.client.get('/v1/collectors', { limit: 1 }, { retry: false })),
    );
    expect(results.every((response) => response?.status === 200)).toBe(true);
    expect(env.sim.counters.rateLimited).toBe(0);
    expect(env.sim.counters.maxInFlight['sim-access-id']).toBeLessThanOrEqual(LIMITS.concurrent);
  });

  it('shares one budget between every client made with the same access id', async () => {
    env = await startSimulatedSumo({
      limits: LIMITS,
      faults: { latencyMs: [5, 15] },
      org: { collectors: 5 },
    });
    // No limiter injected: both clients get the process-wide limiter for this access id.
    const options = { config: env.client.config, rateLimits: LIMITS, logger: silentLogger };
    const first = new SumoClient(options);
    const second = new SumoClient(options);
    expect(first.rateLimiter).toBe(second.rateLimiter);
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 === 0 ? first : second).get('/v1/collectors', { limit: 1 }, { retry: false }),
      ),
    );
    expect(env.sim.counters.rateLimited).toBe(0);
    expect(env.sim.counters.maxInFlight['sim-access-id']).toBeLessThanOrEqual(LIMITS.concurrent);
    await Promise.all([first.close(), second.close()]);
  });

  it('is what keeps the 429s away: without it the same burst is refused', async () => {
    env = await startSimulatedSumo({
      limits: LIMITS,
      faults: { latencyMs: [20, 60] },
      org: { collectors: 5 },
      client: { rateLimiter: new RateLimiter({ limits: { perSecond: 10_000, concurrent: 10_000 } }) },
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, () => env?.client.get('/v1/collectors', { limit: 1 }, { retry: false })),
    );
    const refused = outcomes.filter(
      (outcome) =>
        outcome.status === 'rejected' && (outcome.reason as SumoApiError).code === 'rate.limit.exceeded',
    );
    expect(refused.length).toBeGreaterThan(0);
    expect(env.sim.counters.rateLimited).toBe(refused.length);
  });
});
