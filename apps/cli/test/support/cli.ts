import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Simulator } from '@sumo-ops/simulator';

/** The built bin, run as a person or a script would: `pnpm build` comes first. */
export const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

export function requireBuiltBin(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run pnpm build first.`);
}

/** Only the SUMO_* settings of the simulator: what an operator would export. */
export function envFor(sim: Simulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    SUMO_ACCESS_ID: 'sim-access-id',
    SUMO_ACCESS_KEY: 'sim-access-key',
    SUMO_API_URL: sim.apiUrl,
    ...extra,
  };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Spawns the bin with exactly `env` and no terminal; stdin gets `input` (or nothing) and ends. */
export function spawnCli(args: readonly string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
}

export function finished(child: ChildProcess, input = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    // A child may exit before it reads its stdin; that is not the test's failure.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

export function runCli(args: readonly string[], env: Record<string, string>, input = ''): Promise<CliResult> {
  return finished(spawnCli(args, env), input);
}

/** A shell line (pipes, redirections) in which `sumo-ops` is the built bin. */
export function runShell(line: string, env: Record<string, string>, input = ''): Promise<CliResult> {
  const child = spawn('bash', ['-c', `sumo-ops() { "$CLI_NODE" "$CLI_BIN" "$@"; }\n${line}`], {
    env: { ...env, CLI_NODE: process.execPath, CLI_BIN: BIN },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return finished(child, input);
}

/** How many times the simulator answered a route (any status). */
export function calls(sim: Simulator, route: string): number {
  return Object.values(sim.counters.byRoute[route] ?? {}).reduce((sum, count) => sum + count, 0);
}

export async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
