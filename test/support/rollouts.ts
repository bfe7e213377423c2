import { type RolloutClock, type RolloutRunnerSettings, sleep } from '@sumo-ops/core';
import type { Simulator } from '@sumo-ops/simulator';
import { latestVersion } from './seeded-org.js';

/** Soaks and gate windows on the simulator's clock: ten simulated minutes pass in a blink at speed. */
export function simulatorClock(sim: Simulator): RolloutClock {
  return {
    now: () => sim.clock.now(),
    sleep: (ms, signal) => sleep(Math.max(1, ms / Math.max(1, sim.clock.speed)), signal),
  };
}

/**
 * Simulator settings for rollouts at a fast clock: the org's own logs are searchable (the data
 * gate counts them) and a search job outlives the real-time gaps between its polls.
 */
export const ROLLOUT_SEARCH = { fleetLogs: true, corpusSize: 1_000, keepAliveMs: 24 * 3_600_000 } as const;

/** A runner that polls at the pace of a fast simulated clock. */
export function fastRollouts(sim: Simulator): Partial<RolloutRunnerSettings> {
  return {
    clock: simulatorClock(sim),
    pollIntervalMs: 20,
    maxPollIntervalMs: 100,
    followPollMs: 20,
    searchPoll: { initialMs: 20, maxMs: 100 },
    leaseTtlMs: 1_000,
    sweepMs: 100,
  };
}

/** Installed, running, below the latest build, seeded to upgrade fine, with sources sending data. */
export function healthyUpgradable(sim: Simulator, count: number): number[] {
  const latest = latestVersion(sim);
  const ids = sim.org
    .collectors()
    .filter(
      (collector) =>
        collector.collectorType === 'Installable' &&
        collector.alive &&
        collector.collectorVersion !== latest &&
        sim.org.upgradeOutcome(collector.id) === 'succeed' &&
        (sim.org.sources(collector.id)?.length ?? 0) > 0,
    )
    .map((collector) => collector.id);
  if (ids.length < count)
    throw new Error(`The seeded org has ${ids.length} healthy upgradable collectors; enlarge it.`);
  return ids.slice(0, count);
}

/** Upgrade tasks the simulator holds per collector: a wave asked twice shows as 2. */
export function tasksPerCollector(sim: Simulator): Map<number, number> {
  const counts = new Map<number, number>();
  for (const task of sim.org.upgradeTasks())
    counts.set(task.collectorId, (counts.get(task.collectorId) ?? 0) + 1);
  return counts;
}
