import {
  type FieldDescriptor,
  type LogCorpus,
  type MessageMap,
  messageMap,
  RECEIPT_DELAY_MAX_MS,
  RECEIPT_DELAY_MIN_MS,
  type SearchCorpus,
} from './corpus.js';
import { CorpusWithFleet } from './corpus-with-fleet.js';
import type { FleetLogs } from './fleet-logs.js';
import { GroupCounter, NO_CONTEXT, type Plan, type StepContext } from './pipeline.js';
import { ScanRow } from './scan-row.js';
import { type BoundSearch, CHECK_TEXT, NEVER } from './search-filter.js';

export interface SearchRange {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** Select messages by `_receipttime` instead of `_messagetime`. */
  byReceiptTime?: boolean;
}

export interface HistogramBucket {
  startTimestamp: number;
  length: number;
  count: number;
}

export interface RecordMap {
  map: Record<string, string>;
}

export interface ExecutionOptions {
  /**
   * Keep the position of every matching message (4 bytes each) so any page can be served later
   * without rescanning. Streaming callers turn it off to run in bounded memory.
   */
  retainPositions: boolean;
  /** The org's own logs, searched beside the corpus (merged newest first). */
  fleet?: FleetLogs;
}

/** The fleet messages of the range not yet scanned: indices [first, cursor). */
interface FleetScan {
  corpus: CorpusWithFleet;
  first: number;
  cursor: number;
}

/** One page is capped at this many bytes of message text, as the API documents (100 MB). */
const MAX_PAGE_BYTES = 100 * 1024 * 1024;

const BUCKET_LENGTHS = [
  1_000, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000,
  43_200_000, 86_400_000, 604_800_000,
];
const LONGEST_BUCKET = BUCKET_LENGTHS.at(-1) as number;
const MAX_BUCKETS = 240;

/**
 * A query running over a time range of a corpus. It scans from the newest message to the oldest,
 * as Sumo does, in steps the caller paces, so results grow while the job "gathers".
 */
export class SearchExecution {
  readonly totalPositions: number;
  readonly bucketLength: number;
  private readonly firstPosition: number;
  private cursor: number;
  /** What rows read: the corpus, or the corpus with the fleet's logs. */
  private readonly scanned: SearchCorpus;
  private readonly fleetScan: FleetScan | undefined;
  private readonly search: BoundSearch;
  private matched: Int32Array;
  private count = 0;
  private limitCounters: number[];
  private limitReached = false;
  private readonly row: ScanRow;
  private readonly renderRow: ScanRow;
  private readonly aggregator: GroupCounter | undefined;
  private readonly bucketBase: number;
  private readonly buckets: Float64Array;
  private nextBucketToReport: number;
  private readonly warnings: string[] = [];
  private readonly warned = new Set<string>();
  private warningsReported = 0;
  private recordCache: { version: number; rows: string[][] } | undefined;
  private readonly context: StepContext = {
    warn: (key, message) => {
      if (this.warned.has(key)) return;
      this.warned.add(key);
      this.warnings.push(message);
    },
  };

  /** `bind` binds the search expression to the origins of what is scanned. */
  constructor(
    private readonly plan: Plan,
    bind: (corpus: SearchCorpus) => BoundSearch,
    readonly corpus: LogCorpus,
    readonly range: SearchRange,
    private readonly options: ExecutionOptions = { retainPositions: true },
  ) {
    // By receipt time, messages from up to the largest delivery delay before the range qualify.
    const from = range.byReceiptTime ? range.from - RECEIPT_DELAY_MAX_MS : range.from;
    const to = range.byReceiptTime ? range.to - RECEIPT_DELAY_MIN_MS : range.to;
    const positions = corpus.positionsBetween(from, to);
    this.firstPosition = positions.start;
    this.cursor = Math.max(positions.start, positions.end);
    this.fleetScan = fleetScan(corpus, options.fleet, from, to);
    this.scanned = this.fleetScan?.corpus ?? corpus;
    this.totalPositions =
      this.cursor - this.firstPosition + (this.fleetScan ? this.fleetScan.cursor - this.fleetScan.first : 0);
    this.search = bind(this.scanned);
    this.matched = new Int32Array(options.retainPositions ? 1024 : 0);
    this.limitCounters = plan.messageSteps.map(() => 0);
    this.row = new ScanRow(this.scanned);
    this.renderRow = new ScanRow(this.scanned);
    this.aggregator = plan.aggregate === undefined ? undefined : new GroupCounter();
    const span = Math.max(1, range.to - range.from);
    this.bucketLength = BUCKET_LENGTHS.find((length) => span / length <= MAX_BUCKETS) ?? LONGEST_BUCKET;
    this.bucketBase = Math.floor(range.from / this.bucketLength);
    const bucketCount = Math.max(1, Math.ceil(range.to / this.bucketLength) - this.bucketBase);
    this.buckets = new Float64Array(bucketCount);
    this.nextBucketToReport = bucketCount - 1;
  }

  get scannedPositions(): number {
    return this.totalPositions - (this.cursor - this.firstPosition) - this.fleetLeft();
  }

  get done(): boolean {
    return (this.cursor <= this.firstPosition && this.fleetLeft() === 0) || this.limitReached;
  }

  private fleetLeft(): number {
    return this.fleetScan ? this.fleetScan.cursor - this.fleetScan.first : 0;
  }

  /** Messages found so far (after the operators that come before any aggregation). */
  get messageCount(): number {
    return this.count;
  }

  /**
   * Scans up to `maxPositions` more corpus positions, stopping early once `maxMessages` have
   * matched in total. `onMatch` sees each new match's position.
   */
  advance(
    maxPositions: number,
    maxMessages = Number.POSITIVE_INFINITY,
    onMatch?: (position: number) => void,
  ): void {
    let budget = Math.max(0, Math.floor(maxPositions));
    const fleet = this.fleetScan;
    if (fleet === undefined) {
      this.scanCorpus(this.cursor - budget, maxMessages, onMatch);
      return;
    }
    // Both streams are in time order: take whichever has the newer next message.
    while (budget > 0 && !this.done && this.count < maxMessages) {
      const corpusNext =
        this.cursor > this.firstPosition ? this.corpus.timeAt(this.cursor - 1) : Number.NEGATIVE_INFINITY;
      const fleetNext =
        fleet.cursor > fleet.first ? fleet.corpus.fleet.timeAt(fleet.cursor - 1) : Number.NEGATIVE_INFINITY;
      if (fleetNext > corpusNext) {
        fleet.cursor -= 1;
        budget -= 1;
        const k = fleet.cursor;
        if (fleet.corpus.fleet.sends(k)) {
          this.consider(fleet.corpus.positionOf(k), fleet.corpus.fleetOriginAt(k), onMatch);
        }
        continue;
      }
      const newerThanFleet =
        fleetNext === Number.NEGATIVE_INFINITY
          ? this.firstPosition
          : this.corpus.firstPositionAtOrAfter(fleetNext);
      const before = this.cursor;
      this.scanCorpus(Math.max(newerThanFleet, this.cursor - budget), maxMessages, onMatch);
      if (this.cursor === before) break;
      budget -= before - this.cursor;
    }
  }

  /**
   * Scans corpus positions from the cursor down to `stop` (inclusive). The body is `consider`
   * written out: a call per position made cheap scans (`*`) about 40% slower, measured.
   */
  private scanCorpus(stop: number, maxMessages: number, onMatch?: (position: number) => void): void {
    const { corpus } = this;
    const { verdicts, test } = this.search;
    const { row, range } = this;
    const steps = this.plan.messageSteps;
    const byReceipt = range.byReceiptTime === true;
    const floor = Math.max(this.firstPosition, stop);
    let position = this.cursor - 1;
    for (; position >= floor; position--) {
      if (this.count >= maxMessages || this.limitReached) break;
      const origin = corpus.originAt(position);
      const verdict = verdicts[origin];
      if (verdict === NEVER) continue;
      if (byReceipt) {
        const receipt = corpus.receiptTimeAt(position);
        if (receipt < range.from || receipt >= range.to) continue;
      }
      row.reset(position, origin);
      if (verdict === CHECK_TEXT && !test(row)) continue;
      if (steps.length > 0 && !this.runSteps(row)) continue;
      this.accept(position, byReceipt);
      onMatch?.(position);
    }
    this.cursor = position + 1;
  }

  /** Runs one message through the search expression and the operators before any aggregation. */
  private consider(position: number, origin: number, onMatch?: (position: number) => void): void {
    const verdict = this.search.verdicts[origin];
    if (verdict === NEVER) return;
    const { range, row } = this;
    const byReceipt = range.byReceiptTime === true;
    if (byReceipt) {
      const receipt = this.scanned.receiptTimeAt(position);
      if (receipt < range.from || receipt >= range.to) return;
    }
    row.reset(position, origin);
    if (verdict === CHECK_TEXT && !this.search.test(row)) return;
    if (this.plan.messageSteps.length > 0 && !this.runSteps(row)) return;
    this.accept(position, byReceipt);
    onMatch?.(position);
  }

  private runSteps(row: ScanRow): boolean {
    const steps = this.plan.messageSteps;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i] as Plan['messageSteps'][number];
      if (step.kind === 'filter') {
        if (!step.run(row, this.context)) return false;
      } else {
        const seen = ++(this.limitCounters[i] as number);
        // Every later message would be dropped here, so the scan can end.
        if (seen >= step.count) this.limitReached = true;
      }
    }
    return true;
  }

  private accept(position: number, byReceipt: boolean): void {
    if (this.options.retainPositions) {
      if (this.count === this.matched.length) {
        const grown = new Int32Array(this.matched.length * 2);
        grown.set(this.matched);
        this.matched = grown;
      }
      this.matched[this.count] = position;
    }
    this.count++;
    const time = byReceipt ? this.scanned.receiptTimeAt(position) : this.scanned.timeAt(position);
    const bucket = Math.min(
      this.buckets.length - 1,
      Math.max(0, Math.floor(time / this.bucketLength) - this.bucketBase),
    );
    this.buckets[bucket] = (this.buckets[bucket] as number) + 1;
    if (this.aggregator !== undefined) {
      const values: string[] = [];
      for (const read of (this.plan.aggregate as NonNullable<Plan['aggregate']>).by) {
        const value = read(this.row);
        // Sumo leaves messages without a group-by field out of the groups.
        if (value === undefined) return;
        values.push(value);
      }
      this.aggregator.add(values);
    }
  }

  /**
   * Non-empty histogram buckets that the scan has finished since the previous call: Sumo reports
   * each bucket once, newest first, so clients must keep what they are given.
   */
  takeNewHistogramBuckets(): HistogramBucket[] {
    const complete = this.done ? 0 : this.firstIncompleteBucket() + 1;
    const out: HistogramBucket[] = [];
    for (; this.nextBucketToReport >= complete; this.nextBucketToReport--) {
      const count = this.buckets[this.nextBucketToReport] as number;
      if (count > 0) {
        out.push({
          startTimestamp: (this.bucketBase + this.nextBucketToReport) * this.bucketLength,
          length: this.bucketLength,
          count,
        });
      }
    }
    return out;
  }

  private firstIncompleteBucket(): number {
    // Unscanned messages are older than the cursors; by receipt time they can land up to the
    // largest delivery delay later.
    const fleet = this.fleetScan;
    const corpusTime =
      fleet === undefined || this.cursor > this.firstPosition
        ? this.corpus.timeAt(this.cursor)
        : Number.NEGATIVE_INFINITY;
    const fleetTime =
      fleet !== undefined && fleet.cursor > fleet.first
        ? fleet.corpus.fleet.timeAt(fleet.cursor)
        : Number.NEGATIVE_INFINITY;
    const cursorTime =
      Math.max(corpusTime, fleetTime) + (this.range.byReceiptTime ? RECEIPT_DELAY_MAX_MS : 0);
    return Math.min(this.buckets.length - 1, Math.floor(cursorTime / this.bucketLength) - this.bucketBase);
  }

  /** Warnings raised since the previous call. */
  takeNewWarnings(): string[] {
    const fresh = this.warnings.slice(this.warningsReported);
    this.warningsReported = this.warnings.length;
    return fresh;
  }

  /** Adds a warning that is not tied to one operator (e.g. the job being paused). */
  warn(key: string, message: string): void {
    this.context.warn(key, message);
  }

  get messageFields(): FieldDescriptor[] {
    return this.plan.messageFields.map((field) => field.descriptor);
  }

  get recordFields(): FieldDescriptor[] {
    return this.plan.aggregate?.recordFields ?? [];
  }

  /** The message at a corpus position, with the fields the query's operators extract. */
  render(position: number): MessageMap {
    const row = this.renderRow;
    row.reset(position, this.scanned.originAt(position));
    for (const step of this.plan.messageSteps) {
      if (step.kind === 'filter' && step.extracts) step.run(row, NO_CONTEXT);
    }
    const map: MessageMap = this.plan.keepsAllMetadata
      ? messageMap(this.scanned, position, row.rawText())
      : {};
    for (const field of this.plan.messageFields) {
      if (field.metadata && this.plan.keepsAllMetadata) continue;
      const value = field.read(row);
      if (value !== undefined) map[field.descriptor.name] = value;
    }
    return map;
  }

  /** A page of the messages found so far, newest first. */
  messages(offset: number, limit: number, maxBytes = MAX_PAGE_BYTES): MessageMap[] {
    if (!this.options.retainPositions) throw new Error('this execution does not retain message positions');
    const end = Math.min(this.count, offset + limit);
    const out: MessageMap[] = [];
    let bytes = 0;
    for (let k = offset; k < end; k++) {
      const map = this.render(this.matched[k] as number);
      bytes += (map._raw ?? '').length;
      if (bytes > maxBytes && out.length > 0) break;
      out.push(map);
    }
    return out;
  }

  /** Aggregated rows so far, after the operators that follow the aggregation. */
  private recordRows(): string[][] {
    if (this.aggregator === undefined) return [];
    if (this.recordCache?.version !== this.count) {
      let rows = this.aggregator.rows();
      for (const step of (this.plan.aggregate as NonNullable<Plan['aggregate']>).recordSteps)
        rows = step(rows);
      this.recordCache = { version: this.count, rows };
    }
    return this.recordCache.rows;
  }

  get recordCount(): number {
    return this.recordRows().length;
  }

  records(offset = 0, limit = Number.POSITIVE_INFINITY): RecordMap[] {
    const fields = this.recordFields;
    return this.recordRows()
      .slice(offset, offset + limit)
      .map((row) => {
        const map: Record<string, string> = {};
        fields.forEach((field, i) => {
          map[field.name] = row[i] as string;
        });
        return { map };
      });
  }
}

/** The fleet messages of [from, to) that a scan will visit, or undefined without a fleet to search. */
function fleetScan(
  corpus: LogCorpus,
  fleet: FleetLogs | undefined,
  from: number,
  to: number,
): FleetScan | undefined {
  if (fleet === undefined || fleet.slotsPerMinute === 0) return undefined;
  const first = fleet.indexAtOrAfter(from);
  const end = Math.max(first, fleet.indexAtOrAfter(to));
  if (end - first > 0x7fffffff) {
    throw new RangeError(`the org sends ${end - first} messages in this range; scans are limited to 2^31`);
  }
  return { corpus: new CorpusWithFleet(corpus, fleet, first), first, cursor: end };
}
