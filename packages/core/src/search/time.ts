import type { AUTO_PARSING_MODES, CreateSearchJobBody } from '../schemas/search-job.js';
import { SearchRequestError, type SearchRequestProblem } from './errors.js';

/** A search time as people and models write it: ISO 8601, epoch milliseconds, `-15m`, `now`. */
export type SearchTimeInput = string | number;

export interface SearchRequestInput {
  query: string;
  from: SearchTimeInput;
  to: SearchTimeInput;
  /** IANA name; applies to ISO times written without an offset. Default UTC. */
  timeZone?: string | undefined;
  byReceiptTime?: boolean | undefined;
  autoParsingMode?: (typeof AUTO_PARSING_MODES)[number] | undefined;
}

/** A request we have checked: times are epoch milliseconds and the time zone is canonical. */
export interface ResolvedSearchRequest {
  readonly resolved: true;
  query: string;
  from: number;
  to: number;
  timeZone: string;
  byReceiptTime: boolean;
  autoParsingMode: (typeof AUTO_PARSING_MODES)[number] | undefined;
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const RELATIVE = /^-(\d+)\s*([smhdw])$/i;
const EPOCH = /^\d+$/;
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
/** Epoch values below this (March 1973 in ms) are almost surely seconds. */
const SMALLEST_PLAUSIBLE_EPOCH_MS = 100_000_000_000;
/**
 * Sumo keeps logs for at most a few years; ten years back is generous and keeps a typo such as
 * `-100000d` from reaching the API as a time before 1970.
 */
const MAX_RELATIVE_DAYS = 3650;
const MAX_RELATIVE_MS = MAX_RELATIVE_DAYS * UNIT_MS.d;
const TIME_FORMS =
  'Use ISO 8601 (2026-11-23T14:00:00, optionally with Z or +01:00), epoch milliseconds, a relative time such as -15m, -2h, -7d, or now.';

/**
 * Checks and normalises a search request without any API call: every problem found is reported
 * at once, each naming its field and the fix. Times become epoch milliseconds, so `from`/`to`
 * can be compared here and the API never has to guess what we meant.
 */
export function resolveSearchRequest(
  input: SearchRequestInput,
  now: number = Date.now(),
): ResolvedSearchRequest {
  const problems: SearchRequestProblem[] = [];
  const query = input.query.trim();
  if (query === '')
    problems.push({
      field: 'query',
      message: 'is empty; give a search expression, e.g. "_sourceCategory=prod/* error".',
    });

  const zone = canonicalTimeZone(input.timeZone ?? 'UTC');
  if (zone === undefined) {
    problems.push({
      field: 'timeZone',
      message: `"${input.timeZone}" is not a known time zone; use an IANA name such as UTC, Europe/Berlin, America/New_York or Asia/Kolkata.`,
    });
  }
  const from = parseSearchTime(input.from, 'from', now, zone ?? 'UTC', problems);
  const to = parseSearchTime(input.to, 'to', now, zone ?? 'UTC', problems);
  if (from !== undefined && to !== undefined && from >= to) {
    problems.push({
      field: 'from',
      message: `${new Date(from).toISOString()} is not before to (${new Date(to).toISOString()}); from must be the earlier time.`,
    });
  }
  if (problems.length > 0 || from === undefined || to === undefined || zone === undefined) {
    throw new SearchRequestError(problems);
  }
  return {
    resolved: true,
    query,
    from,
    to,
    timeZone: zone,
    byReceiptTime: input.byReceiptTime ?? false,
    autoParsingMode: input.autoParsingMode,
  };
}

/** The API body for a resolved request; epoch milliseconds travel as strings, as the API documents. */
export function createJobBody(request: ResolvedSearchRequest): CreateSearchJobBody {
  return {
    query: request.query,
    from: String(request.from),
    to: String(request.to),
    timeZone: request.timeZone,
    byReceiptTime: request.byReceiptTime,
    ...(request.autoParsingMode ? { autoParsingMode: request.autoParsingMode } : {}),
  };
}

/**
 * The canonical IANA name, or undefined when the runtime does not know the zone. The
 * `Intl.DateTimeFormat` constructor is the authority: `Intl.supportedValuesOf('timeZone')` leaves out
 * aliases such as UTC and Asia/Calcutta that Sumo accepts.
 */
export function canonicalTimeZone(timeZone: string): string | undefined {
  const trimmed = timeZone.trim();
  if (trimmed === '') return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: trimmed }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

function parseSearchTime(
  value: SearchTimeInput,
  field: string,
  now: number,
  timeZone: string,
  problems: SearchRequestProblem[],
): number | undefined {
  const problem = (message: string) => {
    problems.push({ field, message });
    return undefined;
  };
  if (typeof value === 'number') return epochMillis(value, String(value), problem);
  const text = value.trim();
  if (text.toLowerCase() === 'now') return now;
  const relative = RELATIVE.exec(text);
  if (relative) {
    const back = Number(relative[1]) * UNIT_MS[(relative[2] as string).toLowerCase() as keyof typeof UNIT_MS];
    if (!(back <= MAX_RELATIVE_MS)) {
      return problem(
        `"${text}" reaches back further than a search can: relative times go back at most ${MAX_RELATIVE_DAYS} days (-${MAX_RELATIVE_DAYS}d, -${Math.floor(MAX_RELATIVE_DAYS / 7)}w); for an older range give an ISO 8601 date.`,
      );
    }
    return now - back;
  }
  if (EPOCH.test(text)) return epochMillis(Number(text), text, problem);
  const iso = ISO.exec(text);
  if (!iso) {
    if (/^\d+\s*[smhdw]$/i.test(text))
      return problem(`"${text}" needs a minus sign for a time in the past: "-${text}".`);
    return problem(`"${text}" is not a time I can read. ${TIME_FORMS}`);
  }
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', offset] = iso;
  const parts = [year, month, day, hour, minute, second].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Number(fraction.slice(0, 3).padEnd(3, '0'));
  const wall = Date.UTC(parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5], ms);
  const check = new Date(wall);
  if (
    check.getUTCMonth() !== parts[1] - 1 ||
    check.getUTCDate() !== parts[2] ||
    parts[3] > 23 ||
    parts[4] > 59 ||
    parts[5] > 59
  ) {
    return problem(`"${text}" is not a valid calendar date and time.`);
  }
  const epoch = offset === undefined ? wallTimeToEpoch(wall, timeZone) : wall - offsetMs(offset);
  if (epoch < 0) return problem(`"${text}" is before 1970; give a time from 1970 on.`);
  return epoch;
}

/** `Z`, `+01:00`, `-0530` as milliseconds ahead of UTC. */
function offsetMs(offset: string): number {
  if (offset.toUpperCase() === 'Z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}

function epochMillis(
  value: number,
  text: string,
  problem: (message: string) => undefined,
): number | undefined {
  if (!Number.isSafeInteger(value) || value < 0)
    return problem(`${text} is not a non-negative whole number of epoch milliseconds.`);
  if (value < SMALLEST_PLAUSIBLE_EPOCH_MS) {
    return problem(`${text} looks like epoch seconds; the API wants milliseconds (${value * 1000}).`);
  }
  return value;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** How far the zone's wall clock is ahead of UTC at `epoch` (whole seconds, as zones are). */
export function zoneOffset(epoch: number, timeZone: string): number {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  const part: Record<string, number> = {};
  for (const { type, value } of formatter.formatToParts(epoch)) part[type] = Number(value);
  const asUtc = Date.UTC(
    part.year ?? 0,
    (part.month ?? 1) - 1,
    part.day ?? 1,
    // Some engines write midnight as 24 even with h23.
    (part.hour ?? 0) % 24,
    part.minute ?? 0,
    part.second ?? 0,
  );
  return asUtc - (epoch - (((epoch % 1000) + 1000) % 1000));
}

/**
 * The instant at which the zone's clocks show `wall` (given as if it were UTC), by the rule
 * Temporal calls 'compatible' (and RFC 5545 uses): a wall time repeated when clocks go back is
 * the earlier of its two instants; one skipped when clocks go forward moves forward by the gap
 * (New York's 02:30 on the spring-forward day is 03:30 EDT). Offsets a day either side bound the
 * candidates: no zone changes its offset twice within two days.
 */
function wallTimeToEpoch(wall: number, timeZone: string): number {
  const before = zoneOffset(wall - UNIT_MS.d, timeZone);
  const after = zoneOffset(wall + UNIT_MS.d, timeZone);
  const matches = [...new Set([before, after])]
    .map((offset) => wall - offset)
    .filter((epoch) => wall - zoneOffset(epoch, timeZone) === epoch);
  if (matches.length > 0) return Math.min(...matches);
  // Skipped: read the wall time with the offset in force before the change, which lands after it.
  return wall - before;
}
