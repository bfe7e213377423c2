import { describe, expect, it } from 'vitest';
import { api, basicAuth, useSimulator } from './helpers.js';

const statuses = (responses: Array<{ status: number }>) => responses.map((response) => response.status);

describe('rate limiting per access id', () => {
  const simulator = useSimulator();

  it('refuses the fifth request within a second with the documented 429 by default', async () => {
    const sim = await simulator({ rateLimit: {} });
    const responses = [];
    for (let attempt = 0; attempt < 5; attempt += 1)
      responses.push(await api(sim, 'GET', '/v1/collectors?limit=1'));
    expect(statuses(responses)).toEqual([200, 200, 200, 200, 429]);
    expect(responses[4]?.json).toMatchObject({
      status: 429,
      code: 'rate.limit.exceeded',
      message: 'Rate limit exceeded.',
    });
    expect(responses[4]?.headers.get('retry-after')).toBeNull();
    expect(sim.counters.rateLimited).toBe(1);
  });

  it('admits requests again once the one-second window has slid past', async () => {
    const sim = await simulator({ rateLimit: {} });
    for (let attempt = 0; attempt < 4; attempt += 1) await api(sim, 'GET', '/v1/collectors?limit=1');
    await new Promise((resolve) => setTimeout(resolve, 1050));
    const later = [];
    for (let attempt = 0; attempt < 4; attempt += 1)
      later.push(await api(sim, 'GET', '/v1/collectors?limit=1'));
    expect(statuses(later)).toEqual([200, 200, 200, 200]);
  });

  it('refuses the eleventh concurrent request, counting injected latency as in flight', async () => {
    // Long enough that the first request is still in flight when the eleventh arrives, even when
    // a loaded machine stalls between sending them (300 ms was not).
    const sim = await simulator({ rateLimit: { perSecond: 1000 }, faults: { latencyMs: 2_000 } });
    const responses = await Promise.all(
      Array.from({ length: 11 }, () => api(sim, 'GET', '/v1/collectors?limit=1')),
    );
    expect(statuses(responses).filter((status) => status === 200)).toHaveLength(10);
    expect(statuses(responses).filter((status) => status === 429)).toHaveLength(1);
    expect(sim.counters.maxInFlight['sim-access-id']).toBe(10);
    expect(sim.counters.rateLimited).toBe(1);
  });

  it('limits each access id separately', async () => {
    const sim = await simulator({
      rateLimit: { perSecond: 2 },
      credentials: [
        { accessId: 'first', accessKey: 'first-key' },
        { accessId: 'second', accessKey: 'second-key' },
      ],
    });
    const first = basicAuth('first', 'first-key');
    const second = basicAuth('second', 'second-key');
    const responses = [];
    for (const authorization of [first, first, first, second, second, second]) {
      responses.push(await api(sim, 'GET', '/v1/collectors?limit=1', { authorization }));
    }
    expect(statuses(responses)).toEqual([200, 200, 429, 200, 200, 429]);
  });

  it('takes configured limits at start-up and at run time, and can be switched off', async () => {
    const sim = await simulator({ rateLimit: { perSecond: 1, enabled: true } });
    expect(
      statuses([await api(sim, 'GET', '/v1/collectors'), await api(sim, 'GET', '/v1/collectors')]),
    ).toEqual([200, 429]);
    sim.setRateLimit({ enabled: false });
    const unlimited = [];
    for (let attempt = 0; attempt < 8; attempt += 1)
      unlimited.push(await api(sim, 'GET', '/v1/collectors?limit=1'));
    expect(statuses(unlimited).every((status) => status === 200)).toBe(true);

    sim.setRateLimit({ enabled: true, perSecond: 1000, concurrent: 2 });
    // As above: the first two still in flight when the third arrives, on a loaded machine too.
    sim.setFaults({ latencyMs: 2_000 });
    const concurrent = await Promise.all(
      Array.from({ length: 3 }, () => api(sim, 'GET', '/v1/collectors?limit=1')),
    );
    expect(statuses(concurrent).sort()).toEqual([200, 200, 429]);
  });

  it('sends Retry-After on limiter 429s when configured', async () => {
    const sim = await simulator({ rateLimit: { perSecond: 1 }, faults: { retryAfterSeconds: 2 } });
    await api(sim, 'GET', '/v1/collectors?limit=1');
    const limited = await api(sim, 'GET', '/v1/collectors?limit=1');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
  });

  it('checks credentials before the limiter, so a bad key never spends an access id budget', async () => {
    const sim = await simulator({ rateLimit: { perSecond: 1 } });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect(
        (await api(sim, 'GET', '/v1/collectors', { authorization: basicAuth('sim-access-id', 'x') })).status,
      ).toBe(401);
    }
    expect((await api(sim, 'GET', '/v1/collectors?limit=1')).status).toBe(200);
  });
});
