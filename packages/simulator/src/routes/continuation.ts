import { fleetErrors } from '../org/fleet-errors.js';

/** The page size the document gives as `limit`'s default. */
export const DEFAULT_PAGE_LIMIT = 100;

/**
 * One page of `items` and the token for the next, for the document's token-paged lists. The
 * token is opaque to clients (an offset here); `next` is left out on the last page because the
 * document types it as a string, never null.
 */
export function pageOf<T>(
  items: readonly T[],
  limit: number,
  token: string | undefined,
  tokenName: 'token' | 'next',
): { data: T[]; next?: string } {
  const offset = token === undefined ? 0 : offsetOf(token, tokenName);
  const data = items.slice(offset, offset + limit);
  const nextOffset = offset + data.length;
  return nextOffset < items.length ? { data, next: tokenFor(nextOffset) } : { data };
}

/** `limit` from a query the request validator has already checked against the document. */
export function limitParam(query: URLSearchParams): number {
  const raw = query.get('limit');
  return raw === null ? DEFAULT_PAGE_LIMIT : Number(raw);
}

export function tokenParam(query: URLSearchParams): string | undefined {
  return query.get('token') ?? undefined;
}

function tokenFor(offset: number): string {
  return Buffer.from(`page:${offset}`).toString('base64url');
}

function offsetOf(token: string, tokenName: 'token' | 'next'): number {
  const match = /^page:(\d{1,9})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match?.[1]) throw fleetErrors.invalidContinuationToken(tokenName);
  return Number(match[1]);
}
