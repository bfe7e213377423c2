import { describe, expect, it } from 'vitest';
import { resolveSearchRequest, SearchRequestError } from '../src/index.js';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

/** The instant a wall time without an offset names in `timeZone`, as ISO UTC. */
function resolveWall(wall: string, timeZone: string): string {
  const { from } = resolveSearchRequest(
    { query: 'x', from: wall, to: '2026-11-20T00:00:00Z', timeZone },
    NOW,
  );
  return new Date(from).toISOString();
}

describe('wall times around daylight-saving changes', () => {
  it.each([
    // Northern hemisphere, west of UTC: clocks jump 02:00 → 03:00 on 2026-03-08.
    ['America/New_York', '2026-03-08T02:30:00', '2026-03-08T07:30:00.000Z', '03:30 EDT'],
    // Northern hemisphere, east of UTC: clocks jump 02:00 → 03:00 on 2026-03-29.
    ['Europe/Berlin', '2026-03-29T02:30:00', '2026-03-29T01:30:00.000Z', '03:30 CEST'],
    // Southern hemisphere: clocks jump 02:00 → 03:00 on 2026-10-04.
    ['Australia/Sydney', '2026-10-04T02:30:00', '2026-10-03T16:30:00.000Z', '03:30 AEDT'],
    // A half-hour change: 02:00 → 02:30 on 2026-10-04.
    ['Australia/Lord_Howe', '2026-10-04T02:15:00', '2026-10-03T15:45:00.000Z', '02:45 +11'],
  ])('a time skipped in %s (%s) moves forward by the gap', (zone, wall, instant) => {
    expect(resolveWall(wall, zone)).toBe(instant);
  });

  it.each([
    // Clocks go back 02:00 EDT → 01:00 EST on 2026-11-01: 01:30 happens twice.
    ['America/New_York', '2026-11-01T01:30:00', '2026-11-01T05:30:00.000Z'],
    // Clocks go back 03:00 CEST → 02:00 CET on 2026-10-25.
    ['Europe/Berlin', '2026-10-25T02:30:00', '2026-10-25T00:30:00.000Z'],
    // Clocks go back 03:00 AEDT → 02:00 AEST on 2026-04-05.
    ['Australia/Sydney', '2026-04-05T02:30:00', '2026-04-04T15:30:00.000Z'],
  ])('a time repeated in %s (%s) is the earlier of its two instants', (zone, wall, instant) => {
    expect(resolveWall(wall, zone)).toBe(instant);
  });

  it.each([
    ['America/New_York', '2026-03-08T01:59:00', '2026-03-08T06:59:00.000Z'],
    ['America/New_York', '2026-03-08T03:00:00', '2026-03-08T07:00:00.000Z'],
    ['America/New_York', '2026-11-01T02:00:00', '2026-11-01T07:00:00.000Z'],
    ['Europe/Berlin', '2026-10-25T03:00:00', '2026-10-25T02:00:00.000Z'],
    ['Australia/Sydney', '2026-04-05T03:00:00', '2026-04-04T17:00:00.000Z'],
    ['Australia/Sydney', '2026-10-04T03:00:00', '2026-10-03T16:00:00.000Z'],
    ['Asia/Kolkata', '2026-03-08T02:30:00', '2026-03-07T21:00:00.000Z'],
  ])('a time next to a change in %s (%s) keeps its one meaning', (zone, wall, instant) => {
    expect(resolveWall(wall, zone)).toBe(instant);
  });
});

describe('relative and calendar times out of range', () => {
  function problems(from: string, to = 'now') {
    try {
      resolveSearchRequest({ query: 'x', from, to }, NOW);
    } catch (error) {
      expect(error).toBeInstanceOf(SearchRequestError);
      return (error as SearchRequestError).problems;
    }
    throw new Error('expected a SearchRequestError');
  }

  it.each(['-100000d', '-3651d', '-99999999999999999999w', '-87601h'])(
    'refuses %s in from, naming the field and the allowed range',
    (from) => {
      const [problem, ...rest] = problems(from);
      expect(rest).toEqual([]);
      expect(problem?.field).toBe('from');
      expect(problem?.message).toContain('at most 3650 days');
    },
  );

  it('names to when to is the one out of range', () => {
    expect(problems('-200000d', '-100000d').map((problem) => problem.field)).toEqual(['from', 'to']);
  });

  it('still accepts ten years back', () => {
    expect(resolveSearchRequest({ query: 'x', from: '-3650d', to: 'now' }, NOW).from).toBe(
      NOW - 3650 * 86_400_000,
    );
  });

  it('refuses a calendar time before 1970', () => {
    const [problem] = problems('1969-12-31T00:00:00Z');
    expect(problem).toMatchObject({ field: 'from' });
    expect(problem?.message).toContain('1970');
  });
});
