import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SimulatedSumo, startSimulatedSumo } from '../../../test/support/simulated-sumo.js';
import {
  ConfirmationRequiredError,
  collectorNamePath,
  iterateCollectors,
  OperationError,
  OperationInputError,
  updateCollector,
} from '../src/index.js';
import { caught } from './helpers.js';
import { callsByMethod, callsTo, catalogOn } from './support/catalog.js';

const DAY_MS = 86_400_000;
let sumo: SimulatedSumo;

beforeEach(async () => {
  sumo = await startSimulatedSumo({ org: { collectors: 40 } });
});
afterEach(async () => {
  await sumo.close();
});

describe('listing collectors', () => {
  it('pages through every collector, not just the first page', async () => {
    const all = sumo.sim.org.collectors();
    const seen = [];
    for await (const collector of iterateCollectors(sumo.client, { pageSize: 7 })) seen.push(collector.id);
    expect(seen).toEqual(all.map((collector) => collector.id));
    // 40 collectors in pages of 7: six pages, the sixth short, and no extra empty page.
    expect(callsTo(sumo.sim, 'GET /v1/collectors')).toBe(6);
  });

  it('list_collectors filters and hands back the next offset until the last page', async () => {
    const { run } = catalogOn(sumo);
    const hosted = sumo.sim.org.collectors().filter((collector) => collector.collectorType === 'Hosted');
    const first = await run('list_collectors', { filter: 'hosted', limit: 3 });
    expect(first.items.map((item: { id: number }) => item.id)).toEqual(hosted.slice(0, 3).map((c) => c.id));
    expect(first.nextOffset).toBe(3);
    const rest = await run('list_collectors', { filter: 'hosted', limit: 3, offset: first.nextOffset });
    expect(rest.items.length).toBe(hosted.length - 3);
    expect(rest.nextOffset).toBeNull();
    expect(first.items[0]).not.toHaveProperty('links');
    expect(first.items[0].collectorType).toBe('Hosted');
  });

  it('list_offline_collectors applies aliveBeforeDays and reports days offline', async () => {
    const { run } = catalogOn(sumo);
    const now = sumo.sim.clock.now();
    const expected = sumo.sim.org
      .collectors()
      .filter(
        (c) => c.collectorType === 'Installable' && !c.alive && (c.lastSeenAlive ?? 0) < now - 10 * DAY_MS,
      );
    const page = await run('list_offline_collectors', { aliveBeforeDays: 10 });
    expect(page.items.map((item: { id: number }) => item.id)).toEqual(expected.map((c) => c.id));
    for (const item of page.items) expect(item.offlineDays).toBeGreaterThanOrEqual(10);
  });

  it('refuses aliveBeforeDays below 1 before any call', async () => {
    const { catalog } = catalogOn(sumo);
    const error = (await caught(
      Promise.resolve().then(() => catalog.parseInput('list_offline_collectors', { aliveBeforeDays: 0 })),
    )) as OperationInputError;
    expect(error).toBeInstanceOf(OperationInputError);
    expect(error.problems[0]?.field).toBe('aliveBeforeDays');
    expect(sumo.sim.counters.total).toBe(0);
  });
});

describe('getting a collector by id or name', () => {
  it('finds a collector by id, by a name with spaces and by a name with a dot', async () => {
    const { run } = catalogOn(sumo);
    const collectors = sumo.sim.org.collectors();
    const spaced = collectors.find((c) => c.name.includes(' '));
    const dotted = collectors.find((c) => c.name.includes('.'));
    if (!spaced || !dotted) throw new Error('the seeded org should have spaced and dotted names');

    expect((await run('get_collector', { collector: spaced.id })).name).toBe(spaced.name);
    expect((await run('get_collector', { collector: String(dotted.id) })).id).toBe(dotted.id);
    expect((await run('get_collector', { collector: spaced.name })).id).toBe(spaced.id);
    const byDottedName = await run('get_collector', { collector: dotted.name });
    expect(byDottedName.id).toBe(dotted.id);
    expect(byDottedName).not.toHaveProperty('links');
  });

  it('encodes spaces and adds the trailing slash a dotted name needs', () => {
    expect(collectorNamePath('Staging Area')).toBe('/v1/collectors/name/Staging%20Area');
    expect(collectorNamePath('web-01.prod.acme')).toBe('/v1/collectors/name/web-01.prod.acme/');
  });

  it.each([';', '/', '%', '\\'])(
    'refuses a name with %s before any call and suggests the id',
    async (character) => {
      const { catalog } = catalogOn(sumo);
      const error = (await caught(
        Promise.resolve().then(() => catalog.parseInput('get_collector', { collector: `web${character}01` })),
      )) as OperationInputError;
      expect(error).toBeInstanceOf(OperationInputError);
      expect(error.message).toContain('collector');
      expect(error.message).toContain("use the collector's id instead");
      expect(() => collectorNamePath(`web${character}01`)).toThrow(RangeError);
      expect(sumo.sim.counters.total).toBe(0);
    },
  );

  it('says plainly when no collector has the name', async () => {
    const { run } = catalogOn(sumo);
    const error = (await caught(run('get_collector', { collector: 'no-such-collector' }))) as OperationError;
    expect(error).toBeInstanceOf(OperationError);
    expect(error.message).toContain('"no-such-collector" does not exist');
  });
});

describe('creating a hosted collector', () => {
  it('previews with a read only, then creates the collector', async () => {
    const { preview, run } = catalogOn(sumo);
    const input = { name: 'Partner Intake', category: 'partner/http', fields: { _budget: 'Dev_20GB' } };
    const planned = await preview('create_hosted_collector', input);
    expect(planned.willChange).toBe(true);
    expect(callsByMethod(sumo.sim)).toEqual({ GET: 1 });

    const created = await run('create_hosted_collector', input);
    expect(created).toMatchObject({
      name: 'Partner Intake',
      collectorType: 'Hosted',
      category: 'partner/http',
    });
    expect(sumo.sim.org.collectorByName('Partner Intake')?.fields).toEqual({ _budget: 'Dev_20GB' });
  });

  it('warns in the preview and explains the refusal when the name is taken', async () => {
    const { preview, run } = catalogOn(sumo);
    const existing = sumo.sim.org.collectors()[1];
    if (!existing) throw new Error('seeded org is empty');
    const planned = await preview('create_hosted_collector', { name: existing.name });
    expect(planned.willChange).toBe(false);
    expect(planned.warnings.join(' ')).toContain('already exists');
    const error = (await caught(run('create_hosted_collector', { name: existing.name }))) as OperationError;
    expect(error.code).toBe('DuplicateResourceName');
    expect(error.message).toContain('already taken');
  });

  it('refuses to run without confirmation', async () => {
    const { catalog, ctx } = catalogOn(sumo);
    const input = catalog.parseInput('create_hosted_collector', { name: 'x' });
    await expect(catalog.run('create_hosted_collector', ctx, input)).rejects.toBeInstanceOf(
      ConfirmationRequiredError,
    );
    expect(sumo.sim.counters.total).toBe(0);
  });
});

describe('updating a collector', () => {
  function installedAlive() {
    const collector = sumo.sim.org.collectors().find((c) => c.collectorType === 'Installable' && c.alive);
    if (!collector) throw new Error('no installed collector');
    return collector;
  }

  it('previews the field diff with reads only, then changes only the named fields', async () => {
    const { preview, run } = catalogOn(sumo);
    const before = installedAlive();
    const input = {
      collector: before.id,
      changes: { description: 'front web tier', ephemeral: !before.ephemeral },
    };
    const planned = await preview('update_collector', input);
    expect(planned.details).toMatchObject({
      changes: [
        { field: 'description', from: before.description ?? null, to: 'front web tier' },
        { field: 'ephemeral', from: before.ephemeral, to: !before.ephemeral },
      ],
    });
    expect(callsByMethod(sumo.sim)).toEqual({ GET: 1 });

    const result = await run('update_collector', input);
    expect(result.changed.map((change: { field: string }) => change.field)).toEqual([
      'description',
      'ephemeral',
    ]);
    const after = sumo.sim.org.collectorById(before.id);
    expect(after).toMatchObject({
      description: 'front web tier',
      ephemeral: !before.ephemeral,
      category: before.category,
      timeZone: before.timeZone,
      hostName: before.hostName,
      fields: before.fields,
      targetCpu: before.targetCpu,
    });
  });

  it('clears a field given null', async () => {
    const { run } = catalogOn(sumo);
    const before = installedAlive();
    await run('update_collector', { collector: before.name, changes: { category: null } });
    expect(sumo.sim.org.collectorById(before.id)?.category).toBeUndefined();
  });

  it('reports a 412 as a conflict with the current state and does not overwrite it', async () => {
    const { preview, run } = catalogOn(sumo);
    const target = installedAlive();
    const planned = await preview('update_collector', {
      collector: target.id,
      changes: { description: 'mine' },
    });
    const etag = (planned.details as { etag: string }).etag;

    // Someone else changes the collector after our preview.
    const { body, headers } = await sumo.client.get<{ collector: Record<string, unknown> }>(
      `/v1/collectors/${target.id}`,
    );
    await updateCollector(
      sumo.client,
      target.id,
      { ...body.collector, description: 'theirs' },
      String(headers.etag),
    );
    sumo.sim.counters.reset();

    const error = (await caught(
      run('update_collector', { collector: target.id, changes: { description: 'mine' }, etag }),
    )) as OperationError;
    expect(error).toBeInstanceOf(OperationError);
    expect(error.code).toBe('conflict');
    expect(error.message).toContain('nothing was written');
    expect(error.details.current).toMatchObject({ id: target.id, description: 'theirs' });
    expect(sumo.sim.org.collectorById(target.id)?.description).toBe('theirs');
    // One PUT, refused; no second PUT with a fresh ETag.
    expect(sumo.sim.counters.byRoute['PUT /v1/collectors/:id']).toEqual({ 412: 1 });
  });

  it('makes no call for an update that names no field', async () => {
    const { catalog } = catalogOn(sumo);
    expect(() => catalog.parseInput('update_collector', { collector: 1, changes: {} })).toThrow(
      /at least one field/,
    );
    expect(() => catalog.parseInput('update_collector', { collector: 1, changes: { osName: 'x' } })).toThrow(
      OperationInputError,
    );
    expect(sumo.sim.counters.total).toBe(0);
  });
});

describe('deleting collectors', () => {
  it('previews the collector and its source count without side effects, then deletes it', async () => {
    const { preview, run } = catalogOn(sumo);
    const target = sumo.sim.org.collectors().find((c) => c.collectorType === 'Installable' && c.alive);
    if (!target) throw new Error('no collector');
    const sourceCount = sumo.sim.org.sources(target.id)?.length;

    const planned = await preview('delete_collector', { collector: target.name });
    expect(planned.details).toMatchObject({ collector: { id: target.id }, sourceCount });
    expect(planned.warnings.join(' ')).toContain('running');
    expect(callsByMethod(sumo.sim)).toEqual({ GET: 2 });
    expect(sumo.sim.org.collectorById(target.id)).toBeDefined();

    const result = await run('delete_collector', { collector: target.name });
    expect(result.deleted.id).toBe(target.id);
    expect(sumo.sim.org.collectorById(target.id)).toBeUndefined();
  });

  it('previews exactly the offline collectors, then starts the asynchronous deletion', async () => {
    const { preview, run } = catalogOn(sumo);
    const now = sumo.sim.clock.now();
    const offline = sumo.sim.org
      .collectors()
      .filter(
        (c) => c.collectorType === 'Installable' && !c.alive && (c.lastSeenAlive ?? 0) < now - 20 * DAY_MS,
      );
    expect(offline.length).toBeGreaterThan(0);

    const planned = await preview('delete_offline_collectors', { aliveBeforeDays: 20 });
    const details = planned.details as { count: number; collectors: { id: number; lastSeenAlive: string }[] };
    expect(details.count).toBe(offline.length);
    expect(details.collectors.map((c) => c.id)).toEqual(offline.map((c) => c.id));
    expect(details.collectors.every((c) => typeof c.lastSeenAlive === 'string')).toBe(true);
    expect(planned.summary).toContain(`${offline.length} installed collector(s)`);
    expect(callsByMethod(sumo.sim)).toEqual({ GET: 1 });
    expect(sumo.sim.org.counts().collectors).toBe(40);

    const result = await run('delete_offline_collectors', { aliveBeforeDays: 20 });
    expect(result).toMatchObject({ aliveBeforeDays: 20, asynchronous: true });
    expect(result.message).toContain('initiated');
    sumo.sim.clock.advance(60_000);
    for (const collector of offline) expect(sumo.sim.org.collectorById(collector.id)).toBeUndefined();
    expect(sumo.sim.org.counts().collectors).toBe(40 - offline.length);
  });
});
