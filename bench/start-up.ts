/**
 * Timing a bin's start as a person or an assistant meets it (bench/cold-start, bench/cli-export):
 * the built bin run with `node` and no flag, in the machine's environment (`userEnv`), timed from
 * spawn to the moment that matters.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const APPS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'apps');
export const CLI_BIN = join(APPS, 'cli', 'dist', 'bin.js');
export const MCP_BIN = join(APPS, 'mcp-server', 'dist', 'bin.js');

/**
 * The machine's environment as a user's shell has it, plus the given settings; `node -e 0` runs in
 * the same one. What it holds matters to both sides alike: with NODE_EXTRA_CA_CERTS set (as on
 * these machines) every node process reads that bundle of certificates before anything else.
 * Never NODE_OPTIONS: a user does not start a bin with node flags.
 */
export function userEnv(settings: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _ignored, ...machine } = process.env;
  return { ...machine, ...settings };
}

/** Spawn → exit, e.g. `node -e 0` or `sumo-ops --version`. */
export async function msToExit(args: string[], env: NodeJS.ProcessEnv = userEnv()): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: 'ignore', env });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}`);
  return performance.now() - started;
}

/**
 * A stand-in for Sumo that only notes when a request arrives and answers 401, so a CLI command
 * stops there: spawn → its first API call is what a command's start-up costs.
 */
export class FirstRequestServer {
  readonly #server: Server;
  #arrived: (() => void) | undefined;

  private constructor() {
    this.#server = createServer((request, response) => {
      this.#arrived?.();
      request.resume();
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ status: 401, code: 'unauthorized', message: 'Credential could not be verified.' }),
      );
    });
  }

  static async start(): Promise<FirstRequestServer> {
    const made = new FirstRequestServer();
    made.#server.listen(0, '127.0.0.1');
    await once(made.#server, 'listening');
    return made;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/api`;
  }

  /** Spawn → the first request reaching this server; waits for the bin to exit before resolving. */
  async msToFirstRequest(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
    const arrived = new Promise<void>((resolve) => {
      this.#arrived = resolve;
    });
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: 'ignore', env });
    const exited = once(child, 'exit');
    await Promise.race([arrived, exited.then(() => Promise.reject(new Error(`${args[0]} sent no request`)))]);
    const ms = performance.now() - started;
    await exited;
    return ms;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
