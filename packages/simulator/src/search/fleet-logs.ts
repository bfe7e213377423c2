import type { DataOrigin, Span } from '../org/data-origins.js';
import { RECEIPT_DELAY_MAX_MS, RECEIPT_DELAY_MIN_MS } from './corpus.js';
import { logFormatOf } from './fleet-log-formats.js';
import type { LogOrigin } from './log-sources.js';
import { Draws, hash32 } from './random.js';

/** Every source sends the same pattern of messages each minute, at its own offsets within it. */
const ROUND_MS = 60_000;
const OFFSET_SALT = 0x5bd1e995;
const RECEIPT_SALT = 0x68e31da4;
const RAW_SALT = 0x1b56c4e9;
const MESSAGES_PER_BLOCK = 256;

/**
 * The messages the org's own collectors and sources send, as of one moment: a snapshot of the
 * org (its sources and the spans each sent nothing) that a search job keeps for its life, so
 * pages read later show what the scan found.
 *
 * Nothing is stored per message. Message `k` is in minute `floor(k / slots)` at the `k % slots`th
 * of the minute's sorted send offsets, so times grow with `k`, a time range maps to an index
 * range by arithmetic, and its source, text and ids are pure functions of (seed, source, minute).
 * A message whose source was silent at its time does not exist: `sends(k)` says so.
 */
export class FleetLogs {
  readonly origins: readonly LogOrigin[];
  private readonly silences: readonly (readonly Span[])[];
  /** The stream key of each origin (its source id, or its collector id when it has none). */
  private readonly keys: Float64Array;
  private readonly perMinute: Uint8Array;
  /** Sorted send offsets within a minute, and whose each is. */
  private readonly slotOffsets: Int32Array;
  private readonly slotOrigins: Uint32Array;
  private readonly slotBeats: Uint8Array;

  /** `asOf`: the simulated time of the snapshot; nothing has been sent after it. */
  constructor(
    readonly seed: number,
    dataOrigins: readonly DataOrigin[],
    readonly asOf: number,
  ) {
    const formats = dataOrigins.map(logFormatOf);
    this.origins = dataOrigins.map((origin, index) => {
      const { generate, format } = formats[index] as (typeof formats)[number];
      return {
        sourceCategory: origin.sourceCategory,
        sourceHost: origin.sourceHost,
        sourceName: origin.sourceName,
        source: origin.source,
        sourceId: String(origin.sourceId),
        collector: origin.collector,
        collectorId: String(origin.collectorId),
        format,
        generate,
      };
    });
    this.silences = dataOrigins.map((origin) => origin.silences);
    this.keys = Float64Array.from(dataOrigins, (origin) => origin.sourceId || origin.collectorId);
    this.perMinute = Uint8Array.from(formats, (format) => format.perMinute);
    const slots: { offset: number; origin: number; beat: number }[] = [];
    this.perMinute.forEach((count, origin) => {
      for (let beat = 0; beat < count; beat++) {
        const offset = hash32(seed, this.keys[origin] as number, OFFSET_SALT + beat) % ROUND_MS;
        slots.push({ offset, origin, beat });
      }
    });
    slots.sort((a, b) => a.offset - b.offset || a.origin - b.origin || a.beat - b.beat);
    this.slotOffsets = Int32Array.from(slots, (slot) => slot.offset);
    this.slotOrigins = Uint32Array.from(slots, (slot) => slot.origin);
    this.slotBeats = Uint8Array.from(slots, (slot) => slot.beat);
  }

  get slotsPerMinute(): number {
    return this.slotOffsets.length;
  }

  timeAt(k: number): number {
    const slots = this.slotOffsets.length;
    const minute = Math.floor(k / slots);
    return minute * ROUND_MS + (this.slotOffsets[k - minute * slots] as number);
  }

  originAt(k: number): number {
    return this.slotOrigins[k % this.slotOffsets.length] as number;
  }

  /** Whether message `k` was sent: its source was not silent then and it is not after the snapshot. */
  sends(k: number, origin = this.originAt(k)): boolean {
    const time = this.timeAt(k);
    if (time >= this.asOf) return false;
    for (const [from, to] of this.silences[origin] as readonly Span[]) {
      if (time >= from && time < to) return false;
    }
    return true;
  }

  /** The first message index whose time is at or after `time` (within the snapshot's past). */
  indexAtOrAfter(time: number): number {
    const slots = this.slotOffsets.length;
    const bounded = Math.min(time, this.asOf);
    const minute = Math.floor(bounded / ROUND_MS);
    const offset = bounded - minute * ROUND_MS;
    let low = 0;
    let high = slots;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.slotOffsets[mid] as number) < offset) low = mid + 1;
      else high = mid;
    }
    return minute * slots + low;
  }

  receiptTimeAt(k: number): number {
    const spread = RECEIPT_DELAY_MAX_MS - RECEIPT_DELAY_MIN_MS + 1;
    return (
      this.timeAt(k) + RECEIPT_DELAY_MIN_MS + (hash32(this.seed, this.sequenceAt(k), RECEIPT_SALT) % spread)
    );
  }

  /** The source's own message counter (`_messagecount`): it grows by its messages per minute each minute. */
  sequenceAt(k: number): number {
    const slots = this.slotOffsets.length;
    const minute = Math.floor(k / slots);
    const slot = k - minute * slots;
    const origin = this.slotOrigins[slot] as number;
    return minute * (this.perMinute[origin] as number) + (this.slotBeats[slot] as number);
  }

  rawAt(k: number, origin = this.originAt(k)): string {
    const source = this.origins[origin] as LogOrigin;
    const key = this.keys[origin] as number;
    return source.generate(
      this.timeAt(k),
      new Draws(hash32(this.seed ^ key, this.sequenceAt(k), RAW_SALT)),
      source,
    );
  }

  /** Ids unique per source and message, in the negative long range like Sumo's, apart from the fixed corpus's. */
  messageIdAt(k: number): string {
    return `-8${this.streamDigits(k)}${digits9(this.sequenceAt(k))}`;
  }

  blockIdAt(k: number): string {
    return `-7${this.streamDigits(k)}${digits9(Math.floor(this.sequenceAt(k) / MESSAGES_PER_BLOCK))}`;
  }

  private streamDigits(k: number): string {
    return digits9(this.keys[this.originAt(k)] as number);
  }
}

function digits9(n: number): string {
  return String(n % 1_000_000_000).padStart(9, '0');
}
