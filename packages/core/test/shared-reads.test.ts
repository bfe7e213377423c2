import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redisBackendsForSuite } from '../../../test/support/redis-backends.js';
import { type SimulatedSumo, startSimulatedSumo } from '../../../test/support/simulated-sumo.js';
import {
  type AnyOperation,
  allOperations,
  createCatalog,
  defineOperation,
  loadStateConfig,
  MemoryBackend,
  metrics,
  type OperationAnswer,
  type OperationContext,
  RateLimiter,
  SharedReads,
  type SharedReadsOptions,
  type StateBackend,
  SumoApiError,
  SumoClient,
  silentLogger,
} from '../src/index.js';
import { caught } from './helpers.js';
import { callsTo } from './support/catalog.js';

const LIST = 'GET /v1/collectors';
const GET = 'GET /v1/collectors/:id';
const OFFLINE = 'GET /v1/collectors/offline';

const redis = redisBackendsForSuite();
let sumo: SimulatedSumo;
const cleanups: Array<() => Promise<unknown>> = [];

beforeEach(async () => {
  sumo = await startSimulatedSumo({ org: { collectors: 30 } });
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  await sumo.close();
});

/**
 * One "process": its own Sumo client (own limiter, own connections), catalog and shared reads,
 * meeting other replicas through `backend` when given. Leaders hold the product's lease (3 s,
 * renewed every second), as a stall of a loaded machine must not make a live leader look dead;
 * the test of a dead leader shortens it.
 */
function replica(backend?: StateBackend, sharing: SharedReadsOptions = {}) {
  const client = new SumoClient({
    accessId: 'sim-access-id',
    accessKey: 'sim-access-key',
    apiUrl: sumo.sim.apiUrl,
    env: {},
    logger: silentLogger,
    rateLimiter: new RateLimiter({ limits: { perSecond: 500, concurrent: 10 } }),
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
  });
  cleanups.push(() => client.close());
  const catalog = createCatalog();
  const reads = new SharedReads({ backend, pollMs: 20, ...sharing });
  const base: OperationContext = { client, logger: silentLogger, reads };
  return {
    answer: (name: string, raw: unknown, extra: Partial<OperationContext> = {}): Promise<OperationAnswer> =>
      catalog.answer(name, { ...base, ...extra }, catalog.parseInput(name, raw), { confirmed: true }),
    preview: (name: string, raw: unknown) => catalog.preview(name, base, catalog.parseInput(name, raw)),
  };
}

const sources = (answers: OperationAnswer[]) =>
  answers.map((answer) => answer.freshness?.source).sort((a, b) => String(a).localeCompare(String(b)));
// biome-ignore lint/suspicious/noExplicitAny: tests read the operations' untyped output
const items = (answer: OperationAnswer): any[] => (answer.result as { items: unknown[] }).items;

describe('in one process', () => {
  it('forty identical list_collectors at once reach Sumo once, and each caller gets its own copy', async () => {
    const { registry } = await metrics.enable();
    const process = replica();
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => process.answer('list_collectors', { limit: 20 })),
    );
    expect(callsTo(sumo.sim, LIST)).toBe(1);
    expect(sources(answers)).toEqual([...Array(39).fill('joined'), 'own']);
    expect(answers[1]?.result).toEqual(answers[0]?.result);
    expect(answers[1]?.result).not.toBe(answers[0]?.result);
    expect(await registry.getSingleMetricAsString('sumo_ops_shared_reads_total')).toMatch(
      /sumo_ops_shared_reads_total\{operation="list_collectors",source="joined"\} \d+/,
    );
  });

  it('hands out a recent list answer for its reuse time, saying how old it is; other arguments read anew', async () => {
    let now = Date.parse('2026-12-04T12:00:00Z');
    const process = replica(new MemoryBackend(() => now));
    const first = await process.answer('list_collectors', { limit: 5 });
    now += 3_000;
    // The same request written differently (a default spelt out, keys in another order) is the same read.
    const again = await process.answer('list_collectors', { limit: 5, filter: 'all' });
    expect(callsTo(sumo.sim, LIST)).toBe(1);
    expect(again.freshness).toEqual({ source: 'reused', readAt: first.freshness?.readAt, ageMs: 3_000 });
    expect(again.result).toEqual(first.result);

    await process.answer('list_collectors', { limit: 6 });
    expect(callsTo(sumo.sim, LIST)).toBe(2);

    now += 2_001; // list_collectors answers are reused for 5 s
    const later = await process.answer('list_collectors', { limit: 5 });
    expect(later.freshness?.source).toBe('own');
    expect(callsTo(sumo.sim, LIST)).toBe(3);
  });

  it('shares a get while it is in flight but never reuses it afterwards', async () => {
    const process = replica();
    const id = sumo.sim.org.collectors()[0]?.id;
    sumo.sim.setFaults({ latencyMs: 100, routes: [GET] });
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => process.answer('get_collector', { collector: id })),
    );
    expect(callsTo(sumo.sim, GET)).toBe(1);
    expect(sources(answers)).toEqual([...Array(9).fill('joined'), 'own']);
    const next = await process.answer('get_collector', { collector: id });
    expect(next.freshness?.source).toBe('own');
    expect(callsTo(sumo.sim, GET)).toBe(2);
  });

  it('gives one failure to every caller waiting for it, and reads again for the next caller', async () => {
    const process = replica();
    sumo.sim.setFaults({ rate500: 1, routes: [LIST] });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => process.answer('list_collectors', {})),
    );
    const reasons = outcomes.map((outcome) => (outcome.status === 'rejected' ? outcome.reason : undefined));
    const failure = reasons[0] as SumoApiError;
    expect(failure).toBeInstanceOf(SumoApiError);
    expect(failure.status).toBe(500);
    for (const reason of reasons) expect(reason).toBe(failure);
    // The one read's attempts (it retried, as a GET may), not ten callers' worth.
    expect(callsTo(sumo.sim, LIST)).toBe(failure.attempts);

    sumo.sim.setFaults({});
    const next = await process.answer('list_collectors', {});
    expect(next.freshness?.source).toBe('own');
    expect(callsTo(sumo.sim, LIST)).toBe(failure.attempts + 1);
  });

  it('lets a caller give up without cancelling the read for the others', async () => {
    const process = replica();
    sumo.sim.setFaults({ latencyMs: 200, routes: [LIST] });
    const leaving = new AbortController();
    const gone = process.answer('list_collectors', {}, { signal: leaving.signal });
    const staying = process.answer('list_collectors', {});
    leaving.abort(new Error('the user closed the window'));
    expect(await caught(gone)).toMatchObject({ message: 'the user closed the window' });
    const answer = await staying;
    expect(items(answer).length).toBeGreaterThan(0);
    expect(callsTo(sumo.sim, LIST)).toBe(1);
  });

  it('previews read fresh, and a confirmed change makes answers read before it unusable', async () => {
    const process = replica();
    const first = await process.answer('list_offline_collectors', { aliveBeforeDays: 10 });
    const [revived] = items(first);
    expect(revived).toBeDefined();
    sumo.sim.org.setAlive(revived.id, true);

    // Within its reuse time the list still shows the collector (and says it is a reused answer)…
    const reused = await process.answer('list_offline_collectors', { aliveBeforeDays: 10 });
    expect(reused.freshness?.source).toBe('reused');
    expect(items(reused).map((item) => item.id)).toContain(revived.id);
    // …but what a confirmation would be asked for is read now.
    const preview = await process.preview('delete_offline_collectors', { aliveBeforeDays: 10 });
    const previewed = (preview.details as { collectors: Array<{ id: number }> }).collectors;
    expect(previewed.map((item) => item.id)).not.toContain(revived.id);
    expect(previewed.length).toBe(items(first).length - 1);

    const created = await process.answer('create_hosted_collector', { name: 'made-between-two-lists' });
    expect(created.freshness).toBeUndefined();
    const after = await process.answer('list_offline_collectors', { aliveBeforeDays: 10 });
    expect(after.freshness?.source).toBe('own');
    expect(items(after).map((item) => item.id)).not.toContain(revived.id);
    expect(callsTo(sumo.sim, OFFLINE)).toBe(3); // the first list, the preview, the list after the change
  });
});

it('hands waiters of one read their answers one event-loop turn apart, so I/O is read in between', async () => {
  const reads = new SharedReads();
  const order: string[] = [];
  let finish: (value: unknown) => void = () => undefined;
  const answered = new Promise((resolve) => {
    finish = resolve;
  });
  const request = { scope: 'org', operation: 'list_collectors', input: {}, reuseMs: 0, read: () => answered };
  const waiters = Array.from({ length: 5 }, (_, index) =>
    reads.read(request).then(() => {
      order.push(`waiter ${index}`);
      // What a pending request's I/O callback would be: it must not wait for every other waiter.
      if (index === 0) setImmediate(() => order.push('other work'));
    }),
  );
  await new Promise((resolve) => setImmediate(resolve));
  finish({ items: [] });
  await Promise.all(waiters);
  await new Promise((resolve) => setImmediate(resolve));
  expect(order).toContain('other work');
  expect(order.indexOf('other work')).toBeLessThan(order.indexOf('waiter 4'));
  expect(order.filter((entry) => entry.startsWith('waiter'))).toEqual(
    [0, 1, 2, 3, 4].map((i) => `waiter ${i}`),
  );
});

it('stops the read once every caller waiting for it has given up', async () => {
  const reads = new SharedReads();
  let readSignal: AbortSignal | undefined;
  const request = {
    scope: 'org',
    operation: 'list_collectors',
    input: {},
    reuseMs: 0,
    read: (signal: AbortSignal) =>
      new Promise((_, reject) => {
        readSignal = signal;
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
  };
  const callers = [new AbortController(), new AbortController()];
  const waiting = callers.map((caller) => caught(reads.read({ ...request, signal: caller.signal })));
  await until(async () => readSignal !== undefined);
  callers[0]?.abort(new Error('first gone'));
  await waiting[0];
  expect(readSignal?.aborted).toBe(false);
  callers[1]?.abort(new Error('second gone'));
  expect(await waiting[1]).toMatchObject({ message: 'second gone' });
  expect(readSignal?.aborted).toBe(true);
});

it('SUMO_OPS_SHARED_READS=off makes every read its own call again', async () => {
  const config = loadStateConfig({ SUMO_OPS_SHARED_READS: 'OFF' });
  expect(config.sharedReads).toBe(false);
  expect(() => loadStateConfig({ SUMO_OPS_SHARED_READS: 'sometimes' })).toThrow(
    /SUMO_OPS_SHARED_READS must be "on" .* or "off"/,
  );
  const process = replica(undefined, { enabled: config.sharedReads });
  const answers = await Promise.all(Array.from({ length: 5 }, () => process.answer('list_collectors', {})));
  expect(callsTo(sumo.sim, LIST)).toBe(5);
  expect(sources(answers)).toEqual(Array(5).fill('own'));
});

it('refuses a write that asks to share its answers, at definition time', () => {
  const write = allOperations.find((operation) => operation.name === 'create_hosted_collector');
  expect(() => defineOperation({ ...(write as AnyOperation), sharedRead: { reuseSeconds: 5 } })).toThrow(
    'create_hosted_collector is write: only reads may share answers.',
  );
});

describe('across replicas sharing Redis', () => {
  const pair = async (sharing: SharedReadsOptions = {}) => {
    const prefix = `shared-reads-${Math.random().toString(36).slice(2)}:`;
    const first = await redis.open({ prefix });
    return { first, a: replica(first, sharing), b: replica(await redis.open({ prefix }), sharing) };
  };

  it('identical reads on two replicas reach Sumo once', async () => {
    const { a, b } = await pair();
    const id = sumo.sim.org.collectors()[1]?.id;
    // A get is never reused: the other replica must arrive while the read is in flight.
    sumo.sim.setFaults({ latencyMs: 1_000, routes: [GET] });
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        (index % 2 === 0 ? a : b).answer('get_collector', { collector: id }),
      ),
    );
    expect(callsTo(sumo.sim, GET)).toBe(1);
    expect(sources(answers)).toEqual([...Array(9).fill('joined'), 'own']);
    for (const answer of answers) expect(answer.result).toEqual(answers[0]?.result);
  });

  it("reuses another replica's recent list answer, with the time it was read", async () => {
    const { a, b } = await pair();
    const first = await a.answer('list_collectors', {});
    const second = await b.answer('list_collectors', {});
    expect(callsTo(sumo.sim, LIST)).toBe(1);
    expect(second.freshness?.source).toBe('reused');
    expect(second.freshness?.readAt).toBe(first.freshness?.readAt);
    expect(second.result).toEqual(first.result);
  });

  it('a follower whose leader died reads on its own instead of waiting for ever', async () => {
    // A short lease, so that the leader's death is noticed quickly.
    const { first, a, b } = await pair({ leaseMs: 300 });
    const id = sumo.sim.org.collectors()[2]?.id;
    sumo.sim.setFaults({ latencyMs: 400, routes: [GET] });
    const leader = a.answer('get_collector', { collector: id });
    await until(
      async () => ((await first.command(['KEYS', first.key('reads:*:lease')])) as string[]).length === 1,
    );
    // The leader's process dies mid-read: its lease is no longer renewed and lapses.
    await first.close();
    const follower = await b.answer('get_collector', { collector: id });
    expect(follower.freshness?.source).toBe('own');
    expect(follower.result).toEqual((await leader).result);
    expect(callsTo(sumo.sim, GET)).toBe(2);
  });

  it('a follower waits for a slow leader only so long, then reads on its own', async () => {
    const prefix = `shared-reads-${Math.random().toString(36).slice(2)}:`;
    const a = replica(await redis.open({ prefix }));
    const b = replica(await redis.open({ prefix }), { followMaxMs: 200 });
    const id = sumo.sim.org.collectors()[3]?.id;
    sumo.sim.setFaults({ latencyMs: 800, routes: [GET] });
    const slow = a.answer('get_collector', { collector: id });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const impatient = await b.answer('get_collector', { collector: id });
    expect(impatient.freshness?.source).toBe('own');
    expect((await slow).freshness?.source).toBe('own');
    expect(callsTo(sumo.sim, GET)).toBe(2);
  });

  it("gives a leader's failure to the other replica's callers, and keeps none of it", async () => {
    const { a, b } = await pair();
    sumo.sim.setFaults({ rate500: 1, latencyMs: 300, routes: [LIST] });
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 5 }, () => a.answer('list_collectors', {})),
      ...Array.from({ length: 5 }, () => b.answer('list_collectors', {})),
    ]);
    const reasons = outcomes.map((outcome) => (outcome.status === 'rejected' ? outcome.reason : undefined));
    for (const reason of reasons) expect(reason).toMatchObject({ name: 'SumoApiError', status: 500 });
    expect(reasons.every((reason) => reason instanceof SumoApiError)).toBe(true);
    expect(callsTo(sumo.sim, LIST)).toBe((reasons[0] as SumoApiError).attempts);

    sumo.sim.setFaults({});
    const next = await b.answer('list_collectors', {});
    expect(next.freshness?.source).toBe('own');
  });

  it('a change made on one replica makes the other read fresh', async () => {
    const { a, b } = await pair();
    await b.answer('list_collectors', { limit: 1000 });
    await a.answer('create_hosted_collector', { name: 'seen-by-every-replica' });
    const after = await b.answer('list_collectors', { limit: 1000 });
    expect(after.freshness?.source).toBe('own');
    expect(items(after).map((item) => item.name)).toContain('seen-by-every-replica');
    expect(callsTo(sumo.sim, LIST)).toBe(2);
  });
});

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
}
