import { type LocalRedis, type Simulator, startRedisServer, startSimulator } from '@sumo-ops/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envFor, requireBuiltBin, runCli } from './support/cli.js';

let sim: Simulator;
let redis: LocalRedis;

beforeAll(async () => {
  requireBuiltBin();
  sim = await startSimulator({ rateLimit: { perSecond: 500, concurrent: 20 } });
  redis = await startRedisServer();
});
afterAll(async () => {
  await sim?.close();
  await redis?.stop();
});

describe('sumo-ops check', () => {
  it('reports settings, Sumo and Redis one line each and exits 0 when all pass', async () => {
    const result = await runCli(['check'], envFor(sim, { SUMO_OPS_REDIS_URL: redis.url }));
    expect(result.stdout).toMatch(/^ok {3}settings: /m);
    expect(result.stdout).toMatch(/^ok {3}sumo: .*accepted access id sim-access-id/m);
    expect(result.stdout).toMatch(/^ok {3}redis: .*answered PING/m);
    expect(result.code).toBe(0);
  });

  it('explains a refused key (the same wording as the servers) and exits 1', async () => {
    const result = await runCli(['check'], envFor(sim, { SUMO_ACCESS_KEY: 'wrong-Access-Key-0123456789' }));
    expect(result.stdout).toMatch(/^FAIL sumo: .*401/m);
    expect(result.stdout).toMatch(/fix: SUMO_ACCESS_ID and SUMO_ACCESS_KEY must be/);
    expect(result.stdout).not.toContain('wrong-Access-Key-0123456789');
    expect(result.code).toBe(1);
  });

  it('refuses flags it does not know', async () => {
    const result = await runCli(['check', '--fast'], envFor(sim));
    expect(result.stderr).toContain('check takes only --demo');
    expect(result.code).toBe(2);
  });
});
