import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { DEFAULT_CREDENTIALS, type Simulator } from '@sumo-ops/simulator';

/** The built binary: the root test command builds before running tests. */
export const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

export function requireBuiltBin(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run pnpm build first.`);
}

/** The settings a deployment gives the server to reach the simulator as if it were Sumo Logic. */
export function sumoEnv(sim: Simulator, extra: Record<string, string> = {}): Record<string, string> {
  const [credentials] = DEFAULT_CREDENTIALS;
  return {
    PATH: process.env.PATH ?? '',
    SUMO_API_URL: sim.apiUrl,
    SUMO_ACCESS_ID: credentials?.accessId ?? '',
    SUMO_ACCESS_KEY: credentials?.accessKey ?? '',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export interface BinProcess {
  child: ChildProcess;
  /** Everything written to stderr so far (logs, the shutdown line). */
  stderr(): string;
  /** Resolves with the exit code; rejects if the process is still running after `withinMs`. */
  exited(withinMs: number): Promise<number | null>;
}

export function spawnBin(args: string[], env: Record<string, string>): BinProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (stderr += chunk));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A failed test must not leave a server behind.
  process.once('exit', () => child.kill('SIGKILL'));
  return {
    child,
    stderr: () => stderr,
    exited: (withinMs) =>
      Promise.race([
        exit,
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`still running after ${withinMs} ms:\n${stderr}`)),
            withinMs,
          ).unref(),
        ),
      ]),
  };
}

export interface HttpReplica extends BinProcess {
  /** `http://127.0.0.1:port/mcp` */
  mcpUrl: string;
}

/** `sumo-ops-mcp --transport http` on a free port, resolved once it listens. */
export async function startHttpReplica(env: Record<string, string>): Promise<HttpReplica> {
  const bin = spawnBin(['--transport', 'http', '--port', '0'], env);
  const mcpUrl = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const match = /sumo-ops-mcp listening on (\S+)/.exec(bin.stderr());
      if (match?.[1]) {
        bin.child.stderr?.off('data', onData);
        resolve(match[1]);
      }
    };
    bin.child.stderr?.on('data', onData);
    bin.child.once('exit', (code) => reject(new Error(`sumo-ops-mcp exited (${code}):\n${bin.stderr()}`)));
  });
  return { ...bin, mcpUrl };
}

export async function httpClient(url: string): Promise<Client> {
  const client = new Client({ name: 'replica-test', version: '0.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

export async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}
