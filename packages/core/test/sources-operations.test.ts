import type { SimCollector } from '@sumo-ops/simulator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SimulatedSumo, startSimulatedSumo } from '../../../test/support/simulated-sumo.js';
import {
  createSource,
  explainApiError,
  getSource,
  OperationError,
  type OperationInputError,
  updateSource,
} from '../src/index.js';
import { caught } from './helpers.js';
import { callsByMethod, catalogOn, collectorWhere as collectorWhereIn } from './support/catalog.js';

let sumo: SimulatedSumo;

beforeEach(async () => {
  sumo = await startSimulatedSumo({ org: { collectors: 40 } });
});
afterEach(async () => {
  await sumo.close();
});

const collectorWhere = (predicate: (collector: SimCollector) => boolean) =>
  collectorWhereIn(sumo.sim, predicate);

const apiManaged = (c: SimCollector) =>
  c.collectorType === 'Installable' &&
  c.sourceSyncMode === 'UI' &&
  (sumo.sim.org.sources(c.id)?.length ?? 0) >= 2;
const jsonManaged = (c: SimCollector) =>
  c.sourceSyncMode === 'Json' && (sumo.sim.org.sources(c.id)?.length ?? 0) > 0;

describe('reading sources', () => {
  it('lists short items, pages them, and names the collector and its mode', async () => {
    const { run } = catalogOn(sumo);
    const collector = collectorWhere(apiManaged);
    const sources = sumo.sim.org.sources(collector.id) ?? [];
    const page = await run('list_sources', { collector: collector.name, limit: 1 });
    expect(page.collector).toEqual({
      id: collector.id,
      name: collector.name,
      collectorType: 'Installable',
      sourceSyncMode: 'UI',
    });
    expect(page.total).toBe(sources.length);
    expect(page.nextOffset).toBe(1);
    for (const key of Object.keys(page.items[0])) {
      expect(['alive', 'category', 'id', 'name', 'sourceType']).toContain(key);
    }
    expect(page.items[0].id).toBe(sources[0]?.id);
  });

  it('downloads the definitions without ids, ready to register a collector', async () => {
    const { run } = catalogOn(sumo);
    const collector = collectorWhere(apiManaged);
    const downloaded = await run('list_sources', { collector: collector.id, download: true });
    expect(downloaded.apiVersion).toBe('v1');
    expect(downloaded.items.length).toBe(sumo.sim.org.sources(collector.id)?.length);
    for (const source of downloaded.items) {
      expect(source).not.toHaveProperty('id');
      expect(source.sourceType).toEqual(expect.any(String));
    }
  });

  it('gets one source with its type-specific fields, or its definition', async () => {
    const { run } = catalogOn(sumo);
    const collector = collectorWhere(apiManaged);
    const source = sumo.sim.org.sources(collector.id)?.[0];
    if (!source) throw new Error('no source');
    const full = await run('get_source', { collector: collector.id, sourceId: source.id });
    expect(full.source).toEqual(source);
    const definition = await run('get_source', {
      collector: collector.id,
      sourceId: source.id,
      download: true,
    });
    expect(definition.source).not.toHaveProperty('id');
    expect(definition.source.name).toBe(source.name);
  });

  it('says when the source does not exist', async () => {
    const { run } = catalogOn(sumo);
    const collector = collectorWhere(apiManaged);
    const error = (await caught(
      run('get_source', { collector: collector.id, sourceId: 1 }),
    )) as OperationError;
    expect(error).toBeInstanceOf(OperationError);
    expect(error.code).toBe('not.found');
  });
});

describe('changing sources of an API-managed collector', () => {
  it('previews a create with reads only, then creates the source', async () => {
    const { preview, run } = catalogOn(sumo);
    const collector = collectorWhere(apiManaged);
    const source = {
      sourceType: 'LocalFile',
      name: 'app_logs',
      pathExpression: '/var/log/app/*.log',
      category: 'prod/app',
    };
    const planned = await preview('create_source', { collector: collector.id, source });
    expect(planned.willChange).toBe(true);
    expect(callsByMethod(sumo.sim)).toEqual({ GET: 2 });

    const created = await run('create_source', { collector: collector.id, source });
    expect(created.source).toMatchObject({ ...source, id: expect.any(Number) });
    expect(sumo.sim.org.sources(collector.id)?.some((s) => s.name === 'app_logs')).toBe(true);
  });

  it('refuses server-owned fields in a new source before any call', () => {
    const { catalog } = catalogOn(sumo);
    const error = (() => {
      try {
        catalog.parseInput('create_source', {
          collector: 1,
          source: { sourceType: 'HTTP', name: 'x', id: 5 },
        });
      } catch (e) {
        return e as OperationInputError;
      }
    })();
    expect(error?.problems[0]?.field).toBe('source.id');
    expect(sumo.sim.counters.total).toBe(0);
  });

  it('refuses changes to the id, type or state of a source before any call, naming each field', () => {
    const { catalog } = catalogOn(sumo);
    const error = (() => {
      try {
        catalog.parseInput('update_source', {
          collector: 1,
          sourceId: 2,
          changes: { sourceType: 'HTTP', alive: false },
        });
      } catch (e) {
        return e as OperationInputError;
      }
    })();
    expect(error?.problems.map((problem) => problem.field)).toEqual(['changes.sourceType', 'changes.alive']);
    expect(error?.problems[0]?.message).toContain('create a new source instead');
    expect(sumo.sim.counters.total).toBe(0);
  });

  it('explains a source type the collector cannot run', async () => {
    const { run } = catalogOn(sumo);
    const collector = collectorWhere(apiManaged);
    const error = (await caught(
      run('create_source', { collector: collector.id, source: { sourceType: 'HTTP', name: 'intake' } }),
    )) as OperationError;
    expect(error.code).toBe('InvalidSourceType');
    expect(error.message).toContain('installed collectors run local sources');
  });

  it('previews the diff, then updates only the named fields with If-Match', async () => {
    const { preview, run } = catalogOn(sumo);
    const collector = collectorWhere(apiManaged);
    const source = sumo.sim.org.sources(collector.id)?.[0];
    if (!source) throw new Error('no source');
    const input = { collector: collector.id, sourceId: source.id, changes: { category: 'prod/renamed' } };
    const planned = await preview('update_source', input);
    expect(planned.details).toMatchObject({
      changes: [{ field: 'category', from: source.category, to: 'prod/renamed' }],
    });
    expect(callsByMethod(sumo.sim)).toEqual({ GET: 2 });

    const updated = await run('update_source', input);
    expect(updated.changed).toHaveLength(1);
    const after = sumo.sim.org.sources(collector.id)?.find((s) => s.id === source.id);
    expect(after).toEqual({ ...source, category: 'prod/renamed' });
  });

  it('reports a 412 on a source as a conflict and keeps the other change', async () => {
    const { preview, run } = catalogOn(sumo);
    const collector = collectorWhere(apiManaged);
    const source = sumo.sim.org.sources(collector.id)?.[0];
    if (!source) throw new Error('no source');
    const input = { collector: collector.id, sourceId: source.id, changes: { category: 'mine' } };
    const etag = ((await preview('update_source', input)).details as { etag: string }).etag;
    const theirs = await getSource(sumo.client, collector.id, source.id);
    await updateSource(
      sumo.client,
      collector.id,
      source.id,
      { ...theirs.source, category: 'theirs' },
      String(theirs.etag),
    );
    sumo.sim.counters.reset();

    const error = (await caught(run('update_source', { ...input, etag }))) as OperationError;
    expect(error.code).toBe('conflict');
    expect(error.details.current).toMatchObject({ id: source.id, category: 'theirs' });
    expect(sumo.sim.counters.byRoute['PUT /v1/collectors/:collectorId/sources/:sourceId']).toEqual({
      412: 1,
    });
  });

  it('previews a delete without side effects, then deletes the source', async () => {
    const { preview, run } = catalogOn(sumo);
    const collector = collectorWhere(apiManaged);
    const source = sumo.sim.org.sources(collector.id)?.[0];
    if (!source) throw new Error('no source');
    const planned = await preview('delete_source', { collector: collector.name, sourceId: source.id });
    expect(planned.summary).toContain(source.name);
    expect(callsByMethod(sumo.sim)).toEqual({ GET: 2 });
    await run('delete_source', { collector: collector.name, sourceId: source.id });
    expect(sumo.sim.org.sources(collector.id)?.some((s) => s.id === source.id)).toBe(false);
  });
});

describe('a collector whose sources are managed by a local JSON file', () => {
  it('explains what JSON mode means and what to do, for create, update and delete, without writing', async () => {
    const { preview, run } = catalogOn(sumo);
    const collector = collectorWhere(jsonManaged);
    const source = sumo.sim.org.sources(collector.id)?.[0];
    if (!source) throw new Error('no source');
    const attempts = [
      [
        'create_source',
        { collector: collector.id, source: { sourceType: 'LocalFile', name: 'new', pathExpression: '/x' } },
      ],
      ['update_source', { collector: collector.id, sourceId: source.id, changes: { category: 'x' } }],
      ['delete_source', { collector: collector.id, sourceId: source.id }],
    ] as const;
    for (const [name, input] of attempts) {
      const planned = await preview(name, input);
      expect(planned.willChange).toBe(false);
      expect(planned.warnings.join(' ')).toContain('local JSON file');
      const error = (await caught(run(name, input))) as OperationError;
      expect(error.code).toBe('CannotModifySources');
      expect(error.message).toContain('local JSON file on its host');
      expect(error.message).toContain('edit the JSON source file on that host');
      expect(error.message).toContain('remove `syncSources`');
    }
    expect(callsByMethod(sumo.sim).POST ?? 0).toBe(0);
    expect(callsByMethod(sumo.sim).PUT ?? 0).toBe(0);
    expect(callsByMethod(sumo.sim).DELETE ?? 0).toBe(0);
    expect(sumo.sim.org.sources(collector.id)).toContainEqual(source);
  });

  it("turns the API's CannotModifySources refusal into the same explanation", async () => {
    const collector = collectorWhere(jsonManaged);
    const error = await caught(
      createSource(sumo.client, collector.id, { sourceType: 'LocalFile', name: 'n' }),
    );
    const explained = explainApiError(error, { collector: `"${collector.name}"` }) as OperationError;
    expect(explained).toBeInstanceOf(OperationError);
    expect(explained.code).toBe('CannotModifySources');
    expect(explained.message).toContain(
      `Collector "${collector.name}" manages its sources from a local JSON file`,
    );
  });
});
