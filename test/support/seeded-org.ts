import type { SimCollector, Simulator } from '@sumo-ops/simulator';

/**
 * The first seeded collector that fits, picked by what a test needs rather than by id so that
 * reseeding keeps tests meaningful. `what` names it in the failure when the org has none.
 */
export function collectorWhere(
  sim: Simulator,
  predicate: (collector: SimCollector) => boolean,
  what = 'collector like that',
): SimCollector {
  const collector = sim.org.collectors().find(predicate);
  if (!collector) throw new Error(`The seeded org has no ${what}; enlarge it in the test.`);
  return collector;
}

/** Requests to one route (`GET /v1/collectors/upgrades/:upgradeTaskId`), whatever the status. */
export function callsTo(sim: Simulator, route: string): number {
  return Object.values(sim.counters.byRoute[route] ?? {}).reduce((sum, count) => sum + count, 0);
}

export const latestVersion = (sim: Simulator) =>
  sim.org.upgradeTargets().find((target) => target.latest)?.version ?? '';

/** Running, API-managed, with sources, and not on the latest build: fit for every read and write. */
export const workhorse = (sim: Simulator) =>
  collectorWhere(
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
  collectorWhere(sim, (collector) => collector.collectorType === 'Hosted', 'hosted collector');

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
