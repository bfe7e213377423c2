import type { SimCollector, Simulator } from '@sumo-ops/simulator';

/** Picks collectors from the seeded org by what a test needs, not by id, so reseeding keeps tests meaningful. */
export function pickCollector(
  sim: Simulator,
  wanted: (collector: SimCollector) => boolean,
  what: string,
): SimCollector {
  const found = sim.org.collectors().find(wanted);
  if (!found) throw new Error(`The seeded org has no ${what}; enlarge it in the test.`);
  return found;
}

export const latestVersion = (sim: Simulator) =>
  sim.org.upgradeTargets().find((target) => target.latest)?.version ?? '';

/** Running, API-managed, with sources, and not on the latest build: fit for every read and write. */
export const workhorse = (sim: Simulator) =>
  pickCollector(
    sim,
    (collector) =>
      collector.collectorType === 'Installable' &&
      collector.alive &&
      collector.sourceSyncMode === 'UI' &&
      collector.collectorVersion !== latestVersion(sim) &&
      (sim.org.sources(collector.id)?.length ?? 0) > 0,
    'running API-managed installed collector with sources below the latest build',
  );

export const hostedCollector = (sim: Simulator) =>
  pickCollector(sim, (collector) => collector.collectorType === 'Hosted', 'hosted collector');

/**
 * Installed collectors other than `keep`, made offline for `days` days. Ephemeral ones are left
 * alone: the service deletes those after 12 hours offline.
 */
export function takeOffline(sim: Simulator, count: number, days: number, keep: number[] = []): number[] {
  const ids = sim.org
    .collectors()
    .filter(
      (collector) =>
        collector.collectorType === 'Installable' && !collector.ephemeral && !keep.includes(collector.id),
    )
    .slice(0, count)
    .map((collector) => collector.id);
  for (const id of ids) sim.org.setAlive(id, false, sim.clock.now() - days * 86_400_000);
  return ids;
}

export function requestsTo(sim: Simulator, route: string): number {
  return Object.values(sim.counters.byRoute[route] ?? {}).reduce((sum, count) => sum + count, 0);
}
