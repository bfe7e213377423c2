import { describe, expect, it } from 'vitest';
import { compileQuery, LogCorpus, type MessageMap } from '../src/index.js';
import { termTest } from '../src/search/text-match.js';

const FROM = Date.UTC(2026, 9, 31);
const TO = Date.UTC(2026, 10, 1);
const corpus = new LogCorpus({ seed: 11, size: 20_000, from: FROM, to: TO });
const ALL = { from: FROM, to: TO };
/** Every message, newest first, built the plain way: the reference the engine is checked against. */
const everything: MessageMap[] = Array.from({ length: corpus.size }, (_, i) =>
  corpus.message(corpus.size - 1 - i),
);

function countBy(messages: MessageMap[], key: (m: MessageMap) => string | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const message of messages) {
    const value = key(message);
    if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return counts;
}

function recordCounts(query: string, keys: string[]): Map<string, number> {
  return new Map(
    compileQuery(query)
      .records(corpus, ALL)
      .map((record) => [keys.map((key) => record.map[key]).join('|'), Number(record.map._count)]),
  );
}

/** The regular expression the hand-written term matcher must agree with. */
function referenceTerm(term: string): RegExp {
  const parts = term.toLowerCase().split('*').filter(Boolean);
  const body = parts.map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('\\S*');
  const start = !term.startsWith('*') && /^\w/.test(term) ? '(?<![a-z0-9_])' : '';
  const end = !term.endsWith('*') && /\w$/.test(term) ? '(?![a-z0-9_])' : '';
  return new RegExp(`${start}${body}${end}`);
}

describe('log corpus', () => {
  it('is deterministic by seed and differs across seeds', () => {
    const again = new LogCorpus({ seed: 11, size: 20_000, from: FROM, to: TO });
    const other = new LogCorpus({ seed: 12, size: 20_000, from: FROM, to: TO });
    expect(again.message(1234)).toEqual(corpus.message(1234));
    expect(other.message(1234)._raw).not.toBe(corpus.message(1234)._raw);
  });

  it('spreads messages over the time range in order, with every documented field as a string', () => {
    const first = corpus.message(0);
    const last = corpus.message(corpus.size - 1);
    expect(Number(first._messagetime)).toBe(FROM);
    expect(Number(last._messagetime)).toBeLessThan(TO);
    expect(Number(last._messagetime)).toBeGreaterThan(TO - 10_000);
    expect(Object.keys(first).sort()).toEqual(
      [
        '_blockid',
        '_collector',
        '_collectorId',
        '_format',
        '_messagecount',
        '_messageid',
        '_messagetime',
        '_raw',
        '_receipttime',
        '_size',
        '_source',
        '_sourceCategory',
        '_sourceHost',
        '_sourceName',
        '_sourceid',
      ].sort(),
    );
    for (const value of Object.values(first)) expect(typeof value).toBe('string');
    expect(Number(first._receipttime)).toBeGreaterThan(Number(first._messagetime));
    expect(Number(first._size)).toBe(first._raw?.length);
  });

  it('writes realistic lines for several source categories', () => {
    const categories = countBy(everything, (m) => m._sourceCategory);
    expect([...categories.keys()].sort()).toEqual([
      'prod/api/app',
      'prod/bastion/auth',
      'prod/db/postgres',
      'prod/k8s/events',
      'prod/payments/service',
      'prod/web/nginx',
      'staging/api/app',
      'staging/web/nginx',
    ]);
    const nginx = everything.find((m) => m._sourceCategory === 'prod/web/nginx')?._raw ?? '';
    expect(nginx).toMatch(
      /^10\.\d+\.\d+\.\d+ - - \[\d\d\/\w{3}\/\d{4}:[\d:]{8} \+0000\] "\w+ \S+ HTTP\/1\.1" \d{3} \d+ /,
    );
    const app = everything
      .filter((m) => m._sourceCategory === 'prod/api/app')
      .map((m) => JSON.parse(m._raw ?? ''));
    expect(
      app.every((line) => typeof line.user.id === 'string' && typeof line.duration_ms === 'number'),
    ).toBe(true);
    expect(new Set(app.map((line) => line.level))).toEqual(new Set(['DEBUG', 'INFO', 'WARN', 'ERROR']));
    expect(everything.some((m) => m._raw?.includes('\n\tat com.acme.payments'))).toBe(true);
  });

  it('generates any message on demand without materialising the ones before it', () => {
    // Two billion messages could not be held in memory: reading the last and the first five proves none before them was made.
    const huge = new LogCorpus({ seed: 1, size: 2_000_000_000, from: FROM, to: TO });
    const last = huge.message(1_999_999_999);
    expect(Number(last._messagetime)).toBeLessThan(TO);
    const firstFive = [...take(compileQuery('error').messages(huge, ALL), 5)];
    expect(firstFive).toHaveLength(5);
  });
});

function* take<T>(items: Iterable<T>, count: number): Generator<T> {
  if (count <= 0) return;
  let taken = 0;
  for (const item of items) {
    yield item;
    if (++taken >= count) return;
  }
}

describe('search expression against brute force', () => {
  it.each([
    'error',
    'ERROR',
    'fail*',
    'time*out',
    '*out',
    '/v1/orders',
    'u-1*',
    '"read timed out"',
    '"charge failed"',
    '500',
  ])('term %j matches the messages a regular expression finds', (term) => {
    const test = termTest(term.replaceAll('"', ''), !term.startsWith('"'));
    const pattern = referenceTerm(term.replaceAll('"', ''));
    for (const message of everything) {
      const lower = (message._raw ?? '').toLowerCase();
      expect(test(lower), `${term} on ${lower}`).toBe(pattern.test(lower));
    }
  });

  it.each([
    ['_sourceCategory=prod/*', (m: MessageMap) => m._sourceCategory?.startsWith('prod/')],
    ['_SOURCECATEGORY=*/WEB/*', (m: MessageMap) => m._sourceCategory?.includes('/web/')],
    ['_collector=staging', (m: MessageMap) => m._collector === 'staging'],
    ['_sourceHost=web-0*', (m: MessageMap) => m._sourceHost?.startsWith('web-0')],
    [
      '_sourceName=/var/log/nginx/access.log',
      (m: MessageMap) => m._sourceName === '/var/log/nginx/access.log',
    ],
    ['error', (m: MessageMap) => /(?<![a-z0-9_])error(?![a-z0-9_])/i.test(m._raw ?? '')],
    [
      '_sourceCategory=prod/api/app error',
      (m: MessageMap) => m._sourceCategory === 'prod/api/app' && /(?<!\w)error(?!\w)/i.test(m._raw ?? ''),
    ],
    [
      'error OR warn AND NOT _sourceCategory=staging*',
      (m: MessageMap) =>
        /(?<!\w)error(?!\w)/i.test(m._raw ?? '') ||
        (/(?<!\w)warn(?!\w)/i.test(m._raw ?? '') && !m._sourceCategory?.startsWith('staging')),
    ],
    ['NOT _sourceCategory=prod/web/nginx', (m: MessageMap) => m._sourceCategory !== 'prod/web/nginx'],
    ['*', () => true],
  ])('%s finds exactly the matching messages, newest first', (query, predicate) => {
    const expected = everything.filter((m) => predicate(m) === true).map((m) => m._messageid);
    const found = [...compileQuery(query).messages(corpus, ALL)].map((m) => m._messageid);
    expect(found).toEqual(expected);
    expect(found.length).toBeGreaterThan(0);
  });
});

describe('operators against brute force', () => {
  const json = (m: MessageMap) => {
    const raw = m._raw ?? '';
    return raw.startsWith('{') ? JSON.parse(raw) : undefined;
  };

  it('count and count by metadata', () => {
    expect(compileQuery('| count').records(corpus, ALL)).toEqual([{ map: { _count: String(corpus.size) } }]);
    expect(recordCounts('| count by _sourceCategory, _collector', ['_sourceCategory', '_collector'])).toEqual(
      countBy(everything, (m) => `${m._sourceCategory}|${m._collector}`),
    );
  });

  it('json extracts nested keys and drops messages without them', () => {
    const expected = countBy(everything, (m) => json(m)?.user?.id);
    expect(recordCounts('| json "user.id" as user | count by user', ['user'])).toEqual(expected);
  });

  it('parse captures between anchors and where compares numbers', () => {
    const expected = countBy(everything, (m) => {
      const status = /HTTP\/1\.1" (\d+) /.exec(m._raw ?? '')?.[1];
      return status !== undefined && Number(status) >= 500 ? `${status}|${m._sourceHost}` : undefined;
    });
    const query =
      '_sourceCategory=*nginx | parse "HTTP/1.1\\" * " as status | where status >= 500 | count by status, _sourceHost';
    expect(recordCounts(query, ['status', '_sourceHost'])).toEqual(expected);
  });

  it('where combines string and numeric comparisons with and/or/not', () => {
    const expected = everything.filter((m) => {
      const line = json(m);
      return (
        line !== undefined && line.level === 'ERROR' && !(line.duration_ms < 5000 || line.duration_ms > 20000)
      );
    });
    const query =
      '| json "level", "duration_ms" as level, took | where level = "ERROR" and not (took < 5000 or took > 20000)';
    expect([...compileQuery(query).messages(corpus, ALL)].map((m) => m._messageid)).toEqual(
      expected.map((m) => m._messageid),
    );
  });

  it('timeslice buckets by _messagetime; sort and limit shape the records', () => {
    const hour = 3_600_000;
    const expected = [...countBy(everything, (m) => String(Math.floor(Number(m._messagetime) / hour) * hour))]
      .sort((a, b) => Number(a[0]) - Number(b[0]))
      .slice(0, 5)
      .map(([slice, count]) => ({ map: { _timeslice: slice, _count: String(count) } }));
    const query = '| timeslice 1h | count by _timeslice | sort by _timeslice asc | limit 5';
    expect(compileQuery(query).records(corpus, ALL)).toEqual(expected);
    expect(compileQuery(query).recordFields).toEqual([
      { name: '_timeslice', fieldType: 'long', keyField: true },
      { name: '_count', fieldType: 'int', keyField: false },
    ]);
  });

  it('sort by _count desc then limit gives the top groups', () => {
    const top = [...countBy(everything, (m) => m._sourceHost)].sort((a, b) => b[1] - a[1]).slice(0, 3);
    const records = compileQuery('| count by _sourceHost | sort by _count | limit 3').records(corpus, ALL);
    expect(records.map((r) => Number(r.map._count))).toEqual(top.map(([, count]) => count));
  });

  it('fields chooses what messages and records carry', () => {
    const [message] = take(
      compileQuery('| json "level" as level | fields _raw, level').messages(corpus, ALL),
      1,
    );
    expect(Object.keys(message ?? {}).sort()).toEqual(['_raw', 'level']);
    const records = compileQuery('| count by _sourceCategory, _collector | fields - _collector').records(
      corpus,
      ALL,
    );
    expect(Object.keys(records[0]?.map ?? {})).toEqual(['_sourceCategory', '_count']);
  });

  it('limit before an aggregation stops the scan early', () => {
    const execution = compileQuery('error | limit 7 | count').execute(corpus, ALL);
    execution.advance(corpus.size);
    expect(execution.done).toBe(true);
    expect(execution.scannedPositions).toBeLessThan(corpus.size);
    expect(execution.records()).toEqual([{ map: { _count: '7' } }]);
  });

  it('byReceiptTime selects on _receipttime', () => {
    const from = FROM + 3_600_000;
    const to = FROM + 2 * 3_600_000;
    const expected = everything.filter((m) => Number(m._receipttime) >= from && Number(m._receipttime) < to);
    const found = [...compileQuery('*').messages(corpus, { from, to, byReceiptTime: true })];
    expect(found.map((m) => m._messageid)).toEqual(expected.map((m) => m._messageid));
  });
});

describe('incremental execution', () => {
  it('grows messages newest first, reports each histogram bucket once, and sums to the total', () => {
    const execution = compileQuery('error').execute(corpus, ALL);
    const seen = new Map<number, number>();
    while (!execution.done) {
      execution.advance(1_500);
      for (const bucket of execution.takeNewHistogramBuckets()) {
        expect(seen.has(bucket.startTimestamp)).toBe(false);
        seen.set(bucket.startTimestamp, bucket.count);
      }
    }
    for (const bucket of execution.takeNewHistogramBuckets()) seen.set(bucket.startTimestamp, bucket.count);
    const total = [...seen.values()].reduce((sum, count) => sum + count, 0);
    expect(total).toBe(execution.messageCount);
    const page = execution.messages(0, 50);
    expect(page.map((m) => Number(m._messagetime))).toEqual(
      page.map((m) => Number(m._messagetime)).sort((a, b) => b - a),
    );
  });

  it('warns once about messages json cannot read', () => {
    const execution = compileQuery('| json "level" as level').execute(corpus, ALL);
    execution.advance(1_000);
    expect(execution.takeNewWarnings()).toEqual([expect.stringContaining('not valid JSON')]);
    execution.advance(corpus.size);
    expect(execution.takeNewWarnings()).toEqual([]);
  });

  it('stops at a message threshold and resumes from where it stopped', () => {
    const execution = compileQuery('*').execute(corpus, ALL);
    execution.advance(corpus.size, 1_000);
    expect(execution.messageCount).toBe(1_000);
    execution.advance(corpus.size);
    expect(execution.messageCount).toBe(corpus.size);
    expect(execution.messages(999, 2).map((m) => m._messagecount)).toEqual([
      String(corpus.size - 1_000),
      String(corpus.size - 1_001),
    ]);
  });

  it('scans the metadata filter path in one step, finding exactly the messages of those sources', () => {
    // How fast it scans is for benchmarks (bench/search-paging runs the simulator at 1,000,000 messages).
    const execution = compileQuery('_sourceCategory=prod/* NOT _collector=prod-bastion').execute(corpus, ALL);
    execution.advance(corpus.size);
    expect(execution.done).toBe(true);
    const expected = everything.filter(
      (m) => m._sourceCategory?.startsWith('prod/') && m._collector !== 'prod-bastion',
    ).length;
    expect(expected).toBeGreaterThan(0);
    expect(execution.messageCount).toBe(expected);
  });
});
