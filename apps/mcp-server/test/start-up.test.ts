/**
 * The built sumo-ops-mcp over stdio while Sumo has not answered yet (a stand-in in front of the
 * simulator holds every request until the test lets it through, or drops it): `initialize` and
 * `tools/list` need nothing from Sumo, a tool call's request goes out without waiting for the
 * start-up check, the check still logs its warning, and a session that ends first ends the process.
 * Its tools' JSON schemas, made at build, are the ones made from the catalog at run time.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createCatalog, SumoClient, silentLogger } from '@sumo-ops/core';
import { type Simulator, startSimulator } from '@sumo-ops/simulator';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSumoOpsMcp } from '../src/index.js';
import { BIN, requireBuiltBin, sumoEnv } from './support/bin-process.js';

/** Sumo as seen through a slow link: each request waits here until `release()` or `drop()`. */
class HeldSumo {
  readonly #server: Server;
  readonly #held: Array<{ request: IncomingMessage; response: ServerResponse }> = [];
  /** Paths with their query, in the order they arrived. */
  readonly arrived: string[] = [];

  private constructor(private readonly sim: Simulator) {
    this.#server = createServer((incoming, response) => {
      this.arrived.push(incoming.url ?? '');
      this.#held.push({ request: incoming, response });
    });
  }

  static async start(sim: Simulator): Promise<HeldSumo> {
    const held = new HeldSumo(sim);
    held.#server.listen(0, '127.0.0.1');
    await once(held.#server, 'listening');
    return held;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/api`;
  }

  get waiting(): number {
    return this.#held.length;
  }

  /** Sends every held request on to the simulator, and its answer back. */
  release(): void {
    for (const { request: incoming, response } of this.#held.splice(0)) {
      const upstream = request(
        `${this.sim.url}${incoming.url}`,
        { method: incoming.method, headers: incoming.headers },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      incoming.pipe(upstream);
    }
  }

  /** Cuts every held request's connection without an answer: Sumo unreachable after all. */
  drop(): void {
    for (const { response } of this.#held.splice(0)) response.socket?.destroy();
  }

  async close(): Promise<void> {
    this.drop();
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

let sim: Simulator;
let sumo: HeldSumo;
let client: Client | undefined;
let stderr = '';

beforeAll(async () => {
  requireBuiltBin();
  sim = await startSimulator({ rateLimit: { perSecond: 100, concurrent: 10 }, org: { collectors: 6 } });
});
afterEach(async () => {
  await client?.close();
  client = undefined;
  await sumo.close();
});
afterAll(() => sim.close());

async function connect(): Promise<Client> {
  sumo = await HeldSumo.start(sim);
  stderr = '';
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN],
    env: sumoEnv(sim, { SUMO_API_URL: sumo.apiUrl }),
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  client = new Client({ name: 'start-up-test', version: '0.0.0' });
  await client.connect(transport);
  return client;
}

const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 15_000, interval: 20 });

describe('sumo-ops-mcp while Sumo has not answered yet', () => {
  it('answers initialize and tools/list, and sends a tool call to Sumo without waiting for the start-up check', async () => {
    const mcp = await connect();
    expect(mcp.getServerVersion()?.name).toBe('sumo-ops');
    const { tools } = await mcp.listTools();
    expect(tools).toHaveLength(createCatalog().list().length);
    // The start-up check's request reaches Sumo and stays unanswered.
    await waitFor(() => expect(sumo.arrived).toEqual(['/api/v1/collectors?limit=1']));
    const call = mcp.callTool({ name: 'list_collectors', arguments: { limit: 2 } });
    // The tool's own request goes out while the check's is still waiting for its answer.
    await waitFor(() => expect(sumo.waiting).toBe(2));
    expect(sumo.arrived[1]).toMatch(/^\/api\/v1\/collectors\?/);
    sumo.release();
    const result = (await call) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect((result.structuredContent as { items: unknown[] }).items).toHaveLength(2);
    await waitFor(() => expect(stderr).toContain('"msg":"Sumo Logic connection checked"'));
  });

  it('still logs the start-up check failing, with the fix, once Sumo turns out unreachable', async () => {
    const mcp = await connect();
    expect((await mcp.listTools()).tools.length).toBeGreaterThan(0);
    await waitFor(() => expect(sumo.waiting).toBe(1));
    expect(stderr).not.toContain('connection check failed');
    sumo.drop();
    await waitFor(() =>
      expect(stderr).toContain(
        '"msg":"Sumo Logic connection check failed; calls will fail until this is fixed"',
      ),
    );
    expect(stderr).toMatch(/"fix":"Check SUMO_DEPLOYMENT or SUMO_API_URL/);
  });

  it('ends on its own when the session ends before Sumo answered the check', async () => {
    const mcp = await connect();
    expect((await mcp.listTools()).tools.length).toBeGreaterThan(0);
    await waitFor(() => expect(sumo.waiting).toBe(1));
    // Closing ends stdin; the SDK would signal a server that had not exited by itself.
    await mcp.close();
    client = undefined;
    expect(stderr).toMatch(/"msg":"shut down","component":"mcp-server","reason":"stdin closed"/);
    expect(stderr).not.toContain('connection check failed');
    expect(stderr).not.toContain('SIGTERM');
  });
});

describe('the tool schemas the built server lists', () => {
  it('are the ones made from the catalog at run time', async () => {
    const built = await (await connect()).listTools();
    const runTime = createSumoOpsMcp({
      client: new SumoClient({ accessId: 'a', accessKey: 'k', apiUrl: sumo.apiUrl, env: {} }),
      logger: silentLogger,
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const server = runTime.createServer();
    await server.connect(serverSide);
    const inMemory = new Client({ name: 'start-up-test-in-memory', version: '0.0.0' });
    await inMemory.connect(clientSide);
    try {
      expect(built.tools).toEqual((await inMemory.listTools()).tools);
    } finally {
      await inMemory.close();
    }
  });
});
