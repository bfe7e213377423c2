import { type LocalHttpProxy, type Simulator, startHttpProxy, startSimulator } from '@sumo-ops/simulator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpDispatcher, fetchThrough } from '../src/http/dispatcher.js';
import {
  createLogger,
  proxySettings,
  RateLimiter,
  SumoClient,
  type SumoClientOptions,
  SumoConfigError,
} from '../src/index.js';

let sim: Simulator;
let proxy: LocalHttpProxy;
const clients: SumoClient[] = [];

beforeEach(async () => {
  sim = await startSimulator({ rateLimit: { perSecond: 500, concurrent: 10 } });
  proxy = await startHttpProxy();
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  await proxy.close();
  await sim.close();
});

function client(env: Record<string, string>, extra: Partial<SumoClientOptions> = {}) {
  const logLines: string[] = [];
  const made = new SumoClient({
    accessId: 'sim-access-id',
    accessKey: 'sim-access-key',
    apiUrl: sim.apiUrl,
    env,
    logger: createLogger({ level: 'debug', write: (line) => logLines.push(line) }),
    rateLimiter: new RateLimiter({ limits: { perSecond: 500, concurrent: 10 } }),
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    ...extra,
  });
  clients.push(made);
  return { client: made, logLines };
}

const simulatorHost = () => new URL(sim.apiUrl).host;

describe('proxies from the environment', () => {
  it('sends Sumo calls through HTTP_PROXY for an http:// API URL', async () => {
    const { client: sumo } = client({ HTTP_PROXY: proxy.url });
    const response = await sumo.get<{ collectors: unknown[] }>('/v1/collectors', { limit: 3 });
    expect(response.body.collectors).toHaveLength(3);
    expect(proxy.requests.length).toBeGreaterThan(0);
    expect(proxy.requests.every(({ target }) => target === simulatorHost())).toBe(true);
    expect(sim.counters.total).toBe(1);
  });

  it('reads the lower-case variables too, as curl does', async () => {
    const { client: sumo } = client({ http_proxy: proxy.url });
    await sumo.get('/v1/collectors', { limit: 1 });
    expect(proxy.requests.length).toBeGreaterThan(0);
  });

  it('goes direct to hosts listed in NO_PROXY', async () => {
    const { client: sumo } = client({ HTTP_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1' });
    await sumo.get('/v1/collectors', { limit: 1 });
    expect(proxy.requests).toEqual([]);
    expect(sim.counters.total).toBe(1);
  });

  it('goes direct without proxy variables, whatever the process environment holds', async () => {
    const { client: sumo } = client({});
    await sumo.get('/v1/collectors', { limit: 1 });
    expect(proxy.requests).toEqual([]);
  });

  it('keeps the retry policy: a 503 answered through the proxy is retried through it', async () => {
    sim.setFaults({ rate503: 1, limit: 1 });
    const { client: sumo } = client({ HTTP_PROXY: proxy.url });
    const response = await sumo.get('/v1/collectors', { limit: 1 });
    expect(response.attempts).toBe(2);
    expect(sim.counters.byRoute['GET /v1/collectors']).toEqual({ 200: 1, 503: 1 });
    expect(proxy.requests.length).toBeGreaterThan(0);
  });

  it('keeps the rate limiter: no more requests in flight through the proxy than the limit', async () => {
    const { client: sumo } = client(
      { HTTP_PROXY: proxy.url },
      { rateLimiter: new RateLimiter({ limits: { perSecond: 500, concurrent: 2 } }) },
    );
    sim.setFaults({ latencyMs: 30 });
    await Promise.all(Array.from({ length: 8 }, () => sumo.get('/v1/collectors', { limit: 1 })));
    expect(sim.counters.maxInFlight['sim-access-id']).toBeLessThanOrEqual(2);
    expect(sim.counters.total).toBe(8);
    expect(proxy.requests.length).toBeGreaterThan(0);
  });

  it('sends proxy credentials to the proxy and never logs them', async () => {
    const password = 'proxy-Pa55word-secret';
    const proxyUrl = proxy.url.replace('http://', `http://user:${password}@`);
    const { client: sumo, logLines } = client({ HTTP_PROXY: proxyUrl });
    await sumo.get('/v1/collectors', { limit: 1 });
    expect(proxy.requests[0]?.proxyAuthorization).toBe(true);
    const logged = logLines.join('\n');
    expect(logged).toContain('calls to Sumo Logic go through a proxy');
    expect(logged).toContain(proxy.url);
    expect(logged).not.toContain(password);
  });
});

describe('fetchThrough', () => {
  it('gives libraries that take a fetch (the Slack Web API client) the same proxy settings', async () => {
    const dispatcher = createHttpDispatcher({ HTTPS_PROXY: '', HTTP_PROXY: proxy.url });
    try {
      const answer = await fetchThrough(dispatcher)(`${sim.url}/healthz`);
      expect(answer.status).toBeLessThan(500);
      expect(proxy.requests.map(({ target }) => target)).toContain(simulatorHost());
    } finally {
      await dispatcher.close();
    }
  });

  it('sends a FormData made with the global class as multipart, as file uploads need', async () => {
    const { createServer } = await import('node:http');
    const received = await new Promise<string>((resolve, reject) => {
      const server = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        request.on('end', () => {
          response.end();
          server.close();
          resolve(`${request.headers['content-type']}\n${body}`);
        });
      });
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        const form = new FormData();
        form.append('file', new Blob(['a,b\n1,2\n']), 'rows.csv');
        const dispatcher = createHttpDispatcher({ HTTP_PROXY: proxy.url });
        fetchThrough(dispatcher)(`http://127.0.0.1:${port}/upload`, { method: 'POST', body: form })
          .then(() => dispatcher.close())
          .catch(reject);
      });
    });
    expect(received).toMatch(/^multipart\/form-data; boundary=/);
    expect(received).toContain('filename="rows.csv"');
    expect(received).toContain('a,b\n1,2\n');
    expect(proxy.requests.length).toBeGreaterThan(0);
  });

  it('refuses a proxy variable that is not a URL when the client is made, naming it and not its value', () => {
    const made = () =>
      new SumoClient({
        accessId: 'sim-access-id',
        accessKey: 'sim-access-key',
        apiUrl: sim.apiUrl,
        env: { HTTPS_PROXY: '//user:s3cret@proxy:3128' },
        logger: createLogger({ level: 'silent' }),
      });
    expect(made).toThrow(SumoConfigError);
    expect(made).toThrow(/HTTPS_PROXY is not a URL: set it to the proxy's URL/);
    expect(made).not.toThrow(/s3cret/);
  });

  it('proxySettings: HTTPS_PROXY falls back to nothing, not to the process environment', () => {
    expect(proxySettings({ HTTP_PROXY: 'http://p:1' })).toEqual({
      httpProxy: 'http://p:1',
      httpsProxy: '',
      noProxy: '',
    });
  });
});
