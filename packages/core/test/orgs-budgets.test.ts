import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTwoOrgs, type TwoOrgs } from '../../../test/support/two-orgs.js';
import { connectSumo, createLogger, type SumoConnection } from '../src/index.js';

let orgs: TwoOrgs;
let connection: SumoConnection;

beforeAll(async () => {
  // Sumo's real limits at the simulator: 4 requests a second and 10 in flight per access id.
  orgs = await startTwoOrgs({ simulator: { rateLimit: { perSecond: 4, concurrent: 10 } } });
  connection = await connectSumo({ env: orgs.env, logger: createLogger({ level: 'silent' }) });
});
afterAll(async () => {
  await connection?.close();
  await orgs?.close();
});

describe('each org spends its own rate budget', () => {
  it('keys each budget by its org’s access id', () => {
    expect(connection.orgs.get('prod').client.rateKey).toBe('suProdAccessId');
    expect(connection.orgs.get('staging').client.rateKey).toBe('suStagingAccessId');
  });

  it('answers staging at once, and without a 429, while production is saturated', async () => {
    const prod = connection.orgs.get('prod').client;
    const staging = connection.orgs.get('staging').client;
    const finished: string[] = [];
    const burst = Array.from({ length: 12 }, (_, index) =>
      prod.get('/v1/collectors', { limit: 1 }).then(() => finished.push(`prod-${index}`)),
    );
    // Asked once production's queue is full: a shared budget would put it behind all twelve.
    await new Promise((resolve) => setImmediate(resolve));
    await staging.get('/v1/collectors', { limit: 1 }).then(() => finished.push('staging'));
    const prodDoneBeforeStaging = finished.indexOf('staging');
    await Promise.all(burst);

    // Production's first second's worth (its burst) may be answered first; the rest wait on its budget alone.
    expect(prodDoneBeforeStaging).toBeLessThanOrEqual(5);
    expect(finished).toHaveLength(13);
    // Staging's budget was never touched by production's burst. (Production keeping exactly to its
    // own 4/s, 0 × 429, is measured by bench/rate-limit on a quiet machine: here two busy cores can
    // delay a request's arrival past the simulator's window, which the retry then absorbs.)
    expect(orgs.staging.counters.rateLimited).toBe(0);
    expect(orgs.prod.counters.byRoute['GET /v1/collectors']?.[200]).toBe(12);
  });
});
