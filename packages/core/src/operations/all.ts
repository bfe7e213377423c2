import { OperationCatalog } from './catalog.js';
import { collectorOperations } from './collectors.js';
import type { AnyOperation } from './define.js';
import { diagnoseOperations } from './diagnose.js';
import { fleetOperations } from './fleet.js';
import { healthOperations } from './health.js';
import { rolloutOperations } from './rollouts.js';
import { searchOperations } from './search.js';
import { sourceOperations } from './sources.js';
import { upgradeOperations } from './upgrades.js';

/** Every operation the product offers; front ends are generated from this list. */
export const allOperations: AnyOperation[] = [
  ...collectorOperations,
  ...sourceOperations,
  ...upgradeOperations,
  ...searchOperations,
  ...fleetOperations,
  ...healthOperations,
  ...diagnoseOperations,
  ...rolloutOperations,
];

export function createCatalog(operations: readonly AnyOperation[] = allOperations): OperationCatalog {
  return new OperationCatalog(operations);
}
