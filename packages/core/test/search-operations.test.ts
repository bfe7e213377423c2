import { Agent, type Dispatcher } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type SimulatedSumo, startSimulatedSumo } from '../../../test/support/simulated-sumo.js';
import {
  createCatalog,
  createSearchOperations,
  keepsMessageOrder,
  MAX_SUMMARY_BYTES,
  type OperationContext,
  OperationError,
  OperationInputError,
  SearchJobRegistry,
  type SumoClientOptions,
  searchOperations,
} from '../src/index.js';
import { caught } from './helpers.js';
import { HOUR } from './support/search.js';

let sumo: SimulatedSumo | undefined;
let registry: SearchJobRegistry;
let watched: WatchedRequests | undefined;
afterEach(async () => {
  watched?.open();
  await registry?.closeAll();
  await sumo?.close();
  await watched?.dispatcher.close();
  sumo = undefined;
  watched = undefined;
});

interface WatchedRequests {
  dispatcher: Dispatcher;
  /** Result pages asked for so far (sent, answered or not). */
  pagesSent: { messages: number; records: number };
  /** What happened, in order: `DELETE sent`, beside the test's own events. */
  events: string[];
  /** Lets held DELETEs (and every later one) go to the simulator. */
  open(): void;
}

/** A dispatcher that counts the result pages asked for and, with `holdDeletes`, holds every DELETE until `open()`. */
function watchRequests(options: { holdDeletes?: boolean } = {}): WatchedRequests {
  const events: string[] = [];
  const pagesSent = { messages: 0, records: 0 };
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  if (!options.holdDeletes) open();
  const dispatcher = new Agent().compose(
    (dispatch: Dispatcher['dispatch']): Dispatcher['dispatch'] =>
      (request, handler) => {
        const page = /\/(messages|records)\?/.exec(request.path)?.[1] as 'messages' | 'records' | undefined;
        if (page) pagesSent[page] += 1;
        if (request.method !== 'DELETE') return dispatch(request, handler);
        events.push('DELETE sent');
        void gate.then(() => dispatch(request, handler));
        return true;
      },
  );
  watched = { dispatcher, pagesSent, events, open };
  return watched;
}

async function setUp(
  search: Record<string, number> = {},
  options: { idleTimeoutMs?: number; clockSpeed?: number; client?: Partial<SumoClientOptions> } = {},
) {
  const corpusTo = Date.now() - HOUR;
  sumo = await startSimulatedSumo({
    clockSpeed: options.clockSpeed ?? 1,
    ...(options.client ? { client: options.client } : {}),
    search: { corpusSize: 20_000, corpusTo, corpusFrom: corpusTo - 24 * HOUR, startDelayMs: 0, ...search },
  });
  registry = new SearchJobRegistry();
  const catalog = createCatalog(
    createSearchOperations({
      registry,
      ...(options.idleTimeoutMs ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
      job: { poll: { initialMs: 20, maxMs: 100 }, keepAliveMs: 100 },
    }),
  );
  const progress: string[] = [];
  const ctx: OperationContext = {
    client: sumo.client,
    logger: sumo.logger,
    onProgress: (update) => progress.push(update.message ?? ''),
  };
  // biome-ignore lint/suspicious/noExplicitAny: tests read the operations' untyped output
  const run = async (name: string, raw: unknown, extra: Partial<OperationContext> = {}): Promise<any> =>
    catalog.run(name, { ...ctx, ...extra }, catalog.parseInput(name, raw));
  return { sumo, run, progress, range: { from: corpusTo - 24 * HOUR, to: corpusTo } };
}

const active = () => sumo?.sim.search.activeJobCount() ?? -1;
const deletes = () => sumo?.sim.counters.byRoute['DELETE /v1/search/jobs/:id'] ?? {};

describe('search operations', () => {
  it('run_search answers a raw search with a small summary and the first messages, and deletes the job', async () => {
    const { run, progress, range } = await setUp({ corpusSize: 100_000, gatheringSpeed: 400_000 });
    const result = await run('run_search', { query: '*', ...range, limit: 5 });
    expect(result).toMatchObject({
      done: true,
      jobKept: false,
      state: 'DONE GATHERING RESULTS',
      itemsKind: 'messages',
    });
    expect(result.messageCount).toBe(100_000);
    expect(result.items).toHaveLength(5);
    expect(result.items[0]).toMatchObject({
      time: expect.any(String),
      raw: expect.any(String),
      truncated: expect.any(Boolean),
    });
    expect(result.items[0].fields._messageid).toBeUndefined();
    expect(result.next).toContain('Showing 5 of 100000 messages');

    const summary = result.summary;
    expect(Buffer.byteLength(JSON.stringify(summary))).toBeLessThanOrEqual(MAX_SUMMARY_BYTES);
    expect(summary).toMatchObject({
      complete: true,
      aggregate: false,
      messageCount: 100_000,
      sampledMessages: 1_000,
    });
    expect(Object.keys(summary.topValues)).toEqual(['_sourceCategory', '_sourceHost', '_collector']);
    expect(summary.topValues._sourceCategory[0]).toMatchObject({
      value: expect.any(String),
      count: expect.any(Number),
    });
    expect(summary.samples.length).toBeGreaterThan(0);
    expect(summary.samples[0]).toHaveProperty('truncated');
    expect(summary.histogram.counts.reduce((sum: number, count: number) => sum + count, 0)).toBe(100_000);
    expect(progress.length).toBeGreaterThan(0);
    await registry.settled();
    expect(active()).toBe(0);
  });

  it('run_search summarises an aggregate search by its top records', async () => {
    const { run, range } = await setUp();
    const result = await run('run_search', { query: '* | count by _sourceCategory', ...range });
    expect(result.itemsKind).toBe('records');
    expect(result.summary.records.orderedBy).toBe('_count descending');
    const counts = result.summary.records.top.map((record: Record<string, string>) => Number(record._count));
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(counts.reduce((sum: number, count: number) => sum + count, 0)).toBe(20_000);
    await registry.settled();
    expect(active()).toBe(0);
  });

  it('run_search reads the page its summary needs while a plain search still gathers, and only once', async () => {
    // 100,000 messages at 100,000 a second; simulated time moves 100 ms with every poll.
    const { pagesSent, dispatcher } = watchRequests();
    const { run, sumo, range } = await setUp(
      { corpusSize: 100_000, gatheringSpeed: 100_000 },
      { clockSpeed: 0, client: { dispatcher } },
    );
    const pagesWhenDone: number[] = [];
    const result = await run(
      'run_search',
      { query: '_sourceCategory=* | where _raw matches "*" | fields _raw', ...range },
      {
        onProgress: (update: { message?: string }) => {
          sumo.sim.clock.advance(100);
          if (update.message?.startsWith('DONE')) pagesWhenDone.push(pagesSent.messages);
        },
      },
    );
    expect(result.summary).toMatchObject({ complete: true, messageCount: 100_000, sampledMessages: 1_000 });
    expect(pagesWhenDone).toEqual([1]);
    expect(pagesSent).toEqual({ messages: 1, records: 0 });
  });

  it('run_search reads records only once an aggregate search is done: they change until then', async () => {
    const { pagesSent, dispatcher } = watchRequests();
    const { run, sumo, range } = await setUp(
      { corpusSize: 100_000, gatheringSpeed: 100_000 },
      { clockSpeed: 0, client: { dispatcher } },
    );
    const pagesWhenDone: number[] = [];
    const result = await run(
      'run_search',
      { query: '* | count by _sourceCategory', ...range },
      {
        onProgress: (update: { message?: string }) => {
          sumo.sim.clock.advance(100);
          if (update.message?.startsWith('DONE')) pagesWhenDone.push(pagesSent.messages + pagesSent.records);
        },
      },
    );
    expect(result.itemsKind).toBe('records');
    expect(pagesWhenDone).toEqual([0]);
    expect(pagesSent).toEqual({ messages: 0, records: 1 });
  });

  it.each([
    ['error', true],
    ['_sourceCategory=prod/web error | parse "status=*" as status | where status = "500"', true],
    ['error | json field=_raw "level" | fields level, _raw', true],
    ['error | count by _sourceHost', false],
    ['error | sort by _messagetime asc', false],
    ['error | limit 10', false],
    ['error | timeslice 1m | count by _timeslice', false],
  ])('knows whether the messages of %j come newest first as found', (query, expected) => {
    expect(keepsMessageOrder(query)).toBe(expected);
  });

  it('hands back a job that outruns the budget, which the caller follows up and cancels', async () => {
    // Simulated time stands still until the test moves it: the job cannot end within the budget.
    const { run, sumo, range } = await setUp({ gatheringSpeed: 10_000 }, { clockSpeed: 0 });
    const first = await run('run_search', { query: 'error', ...range, timeBudgetSeconds: 1 });
    expect(first).toMatchObject({ jobKept: true, done: false, items: [] });
    expect(first.next).toContain('get_search_status');
    expect(active()).toBe(1);

    const partial = await run('get_search_messages', { jobId: first.jobId, limit: 5 });
    expect(partial.done).toBe(false);
    sumo.sim.clock.advance(3_000);
    const status = await run('get_search_status', { jobId: first.jobId, waitSeconds: 20 });
    expect(status).toMatchObject({ done: true, state: 'DONE GATHERING RESULTS' });
    expect(status.summary.messageCount).toBe(status.messageCount);
    const page = await run('get_search_messages', {
      jobId: first.jobId,
      offset: 2,
      limit: 3,
      maxTextLength: 40,
    });
    expect(page).toMatchObject({
      offset: 2,
      limit: 3,
      total: status.messageCount,
      nextOffset: 5,
      done: true,
    });
    expect(page.items.every((item: { raw: string }) => item.raw.length <= 40)).toBe(true);

    const cancelled = await run('cancel_search', { jobId: first.jobId });
    expect(cancelled).toMatchObject({ deleted: true });
    expect(active()).toBe(0);
    const after = await caught(run('get_search_status', { jobId: first.jobId }));
    expect(after).toBeInstanceOf(OperationError);
    expect((after as Error).message).toContain('cancelled and deleted');
    expect(sumo.sim.counters.byRoute['DELETE /v1/search/jobs/:id']).toEqual({ 200: 1 });
  });

  it('deletes a job its caller stops using, and says so even while the deletion is on its way', async () => {
    const { events, open, dispatcher } = watchRequests({ holdDeletes: true });
    const { run, range } = await setUp(
      { gatheringSpeed: 10 },
      { idleTimeoutMs: 300, client: { dispatcher } },
    );
    const started = await run('start_search', { query: '*', ...range });
    expect(active()).toBe(1);
    await vi.waitFor(() => expect(events).toContain('DELETE sent'), { timeout: 10_000 });
    // Sumo has not answered the DELETE yet: the caller is still told why the job is gone.
    const early = await caught(run('get_search_messages', { jobId: started.jobId }));
    expect((early as Error).message).toContain('unused');
    open();
    await vi.waitFor(() => expect(active()).toBe(0), { timeout: 10_000 });
    const late = await caught(run('get_search_messages', { jobId: started.jobId }));
    expect((late as Error).message).toContain('unused');
  });

  it('run_search answers before it deletes its job, then deletes it exactly once', async () => {
    const { events, open, dispatcher } = watchRequests({ holdDeletes: true });
    const { run, range } = await setUp({}, { client: { dispatcher } });
    const result = await run('run_search', { query: '* | count by _sourceCategory', ...range });
    events.push('answered');
    expect(result).toMatchObject({ done: true, jobKept: false, itemsKind: 'records' });
    // The DELETE goes out right after the answer and is held there: the answer did not wait for it.
    await vi.waitFor(() => expect(events).toEqual(['answered', 'DELETE sent']));
    expect(active()).toBe(1);
    expect(deletes()).toEqual({});
    open();
    await registry.settled();
    expect(active()).toBe(0);
    expect(deletes()).toEqual({ 200: 1 });
  });

  it('run_search deletes its job after the error when the search fails, and after an abort', async () => {
    const { events, open, dispatcher } = watchRequests({ holdDeletes: true });
    const { run, sumo, range } = await setUp({ gatheringSpeed: 10 }, { client: { dispatcher } });
    const controller = new AbortController();
    const aborted = await caught(
      run(
        'run_search',
        { query: '*', ...range },
        {
          signal: controller.signal,
          // Stopped once the job is known to be running.
          onProgress: () => controller.abort(new Error('stopped by user')),
        },
      ),
    );
    events.push('aborted');
    expect(aborted).toMatchObject({ message: 'stopped by user' });

    sumo.sim.setFaults({ rate500: 1, routes: ['GET /v1/search/jobs/:id'] });
    const failed = await caught(run('run_search', { query: '*', ...range }));
    events.push('failed');
    expect(failed).toMatchObject({ status: 500 });
    await vi.waitFor(() => expect(events).toEqual(['aborted', 'DELETE sent', 'failed', 'DELETE sent']));
    expect(active()).toBe(2);
    open();
    await registry.settled();
    expect(active()).toBe(0);
    expect(deletes()).toEqual({ 200: 2 });
  });

  it('shutdown waits for the deletion run_search started after answering, and deletes nothing twice', async () => {
    const { events, open, dispatcher } = watchRequests({ holdDeletes: true });
    const { run, range } = await setUp({}, { client: { dispatcher } });
    await run('run_search', { query: 'error', ...range });
    await vi.waitFor(() => expect(events).toEqual(['DELETE sent']));
    let shutDown = false;
    const shutdown = registry.shutdown().then((outcome) => {
      shutDown = true;
      return outcome;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(shutDown).toBe(false);
    open();
    expect(await shutdown).toEqual({ deleted: 1, leftForReplicas: 0 });
    expect(active()).toBe(0);
    expect(deletes()).toEqual({ 200: 1 });
  });

  it('shutdown deletes the job of a run_search still polling, once, and the call ends', async () => {
    const { run, range } = await setUp({ gatheringSpeed: 10 });
    const call = caught(run('run_search', { query: '*', ...range }));
    await vi.waitFor(() => expect(active()).toBe(1));
    expect(await registry.shutdown()).toEqual({ deleted: 1, leftForReplicas: 0 });
    expect(await call).toMatchObject({ code: 'search.job.unknown' });
    await registry.settled();
    expect(active()).toBe(0);
    expect(deletes()).toEqual({ 200: 1 });
  });

  it('refuses bad input before any API call, naming the fields', async () => {
    const { run, sumo } = await setUp();
    const error = await caught(
      run('run_search', { query: 'x', from: '-1h', to: '-2h', timeZone: 'Atlantis/Capital' }),
    );
    expect(error).toBeInstanceOf(OperationInputError);
    expect((error as OperationInputError).problems.map((problem) => problem.field)).toEqual([
      'timeZone',
      'from',
    ]);
    const empty = await caught(run('start_search', { query: '' }));
    expect((empty as OperationInputError).problems).toEqual([
      { field: 'query', message: expect.stringContaining('empty') },
    ]);
    expect(sumo.sim.counters.total).toBe(0);
  });

  it('says so for a job id this process does not know, and for records of a raw search', async () => {
    const { run, range } = await setUp();
    const unknown = await caught(run('get_search_status', { jobId: '0123456789ABCDEF' }));
    expect(unknown).toMatchObject({
      code: 'search.job.unknown',
      message: expect.stringContaining('not one this process started'),
    });
    const started = await run('start_search', { query: 'error', ...range });
    await run('get_search_status', { jobId: started.jobId, waitSeconds: 10 });
    const records = await caught(run('get_search_records', { jobId: started.jobId }));
    expect(records).toMatchObject({ code: 'search.no.records' });
  });

  it('is registered in the product catalog as read-only tools', () => {
    const catalog = createCatalog(searchOperations);
    expect(catalog.list({ readOnly: true }).map((operation) => operation.name)).toEqual([
      'run_search',
      'start_search',
      'get_search_status',
      'get_search_messages',
      'get_search_records',
      'cancel_search',
    ]);
  });
});

describe('run_search for nobody waiting', () => {
  it('polls sparingly in the background (a digest) and up to three times a second while a person waits', async () => {
    const corpusTo = Date.now() - HOUR;
    const started = await startSimulatedSumo({
      search: {
        corpusSize: 2_000,
        corpusTo,
        corpusFrom: corpusTo - HOUR,
        startDelayMs: 0,
        jobDurationMs: 3_000,
      },
    });
    sumo = started;
    const catalog = createCatalog(createSearchOperations({ registry: new SearchJobRegistry() }));
    const statusCalls = () =>
      Object.values(started.sim.counters.byRoute['GET /v1/search/jobs/:id'] ?? {}).reduce((a, b) => a + b, 0);
    const input = catalog.parseInput('run_search', { query: 'error', from: corpusTo - HOUR, to: corpusTo });
    const polls = async (background: boolean) => {
      const before = statusCalls();
      const result = await catalog.run(
        'run_search',
        { client: started.client, logger: started.logger, background },
        input,
      );
      expect(result).toMatchObject({ done: true });
      return statusCalls() - before;
    };
    const waiting = await polls(false);
    const unattended = await polls(true);
    // Three seconds of job: about nine polls for a person, four on the growing interval.
    expect(unattended).toBeLessThan(waiting);
    expect(unattended).toBeLessThanOrEqual(5);
  });
});
