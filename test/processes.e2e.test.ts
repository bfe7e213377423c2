/**
 * The product as it is deployed: the simulator bin and the MCP server bin as separate processes,
 * the server configured only through SUMO_* variables (no --demo), and a real MCP client over
 * stdio. Uses the built dist/ of every package (`pnpm test` builds first).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SIMULATOR_BIN = `${ROOT}packages/simulator/dist/bin.js`;
const MCP_BIN = `${ROOT}apps/mcp-server/dist/bin.js`;

interface ToolAnswer {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: Array<{ type: string; text?: string }>;
  _meta?: Record<string, unknown>;
}

let simulator: ChildProcess;
let env: Record<string, string>;
let client: Client;

async function startSimulatorProcess(): Promise<Record<string, string>> {
  simulator = spawn(
    process.execPath,
    [
      SIMULATOR_BIN,
      '--collectors',
      '60',
      '--messages',
      '20000',
      '--clock-speed',
      '10',
      '--rate-limit',
      '50/s',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  simulator.stdout?.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    // Keep reading after the settings arrive: a closed pipe would kill the simulator on its
    // next line of output.
    simulator.stdout?.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('SUMO_ACCESS_KEY=')) resolve();
    });
    simulator.once('exit', (code) => reject(new Error(`the simulator exited (${code}): ${output}`)));
  });
  const settings: Record<string, string> = {};
  for (const [, name, value] of output.matchAll(/^export (SUMO_\w+)=(\S+)$/gm))
    settings[name as string] = value as string;
  return settings;
}

async function call(name: string, args: Record<string, unknown> = {}): Promise<ToolAnswer> {
  return (await client.callTool({ name, arguments: args })) as ToolAnswer;
}

function text(answer: ToolAnswer): string {
  return answer.content.map((part) => part.text ?? '').join('\n');
}

beforeAll(async () => {
  env = await startSimulatorProcess();
  expect(Object.keys(env).sort()).toEqual(['SUMO_ACCESS_ID', 'SUMO_ACCESS_KEY', 'SUMO_API_URL']);
  client = new Client({ name: 'e2e', version: '0.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [MCP_BIN],
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
      stderr: 'pipe',
    }),
  );
}, 30_000);

afterAll(async () => {
  await client?.close();
  if (simulator && simulator.exitCode === null) {
    simulator.kill('SIGTERM');
    await once(simulator, 'exit');
  }
});

describe('simulator bin ↔ MCP server bin ↔ MCP client, configured by environment only', () => {
  it('serves real (non-demo) answers from the API named by SUMO_API_URL', async () => {
    const answer = await call('list_offline_collectors', { aliveBeforeDays: 1 });
    expect(answer.isError).toBeFalsy();
    const items = (answer.structuredContent?.items ?? []) as Array<{ id: number }>;
    expect(items.length).toBeGreaterThan(0);
    expect(text(answer)).not.toMatch(/simulator \(demo\)/);
  });

  it('deletes offline collectors only after the confirmation round trip', async () => {
    const before = await call('list_offline_collectors', { aliveBeforeDays: 1 });
    const offline = before.structuredContent?.items as unknown[];

    const first = await call('delete_offline_collectors', { aliveBeforeDays: 1 });
    expect(first.structuredContent).toMatchObject({ status: 'confirmation_required' });
    const token = first.structuredContent?.confirmationToken as string;
    const untouched = await call('list_offline_collectors', { aliveBeforeDays: 1 });
    expect(untouched.structuredContent?.items).toHaveLength(offline.length);

    const refused = await call('delete_offline_collectors', { aliveBeforeDays: 2, confirmationToken: token });
    expect(refused.isError).toBe(true);

    const confirmed = await call('delete_offline_collectors', {
      aliveBeforeDays: 1,
      confirmationToken: token,
    });
    expect(confirmed.structuredContent).toMatchObject({ status: 'completed' });
    // The server deletes asynchronously (30 simulated seconds; the clock runs 10× here, slow enough for search keep-alive).
    const offlineNow = async () =>
      ((await call('list_offline_collectors', { aliveBeforeDays: 1 })).structuredContent?.items as unknown[])
        ?.length;
    await expect.poll(offlineNow, { timeout: 10_000, interval: 300 }).toBe(0);
  });

  it('answers a search with a compact summary and leaves no job behind', async () => {
    const answer = await call('run_search', { query: 'error', from: '-24h', to: 'now' });
    expect(answer.isError, text(answer)).toBeFalsy();
    expect(answer.structuredContent).toMatchObject({ jobKept: false });
    const summary = answer.structuredContent?.summary as { messageCount: number } | undefined;
    expect(summary?.messageCount).toBeGreaterThan(0);
    // The summary is held to 4 KB by construction; the rows beside it are the org's own log lines
    // (up to `limit` of maxTextLength each), so the whole answer's size is bench/mcp-overhead's
    // to measure on a fixed corpus, not this test's on the simulated org's changing logs.
    expect(Buffer.byteLength(JSON.stringify(summary))).toBeLessThanOrEqual(4096);
    expect(answer._meta?.['sumo-ops/truncated']).toBeUndefined();
  });

  it('never shows the access key', async () => {
    const answers = await Promise.all([
      call('get_collector', { collector: 'no-such-collector' }),
      call('list_collectors', { limit: 5 }),
    ]);
    for (const answer of answers) expect(JSON.stringify(answer)).not.toContain(env.SUMO_ACCESS_KEY);
  });
});
