import {
  type RolloutClock,
  type RolloutRecord,
  type RolloutRunner,
  type RolloutRunnerSettings,
  sleep,
} from '@sumo-ops/core';
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

/**
 * Installed, running, below the latest build, seeded to upgrade fine, with sources. Some of these
 * sources send nothing, as in a real org (the seed exceeds an ingest budget that stops collection).
 */
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

/**
 * Follows a rollout to its end, moving the simulated clock to the end of each soak as it begins:
 * long soaks pass at once, and the clock never jumps while a gate's searches run (a search job
 * outlived by a jump of hours is cancelled, as Sumo would).
 */
export function skipSoaks(
  runner: RolloutRunner,
  sim: Simulator,
  id: string,
  /** What happens in the soak, before the clock moves past it. */
  duringSoak?: (record: RolloutRecord) => void,
): Promise<RolloutRecord> {
  return runner.follow(id, {
    onChange: (record) => {
      const wave = record.waves[record.currentWave];
      const soakUntil = wave?.soakUntil ?? 0;
      if (record.state !== 'running' || wave?.phase !== 'soaking' || soakUntil <= sim.clock.now()) return;
      duringSoak?.(record);
      sim.clock.advance(Math.max(0, soakUntil - sim.clock.now()));
    },
  });
}

/** Whether every source of the collector has sent nothing since before now (and still sends nothing). */
export function sendsNothing(sim: Simulator, collectorId: number): boolean {
  const now = sim.clock.now();
  const origins = sim.org.dataOrigins().filter((origin) => origin.collectorId === collectorId);
  return (
    origins.length > 0 &&
    origins.every((origin) =>
      origin.silences.some(([from, to]) => from < now && to === Number.POSITIVE_INFINITY),
    )
  );
}
