import type { SumoClient } from '../http/client.js';
import { type IngestBudget, IngestBudgetPageSchema } from '../schemas/ingest-budget.js';
import type { CallOptions } from './collectors.js';
import { parseResponse } from './response.js';
import { type CollectedPages, collectByToken, nextToken, type TokenPage } from './token-paging.js';

/** `limit` of `GET /v2/ingestBudgets`: 1 to 1000. */
export const INGEST_BUDGET_PAGE_MAX = 1000;

/** One page of `GET /v2/ingestBudgets` (v1 budgets are removed). */
export async function listIngestBudgets(
  client: SumoClient,
  params: { limit?: number | undefined; token?: string | undefined } = {},
  options: CallOptions = {},
): Promise<TokenPage<IngestBudget>> {
  const response = await client.get(
    '/v2/ingestBudgets',
    { limit: params.limit, token: params.token },
    { signal: options.signal },
  );
  const page = parseResponse(IngestBudgetPageSchema, response, 'GET /v2/ingestBudgets');
  return { items: page.data, next: nextToken(page.next) };
}

export function collectIngestBudgets(
  client: SumoClient,
  options: CallOptions & { maxPages?: number | undefined } = {},
): Promise<CollectedPages<IngestBudget>> {
  return collectByToken(
    (token) => listIngestBudgets(client, { limit: INGEST_BUDGET_PAGE_MAX, token }, options),
    { ...options, endpoint: 'GET /v2/ingestBudgets' },
  );
}

/**
 * Whether a budget's scope (`key=value`, the value with `*` wildcards, as the OpenAPI document
 * describes it) covers data with these field values, e.g. `_sourceCategory=*prod*nginx*` covers
 * `prod/web/nginx`. Sumo matches field values case-insensitively, so this does too.
 */
export function scopeMatches(scope: string, fields: Readonly<Record<string, string | undefined>>): boolean {
  const equals = scope.indexOf('=');
  if (equals < 0) return false;
  const key = scope.slice(0, equals).trim().toLowerCase();
  const pattern = scope.slice(equals + 1).trim();
  const value = Object.entries(fields).find(([name]) => name.toLowerCase() === key)?.[1];
  if (value === undefined || pattern === '') return false;
  return wildcardRegExp(pattern).test(value);
}

function wildcardRegExp(pattern: string): RegExp {
  const escaped = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`, 'i');
}
