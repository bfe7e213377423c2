import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../src/durations.js';
import { compileQuery, parseHexId, SEEDED_BUDGETS, type SimCollector, type Simulator } from '../src/index.js';
import { collectorWhere, runSearch, useSimulator } from './helpers.js';

const start = useSimulator();

/** Time stands still between polls; jobs start at once and scan a day in one simulated second. */
function startFleetSimulator(fleetLogs = true): Promise<Simulator> {
  return start({
    clockSpeed: 0,
    search: { fleetLogs, corpusSize: 20_000, startDelayMs: 0, gatheringSpeed: 100_000_000 },
  });
}

function lastMinutes(sim: Simulator, minutes: number): { from: number; to: number } {
  const to = sim.clock.now();
  return { from: to - minutes * MINUTE_MS, to };
}

/** The seeded cap (`_sourceCategory=<host>/*`, Exceeded, stopCollecting) covers one collector's sources. */
function cappedHost(sim: Simulator): string {
  const scope = sim.org.ingestBudgets.byName(SEEDED_BUDGETS.exceeded)?.scope ?? '';
  return scope.replace(/^_sourceCategory=/, '').replace(/\/\*$/, '');
}

function aliveUncappedCollector(sim: Simulator): SimCollector {
  const host = cappedHost(sim);
  return collectorWhere(sim, (c) => c.collectorType === 'Installable' && c.alive && c.hostName !== host);
}

function counts(records: Record<string, string>[], key: string): Record<string, number> {
  return Object.fromEntries(records.map((record) => [record[key], Number(record._count)]));
}

describe('the org’s own logs in search (search.fleetLogs)', () => {
  it('finds the last 15 minutes of an alive collector by _collector, count by _source and by _sourceId, with its sources’ metadata', async () => {
    const sim = await startFleetSimulator();
    const collector = aliveUncappedCollector(sim);
    const sources = sim.org.sources(collector.id) ?? [];
    expect(sources.length).toBeGreaterThan(0);
    const window = lastMinutes(sim, 15);

    const bySource = await runSearch(sim, `_collector="${collector.name}" | count by _source`, window);
    const perSource = counts(bySource.records, '_source');
    expect(Object.keys(perSource).sort()).toEqual(sources.map((source) => source.name).sort());
    for (const count of Object.values(perSource)) expect(count).toBeGreaterThanOrEqual(15);

    const [first] = sources as [(typeof sources)[number]];
    const byId = await runSearch(sim, `_sourceId=${first.id} | count`, window);
    expect(byId.records).toEqual([{ _count: String(perSource[first.name]) }]);

    const messages = await runSearch(sim, `_collectorId=${collector.id}`, window);
    expect(messages.messageCount).toBe(bySource.messageCount);
    const message = messages.messages.find((m) => m._sourceid === String(first.id));
    expect(message).toMatchObject({
      _collector: collector.name,
      _collectorId: String(collector.id),
      _source: first.name,
      _sourceid: String(first.id),
      _sourceCategory: first.category,
      _sourceHost: first.hostName,
    });
    const times = messages.messages.map((m) => Number(m._messagetime));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(window.from);
    expect(Math.max(...times)).toBeLessThan(window.to);
  });

  it('stops a collector’s data from the moment it goes offline and keeps what it sent before', async () => {
    const sim = await startFleetSimulator();
    const collector = aliveUncappedCollector(sim);
    const query = `_collector="${collector.name}"`;
    const before = lastMinutes(sim, 15);
    const sentBefore = (await runSearch(sim, query, before)).messageCount;
    expect(sentBefore).toBeGreaterThan(0);

    const offlineAt = sim.clock.now();
    sim.org.setAlive(collector.id, false);
    sim.clock.advance(20 * MINUTE_MS);
    expect((await runSearch(sim, query, lastMinutes(sim, 15))).messageCount).toBe(0);
    expect((await runSearch(sim, query, { from: offlineAt, to: sim.clock.now() })).messageCount).toBe(0);
    expect((await runSearch(sim, query, before)).messageCount).toBe(sentBefore);

    sim.org.setAlive(collector.id, true);
    sim.clock.advance(15 * MINUTE_MS);
    expect((await runSearch(sim, query, lastMinutes(sim, 15))).messageCount).toBeGreaterThan(0);
    const whileOffline = { from: offlineAt, to: offlineAt + 20 * MINUTE_MS };
    expect((await runSearch(sim, query, whileOffline)).messageCount).toBe(0);
  });

  it('finds a seeded offline collector’s data only before its last heartbeat', async () => {
    const sim = await startFleetSimulator();
    const now = sim.clock.now();
    const dead = collectorWhere(
      sim,
      (c) =>
        c.collectorType === 'Installable' &&
        !c.alive &&
        (c.lastSeenAlive ?? 0) > now - 2 * 24 * HOUR_MS &&
        (sim.org.sources(c.id)?.length ?? 0) > 0,
    );
    const lastSeenAlive = dead.lastSeenAlive as number;
    const query = `_collector="${dead.name}" | count`;
    expect((await runSearch(sim, query, lastMinutes(sim, 15))).messageCount).toBe(0);
    expect((await runSearch(sim, query, { from: lastSeenAlive, to: now })).messageCount).toBe(0);
    const lastHour = { from: lastSeenAlive - HOUR_MS, to: lastSeenAlive };
    expect((await runSearch(sim, query, lastHour)).messageCount).toBeGreaterThan(0);
  });

  it('sends nothing from the S3 source whose access is denied until the error is resolved', async () => {
    const sim = await startFleetSimulator();
    const [event] = sim.org.healthEvents
      .unresolved()
      .filter(({ eventName }) => eventName === 'AwsS3AccessDenied');
    expect(event).toBeDefined();
    const sourceId = Number.parseInt(event?.resourceIdentity.id ?? '', 16);
    const query = `_sourceId=${sourceId} | count`;
    const eventTime = Date.parse(event?.eventTime ?? '');

    expect((await runSearch(sim, query, lastMinutes(sim, 15))).messageCount).toBe(0);
    expect((await runSearch(sim, query, { from: eventTime, to: sim.clock.now() })).messageCount).toBe(0);
    expect(
      (await runSearch(sim, query, { from: eventTime - HOUR_MS, to: eventTime })).messageCount,
    ).toBeGreaterThan(0);

    sim.org.healthEvents.resolve(event?.eventId ?? '');
    const resolvedAt = sim.clock.now();
    sim.clock.advance(15 * MINUTE_MS);
    expect((await runSearch(sim, query, lastMinutes(sim, 15))).messageCount).toBeGreaterThan(0);
    expect((await runSearch(sim, query, { from: eventTime, to: resolvedAt })).messageCount).toBe(0);
  });

  it('sends nothing in the scope of a budget Exceeded with stopCollecting, and resumes after a reset', async () => {
    const sim = await startFleetSimulator();
    const host = cappedHost(sim);
    const capped = collectorWhere(sim, (c) => c.hostName === host);
    expect(capped.alive).toBe(true);
    const query = `_collector="${capped.name}" | count by _sourceCategory`;
    expect((await runSearch(sim, query, lastMinutes(sim, 15))).messageCount).toBe(0);

    const budget = sim.org.ingestBudgets.byName(SEEDED_BUDGETS.exceeded);
    sim.org.ingestBudgets.resetUsage(budget?.id ?? '');
    sim.clock.advance(15 * MINUTE_MS);
    const after = await runSearch(sim, query, lastMinutes(sim, 15));
    expect(after.records.length).toBeGreaterThan(0);
    for (const record of after.records) expect(record._sourceCategory).toMatch(new RegExp(`^${host}/`));
  });

  it('follows OpenTelemetry collectors: alive ones send, offline, failing and inactive ones do not', async () => {
    const sim = await startFleetSimulator();
    const result = await runSearch(sim, '_sourceId=0 | count by _collector', lastMinutes(sim, 15));
    const byCollector = counts(result.records, '_collector');
    expect(Object.keys(byCollector).sort()).toEqual([
      'OTEL-WIN-IIS-01',
      'otel-eks-prod-node-a',
      'otel-prod-web-01',
    ]);
    const ot = sim.org.otCollectors.byName('otel-prod-web-01');
    sim.org.otCollectors.setAlive(ot?.id ?? '', false);
    sim.clock.advance(15 * MINUTE_MS);
    const later = await runSearch(sim, '_collector=otel-prod-web-01', lastMinutes(sim, 15));
    expect(later.messageCount).toBe(0);
  });

  it('gives collectors of every kind their own ids, so `_collectorId` and health events name one', async () => {
    for (const seed of [1, 42]) {
      const sim = await start({ seed, clockSpeed: 0 });
      const installed = new Set(sim.org.collectors().map((collector) => collector.id));
      const ot = sim.org.otCollectors.all().map((collector) => parseHexId(collector.id));
      expect(ot.filter((id) => id === undefined || installed.has(id))).toEqual([]);
    }
  });

  it('leaves the fixed corpus’s own messages as they were, and is off by default', async () => {
    const withFleet = await startFleetSimulator(true);
    const without = await startFleetSimulator(false);
    const day = { from: withFleet.clock.now() - 24 * HOUR_MS, to: withFleet.clock.now() };
    const query =
      '(_collector=prod-web OR _collector=prod-k8s) error | count by _sourceCategory, _sourceHost';
    const expected = compileQuery(query)
      .records(without.search.corpus, day)
      .map(({ map }) => map);
    expect(expected.length).toBeGreaterThan(3);
    expect((await runSearch(withFleet, query, day)).records).toEqual(expected);
    expect((await runSearch(without, query, day)).records).toEqual(expected);
    const collector = aliveUncappedCollector(without);
    expect((await runSearch(without, `_collector="${collector.name}"`, day)).messageCount).toBe(0);
  });

  it('answers the same messages for the same seed and org', async () => {
    const first = await startFleetSimulator();
    const second = await startFleetSimulator();
    const query = `_collector="${aliveUncappedCollector(first).name}"`;
    const one = await runSearch(first, query, lastMinutes(first, 15));
    const two = await runSearch(second, query, lastMinutes(second, 15));
    expect(one.messages.length).toBeGreaterThan(0);
    expect(two.messages).toEqual(one.messages);
  });

  it('merges the org’s logs with the corpus newest first, in small scan steps, by message or receipt time', async () => {
    const sim = await start({
      clockSpeed: 0,
      search: { fleetLogs: true, corpusSize: 200_000, corpusTo: Date.UTC(2026, 10, 1) - 5 * MINUTE_MS },
    });
    const fleet = sim.search.fleetLogs();
    const range = lastMinutes(sim, 30);
    for (const byReceiptTime of [false, true]) {
      const execution = compileQuery('*').execute(
        sim.search.corpus,
        { ...range, byReceiptTime },
        { retainPositions: true, ...(fleet && { fleet }) },
      );
      let histogram = 0;
      while (!execution.done) {
        execution.advance(97);
        histogram += execution.takeNewHistogramBuckets().reduce((sum, bucket) => sum + bucket.count, 0);
      }
      const messages = execution.messages(0, 100_000);
      expect(histogram).toBe(execution.messageCount);
      expect(messages).toHaveLength(execution.messageCount);
      const fromFleet = messages.filter(
        (m) => !['prod-web', 'prod-k8s', 'prod-db', 'prod-bastion', 'staging'].includes(m._collector ?? ''),
      );
      expect(fromFleet.length).toBeGreaterThan(0);
      expect(fromFleet.length).toBeLessThan(messages.length);
      const times = messages.map((m) => Number(m._messagetime));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      const key = byReceiptTime ? '_receipttime' : '_messagetime';
      for (const message of messages) {
        expect(Number(message[key])).toBeGreaterThanOrEqual(range.from);
        expect(Number(message[key])).toBeLessThan(range.to);
      }
      expect(new Set(messages.map((m) => m._messageid)).size).toBe(messages.length);
    }
  });
});
