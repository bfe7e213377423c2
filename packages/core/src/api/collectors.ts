import { z } from 'zod';
import type { SumoClient } from '../http/client.js';
import {
  type Collector,
  type CollectorFilter,
  CollectorSchema,
  type ModifiableCollectorField,
} from '../schemas/collector.js';
import { type DeleteOutcome, deleteOnce, paginate, parseResponse } from './response.js';

export interface CallOptions {
  signal?: AbortSignal | undefined;
}

/** The documented default (and the most the API hands out in one page). */
export const COLLECTOR_PAGE_SIZE = 1000;
export const DEFAULT_ALIVE_BEFORE_DAYS = 100;

const CollectorListSchema = z.looseObject({ collectors: z.array(CollectorSchema) });
const CollectorEnvelopeSchema = z.looseObject({ collector: CollectorSchema });

export interface CollectorWithEtag {
  collector: Collector;
  /** The validator a later PUT must send in `If-Match`. */
  etag: string | undefined;
}

export interface ListCollectorsParams {
  filter?: CollectorFilter | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

/** One page of `GET /collectors`. */
export async function listCollectors(
  client: SumoClient,
  params: ListCollectorsParams = {},
  options: CallOptions = {},
): Promise<Collector[]> {
  const response = await client.get(
    '/v1/collectors',
    {
      filter: params.filter === 'all' ? undefined : params.filter,
      limit: params.limit,
      offset: params.offset,
    },
    { signal: options.signal },
  );
  return parseResponse(CollectorListSchema, response, 'GET /v1/collectors').collectors;
}

/** Every collector matching the filter, page after page (not just the first page). */
export function iterateCollectors(
  client: SumoClient,
  params: { filter?: CollectorFilter | undefined; pageSize?: number } = {},
  options: CallOptions = {},
): AsyncGenerator<Collector, void, undefined> {
  return paginate(
    (offset, limit) => listCollectors(client, { filter: params.filter, offset, limit }, options),
    {
      pageSize: params.pageSize ?? COLLECTOR_PAGE_SIZE,
      stopOnShortPage: true,
      signal: options.signal,
    },
  );
}

/** Why a number of days is refused by the offline endpoints, or undefined when it is fine. */
export function aliveBeforeDaysProblem(days: number): string | undefined {
  return Number.isInteger(days) && days >= 1 ? undefined : 'must be a whole number of days, at least 1';
}

function checkAliveBeforeDays(days: number): void {
  const problem = aliveBeforeDaysProblem(days);
  if (problem) throw new RangeError(`aliveBeforeDays ${problem} (got ${days}).`);
}

/** One page of `GET /collectors/offline`: installed collectors last seen before `aliveBeforeDays`. */
export async function listOfflineCollectors(
  client: SumoClient,
  params: { aliveBeforeDays?: number; limit?: number; offset?: number } = {},
  options: CallOptions = {},
): Promise<Collector[]> {
  const aliveBeforeDays = params.aliveBeforeDays ?? DEFAULT_ALIVE_BEFORE_DAYS;
  checkAliveBeforeDays(aliveBeforeDays);
  const response = await client.get(
    '/v1/collectors/offline',
    { aliveBeforeDays, limit: params.limit, offset: params.offset },
    { signal: options.signal },
  );
  return parseResponse(CollectorListSchema, response, 'GET /v1/collectors/offline').collectors;
}

export function iterateOfflineCollectors(
  client: SumoClient,
  params: { aliveBeforeDays?: number; pageSize?: number } = {},
  options: CallOptions = {},
): AsyncGenerator<Collector, void, undefined> {
  return paginate(
    (offset, limit) =>
      listOfflineCollectors(client, { aliveBeforeDays: params.aliveBeforeDays, offset, limit }, options),
    { pageSize: params.pageSize ?? COLLECTOR_PAGE_SIZE, stopOnShortPage: true, signal: options.signal },
  );
}

export async function getCollector(
  client: SumoClient,
  id: number,
  options: CallOptions = {},
): Promise<CollectorWithEtag> {
  const response = await client.get(`/v1/collectors/${id}`, undefined, { signal: options.signal });
  const { collector } = parseResponse(CollectorEnvelopeSchema, response, 'GET /v1/collectors/{id}');
  return { collector, etag: response.etag };
}

const UNSUPPORTED_NAME_CHARACTERS = [';', '/', '%', '\\'] as const;

/** A UTF-16 surrogate not paired with its other half (a `u` regex treats a whole pair as one character). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Why a name cannot be looked up with `GET /collectors/name/…`, or undefined when it can. */
export function collectorNameProblem(name: string): string | undefined {
  if (name.trim() === '') return 'is empty';
  const lone = unpairedSurrogateProblem(name);
  if (lone) return lone;
  // A path segment of `.` or `..` is resolved away by URL rules: `..` would turn the lookup into a listing.
  if (name === '.' || name === '..')
    return 'is a path segment ("." or "..") that the API cannot look up by name; use the collector\'s id instead';
  const found = UNSUPPORTED_NAME_CHARACTERS.filter((character) => name.includes(character));
  if (found.length === 0) return undefined;
  return `contains ${found.map((character) => `"${character}"`).join(', ')}, which the API cannot look up by name (not even URL-encoded); use the collector's id instead`;
}

/** Why text cannot be sent at all: a lone surrogate has no UTF-8 form (encodeURIComponent throws "URI malformed"). */
export function unpairedSurrogateProblem(text: string): string | undefined {
  return LONE_SURROGATE.test(text)
    ? 'contains a broken character (half of a UTF-16 surrogate pair) that cannot be sent; retype the name'
    : undefined;
}

/**
 * The path of a name lookup, following the documented rules: spaces (and anything else outside
 * the URL alphabet) percent-encoded, and a trailing `/` when the name has a `.`, without which
 * the service takes the part after the dot for a file extension.
 */
export function collectorNamePath(name: string): string {
  const problem = collectorNameProblem(name);
  if (problem) throw new RangeError(`Collector name "${name}" ${problem}.`);
  return `/v1/collectors/name/${encodeURIComponent(name)}${name.includes('.') ? '/' : ''}`;
}

export async function getCollectorByName(
  client: SumoClient,
  name: string,
  options: CallOptions = {},
): Promise<CollectorWithEtag> {
  const response = await client.get(collectorNamePath(name), undefined, { signal: options.signal });
  const { collector } = parseResponse(CollectorEnvelopeSchema, response, 'GET /v1/collectors/name/{name}');
  return { collector, etag: response.etag };
}

export interface HostedCollectorInput {
  name: string;
  description?: string | undefined;
  category?: string | undefined;
  timeZone?: string | undefined;
  fields?: Record<string, string> | undefined;
}

/** `POST /collectors`; the API only creates hosted collectors (installed ones register themselves). */
export async function createHostedCollector(
  client: SumoClient,
  input: HostedCollectorInput,
  options: CallOptions = {},
): Promise<CollectorWithEtag> {
  const collector = Object.fromEntries(
    Object.entries({ collectorType: 'Hosted', ...input }).filter(([, value]) => value !== undefined),
  );
  const response = await client.post('/v1/collectors', { collector }, { signal: options.signal });
  const parsed = parseResponse(CollectorEnvelopeSchema, response, 'POST /v1/collectors');
  return { collector: parsed.collector, etag: response.etag };
}

/** Changes to a collector's modifiable fields; `null` clears an optional field. */
export type CollectorChanges = Partial<Record<ModifiableCollectorField, unknown>>;

/**
 * The body of a PUT: the current collector as read (the API wants every required field and
 * the not-modifiable ones unchanged) with only the requested modifiable fields replaced.
 */
export function collectorUpdateBody(current: Collector, changes: CollectorChanges): Record<string, unknown> {
  const { links: _links, ...body } = current as Collector & Record<string, unknown>;
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    if (value === null) delete body[field];
    else body[field] = value;
  }
  return body;
}

/**
 * `PUT /collectors/{id}` with `If-Match`. A stale ETag fails with 412 and is never retried or
 * re-read here: re-fetching the ETag to retry would silently overwrite someone else's change.
 */
export async function updateCollector(
  client: SumoClient,
  id: number,
  body: Record<string, unknown>,
  etag: string,
  options: CallOptions = {},
): Promise<CollectorWithEtag> {
  const response = await client.put(
    `/v1/collectors/${id}`,
    { collector: body },
    { signal: options.signal, headers: { 'if-match': etag } },
  );
  const parsed = parseResponse(CollectorEnvelopeSchema, response, 'PUT /v1/collectors/{id}');
  return { collector: parsed.collector, etag: response.etag };
}

export function deleteCollector(
  client: SumoClient,
  id: number,
  options: CallOptions = {},
): Promise<DeleteOutcome> {
  return deleteOnce(() => client.delete(`/v1/collectors/${id}`, undefined, { signal: options.signal }));
}

/**
 * `DELETE /collectors/offline`: the service only starts a deletion task and removes the
 * collectors later, so the answer says nothing about which were deleted.
 */
export async function deleteOfflineCollectors(
  client: SumoClient,
  aliveBeforeDays: number = DEFAULT_ALIVE_BEFORE_DAYS,
  options: CallOptions = {},
): Promise<{ message: string }> {
  checkAliveBeforeDays(aliveBeforeDays);
  const response = await client.delete(
    '/v1/collectors/offline',
    { aliveBeforeDays },
    { signal: options.signal },
  );
  const message =
    typeof response.body === 'string' && response.body
      ? response.body
      : 'The delete task has been initiated.';
  return { message };
}
