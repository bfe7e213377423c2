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

const DIGITS = /^\d+$/;

/**
 * Ids travel as JSON numbers, which are exact only up to 2^53 − 1: a larger id would silently
 * become its neighbour (9007199254740993 is sent as …992), so it is refused instead.
 */
const ID_TOO_LARGE = `is larger than ${Number.MAX_SAFE_INTEGER}, the largest collector id that can be sent exactly; check the id (list_collectors shows them) or use the collector's name`;

/**
 * A number, or a string of digits, is an id (models often quote ids); anything else is a name.
 * Throws a RangeError saying what to send instead when the value can name no collector.
 */
export function toCollectorRef(value: number | string): CollectorRef {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value > Number.MAX_SAFE_INTEGER)
      throw new RangeError(`${value} ${ID_TOO_LARGE}.`);
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${value} is not a collector id.`);
    return { id: value };
  }
  const trimmed = value.trim();
  if (DIGITS.test(trimmed)) {
    const id = Number(trimmed);
    if (!Number.isSafeInteger(id)) throw new RangeError(`${trimmed} ${ID_TOO_LARGE}.`);
    if (id === 0) throw new RangeError('0 is not a collector id.');
    return { id };
  }
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
