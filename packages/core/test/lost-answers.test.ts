import type { SimCollector } from '@sumo-ops/simulator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SimulatedSumo, startSimulatedSumo } from '../../../test/support/simulated-sumo.js';
import { isOutcomeUnknown, isSumoApiError, OperationError } from '../src/index.js';
import { caught } from './helpers.js';
import { callsTo, catalogOn, collectorWhere } from './support/catalog.js';

let sumo: SimulatedSumo;
beforeEach(async () => {
  sumo = await startSimulatedSumo({ org: { collectors: 30 } });
});
afterEach(async () => {
  await sumo.close();
});

/** Only the first request to `route` is carried out and then loses its answer. */
function loseFirstAnswer(route: string) {
  sumo.sim.setFaults({ lostAnswerRate: 1, routes: [route], limit: 1 });
}

const upgradable = (c: SimCollector) =>
  c.collectorType === 'Installable' && c.alive && c.collectorVersion !== sumo.sim.org.latestVersion;
const hosted = (c: SimCollector) => c.collectorType === 'Hosted';

async function unknownOutcome(name: string, raw: unknown): Promise<OperationError> {
  const error = await caught(catalogOn(sumo).run(name, raw));
  expect(error).toBeInstanceOf(OperationError);
  expect(isOutcomeUnknown(error)).toBe(true);
  const { message } = error as OperationError;
  expect(message).toContain('UNKNOWN');
  expect(message).toContain('Do not simply run it again');
  expect(message).not.toMatch(/call the tool again|usually temporary/i);
  return error as OperationError;
}

describe('a POST carried out whose answer is lost', () => {
  it('upgrade_collector: sent once, reported as unknown with how to check', async () => {
    const collector = collectorWhere(sumo.sim, upgradable);
    loseFirstAnswer('POST /v1/collectors/upgrades');
    const error = await unknownOutcome('upgrade_collector', { collector: collector.id });
    expect(error.message).toContain('get_collector');
    expect(error.message).toContain('list_upgradable_collectors');
    expect(error.details).toMatchObject({ outcome: 'unknown' });
    expect(callsTo(sumo.sim, 'POST /v1/collectors/upgrades')).toBe(1);
    expect(sumo.sim.org.upgradeTasks().filter((task) => task.collectorId === collector.id)).toHaveLength(1);
  });

  it('create_hosted_collector: created once, reported as unknown, and the check it names finds it', async () => {
    loseFirstAnswer('POST /v1/collectors');
    const error = await unknownOutcome('create_hosted_collector', { name: 'lost-answer-1' });
    expect(error.message).toContain('get_collector with "lost-answer-1"');
    expect(callsTo(sumo.sim, 'POST /v1/collectors')).toBe(1);
    const found = await catalogOn(sumo).run('get_collector', { collector: 'lost-answer-1' });
    expect(found.name).toBe('lost-answer-1');
  });

  it('create_source: created once, reported as unknown', async () => {
    const collector = collectorWhere(sumo.sim, hosted);
    loseFirstAnswer('POST /v1/collectors/:collectorId/sources');
    const before = sumo.sim.org.sources(collector.id)?.length ?? 0;
    const error = await unknownOutcome('create_source', {
      collector: collector.id,
      source: { sourceType: 'HTTP', name: 'lost-answer-source' },
    });
    expect(error.message).toContain('list_sources');
    expect(sumo.sim.org.sources(collector.id)).toHaveLength(before + 1);
  });

  it('a 200 whose JSON is cut off is unknown too, and not sent again', async () => {
    const collector = collectorWhere(sumo.sim, upgradable);
    sumo.sim.setFaults({ truncateRate: 1, routes: ['POST /v1/collectors/upgrades'], limit: 1 });
    const error = await unknownOutcome('upgrade_collector', { collector: collector.id });
    expect(error.details).toMatchObject({ apiCode: 'client.response.malformed' });
    expect(callsTo(sumo.sim, 'POST /v1/collectors/upgrades')).toBe(1);
  });
});

describe('a POST that Sumo carried out and answered 500', () => {
  it('upgrade_collector: sent once, reported as unknown (never "usually temporary"), and the task exists', async () => {
    const collector = collectorWhere(sumo.sim, upgradable);
    sumo.sim.setFaults({ actThen500Rate: 1, routes: ['POST /v1/collectors/upgrades'], limit: 1 });
    const error = await unknownOutcome('upgrade_collector', { collector: collector.id });
    expect(error.message).toContain('answered 500 internal.error after receiving it');
    expect(error.message).toContain('list_upgradable_collectors');
    expect(error.details).toMatchObject({ outcome: 'unknown', status: 500 });
    expect(sumo.sim.counters.byRoute['POST /v1/collectors/upgrades']).toEqual({ 500: 1 });
    expect(sumo.sim.org.upgradeTasks().filter((task) => task.collectorId === collector.id)).toHaveLength(1);
  });

  it('any POST answered 500 is unknown (nothing tells whether it acted); a 503 is a refusal, retried', async () => {
    const client = catalogOn(sumo, {}).ctx.client;
    sumo.sim.setFaults({ rate500: 1, routes: ['POST /v1/collectors'], limit: 1 });
    expect(isOutcomeUnknown(await caught(client.post('/v1/collectors', {})))).toBe(true);
    sumo.sim.setFaults({ rate503: 1, routes: ['POST /v1/collectors'], limit: 1 });
    const created = await catalogOn(sumo).run('create_hosted_collector', { name: 'after-503' });
    expect(created.name).toBe('after-503');
    expect(callsTo(sumo.sim, 'POST /v1/collectors')).toBe(3);
  });

  it('a GET answered 500 every time stays an ordinary failure, not an unknown outcome', async () => {
    sumo.sim.setFaults({ rate500: 1, routes: ['GET /v1/collectors'] });
    const error = await caught(
      catalogOn(sumo, {}).ctx.client.get('/v1/collectors', undefined, { retry: { maxAttempts: 2 } }),
    );
    expect(isSumoApiError(error)).toBe(true);
    expect(isOutcomeUnknown(error)).toBe(false);
  });
});

describe('a DELETE whose first answer is lost', () => {
  it('delete_collector reports the deletion its retry found done, instead of "does not exist"', async () => {
    const collector = collectorWhere(sumo.sim, hosted);
    loseFirstAnswer('DELETE /v1/collectors/:id');
    const result = await catalogOn(sumo).run('delete_collector', { collector: collector.id });
    expect(result.deleted.id).toBe(collector.id);
    expect(result.note).toContain('the first answer was lost');
    expect(sumo.sim.counters.byRoute['DELETE /v1/collectors/:id']).toEqual({ 0: 1, 404: 1 });
    expect(sumo.sim.org.collectorById(collector.id)).toBeUndefined();
  });

  it('delete_source does the same', async () => {
    const collector = collectorWhere(
      sumo.sim,
      (c) => hosted(c) && (sumo.sim.org.sources(c.id)?.length ?? 0) > 0,
    );
    const [source] = sumo.sim.org.sources(collector.id) ?? [];
    loseFirstAnswer('DELETE /v1/collectors/:collectorId/sources/:sourceId');
    const result = await catalogOn(sumo).run('delete_source', {
      collector: collector.id,
      sourceId: source?.id,
    });
    expect(result.note).toContain('the first answer was lost');
    expect(sumo.sim.org.sources(collector.id)?.some((candidate) => candidate.id === source?.id)).toBe(false);
  });

  it('a 404 on the first attempt still says the collector does not exist', async () => {
    const error = await caught(catalogOn(sumo).run('delete_collector', { collector: 999_999_999 }));
    expect(isOutcomeUnknown(error)).toBe(false);
    expect((error as Error).message).toMatch(/not found|does not exist/i);
  });
});

describe('a PUT whose first answer is lost', () => {
  it('update_collector sees its own write in the 412 of the retry and reports it made', async () => {
    const collector = collectorWhere(sumo.sim, hosted);
    loseFirstAnswer('PUT /v1/collectors/:id');
    const result = await catalogOn(sumo).run('update_collector', {
      collector: collector.id,
      changes: { category: 'lost/answer' },
    });
    expect(result.collector.category).toBe('lost/answer');
    expect(result.note).toContain('first answer was lost');
    expect(sumo.sim.counters.byRoute['PUT /v1/collectors/:id']).toEqual({ 0: 1, 412: 1 });
  });
});

describe('reads under cut-off and lost answers', () => {
  it('a GET whose 200 is cut off is retried and succeeds', async () => {
    sumo.sim.setFaults({ truncateRate: 1, routes: ['GET /v1/collectors'], limit: 1 });
    const page = await catalogOn(sumo).run('list_collectors', { limit: 5 });
    expect(page.items).toHaveLength(5);
    expect(callsTo(sumo.sim, 'GET /v1/collectors')).toBe(2);
  });

  it('a GET that stays cut off fails as transient, not as a bug, and never as an unknown outcome', async () => {
    sumo.sim.setFaults({ truncateRate: 1, routes: ['GET /v1/collectors'] });
    const error = await caught(
      catalogOn(sumo, {}).ctx.client.get('/v1/collectors', undefined, { retry: { maxAttempts: 2 } }),
    );
    expect(isSumoApiError(error, 'client.response.malformed')).toBe(true);
    expect(isOutcomeUnknown(error)).toBe(false);
    expect(callsTo(sumo.sim, 'GET /v1/collectors')).toBe(2);
  });
});
