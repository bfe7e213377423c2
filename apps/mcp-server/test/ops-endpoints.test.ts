/**
 * The MCP server over HTTP as deployed: the bin (from source) configured by SUMO_* variables,
 * probed and scraped on /healthz, /readyz and /metrics while a real MCP client uses it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type Simulator, startSimulator } from '@sumo-ops/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

let sim: Simulator;
let child: ChildProcess;
let base: string;

beforeAll(async () => {
  sim = await startSimulator({ rateLimit: { perSecond: 500, concurrent: 10 }, org: { collectors: 6 } });
  child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions', '@sumo-ops/source', BIN, '--transport', 'http', '--port', '0'],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        SUMO_API_URL: sim.apiUrl,
        SUMO_ACCESS_ID: 'sim-access-id',
        SUMO_ACCESS_KEY: 'sim-access-key',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  base = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const url = stderr.match(/listening on (http:\/\/[^\s/]+)\/mcp/)?.[1];
      if (url) resolve(url);
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${stderr}`)));
  });
});

afterAll(async () => {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  await sim.close();
});

/** GET with a chosen Host header, as a probe from another machine would send it. */
function get(path: string, host?: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers: host ? { host } : {} }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, type: String(response.headers['content-type']), body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('sumo-ops-mcp --transport http operations endpoints', () => {
  it('answers /healthz and /readyz, also to probes that send the pod address as Host', async () => {
    expect(await get('/healthz')).toMatchObject({ status: 200, body: '{"status":"ok"}' });
    const ready = await get('/readyz', '10.1.2.3:3000');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ ready: true, checks: [{ name: 'sumo', status: 'ok' }] });
    // The MCP endpoint itself keeps its DNS-rebinding check.
    expect((await get('/mcp', 'evil.example.com')).status).toBe(403);
  });

  it('exposes operations, API calls and confirmations on /metrics after real tool calls', async () => {
    const client = new Client({ name: 'ops-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)));
    try {
      await client.callTool({ name: 'list_collectors', arguments: { limit: 2 } });
      const preview = await client.callTool({
        name: 'create_hosted_collector',
        arguments: { name: 'metrics-test' },
      });
      expect(preview.structuredContent).toMatchObject({ status: 'confirmation_required' });
    } finally {
      await client.close();
    }
    const scraped = await get('/metrics');
    expect(scraped.status).toBe(200);
    expect(scraped.type).toContain('text/plain');
    expect(scraped.body).toMatch(/sumo_ops_operations_total\{operation="list_collectors",outcome="ok"\} 1/);
    expect(scraped.body).toMatch(
      /sumo_ops_api_requests_total\{method="GET",route="\/v1\/collectors",status="200"\} \d/,
    );
    expect(scraped.body).toMatch(/sumo_ops_confirmations_total\{front_end="mcp",event="issued"\} 1/);
    expect(scraped.body).not.toContain('metrics-test');
  });
});
