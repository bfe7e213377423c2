import { UnexpectedResponseError } from './response.js';

/** One page of an API paged by continuation token (`next` in the answer, `next`/`token` in the request). */
export interface TokenPage<T> {
  items: T[];
  /** The token of the next page; undefined on the last one. */
  next: string | undefined;
}

export interface CollectedPages<T> {
  items: T[];
  /** API calls made. */
  pages: number;
  /** False when `maxPages` stopped the walk before the last page. */
  complete: boolean;
}

/**
 * Reads a token-paged listing to the end, or to `maxPages`: these APIs say a page may hold fewer
 * items than asked for, so only a missing token ends the walk, never a short page. A token that
 * comes back a second time would walk the same pages for ever (and spend the shared rate budget
 * doing it), so it ends the walk with an error naming the endpoint instead.
 */
export async function collectByToken<T>(
  fetchPage: (token: string | undefined) => Promise<TokenPage<T>>,
  options: { signal?: AbortSignal | undefined; maxPages?: number | undefined; endpoint?: string } = {},
): Promise<CollectedPages<T>> {
  const items: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (let pages = 1; ; pages += 1) {
    options.signal?.throwIfAborted();
    const page = await fetchPage(token);
    items.push(...page.items);
    if (!page.next) return { items, pages, complete: true };
    if (options.maxPages !== undefined && pages >= options.maxPages) return { items, pages, complete: false };
    if (seen.has(page.next)) {
      throw new UnexpectedResponseError(options.endpoint ?? 'A token-paged listing', [
        `next: page ${pages} answered a continuation token already followed, so the listing would never end; ${items.length} items were read before it`,
      ]);
    }
    seen.add(page.next);
    token = page.next;
  }
}

/** `null` and `""` both mean "no more pages" in these APIs' answers. */
export function nextToken(next: string | null | undefined): string | undefined {
  return next ? next : undefined;
}
