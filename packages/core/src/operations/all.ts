import { OperationCatalog } from './catalog.js';
import type { AnyOperation } from './define.js';

/** Every operation the product offers; front ends are generated from this list. */
export const allOperations: AnyOperation[] = [];

export function createCatalog(operations: readonly AnyOperation[] = allOperations): OperationCatalog {
  return new OperationCatalog(operations);
}
