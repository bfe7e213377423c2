/**
 * Ids across Sumo's APIs: the APIs of its OpenAPI document (OT collectors, health events, ingest
 * budgets) write them as 16 upper-case hex digits (`0000000005F5E105`), the Collector Management
 * API writes the same numbers in decimal (100000005). Matching is therefore by number, written
 * either way; BigInt keeps 16 hex digits exact past 2^53.
 */
const HEX_ID = /^[0-9A-Fa-f]{16}$/;
const DECIMAL_ID = /^[1-9]\d*$/;

/** Whether the text is an id in the hex form: 16 hex digits with a letter or a leading zero (decimal ids have neither). */
export function isHexId(text: string): boolean {
  return HEX_ID.test(text) && (/[A-Fa-f]/.test(text) || text.startsWith('0'));
}

/** The number an id stands for, whichever way it is written; undefined when it is no id. */
export function resourceIdNumber(id: string | number | null | undefined): bigint | undefined {
  if (id === null || id === undefined) return undefined;
  if (typeof id === 'number') return Number.isSafeInteger(id) && id > 0 ? BigInt(id) : undefined;
  const text = id.trim();
  if (isHexId(text)) return BigInt(`0x${text}`);
  if (DECIMAL_ID.test(text)) return BigInt(text);
  return undefined;
}

/** Whether two ids name the same object (`0000000005F5E105` and 100000005 do). */
export function sameResourceId(
  left: string | number | null | undefined,
  right: string | number | null | undefined,
): boolean {
  const a = resourceIdNumber(left);
  return a !== undefined && a === resourceIdNumber(right);
}

/** The hex form these APIs expect in a request (`ResourceIdentity.id`). */
export function toHexId(id: number | bigint): string {
  return BigInt(id).toString(16).toUpperCase().padStart(16, '0');
}

/** The decimal form the Collector Management API takes, when the number can be sent exactly. */
export function toDecimalId(id: string | number): number | undefined {
  const value = resourceIdNumber(id);
  return value !== undefined && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
}
