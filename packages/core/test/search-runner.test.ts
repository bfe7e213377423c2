import { afterEach, describe, expect, it, vi } from 'vitest';
import { type SimulatedSumo, startSimulatedSumo } from '../../../test/support/simulated-sumo.js';
import {
  RateLimiter,
  SearchJobError,
  SearchRequestError,
  type SearchRow,
  startSearchJob,
  withSearchJob,
} from '../src/index.js';
import { caught, mockedClient } from './helpers.js';
import { FAST, HOUR } from './support/search.js';

let sumo: SimulatedSumo | undefined;
afterEach(async () => {
  await sumo?.close();
  sumo = undefined;
});

/** A simulator whose corpus ends an hour ago, so `-1d`..`now` covers all of it. */
async function simulator(search: Record<string, number> = {}, clockSpeed = 1) {
  const corpusTo = Date.now() - HOUR;
  sumo = await startSimulatedSumo({
    clockSpeed,
    search: { corpusSize: 20_000, corpusTo, corpusFrom: corpusTo - 24 * HOUR, startDelayMs: 0, ...search },
  });
  return { sumo, range: { from: corpusTo - 24 * HOUR, to: corpusTo } };
}

const active = () => sumo?.sim.search.activeJobCount() ?? -1;

describe('search job runner against the simulator', () => {
  it('runs a search to the end, merging histogram buckets and keeping warnings across status calls', async () => {
    // Simulated time stands still but for a second after every poll: 20,000 messages at 4,000 a second take 5 polls.
    const { sumo, range } = await simulator({ gatheringSpeed: 4_000 }, 0);
    const job = await startSearchJob(sumo.client, { query: '* | json "level" nodrop', ...range }, FAST);
    try {
      let polls = 0;
      const done = await job.waitUntilDone({
        onProgress: (_, n) => {
          polls = n;
          sumo.sim.clock.advance(1_000);
        },
      });
      expect(polls).toBe(6);
      expect(done).toMatchObject({ state: 'DONE GATHERING RESULTS', done: true, messageCount: 20_000 });
      // Buckets arrive a few per call; only their sum over every call adds up to the count.
      expect(done.histogram.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(20_000);
      expect(done.warnings).toEqual([expect.stringContaining('not valid JSON')]);
      const again = await job.refresh();
      expect(again.warnings).toEqual(done.warnings);
      expect(again.histogram).toEqual(done.histogram);
    } finally {
      expect(await job.close()).toBe(true);
    }
    expect(active()).toBe(0);
  });

  it('keeps two concurrent jobs apart, each with its own cookie jar', async () => {
    const { sumo, range } = await simulator();
    const [a, b] = await Promise.all([
      startSearchJob(sumo.client, { query: '_sourceCategory=prod/web/nginx', ...range }, FAST),
      startSearchJob(sumo.client, { query: '* | count by _sourceCategory', ...range }, FAST),
    ]);
    try {
      expect(a.affinity.requestOptions().cookieJar).not.toBe(b.affinity.requestOptions().cookieJar);
      const cookieA = await a.affinity.requestOptions().cookieJar?.getCookieString(sumo.sim.apiUrl);
      const cookieB = await b.affinity.requestOptions().cookieJar?.getCookieString(sumo.sim.apiUrl);
      expect(cookieA).toMatch(/JSESSIONID=/);
      expect(cookieA).not.toBe(cookieB);
      const [doneA, doneB] = await Promise.all([a.waitUntilDone(), b.waitUntilDone()]);
      const messages: SearchRow[] = [];
      for await (const row of a.messages({ pageSize: 1_000 })) messages.push(row);
      expect(messages).toHaveLength(doneA.messageCount);
      expect(new Set(messages.map((row) => row._sourceCategory))).toEqual(new Set(['prod/web/nginx']));
      const records: SearchRow[] = [];
      for await (const row of b.records()) records.push(row);
      expect(records).toHaveLength(doneB.recordCount);
      expect(records.reduce((sum, row) => sum + Number(row._count), 0)).toBe(20_000);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    expect(active()).toBe(0);
  });

  it('keeps a job alive while its pages are read slowly, and the job dies without it', async () => {
    // Simulated time moves only when the test moves it.
    const { sumo, range } = await simulator({ corpusSize: 5_000 }, 0);
    const statusCalls = () =>
      Object.values(sumo.sim.counters.byRoute['GET /v1/search/jobs/:id'] ?? {}).reduce((a, b) => a + b, 0);
    const job = await startSearchJob(
      sumo.client,
      { query: '*', ...range },
      { poll: { initialMs: 20, maxMs: 150 }, keepAliveMs: 150 },
    );
    try {
      sumo.sim.clock.advance(1_000);
      const done = await job.waitUntilDone();
      expect(done.state).toBe('DONE GATHERING RESULTS');
      // Only paged, with a consumer that lets 40 simulated seconds pass between pages (Sumo
      // cancels after 30 without a request): the runner's keep-alive touches the job meanwhile.
      let pages = 0;
      for await (const _ of job.messagePages({ pageSize: 2_500 })) {
        pages += 1;
        for (const _half of [1, 2]) {
          const before = statusCalls();
          await vi.waitFor(() => expect(statusCalls()).toBeGreaterThan(before), { timeout: 10_000 });
          sumo.sim.clock.advance(20_000);
        }
      }
      expect(pages).toBe(2);
    } finally {
      await job.close();
    }

    const neglected = await startSearchJob(sumo.client, { query: '*', ...range }, { keepAliveMs: 20_000 });
    try {
      sumo.sim.clock.advance(31_000);
      const error = await caught(neglected.refresh());
      expect(error).toBeInstanceOf(SearchJobError);
      expect((error as SearchJobError).code).toBe('search.job.cancelled');
      expect((error as SearchJobError).message).toContain('CANCELLED');
    } finally {
      await neglected.close();
    }
    expect(active()).toBe(0);
  });

  it('treats FORCE PAUSED as final: pages what was found and says the results are partial', async () => {
    const { sumo, range } = await simulator({ forcePauseThreshold: 1_500 });
    await withSearchJob(
      sumo.client,
      { query: '*', ...range },
      async (job) => {
        const done = await job.waitUntilDone();
        expect(done).toMatchObject({ state: 'FORCE PAUSED', done: true, messageCount: 1_500 });
        expect(done.warnings).toEqual([expect.stringContaining('paused')]);
        let count = 0;
        for await (const _ of job.messages({ pageSize: 400 })) count += 1;
        expect(count).toBe(1_500);
      },
      FAST,
    );
    expect(active()).toBe(0);
  });

  it('reports CANCELLED (Sumo’s 8-hour stop) as an error rather than waiting forever', async () => {
    const { sumo, range } = await simulator({ gatheringSpeed: 10 });
    const error = await caught(
      withSearchJob(
        sumo.client,
        { query: '*', ...range },
        async (job) => {
          await job.refresh();
          sumo.sim.clock.advance(8 * HOUR + 1_000);
          await job.waitUntilDone();
        },
        FAST,
      ),
    );
    expect(error).toMatchObject({ name: 'SearchJobError', code: 'search.job.cancelled' });
    expect(active()).toBe(0);
  });

  it('gives up at the runtime ceiling and deletes the job', async () => {
    const { sumo, range } = await simulator({ gatheringSpeed: 10 });
    const error = await caught(
      withSearchJob(sumo.client, { query: '*', ...range }, (job) => job.waitUntilDone(), {
        ...FAST,
        maxRuntimeMs: 300,
      }),
    );
    expect(error).toMatchObject({ code: 'search.job.too.long', message: expect.stringContaining('8 hours') });
    expect(active()).toBe(0);
  });

  it('reports a job whose cookie is rejected as lost, never as an empty result', async () => {
    const { sumo, range } = await simulator();
    const job = await startSearchJob(sumo.client, { query: '*', ...range }, FAST);
    try {
      await job.waitUntilDone();
      await job.affinity.requestOptions().cookieJar?.removeAllCookies();
      const error = await caught(
        (async () => {
          for await (const _ of job.messages()) {
            // Unreachable: the first page already fails.
          }
        })(),
      );
      expect(error).toMatchObject({
        code: 'search.job.lost',
        message: expect.stringContaining('job lost (expired, cancelled, or cookie rejected)'),
      });
      await expect(job.refresh()).rejects.toMatchObject({ code: 'search.job.lost' });
    } finally {
      await job.close();
    }
    // Without its cookie the job cannot be deleted: Sumo cancels it once nobody polls it.
    expect(active()).toBe(1);
    sumo.sim.clock.advance(31_000);
    expect(active()).toBe(0);
  });

  it('pages messages while the job is still gathering, newest first and without gaps', async () => {
    // Simulated time moves a quarter of a second (2,000 messages) with every page read.
    const { sumo, range } = await simulator({ gatheringSpeed: 8_000 }, 0);
    await withSearchJob(
      sumo.client,
      { query: '*', ...range },
      async (job) => {
        const states = new Set<string>();
        const times: number[] = [];
        const ids = new Set<string>();
        sumo.sim.clock.advance(250);
        for await (const page of job.messagePages({ pageSize: 1_000 })) {
          sumo.sim.clock.advance(250);
          states.add(job.snapshot().state);
          for (const row of page.rows) {
            times.push(Number(row._messagetime));
            ids.add(row._messageid ?? '');
          }
        }
        expect(states.has('GATHERING RESULTS')).toBe(true);
        expect(job.snapshot().state).toBe('DONE GATHERING RESULTS');
        expect(ids.size).toBe(20_000);
        expect(times.every((time, index) => index === 0 || time <= (times[index - 1] as number))).toBe(true);
      },
      FAST,
    );
    expect(active()).toBe(0);
  });

  it('answers records for an aggregate query and explains their absence for a raw one', async () => {
    const { sumo, range } = await simulator();
    await withSearchJob(
      sumo.client,
      { query: 'error', ...range },
      async (job) => {
        await job.waitUntilDone();
        const error = await caught(job.getRecords(0, 10));
        expect(error).toMatchObject({
          code: 'search.no.records',
          message: expect.stringContaining('messages'),
        });
        await expect(
          (async () => {
            for await (const _ of job.records()) {
              // Unreachable.
            }
          })(),
        ).rejects.toMatchObject({ code: 'search.no.records' });
      },
      FAST,
    );
    expect(active()).toBe(0);
  });

  it('refuses bad requests before any API call', async () => {
    const { sumo } = await simulator();
    const error = await caught(
      startSearchJob(sumo.client, { query: ' ', from: 'now', to: '-1h', timeZone: 'Nowhere/City' }),
    );
    expect(error).toBeInstanceOf(SearchRequestError);
    expect((error as SearchRequestError).problems.map((problem) => problem.field).sort()).toEqual([
      'from',
      'query',
      'timeZone',
    ]);
    expect(sumo.sim.counters.total).toBe(0);
  });

  it('deletes the job when its user fails, and when the caller aborts', async () => {
    const { sumo, range } = await simulator({ gatheringSpeed: 10 });
    const failure = await caught(
      withSearchJob(
        sumo.client,
        { query: '*', ...range },
        async (job) => {
          await job.refresh();
          expect(active()).toBe(1);
          throw new Error('consumer broke');
        },
        FAST,
      ),
    );
    expect(failure).toMatchObject({ message: 'consumer broke' });
    expect(active()).toBe(0);

    const controller = new AbortController();
    const aborted = await caught(
      withSearchJob(
        sumo.client,
        { query: '*', ...range },
        (job) =>
          job.waitUntilDone({
            signal: controller.signal,
            // Stopped once the job is known to be running.
            onProgress: () => controller.abort(new Error('user pressed stop')),
          }),
        { ...FAST, signal: controller.signal },
      ),
    );
    expect(aborted).toMatchObject({ message: 'user pressed stop' });
    expect(active()).toBe(0);
    expect(sumo.sim.counters.byRoute['DELETE /v1/search/jobs/:id']).toEqual({ 200: 2 });
  });

  it('explains the active-job limit and does not keep retrying it', async () => {
    const { sumo, range } = await simulator({ maxActiveJobs: 200 });
    const jobs = [];
    for (let index = 0; index < 200; index += 1) {
      jobs.push(await startSearchJob(sumo.client, { query: '*', ...range }, { keepAliveMs: 20_000 }));
    }
    try {
      const error = await caught(startSearchJob(sumo.client, { query: '*', ...range }));
      expect(error).toBeInstanceOf(SearchJobError);
      expect(error).toMatchObject({ code: 'search.jobs.limit' });
      const message = (error as Error).message;
      expect(message).toContain('limit of active search jobs (200');
      expect(message).toContain('cancel_search');
      expect(sumo.sim.counters.byRoute['POST /v1/search/jobs']?.[429]).toBeLessThanOrEqual(3);
    } finally {
      await Promise.all(jobs.map((job) => job.close()));
    }
    expect(active()).toBe(0);
  });
});

describe('the poll schedule run_search and get_search_status wait with (fake timers)', () => {
  const ID = '4E5F6A7B8C9D0E1F';
  const JOB = `/api/v1/search/jobs/${ID}`;
  /** Every answer of the mocked Sumo takes this long. */
  const ANSWER_MS = 20;
  const GROWTH = 0.15;
  afterEach(() => {
    vi.useRealTimers();
  });

  /**
   * Waits as run_search does for a job that is DONE `jobMs` after its creation, on a mocked Sumo
   * at Sumo's 4 requests/s, with time faked: returns when each status call was made (ms after the
   * job's creation) and when the job was seen done.
   */
  async function waitFor(jobMs: number, deadlineMs = 60_000) {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { agent, pool, client } = mockedClient({
      rateLimiter: new RateLimiter({ limits: { perSecond: 4, concurrent: 10 } }),
    });
    let createdAt = 0;
    const polls: number[] = [];
    pool
      .intercept({ path: '/api/v1/search/jobs', method: 'POST' })
      .reply(() => {
        createdAt = Date.now();
        return {
          statusCode: 202,
          data: { id: ID },
          responseOptions: { headers: { 'set-cookie': 'JSESSIONID=JOBCOOKIE; Path=/api' } },
        };
      })
      .delay(ANSWER_MS);
    pool
      .intercept({ path: JOB, method: 'GET' })
      .reply(() => {
        const age = Date.now() - createdAt;
        polls.push(age);
        const done = age >= jobMs;
        return {
          statusCode: 200,
          data: {
            state: done ? 'DONE GATHERING RESULTS' : 'GATHERING RESULTS',
            messageCount: done ? 100 : 0,
            recordCount: 0,
            histogramBuckets: [],
            pendingErrors: [],
            pendingWarnings: [],
          },
        };
      })
      .delay(ANSWER_MS)
      .persist();
    pool.intercept({ path: JOB, method: 'DELETE' }).reply(200, {}).persist();
    const waited = (async () => {
      // No keep-alive timer: the schedule alone decides every status call.
      const job = await startSearchJob(
        client,
        { query: 'error', from: 1_700_000_000_000, to: 1_700_000_060_000 },
        { timers: 'none' },
      );
      try {
        return await job.waitUntilDone({
          pollGrowth: GROWTH,
          reserve: () => 1,
          deadline: Date.now() + deadlineMs,
        });
      } finally {
        await job.close();
      }
    })();
    let settled = false;
    void waited.finally(() => {
      settled = true;
    });
    while (!settled) await vi.advanceTimersToNextTimerAsync();
    const snapshot = await waited;
    await agent.close();
    return { polls, snapshot, seenAt: polls.at(-1) ?? Number.NaN };
  }

  /** When a poller that asks again one second after each answer sees a job of `jobMs` done. */
  function oneSecondPollerSeesDone(jobMs: number): number {
    let at = ANSWER_MS;
    while (at < jobMs) at += ANSWER_MS + 1_000;
    return at;
  }

  it('polls three times a second while the job is young, then twice, then once, never more than a second after an answer', async () => {
    const { polls, snapshot } = await waitFor(Number.POSITIVE_INFINITY, 12_000);
    expect(snapshot.done).toBe(false);
    const gaps = polls.slice(1).map((at, index) => at - (polls[index] as number));
    // No answer waits more than a second for the next question.
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1_000 + ANSWER_MS);
    const inSecond = (from: number) => polls.filter((at) => at >= from && at < from + 1_000).length;
    expect(inSecond(1_000)).toBe(3);
    expect(inSecond(5_000)).toBe(2);
    expect(inSecond(9_000)).toBe(1);
    // One request in every second stays free for the summary's page once the job is done.
    for (const at of polls) expect(inSecond(at)).toBeLessThanOrEqual(3);
  });

  it('sees a job done within 15% of its run time (a third of a second early on), never later than a one-second poller', async () => {
    for (let jobMs = 1_000; jobMs <= 6_000; jobMs += 125) {
      const { seenAt, snapshot } = await waitFor(jobMs);
      expect(snapshot.done).toBe(true);
      expect(seenAt - jobMs, `a job of ${jobMs} ms`).toBeLessThanOrEqual(
        Math.max(1_000 / 3, GROWTH * jobMs) + ANSWER_MS,
      );
      expect(seenAt, `a job of ${jobMs} ms`).toBeLessThanOrEqual(oneSecondPollerSeesDone(jobMs));
    }
  });
});
