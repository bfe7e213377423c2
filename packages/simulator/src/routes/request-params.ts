import { orgErrors } from '../org/org-errors.js';
import type { RouteContext } from '../router.js';

/**
 * The docs give defaults but no maximum page size. The simulator caps pages at 1000 so that a
 * client which takes "fewer than I asked for" to mean "last page" is caught in tests.
 */
export const MAX_PAGE_SIZE = 1000;

export function pageParams(query: URLSearchParams, defaultLimit: number): { offset: number; limit: number } {
  const limit = integerParam(query, 'limit', defaultLimit, 1);
  return { offset: integerParam(query, 'offset', 0, 0), limit: Math.min(limit, MAX_PAGE_SIZE) };
}

export function integerParam(
  query: URLSearchParams,
  name: string,
  defaultValue: number,
  min: number,
): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return defaultValue;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min) {
    throw orgErrors.invalidParameter(name, `expected an integer of at least ${min}`);
  }
  return value;
}

/** Ids in paths are Longs; anything else names no collector or source. */
export function idParam(raw: string, notFound: () => Error): number {
  if (!/^\d{1,18}$/.test(raw)) throw notFound();
  const id = Number(raw);
  if (!Number.isSafeInteger(id)) throw notFound();
  return id;
}

export function collectorIdParam(ctx: RouteContext, name: 'id' | 'collectorId'): number {
  return idParam(ctx.param(name), orgErrors.collectorNotFound);
}

/** A request header as one string (repeated headers joined the way HTTP allows). */
export function headerValue(ctx: RouteContext, name: string): string | undefined {
  const value = ctx.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
