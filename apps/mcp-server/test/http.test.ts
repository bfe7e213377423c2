import { afterEach, describe, expect, it } from 'vitest';
import { type SimulatedSumo, startSimulatedSumo } from '../../../test/support/simulated-sumo.js';
import { HttpSecurityError, type RunningHttpServer, startHttpServer } from '../src/http.js';
import { createSumoOpsMcp } from '../src/runtime.js';
import { startMcpOverHttp } from './support/http-server.js';
import {
  initializeRequest as initialize,
  openSession,
  postMcp as post,
  requestWithServerRequests,
} from './support/raw-mcp-http.js';

const TOKEN = 'test-bearer-token-0123456789abcdef';

let sumo: SimulatedSumo | undefined;
let http: RunningHttpServer | undefined;

afterEach(async () => {
  await http?.close();
  await sumo?.close();
  http = undefined;
  sumo = undefined;
});

async function start(
  options: { bearerToken?: string; host?: string; allowedHosts?: string[] } = {},
): Promise<RunningHttpServer> {
  ({ sumo, http } = await startMcpOverHttp({
    collectors: 6,
    http: {
      host: options.host ?? '127.0.0.1',
      bearerToken: options.bearerToken,
      allowedHosts: options.allowedHosts,
    },
  }));
  return http;
}

describe('Streamable HTTP transport', () => {
  it('serves the tools on /mcp to a client with the bearer token', async () => {
    const { url } = await start({ bearerToken: TOKEN });
    const session = await openSession(url, { authorization: `Bearer ${TOKEN}` });
    const { result } = await session.request('tools/list');
    expect(result?.tools).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'list_collectors' })]),
    );
  });

  it('runs tools over HTTP, a write through the confirmation token flow', async () => {
    const { url } = await start({ bearerToken: TOKEN });
    const session = await openSession(url, { authorization: `Bearer ${TOKEN}` });
    const args = { name: 'created-over-http' };
    const first = await session.request('tools/call', { name: 'create_hosted_collector', arguments: args });
    const preview = first.result?.structuredContent as { status: string; confirmationToken: string };
    expect(preview.status).toBe('confirmation_required');
    expect(sumo?.sim.org.collectorByName('created-over-http')).toBeUndefined();
    const second = await session.request('tools/call', {
      name: 'create_hosted_collector',
      arguments: { ...args, confirmationToken: preview.confirmationToken },
    });
    expect(second.result?.structuredContent).toMatchObject({ status: 'completed' });
    expect(sumo?.sim.org.collectorByName('created-over-http')).toBeDefined();
  });

  it('asks the user through elicitation on the tool call’s own stream, and acts on accept', async () => {
    const { url } = await start({ bearerToken: TOKEN });
    const session = await openSession(
      url,
      { authorization: `Bearer ${TOKEN}` },
      { elicitation: { form: {} } },
    );
    const { serverRequests, result } = await requestWithServerRequests(
      url,
      session.headers,
      {
        id: 50,
        method: 'tools/call',
        params: { name: 'create_hosted_collector', arguments: { name: 'asked-over-http' } },
      },
      () => ({ action: 'accept', content: { confirm: true } }),
    );
    expect(serverRequests.map((request) => request.method)).toEqual(['elicitation/create']);
    expect(result?.structuredContent).toMatchObject({ status: 'completed' });
    expect(sumo?.sim.org.collectorByName('asked-over-http')).toBeDefined();
  });

  it('rejects a missing or wrong bearer token with 401, before any MCP handling', async () => {
    const { url } = await start({ bearerToken: TOKEN });
    expect((await post(url, {}, initialize)).status).toBe(401);
    expect((await post(url, { authorization: 'Bearer not-the-token' }, initialize)).status).toBe(401);
    expect((await post(url, { authorization: `Basic ${TOKEN}` }, initialize)).status).toBe(401);
    const accepted = await post(url, { authorization: `Bearer ${TOKEN}` }, initialize);
    expect(accepted.status).toBe(200);
    expect(accepted.messages[0]?.result).toMatchObject({ serverInfo: { name: 'sumo-ops' } });
  });

  it('rejects a foreign Host header (DNS rebinding), even with the right token', async () => {
    const { url } = await start({ bearerToken: TOKEN });
    const foreign = await post(
      url,
      { host: 'attacker.example', authorization: `Bearer ${TOKEN}` },
      initialize,
    );
    expect(foreign.status).toBe(403);
    const local = await post(
      url,
      { host: `localhost:${http?.port}`, authorization: `Bearer ${TOKEN}` },
      initialize,
    );
    expect(local.status).toBe(200);
  });

  it('on a wildcard bind, accepts only the Host names given in allowedHosts', async () => {
    const { port } = await start({
      bearerToken: TOKEN,
      host: '0.0.0.0',
      allowedHosts: ['mcp.internal.example'],
    });
    const url = `http://127.0.0.1:${port}`;
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await post(url, { ...auth, host: `mcp.internal.example:${port}` }, initialize)).status).toBe(200);
    expect((await post(url, { ...auth, host: `attacker.example:${port}` }, initialize)).status).toBe(403);
    expect((await post(url, { ...auth, host: `127.0.0.1:${port}` }, initialize)).status).toBe(403);
  });

  it('answers /healthz without credentials', async () => {
    const { url } = await start({ bearerToken: TOKEN });
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('on loopback without a token, serves without authentication', async () => {
    const { url } = await start();
    const session = await openSession(url);
    const { result } = await session.request('tools/list');
    expect(result?.tools).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'list_collectors' })]),
    );
  });

  it('refuses to listen beyond loopback without a token', async () => {
    sumo = await startSimulatedSumo({ org: { collectors: 2 } });
    const mcp = createSumoOpsMcp({ client: sumo.client, logger: sumo.logger });
    await expect(
      startHttpServer({ host: '0.0.0.0', port: 0, createServer: mcp.createServer, logger: sumo.logger }),
    ).rejects.toThrow(HttpSecurityError);
    await expect(
      startHttpServer({ host: '0.0.0.0', port: 0, createServer: mcp.createServer, logger: sumo.logger }),
    ).rejects.toThrow(/MCP_HTTP_TOKEN/);
  });

  it('refuses a request for an unknown session so the client re-initializes', async () => {
    const { url } = await start();
    const response = await post(
      url,
      { 'mcp-session-id': 'no-such-session' },
      { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} },
    );
    expect(response.status).toBe(404);
  });
});
