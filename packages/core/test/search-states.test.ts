import { describe, expect, it } from 'vitest';
import { startSearchJob } from '../src/index.js';
import { mockedClient } from './helpers.js';

const JOB = '/api/v1/search/jobs/4E5F6A7B8C9D0E1F';

function status(state: string, messageCount: number, extra: Record<string, unknown> = {}) {
  return {
    state,
    messageCount,
    recordCount: 0,
    histogramBuckets: [],
    pendingErrors: [],
    pendingWarnings: [],
    ...extra,
  };
}

describe('search job states on the wire', () => {
  it('waits through the sub-query and histogram states the simulator never shows, with the job cookie on every call', async () => {
    const { pool, client } = mockedClient();
    pool
      .intercept({ path: '/api/v1/search/jobs', method: 'POST' })
      .reply(
        202,
        { id: '4E5F6A7B8C9D0E1F' },
        { headers: { 'set-cookie': 'JSESSIONID=JOBCOOKIE; Path=/api; HttpOnly' } },
      );
    const states = [
      status('NOT STARTED', 0),
      status('GATHERING RESULTS FROM SUBQUERIES', 0, { pendingErrors: ['subquery slow'] }),
      status('DONE GATHERING HISTOGRAM', 3, {
        histogramBuckets: [{ startTimestamp: 1_000, length: 1_000, count: 3 }],
      }),
      status('DONE GATHERING RESULTS', 5, {
        histogramBuckets: [{ startTimestamp: 0, length: 1_000, count: 2 }],
        pendingErrors: ['late error'],
      }),
    ];
    for (const body of states) {
      pool
        .intercept({ path: JOB, method: 'GET', headers: { cookie: 'JSESSIONID=JOBCOOKIE' } })
        .reply(200, body);
    }
    pool
      .intercept({ path: JOB, method: 'DELETE', headers: { cookie: 'JSESSIONID=JOBCOOKIE' } })
      .reply(200, {});

    const job = await startSearchJob(
      client,
      { query: 'error', from: 1_700_000_000_000, to: 1_700_000_060_000 },
      { poll: { initialMs: 1, maxMs: 5 } },
    );
    const seen: string[] = [];
    const done = await job.waitUntilDone({ onProgress: (snapshot) => seen.push(snapshot.state) });
    expect(seen).toEqual(states.map((body) => body.state));
    expect(done).toMatchObject({ done: true, messageCount: 5, errors: ['subquery slow', 'late error'] });
    expect(done.histogram).toEqual([
      { startTimestamp: 0, length: 1_000, count: 2 },
      { startTimestamp: 1_000, length: 1_000, count: 3 },
    ]);
    expect(await job.close()).toBe(true);
  });
});
