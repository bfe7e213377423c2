import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * A throwaway `redis-server` on a free loopback port, for tests and benchmarks of the shared-state
 * layer: no system service, no fixed port, nothing kept on disk. It sits beside the simulator as
 * the other stand-in those runs need. `stop()` and `start()` let a test take Redis away mid-run
 * and bring it back on the same port.
 */
export interface LocalRedis {
  url: string;
  port: number;
  readonly running: boolean;
  /** Starts it again on the same port (after `stop`). */
  start(): Promise<void>;
  /** SIGKILL: as abrupt as a crash or a lost network. */
  stop(): Promise<void>;
  /** SIGSTOP: connections stay open but nothing answers, like a hung or partitioned Redis. */
  pause(): void;
  /** SIGCONT after `pause`. */
  resume(): void;
}

export async function startRedisServer(options: { binary?: string } = {}): Promise<LocalRedis> {
  const binary = options.binary ?? process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = async () => {
    if (child) return;
    const started = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--protected-mode',
        'yes',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = started;
    // A test that dies must not leave a redis-server behind.
    process.once('exit', () => started.kill('SIGKILL'));
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(
        () => fail(new Error(`redis-server did not start within 10 s:\n${output}`)),
        10_000,
      );
      const fail = (error: Error) => {
        clearTimeout(timer);
        child = undefined;
        started.kill('SIGKILL');
        reject(error);
      };
      started.once('error', (error: NodeJS.ErrnoException) =>
        fail(
          error.code === 'ENOENT'
            ? new Error(
                `${binary} is not installed: apt-get install -y redis-server (or set REDIS_SERVER_BIN). .ci/run installs it.`,
              )
            : error,
        ),
      );
      started.once('exit', (code) => fail(new Error(`redis-server exited with ${code}:\n${output}`)));
      started.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          started.removeAllListeners('exit');
          started.once('exit', () => {
            if (child === started) child = undefined;
          });
          resolve();
        }
      });
      started.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
    });
  };

  const stop = async () => {
    const running = child;
    if (!running) return;
    child = undefined;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get running() {
      return child !== undefined;
    },
    start,
    stop,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
  };
}

/** A loopback port nothing listens on right now: the OS picks it, and we let it go for the caller. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
