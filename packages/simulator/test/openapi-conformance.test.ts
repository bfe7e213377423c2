import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BUNDLED_OPENAPI_DOCUMENT,
  hexId,
  OpenApiContract,
  SEEDED_BUDGETS,
  type SimOtCollector,
  type Simulator,
} from '../src/index.js';
import { type ApiResponse, api, useSimulator } from './helpers.js';

const contract = OpenApiContract.bundled();

/** An `ErrorResponse` with one error of this code. */
function expectErrorResponse(response: ApiResponse, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.json).toEqual({
    id: expect.stringMatching(/^[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}$/),
    errors: [expect.objectContaining({ code, message: expect.any(String) })],
  });
}

async function listOt(sim: Simulator, body: unknown): Promise<ApiResponse> {
  return api(sim, 'POST', '/v1/otCollectors', { body });
}

/** Walks a token-paged list to its end. */
async function allPages<T>(fetchPage: (token: string | undefined) => Promise<ApiResponse>): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  for (let page = 0; page < 100; page += 1) {
    const response = await fetchPage(token);
    expect(response.status).toBe(200);
    items.push(...response.json.data);
    token = response.json.next;
    if (token === undefined) return items;
  }
  throw new Error('the list never ended');
}

describe("the simulator against Sumo's OpenAPI document", () => {
  const simulator = useSimulator();

  it('keeps the extract byte for byte as Sumo published it (no formatter, no edits to fit)', () => {
    // The sha-256 of ../shared/api-docs/sumologic-openapi-subset.yaml as it was handed over.
    const document = readFileSync(BUNDLED_OPENAPI_DOCUMENT);
    expect(createHash('sha256').update(document).digest('hex')).toBe(
      '161cd4caaf15149ea7278b2e04094c2520c33657faeb99fdd50c0aa3a3fe772d',
    );
  });

  it('answers every operation of the document, successes and documented errors, with responses that validate', async () => {
    const sim = await simulator({ seed: 42, conformance: true });

    // ---- OpenTelemetry collectors ----
    const everyOt = await listOt(sim, {});
    expect(everyOt.status).toBe(200);
    expect(everyOt.json.data).toHaveLength(sim.org.otCollectors.count());
    expect(everyOt.json.next).toBeUndefined();

    const paged = await allPages<SimOtCollector>((next) =>
      listOt(sim, { limit: 2, includeCount: true, ...(next ? { next } : {}) }),
    );
    expect(paged.map(({ id }) => id)).toEqual(everyOt.json.data.map(({ id }: SimOtCollector) => id));
    expect((await listOt(sim, { limit: 2, includeCount: true })).json.count).toBe(everyOt.json.data.length);

    const offline = await listOt(sim, { filters: { alive: false } });
    expect(offline.json.data.map(({ name }: SimOtCollector) => name).sort()).toEqual([
      'otel-dev-batch-01',
      'otel-prod-db-01',
    ]);
    const prodWeb = await listOt(sim, {
      filters: { tags: [[{ key: 'env', values: ['prod'] }], [{ key: 'team', values: ['web', 'db'] }]] },
    });
    expect(prodWeb.json.data.map(({ name }: SimOtCollector) => name)).toEqual([
      'otel-prod-web-01',
      'otel-prod-web-02',
      'otel-prod-db-01',
    ]);
    const outdated = await listOt(sim, {
      filters: {
        collectorVersionRange: { minVersion: 'v0.120.0', rangeType: 'Outside' },
        isRemotelyManaged: null,
      },
      sortBy: 'name',
    });
    expect(outdated.json.data.map(({ name }: SimOtCollector) => name)).toEqual([
      'otel-dev-batch-01',
      'otel-prod-db-01',
      'otel-staging-api-01',
      'OTEL-WIN-IIS-01',
    ]);
    expect((await listOt(sim, { search: 'EKS' })).json.data.map(({ name }: SimOtCollector) => name)).toEqual([
      'otel-eks-prod-node-a',
    ]);
    expect((await listOt(sim, { limit: 1000 })).status).toBe(200);
    expectErrorResponse(await listOt(sim, { limit: 0 }), 400, 'api:invalid_request');
    expectErrorResponse(await listOt(sim, { limit: 1001 }), 400, 'api:invalid_request');
    expectErrorResponse(await listOt(sim, { filters: { alive: 'no' } }), 400, 'api:invalid_request');
    expectErrorResponse(await listOt(sim, { next: 'not-a-token' }), 400, 'api:invalid_continuation_token');
    expectErrorResponse(await listOt(sim, { sortBy: 'colour' }), 400, 'api:invalid_parameter');

    const [first] = everyOt.json.data as SimOtCollector[];
    if (!first) throw new Error('the seeded org has OT collectors');
    const one = await api(sim, 'GET', `/v1/otCollectors/${first.id}`);
    expect(one.json).toEqual(first);
    expectErrorResponse(
      await api(sim, 'GET', '/v1/otCollectors/FFFFFFFFFFFFFFFF'),
      404,
      'otCollector:not_found',
    );

    const byName = await api(
      sim,
      'GET',
      '/v1/otCollectors/otCollectorsByName?names=otel-prod-db-01&names=nobody',
    );
    expect(byName.json.data.map(({ name }: SimOtCollector) => name)).toEqual(['otel-prod-db-01']);
    expectErrorResponse(
      await api(sim, 'GET', '/v1/otCollectors/otCollectorsByName'),
      400,
      'api:invalid_request',
    );

    const total = sim.org.otCollectors.count();
    expect((await api(sim, 'GET', '/v1/otCollectors/totalCount')).json).toEqual({ totalCount: total });

    const deleted = await api(sim, 'DELETE', `/v1/otCollectors/${first.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expectErrorResponse(
      await api(sim, 'DELETE', `/v1/otCollectors/${first.id}`),
      404,
      'otCollector:not_found',
    );

    expect((await api(sim, 'DELETE', '/v1/otCollectors/offline')).status).toBe(204);
    expect((await listOt(sim, { filters: { alive: false } })).json.data).toEqual([]);
    expect(sim.org.otCollectors.count()).toBe(total - 3);

    // ---- Health events ----
    const events = await api(sim, 'GET', '/v1/healthEvents');
    expect(events.status).toBe(200);
    expect(events.json.data.length).toBeGreaterThan(3);
    const pagedEvents = await allPages<{ eventId: string }>((token) =>
      api(sim, 'GET', `/v1/healthEvents?limit=1${token ? `&token=${token}` : ''}`),
    );
    expect(pagedEvents.map(({ eventId }) => eventId)).toEqual(
      events.json.data.map(({ eventId }: { eventId: string }) => eventId),
    );
    expect((await api(sim, 'GET', '/v1/healthEvents?limit=1000')).status).toBe(200);
    expectErrorResponse(await api(sim, 'GET', '/v1/healthEvents?limit=0'), 400, 'api:invalid_request');
    expectErrorResponse(await api(sim, 'GET', '/v1/healthEvents?limit=1001'), 400, 'api:invalid_request');
    expectErrorResponse(await api(sim, 'GET', '/v1/healthEvents?limit=ten'), 400, 'api:invalid_request');
    expectErrorResponse(
      await api(sim, 'GET', '/v1/healthEvents?token=abc'),
      400,
      'api:invalid_continuation_token',
    );

    const s3Event = events.json.data.find(
      (event: { details: { error: string } }) => event.details.error === 'Access denied to Amazon S3 bucket',
    );
    expect(s3Event.resourceIdentity).toMatchObject({
      type: 'Source',
      collectorId: expect.stringMatching(/^[0-9A-F]{16}$/),
    });
    const forCollector = await api(sim, 'POST', '/v1/healthEvents/resources?limit=10', {
      body: { data: [{ id: s3Event.resourceIdentity.collectorId, type: 'Collector' }] },
    });
    expect(forCollector.json.data).toContainEqual(s3Event);
    expectErrorResponse(
      await api(sim, 'POST', '/v1/healthEvents/resources', { body: { resources: [] } }),
      400,
      'api:invalid_request',
    );

    // ---- Ingest budgets v2 ----
    const budgets = await api(sim, 'GET', '/v2/ingestBudgets');
    expect(budgets.json.data.map(({ usageStatus }: { usageStatus: string }) => usageStatus)).toEqual([
      'Exceeded',
      'Approaching',
      'Normal',
      'Unknown',
    ]);
    const pagedBudgets = await allPages<{ id: string }>((token) =>
      api(sim, 'GET', `/v2/ingestBudgets?limit=3${token ? `&token=${token}` : ''}`),
    );
    expect(pagedBudgets).toHaveLength(4);
    expectErrorResponse(await api(sim, 'GET', '/v2/ingestBudgets?limit=1001'), 400, 'api:invalid_request');

    const definition = {
      name: 'Staging',
      scope: '_sourceCategory=*staging*',
      capacityBytes: 5_000_000,
      action: 'keepCollecting',
    };
    const created = await api(sim, 'POST', '/v2/ingestBudgets', { body: definition });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      ...definition,
      usageBytes: 0,
      usageStatus: 'Normal',
      timezone: 'Etc/UTC',
      resetTime: '00:00',
    });
    expectErrorResponse(
      await api(sim, 'POST', '/v2/ingestBudgets', { body: definition }),
      400,
      'ingestBudget:duplicate_name',
    );
    expectErrorResponse(
      await api(sim, 'POST', '/v2/ingestBudgets', {
        body: { ...definition, name: 'Other', action: 'dropEverything' },
      }),
      400,
      'api:invalid_request',
    );
    expectErrorResponse(
      await api(sim, 'POST', '/v2/ingestBudgets', {
        body: { ...definition, name: 'Other', timezone: 'Mars/Olympus' },
      }),
      400,
      'ingestBudget:invalid_timezone',
    );
    expect((await api(sim, 'GET', `/v2/ingestBudgets/${created.json.id}`)).json).toEqual(created.json);
    const updated = await api(sim, 'PUT', `/v2/ingestBudgets/${created.json.id}`, {
      body: { ...definition, capacityBytes: 9_000_000 },
    });
    expect(updated.json).toMatchObject({ capacityBytes: 9_000_000, version: 2 });
    expectErrorResponse(
      await api(sim, 'PUT', '/v2/ingestBudgets/0000000000000001', { body: definition }),
      404,
      'ingestBudget:not_found',
    );
    const exceeded = sim.org.ingestBudgets.byName(SEEDED_BUDGETS.exceeded);
    const reset = await api(sim, 'POST', `/v2/ingestBudgets/${exceeded?.id}/usage/reset`);
    expect(reset.status).toBe(200);
    expect(reset.text).toBe('');
    expect((await api(sim, 'GET', `/v2/ingestBudgets/${exceeded?.id}`)).json).toMatchObject({
      usageBytes: 0,
      usageStatus: 'Normal',
    });
    expectErrorResponse(
      await api(sim, 'POST', '/v2/ingestBudgets/0000000000000001/usage/reset'),
      404,
      'ingestBudget:not_found',
    );
    expect((await api(sim, 'DELETE', `/v2/ingestBudgets/${created.json.id}`)).status).toBe(204);
    expectErrorResponse(
      await api(sim, 'GET', `/v2/ingestBudgets/${created.json.id}`),
      404,
      'ingestBudget:not_found',
    );
    expectErrorResponse(
      await api(sim, 'DELETE', `/v2/ingestBudgets/${created.json.id}`),
      404,
      'ingestBudget:not_found',
    );

    // ---- Installation tokens ----
    const tokenDefinition = {
      name: 'k8s-nodes',
      description: 'for the EKS fleet',
      status: 'Active',
      type: 'CollectorRegistration',
    };
    const token = await api(sim, 'POST', '/v1/tokens', { body: tokenDefinition });
    expect(token.json).toMatchObject({
      name: 'k8s-nodes',
      status: 'Active',
      type: 'CollectorRegistrationTokenResponse',
      version: 0,
    });
    expectErrorResponse(
      await api(sim, 'POST', '/v1/tokens', { body: { ...tokenDefinition, type: 'Anything' } }),
      400,
      'api:invalid_request',
    );
    expect((await api(sim, 'GET', '/v1/tokens')).json.data).toEqual([token.json]);
    expect((await api(sim, 'GET', `/v1/tokens/${token.json.id}`)).json).toEqual(token.json);
    const renamed = await api(sim, 'PUT', `/v1/tokens/${token.json.id}`, {
      body: { ...tokenDefinition, status: 'Inactive', version: 0 },
    });
    expect(renamed.json).toMatchObject({ status: 'Inactive', version: 1 });
    expectErrorResponse(
      await api(sim, 'PUT', `/v1/tokens/${token.json.id}`, { body: { ...tokenDefinition, version: 0 } }),
      409,
      'token:version_conflict',
    );
    expect((await api(sim, 'DELETE', `/v1/tokens/${token.json.id}`)).status).toBe(204);
    expectErrorResponse(await api(sim, 'GET', `/v1/tokens/${token.json.id}`), 404, 'token:not_found');

    // ---- Errors every route shares: credentials, malformed JSON, content type ----
    for (const { method, pathTemplate } of contract.operations()) {
      const path = pathTemplate.replace('{id}', hexId(1));
      expectErrorResponse(await api(sim, method, path, { authorization: null }), 401, 'unauthorized');
    }
    expectErrorResponse(await api(sim, 'POST', '/v1/otCollectors', { body: '{"limit": ' }), 400, 'generic');
    expectErrorResponse(
      await api(sim, 'POST', '/v1/tokens', {
        body: JSON.stringify(tokenDefinition),
        headers: { 'content-type': 'text/plain' },
      }),
      415,
      'contenttype.invalid',
    );

    const responseViolations = sim.conformance.violations().filter(({ side }) => side === 'response');
    expect(responseViolations).toEqual([]);
    const coverage = sim.conformance.coverage();
    for (const { operationId } of contract.operations()) {
      const statuses = coverage[operationId] ?? [];
      expect({ operationId, success: statuses.some((status) => status >= 200 && status < 300) }).toEqual({
        operationId,
        success: true,
      });
      expect({ operationId, error: statuses.some((status) => status >= 400) }).toEqual({
        operationId,
        error: true,
      });
    }
  });

  it('answers injected faults and rate limiting on these paths with ErrorResponse bodies', async () => {
    const sim = await simulator({ conformance: true, rateLimit: { perSecond: 1, concurrent: 10 } });
    sim.setFaults({ rate503: 1, limit: 1, retryAfterSeconds: 2, routes: ['GET /v1/healthEvents'] });
    const unavailable = await api(sim, 'GET', '/v1/healthEvents');
    expectErrorResponse(unavailable, 503, 'service.unavailable');
    expect(unavailable.headers.get('retry-after')).toBe('2');
    expectErrorResponse(await api(sim, 'GET', '/v1/healthEvents'), 429, 'rate.limit.exceeded');
    expect(sim.conformance.exchanges.map(({ status, fault }) => ({ status, fault }))).toEqual([
      { status: 503, fault: '503' },
      { status: 429 },
    ]);
    expect(sim.conformance.violations()).toEqual([]);
  });

  it('reports a misspelt request field as a violation although the service ignores it', async () => {
    const sim = await simulator({ conformance: true });
    const response = await listOt(sim, { filter: { alive: false }, limit: 50 });
    expect(response.status).toBe(200);
    expect(response.json.data).toHaveLength(sim.org.otCollectors.count());
    expect(sim.conformance.violations()).toEqual([
      expect.objectContaining({
        side: 'request',
        location: 'body',
        pointer: '/filter',
        undeclared: true,
        method: 'POST',
        path: '/v1/otCollectors',
      }),
    ]);
  });

  it('reports an undeclared query parameter and an operation the document does not have', async () => {
    const sim = await simulator({ conformance: true });
    expect((await api(sim, 'GET', '/v1/healthEvents?offset=100')).status).toBe(200);
    expectErrorResponse(
      await api(sim, 'PUT', '/v1/otCollectors/totalCount', { body: {} }),
      405,
      'method.unsupported',
    );
    expect(sim.conformance.violations().map(({ location, pointer }) => ({ location, pointer }))).toEqual([
      { location: 'query', pointer: '/offset' },
      { location: 'operation', pointer: '' },
    ]);
  });

  it('fails responses that break the document: a missing required field, a wrong type, the older error body', () => {
    const otCollector = {
      id: hexId(1),
      name: 'n',
      version: { currentVersion: 'v0.120.0-sumo-1' },
      systemInfo: {},
      createdAt: '2026-11-01T00:00:00.000Z',
      createdBy: hexId(2),
      modifiedAt: '2026-11-01T00:00:00.000Z',
      modifiedBy: hexId(2),
    };
    expect(
      contract.validateResponse('GET', `/v1/otCollectors/${hexId(1)}`, { status: 200, body: otCollector }),
    ).toEqual([]);
    const { systemInfo: _dropped, ...withoutSystemInfo } = otCollector;
    expect(
      contract.validateResponse('GET', `/v1/otCollectors/${hexId(1)}`, {
        status: 200,
        body: withoutSystemInfo,
      }),
    ).toEqual([
      expect.objectContaining({
        location: 'response',
        message: "the response must have required property 'systemInfo'",
      }),
    ]);
    expect(
      contract.validateResponse('POST', '/v1/otCollectors', {
        status: 200,
        body: { data: [{ ...otCollector, alive: 'yes' }] },
      }),
    ).toEqual([expect.objectContaining({ pointer: '/data/0/alive' })]);
    expect(
      contract.validateResponse('GET', '/v1/healthEvents', {
        status: 404,
        body: { status: 404, id: 'A', code: 'notfound', message: 'gone' },
      }),
    ).toEqual([expect.objectContaining({ message: "the response must have required property 'errors'" })]);
    expect(
      contract.validateResponse('DELETE', '/v1/otCollectors/offline', { status: 204, body: { deleted: 3 } }),
    ).toHaveLength(1);
  });
});
