import { z } from 'zod';
import { OperationError } from './errors.js';

/** Optimistic locking for updates: the same parameter, refusal and conflict for every object. */
export const etagInput = z
  .string()
  .min(1)
  .optional()
  .describe(
    "The etag from this operation's preview (details.etag). When given, the update is refused if anything changed since that read, instead of overwriting it.",
  );

export function requireEtag(etag: string | undefined, what: string): string {
  if (etag) return etag;
  throw new OperationError(
    `The API sent no ETag for ${what}, so it cannot be updated safely (updates need If-Match).`,
    'etag.missing',
  );
}

/** A 412: reported with the current state; never turned into a retry that overwrites it. */
export function conflictError(
  what: string,
  etagGiven: boolean,
  current: unknown,
  attempted: unknown,
): OperationError {
  return new OperationError(
    `${what} was changed by someone else after ${etagGiven ? 'the read your etag came from' : 'it was read for this update'}, so nothing was written (no overwrite). ` +
      'Its current values are in details.current: check them, and run the update again if your change still applies.',
    'conflict',
    { current, attempted },
  );
}
