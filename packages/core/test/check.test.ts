import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Simulator, startRedisServer, startSimulator } from '@sumo-ops/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkRedis,
  checkSettings,
  checkSumo,
  createLogger,
  createStores,
  formatCheckReport,
  loadConfig,
  loadStateConfig,
  RateLimiter,
  SumoClient,
  warnIfSumoUnreachable,
} from '../src/index.js';

let sim: Simulator;
const WRONG_KEY = 'wrong-Access-Key-0123456789abcdef';

beforeAll(async () => {
  sim = await startSimulator({ rateLimit: { perSecond: 500, concurrent: 10 } });
});
afterAll(async () => sim.close());

async function withClient<T>(
  options: { apiUrl: string; accessKey?: string },
  use: (c: SumoClient) => Promise<T>,
) {
  const client = new SumoClient({
    accessId: 'sim-access-id',
    accessKey: options.accessKey ?? 'sim-access-key',
    apiUrl: options.apiUrl,
    env: {},
    logger: createLogger({ level: 'silent' }),
    rateLimiter: new RateLimiter({ limits: { perSecond: 500, concurrent: 10 } }),
  });
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

/** A server that answers every request as a Sumo deployment does for a key from another one. */
async function redirectingServer(location: string): Promise<{ url: string; server: Server }> {
  const server = createServer((_request, response) => {
    response.writeHead(301, { location }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`, server };
}

describe('checkSumo', () => {
  it('passes when the key is accepted, naming the URL and the access id', async () => {
    const result = await withClient({ apiUrl: sim.apiUrl }, checkSumo);
    expect(result).toMatchObject({ name: 'sumo', status: 'ok' });
    expect(result.detail).toContain(sim.apiUrl);
    expect(result.detail).toContain('sim-access-id');
  });

  it('explains a 401: the two halves of one key, enabled, and the deployment — without the key', async () => {
    const result = await withClient({ apiUrl: sim.apiUrl, accessKey: WRONG_KEY }, checkSumo);
    expect(result.status).toBe('fail');
    expect(result.detail).toContain('401');
    expect(result.fix).toMatch(/SUMO_ACCESS_ID and SUMO_ACCESS_KEY/);
    expect(result.fix).toContain('SUMO_DEPLOYMENT');
    expect(JSON.stringify(result)).not.toContain(WRONG_KEY);
  });

  it('turns a 301 into the SUMO_DEPLOYMENT to set', async () => {
    const { url, server } = await redirectingServer('https://api.eu.sumologic.com/api/v1/collectors?limit=1');
    try {
      const result = await withClient({ apiUrl: url }, checkSumo);
      expect(result.status).toBe('fail');
      expect(result.detail).toContain('301');
      expect(result.fix).toContain('SUMO_DEPLOYMENT=eu');
    } finally {
      server.close();
    }
  });

  it('names the URL it tried when nothing answers, and mentions proxies', async () => {
    const closed = await redirectingServer('unused');
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    const result = await withClient({ apiUrl: closed.url }, checkSumo);
    expect(result.status).toBe('fail');
    expect(result.detail).toContain(`could not reach ${closed.url}`);
    expect(result.fix).toContain('HTTPS_PROXY');
  });

  it('makes one call, not a retried series', async () => {
    sim.counters.reset();
    sim.setFaults({ rate503: 1, limit: 5 });
    try {
      const result = await withClient({ apiUrl: sim.apiUrl }, checkSumo);
      expect(result.status).toBe('fail');
      expect(result.detail).toContain('503');
      expect(sim.counters.total).toBe(1);
    } finally {
      sim.setFaults({});
    }
  });
});

describe('warnIfSumoUnreachable', () => {
  it('logs a warning with the fix instead of throwing', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', write: (line) => lines.push(line) });
    await withClient({ apiUrl: sim.apiUrl, accessKey: WRONG_KEY }, (client) =>
      warnIfSumoUnreachable(client, logger),
    );
    const warning = lines.map((line) => JSON.parse(line)).find((entry) => entry.level === 'warn');
    expect(warning?.msg).toMatch(/Sumo Logic connection check failed/);
    expect(warning?.fix).toContain('SUMO_ACCESS_KEY');
    expect(lines.join('\n')).not.toContain(WRONG_KEY);
  });
});

describe('checkRedis', () => {
  it('answers nothing without Redis, ok with a live one, and a fix when it is down', async () => {
    const memory = createStores(loadStateConfig({}), { logger: createLogger({ level: 'silent' }) });
    expect(await checkRedis(memory)).toBeUndefined();
    await memory.close();

    const redis = await startRedisServer();
    const stores = createStores(loadStateConfig({ SUMO_OPS_REDIS_URL: redis.url }), {
      logger: createLogger({ level: 'silent' }),
    });
    try {
      expect(await checkRedis(stores)).toMatchObject({ name: 'redis', status: 'ok' });
      await redis.stop();
      const down = await checkRedis(stores);
      expect(down).toMatchObject({ name: 'redis', status: 'fail' });
      expect(down?.fix).toContain('SUMO_OPS_REDIS_URL');
    } finally {
      await stores.close();
      await redis.stop();
    }
  });
});

describe('checkSettings and the report', () => {
  it('lists every problem of every loader as its own line with its fix', () => {
    const results = checkSettings(
      'settings',
      () => loadConfig({}, { SUMO_DEPLOYMENT: 'mars' }),
      () => loadStateConfig({ SUMO_OPS_REDIS_URL: 'http://x' }),
    );
    expect(results.map((result) => result.detail)).toEqual([
      'SUMO_ACCESS_ID is not set',
      'SUMO_ACCESS_KEY is not set',
      'SUMO_DEPLOYMENT is "mars"',
      'SUMO_OPS_REDIS_URL starts with "http://"',
    ]);
    expect(results.every((result) => result.status === 'fail' && result.fix)).toBe(true);
  });

  it('prints one line per check and passes only without failures (warnings pass)', () => {
    const ok = formatCheckReport([
      { name: 'settings', status: 'ok', detail: 'fine' },
      { name: 'sumo', status: 'warn', detail: 'busy', fix: 'wait' },
    ]);
    expect(ok.passed).toBe(true);
    expect(ok.text.split('\n')).toEqual([
      'ok   settings: fine',
      'WARN sumo: busy',
      '     fix: wait',
      'All checks passed.',
      '',
    ]);
    const failed = formatCheckReport([{ name: 'sumo', status: 'fail', detail: 'refused' }]);
    expect(failed.passed).toBe(false);
    expect(failed.text).toMatch(/^FAIL sumo: refused\n/);
  });
});
