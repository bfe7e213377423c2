import { describe, expect, it } from 'vitest';
import type { SimCollector, SimSource, Simulator } from '../src/index.js';
import { api, collectorWhere, useSimulator } from './helpers.js';

const uiManagedInstalled = (sim: Simulator): SimCollector =>
  collectorWhere(
    sim,
    (candidate) => candidate.collectorType === 'Installable' && candidate.sourceSyncMode === 'UI',
  );

const jsonManaged = (sim: Simulator): SimCollector =>
  collectorWhere(sim, (candidate) => candidate.sourceSyncMode === 'Json');

function firstSource(sim: Simulator, collectorId: number): SimSource {
  const source = sim.org.sources(collectorId)?.[0];
  if (!source) throw new Error(`collector ${collectorId} has no source`);
  return source;
}

describe('source routes', () => {
  const simulator = useSimulator();

  it('lists the sources of a collector with their type-specific fields', async () => {
    const sim = await simulator({ org: { collectors: 80 } });
    const sourceTypes = new Set<string>();
    for (const collector of sim.org.collectors()) {
      const response = await api(sim, 'GET', `/v1/collectors/${collector.id}/sources`);
      expect(response.status).toBe(200);
      for (const source of response.json.sources as SimSource[]) {
        sourceTypes.add(source.sourceType);
        expect(source).toMatchObject({
          id: expect.any(Number),
          name: expect.any(String),
          alive: collector.alive,
        });
        if (source.sourceType === 'LocalFile') expect(source.pathExpression).toEqual(expect.any(String));
        if (source.sourceType === 'Syslog') expect(source.protocol).toMatch(/^(UDP|TCP)$/);
        if (source.sourceType === 'HTTP') expect(source.url).toMatch(/^https:\/\/.*\/receiver\/v1\/http\//);
        if (source.sourceType === 'Polling') expect(source.thirdPartyRef).toBeDefined();
      }
    }
    for (const expected of ['LocalFile', 'RemoteFileV2', 'Syslog', 'SystemStats', 'HTTP', 'Polling']) {
      expect(sourceTypes).toContain(expected);
    }
  });

  it('downloads the sources as a ready-to-use JSON configuration', async () => {
    const sim = await simulator();
    const collector = uiManagedInstalled(sim);
    const response = await api(sim, 'GET', `/v1/collectors/${collector.id}/sources?download=true`);
    expect(response.json['api.version']).toBe('v1');
    expect(response.json.sources.length).toBe(sim.org.sources(collector.id)?.length);
    for (const source of response.json.sources) {
      expect(source).not.toHaveProperty('id');
      expect(source).not.toHaveProperty('alive');
      expect(source.sourceType).toEqual(expect.any(String));
    }
  });

  it('gets one source with an ETag, or its download form', async () => {
    const sim = await simulator();
    const collector = uiManagedInstalled(sim);
    const source = firstSource(sim, collector.id);
    const response = await api(sim, 'GET', `/v1/collectors/${collector.id}/sources/${source.id}`);
    expect(response.status).toBe(200);
    expect(response.json.source).toEqual(source);
    expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);

    const download = await api(
      sim,
      'GET',
      `/v1/collectors/${collector.id}/sources/${source.id}?download=true`,
    );
    const { id: _id, alive: _alive, ...config } = source;
    expect(download.json).toEqual({ 'api.version': 'v1', source: config });
  });

  it('answers an unknown collector or source with 404', async () => {
    const sim = await simulator();
    const collector = uiManagedInstalled(sim);
    expect((await api(sim, 'GET', '/v1/collectors/1/sources')).json.code).toBe('InvalidCollector');
    const unknownSource = await api(sim, 'GET', `/v1/collectors/${collector.id}/sources/1`);
    expect(unknownSource.status).toBe(404);
    expect(unknownSource.json.code).toBe('notfound');
  });

  it('creates a source with the service defaults filled in', async () => {
    const sim = await simulator();
    const collector = uiManagedInstalled(sim);
    const response = await api(sim, 'POST', `/v1/collectors/${collector.id}/sources`, {
      body: {
        source: {
          sourceType: 'SystemStats',
          name: 'Host_Metrics',
          interval: 60000,
          hostName: 'my_host',
          metrics: ['CPU_User', 'CPU_Sys'],
        },
      },
    });
    expect(response.status).toBe(201);
    expect(response.json.source).toMatchObject({
      id: expect.any(Number),
      name: 'Host_Metrics',
      hostName: 'my_host',
      automaticDateParsing: true,
      multilineProcessingEnabled: true,
      useAutolineMatching: true,
      contentType: 'HostMetrics',
      forceTimeZone: false,
      filters: [],
      cutoffTimestamp: 0,
      encoding: 'UTF-8',
      interval: 60000,
      metrics: ['CPU_User', 'CPU_Sys'],
      sourceType: 'SystemStats',
    });
    expect(sim.org.sources(collector.id)?.some((source) => source.name === 'Host_Metrics')).toBe(true);
  });

  it('gives a new HTTP source its receiver URL', async () => {
    const sim = await simulator();
    const hosted = sim.org.collectors().find((candidate) => candidate.collectorType === 'Hosted');
    const response = await api(sim, 'POST', `/v1/collectors/${hosted?.id}/sources`, {
      body: { source: { sourceType: 'HTTP', name: 'intake' } },
    });
    expect(response.status).toBe(201);
    expect(response.json.source.url).toMatch(/\/receiver\/v1\/http\/\S+$/);
  });

  it('refuses an invalid create with the documented codes', async () => {
    const sim = await simulator();
    const collector = uiManagedInstalled(sim);
    const existing = firstSource(sim, collector.id);
    const cases: Array<[unknown, string]> = [
      [{ source: { name: 'no type' } }, 'EmptySourceType'],
      [{ source: { sourceType: 'Carrier pigeon', name: 'x' } }, 'InvalidSourceType'],
      [{ source: { sourceType: 'HTTP', name: 'hosted-only type' } }, 'InvalidSourceType'],
      [
        { source: { sourceType: 'LocalFile', name: existing.name, pathExpression: '/x' } },
        'DuplicateResourceName',
      ],
      [{ source: { sourceType: 'LocalFile', name: 'with id', id: 1 } }, 'createValidationError'],
      [{ source: { sourceType: 'LocalFile' } }, 'MissingRequiredField'],
      [{ source: { sourceType: 'LocalFile', name: 'n'.repeat(129) } }, 'CollectorNameTooLong'],
    ];
    for (const [body, code] of cases) {
      const response = await api(sim, 'POST', `/v1/collectors/${collector.id}/sources`, { body });
      expect({ status: response.status, code: response.json.code }).toEqual({ status: 400, code });
    }
  });

  it('updates a source with If-Match, refusing a missing (403) or stale (412) ETag', async () => {
    const sim = await simulator();
    const collector = uiManagedInstalled(sim);
    const source = firstSource(sim, collector.id);
    const path = `/v1/collectors/${collector.id}/sources/${source.id}`;
    const etag = (await api(sim, 'GET', path)).headers.get('etag') ?? '';

    expect((await api(sim, 'PUT', path, { body: { source: { ...source, category: 'x' } } })).status).toBe(
      403,
    );
    const updated = await api(sim, 'PUT', path, {
      body: { source: { ...source, category: 'new/category' } },
      headers: { 'if-match': etag },
    });
    expect(updated.status).toBe(200);
    expect(updated.json.source.category).toBe('new/category');
    expect(updated.headers.get('etag')).not.toBe(etag);
    const stale = await api(sim, 'PUT', path, {
      body: { source: { ...source, category: 'lost update' } },
      headers: { 'if-match': etag },
    });
    expect(stale.status).toBe(412);
    expect(sim.org.sources(collector.id)?.find((s) => s.id === source.id)?.category).toBe('new/category');
  });

  it('refuses an update that changes the id or the source type', async () => {
    const sim = await simulator();
    const collector = uiManagedInstalled(sim);
    const source = firstSource(sim, collector.id);
    const path = `/v1/collectors/${collector.id}/sources/${source.id}`;
    const etag = (await api(sim, 'GET', path)).headers.get('etag') ?? '';
    const wrongId = await api(sim, 'PUT', path, {
      body: { source: { ...source, id: source.id + 1 } },
      headers: { 'if-match': etag },
    });
    expect(wrongId.json.code).toBe('BadRequestBladeId');
    const otherType = source.sourceType === 'Syslog' ? 'LocalFile' : 'Syslog';
    const wrongType = await api(sim, 'PUT', path, {
      body: { source: { ...source, sourceType: otherType } },
      headers: { 'if-match': etag },
    });
    expect(wrongType.json.code).toBe('InvalidSourceType');
  });

  it('deletes a source with an empty 200', async () => {
    const sim = await simulator();
    const collector = uiManagedInstalled(sim);
    const source = firstSource(sim, collector.id);
    const response = await api(sim, 'DELETE', `/v1/collectors/${collector.id}/sources/${source.id}`);
    expect(response.status).toBe(200);
    expect(response.text).toBe('');
    expect(sim.org.sources(collector.id)?.some((s) => s.id === source.id)).toBe(false);
  });

  it('refuses to create, update or delete sources of a JSON-managed collector, but still reads them', async () => {
    const sim = await simulator();
    const collector = jsonManaged(sim);
    const source = firstSource(sim, collector.id);
    const sourcesBefore = sim.org.sources(collector.id);
    const path = `/v1/collectors/${collector.id}/sources/${source.id}`;
    const read = await api(sim, 'GET', path);
    expect(read.status).toBe(200);
    const etag = read.headers.get('etag') ?? '';

    const attempts = [
      api(sim, 'POST', `/v1/collectors/${collector.id}/sources`, {
        body: { source: { sourceType: 'LocalFile', name: 'new', pathExpression: '/x' } },
      }),
      api(sim, 'PUT', path, { body: { source }, headers: { 'if-match': etag } }),
      api(sim, 'DELETE', path),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(400);
      expect(response.json).toMatchObject({
        code: 'CannotModifySources',
        message: 'Collector is in JSON mode, user cannot create, delete, or update sources using the API.',
      });
    }
    expect(sim.org.sources(collector.id)).toEqual(sourcesBefore);
  });

  it('applies the JSON-mode refusal as soon as a test switches the sync mode', async () => {
    const sim = await simulator();
    const collector = uiManagedInstalled(sim);
    sim.org.setSourceSyncMode(collector.id, 'Json');
    const response = await api(sim, 'POST', `/v1/collectors/${collector.id}/sources`, {
      body: { source: { sourceType: 'LocalFile', name: 'new', pathExpression: '/x' } },
    });
    expect(response.json.code).toBe('CannotModifySources');
  });
});
