/**
 * `sumo-ops collectors rollout` as the built bin, a child process against a simulator over HTTP:
 * each wave printed as it goes, and the exit code says how it ended.
 */
import { type Simulator, startSimulator } from '@sumo-ops/simulator';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { healthyUpgradable, ROLLOUT_SEARCH, tasksPerCollector } from '../../../test/support/rollouts.js';
import { envFor, requireBuiltBin, runCli } from './support/cli.js';

let sim: Simulator | undefined;
beforeAll(() => requireBuiltBin());
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function simulator(bad: boolean): Promise<Simulator> {
  const started = await startSimulator({
    rateLimit: { perSecond: 500, concurrent: 20 },
    org: { collectors: 40 },
    // Upgrades take three simulated minutes: a blink here, so the bin's real-time tracking sees them end.
    clockSpeed: 6_000,
    search: ROLLOUT_SEARCH,
  });
  if (bad)
    started.org.setBadBuild({
      version: started.org.latestVersion,
      share: 1,
      effect: 'stops heartbeating',
      afterMs: 0,
    });
  sim = started;
  return started;
}

describe('sumo-ops collectors rollout', () => {
  it('prints each wave and exits 0 once a good build has gone through every wave', async () => {
    const org = await simulator(false);
    const ids = healthyUpgradable(org, 4);
    const result = await runCli(
      ['collectors', 'rollout', '--collectors', ids.join(','), '--waves', '1,100%', '--soak', '0', '--yes'],
      envFor(org),
    );
    expect(result.stderr).toContain('wave 1 of 2');
    expect(result.stderr).toContain('wave 2 of 2');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      state: 'done',
      waves: [{ phase: 'passed' }, { phase: 'passed' }],
    });
    expect([...tasksPerCollector(org).values()]).toEqual(ids.map(() => 1));
  }, 60_000);

  it('exits 3 when a bad build halts at its canary, naming the collector and why', async () => {
    const org = await simulator(true);
    const ids = healthyUpgradable(org, 4);
    const canary = org.org.collectorById(ids[0] as number);
    const result = await runCli(
      [
        'collectors',
        'rollout',
        '--collectors',
        ids.join(','),
        '--waves',
        '1,10%,100%',
        '--soak',
        '0',
        '--yes',
      ],
      envFor(org),
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/halted: Halted after wave 1/);
    const answer = JSON.parse(result.stdout);
    expect(answer.failures).toContainEqual(
      expect.objectContaining({
        name: canary?.name,
        gate: 'alive',
        reason: expect.stringContaining('not alive'),
      }),
    );
    expect([...tasksPerCollector(org).keys()]).toEqual([canary?.id]);
  }, 60_000);
});
