import type { z } from 'zod';
import type { SumoResponse } from '../http/client.js';
import { isSumoApiError } from '../http/errors.js';

/** The API answered 2xx with a body that lacks what we rely on: a contract change, not a user error. */
export class UnexpectedResponseError extends Error {
  override readonly name = 'UnexpectedResponseError';
  constructor(
    readonly endpoint: string,
    readonly issues: string[],
  ) {
    super(`${endpoint} answered with an unexpected body: ${issues.join('; ')}`);
  }
}

/** Parses a response body at the boundary: strict about the fields we use, tolerant of the rest. */
export function parseResponse<S extends z.ZodType>(
  schema: S,
  response: SumoResponse<unknown>,
  endpoint: string,
): z.output<S> {
  const parsed = schema.safeParse(response.body);
  if (!parsed.success) {
    throw new UnexpectedResponseError(
      endpoint,
      parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`),
    );
  }
  return parsed.data;
}

/**
 * Walks an offset/limit listing to the end. A page shorter than asked for ends the walk only
 * where the API documents that it honours the limit we ask (`/collectors`: up to 1000);
 * elsewhere (`stopOnShortPage: false`) only an empty page ends it, at the price of one call.
 */
export async function* paginate<T>(
  fetchPage: (offset: number, limit: number) => Promise<T[]>,
  options: { pageSize: number; stopOnShortPage: boolean; signal?: AbortSignal | undefined },
): AsyncGenerator<T, void, undefined> {
  let offset = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    const page = await fetchPage(offset, options.pageSize);
    yield* page;
    if (page.length === 0 || (options.stopOnShortPage && page.length < options.pageSize)) return;
    offset += page.length;
  }
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** What a DELETE of one object found. */
export interface DeleteOutcome {
  /**
   * True when an earlier attempt's answer was lost and the retry found nothing to delete: that
   * attempt (or someone at the same moment) deleted it. The object is gone either way.
   */
  firstAnswerLost: boolean;
}

/** Runs a DELETE of one object, taking a 404 after a lost answer for the success it is. */
export async function deleteOnce(send: () => Promise<unknown>): Promise<DeleteOutcome> {
  try {
    await send();
    return { firstAnswerLost: false };
  } catch (error) {
    if (isSumoApiError(error) && error.status === 404 && error.outcome === 'unknown')
      return { firstAnswerLost: true };
    throw error;
  }
}
