import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SimulatedSumo, startSimulatedSumo } from '../../../test/support/simulated-sumo.js';
import {
  deleteOfflineOtCollectors,
  getOtCollector,
  isHexId,
  isSumoApiError,
  listOtCollectors,
  sameResourceId,
  scopeMatches,
  toDecimalId,
  toHexId,
} from '../src/index.js';
import { caught } from './helpers.js';
import { callsTo } from './support/catalog.js';

describe('ids written in hex or decimal', () => {
  it('matches the same number written either way, and tells the forms apart', () => {
    expect(sameResourceId('0000000005F5E105', 100000005)).toBe(true);
    expect(sameResourceId('0000000005f5e105', '100000005')).toBe(true);
    expect(sameResourceId('0000000005F5E105', 100000006)).toBe(false);
    expect(toHexId(100000005)).toBe('0000000005F5E105');
    expect(toDecimalId('0000000005F5E105')).toBe(100000005);
    // Past 2^53 the hex form stays exact and has no decimal form to send.
    expect(toDecimalId('FFFFFFFFFFFFFFFF')).toBeUndefined();
    expect(sameResourceId('FFFFFFFFFFFFFFFF', 'FFFFFFFFFFFFFFFE')).toBe(false);
    // Decimal ids have no leading zero and no letter: 16 digits without either stay decimal.
    expect(isHexId('1000000000000000')).toBe(false);
    expect(isHexId('0000000000000123')).toBe(true);
    expect(sameResourceId(undefined, undefined)).toBe(false);
  });
});

describe('ingest budget scopes', () => {
  it('match a field value with * wildcards, case-insensitively, and nothing else', () => {
    expect(scopeMatches('_sourceCategory=*prod*nginx*', { _sourceCategory: 'Prod/web/NGINX' })).toBe(true);
    expect(scopeMatches('_sourceCategory=prod/*', { _sourceCategory: 'prod/web' })).toBe(true);
    expect(scopeMatches('_sourceCategory=prod/*', { _sourceCategory: 'staging/prod/web' })).toBe(false);
    expect(scopeMatches('cluster=kafka', { cluster: 'kafka' })).toBe(true);
    expect(scopeMatches('cluster=kafka', { _sourceCategory: 'kafka' })).toBe(false);
    // Regular-expression characters in a scope are plain text.
    expect(scopeMatches('_collector=web.(01)', { _collector: 'webX(01)' })).toBe(false);
    expect(scopeMatches('no equals sign', { _collector: 'x' })).toBe(false);
  });
});

describe('the OT collector API over HTTP', () => {
  let sumo: SimulatedSumo;
  beforeEach(async () => {
    sumo = await startSimulatedSumo({ org: { collectors: 10 }, conformance: true });
  });
  afterEach(async () => {
    expect(sumo.sim.conformance.violations()).toEqual([]);
    await sumo.close();
  });

  it("reads Sumo's ErrorResponse: the first cause's code and message, and the request id", async () => {
    const error = await caught(getOtCollector(sumo.client, '00000000000000FF'));
    expect(isSumoApiError(error)).toBe(true);
    if (!isSumoApiError(error)) return;
    expect(error.status).toBe(404);
    expect(error.code).not.toBe('http.404');
    expect(error.message).toContain(error.code);
    expect(error.requestId).toBeTruthy();
  });

  it('never replays the delete of every offline OT collector after a lost answer, and says the outcome is unknown', async () => {
    sumo.sim.setFaults({ lostAnswerRate: 1, limit: 1, routes: ['DELETE /v1/otCollectors/offline'] });
    const error = await caught(deleteOfflineOtCollectors(sumo.client));
    expect(isSumoApiError(error) && error.outcome).toBe('unknown');
    expect(callsTo(sumo.sim, 'DELETE /v1/otCollectors/offline')).toBe(1);
  });

  it('replays a listing POST whose answer was lost, as it changes nothing', async () => {
    sumo.sim.setFaults({ lostAnswerRate: 1, limit: 1, routes: ['POST /v1/otCollectors'] });
    const page = await listOtCollectors(sumo.client, { filters: { alive: true }, limit: 5 });
    expect(page.items.length).toBeGreaterThan(0);
    expect(callsTo(sumo.sim, 'POST /v1/otCollectors')).toBe(2);
  });
});
