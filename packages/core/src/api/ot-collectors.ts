import type { SumoClient } from '../http/client.js';
import { isSumoApiError } from '../http/errors.js';
import {
  type OtCollector,
  OtCollectorListSchema,
  OtCollectorPageSchema,
  OtCollectorSchema,
} from '../schemas/ot-collector.js';
import { type CallOptions, unpairedSurrogateProblem } from './collectors.js';
import { type DeleteOutcome, deleteOnce, parseResponse } from './response.js';
import { type CollectedPages, collectByToken, nextToken, type TokenPage } from './token-paging.js';

/** `limit` of `PaginatedOTCollectorsRequest`: 1 to 1000. */
export const OT_COLLECTOR_PAGE_MAX = 1000;

/** `filters.tags`: each inner list is one condition group (`[[{key, values}]]`). */
export interface OtTagFilter {
  key: string;
  values: string[];
}

/** The body of `POST /v1/otCollectors` (`PaginatedOTCollectorsRequest`); absent fields are not sent. */
export interface OtCollectorQuery {
  search?: string | undefined;
  filters?:
    | {
        tags?: OtTagFilter[][] | undefined;
        collectorVersionRange?:
          | {
              minVersion?: string | undefined;
              maxVersion?: string | undefined;
              rangeType?: 'Within' | 'Outside' | undefined;
            }
          | undefined;
        alive?: boolean | undefined;
        isRemotelyManaged?: boolean | undefined;
      }
    | undefined;
  sortBy?: string | undefined;
  limit?: number | undefined;
  next?: string | undefined;
  includeCount?: boolean | undefined;
}

export interface OtCollectorPage extends TokenPage<OtCollector> {
  /** Only when asked for with `includeCount`. */
  count: number | undefined;
}

/** JSON leaves out undefined members, but an empty `filters` object is noise: drop it too. */
function queryBody(query: OtCollectorQuery): Record<string, unknown> {
  const filters = Object.fromEntries(
    Object.entries(query.filters ?? {}).filter(([, value]) => value !== undefined),
  );
  return Object.fromEntries(
    Object.entries({ ...query, filters: Object.keys(filters).length > 0 ? filters : undefined }).filter(
      ([, value]) => value !== undefined,
    ),
  );
}

/** One page of `POST /v1/otCollectors`. */
export async function listOtCollectors(
  client: SumoClient,
  query: OtCollectorQuery = {},
  options: CallOptions = {},
): Promise<OtCollectorPage> {
  const response = await client.post('/v1/otCollectors', queryBody(query), {
    signal: options.signal,
    readOnly: true,
  });
  const page = parseResponse(OtCollectorPageSchema, response, 'POST /v1/otCollectors');
  return { items: page.data, next: nextToken(page.next), count: page.count ?? undefined };
}

/** Every OT collector the query matches, page by page (up to `maxPages`). */
export function collectOtCollectors(
  client: SumoClient,
  query: Omit<OtCollectorQuery, 'next' | 'limit'>,
  options: CallOptions & { maxPages?: number } = {},
): Promise<CollectedPages<OtCollector>> {
  return collectByToken(
    (next) => listOtCollectors(client, { ...query, limit: OT_COLLECTOR_PAGE_MAX, next }, options),
    { ...options, endpoint: 'POST /v1/otCollectors' },
  );
}

export async function getOtCollector(
  client: SumoClient,
  id: string,
  options: CallOptions = {},
): Promise<OtCollector> {
  const response = await client.get(`/v1/otCollectors/${encodeURIComponent(id)}`, undefined, {
    signal: options.signal,
  });
  return parseResponse(OtCollectorSchema, response, 'GET /v1/otCollectors/{id}');
}

/**
 * Why a name cannot be looked up with `otCollectorsByName`, or undefined when it can. The names
 * travel in the query string, so `/`, `%` or `;` are fine here (unlike installed collectors'
 * path lookup); but `names` is a list parameter, which services also accept comma-separated, so
 * a comma inside one name could be read as two names.
 */
export function otCollectorNameProblem(name: string): string | undefined {
  if (name.trim() === '') return 'is empty';
  const lone = unpairedSurrogateProblem(name);
  if (lone) return lone;
  if (name.includes(','))
    return 'contains ",", which the by-name lookup may read as two names; use the OT collector\'s id instead';
  return undefined;
}

/** `GET /v1/otCollectors/otCollectorsByName?names=…`: the collectors with exactly these names. */
export async function getOtCollectorsByName(
  client: SumoClient,
  names: readonly string[],
  options: CallOptions = {},
): Promise<OtCollector[]> {
  for (const name of names) {
    const problem = otCollectorNameProblem(name);
    if (problem) throw new RangeError(`OT collector name "${name}" ${problem}.`);
  }
  const response = await client.get(
    '/v1/otCollectors/otCollectorsByName',
    { names },
    { signal: options.signal },
  );
  const { data } = parseResponse(OtCollectorListSchema, response, 'GET /v1/otCollectors/otCollectorsByName');
  // Exact names only: whatever the service's matching, the answer is about the name as typed.
  return data.filter((collector) => names.includes(collector.name));
}

/** The OT collector with this id, or undefined when there is none (404). */
export async function findOtCollector(
  client: SumoClient,
  id: string,
  options: CallOptions = {},
): Promise<OtCollector | undefined> {
  try {
    return await getOtCollector(client, id, options);
  } catch (error) {
    if (isSumoApiError(error) && error.status === 404) return undefined;
    throw error;
  }
}

export function deleteOtCollector(
  client: SumoClient,
  id: string,
  options: CallOptions = {},
): Promise<DeleteOutcome> {
  return deleteOnce(() =>
    client.delete(`/v1/otCollectors/${encodeURIComponent(id)}`, undefined, { signal: options.signal }),
  );
}

/**
 * `DELETE /v1/otCollectors/offline`: every offline OT collector of the org; the API takes no
 * filter. Never replayed after a failure that may have reached the service: a second call would
 * delete what went offline since the confirmed preview.
 */
export async function deleteOfflineOtCollectors(
  client: SumoClient,
  options: CallOptions = {},
): Promise<void> {
  await client.delete('/v1/otCollectors/offline', undefined, { signal: options.signal, replayable: false });
}
