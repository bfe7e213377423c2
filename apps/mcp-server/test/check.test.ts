import { fileURLToPath } from 'node:url';
import { type LocalRedis, type Simulator, startRedisServer, startSimulator } from '@sumo-ops/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck, startSourceBin } from '../../../test/support/run-bin.js';

const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const WRONG_KEY = 'wrong-Access-Key-0123456789abcdef';

let sim: Simulator;
let redis: LocalRedis;

beforeAll(async () => {
  sim = await startSimulator({ rateLimit: { perSecond: 500, concurrent: 10 } });
  redis = await startRedisServer();
});
afterAll(async () => {
  await sim.close();
  await redis.stop();
});

const check = (env: Record<string, string>) => runCheck(BIN, env);

const simEnv = () => ({
  SUMO_API_URL: sim.apiUrl,
  SUMO_ACCESS_ID: 'sim-access-id',
  SUMO_ACCESS_KEY: 'sim-access-key',
});

describe('sumo-ops-mcp --check', () => {
  it('passes with good settings: one line per check, exit 0', async () => {
    const { code, output } = await check(simEnv());
    expect(output).toMatch(/^ok {3}settings: /m);
    expect(output).toMatch(new RegExp(`^ok {3}sumo: ${sim.apiUrl} accepted access id sim-access-id`, 'm'));
    expect(output).not.toMatch(/^ok {3}redis/m);
    expect(output).toContain('All checks passed.');
    expect(code).toBe(0);
  });

  it('also PINGs Redis when SUMO_OPS_REDIS_URL is set', async () => {
    const { code, output } = await check({ ...simEnv(), SUMO_OPS_REDIS_URL: redis.url });
    expect(output).toMatch(/^ok {3}redis: Redis at .* answered PING/m);
    expect(code).toBe(0);
  });

  it('explains a refused key and exits 1, without printing the key', async () => {
    const { code, output } = await check({ ...simEnv(), SUMO_ACCESS_KEY: WRONG_KEY });
    expect(output).toMatch(/^FAIL sumo: .*401/m);
    expect(output).toMatch(/^ {5}fix: SUMO_ACCESS_ID and SUMO_ACCESS_KEY/m);
    expect(output).not.toContain(WRONG_KEY);
    expect(code).toBe(1);
  });

  it('lists every missing or malformed setting before trying any call', async () => {
    const { code, output } = await check({ SUMO_DEPLOYMENT: 'mars', SUMO_OPS_REDIS_URL: 'http://x' });
    for (const name of ['SUMO_ACCESS_ID', 'SUMO_ACCESS_KEY', 'SUMO_DEPLOYMENT', 'SUMO_OPS_REDIS_URL'])
      expect(output).toMatch(new RegExp(`^FAIL settings: ${name}`, 'm'));
    expect(output).not.toMatch(/^(ok|FAIL) {1,3}sumo/m);
    expect(code).toBe(1);
  });
});

describe('sumo-ops-mcp start-up', () => {
  it('logs a warning with the fix when the key is refused, and keeps serving', async () => {
    const run = startSourceBin(BIN, { ...simEnv(), SUMO_ACCESS_KEY: WRONG_KEY }, []);
    try {
      await expect.poll(run.output, { timeout: 15_000 }).toContain('Sumo Logic connection check failed');
      expect(run.output()).toContain('SUMO_ACCESS_KEY must be');
      expect(run.output()).not.toContain(WRONG_KEY);
      expect(run.child.exitCode).toBeNull();
    } finally {
      run.child.stdin?.end();
      expect(await run.exited).toBe(0);
    }
  });
});
