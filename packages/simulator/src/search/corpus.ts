import { buildOrigins, type LogOrigin } from './log-sources.js';
import { Draws, hash32 } from './random.js';

export interface CorpusOptions {
  /** Same seed, same corpus: message i is a pure function of (seed, i). */
  seed: number;
  /** Number of messages; they are generated on demand, never held in memory. */
  size: number;
  /** Epoch ms of the oldest message (inclusive). */
  from: number;
  /** Epoch ms the newest message precedes (exclusive). */
  to: number;
}

/** A message as the Search Job API returns it in `messages[].map`: every value a string. */
export type MessageMap = Record<string, string>;

export interface FieldDescriptor {
  name: string;
  fieldType: 'long' | 'int' | 'string' | 'double' | 'boolean';
  keyField: boolean;
}

/** The metadata fields of every message, in the order and with the types the API documents. */
export const MESSAGE_FIELDS: readonly FieldDescriptor[] = [
  { name: '_messageid', fieldType: 'long', keyField: false },
  { name: '_sourceid', fieldType: 'long', keyField: false },
  { name: '_sourceName', fieldType: 'string', keyField: false },
  { name: '_sourceHost', fieldType: 'string', keyField: false },
  { name: '_sourceCategory', fieldType: 'string', keyField: false },
  { name: '_format', fieldType: 'string', keyField: false },
  { name: '_size', fieldType: 'long', keyField: false },
  { name: '_messagetime', fieldType: 'long', keyField: false },
  { name: '_receipttime', fieldType: 'long', keyField: false },
  { name: '_messagecount', fieldType: 'int', keyField: false },
  { name: '_raw', fieldType: 'string', keyField: false },
  { name: '_source', fieldType: 'string', keyField: false },
  { name: '_collectorId', fieldType: 'long', keyField: false },
  { name: '_collector', fieldType: 'string', keyField: false },
  { name: '_blockid', fieldType: 'long', keyField: false },
];

const ORIGIN_SALT = 0x1b873593;
const RECEIPT_SALT = 0x2c1b3c6d;
const RAW_SALT = 0x297a2d39;
const MESSAGES_PER_BLOCK = 256;

/** Messages arrive between these many ms after their timestamp. */
export const RECEIPT_DELAY_MIN_MS = 20;
export const RECEIPT_DELAY_MAX_MS = 4_999;

/**
 * What a scan reads about the message at a position: the fixed corpus alone, or the corpus with
 * the org's own logs beside it (`CorpusWithFleet`).
 */
export interface SearchCorpus {
  readonly origins: readonly LogOrigin[];
  originAt(position: number): number;
  timeAt(position: number): number;
  receiptTimeAt(position: number): number;
  rawAt(position: number, origin?: number): string;
  messageIdAt(position: number): string;
  blockIdAt(position: number): string;
  messageCountAt(position: number): string;
}

/** The message at a position with every metadata field, in the order the API documents them. */
export function messageMap(corpus: SearchCorpus, position: number, raw = corpus.rawAt(position)): MessageMap {
  const origin = corpus.origins[corpus.originAt(position)] as LogOrigin;
  return {
    _messageid: corpus.messageIdAt(position),
    _sourceid: origin.sourceId,
    _sourceName: origin.sourceName,
    _sourceHost: origin.sourceHost,
    _sourceCategory: origin.sourceCategory,
    _format: origin.format,
    // Generated text is ASCII, so characters are bytes.
    _size: String(raw.length),
    _messagetime: String(corpus.timeAt(position)),
    _receipttime: String(corpus.receiptTimeAt(position)),
    _messagecount: corpus.messageCountAt(position),
    _raw: raw,
    _source: origin.source,
    _collectorId: origin.collectorId,
    _collector: origin.collector,
    _blockid: corpus.blockIdAt(position),
  };
}

/** Half-open range of corpus positions, oldest first. */
export interface PositionRange {
  start: number;
  end: number;
}

/**
 * Positions are in time order, so a time range maps to a contiguous position range and a scan can
 * start anywhere; only what a caller asks for is ever generated.
 */
export class LogCorpus implements SearchCorpus {
  readonly seed: number;
  readonly size: number;
  readonly from: number;
  readonly to: number;
  readonly origins: readonly LogOrigin[];
  private readonly slots: Uint16Array;
  private readonly step: number;

  constructor(options: CorpusOptions) {
    if (!Number.isSafeInteger(options.size) || options.size < 0 || options.size > 0x7fffffff) {
      throw new RangeError(`corpus size must be an integer in [0, 2^31), got ${options.size}`);
    }
    if (!(options.to > options.from)) throw new RangeError('corpus time range must have to > from');
    this.seed = options.seed | 0;
    this.size = options.size;
    this.from = options.from;
    this.to = options.to;
    const { origins, slots } = buildOrigins();
    this.origins = origins;
    this.slots = slots;
    this.step = (options.to - options.from) / Math.max(1, options.size);
  }

  timeAt(position: number): number {
    return this.from + Math.floor(position * this.step);
  }

  receiptTimeAt(position: number): number {
    const spread = RECEIPT_DELAY_MAX_MS - RECEIPT_DELAY_MIN_MS + 1;
    return (
      this.timeAt(position) + RECEIPT_DELAY_MIN_MS + (hash32(this.seed, position, RECEIPT_SALT) % spread)
    );
  }

  /** Index into `origins`: which source and host wrote the message. */
  originAt(position: number): number {
    return this.slots[hash32(this.seed, position, ORIGIN_SALT) & 1023] as number;
  }

  rawAt(position: number, origin = this.originAt(position)): string {
    const source = this.origins[origin] as LogOrigin;
    return source.generate(this.timeAt(position), new Draws(hash32(this.seed, position, RAW_SALT)), source);
  }

  messageIdAt(position: number): string {
    return longId(position);
  }

  blockIdAt(position: number): string {
    return longId(Math.floor(position / MESSAGES_PER_BLOCK));
  }

  messageCountAt(position: number): string {
    return String(position);
  }

  /** `raw` spares generating the text again when the caller already has it. */
  message(position: number, raw = this.rawAt(position)): MessageMap {
    return messageMap(this, position, raw);
  }

  /** Positions whose `_messagetime` lies in [from, to). */
  positionsBetween(from: number, to: number): PositionRange {
    return { start: this.firstPositionAtOrAfter(from), end: this.firstPositionAtOrAfter(to) };
  }

  firstPositionAtOrAfter(time: number): number {
    let low = 0;
    let high = this.size;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.timeAt(mid) < time) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/** Sumo's ids are Java longs counting up from Long.MIN_VALUE; string arithmetic keeps them exact. */
function longId(n: number): string {
  return `-92233720${36854775807 - n}`;
}
