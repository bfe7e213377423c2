import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createCatalog } from '@sumo-ops/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { textOf } from './support/harness.js';

/** The built binary and demo: the root test command builds before running tests. */
const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const DEMO = fileURLToPath(new URL('../dist/demo.js', import.meta.url));

let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

beforeAll(() => {
  for (const file of [BIN, DEMO]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run pnpm build first.`);
  }
});

async function connect(args: string[]): Promise<Client> {
  client = new Client({ name: 'stdio-test', version: '0.0.0' });
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args: [BIN, ...args], stderr: 'pipe' }),
  );
  return client;
}

/** Runs the binary (or another built script) to completion with exactly this environment. */
function run(
  args: string[],
  env: Record<string, string> = {},
  script = BIN,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

const catalog = createCatalog();

describe('the sumo-ops-mcp binary over stdio', () => {
  it('serves every tool in demo mode, and every result says it comes from the simulator', async () => {
    const mcp = await connect(['--demo']);
    const { tools } = await mcp.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(
      catalog
        .list()
        .map((operation) => operation.name)
        .sort(),
    );
    const result = (await mcp.callTool({
      name: 'list_collectors',
      arguments: { limit: 3 },
    })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toMatch(/^\[source: simulator \(demo\)\]/);
    expect(result._meta?.['sumo-ops/source']).toBe('simulator (demo)');
    expect((result.structuredContent as { items: unknown[] }).items).toHaveLength(3);
  });

  it('registers only the read tools of the chosen toolsets with --read-only --toolsets', async () => {
    const mcp = await connect(['--demo', '--read-only', '--toolsets', 'collectors,upgrades']);
    const names = (await mcp.listTools()).tools.map((tool) => tool.name).sort();
    expect(names).toEqual(
      catalog
        .list({ toolsets: ['collectors', 'upgrades'], readOnly: true })
        .map((operation) => operation.name)
        .sort(),
    );
    expect(names).not.toContain('delete_collector');
  });

  it('refuses to start without credentials, saying what to set, on stderr', async () => {
    const { code, stdout, stderr } = await run([]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/SUMO_ACCESS_ID/);
    expect(stderr).toMatch(/SUMO_ACCESS_KEY/);
    expect(stderr).toMatch(/--demo/);
  });

  it('refuses to start with bad shared-state settings, naming each variable and never the password', async () => {
    const { code, stdout, stderr } = await run(['--demo'], {
      SUMO_OPS_REDIS_URL: 'http://ops:hunter2-redis-password@127.0.0.1:6379',
      SUMO_OPS_CONFIRMATION_SECRET: 'short',
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/SUMO_OPS_REDIS_URL starts with "http:\/\/": use redis:\/\/ or rediss:\/\//);
    expect(stderr).toMatch(/SUMO_OPS_CONFIRMATION_SECRET is too short/);
    expect(stderr).not.toContain('hunter2-redis-password');
    expect(stderr).not.toMatch(/--demo/);
  });

  it('refuses to serve HTTP beyond loopback without MCP_HTTP_TOKEN', async () => {
    const { code, stderr } = await run(['--demo', '--transport', 'http', '--host', '0.0.0.0', '--port', '0']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/MCP_HTTP_TOKEN/);
  });

  it('rejects an unknown toolset with the valid names', async () => {
    const { code, stderr } = await run(['--demo', '--toolsets', 'collectors,logs']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown logs.*collectors, sources, upgrades, search/);
  });

  it('serves only the tools --tools names, and refuses an unknown one at start-up with the valid names', async () => {
    const mcp = await connect(['--demo', '--tools', 'get_collector,run_search']);
    expect((await mcp.listTools()).tools.map((tool) => tool.name).sort()).toEqual([
      'get_collector',
      'run_search',
    ]);
    const { code, stdout, stderr } = await run(['--demo', '--tools', 'get_collector,run_serach']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /--tools "get_collector,run_serach": unknown run_serach; use .*list_collectors.*run_search/,
    );
  });

  it('lists every flag and variable in --help', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const word of [
      '--transport',
      '--port',
      '--host',
      '--allowed-hosts',
      '--toolsets',
      '--tools',
      'X-MCP-Tools',
      'X-MCP-Toolsets',
      'X-MCP-Readonly',
      '--read-only',
      '--time-budget',
      '--demo',
      'SUMO_ACCESS_ID',
      'SUMO_ACCESS_KEY',
      'SUMO_DEPLOYMENT',
      'SUMO_API_URL',
      'MCP_HTTP_TOKEN',
      'LOG_LEVEL',
      'SUMO_OPS_REDIS_URL',
      'SUMO_OPS_KEY_PREFIX',
      'SUMO_OPS_RATE_KEY',
      'SUMO_OPS_CONFIRMATION_SECRET',
    ]) {
      expect(stdout).toContain(word);
    }
  });

  it('runs the pnpm demo tour to the end through a real client', { timeout: 60_000 }, async () => {
    const { code, stdout, stderr } = await run([], {}, DEMO);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/First call → status confirmation_required: nothing has been deleted yet/);
    expect(stdout).toMatch(/Same token again → refused \(isError: true\)/);
    expect(stdout).toMatch(/Upgrade task \S+ started/);
    expect(stdout).toMatch(/^Histogram: [ ▁▂▃▄▅▆▇█]+$/m);
    expect(stdout).toMatch(/^Done$/m);
  });
});
