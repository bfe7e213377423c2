import type { SumoClient } from '../http/client.js';
import { SumoApiError } from '../http/errors.js';
import type { SearchJobAffinity } from '../http/search-affinity.js';
import {
  CreatedSearchJobSchema,
  type CreateSearchJobBody,
  type SearchField,
  SearchFieldSchema,
  type SearchJobStatus,
  SearchJobStatusSchema,
  type SearchRow,
} from '../schemas/search-job.js';

/** The API's own ceiling for one page of messages or records. */
export const MAX_SEARCH_PAGE_SIZE = 10_000;

export interface SearchJobCall {
  /** The job's routing (its cookie jar): every call about one job carries the same one. */
  affinity: SearchJobAffinity;
  signal?: AbortSignal | undefined;
}

export interface SearchRowsPage {
  fields: SearchField[];
  rows: SearchRow[];
}

const JOBS_PATH = '/v1/search/jobs';

function jobPath(id: string): string {
  return `${JOBS_PATH}/${encodeURIComponent(id)}`;
}

/**
 * `POST /v1/search/jobs`. Few attempts: a 429 here is more often the 200-active-jobs limit,
 * which waiting a few seconds does not lift, than the request rate, which our limiter respects.
 */
export async function createSearchJob(
  client: SumoClient,
  body: CreateSearchJobBody,
  call: SearchJobCall,
): Promise<string> {
  const response = await client.request({
    method: 'POST',
    path: JOBS_PATH,
    body,
    signal: call.signal,
    retry: { maxAttempts: 3 },
    ...call.affinity.requestOptions(),
  });
  const parsed = CreatedSearchJobSchema.safeParse(response.body);
  if (parsed.success) return parsed.data.id;
  const fromLocation = response.location?.split('/').filter(Boolean).pop();
  if (fromLocation) return decodeURIComponent(fromLocation);
  throw malformed('POST', JOBS_PATH, response.status, 'a search job id', response.body);
}

export async function getSearchJobStatus(
  client: SumoClient,
  id: string,
  call: SearchJobCall,
): Promise<SearchJobStatus> {
  const path = jobPath(id);
  const response = await client.request({
    method: 'GET',
    path,
    signal: call.signal,
    ...call.affinity.requestOptions(),
  });
  const parsed = SearchJobStatusSchema.safeParse(response.body);
  if (!parsed.success) throw malformed('GET', path, response.status, 'a search job status', response.body);
  return parsed.data;
}

export function getSearchJobMessages(
  client: SumoClient,
  id: string,
  offset: number,
  limit: number,
  call: SearchJobCall,
): Promise<SearchRowsPage> {
  return getRows(client, id, 'messages', offset, limit, call);
}

export function getSearchJobRecords(
  client: SumoClient,
  id: string,
  offset: number,
  limit: number,
  call: SearchJobCall,
): Promise<SearchRowsPage> {
  return getRows(client, id, 'records', offset, limit, call);
}

export async function deleteSearchJob(client: SumoClient, id: string, call: SearchJobCall): Promise<void> {
  await client.request({
    method: 'DELETE',
    path: jobPath(id),
    signal: call.signal,
    ...call.affinity.requestOptions(),
  });
}

async function getRows(
  client: SumoClient,
  id: string,
  kind: 'messages' | 'records',
  offset: number,
  limit: number,
  call: SearchJobCall,
): Promise<SearchRowsPage> {
  const path = `${jobPath(id)}/${kind}`;
  const response = await client.request({
    method: 'GET',
    path,
    query: { offset, limit },
    signal: call.signal,
    ...call.affinity.requestOptions(),
  });
  const page = parseRowsPage(response.body, kind);
  if (!page) throw malformed('GET', path, response.status, `a page of ${kind}`, response.body);
  return page;
}

/**
 * Checked by hand rather than with a zod schema: a page holds up to 10,000 rows, and copying each
 * through a schema costs more than the rest of the paging together. It checks the same things:
 * `map` is an object of strings; extra properties are tolerated and dropped.
 */
function parseRowsPage(body: unknown, kind: 'messages' | 'records'): SearchRowsPage | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { fields = [], [kind]: items } = body as Record<string, unknown>;
  const parsedFields = SearchFieldSchema.array().safeParse(fields);
  if (!parsedFields.success || !Array.isArray(items)) return undefined;
  const rows: SearchRow[] = new Array(items.length);
  for (let index = 0; index < items.length; index += 1) {
    const map = (items[index] as { map?: unknown } | null)?.map;
    if (typeof map !== 'object' || map === null) return undefined;
    for (const name in map) if (typeof (map as Record<string, unknown>)[name] !== 'string') return undefined;
    rows[index] = map as SearchRow;
  }
  return { fields: parsedFields.data, rows };
}

function malformed(
  method: string,
  path: string,
  status: number,
  expected: string,
  body: unknown,
): SumoApiError {
  return new SumoApiError({
    status,
    code: 'client.unexpected.response',
    message: `${method} ${path} answered ${status} but the body is not ${expected}.`,
    method,
    path,
    body,
  });
}
