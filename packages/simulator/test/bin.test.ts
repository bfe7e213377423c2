import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../src/cli-options.js';
import { basicAuth } from './helpers.js';

const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));

function runBin(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', BIN, ...args], { stdio: 'pipe' });
}

/** Listens rather than iterating, so the pipe stays open for what the child prints later. */
function readStdoutUntil(child: ChildProcessWithoutNullStreams, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += String(chunk);
      if (pattern.test(output)) resolve(output);
    });
    child.once('exit', () => reject(new Error(`the simulator exited before printing ${pattern}: ${output}`)));
  });
}

describe('parseCliArgs', () => {
  it('maps every flag onto simulator options', () => {
    expect(
      parseCliArgs([
        '--port',
        '4010',
        '--host',
        '0.0.0.0',
        '--seed',
        '9',
        '--collectors',
        '2500',
        '--rate-limit',
        '8/s',
        '--concurrency',
        '3',
        '--clock-speed',
        '60',
        '--messages',
        '5000',
      ]),
    ).toEqual({
      kind: 'start',
      options: {
        port: 4010,
        host: '0.0.0.0',
        seed: 9,
        org: { collectors: 2500 },
        rateLimit: { perSecond: 8, concurrent: 3 },
        clockSpeed: 60,
        search: { fleetLogs: true, corpusSize: 5000 },
      },
    });
    expect(parseCliArgs(['--rate-limit', 'off', '--corpus-only'])).toEqual({
      kind: 'start',
      options: { rateLimit: { enabled: false }, search: { fleetLogs: false } },
    });
    expect(parseCliArgs(['--help'])).toEqual({ kind: 'help' });
  });

  it('rejects bad values and unknown flags with a message', () => {
    expect(() => parseCliArgs(['--port', 'eighty'])).toThrow(/--port/);
    expect(() => parseCliArgs(['--clock-speed', '0'])).toThrow(/--clock-speed/);
    expect(() => parseCliArgs(['--messages', '-1'])).toThrow(/--messages/);
    expect(() => parseCliArgs(['--colectors', '3'])).toThrow();
  });
});

describe('the sumo-ops-simulator bin', () => {
  it('prints the environment to use, serves the API and exits cleanly on SIGTERM', async () => {
    const child = runBin(['--port', '0', '--collectors', '12', '--seed', '5']);
    try {
      const output = await readStdoutUntil(child, /Org: .*\n/);
      const apiUrl = output.match(/^export SUMO_API_URL=(\S+)$/m)?.[1];
      expect(output).toMatch(/^export SUMO_ACCESS_ID=sim-access-id$/m);
      expect(output).toMatch(/^export SUMO_ACCESS_KEY=sim-access-key$/m);
      expect(output).toMatch(/Org: 12 collectors \(\d+ installed, \d+ hosted; .*seed 5/);
      const response = await fetch(`${apiUrl}/v1/collectors`, { headers: { authorization: basicAuth() } });
      const body = (await response.json()) as { collectors: unknown[] };
      expect(body.collectors).toHaveLength(12);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('prints usage for --help and exits 2 on a bad flag', async () => {
    const help = runBin(['--help']);
    const helpText = await readStdoutUntil(help, /--clock-speed/);
    expect(helpText).toContain('Usage: sumo-ops-simulator');
    expect((await once(help, 'exit'))[0]).toBe(0);

    const bad = runBin(['--port', 'x']);
    let stderr = '';
    bad.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    expect((await once(bad, 'exit'))[0]).toBe(2);
    expect(stderr).toContain('--port');
  });
});
