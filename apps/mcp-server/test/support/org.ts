import type { Simulator } from '@sumo-ops/simulator';
import { collectorWhere } from '../../../../test/support/seeded-org.js';

export { callsTo } from '../../../../test/support/seeded-org.js';

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
