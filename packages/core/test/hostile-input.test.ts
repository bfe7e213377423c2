import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatedSumo, startSimulatedSumo } from '../../../test/support/simulated-sumo.js';
import { collectorNamePath, createCatalog, OperationInputError, toCollectorRef } from '../src/index.js';
import { caught } from './helpers.js';
import { catalogOn } from './support/catalog.js';

let sumo: SimulatedSumo;
beforeAll(async () => {
  sumo = await startSimulatedSumo({ org: { collectors: 5 } });
});
afterAll(async () => {
  await sumo.close();
});

/** Runs the operation as a front end does and returns the refusal; nothing may reach the simulator. */
async function refusal(name: string, raw: unknown): Promise<OperationInputError> {
  const before = sumo.sim.counters.total;
  const error = await caught(catalogOn(sumo).run(name, raw));
  expect(error).toBeInstanceOf(OperationInputError);
  expect(sumo.sim.counters.total).toBe(before);
  return error as OperationInputError;
}

describe('unknown arguments', () => {
  it.each([
    ['start_search', { query: 'error', form: '-1h' }, 'form', ['query', 'from', 'to']],
    ['list_collectors', { filtre: 'dead' }, 'filtre', ['filter', 'limit', 'offset']],
    ['delete_collector', { collector: 'x', confirm: true }, 'confirm', ['collector']],
    ['get_upgrade_status', { taskId: 'abc', wiat: true }, 'wiat', ['taskId', 'wait']],
  ])('%s refuses %j, naming the unknown field and the valid ones', async (name, raw, field, valid) => {
    const error = await refusal(name, raw);
    const problem = error.problems.find((candidate) => candidate.field === field);
    expect(problem?.message).toContain(`"${field}"`);
    for (const known of valid) expect(problem?.message).toContain(known);
  });

  it('refuses unknown fields inside update_collector changes as well', async () => {
    const error = await refusal('update_collector', { collector: 'x', changes: { categroy: 'prod' } });
    expect(error.problems[0]?.field).toBe('changes.categroy');
    expect(error.problems[0]?.message).toContain('category');
  });

  it('names every unknown field at once', async () => {
    const error = await refusal('list_collectors', { filtre: 'dead', limt: 5 });
    expect(error.problems[0]?.field).toBe('filtre, limt');
  });

  it('publishes additionalProperties: false for every operation input', () => {
    for (const operation of createCatalog().list()) {
      const schema = operation.input.toJSONSchema() as { additionalProperties?: unknown };
      expect(schema.additionalProperties, operation.name).toBe(false);
    }
  });
});

describe('collector names that cannot be looked up', () => {
  it.each([
    ['.', 'path segment'],
    ['..', 'path segment'],
    ['web\uD800-01', 'broken character'],
    ['\uDC00', 'broken character'],
  ])('get_collector refuses %j before any request', async (name, reason) => {
    const error = await refusal('get_collector', { collector: name });
    expect(error.problems[0]?.field).toBe('collector');
    expect(error.problems[0]?.message).toContain(reason);
  });

  it('refuses them in the API layer too, instead of sending a listing or throwing "URI malformed"', () => {
    expect(() => collectorNamePath('..')).toThrow(/path segment/);
    expect(() => collectorNamePath('a\uDBFFb')).toThrow(/broken character/);
  });

  it('keeps names with dots and with whole emoji', () => {
    expect(toCollectorRef('...')).toEqual({ name: '...' });
    expect(toCollectorRef('web.prod')).toEqual({ name: 'web.prod' });
    expect(collectorNamePath('web 😀')).toBe('/v1/collectors/name/web%20%F0%9F%98%80');
  });

  it('create_hosted_collector refuses a new name with a lone surrogate', async () => {
    const error = await refusal('create_hosted_collector', { name: 'new\uDFFF' });
    expect(error.problems[0]?.field).toBe('name');
  });
});

describe('ids that a JSON number cannot hold exactly', () => {
  it.each(['9007199254740993', '100000001000000001', '99999999999999999999999'])(
    'get_collector refuses the digit string %s, naming the limit',
    async (id) => {
      const error = await refusal('get_collector', { collector: id });
      expect(error.problems[0]?.field).toBe('collector');
      expect(error.problems[0]?.message).toContain(`${id} is larger than 9007199254740991`);
    },
  );

  it('refuses such ids given as numbers, for collectors and sources', async () => {
    // What a JSON client sends for 100000001000000001: a number the parser has already rounded.
    const collector = await refusal('delete_collector', { collector: JSON.parse('100000001000000001') });
    expect(collector.problems[0]).toMatchObject({ field: 'collector' });
    expect(collector.problems[0]?.message).toContain('cannot be sent exactly');
    const source = await refusal('get_source', { collector: 1, sourceId: 2 ** 53 + 2 });
    expect(source.problems[0]).toMatchObject({ field: 'sourceId' });
    expect(source.problems[0]?.message).toContain('cannot be sent exactly');
  });

  it('refuses them in bulk upgrades, naming the list entry', async () => {
    const error = await refusal('upgrade_collectors', { collectors: ['9007199254740993'] });
    expect(error.problems[0]?.field).toBe('collectors.0');
  });

  it('still takes the largest exact id, and sends it as it was written', async () => {
    expect(toCollectorRef('9007199254740991')).toEqual({ id: 9007199254740991 });
    const error = await caught(catalogOn(sumo).run('get_collector', { collector: '9007199254740991' }));
    expect((error as Error).message).toContain('9007199254740991');
    expect(sumo.sim.counters.byRoute['GET /v1/collectors/:id']?.[404]).toBe(1);
  });
});
