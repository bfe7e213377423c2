/**
 * The built bin on a real terminal: util-linux `script` runs it on a pseudo-terminal, so stdin,
 * stdout and stderr are all TTYs, as for a person at a shell.
 */
import { spawn, spawnSync } from 'node:child_process';
import { type Simulator, startRedisServer, startSimulator } from '@sumo-ops/simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, type CliResult, calls, envFor, requireBuiltBin, runCli } from './support/cli.js';

let sim: Simulator;

beforeAll(async () => {
  requireBuiltBin();
  if (spawnSync('script', ['--version']).status !== 0) {
    throw new Error('util-linux `script` is needed for the terminal tests (apt-get install bsdutils).');
  }
  sim = await startSimulator({ rateLimit: { perSecond: 500, concurrent: 20 }, org: { collectors: 30 } });
});
afterAll(async () => sim?.close());
beforeEach(() => sim.counters.reset());

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

/**
 * Runs the bin on a pseudo-terminal; when `answer` is given, types it once the output shows
 * `prompt`. Everything the bin writes (stdout and stderr alike) comes back as `stdout`.
 */
function onTerminal(
  args: readonly string[],
  answer?: { prompt: string; type: string },
  extraEnv: Record<string, string> = {},
): Promise<CliResult> {
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    env: { ...envFor(sim, extraEnv), TERM: 'dumb' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let typed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (answer && !typed && stdout.includes(answer.prompt)) {
        typed = true;
        child.stdin.end(answer.type);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    if (!answer) child.stdin.end();
  });
}

function offlineCollector() {
  const collector = sim.org.collectors().find((c) => c.collectorType === 'Installable' && !c.alive);
  if (!collector) throw new Error('the seeded org has no offline collector');
  return collector;
}

describe('sumo-ops on a terminal', () => {
  it("answers from another run's list of moments before, shared through Redis, and says how old it is", async () => {
    const redis = await startRedisServer();
    try {
      const shared = { SUMO_OPS_REDIS_URL: redis.url };
      // The builds list is reused for 30 s: time enough for two runs on a busy machine.
      const first = await runCli(['list-upgrade-targets'], envFor(sim, shared));
      expect(first.code, first.stderr).toBe(0);
      const second = await onTerminal(['list-upgrade-targets'], undefined, shared);
      expect(second.code, second.stdout).toBe(0);
      expect(second.stdout).toMatch(
        /As of (\d+ s|less than a second) ago: the answer to an identical request/,
      );
      expect(calls(sim, 'GET /v1/collectors/upgrades/targets')).toBe(1);
    } finally {
      await redis.stop();
    }
  });

  it('prints a table, not JSON', async () => {
    const result = await onTerminal(['collectors', 'list', '--limit', '3']);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^id +name +collectorType +alive/m);
    expect(result.stdout).not.toContain('"items"');
  });

  it('asks [y/N] after the preview; "n" changes nothing and exits 2', async () => {
    const { id } = offlineCollector();
    const result = await onTerminal(['collectors', 'delete', String(id)], { prompt: '[y/N]', type: 'n\n' });
    expect(result.stdout).toContain(String(id));
    expect(result.stdout).toContain('Not confirmed; nothing changed.');
    expect(result.code).toBe(2);
    expect(calls(sim, 'DELETE /v1/collectors/:id')).toBe(0);
    expect(sim.org.collectorById(id)).toBeDefined();
  });

  it('asks [y/N] after the preview; "y" deletes exactly once', async () => {
    const { id } = offlineCollector();
    const result = await onTerminal(['collectors', 'delete', String(id)], { prompt: '[y/N]', type: 'y\n' });
    expect(result.code, result.stdout).toBe(0);
    expect(calls(sim, 'DELETE /v1/collectors/:id')).toBe(1);
    expect(sim.org.collectorById(id)).toBeUndefined();
  });

  it('Ctrl-C at the prompt stops the run (exit 130) and changes nothing', async () => {
    const { id } = offlineCollector();
    const result = await onTerminal(['collectors', 'delete', String(id)], { prompt: '[y/N]', type: '\x03' });
    expect(result.code, result.stdout).toBe(130);
    expect(calls(sim, 'DELETE /v1/collectors/:id')).toBe(0);
    expect(sim.org.collectorById(id)).toBeDefined();
  });
});
