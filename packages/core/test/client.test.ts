import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CookieJar } from 'tough-cookie';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { RateLimiter, SumoApiError, SumoClient, silentLogger } from '../src/index.js';
import { ACCESS_ID, ACCESS_KEY, caught, mockedClient } from './helpers.js';

const expectedAuth = `Basic ${Buffer.from(`${ACCESS_ID}:${ACCESS_KEY}`).toString('base64')}`;

function expectNoCredentials(...texts: string[]) {
  for (const text of texts) {
    expect(text).not.toContain(ACCESS_KEY);
    expect(text).not.toContain(expectedAuth.slice(6));
  }
}

function errorTexts(error: unknown): string[] {
  const e = error as Error;
  return [e.message, String(e.stack), JSON.stringify(e), JSON.stringify((e as SumoApiError).body ?? null)];
}

describe('SumoClient transport', () => {
  it('sends Basic auth and JSON headers on every request and parses the JSON answer', async () => {
    const { pool, client } = mockedClient();
    let seen: Record<string, string> = {};
    pool.intercept({ path: '/api/v1/collectors?limit=2&offset=0', method: 'GET' }).reply((options) => {
      seen = options.headers as Record<string, string>;
      return { statusCode: 200, data: { collectors: [] }, responseOptions: { headers: { etag: '"abc"' } } };
    });
    const response = await client.get('/v1/collectors', { limit: 2, offset: 0, filter: undefined });
    expect(response.body).toEqual({ collectors: [] });
    expect(response.etag).toBe('"abc"');
    expect(seen.authorization).toBe(expectedAuth);
    expect(seen.accept).toBe('application/json');
    expect(seen['content-type']).toBe('application/json');
  });

  it('sends and stores cookies through a per-request jar', async () => {
    const { pool, client } = mockedClient();
    const jar = new CookieJar();
    pool
      .intercept({ path: '/api/v1/search/jobs', method: 'POST' })
      .reply(202, { id: 'J1' }, { headers: { 'set-cookie': 'AWSELB=node-7; Path=/' } });
    let cookie: string | undefined;
    pool.intercept({ path: '/api/v1/search/jobs/J1', method: 'GET' }).reply((options) => {
      cookie = (options.headers as Record<string, string>).cookie;
      return { statusCode: 200, data: { state: 'DONE GATHERING RESULTS' } };
    });
    await client.post('/v1/search/jobs', { query: 'error' }, { cookieJar: jar });
    await client.get('/v1/search/jobs/J1', undefined, { cookieJar: jar });
    expect(cookie).toBe('AWSELB=node-7');
  });

  it('turns a 301 into an error that names the right deployment and the setting to change', async () => {
    const { pool, client } = mockedClient();
    pool
      .intercept({ path: '/api/v1/collectors', method: 'GET' })
      .reply(301, '', { headers: { location: 'https://api.us2.sumologic.com/api/v1/collectors' } });
    const error = (await caught(client.get('/v1/collectors'))) as SumoApiError;
    expect(error).toBeInstanceOf(SumoApiError);
    expect(error.status).toBe(301);
    expect(error.code).toBe('client.wrong.deployment');
    expect(error.details.deployment).toBe('us2');
    expect(error.message).toMatch(/deployment "us2", not "us1"\. Set SUMO_DEPLOYMENT=us2/);
    expect(error.attempts).toBe(1);
  });

  it('explains a 301 to a host that is not a known deployment with the SUMO_API_URL to use', async () => {
    const { pool, client } = mockedClient();
    pool
      .intercept({ path: '/api/v1/collectors', method: 'GET' })
      .reply(301, '', { headers: { location: 'https://api.example.net/api/v1/collectors' } });
    const error = (await caught(client.get('/v1/collectors'))) as SumoApiError;
    expect(error.message).toMatch(/Set SUMO_API_URL=https:\/\/api\.example\.net\/api/);
  });

  it('parses Sumo error bodies into status, code, message and request id without credentials', async () => {
    const { pool, client, logLines } = mockedClient();
    pool.intercept({ path: '/api/v1/collectors/12', method: 'GET' }).reply(404, {
      status: 404,
      id: 'IUUQI-DGH5I-TJ045',
      code: 'collector.notfound',
      message: 'The collector with ID 12 could not be found.',
    });
    const error = (await caught(client.get('/v1/collectors/12'))) as SumoApiError;
    expect(error).toMatchObject({
      status: 404,
      code: 'collector.notfound',
      requestId: 'IUUQI-DGH5I-TJ045',
      method: 'GET',
      path: '/v1/collectors/12',
    });
    expect(error.message).toContain('The collector with ID 12 could not be found.');
    expectNoCredentials(...errorTexts(error), ...logLines);
  });

  it('keeps credentials out of an error even when the server echoes them back', async () => {
    const { pool, client, logLines } = mockedClient();
    pool.intercept({ path: '/api/v1/collectors', method: 'GET' }).reply(400, {
      status: 400,
      code: 'bad.request',
      message: `Bad header: Authorization: ${expectedAuth}; key ${ACCESS_KEY}`,
    });
    const error = await caught(client.get('/v1/collectors'));
    expectNoCredentials(...errorTexts(error), ...logLines);
  });

  it('passes the caller’s AbortSignal through and does not retry a cancelled request', async () => {
    // Fake timers: the answer is due at 500 ms, the abort comes at 20 ms, whatever the machine's load.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const { pool, client } = mockedClient();
    pool.intercept({ path: '/api/v1/collectors', method: 'GET' }).reply(200, {}).delay(500);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user cancelled')), 20);
    const failed = caught(client.get('/v1/collectors', undefined, { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(((await failed) as Error).message).toBe('user cancelled');
  });

  it('times out an attempt that gets no answer', async () => {
    const { pool, client } = mockedClient({ retry: { maxAttempts: 1 } });
    pool.intercept({ path: '/api/v1/collectors', method: 'GET' }).reply(200, {}).delay(500);
    const error = (await caught(client.get('/v1/collectors', undefined, { timeoutMs: 30 }))) as SumoApiError;
    expect(error.code).toBe('client.timeout');
  });
});

describe('SumoClient retry policy', () => {
  it('retries a 429 after the Retry-After it was given', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const { pool, client, logLines } = mockedClient();
    pool.intercept({ path: '/api/v1/collectors', method: 'GET' }).reply(
      429,
      { status: 429, code: 'rate.limit.exceeded', message: 'Rate limit exceeded' },
      {
        headers: { 'retry-after': '0.2' },
      },
    );
    pool.intercept({ path: '/api/v1/collectors', method: 'GET' }).reply(200, { collectors: [] });
    let answered = false;
    const response = client.get('/v1/collectors').finally(() => {
      answered = true;
    });
    await vi.advanceTimersByTimeAsync(199);
    expect(answered).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await response).attempts).toBe(2);
    const retryLog = logLines
      .map((line) => JSON.parse(line))
      .find((entry) => entry.msg === 'retrying Sumo Logic request');
    expect(retryLog).toMatchObject({ status: 429, code: 'rate.limit.exceeded', delayMs: 200 });
  });

  it('backs off exponentially with full jitter when a 429 has no Retry-After, even for POST', async () => {
    const { pool, client, logLines } = mockedClient({
      retry: { baseDelayMs: 10, maxDelayMs: 1000, random: () => 0.5 },
    });
    for (let i = 0; i < 3; i += 1) {
      pool
        .intercept({ path: '/api/v1/collectors', method: 'POST' })
        .reply(429, { code: 'rate.limit.exceeded' });
    }
    pool.intercept({ path: '/api/v1/collectors', method: 'POST' }).reply(200, { collector: { id: 1 } });
    const response = await client.post('/v1/collectors', { collector: { name: 'x' } });
    expect(response.attempts).toBe(4);
    const delays = logLines
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.msg === 'retrying Sumo Logic request')
      .map((entry) => entry.delayMs);
    expect(delays).toEqual([5, 10, 20]);
  });

  it('retries a 503 and reports how many attempts were made when it gives up', async () => {
    const { pool, client } = mockedClient({ retry: { maxAttempts: 3, baseDelayMs: 1 } });
    for (let i = 0; i < 3; i += 1) {
      pool
        .intercept({ path: '/api/v1/collectors', method: 'GET' })
        .reply(503, { code: 'service.unavailable' });
    }
    const error = (await caught(client.get('/v1/collectors'))) as SumoApiError;
    expect(error.status).toBe(503);
    expect(error.attempts).toBe(3);
    expect(error.message).toMatch(/gave up after 3 attempts/);
  });

  it('retries a 500 for GET, DELETE and PUT with If-Match but not for POST or a PUT without If-Match', async () => {
    const cases: Array<[string, 'GET' | 'DELETE' | 'PUT' | 'POST', Record<string, string>, number]> = [
      ['GET', 'GET', {}, 2],
      ['DELETE', 'DELETE', {}, 2],
      ['PUT with If-Match', 'PUT', { 'if-match': '"etag"' }, 2],
      ['PUT without If-Match', 'PUT', {}, 1],
      ['POST', 'POST', {}, 1],
    ];
    for (const [label, method, headers, attempts] of cases) {
      const { pool, client } = mockedClient();
      pool.intercept({ path: '/api/v1/collectors/1', method }).reply(500, { code: 'internal.error' });
      pool.intercept({ path: '/api/v1/collectors/1', method }).reply(200, {});
      const outcome = await client
        .request({
          method,
          path: '/v1/collectors/1',
          headers,
          ...(method === 'GET' || method === 'DELETE' ? {} : { body: {} }),
        })
        .then((response) => response.attempts)
        .catch((error: SumoApiError) => error.attempts);
      expect(outcome, label).toBe(attempts);
    }
  });

  it('does not retry client errors', async () => {
    const { pool, client } = mockedClient();
    pool.intercept({ path: '/api/v1/collectors/1', method: 'GET' }).reply(400, { code: 'collector.invalid' });
    const error = (await caught(client.get('/v1/collectors/1'))) as SumoApiError;
    expect(error.attempts).toBe(1);
  });

  it('stops retrying when the total time budget would be exceeded', async () => {
    const { pool, client } = mockedClient({ retry: { maxElapsedMs: 100 } });
    pool
      .intercept({ path: '/api/v1/collectors', method: 'GET' })
      .reply(429, { code: 'rate.limit.exceeded' }, { headers: { 'retry-after': '30' } });
    const error = (await caught(client.get('/v1/collectors'))) as SumoApiError;
    expect(error.code).toBe('rate.limit.exceeded');
    expect(error.attempts).toBe(1);
    expect(error.retryAfterMs).toBe(30_000);
  });
});

describe('SumoClient over a real socket', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** A loopback server with `handler`, and a client of it that is neither paced nor slow to retry. */
  async function clientOf(handler: Parameters<typeof createServer>[1]) {
    server = createServer(handler);
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new SumoClient({
      accessId: ACCESS_ID,
      accessKey: ACCESS_KEY,
      apiUrl: `http://127.0.0.1:${port}/api`,
      env: {},
      rateLimiter: new RateLimiter({ limits: { perSecond: 1000, concurrent: 100 } }),
      retry: { baseDelayMs: 1, random: () => 1 },
      logger: silentLogger,
    });
  }

  /** A server that resets the connection for the first `resets` requests, then answers 200. */
  async function resettingServer(resets: number) {
    let seen = 0;
    const client = await clientOf((req, res) => {
      seen += 1;
      req.resume();
      if (seen <= resets) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    return { client, requests: () => seen };
  }

  it('decodes a body that arrives in pieces splitting a character in two, as one text', async () => {
    // "é" and "€" are 2 and 3 bytes in UTF-8; each write ends in the middle of one of them.
    const body = Buffer.from('\uFEFF{"raw":"café 5 €"}');
    const cuts = [body.indexOf('é') + 1, body.indexOf('€') + 2];
    const client = await clientOf((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(body.subarray(0, cuts[0]));
      setTimeout(() => {
        res.write(body.subarray(cuts[0], cuts[1]));
        setTimeout(() => res.end(body.subarray(cuts[1])), 10);
      }, 10);
    });
    const response = await client.get('/v1/search/jobs/J1/messages');
    expect(response.body).toEqual({ raw: 'café 5 €' });
    await client.close();
  });

  it('retries a GET whose connection was reset', async () => {
    const { client, requests } = await resettingServer(1);
    const response = await client.get('/v1/collectors');
    expect(response.body).toEqual({ ok: true });
    expect(response.attempts).toBe(2);
    expect(requests()).toBe(2);
    await client.close();
  });

  it('never replays a POST whose connection was reset after it was sent', async () => {
    const { client, requests } = await resettingServer(1);
    const error = (await caught(client.post('/v1/collectors', { collector: { name: 'a' } }))) as SumoApiError;
    expect(error).toBeInstanceOf(SumoApiError);
    expect(error.status).toBe(0);
    expect(error.attempts).toBe(1);
    expect(requests()).toBe(1);
    await client.close();
  });

  it('replays a POST whose connection was refused, because it never reached the server', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const client = new SumoClient({
      accessId: ACCESS_ID,
      accessKey: ACCESS_KEY,
      apiUrl: `http://127.0.0.1:${port}/api`,
      env: {},
      rateLimiter: new RateLimiter({ limits: { perSecond: 1000, concurrent: 100 } }),
      retry: { baseDelayMs: 1, maxAttempts: 3 },
      logger: silentLogger,
    });
    const error = (await caught(client.post('/v1/collectors', {}))) as SumoApiError;
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.attempts).toBe(3);
    await client.close();
  });
});

describe('SumoClient and the rate limiter', () => {
  it('widens its window when Sumo says rate.limit.exceeded despite our pacing', async () => {
    const limiter = new RateLimiter({ limits: { perSecond: 1000, concurrent: 100, windowMs: 1000 } });
    const { pool, client } = mockedClient({ rateLimiter: limiter });
    pool.intercept({ path: '/api/v1/collectors', method: 'GET' }).reply(429, { code: 'rate.limit.exceeded' });
    pool.intercept({ path: '/api/v1/collectors', method: 'GET' }).reply(200, {});
    await client.get('/v1/collectors');
    expect(limiter.windowFor(ACCESS_ID)).toBe(1050);
  });

  it('does not blame its pacing for other 429s, such as too many search jobs', async () => {
    const limiter = new RateLimiter({ limits: { perSecond: 1000, concurrent: 100, windowMs: 1000 } });
    const { pool, client } = mockedClient({ rateLimiter: limiter, retry: { maxAttempts: 1 } });
    pool
      .intercept({ path: '/api/v1/search/jobs', method: 'POST' })
      .reply(429, { code: 'searchjob.limit.exceeded' });
    await caught(client.post('/v1/search/jobs', {}));
    expect(limiter.windowFor(ACCESS_ID)).toBe(1000);
  });
});
