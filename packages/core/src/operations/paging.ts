import { z } from 'zod';

/**
 * Paging parameters shared by every list operation, so models and people see the same words
 * everywhere. Limits are the API's own where it has one.
 */
export function pagingInput(options: { defaultLimit: number; maxLimit: number; what: string }) {
  return {
    limit: limitInput(options, 'offset'),
    offset: z
      .number()
      .int('offset must be a whole number')
      .min(0, 'offset must be 0 or more (0 is the first page)')
      .default(0)
      .describe(
        `How many ${options.what} to skip; pass the previous answer's nextOffset to get the next page.`,
      ),
  };
}

export function pageOutput<T extends z.ZodType>(item: T, what: string) {
  return z.object({
    items: z.array(item).describe(`The ${what} on this page.`),
    offset: z.number().int().describe('Offset of the first item on this page.'),
    limit: z.number().int().describe('Page size that was asked for.'),
    total: z.number().int().optional().describe('Total matching, when known without extra API calls.'),
    nextOffset: z
      .number()
      .int()
      .nullable()
      .describe('Offset of the next page, or null when this is the last page.'),
  });
}

/** Builds a page answer; a short page means there is nothing after it. */
export function toPage<T>(items: T[], offset: number, limit: number, total?: number) {
  const hasMore = total !== undefined ? offset + items.length < total : items.length >= limit;
  return {
    items,
    offset,
    limit,
    ...(total !== undefined ? { total } : {}),
    nextOffset: hasMore ? offset + items.length : null,
  };
}

/** Cuts long text for a reader's context window and says so, instead of silently dropping the rest. */
export function truncateText(text: string, maxLength: number): { text: string; truncated: boolean } {
  if (text.length <= maxLength) return { text, truncated: false };
  return { text: `${text.slice(0, Math.max(0, maxLength - 1))}…`, truncated: true };
}

/**
 * Paging for APIs with continuation tokens (OT collectors, health events, ingest budgets): the
 * answer's `next` goes back as `next`, the same word both ways.
 */
export function tokenPagingInput(options: { defaultLimit: number; maxLimit: number; what: string }) {
  return {
    limit: limitInput(options, 'next'),
    next: z
      .string()
      .min(1, 'next must be the token from the previous answer')
      .optional()
      .describe("The previous answer's next, for the following page."),
  };
}

export function tokenPageOutput<T extends z.ZodType>(item: T, what: string) {
  return z.object({
    items: z.array(item).describe(`The ${what} on this page.`),
    next: z.string().nullable().describe('Pass as next for the following page; null on the last.'),
    total: z.number().int().optional().describe('Total matching, when the API says.'),
  });
}

function limitInput(options: { defaultLimit: number; maxLimit: number; what: string }, further: string) {
  return z
    .number()
    .int('limit must be a whole number')
    .min(1, 'limit must be at least 1')
    .max(options.maxLimit, `limit can be at most ${options.maxLimit}; use ${further} to read further pages`)
    .default(options.defaultLimit)
    .describe(`How many ${options.what} to return (1–${options.maxLimit}, default ${options.defaultLimit}).`);
}
