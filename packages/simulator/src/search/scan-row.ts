import type { SearchCorpus } from './corpus.js';
import type { LogOrigin } from './log-sources.js';

/**
 * The message under the scan cursor. One instance is reused for every position so scanning
 * allocates nothing for messages that are filtered out; text is generated only when asked for.
 */
export class ScanRow {
  position = -1;
  origin = 0;
  /** Fields added by parse, json and timeslice, keyed by lower-case name. */
  extras: Map<string, string> | undefined;
  private raw: string | undefined;
  private lower: string | undefined;

  constructor(readonly corpus: SearchCorpus) {}

  reset(position: number, origin: number): void {
    this.position = position;
    this.origin = origin;
    this.raw = undefined;
    this.lower = undefined;
    this.extras = undefined;
  }

  source(): LogOrigin {
    return this.corpus.origins[this.origin] as LogOrigin;
  }

  rawText(): string {
    if (this.raw === undefined) this.raw = this.corpus.rawAt(this.position, this.origin);
    return this.raw;
  }

  lowerRaw(): string {
    if (this.lower === undefined) this.lower = this.rawText().toLowerCase();
    return this.lower;
  }

  setExtra(key: string, value: string): void {
    if (this.extras === undefined) this.extras = new Map();
    this.extras.set(key, value);
  }
}

/** Reads one metadata field of the row under the cursor; keys are lower-case. */
export const BASE_FIELD_READERS: Record<string, (row: ScanRow) => string> = {
  _messageid: (row) => row.corpus.messageIdAt(row.position),
  _sourceid: (row) => row.source().sourceId,
  _sourcename: (row) => row.source().sourceName,
  _sourcehost: (row) => row.source().sourceHost,
  _sourcecategory: (row) => row.source().sourceCategory,
  _format: (row) => row.source().format,
  _size: (row) => String(row.rawText().length),
  _messagetime: (row) => String(row.corpus.timeAt(row.position)),
  _receipttime: (row) => String(row.corpus.receiptTimeAt(row.position)),
  _messagecount: (row) => row.corpus.messageCountAt(row.position),
  _raw: (row) => row.rawText(),
  _source: (row) => row.source().source,
  _collectorid: (row) => row.source().collectorId,
  _collector: (row) => row.source().collector,
  _blockid: (row) => row.corpus.blockIdAt(row.position),
};
