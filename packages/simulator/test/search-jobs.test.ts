import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../src/durations.js';
import { compileQuery, type Simulator, type SimulatorOptions } from '../src/index.js';
import {
  ACCESS_ID,
  ACCESS_KEY,
  type ApiResponse,
  api,
  basicAuth,
  expectSumoError,
  SUMO_REQUEST_ID,
  useSimulator,
} from './helpers.js';

const START = Date.UTC(2026, 10, 1);
const CORPUS = 20_000;
const FULL_RANGE = { from: String(START - DAY_MS), to: String(START), timeZone: 'UTC' };
/** Jobs of one access id must stay out of another's reach and count. */
const OWN = { accessId: ACCESS_ID, accessKey: ACCESS_KEY };
const OTHER = { accessId: 'other-id', accessKey: 'other-key' };

const start = useSimulator();

/** Simulated time stands still unless a test moves it, so every state is observable. */
function startSearchSimulator(search: SimulatorOptions['search'] = {}, options: SimulatorOptions = {}) {
  return start({
    clockSpeed: 0,
    search: { corpusSize: CORPUS, gatheringSpeed: 10_000, ...search },
    ...options,
  });
}

interface CreatedJob {
  id: string;
  cookie: string;
  response: ApiResponse;
}

async function createJob(
  sim: Simulator,
  body: Record<string, unknown> = {},
  authorization?: string,
): Promise<CreatedJob> {
  const response = await api(sim, 'POST', '/v1/search/jobs', {
    body: { query: '*', ...FULL_RANGE, ...body },
    ...(authorization === undefined ? {} : { authorization }),
  });
  expect(response.status, response.text).toBe(202);
  const cookie = response.headers
    .getSetCookie()
    .map((header) => header.split(';')[0])
    .join('; ');
  return { id: response.json.id, cookie, response };
}

function jobRequest(
  sim: Simulator,
  method: string,
  path: string,
  cookie: string | undefined,
  authorization?: string,
) {
  return api(sim, method, path, {
    headers: cookie === undefined ? {} : { cookie },
    ...(authorization === undefined ? {} : { authorization }),
  });
}

/** `cookie`: the job's own by default, another one, or null for none. */
const status = (sim: Simulator, job: CreatedJob, cookie?: string | null) =>
  jobRequest(
    sim,
    'GET',
    `/v1/search/jobs/${job.id}`,
    cookie === undefined ? job.cookie : (cookie ?? undefined),
  );

const page = (sim: Simulator, job: CreatedJob, kind: 'messages' | 'records', offset: number, limit: number) =>
  jobRequest(sim, 'GET', `/v1/search/jobs/${job.id}/${kind}?offset=${offset}&limit=${limit}`, job.cookie);

describe('creating a search job', () => {
  it('answers 202 with the id, a Location, and a routing cookie unique to the job', async () => {
    const sim = await startSearchSimulator();
    const first = await createJob(sim);
    const second = await createJob(sim);
    expect(first.response.json).toEqual({
      id: first.id,
      link: { rel: 'self', href: `${sim.apiUrl}/v1/search/jobs/${first.id}` },
    });
    expect(first.response.headers.get('location')).toBe(`${sim.apiUrl}/v1/search/jobs/${first.id}`);
    const setCookies = first.response.headers.getSetCookie();
    expect(setCookies).toHaveLength(2);
    expect(setCookies[0]).toMatch(/^JSESSIONID=[0-9A-F]{32}; Path=\/api; HttpOnly$/);
    expect(first.cookie).not.toBe(second.cookie);
    expect(first.id).not.toBe(second.id);
  });

  it.each([
    [{ query: undefined }, 'searchjob.no.query'],
    [{ query: '   ' }, 'searchjob.no.query'],
    [{ from: 'yesterday' }, 'searchjob.invalid.timestamp.from'],
    [{ from: '2026-02-30T00:00:00' }, 'searchjob.invalid.timestamp.from'],
    [{ to: '2026-11-01T25:00:00' }, 'searchjob.invalid.timestamp.to'],
    [{ from: String(START), to: String(START - 1) }, 'searchjob.to.smaller.than.from'],
    [{ timeZone: 'Mars/Olympus_Mons' }, 'searchjob.unknown.timezone'],
    [{ timeZone: ' ' }, 'searchjob.empty.timezone'],
    [{ from: '2026-10-31T00:00:00', timeZone: undefined }, 'searchjob.empty.timezone'],
    [{ byReceiptTime: 'sometimes' }, 'searchjob.unknown.time.type'],
    [{ autoParsingMode: 'Psychic' }, 'searchjob.generic'],
    [{ query: 'error | top 10 _sourceHost' }, 'searchjob.parse.error'],
  ])('rejects %j with 400 %s', async (override, code) => {
    const sim = await startSearchSimulator();
    const response = await api(sim, 'POST', '/v1/search/jobs', {
      body: { query: '*', ...FULL_RANGE, ...override },
    });
    expectSumoError(response, 400, code);
    expect(response.json.id).toMatch(SUMO_REQUEST_ID);
  });

  it("passes the query engine's message, with its position, through parse.error", async () => {
    const sim = await startSearchSimulator();
    const response = await api(sim, 'POST', '/v1/search/jobs', {
      body: { query: 'error | top 10 _sourceHost', ...FULL_RANGE },
    });
    expect(response.json.message).toContain("Unsupported operator 'top' at position 8");
    expect(response.json.message).toContain(
      'supported operators: count, fields, json, limit, parse, sort, timeslice, where',
    );
  });

  it('reads ISO local times in the time zone (also spelt timezone) and epoch milliseconds', async () => {
    const sim = await startSearchSimulator();
    const iso = await createJob(sim, {
      from: '2026-10-31T05:30:00',
      to: '2026-11-01T05:30:00',
      timeZone: 'IST',
    });
    const lower = await createJob(sim, {
      from: '2026-10-30T17:00:00',
      to: '2026-10-31T17:00:00',
      timeZone: undefined,
      timezone: 'America/Los_Angeles',
    });
    const epoch = await createJob(sim, { from: START - DAY_MS, to: START, timeZone: undefined });
    sim.clock.advance(10_000);
    for (const job of [iso, lower, epoch]) {
      expect((await status(sim, job)).json).toMatchObject({
        state: 'DONE GATHERING RESULTS',
        messageCount: CORPUS,
      });
    }
  });
});

describe('job lifecycle', () => {
  it('goes NOT STARTED → GATHERING RESULTS → DONE GATHERING RESULTS with counts growing', async () => {
    const sim = await startSearchSimulator();
    const job = await createJob(sim, { query: '| count by _sourceCategory' });
    expect((await status(sim, job)).json).toEqual({
      pendingErrors: [],
      pendingWarnings: [],
      histogramBuckets: [],
      state: 'NOT STARTED',
      messageCount: 0,
      recordCount: 0,
    });
    sim.clock.advance(1_000);
    const gathering = (await status(sim, job)).json;
    expect(gathering.state).toBe('GATHERING RESULTS');
    expect(gathering.messageCount).toBe(5_000);
    expect(gathering.recordCount).toBeGreaterThan(0);
    sim.clock.advance(1_000);
    const more = (await status(sim, job)).json;
    expect(more.messageCount).toBe(15_000);
    sim.clock.advance(1_000);
    expect((await status(sim, job)).json).toMatchObject({
      state: 'DONE GATHERING RESULTS',
      messageCount: CORPUS,
      recordCount: 8,
    });
  });

  it('ends every job at its set duration, whatever its range holds, once jobDurationMs is given', async () => {
    const sim = await startSearchSimulator({ jobDurationMs: 2_500, startDelayMs: 500 });
    const whole = await createJob(sim);
    const aggregate = await createJob(sim, { query: '* | count by _sourceCategory' });
    const hour = await createJob(sim, { from: String(START - 3_600_000) });
    sim.search.setJobDurationMs(4_000);
    const longer = await createJob(sim);
    const all = [whole, aggregate, hour, longer];
    const states = async () => Promise.all(all.map(async (job) => (await status(sim, job)).json.state));
    expect(await states()).toEqual(Array(4).fill('NOT STARTED'));
    sim.clock.advance(1_500);
    const halfway = (await status(sim, whole)).json;
    expect(halfway).toMatchObject({ state: 'GATHERING RESULTS', messageCount: CORPUS / 2 });
    sim.clock.advance(999);
    expect(await states()).toEqual(Array(4).fill('GATHERING RESULTS'));
    sim.clock.advance(1);
    expect(await states()).toEqual([
      'DONE GATHERING RESULTS',
      'DONE GATHERING RESULTS',
      'DONE GATHERING RESULTS',
      'GATHERING RESULTS',
    ]);
    expect((await status(sim, whole)).json.messageCount).toBe(CORPUS);
    sim.clock.advance(1_500);
    expect((await status(sim, longer)).json).toMatchObject({
      state: 'DONE GATHERING RESULTS',
      messageCount: CORPUS,
    });
    expect(() => sim.search.setJobDurationMs(-1)).toThrow(RangeError);
  });

  it('returns histogram buckets and warnings only once: each status call brings what is new', async () => {
    const sim = await startSearchSimulator();
    const job = await createJob(sim, { query: '| json "level" as level' });
    const buckets = new Map<number, number>();
    const warnings: string[][] = [];
    let last: { state: string; messageCount: number } | undefined;
    for (let call = 0; call < 8; call++) {
      sim.clock.advance(400);
      const body = (await status(sim, job)).json;
      warnings.push(body.pendingWarnings);
      for (const bucket of body.histogramBuckets) {
        expect(Object.keys(bucket)).toEqual(['length', 'count', 'startTimestamp']);
        expect(buckets.has(bucket.startTimestamp)).toBe(false);
        buckets.set(bucket.startTimestamp, bucket.count);
      }
      last = body;
    }
    expect(last?.state).toBe('DONE GATHERING RESULTS');
    expect([...buckets.values()].reduce((sum, count) => sum + count, 0)).toBe(last?.messageCount);
    expect(buckets.size).toBeGreaterThan(10);
    expect(warnings.filter((batch) => batch.length > 0)).toEqual([
      [expect.stringContaining('not valid JSON')],
    ]);
  });

  it('FORCE PAUSES a non-aggregate search at the message threshold but lets aggregates finish', async () => {
    const sim = await startSearchSimulator({ forcePauseThreshold: 3_000 });
    const messages = await createJob(sim);
    const aggregate = await createJob(sim, { query: '| count' });
    sim.clock.advance(5_000);
    const paused = (await status(sim, messages)).json;
    expect(paused).toMatchObject({ state: 'FORCE PAUSED', messageCount: 3_000 });
    expect(paused.pendingWarnings).toEqual([expect.stringContaining('paused after 3000 messages')]);
    sim.clock.advance(5_000);
    expect((await status(sim, messages)).json).toMatchObject({ state: 'FORCE PAUSED', messageCount: 3_000 });
    expect((await page(sim, messages, 'messages', 2_990, 100)).json.messages).toHaveLength(10);
    expect((await status(sim, aggregate)).json).toMatchObject({
      state: 'DONE GATHERING RESULTS',
      messageCount: CORPUS,
    });
  });

  it('CANCELS a job nobody asked about for 30 simulated seconds, and polling every 20 s keeps it alive', async () => {
    const sim = await startSearchSimulator({ gatheringSpeed: 100 });
    const polled = await createJob(sim);
    const idle = await createJob(sim);
    expect(sim.search.activeJobCount()).toBe(2);
    for (let i = 0; i < 3; i++) {
      sim.clock.advance(20_000);
      expect((await status(sim, polled)).json.state).toBe('GATHERING RESULTS');
    }
    const cancelled = (await status(sim, idle)).json;
    expect(cancelled.state).toBe('CANCELLED');
    // It gathered for the 30 s it was alive (after its start delay), then stopped.
    expect(cancelled.messageCount).toBe(Math.floor(29.5 * 100));
    expect((await page(sim, idle, 'messages', 0, 10)).status).toBe(404);
    expect(sim.search.activeJobCount()).toBe(1);
  });

  it('counts active jobs per access id, refuses the 201st with 429 and frees slots on delete', async () => {
    const sim = await startSearchSimulator({}, { credentials: [OWN, OTHER] });
    const jobs = await Promise.all(Array.from({ length: 200 }, () => createJob(sim)));
    const refused = await api(sim, 'POST', '/v1/search/jobs', { body: { query: '*', ...FULL_RANGE } });
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ code: 'rate.limit.exceeded' });
    expect(refused.json.message).toContain('200 active concurrent search jobs');
    await createJob(sim, {}, basicAuth(OTHER.accessId, OTHER.accessKey));
    expect(sim.search.activeJobCount(ACCESS_ID)).toBe(200);
    for (const job of jobs) {
      const deleted = await jobRequest(sim, 'DELETE', `/v1/search/jobs/${job.id}`, job.cookie);
      expect(deleted.json).toEqual({ id: job.id });
    }
    expect(sim.search.activeJobCount(ACCESS_ID)).toBe(0);
    expect(sim.search.activeJobCount()).toBe(1);
    await createJob(sim);
  });

  it('forgets a deleted job', async () => {
    const sim = await startSearchSimulator();
    const job = await createJob(sim);
    expect((await jobRequest(sim, 'DELETE', `/v1/search/jobs/${job.id}`, job.cookie)).status).toBe(200);
    expect((await status(sim, job)).json).toMatchObject({ status: 404, code: 'searchjob.jobid.invalid' });
    expect((await jobRequest(sim, 'DELETE', `/v1/search/jobs/${job.id}`, job.cookie)).status).toBe(404);
  });
});

describe('routing cookies', () => {
  it('routes a follow-up only with its own job cookie: not without one, not with another job’s', async () => {
    const sim = await startSearchSimulator();
    const first = await createJob(sim);
    const second = await createJob(sim);
    expect((await status(sim, first)).status).toBe(200);
    expect((await status(sim, second)).status).toBe(200);
    for (const cookie of [second.cookie, null, 'JSESSIONID=0123456789ABCDEF0123456789ABCDEF']) {
      const response = await status(sim, first, cookie);
      expect(response.status).toBe(404);
      expect(response.json).toMatchObject({ code: 'searchjob.jobid.invalid', message: 'Job ID is invalid.' });
    }
    const lostCookiePage = await jobRequest(
      sim,
      'GET',
      `/v1/search/jobs/${first.id}/messages?offset=0&limit=1`,
      undefined,
    );
    expect(lostCookiePage.status).toBe(404);
    expect((await jobRequest(sim, 'DELETE', `/v1/search/jobs/${first.id}`, second.cookie)).status).toBe(404);
  });

  it('hides a job from another access id even with the right cookie', async () => {
    const sim = await startSearchSimulator({}, { credentials: [OWN, OTHER] });
    const job = await createJob(sim);
    const response = await jobRequest(
      sim,
      'GET',
      `/v1/search/jobs/${job.id}`,
      job.cookie,
      basicAuth(OTHER.accessId, OTHER.accessKey),
    );
    expect(response.status).toBe(404);
  });
});

describe('paging results', () => {
  it('serves partial pages while gathering, with offsets that stay stable as results grow', async () => {
    const sim = await startSearchSimulator();
    const job = await createJob(sim, { query: 'error' });
    sim.clock.advance(1_000);
    const partial = (await status(sim, job)).json;
    expect(partial.state).toBe('GATHERING RESULTS');
    const early = (await page(sim, job, 'messages', 0, 10_000)).json;
    expect(early.messages).toHaveLength(partial.messageCount);
    expect(early.fields.map((field: { name: string }) => field.name)).toContain('_raw');
    sim.clock.advance(5_000);
    const done = (await status(sim, job)).json;
    expect(done.state).toBe('DONE GATHERING RESULTS');
    const all = (await page(sim, job, 'messages', 0, 10_000)).json.messages;
    expect(all.slice(0, early.messages.length)).toEqual(early.messages);
    const expected = [
      ...compileQuery('error').messages(sim.search.corpus, { from: START - DAY_MS, to: START }),
    ];
    expect(all.map((m: { map: Record<string, string> }) => m.map)).toEqual(expected);
    const tail = (await page(sim, job, 'messages', done.messageCount - 3, 10)).json.messages;
    expect(tail).toHaveLength(3);
    expect((await page(sim, job, 'messages', done.messageCount + 5, 10)).json.messages).toEqual([]);
  });

  it('caps a page at 10,000 messages', async () => {
    const sim = await startSearchSimulator();
    const job = await createJob(sim);
    sim.clock.advance(5_000);
    expect((await page(sim, job, 'messages', 0, 50_000)).json.messages).toHaveLength(10_000);
  });

  it('serves records for aggregate queries, with key fields marked', async () => {
    const sim = await startSearchSimulator();
    const query = '| count _sourceCategory | sort by _count | limit 3';
    const job = await createJob(sim, { query });
    sim.clock.advance(5_000);
    const body = (await page(sim, job, 'records', 0, 2)).json;
    expect(body.fields).toEqual([
      { name: '_sourceCategory', fieldType: 'string', keyField: true },
      { name: '_count', fieldType: 'int', keyField: false },
    ]);
    expect(body.records).toEqual(
      compileQuery(query)
        .records(sim.search.corpus, { from: START - DAY_MS, to: START })
        .slice(0, 2),
    );
    expect((await page(sim, job, 'records', 2, 10)).json.records).toHaveLength(1);
  });

  it('refuses records for a query without an aggregation', async () => {
    const sim = await startSearchSimulator();
    const job = await createJob(sim);
    const response = await page(sim, job, 'records', 0, 10);
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({
      code: 'searchjob.no.records.not.an.aggregation.query',
      message: 'No records; query is not an aggregation',
    });
  });

  it.each([
    ['limit=10', 'searchjob.offset.missing'],
    ['offset=-1&limit=10', 'searchjob.offset.negative'],
    ['offset=0', 'searchjob.limit.missing'],
    ['offset=0&limit=0', 'searchjob.limit.zero'],
    ['offset=0&limit=-5', 'searchjob.limit.negative'],
    ['offset=abc&limit=5', 'searchjob.generic'],
  ])('answers ?%s with 400 %s', async (query, code) => {
    const sim = await startSearchSimulator();
    const job = await createJob(sim);
    const response = await jobRequest(sim, 'GET', `/v1/search/jobs/${job.id}/messages?${query}`, job.cookie);
    expect(response.status).toBe(400);
    expect(response.json.code).toBe(code);
  });

  it('answers a malformed job id on the paging routes with 400 jobid.invalid', async () => {
    const sim = await startSearchSimulator();
    const job = await createJob(sim);
    const response = await jobRequest(
      sim,
      'GET',
      '/v1/search/jobs/not-a-job/messages?offset=0&limit=1',
      job.cookie,
    );
    expect(response.status).toBe(400);
    expect(response.json.code).toBe('searchjob.jobid.invalid');
  });

  it('answers a malformed job id on the records route with 400 too, and a paging problem there as on messages', async () => {
    const sim = await startSearchSimulator();
    const job = await createJob(sim, { query: '| count' });
    const malformed = await jobRequest(
      sim,
      'GET',
      '/v1/search/jobs/not-a-job/records?offset=0&limit=1',
      job.cookie,
    );
    expectSumoError(malformed, 400, 'searchjob.jobid.invalid');
    const noLimit = await jobRequest(sim, 'GET', `/v1/search/jobs/${job.id}/records?offset=0`, job.cookie);
    expectSumoError(noLimit, 400, 'searchjob.limit.missing');
  });
});
