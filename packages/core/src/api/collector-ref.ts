import type { SumoClient } from '../http/client.js';
import type { Collector } from '../schemas/collector.js';
import {
  type CallOptions,
  type CollectorWithEtag,
  collectorNameProblem,
  getCollector,
  getCollectorByName,
} from './collectors.js';

/** How a person or a model names a collector: by id, or by its exact name. */
export type CollectorRef = { id: number } | { name: string };

const DIGITS = /^\d{1,18}$/;

/**
 * A number, or a string of digits, is an id (models often quote ids); anything else is a name.
 * Throws a RangeError saying what to send instead when the value can name no collector.
 */
export function toCollectorRef(value: number | string): CollectorRef {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${value} is not a collector id.`);
    return { id: value };
  }
  const trimmed = value.trim();
  if (DIGITS.test(trimmed)) return { id: Number(trimmed) };
  const problem = collectorNameProblem(value);
  if (problem) throw new RangeError(`Collector name "${value}" ${problem}.`);
  return { name: value };
}

/** Why the value can name no collector, or undefined when it can (used by input schemas). */
export function collectorRefProblem(value: number | string): string | undefined {
  try {
    toCollectorRef(value);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export function describeRef(ref: CollectorRef): string {
  return 'id' in ref ? `id ${ref.id}` : `"${ref.name}"`;
}

/** One call: `GET /collectors/{id}` or `GET /collectors/name/{name}`, with the ETag. */
export function resolveCollector(
  client: SumoClient,
  ref: CollectorRef,
  options: CallOptions = {},
): Promise<CollectorWithEtag> {
  return 'id' in ref ? getCollector(client, ref.id, options) : getCollectorByName(client, ref.name, options);
}

/** Finds a named collector in a listing already fetched, costing no call. */
export function findCollector(collectors: readonly Collector[], ref: CollectorRef): Collector | undefined {
  return collectors.find((collector) =>
    'id' in ref ? collector.id === ref.id : collector.name === ref.name,
  );
}
