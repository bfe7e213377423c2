import { describe, expect, it } from 'vitest';
import { api, useSimulator } from './helpers.js';

async function statusSequence(sim: Parameters<typeof api>[0], count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let attempt = 0; attempt < count; attempt += 1) {
    statuses.push((await api(sim, 'GET', '/v1/collectors?limit=1')).status);
  }
  return statuses;
}

describe('fault injection', () => {
  const simulator = useSimulator();

  it('injects 429, 500 and 503 at the configured rates, reproducibly for a seed', async () => {
    const faults = { rate429: 0.1, rate500: 0.2, rate503: 0.1 };
    const first = await statusSequence(await simulator({ seed: 7, faults }), 300);
    const again = await statusSequence(await simulator({ seed: 7, faults }), 300);
    const otherSeed = await statusSequence(await simulator({ seed: 8, faults }), 300);
    expect(again).toEqual(first);
    expect(otherSeed).not.toEqual(first);

    const count = (status: number) => first.filter((candidate) => candidate === status).length;
    expect(count(429)).toBeGreaterThan(15);
    expect(count(429)).toBeLessThan(45);
    expect(count(500)).toBeGreaterThan(40);
    expect(count(500)).toBeLessThan(80);
    expect(count(503)).toBeGreaterThan(15);
    expect(count(503)).toBeLessThan(45);
  });

  it('counts injected faults apart from limiter 429s, in Sumo-shaped bodies', async () => {
    const sim = await simulator({ faults: { rate500: 1 } });
    const response = await api(sim, 'GET', '/v1/collectors');
    expect(response.json).toMatchObject({ status: 500, code: 'internal.error' });
    expect(sim.counters.faultsInjected).toBe(1);
    expect(sim.counters.rateLimited).toBe(0);
    expect(sim.counters.byRoute['GET /v1/collectors']).toEqual({ 500: 1 });
  });

  it('adds Retry-After to injected 429 and 503 responses when configured', async () => {
    const sim = await simulator({ faults: { rate503: 1, retryAfterSeconds: 3 } });
    const unavailable = await api(sim, 'GET', '/v1/collectors');
    expect(unavailable.status).toBe(503);
    expect(unavailable.json.code).toBe('service.unavailable');
    expect(unavailable.headers.get('retry-after')).toBe('3');

    sim.setFaults({ rate429: 1, retryAfterSeconds: 1 });
    const limited = await api(sim, 'GET', '/v1/collectors');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');

    sim.setFaults({ rate429: 1 });
    expect((await api(sim, 'GET', '/v1/collectors')).headers.get('retry-after')).toBeNull();
  });

  it('resets the connection without a response', async () => {
    const sim = await simulator({ faults: { resetRate: 1 } });
    await expect(api(sim, 'GET', '/v1/collectors')).rejects.toThrow();
    expect(sim.counters.faultsInjected).toBeGreaterThanOrEqual(1);
    expect(sim.counters.byRoute['GET /v1/collectors']?.[0]).toBeGreaterThanOrEqual(1);
  });

  it('carries a request out and then loses its answer', async () => {
    const sim = await simulator({ faults: { lostAnswerRate: 1, routes: ['POST /v1/collectors'] } });
    const before = sim.org.collectors().length;
    await expect(
      api(sim, 'POST', '/v1/collectors', {
        body: { collector: { collectorType: 'Hosted', name: 'lost-1' } },
      }),
    ).rejects.toThrow();
    expect(sim.org.collectors().length).toBe(before + 1);
    expect(sim.org.collectors().some((collector) => collector.name === 'lost-1')).toBe(true);
    expect(sim.counters.byRoute['POST /v1/collectors']).toEqual({ 0: 1 });
  });

  it('carries a request out and then answers 500', async () => {
    const sim = await simulator({ faults: { actThen500Rate: 1, routes: ['POST /v1/collectors'] } });
    const before = sim.org.collectors().length;
    const response = await api(sim, 'POST', '/v1/collectors', {
      body: { collector: { collectorType: 'Hosted', name: 'acted-500' } },
    });
    expect(response.json).toMatchObject({ status: 500, code: 'internal.error' });
    expect(sim.org.collectors().length).toBe(before + 1);
    expect(sim.counters.byRoute['POST /v1/collectors']).toEqual({ 500: 1 });
  });

  it('answers 200 with its JSON cut off, framed as a complete response', async () => {
    const sim = await simulator({ faults: { truncateRate: 1 } });
    const response = await api(sim, 'GET', '/v1/collectors?limit=3');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.text.startsWith('{"collectors":[')).toBe(true);
    expect(() => JSON.parse(response.text)).toThrow();
  });

  it('stops injecting after limit faults', async () => {
    const sim = await simulator({ faults: { rate500: 1, limit: 2 } });
    expect(await statusSequence(sim, 4)).toEqual([500, 500, 200, 200]);
    sim.setFaults({ rate503: 1, limit: 1 });
    expect(await statusSequence(sim, 2)).toEqual([503, 200]);
  });

  it('injects only on the listed routes', async () => {
    const sim = await simulator({ faults: { rate500: 1, routes: ['GET /v1/collectors/:id'] } });
    const [collector] = sim.org.collectors();
    expect((await api(sim, 'GET', '/v1/collectors')).status).toBe(200);
    expect((await api(sim, 'GET', `/v1/collectors/${collector?.id}`)).status).toBe(500);
  });

  it('adds latency drawn from a range', async () => {
    const sim = await simulator({ faults: { latencyMs: [100, 150] } });
    const started = performance.now();
    await api(sim, 'GET', '/v1/collectors?limit=1');
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('rejects impossible fault settings', async () => {
    await expect(simulator({ faults: { rate500: 1.5 } })).rejects.toThrow(RangeError);
    await expect(simulator({ faults: { rate500: 0.6, rate503: 0.6 } })).rejects.toThrow(RangeError);
    await expect(simulator({ faults: { latencyMs: [10, 5] } })).rejects.toThrow(RangeError);
  });
});
