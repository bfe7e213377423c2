import { Agent, request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ACCESS_KEY, api, basicAuth, expectSumoError, SUMO_REQUEST_ID, useSimulator } from './helpers.js';

describe('wire behaviour shared by every API route', () => {
  const simulator = useSimulator();

  it('answers a request without credentials with a Sumo-shaped 401', async () => {
    const sim = await simulator();
    const response = await api(sim, 'GET', '/v1/collectors', { authorization: null });
    expect(response.status).toBe(401);
    expect(response.json).toEqual({
      status: 401,
      id: expect.stringMatching(SUMO_REQUEST_ID),
      code: 'unauthorized',
      message: 'Credential could not be verified.',
    });
    expect(response.headers.get('x-sumo-request-id')).toBe(response.json.id);
  });

  it('refuses a wrong key, an unknown access id and a non-Basic scheme alike, and never echoes them', async () => {
    const sim = await simulator();
    const attempts = [
      basicAuth('sim-access-id', 'wrong-secret-key'),
      basicAuth('someone-else', ACCESS_KEY),
      'Bearer sim-access-key',
      'Basic !!!not-base64!!!',
    ];
    for (const authorization of attempts) {
      const response = await api(sim, 'GET', '/v1/collectors', { authorization });
      expect(response.status).toBe(401);
      expect(response.json.code).toBe('unauthorized');
      expect(response.text).not.toContain('wrong-secret-key');
      expect(response.text).not.toContain(ACCESS_KEY);
      expect(response.text).not.toContain('someone-else');
    }
  });

  it('accepts any configured credential pair', async () => {
    const sim = await simulator({ credentials: [{ accessId: 'ci', accessKey: 'ci-key' }] });
    expect(
      (await api(sim, 'GET', '/v1/collectors', { authorization: basicAuth('ci', 'ci-key') })).status,
    ).toBe(200);
    expect((await api(sim, 'GET', '/v1/collectors')).status).toBe(401);
  });

  it('answers POST and PUT without a JSON content type with 415', async () => {
    const sim = await simulator();
    const asText = await api(sim, 'POST', '/v1/collectors', {
      body: '{"collector":{}}',
      headers: { 'content-type': 'text/plain' },
    });
    expectSumoError(asText, 415, 'contenttype.invalid');

    const withoutType = await fetch(`${sim.apiUrl}/v1/collectors/1`, {
      method: 'PUT',
      headers: { authorization: basicAuth() },
      body: new Uint8Array([123, 125]),
    });
    expect(withoutType.status).toBe(415);
  });

  it('accepts application/json with parameters', async () => {
    const sim = await simulator();
    const response = await api(sim, 'POST', '/v1/collectors', {
      body: { collector: { collectorType: 'Hosted', name: 'with-charset' } },
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(response.status).toBe(201);
  });

  it('answers a malformed JSON body with 400', async () => {
    const sim = await simulator();
    const response = await api(sim, 'POST', '/v1/collectors', { body: '{"collector": ' });
    expectSumoError(response, 400, 'generic');
  });

  it('answers an unknown route with a Sumo-shaped 404 and a known path with the wrong method with 405', async () => {
    const sim = await simulator();
    const missing = await api(sim, 'GET', '/v1/no-such-thing');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({
      status: 404,
      id: expect.stringMatching(SUMO_REQUEST_ID),
      code: 'notfound',
      message: 'Requested resource could not be found.',
    });
    const wrongMethod = await api(sim, 'PATCH', '/v1/collectors');
    expectSumoError(wrongMethod, 405, 'method.unsupported');
  });

  it('answers a doubled slash from a base URL ending in / with a 500, like the service', async () => {
    const sim = await simulator();
    const response = await api(sim, 'GET', '//v1/collectors');
    expectSumoError(response, 500, 'internal.error');
  });

  it('serves an unauthenticated /healthz outside the API that is neither limited nor counted', async () => {
    const sim = await simulator({ rateLimit: { perSecond: 1 } });
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const response = await fetch(`${sim.url}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    }
    expect(sim.counters.total).toBe(0);
    expect((await fetch(`${sim.url}/elsewhere`)).status).toBe(404);
  });

  it('counts every API request by route name and status', async () => {
    const sim = await simulator();
    const [first] = sim.org.collectors();
    await api(sim, 'GET', '/v1/collectors');
    await api(sim, 'GET', `/v1/collectors/${first?.id}`);
    await api(sim, 'GET', '/v1/collectors/999');
    await api(sim, 'GET', '/v1/collectors', { authorization: null });
    await api(sim, 'GET', '/v1/unknown');
    expect(sim.counters.total).toBe(5);
    expect(sim.counters.byRoute).toEqual({
      'GET /v1/collectors': { 200: 1, 401: 1 },
      'GET /v1/collectors/:id': { 200: 1, 404: 1 },
      'GET (unmatched)': { 404: 1 },
    });
    expect(sim.counters.maxInFlight['sim-access-id']).toBe(1);
    sim.counters.reset();
    expect(sim.counters.total).toBe(0);
    expect(sim.counters.byRoute).toEqual({});
  });

  it('closes promptly even while clients hold keep-alive sockets and requests wait on injected latency', async () => {
    const sim = await simulator({ faults: { latencyMs: 10_000 } });
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${sim.url}/healthz`, { agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
    const slow = api(sim, 'GET', '/v1/collectors').catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await sim.close();
    // A close that waited for the slow request would have let it succeed.
    expect(await slow).toBeInstanceOf(Error);
    agent.destroy();
  });
});
