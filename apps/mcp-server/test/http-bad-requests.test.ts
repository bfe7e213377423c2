import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatedSumo } from '../../../test/support/simulated-sumo.js';
import type { RunningHttpServer } from '../src/http.js';
import { startMcpOverHttp } from './support/http-server.js';
import { type HttpReply, initializeRequest, openSession, postRawMcp } from './support/raw-mcp-http.js';

let sumo: SimulatedSumo | undefined;
let http: RunningHttpServer | undefined;

afterEach(async () => {
  await http?.close();
  await sumo?.close();
  http = undefined;
  sumo = undefined;
});

async function start(stateless: boolean): Promise<string> {
  ({ sumo, http } = await startMcpOverHttp({ collectors: 2, http: { stateless } }));
  return http.url;
}

/** What Express's default error page and a Node stack trace would give away. */
function expectNoLeak(reply: HttpReply): void {
  expect(reply.headers['content-type']).toMatch(/^application\/json/);
  expect(reply.body).not.toMatch(/<html|<pre|<!DOCTYPE/i);
  expect(reply.body).not.toMatch(/\bat \S+ \(|node_modules|\/work\/|\.js:\d+/);
}

function rpcError(reply: HttpReply): { code: number; message: string } {
  const error = reply.messages[0]?.error as { code: number; message: string } | undefined;
  expect(error).toBeDefined();
  return error as { code: number; message: string };
}

describe.each([
  ['with sessions', false],
  ['stateless', true],
])('Streamable HTTP refuses malformed requests with JSON-RPC errors (%s)', (_mode, stateless) => {
  it('answers a body that is not JSON with a parse error (-32700), not an HTML page', async () => {
    const url = await start(stateless);
    const reply = await postRawMcp(url, {}, '{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(reply.status).toBe(400);
    expectNoLeak(reply);
    const error = rpcError(reply);
    expect(error.code).toBe(-32700);
    expect(error.message).toMatch(/not valid JSON/);
  });

  it('answers a 5 MB body with 413 naming the limit, without a stack', async () => {
    const url = await start(stateless);
    const huge = JSON.stringify({ ...initializeRequest, padding: 'x'.repeat(5 * 1024 * 1024) });
    const reply = await postRawMcp(url, {}, huge);
    expect(reply.status).toBe(413);
    expectNoLeak(reply);
    expect(rpcError(reply).message).toMatch(/larger than the 100 kB limit/);
  });

  it('answers a text/plain initialize with 415 naming Content-Type', async () => {
    const url = await start(stateless);
    const reply = await postRawMcp(url, { 'content-type': 'text/plain' }, JSON.stringify(initializeRequest));
    expect(reply.status).toBe(415);
    expectNoLeak(reply);
    expect(rpcError(reply).message).toMatch(/Content-Type must be application\/json.*text\/plain/);
  });

  it('answers a request without a Content-Type with 415 too', async () => {
    const url = await start(stateless);
    const reply = await postRawMcp(url, { 'content-type': undefined }, JSON.stringify(initializeRequest));
    expect(reply.status).toBe(415);
    expectNoLeak(reply);
    expect(rpcError(reply).message).toContain('Content-Type');
  });

  it('answers an unknown path with a JSON 404, not an HTML page', async () => {
    const url = await start(stateless);
    const reply = await postRawMcp(`${url}/elsewhere`, {}, JSON.stringify(initializeRequest));
    expect(reply.status).toBe(404);
    expectNoLeak(reply);
    expect(rpcError(reply).message).toContain('/mcp');
  });

  it('still serves a well-formed client afterwards', async () => {
    const url = await start(stateless);
    await postRawMcp(url, {}, 'not json at all');
    await postRawMcp(url, { 'content-type': 'text/plain' }, 'hello');
    const init = await postRawMcp(url, {}, JSON.stringify(initializeRequest));
    expect(init.status).toBe(200);
    expect(init.messages[0]?.result).toMatchObject({ serverInfo: { name: 'sumo-ops' } });
    if (!stateless) {
      const session = await openSession(url);
      const { result } = await session.request('tools/list');
      expect(result?.tools).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: 'get_collector' })]),
      );
    }
  });
});
