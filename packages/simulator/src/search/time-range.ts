/**
 * The create request's `from`/`to`: ISO 8601 local date-times read in `timeZone`, or epoch
 * milliseconds (as a string or a number), which need no time zone.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;
const EPOCH_MS = /^\d{1,15}$/;

/** `local`: the wall-clock time read as if it were UTC; `toEpochMs` moves it into a zone. */
export type TimeInput =
  | { kind: 'epoch'; ms: number }
  | { kind: 'local'; wallMs: number }
  | { kind: 'absolute'; ms: number };

/** Reads one timestamp; undefined when it is neither ISO 8601 nor epoch milliseconds. */
export function readTime(value: unknown): TimeInput | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 ? { kind: 'epoch', ms: value } : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (EPOCH_MS.test(text)) return { kind: 'epoch', ms: Number(text) };
  const match = ISO.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const millis = Number((match[7] ?? '0').padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const check = new Date(utc);
  // Date.UTC rolls 2026-02-30 over to March; a real calendar date round-trips unchanged.
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  const zone = match[8];
  if (zone === undefined) return { kind: 'local', wallMs: utc };
  if (zone === 'Z') return { kind: 'absolute', ms: utc };
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  return { kind: 'absolute', ms: utc - sign * offsetMinutes * 60_000 };
}

/** A validated IANA zone (or an alias ICU knows, such as Java's `IST` and `PST`). */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Epoch ms of a local wall-clock time in `zone`. */
export function toEpochMs(input: TimeInput, zone: string | undefined): number {
  if (input.kind !== 'local') return input.ms;
  const wall = input.wallMs;
  if (zone === undefined) return wall;
  // The zone's offset at the wall time's instant is right except across a DST change, where a
  // second look with the corrected instant settles it.
  const first = wall - zoneOffsetMs(wall, zone);
  return wall - zoneOffsetMs(first, zone);
}

function zoneOffsetMs(instant: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - (instant - (((instant % 1000) + 1000) % 1000));
}
