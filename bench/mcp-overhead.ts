/**
 * What the MCP layer costs: the same operations called directly (`catalog.run` with a client) and
 * as tool calls through a real MCP client over stdio, interleaved call by call against one
 * simulator in one run. Limits are high on both sides so the rate limiter is not what is measured.
 * The stdio server is a child process serving the package's `createSumoOpsMcp` with a client
 * configured exactly like the direct one (the shipped binary uses Sumo's real 4 requests/s).
 * Two more contenders name the parts of the difference: the tool as this package runs it
 * (`ToolSpec.run`: argument check, operation, rendering, no SDK), and the same server and an SDK
 * client linked in memory (the SDK's protocol handling, no process boundary).
 * Also prints the size of `tools/list`, per tool, and of a `run_search` answer over 100,000 messages.
 * Then the OAuth case: the same tool calls over Streamable HTTP to two servers in this process, one
 * with the static bearer token and one as the OAuth resource server of a real OpenID provider on
 * loopback (`oidc-provider`; every request's JWT checked by its keys, the caller's fair share
 * applied), interleaved; and how often the JWKS was fetched.
 * Run: `pnpm bench:mcp-overhead` (compiled JavaScript, as in production); only the OAuth case:
 * `node bench/dist/mcp-overhead.js --oauth-only` after `pnpm bench:build`.
 */
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createCatalog, RateLimiter, SharedReads, type SumoClient, silentLogger } from '@sumo-ops/core';
import { createSumoOpsMcp, serveStdio, startHttpServer } from '@sumo-ops/mcp-server';
import { createFairShare, createResourceServer, readOAuthSettings } from '@sumo-ops/mcp-server/auth';
import { type Simulator, startSimulator } from '@sumo-ops/simulator';
import { simulatorClient } from './sim-client.js';
import { median } from './stats.js';

/**
 * Every call here reaches the simulator: this bench measures what MCP (and OAuth) add to a call,
 * so reads are not shared or reused (SUMO_OPS_SHARED_READS=off), or most would be answers kept
 * from the call before.
 */
const unshared = () => new SharedReads({ enabled: false });

const HIGH_LIMITS = { perSecond: 100_000, concurrent: 64 };
const CALLS = 300;
const WARMUP = 20;
const SEARCH_MESSAGES = 100_000;
const RATIO_TARGET = 1.5;
const LATENCY_RATIO_TARGET = 1.1;
const SEARCH_TEXT_TARGET = 4_096;
const OAUTH_RATIO_TARGET = 1.05;

function client(apiUrl: string): SumoClient {
  return simulatorClient(apiUrl, { rateLimiter: new RateLimiter({ limits: HIGH_LIMITS }) });
}

const [mode, apiUrl] = process.argv.slice(2);
if (mode === '--serve-stdio' && apiUrl) {
  await serveStdio(
    createSumoOpsMcp({ client: client(apiUrl), logger: silentLogger, reads: unshared() }).createServer(),
  );
  process.exit(0);
}

interface Row {
  case: string;
  direct: number;
  /** `ToolSpec.run` in this process: what this package adds, without the SDK. */
  tool: number;
  /** SDK client and server linked in memory. */
  memory: number;
  /** A real MCP client over stdio to a child process: what an assistant sees. */
  mcp: number;
}

async function main(): Promise<void> {
  const to = Date.now() - 60_000;
  const sim = await startSimulator({
    rateLimit: HIGH_LIMITS,
    clockSpeed: 1_000,
    org: { collectors: 200 },
    search: { corpusSize: SEARCH_MESSAGES, corpusFrom: to - 24 * 3_600_000, corpusTo: to },
  });
  const direct = client(sim.apiUrl);
  const catalog = createCatalog();
  const directReads = unshared();
  const localClient = client(sim.apiUrl);
  const local = createSumoOpsMcp({ client: localClient, logger: silentLogger, reads: unshared() });
  const localServer = local.createServer();
  const memory = new Client({ name: 'mcp-overhead-bench-memory', version: '0.0.0' });
  const [memoryClientSide, memoryServerSide] = InMemoryTransport.createLinkedPair();
  await localServer.connect(memoryServerSide);
  await memory.connect(memoryClientSide);
  const signal = new AbortController().signal;
  const mcp = new Client({ name: 'mcp-overhead-bench', version: '0.0.0' });
  await mcp.connect(
    new StdioClientTransport({
      command: process.execPath,
      // The same Node flags as this process, so both sides run the same code.
      args: [...process.execArgv, fileURLToPath(import.meta.url), '--serve-stdio', sim.apiUrl],
      stderr: 'inherit',
    }),
  );
  try {
    const cases = casesOf(sim);
    const rows: Row[] = [];
    for (const latency of [0, 20]) {
      sim.setFaults({ latencyMs: latency });
      for (const [name, args] of cases) {
        const tool = local.tools.find((spec) => spec.name === name);
        if (!tool) throw new Error(`no tool ${name}`);
        const times = {
          direct: [] as number[],
          tool: [] as number[],
          memory: [] as number[],
          mcp: [] as number[],
        };
        for (let i = 0; i < WARMUP + CALLS; i += 1) {
          // Interleaved, so every contender sees the same machine load.
          const t0 = performance.now();
          const input = catalog.parseInput(name, args);
          await catalog.run(name, { client: direct, logger: silentLogger, reads: directReads }, input);
          const t1 = performance.now();
          await tool.run(args, { signal });
          const t2 = performance.now();
          await memory.callTool({ name, arguments: args });
          const t3 = performance.now();
          const result = (await mcp.callTool({ name, arguments: args })) as CallToolResult;
          const t4 = performance.now();
          if (result.isError) throw new Error(`${name} failed over MCP: ${JSON.stringify(result.content)}`);
          if (i >= WARMUP) {
            times.direct.push(t1 - t0);
            times.tool.push(t2 - t1);
            times.memory.push(t3 - t2);
            times.mcp.push(t4 - t3);
          }
        }
        rows.push({
          case: `${name} (+${latency} ms API latency)`,
          direct: median(times.direct),
          tool: median(times.tool),
          memory: median(times.memory),
          mcp: median(times.mcp),
        });
      }
    }
    sim.setFaults({});
    // Before the search below, whose 100,000 messages leave the simulator busy for a while.
    await oauthCase(sim);

    const listed = await mcp.listTools();
    const toolsList = Buffer.byteLength(JSON.stringify(listed));
    const perTool = listed.tools.map((tool) => ({
      name: tool.name,
      total: Buffer.byteLength(JSON.stringify(tool)),
      description: Buffer.byteLength(tool.description ?? ''),
      input: Buffer.byteLength(JSON.stringify(tool.inputSchema)),
      output: Buffer.byteLength(JSON.stringify(tool.outputSchema ?? {})),
    }));
    const search = (await mcp.callTool({
      name: 'run_search',
      arguments: { query: '*', from: to - 24 * 3_600_000, to },
    })) as CallToolResult;
    if (search.isError) throw new Error(`run_search failed: ${JSON.stringify(search.content)}`);
    const searched = search.structuredContent as { messageCount: number };
    const text = search.content.map((item) => (item.type === 'text' ? item.text : '')).join('');
    const searchText = Buffer.byteLength(text);
    const searchStructured = Buffer.byteLength(JSON.stringify(search.structuredContent));

    const ratio = (row: Row) => row.mcp / row.direct;
    const overall = median(rows.filter((row) => row.case.includes('+0 ms')).map(ratio));
    const width = Math.max(...rows.map((row) => row.case.length));
    console.log(
      `\nMCP overhead: ${CALLS} calls per case, medians, stdio vs direct catalog.run (same simulator)\n`,
    );
    const ms = (value: number, pad: number) => value.toFixed(2).padStart(pad);
    console.log(
      `${'case'.padEnd(width)}  direct ms  tool ms  memory ms  stdio ms  ratio  ours ms  SDK ms  stdio ms`,
    );
    for (const row of rows) {
      console.log(
        `${row.case.padEnd(width)}  ${ms(row.direct, 9)}  ${ms(row.tool, 7)}  ${ms(row.memory, 9)}  ${ms(row.mcp, 8)}  ${ms(ratio(row), 5)}  ${ms(row.tool - row.direct, 7)}  ${ms(row.memory - row.tool, 6)}  ${ms(row.mcp - row.memory, 8)}`,
      );
    }
    console.log(
      '(tool: ToolSpec.run in process; memory: SDK client and server linked in memory; stdio: a real client to a child process.\n ours = tool − direct, SDK = memory − tool, stdio = stdio − memory: the process boundary and the SDK client parsing the answer.)',
    );
    const verdict = (ok: boolean) => (ok ? 'within target' : 'OVER target');
    console.log(
      `\nmedian ratio without API latency: ${overall.toFixed(2)} (target ≤ ${RATIO_TARGET}: ${verdict(overall <= RATIO_TARGET)})`,
    );
    const inMemory = median(
      rows.filter((row) => row.case.includes('+0 ms')).map((row) => row.memory / row.direct),
    );
    console.log(`  the same in memory, without the process boundary: ${inMemory.toFixed(2)}`);
    const realistic = median(rows.filter((row) => row.case.includes('+20 ms')).map(ratio));
    console.log(
      `median ratio with 20 ms API latency: ${realistic.toFixed(2)} (target ≤ ${LATENCY_RATIO_TARGET}: ${verdict(realistic <= LATENCY_RATIO_TARGET)})`,
    );
    console.log(`\ntools/list: ${toolsList.toLocaleString('en')} bytes (${listed.tools.length} tools)`);
    const nameWidth = Math.max(...perTool.map((tool) => tool.name.length));
    console.log(`${'tool'.padEnd(nameWidth)}  bytes  description  input  output`);
    for (const tool of perTool) {
      console.log(
        `${tool.name.padEnd(nameWidth)}  ${String(tool.total).padStart(5)}  ${String(tool.description).padStart(11)}  ${String(tool.input).padStart(5)}  ${String(tool.output).padStart(6)}`,
      );
    }
    console.log(
      `run_search over ${searched.messageCount.toLocaleString('en')} messages: ${searchText.toLocaleString('en')} bytes of text, ${searchStructured.toLocaleString('en')} bytes structured (target ≤ ${SEARCH_TEXT_TARGET.toLocaleString('en')} bytes of text: ${verdict(searchText <= SEARCH_TEXT_TARGET)})`,
    );
  } finally {
    await memory.close();
    await localServer.close();
    await localClient.close();
    await mcp.close();
    await direct.close();
    await sim.close();
  }
}

/** The tool calls every comparison makes: a page of a list, one object, a small answer. */
function casesOf(sim: Simulator): Array<[string, Record<string, unknown>]> {
  return [
    ['list_collectors', { limit: 50 }],
    ['get_collector', { collector: sim.org.collectors()[0]?.id }],
    ['list_upgrade_targets', {}],
  ];
}

interface OAuthRow {
  case: string;
  bearer: number;
  oauth: number;
}

/**
 * Static token vs OAuth over Streamable HTTP, the same simulator behind both, calls interleaved.
 * The provider is a real one: the MCP client signs in with client credentials as a deployment's
 * would, and the server finds the keys by discovery.
 */
async function oauthCase(sim: Simulator): Promise<void> {
  const idp = createHttpServer();
  const jwksFetches = { count: 0 };
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  // Loaded here, so the stdio child (this same file) does not load it.
  const { default: Provider } = await import('oidc-provider');
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'bench-agent',
        client_secret: 'bench-agent-secret-0123456789abcdef',
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        scope: 'sumo-ops:read sumo-ops:write',
      },
    ],
    scopes: ['sumo-ops:read', 'sumo-ops:write'],
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => `${publicUrl}/mcp`,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => ({
          scope: 'sumo-ops:read sumo-ops:write',
          audience: indicator,
          accessTokenTTL: 3_600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  });
  const handle = provider.callback();
  idp.on('request', (request, response) => {
    if ((request.url ?? '').startsWith('/jwks')) jwksFetches.count += 1;
    handle(request, response);
  });

  const settings = readOAuthSettings({ MCP_OAUTH_ISSUER: issuer, MCP_PUBLIC_URL: publicUrl });
  if (!settings) throw new Error('OAuth settings were not read');
  const bearerClient = client(sim.apiUrl);
  const oauthClient = client(sim.apiUrl);
  const bearerMcp = createSumoOpsMcp({
    client: bearerClient,
    logger: silentLogger,
    audit: () => undefined,
    reads: unshared(),
  });
  const oauthMcp = createSumoOpsMcp({
    client: oauthClient,
    logger: silentLogger,
    reads: unshared(),
    audit: () => undefined,
    scopes: settings.scopes,
    clientFor: createFairShare({ maxInFlight: settings.maxInFlightPerCaller }),
  });
  const token = 'bench-static-token-0123456789abcdef';
  const bearerHttp = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    bearerToken: token,
    createServer: bearerMcp.createServer,
    logger: silentLogger,
  });
  const oauthHttp = await startHttpServer({
    host: '127.0.0.1',
    port,
    createServer: oauthMcp.createServer,
    logger: silentLogger,
    oauth: createResourceServer({
      settings,
      logger: silentLogger,
      tools: oauthMcp.tools,
    }),
  });
  const bearer = new Client({ name: 'mcp-overhead-bench-bearer', version: '0.0.0' });
  await bearer.connect(
    new StreamableHTTPClientTransport(new URL(`${bearerHttp.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  const oauth = new Client({ name: 'mcp-overhead-bench-oauth', version: '0.0.0' });
  await oauth.connect(
    new StreamableHTTPClientTransport(new URL(`${publicUrl}/mcp`), {
      authProvider: new ClientCredentialsProvider({
        clientId: 'bench-agent',
        clientSecret: 'bench-agent-secret-0123456789abcdef',
        scope: 'sumo-ops:read sumo-ops:write',
        expectedIssuer: issuer,
      }),
    }),
  );
  try {
    const cases = casesOf(sim);
    const rows: OAuthRow[] = [];
    for (const latency of [0, 20]) {
      sim.setFaults({ latencyMs: latency });
      for (const [name, args] of cases) {
        const times = { bearer: [] as number[], oauth: [] as number[] };
        for (let i = 0; i < WARMUP + CALLS; i += 1) {
          // Interleaved, and the order swapped every call, so neither side always goes first.
          const order = i % 2 === 0 ? (['bearer', 'oauth'] as const) : (['oauth', 'bearer'] as const);
          for (const side of order) {
            const started = performance.now();
            const result = (await (side === 'bearer' ? bearer : oauth).callTool({
              name,
              arguments: args,
            })) as CallToolResult;
            const took = performance.now() - started;
            if (result.isError)
              throw new Error(`${name} failed (${side}): ${JSON.stringify(result.content)}`);
            if (i >= WARMUP) times[side].push(took);
          }
        }
        rows.push({
          case: `${name} (+${latency} ms API latency)`,
          bearer: median(times.bearer),
          oauth: median(times.oauth),
        });
      }
    }
    sim.setFaults({});
    const width = Math.max(...rows.map((row) => row.case.length));
    console.log(
      `\nOAuth over Streamable HTTP: ${CALLS} calls per case, medians, JWT checked on every request vs the static bearer token\n`,
    );
    console.log(`${'case'.padEnd(width)}  bearer ms  oauth ms  ratio  oauth − bearer ms`);
    for (const row of rows) {
      console.log(
        `${row.case.padEnd(width)}  ${row.bearer.toFixed(2).padStart(9)}  ${row.oauth.toFixed(2).padStart(8)}  ${(row.oauth / row.bearer).toFixed(3).padStart(5)}  ${(row.oauth - row.bearer).toFixed(2).padStart(17)}`,
      );
    }
    const ratioAt = (latency: number) =>
      median(rows.filter((row) => row.case.includes(`+${latency} ms`)).map((row) => row.oauth / row.bearer));
    const realistic = ratioAt(20);
    console.log(
      `\nmedian OAuth ÷ static-token ratio with 20 ms API latency: ${realistic.toFixed(3)} (target ≤ ${OAUTH_RATIO_TARGET}: ${realistic <= OAUTH_RATIO_TARGET ? 'within target' : 'OVER target'})`,
    );
    console.log(`  without API latency: ${ratioAt(0).toFixed(3)}`);
    const calls = rows.length * (WARMUP + CALLS);
    console.log(
      `JWKS fetched ${jwksFetches.count} time(s) for ${calls.toLocaleString('en')} OAuth tool calls and no key rotation (target: 1)`,
    );
  } finally {
    await bearer.close();
    await oauth.close();
    await bearerHttp.close();
    await oauthHttp.close();
    await bearerClient.close();
    await oauthClient.close();
    await new Promise<void>((resolve) => {
      idp.close(() => resolve());
      idp.closeAllConnections();
    });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createHttpServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** The OAuth comparison alone, against a simulator of its own (no search corpus to build). */
async function oauthOnly(): Promise<void> {
  const sim = await startSimulator({ rateLimit: HIGH_LIMITS, clockSpeed: 1_000, org: { collectors: 200 } });
  try {
    await oauthCase(sim);
  } finally {
    await sim.close();
  }
}

try {
  await (mode === '--oauth-only' ? oauthOnly() : main());
} catch (error) {
  console.error(`mcp-overhead could not run: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
}
