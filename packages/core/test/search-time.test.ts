import { describe, expect, it } from 'vitest';
import { canonicalTimeZone, resolveSearchRequest, SearchRequestError } from '../src/index.js';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

function problemsOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SearchRequestError);
    return (error as SearchRequestError).problems;
  }
  throw new Error('expected a SearchRequestError');
}

describe('search request time parsing', () => {
  it('turns relative times and now into epoch milliseconds from the given moment', () => {
    const request = resolveSearchRequest({ query: 'error', from: '-15m', to: 'now' }, NOW);
    expect(request.from).toBe(NOW - 15 * 60_000);
    expect(request.to).toBe(NOW);
    expect(resolveSearchRequest({ query: 'x', from: '-2h', to: '-30s' }, NOW)).toMatchObject({
      from: NOW - 7_200_000,
      to: NOW - 30_000,
    });
    expect(resolveSearchRequest({ query: 'x', from: '-7d', to: 'NOW' }, NOW).from).toBe(NOW - 7 * 86_400_000);
  });

  it('accepts epoch milliseconds as numbers and as digit strings', () => {
    const request = resolveSearchRequest({ query: 'x', from: 1_763_900_000_000, to: '1763903600000' }, NOW);
    expect(request).toMatchObject({ from: 1_763_900_000_000, to: 1_763_903_600_000 });
  });

  it('reads ISO times with an offset as given and without one in the request time zone', () => {
    const request = resolveSearchRequest(
      { query: 'x', from: '2026-07-16T10:00:00Z', to: '2026-07-16T13:00:00+02:00', timeZone: 'Asia/Tokyo' },
      NOW,
    );
    expect(request).toMatchObject({ from: Date.UTC(2026, 6, 16, 10), to: Date.UTC(2026, 6, 16, 11) });
  });

  it('applies the time zone, summer time included, to ISO times without an offset', () => {
    const summer = resolveSearchRequest(
      { query: 'x', from: '2026-07-16T10:00:00', to: '2026-07-16T12:30:00.250', timeZone: 'Europe/Berlin' },
      NOW,
    );
    expect(summer.from).toBe(Date.UTC(2026, 6, 16, 8));
    expect(summer.to).toBe(Date.UTC(2026, 6, 16, 10, 30, 0, 250));
    const winter = resolveSearchRequest(
      { query: 'x', from: '2026-01-16', to: '2026-01-16T09:00', timeZone: 'America/New_York' },
      NOW,
    );
    expect(winter.from).toBe(Date.UTC(2026, 0, 16, 5));
    expect(winter.to).toBe(Date.UTC(2026, 0, 16, 14));
    expect(winter.timeZone).toBe('America/New_York');
  });

  it('refuses from after to, naming the field and both times', () => {
    const problems = problemsOf(() => resolveSearchRequest({ query: 'x', from: 'now', to: '-1h' }, NOW));
    expect(problems).toEqual([
      { field: 'from', message: expect.stringContaining('from must be the earlier time') },
    ]);
  });

  it('refuses an unknown time zone with IANA examples, and canonicalises known ones', () => {
    const problems = problemsOf(() =>
      resolveSearchRequest({ query: 'x', from: '-1h', to: 'now', timeZone: 'Mars/Olympus' }, NOW),
    );
    expect(problems).toEqual([{ field: 'timeZone', message: expect.stringContaining('Europe/Berlin') }]);
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('')).toBeUndefined();
  });

  it('reports every problem at once: empty query, unreadable times, seconds for milliseconds', () => {
    const problems = problemsOf(() =>
      resolveSearchRequest({ query: '   ', from: 'yesterday', to: 1_763_900_000 }, NOW),
    );
    expect(problems.map((problem) => problem.field)).toEqual(['query', 'from', 'to']);
    expect(problems[1]?.message).toContain('-15m');
    expect(problems[2]?.message).toContain('epoch seconds');
  });

  it('suggests the minus sign for a relative time written without one, and rejects impossible dates', () => {
    expect(
      problemsOf(() => resolveSearchRequest({ query: 'x', from: '15m', to: 'now' }, NOW))[0]?.message,
    ).toContain('"-15m"');
    expect(
      problemsOf(() => resolveSearchRequest({ query: 'x', from: '2026-02-30T00:00:00', to: 'now' }, NOW))[0]
        ?.message,
    ).toContain('not a valid calendar date');
  });
});
