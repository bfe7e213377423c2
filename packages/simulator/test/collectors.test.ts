import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../src/durations.js';
import type { SimCollector } from '../src/index.js';
import { api, useSimulator } from './helpers.js';

describe('collector routes', () => {
  const simulator = useSimulator();

  describe('GET /v1/collectors', () => {
    it('lists every collector with the documented fields, in id order', async () => {
      const sim = await simulator({ org: { collectors: 30 } });
      const response = await api(sim, 'GET', '/v1/collectors');
      expect(response.status).toBe(200);
      const collectors: SimCollector[] = response.json.collectors;
      expect(collectors).toHaveLength(30);
      expect(collectors.map((collector) => collector.id)).toEqual(
        [...collectors.map((collector) => collector.id)].sort((a, b) => a - b),
      );
      const installed = collectors.find((collector) => collector.collectorType === 'Installable');
      expect(installed).toMatchObject({
        id: expect.any(Number),
        name: expect.any(String),
        alive: expect.any(Boolean),
        ephemeral: expect.any(Boolean),
        collectorVersion: expect.stringMatching(/^\d+\.\d+-\d+$/),
        osName: expect.any(String),
        osVersion: expect.any(String),
        osArch: expect.any(String),
        lastSeenAlive: expect.any(Number),
        sourceSyncMode: expect.stringMatching(/^(UI|Json)$/),
        links: [{ rel: 'sources', href: `/v1/collectors/${installed?.id}/sources` }],
      });
    });

    it('filters by installed, hosted, alive and dead', async () => {
      const sim = await simulator({ org: { collectors: 60 } });
      const list = async (filter: string): Promise<SimCollector[]> =>
        (await api(sim, 'GET', `/v1/collectors?filter=${filter}`)).json.collectors;
      const [installed, hosted, alive, dead] = await Promise.all(
        ['installed', 'hosted', 'alive', 'dead'].map((filter) => list(filter)),
      );
      expect(installed?.every((collector) => collector.collectorType === 'Installable')).toBe(true);
      expect(hosted?.every((collector) => collector.collectorType === 'Hosted')).toBe(true);
      expect(alive?.every((collector) => collector.alive)).toBe(true);
      expect(dead?.every((collector) => !collector.alive)).toBe(true);
      expect((installed?.length ?? 0) + (hosted?.length ?? 0)).toBe(60);
      expect((alive?.length ?? 0) + (dead?.length ?? 0)).toBe(60);
      expect(hosted?.length).toBeGreaterThan(0);
      expect(dead?.length).toBeGreaterThan(0);
    });

    it('pages with limit and offset, defaults to 1000 and never returns more than 1000', async () => {
      const sim = await simulator({ org: { collectors: 1200 } });
      const all = sim.org.collectors().map((collector) => collector.id);
      const firstDefault = await api(sim, 'GET', '/v1/collectors');
      expect(firstDefault.json.collectors).toHaveLength(1000);
      const oversized = await api(sim, 'GET', '/v1/collectors?limit=5000');
      expect(oversized.json.collectors).toHaveLength(1000);
      const page = await api(sim, 'GET', '/v1/collectors?limit=7&offset=1195');
      expect(page.json.collectors.map((collector: SimCollector) => collector.id)).toEqual(all.slice(1195));
    });

    it('refuses an unknown filter or a bad limit with 400', async () => {
      const sim = await simulator();
      for (const query of ['filter=zombie', 'limit=0', 'limit=abc', 'offset=-1']) {
        const response = await api(sim, 'GET', `/v1/collectors?${query}`);
        expect(response.status).toBe(400);
        expect(response.json.code).toBe('InvalidParameter');
      }
    });
  });

  describe('GET /v1/collectors/offline', () => {
    it('lists installed collectors offline for at least aliveBeforeDays (default 100)', async () => {
      const sim = await simulator({ org: { collectors: 200 } });
      const now = sim.clock.now();
      const byDefault: SimCollector[] = (await api(sim, 'GET', '/v1/collectors/offline')).json.collectors;
      expect(byDefault.length).toBeGreaterThan(0);
      for (const collector of byDefault) {
        expect(collector.collectorType).toBe('Installable');
        expect(collector.alive).toBe(false);
        expect(collector.lastSeenAlive).toBeLessThan(now - 100 * DAY_MS);
      }
      const tenDays: SimCollector[] = (await api(sim, 'GET', '/v1/collectors/offline?aliveBeforeDays=10'))
        .json.collectors;
      expect(tenDays.length).toBeGreaterThan(byDefault.length);
      const expected = sim.org
        .collectors()
        .filter(
          (c) => c.collectorType === 'Installable' && !c.alive && (c.lastSeenAlive ?? 0) < now - 10 * DAY_MS,
        );
      expect(tenDays.map((c) => c.id)).toEqual(expected.map((c) => c.id));
      const paged = await api(sim, 'GET', '/v1/collectors/offline?aliveBeforeDays=10&limit=2&offset=1');
      expect(paged.json.collectors.map((c: SimCollector) => c.id)).toEqual(
        expected.slice(1, 3).map((c) => c.id),
      );
    });

    it('requires aliveBeforeDays of at least 1', async () => {
      const sim = await simulator();
      const response = await api(sim, 'GET', '/v1/collectors/offline?aliveBeforeDays=0');
      expect(response.status).toBe(400);
      expect(response.json.code).toBe('InvalidParameter');
    });
  });

  describe('GET /v1/collectors/:id and /v1/collectors/name/:name', () => {
    it('returns one collector with an ETag', async () => {
      const sim = await simulator();
      const [expected] = sim.org.collectors();
      const response = await api(sim, 'GET', `/v1/collectors/${expected?.id}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
      expect(response.json.collector).toMatchObject({ id: expected?.id, name: expected?.name });
    });

    it('answers an unknown or malformed id with 404 InvalidCollector', async () => {
      const sim = await simulator();
      for (const id of ['1', 'abc']) {
        const response = await api(sim, 'GET', `/v1/collectors/${id}`);
        expect(response.status).toBe(404);
        expect(response.json).toMatchObject({
          code: 'InvalidCollector',
          message: 'The specified Collector ID is invalid.',
        });
      }
    });

    it('finds a collector by a URL-encoded name with spaces', async () => {
      const sim = await simulator();
      const hosted = sim.org.collectors().find((collector) => collector.name.includes(' '));
      expect(hosted).toBeDefined();
      const response = await api(sim, 'GET', `/v1/collectors/name/${encodeURIComponent(hosted?.name ?? '')}`);
      expect(response.status).toBe(200);
      expect(response.json.collector.id).toBe(hosted?.id);
      expect(response.headers.get('etag')).toBeTruthy();
    });

    it('needs a trailing slash for names with a period, as documented', async () => {
      const sim = await simulator();
      const dotted = sim.org.collectors().find((collector) => collector.name.includes('.'));
      expect(dotted).toBeDefined();
      const name = dotted?.name ?? '';
      expect((await api(sim, 'GET', `/v1/collectors/name/${name}/`)).json.collector.id).toBe(dotted?.id);
      const withoutSlash = await api(sim, 'GET', `/v1/collectors/name/${name}`);
      expect(withoutSlash.status).toBe(404);

      await api(sim, 'POST', '/v1/collectors', {
        body: { collector: { collectorType: 'Hosted', name: 'Staging' } },
      });
      const truncated = await api(sim, 'GET', '/v1/collectors/name/Staging.Area');
      expect(truncated.json.collector.name).toBe('Staging');
    });

    it('does not support names with / ; % or \\ even when encoded', async () => {
      const sim = await simulator();
      const response = await api(sim, 'GET', `/v1/collectors/name/${encodeURIComponent('a/b')}`);
      expect(response.status).toBe(404);
    });

    it('is not confused by the literal routes that share the /v1/collectors prefix', async () => {
      const sim = await simulator();
      expect((await api(sim, 'GET', '/v1/collectors/offline')).json.collectors).toBeDefined();
      expect((await api(sim, 'GET', '/v1/collectors/upgrades/targets')).json.targets).toBeDefined();
      expect((await api(sim, 'GET', '/v1/collectors/upgrades/collectors')).json.collectors).toBeDefined();
      expect((await api(sim, 'GET', '/v1/collectors/upgrades')).status).toBe(405);
    });
  });

  describe('POST /v1/collectors', () => {
    it('creates a hosted collector', async () => {
      const sim = await simulator();
      const response = await api(sim, 'POST', '/v1/collectors', {
        body: {
          collector: {
            collectorType: 'Hosted',
            name: 'My Hosted Collector',
            description: 'An example Hosted Collector',
            category: 'HTTP Collection',
            fields: { _budget: 'test_budget' },
          },
        },
      });
      expect(response.status).toBe(201);
      expect(response.headers.get('etag')).toBeTruthy();
      const created = response.json.collector;
      expect(created).toMatchObject({
        id: expect.any(Number),
        name: 'My Hosted Collector',
        description: 'An example Hosted Collector',
        category: 'HTTP Collection',
        timeZone: 'UTC',
        fields: { _budget: 'test_budget' },
        links: [{ rel: 'sources', href: `/v1/collectors/${created.id}/sources` }],
        collectorType: 'Hosted',
        collectorVersion: '',
        lastSeenAlive: expect.any(Number),
        alive: true,
      });
      expect(sim.org.collectorById(created.id)?.name).toBe('My Hosted Collector');
    });

    it('refuses installed collectors, ids, duplicates, missing and over-long names', async () => {
      const sim = await simulator();
      const [existing] = sim.org.collectors();
      const cases: Array<[unknown, string]> = [
        [{ collector: { collectorType: 'Installable', name: 'x' } }, 'InvalidCollectorType'],
        [{ collector: { name: 'no type' } }, 'InvalidCollectorType'],
        [{ collector: { collectorType: 'Hosted', name: 'x', id: 5 } }, 'createValidationError'],
        [{ collector: { collectorType: 'Hosted', name: existing?.name } }, 'DuplicateResourceName'],
        [{ collector: { collectorType: 'Hosted' } }, 'MissingRequiredField'],
        [{ collector: { collectorType: 'Hosted', name: 'n'.repeat(129) } }, 'CollectorNameTooLong'],
        [
          { collector: { collectorType: 'Hosted', name: 'd', description: 'd'.repeat(1025) } },
          'CollectorDescriptionTooLong',
        ],
        [{ name: 'not wrapped' }, 'MissingRequiredField'],
      ];
      for (const [body, code] of cases) {
        const response = await api(sim, 'POST', '/v1/collectors', { body });
        expect({ status: response.status, code: response.json.code }).toEqual({ status: 400, code });
      }
    });
  });

  describe('PUT /v1/collectors/:id', () => {
    async function fetchForUpdate(sim: Parameters<typeof api>[0], id: number) {
      const response = await api(sim, 'GET', `/v1/collectors/${id}`);
      return { collector: response.json.collector, etag: response.headers.get('etag') ?? '' };
    }

    it('updates modifiable fields with the ETag of a previous GET and issues a new ETag', async () => {
      const sim = await simulator();
      const target = sim.org.collectors().find((collector) => collector.collectorType === 'Installable');
      const { collector, etag } = await fetchForUpdate(sim, target?.id ?? 0);
      const response = await api(sim, 'PUT', `/v1/collectors/${collector.id}`, {
        body: { collector: { ...collector, ephemeral: true, description: 'now ephemeral', name: 'renamed' } },
        headers: { 'if-match': etag },
      });
      expect(response.status).toBe(200);
      expect(response.json.collector).toMatchObject({
        ephemeral: true,
        description: 'now ephemeral',
        name: 'renamed',
      });
      expect(response.headers.get('etag')).not.toBe(etag);
      expect(sim.org.collectorByName('renamed')?.id).toBe(collector.id);
      expect(sim.org.collectorByName(collector.name)).toBeUndefined();
    });

    it('answers a missing If-Match with 403 and a stale one with 412', async () => {
      const sim = await simulator();
      const [first] = sim.org.collectors();
      const { collector, etag } = await fetchForUpdate(sim, first?.id ?? 0);
      const missing = await api(sim, 'PUT', `/v1/collectors/${collector.id}`, { body: { collector } });
      expect(missing.status).toBe(403);
      expect(missing.json.status).toBe(403);

      const updated = await api(sim, 'PUT', `/v1/collectors/${collector.id}`, {
        body: { collector: { ...collector, description: 'first writer' } },
        headers: { 'if-match': etag },
      });
      expect(updated.status).toBe(200);
      const stale = await api(sim, 'PUT', `/v1/collectors/${collector.id}`, {
        body: { collector: { ...collector, description: 'second writer' } },
        headers: { 'if-match': etag },
      });
      expect(stale.status).toBe(412);
      expect(sim.org.collectorById(collector.id)?.description).toBe('first writer');
    });

    it('accepts the current ETag as a weak validator, unquoted, or among several in If-Match', async () => {
      const sim = await simulator();
      const [first] = sim.org.collectors();
      for (const offer of [
        (etag: string) => `W/${etag}`,
        (etag: string) => etag.replaceAll('"', ''),
        (etag: string) => `"stale", ${etag}`,
      ]) {
        const { collector, etag } = await fetchForUpdate(sim, first?.id ?? 0);
        const response = await api(sim, 'PUT', `/v1/collectors/${collector.id}`, {
          body: { collector: { ...collector, description: offer(etag) } },
          headers: { 'if-match': offer(etag) },
        });
        expect(response.status, offer(etag)).toBe(200);
      }
      const { collector } = await fetchForUpdate(sim, first?.id ?? 0);
      const stale = await api(sim, 'PUT', `/v1/collectors/${collector.id}`, {
        body: { collector },
        headers: { 'if-match': 'W/"stale", "older"' },
      });
      expect(stale.status).toBe(412);
    });

    it('requires not-modifiable fields to match and the body id to be the path id', async () => {
      const sim = await simulator();
      const installed = sim.org.collectors().find((collector) => collector.collectorType === 'Installable');
      const { collector, etag } = await fetchForUpdate(sim, installed?.id ?? 0);
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ ...collector, osName: 'Plan 9' }, 'NotModifiableField'],
        [{ ...collector, collectorType: 'Hosted' }, 'InvalidCollectorType'],
        [{ ...collector, id: collector.id + 1 }, 'BadRequestCollectorId'],
        [{ ...collector, ephemeral: undefined }, 'MissingRequiredField'],
      ];
      for (const [body, code] of cases) {
        const response = await api(sim, 'PUT', `/v1/collectors/${collector.id}`, {
          body: { collector: body },
          headers: { 'if-match': etag },
        });
        expect({ status: response.status, code: response.json.code }).toEqual({ status: 400, code });
      }
    });

    it('refuses to take another collector name', async () => {
      const sim = await simulator();
      const [first, second] = sim.org.collectors();
      const { collector, etag } = await fetchForUpdate(sim, first?.id ?? 0);
      const response = await api(sim, 'PUT', `/v1/collectors/${collector.id}`, {
        body: { collector: { ...collector, name: second?.name } },
        headers: { 'if-match': etag },
      });
      expect(response.json.code).toBe('DuplicateResourceName');
    });
  });

  describe('DELETE /v1/collectors/:id and /v1/collectors/offline', () => {
    it('deletes one collector with an empty 200', async () => {
      const sim = await simulator();
      const [first] = sim.org.collectors();
      const response = await api(sim, 'DELETE', `/v1/collectors/${first?.id}`);
      expect(response.status).toBe(200);
      expect(response.text).toBe('');
      expect((await api(sim, 'GET', `/v1/collectors/${first?.id}`)).status).toBe(404);
      expect((await api(sim, 'DELETE', `/v1/collectors/${first?.id}`)).status).toBe(404);
    });

    it('starts an asynchronous deletion of offline installed collectors', async () => {
      const sim = await simulator({ org: { collectors: 120 } });
      const now = sim.clock.now();
      const offlineFor = (c: SimCollector, days: number) =>
        c.collectorType === 'Installable' && !c.alive && (c.lastSeenAlive ?? 0) < now - days * DAY_MS;
      const doomed = sim.org.collectors().filter((c) => offlineFor(c, 30));
      expect(doomed.length).toBeGreaterThan(0);
      const before = sim.org.counts().collectors;

      const response = await api(sim, 'DELETE', '/v1/collectors/offline?aliveBeforeDays=30');
      expect(response.status).toBe(200);
      expect(response.text).toBe('The delete task has been initiated.');
      expect(sim.org.counts().collectors).toBe(before);

      sim.clock.advance(60_000);
      expect(sim.org.counts().collectors).toBe(before - doomed.length);
      expect(sim.org.collectors().some((c) => offlineFor(c, 30))).toBe(false);
      expect(sim.org.collectors().some((c) => c.collectorType === 'Hosted')).toBe(true);
    });

    it('deletes ephemeral collectors after 12 hours offline', async () => {
      const sim = await simulator({ org: { collectors: 100 } });
      const ephemeral = sim.org.collectors().find((c) => c.ephemeral && c.alive);
      expect(ephemeral).toBeDefined();
      const id = ephemeral?.id ?? 0;
      sim.org.setAlive(id, false);
      sim.clock.advance(11 * 3_600_000);
      expect(sim.org.collectorById(id)).toBeDefined();
      sim.clock.advance(3_600_000);
      expect(sim.org.collectorById(id)).toBeUndefined();
    });
  });
});
