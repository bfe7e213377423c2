import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatedSumo, startSimulatedSumo } from '../../../test/support/simulated-sumo.js';
import {
  createCatalog,
  createOpsEndpoints,
  type MetricInstruments,
  metrics,
  RateLimiter,
  type RunningOpsServer,
  routeTemplate,
  SumoClient,
  silentLogger,
  startOpsServer,
  startSearchJob,
} from '../src/index.js';
import { FAST, HOUR } from './support/search.js';

let sumo: SimulatedSumo | undefined;
let instruments: MetricInstruments;
// As a front end that serves /metrics does before it takes work.
beforeAll(async () => {
  instruments = await metrics.enable();
});
let server: RunningOpsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  await sumo?.close();
  sumo = undefined;
});

/** The current value of one series of a counter or gauge (0 when it has not been touched). */
async function value(
  metric: { get(): Promise<{ values: Array<{ labels: object; value: number }> }> },
  labels = {},
) {
  const { values } = await metric.get();
  const match = values.find((entry) => JSON.stringify(entry.labels) === JSON.stringify(labels));
  return match?.value ?? 0;
}

describe('routeTemplate', () => {
  it('keeps the kind of thing and takes ids, job ids and names out', () => {
    expect(routeTemplate('/v1/collectors')).toBe('/v1/collectors');
    expect(routeTemplate('/v1/collectors/100000123')).toBe('/v1/collectors/:id');
    expect(routeTemplate('/v1/collectors/100000123/sources/42?x=1')).toBe('/v1/collectors/:id/sources/:id');
    expect(routeTemplate('/v1/collectors/name/web%20prod%2001')).toBe('/v1/collectors/name/:name');
    expect(routeTemplate('/v1/collectors/name/a.b/')).toBe('/v1/collectors/name/:name');
    expect(routeTemplate('/v1/search/jobs/6F2A9C0D11E/records')).toBe('/v1/search/jobs/:id/records');
    expect(routeTemplate('/v1/collectors/upgrades/targets')).toBe('/v1/collectors/upgrades/targets');
  });
});

describe('what the client and the catalog report', () => {
  it('counts API requests by route and status, 429s, retries, and the limiter wait', async () => {
    sumo = await startSimulatedSumo({ org: { collectors: 5 } });
    const route = { method: 'GET', route: '/v1/collectors/:id', status: '429' };
    const before = {
      429: await value(instruments.apiRequests, route),
      200: await value(instruments.apiRequests, { ...route, status: '200' }),
      limited: await value(instruments.rateLimited),
      retries: await value(instruments.retries, { status: '429' }),
      waits: (await instruments.rateLimiterWait.get()).values.find((entry) =>
        entry.metricName?.endsWith('_count'),
      )?.value,
    };
    const [first] = sumo.sim.org.collectors();
    sumo.sim.setFaults({ rate429: 1, limit: 1 });
    await sumo.client.get(`/v1/collectors/${first?.id}`);
    expect(await value(instruments.apiRequests, route)).toBe(before[429] + 1);
    expect(await value(instruments.apiRequests, { ...route, status: '200' })).toBe(before[200] + 1);
    expect(await value(instruments.rateLimited)).toBe(before.limited + 1);
    expect(await value(instruments.retries, { status: '429' })).toBe(before.retries + 1);
    const waits = (await instruments.rateLimiterWait.get()).values.find((entry) =>
      entry.metricName?.endsWith('_count'),
    )?.value;
    expect(waits).toBe((before.waits ?? 0) + 2);
    expect(await value(instruments.inFlight)).toBe(0);
  });

  it('counts operations by name and outcome, and never puts a collector name in a label', async () => {
    sumo = await startSimulatedSumo({ org: { collectors: 5 } });
    const catalog = createCatalog();
    const ctx = { client: sumo.client, logger: silentLogger };
    const ok = { operation: 'list_collectors', outcome: 'ok' };
    const failed = { operation: 'get_collector', outcome: 'error' };
    const before = [await value(instruments.operations, ok), await value(instruments.operations, failed)];
    await catalog.run('list_collectors', ctx, catalog.parseInput('list_collectors', {}));
    await expect(
      catalog.run(
        'get_collector',
        ctx,
        catalog.parseInput('get_collector', { collector: 'no-such-host-7x' }),
      ),
    ).rejects.toThrow();
    expect(await value(instruments.operations, ok)).toBe((before[0] ?? 0) + 1);
    expect(await value(instruments.operations, failed)).toBe((before[1] ?? 0) + 1);
    const { text } = await metrics.exposition();
    expect(text).not.toContain('no-such-host-7x');
    expect(text).toMatch(/sumo_ops_operation_duration_seconds_count\{operation="list_collectors"\} [1-9]/);
  });

  it('tracks search jobs from creation to deletion', async () => {
    const corpusTo = Date.now() - HOUR;
    sumo = await startSimulatedSumo({
      search: { corpusSize: 2_000, corpusTo, corpusFrom: corpusTo - HOUR, startDelayMs: 0 },
    });
    const before = await value(instruments.searchJobs);
    const job = await startSearchJob(sumo.client, { query: '*', from: corpusTo - HOUR, to: corpusTo }, FAST);
    expect(await value(instruments.searchJobs)).toBe(before + 1);
    await job.close();
    await job.close();
    expect(await value(instruments.searchJobs)).toBe(before);
  });
});

describe('/healthz, /readyz and /metrics', () => {
  it('serves liveness, readiness from one cached Sumo call, and Prometheus text', async () => {
    sumo = await startSimulatedSumo({ org: { collectors: 3 } });
    const ops = createOpsEndpoints({ client: sumo.client, cacheMs: 60_000 });
    server = await startOpsServer(ops, { port: 0, host: '127.0.0.1' });

    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    sumo.sim.counters.reset();
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, checks: [{ name: 'sumo', status: 'ok' }] });
    await fetch(`${server.url}/readyz`);
    // Probes every few seconds reuse the answer instead of spending the key's budget.
    expect(sumo.sim.counters.total).toBe(1);

    const scraped = await fetch(`${server.url}/metrics`);
    expect(scraped.headers.get('content-type')).toContain('text/plain');
    const text = await scraped.text();
    for (const name of [
      'sumo_ops_operations_total',
      'sumo_ops_api_requests_total',
      'sumo_ops_api_rate_limited_total',
      'sumo_ops_api_retries_total',
      'sumo_ops_rate_limiter_wait_seconds_bucket',
      'sumo_ops_api_requests_in_flight',
      'sumo_ops_search_jobs_active',
      'sumo_ops_confirmations_total',
      'process_cpu_user_seconds_total',
    ])
      expect(text).toContain(name);
    expect((await fetch(`${server.url}/other`)).status).toBe(404);
  });

  it('is not ready while Sumo refuses the key, and says why', async () => {
    sumo = await startSimulatedSumo();
    const wrong = new SumoClient({
      accessId: 'sim-access-id',
      accessKey: 'wrong-Access-Key-0123456789abcdef',
      apiUrl: sumo.sim.apiUrl,
      env: {},
      logger: silentLogger,
      rateLimiter: new RateLimiter({ limits: { perSecond: 100, concurrent: 10 } }),
    });
    try {
      server = await startOpsServer(createOpsEndpoints({ client: wrong }), { port: 0, host: '127.0.0.1' });
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { checks: Array<{ detail: string; fix: string }> };
      expect(body.checks[0]?.detail).toContain('401');
      expect(JSON.stringify(body)).not.toContain('wrong-Access-Key');
    } finally {
      await wrong.close();
    }
  });
});
