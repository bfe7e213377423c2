/**
 * Socket Mode, which has no HTTP server of its own: the bot connects out (apps.connections.open,
 * then a WebSocket) through the proxy the environment names, and serves /healthz, /readyz and
 * /metrics on HEALTH_PORT. Slack is played by a small server on loopback that answers the two Web
 * API methods and speaks just enough WebSocket to say hello.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createCatalog, RateLimiter, SumoClient, silentLogger } from '@sumo-ops/core';
import { type LocalHttpProxy, type Simulator, startHttpProxy, startSimulator } from '@sumo-ops/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackBot, type SlackBot } from '../src/index.js';

const BOT_TOKEN = 'xoxb-socket-mode-test-token';
const APP_TOKEN = 'xapp-1-socket-mode-test-token';
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

let slack: Server;
let slackUrl: string;
/** The WebSocket endpoint, on a server of its own so the proxy's log tells it from the Web API. */
let socketServer: Server;
let socketUrl: string;
const methods: string[] = [];
const sockets = new Set<Socket>();
let sim: Simulator;
let sumo: SumoClient;
let proxy: LocalHttpProxy;
let bot: SlackBot;
let healthPort: number | undefined;

/** One unmasked text frame, as a server sends it. */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const header =
    payload.length < 126
      ? Buffer.from([0x81, payload.length])
      : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
}

beforeAll(async () => {
  slack = createServer((request, response) => {
    const method = (request.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
    methods.push(method);
    const answer =
      method === 'auth.test'
        ? { ok: true, user_id: 'UBOT', user: 'sumo-ops', team_id: 'T1', team: 'Test', bot_id: 'B1' }
        : method === 'apps.connections.open'
          ? { ok: true, url: `${socketUrl}/link?ticket=t1` }
          : { ok: false, error: 'unknown_method' };
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer));
    });
  });
  socketServer = createServer((_request, response) => response.writeHead(426).end());
  socketServer.on('upgrade', (request, socket: Socket) => {
    sockets.add(socket);
    const accept = createHash('sha1')
      .update(`${request.headers['sec-websocket-key']}${WEBSOCKET_GUID}`)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    socket.write(
      textFrame(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          connection_info: { app_id: 'A1' },
          debug_info: {},
        }),
      ),
    );
    socket.on('data', (data: Buffer) => {
      // A close frame from the client: answer it, as the protocol asks.
      if (((data[0] ?? 0) & 0x0f) === 0x8) socket.end(Buffer.from([0x88, 0x00]));
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => slack.listen(0, '127.0.0.1', resolve));
  slackUrl = `http://127.0.0.1:${(slack.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => socketServer.listen(0, '127.0.0.1', resolve));
  socketUrl = `ws://127.0.0.1:${(socketServer.address() as AddressInfo).port}`;

  sim = await startSimulator({ rateLimit: { perSecond: 500, concurrent: 10 } });
  sumo = new SumoClient({
    accessId: 'sim-access-id',
    accessKey: 'sim-access-key',
    apiUrl: sim.apiUrl,
    env: {},
    logger: silentLogger,
    rateLimiter: new RateLimiter({ limits: { perSecond: 500, concurrent: 10 } }),
  });
  proxy = await startHttpProxy();
  bot = createSlackBot({
    catalog: createCatalog(),
    sumo,
    botToken: BOT_TOKEN,
    appToken: APP_TOKEN,
    slackApiUrl: `${slackUrl}/api/`,
    healthPort: 0,
    host: '127.0.0.1',
    access: { admins: [] },
    logger: silentLogger,
    env: { HTTP_PROXY: proxy.url },
    drainMs: 500,
  });
  ({ port: healthPort } = await bot.start());
});

afterAll(async () => {
  await bot?.stop();
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => slack?.close(() => resolve()));
  await new Promise<void>((resolve) => socketServer?.close(() => resolve()));
  await proxy?.close();
  await sumo?.close();
  await sim?.close();
});

describe('the bot in Socket Mode', () => {
  it('calls the Web API and opens its WebSocket through the proxy', () => {
    expect(methods).toEqual(expect.arrayContaining(['auth.test', 'apps.connections.open']));
    expect(sockets.size).toBe(1);
    const targets = proxy.requests.map(({ target }) => target);
    expect(targets).toContain(new URL(slackUrl).host);
    expect(targets).toContain(new URL(socketUrl).host);
  });

  it('serves /healthz, /readyz and /metrics on HEALTH_PORT', async () => {
    expect(healthPort).toBeGreaterThan(0);
    const base = `http://127.0.0.1:${healthPort}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true });
    const scraped = await (await fetch(`${base}/metrics`)).text();
    expect(scraped).toContain('sumo_ops_api_requests_total');
    expect((await fetch(`${base}/slack/events`, { method: 'POST' })).status).toBe(404);
  });
});
