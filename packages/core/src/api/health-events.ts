import type { SumoClient } from '../http/client.js';
import { type HealthEvent, HealthEventPageSchema } from '../schemas/health-event.js';
import type { CallOptions } from './collectors.js';
import { parseResponse } from './response.js';
import { type CollectedPages, collectByToken, nextToken, type TokenPage } from './token-paging.js';

/** `limit` of both health-event listings: 1 to 1000. */
export const HEALTH_EVENT_PAGE_MAX = 1000;

/** One page of `GET /v1/healthEvents`: the org's unresolved events. */
export async function listHealthEvents(
  client: SumoClient,
  params: { limit?: number | undefined; token?: string | undefined } = {},
  options: CallOptions = {},
): Promise<TokenPage<HealthEvent>> {
  const response = await client.get(
    '/v1/healthEvents',
    { limit: params.limit, token: params.token },
    { signal: options.signal },
  );
  const page = parseResponse(HealthEventPageSchema, response, 'GET /v1/healthEvents');
  return { items: page.data, next: nextToken(page.next) };
}

/** Every unresolved event of the org, 1000 a call, up to `maxPages` calls. */
export function collectHealthEvents(
  client: SumoClient,
  options: CallOptions & { maxPages?: number | undefined } = {},
): Promise<CollectedPages<HealthEvent>> {
  return collectByToken(
    (token) => listHealthEvents(client, { limit: HEALTH_EVENT_PAGE_MAX, token }, options),
    { ...options, endpoint: 'GET /v1/healthEvents' },
  );
}

/** A resource to ask about: `id` in the hex form, `type` Collector, Source, IngestBudget or Organisation. */
export interface HealthResource {
  id: string;
  type: string;
}

/** One page of `POST /v1/healthEvents/resources`: the unresolved events of these resources. */
export async function listHealthEventsForResources(
  client: SumoClient,
  resources: readonly HealthResource[],
  params: { limit?: number | undefined; token?: string | undefined } = {},
  options: CallOptions = {},
): Promise<TokenPage<HealthEvent>> {
  const response = await client.post(
    '/v1/healthEvents/resources',
    { data: resources.map(({ id, type }) => ({ id, type })) },
    { signal: options.signal, readOnly: true, query: { limit: params.limit, token: params.token } },
  );
  const page = parseResponse(HealthEventPageSchema, response, 'POST /v1/healthEvents/resources');
  return { items: page.data, next: nextToken(page.next) };
}

export function collectHealthEventsForResources(
  client: SumoClient,
  resources: readonly HealthResource[],
  options: CallOptions & { maxPages?: number | undefined } = {},
): Promise<CollectedPages<HealthEvent>> {
  return collectByToken(
    (token) =>
      listHealthEventsForResources(client, resources, { limit: HEALTH_EVENT_PAGE_MAX, token }, options),
    { ...options, endpoint: 'POST /v1/healthEvents/resources' },
  );
}
