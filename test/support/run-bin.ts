import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface RunningBin {
  child: ChildProcess;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** Everything written so far, stdout and stderr interleaved as they arrived. */
  output: () => string;
}

/**
 * A front end's entry point run from source (tsx) with only PATH and the given environment, so
 * no setting of the developer's shell leaks in. Stdin is a pipe: the stdio MCP server serves
 * until it is ended.
 */
export function startSourceBin(
  bin: string,
  env: Record<string, string>,
  args: readonly string[],
): RunningBin {
  let output = '';
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions', '@sumo-ops/source', bin, ...args],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/** `<bin> --check` to the end: its exit code and everything it wrote. */
export async function runCheck(
  bin: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const run = startSourceBin(bin, env, ['--check']);
  run.child.stdin?.end();
  return { code: await run.exited, output: run.output() };
}
