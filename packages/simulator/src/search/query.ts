import type { FieldDescriptor, LogCorpus, MessageMap } from './corpus.js';
import { type ExecutionOptions, type RecordMap, SearchExecution, type SearchRange } from './execution.js';
import type { FleetLogs } from './fleet-logs.js';
import { buildPlan, type Plan } from './pipeline.js';
import { SearchQueryError } from './query-error.js';
import { parseQuery, type SearchNode } from './query-parser.js';
import { bindSearch } from './search-filter.js';

/** Positions scanned between yields when streaming. */
const STREAM_CHUNK = 8_192;

export interface CompiledQuery {
  readonly text: string;
  /** True when the query has an aggregation (`count`), so it produces records as well as messages. */
  readonly isAggregate: boolean;
  /** The fields of each message, in the shape `messages` responses list them. */
  readonly messageFields: readonly FieldDescriptor[];
  /** The fields of each record; empty for non-aggregate queries. */
  readonly recordFields: readonly FieldDescriptor[];
  /** An execution the caller advances step by step (what a search job does). */
  execute(corpus: LogCorpus, range: SearchRange, options?: ExecutionOptions): SearchExecution;
  /** Every matching message, newest first, generated lazily in bounded memory; `fleet`: the org's logs too. */
  messages(corpus: LogCorpus, range: SearchRange, fleet?: FleetLogs): Generator<MessageMap, void, undefined>;
  /** Runs the whole range and returns the records (empty for non-aggregate queries). */
  records(corpus: LogCorpus, range: SearchRange, fleet?: FleetLogs): RecordMap[];
}

/** Parses and checks a query; throws `SearchQueryError` with a position for anything unsupported. */
export function compileQuery(text: string): CompiledQuery {
  if (text.trim() === '') throw new SearchQueryError('The query is empty', 0);
  const ast = parseQuery(text);
  const plan = buildPlan(ast.stages);
  return new Compiled(text, ast.search, plan);
}

class Compiled implements CompiledQuery {
  readonly isAggregate: boolean;
  readonly messageFields: readonly FieldDescriptor[];
  readonly recordFields: readonly FieldDescriptor[];

  constructor(
    readonly text: string,
    private readonly search: SearchNode,
    private readonly plan: Plan,
  ) {
    this.isAggregate = plan.aggregate !== undefined;
    this.messageFields = plan.messageFields.map((field) => field.descriptor);
    this.recordFields = plan.aggregate?.recordFields ?? [];
  }

  execute(corpus: LogCorpus, range: SearchRange, options?: ExecutionOptions): SearchExecution {
    return new SearchExecution(
      this.plan,
      (scanned) => bindSearch(this.search, scanned),
      corpus,
      range,
      options,
    );
  }

  *messages(
    corpus: LogCorpus,
    range: SearchRange,
    fleet?: FleetLogs,
  ): Generator<MessageMap, void, undefined> {
    const execution = this.execute(corpus, range, { retainPositions: false, ...(fleet && { fleet }) });
    const batch: number[] = [];
    const collect = (position: number) => {
      batch.push(position);
    };
    while (!execution.done) {
      execution.advance(STREAM_CHUNK, Number.POSITIVE_INFINITY, collect);
      for (const position of batch) yield execution.render(position);
      batch.length = 0;
    }
  }

  records(corpus: LogCorpus, range: SearchRange, fleet?: FleetLogs): RecordMap[] {
    const execution = this.execute(corpus, range, { retainPositions: false, ...(fleet && { fleet }) });
    while (!execution.done) execution.advance(1 << 20);
    return execution.records();
  }
}
