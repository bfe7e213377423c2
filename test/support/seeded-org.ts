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
