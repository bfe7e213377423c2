import { z } from 'zod';
import type { SumoClient } from '../http/client.js';
import {
  type Source,
  type SourceDefinition,
  SourceDefinitionSchema,
  SourceSchema,
} from '../schemas/source.js';
import type { CallOptions } from './collectors.js';
import { type DeleteOutcome, deleteOnce, parseResponse } from './response.js';

const SourceListSchema = z.looseObject({ sources: z.array(SourceSchema) });
const SourceEnvelopeSchema = z.looseObject({ source: SourceSchema });
const DownloadedSourcesSchema = z.looseObject({
  'api.version': z.string().optional(),
  sources: z.array(SourceDefinitionSchema),
});
const DownloadedSourceSchema = z.looseObject({
  'api.version': z.string().optional(),
  source: SourceDefinitionSchema,
});

export interface SourceWithEtag {
  source: Source;
  etag: string | undefined;
}

function sourcesPath(collectorId: number): string {
  return `/v1/collectors/${collectorId}/sources`;
}

/** `GET /collectors/{id}/sources`: every source of the collector (the API does not page it). */
export async function listSources(
  client: SumoClient,
  collectorId: number,
  options: CallOptions = {},
): Promise<Source[]> {
  const response = await client.get(sourcesPath(collectorId), undefined, { signal: options.signal });
  return parseResponse(SourceListSchema, response, 'GET /v1/collectors/{id}/sources').sources;
}

/** `download=true`: the sources as a JSON configuration that can register a new collector. */
export async function downloadSources(
  client: SumoClient,
  collectorId: number,
  options: CallOptions = {},
): Promise<{ apiVersion: string | undefined; sources: SourceDefinition[] }> {
  const response = await client.get(sourcesPath(collectorId), { download: true }, { signal: options.signal });
  const parsed = parseResponse(
    DownloadedSourcesSchema,
    response,
    'GET /v1/collectors/{id}/sources?download=true',
  );
  return { apiVersion: parsed['api.version'], sources: parsed.sources };
}

export async function getSource(
  client: SumoClient,
  collectorId: number,
  sourceId: number,
  options: CallOptions = {},
): Promise<SourceWithEtag> {
  const response = await client.get(`${sourcesPath(collectorId)}/${sourceId}`, undefined, {
    signal: options.signal,
  });
  const { source } = parseResponse(SourceEnvelopeSchema, response, 'GET /v1/collectors/{id}/sources/{id}');
  return { source, etag: response.etag };
}

export async function downloadSource(
  client: SumoClient,
  collectorId: number,
  sourceId: number,
  options: CallOptions = {},
): Promise<{ apiVersion: string | undefined; source: SourceDefinition }> {
  const response = await client.get(
    `${sourcesPath(collectorId)}/${sourceId}`,
    { download: true },
    { signal: options.signal },
  );
  const parsed = parseResponse(
    DownloadedSourceSchema,
    response,
    'GET /v1/collectors/{id}/sources/{id}?download=true',
  );
  return { apiVersion: parsed['api.version'], source: parsed.source };
}

/** `POST /collectors/{id}/sources`: one source per request. */
export async function createSource(
  client: SumoClient,
  collectorId: number,
  source: Record<string, unknown>,
  options: CallOptions = {},
): Promise<SourceWithEtag> {
  const response = await client.post(sourcesPath(collectorId), { source }, { signal: options.signal });
  const parsed = parseResponse(SourceEnvelopeSchema, response, 'POST /v1/collectors/{id}/sources');
  return { source: parsed.source, etag: response.etag };
}

/**
 * The body of a source PUT: the source as read with the changes applied (`null` removes a
 * field). The API wants all modifiable fields, so nothing is left out; `id` and `sourceType`
 * stay as they are.
 */
export function sourceUpdateBody(current: Source, changes: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = { ...current };
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined || field === 'id' || field === 'sourceType') continue;
    if (value === null) delete body[field];
    else body[field] = value;
  }
  return body;
}

/** `PUT` with `If-Match`; a 412 (someone changed the source since it was read) is not retried. */
export async function updateSource(
  client: SumoClient,
  collectorId: number,
  sourceId: number,
  body: Record<string, unknown>,
  etag: string,
  options: CallOptions = {},
): Promise<SourceWithEtag> {
  const response = await client.put(
    `${sourcesPath(collectorId)}/${sourceId}`,
    { source: body },
    { signal: options.signal, headers: { 'if-match': etag } },
  );
  const parsed = parseResponse(SourceEnvelopeSchema, response, 'PUT /v1/collectors/{id}/sources/{id}');
  return { source: parsed.source, etag: response.etag };
}

export function deleteSource(
  client: SumoClient,
  collectorId: number,
  sourceId: number,
  options: CallOptions = {},
): Promise<DeleteOutcome> {
  return deleteOnce(() =>
    client.delete(`${sourcesPath(collectorId)}/${sourceId}`, undefined, { signal: options.signal }),
  );
}
