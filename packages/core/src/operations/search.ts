import { z } from 'zod';
import { AUTO_PARSING_MODES, SEARCH_JOB_STATES, type SearchRow } from '../schemas/search-job.js';
import { SearchJobError, SearchRequestError } from '../search/errors.js';
import { compactHistogram } from '../search/histogram.js';
import { type SearchJobRegistry, searchJobRegistry } from '../search/registry.js';
import {
  type SearchJob,
  type SearchJobOptions,
  type SearchJobSnapshot,
  startSearchJob,
} from '../search/search-job.js';
import { type SearchSummary, SearchSummaryBuilder, SearchSummarySchema } from '../search/summary.js';
import { type ResolvedSearchRequest, resolveSearchRequest } from '../search/time.js';
import { defineOperation, type OperationContext } from './define.js';
import { OperationError, OperationInputError } from './errors.js';
import { pageOutput, pagingInput, truncateText } from './paging.js';

/** A job handed back to a caller is deleted after this long without a call about it. */
export const DEFAULT_SEARCH_IDLE_TIMEOUT_MS = 5 * 60_000;
/** Rows read to build a summary: enough for meaningful top values, one request. */
const SUMMARY_SAMPLE_ROWS = 1_000;
/**
 * Polls come within this fraction of the job's age (see `WaitOptions.pollGrowth`): three a second
 * for the first 3.3 s of a job, two a second to 6.7 s, then one a second while someone waits, so a
 * job is seen done within about 15% of its run time, and never later than by a poller that asks
 * again a second after each answer.
 */
const POLL_GROWTH = 0.15;
/**
 * Operators after which a query still yields one message per matching message, newest first, as
 * plain searches do: its first messages are final once found, so run_search reads the page its
 * summary needs while the job is still gathering. Anything else (aggregates, sort, limit, …) is
 * read when the job is done.
 */
const ORDER_KEEPING_OPERATORS = new Set([
  'where',
  'parse',
  'json',
  'fields',
  'kv',
  'keyvalue',
  'csv',
  'split',
  'num',
  'format',
  'concat',
  'tolowercase',
  'touppercase',
  'replace',
  'substring',
  'urldecode',
  'base64decode',
  'length',
  'trim',
]);
/** Room kept at the end of a time budget for the summary and the first page. */
const MAX_BUDGET_RESERVE_MS = 5_000;
/** Metadata left out of rows shown to people and models: ids and bookkeeping nobody reads. */
const HIDDEN_FIELDS = new Set([
  '_messageid',
  '_blockid',
  '_format',
  '_sourceid',
  '_collectorid',
  '_messagecount',
  '_size',
  '_receipttime',
  '_raw',
  '_messagetime',
]);

export interface SearchOperationsOptions {
  /** Where jobs that outlive a call are kept; the process-wide one by default. */
  registry?: SearchJobRegistry;
  idleTimeoutMs?: number;
  /** Polling and keep-alive settings for the jobs (tests shorten them under a fast clock). */
  job?: Pick<SearchJobOptions, 'poll' | 'keepAliveMs' | 'maxRuntimeMs'>;
}

const timeValue = z.union([z.string(), z.number()]);
const requestFields = {
  query: z.string().describe('E.g. "_sourceCategory=prod/web error" or "error | count by _sourceHost".'),
  from: timeValue
    .default('-15m')
    .describe(
      'Start: relative (-15m, -2h, -7d), ISO 8601 (2026-11-23T14:00:00, with Z or +01:00 or not) or epoch ms.',
    ),
  to: timeValue.default('now').describe('End, in the same forms, or "now".'),
  timeZone: z.string().default('UTC').describe('IANA zone of ISO times without an offset.'),
  byReceiptTime: z.boolean().default(false).describe('Select by receipt time instead of message time.'),
  autoParsingMode: z
    .enum(AUTO_PARSING_MODES)
    .optional()
    .describe('AutoParse extracts JSON fields; Manual (default) does not.'),
};
const jobIdField = z.string().min(1).describe('From run_search or start_search.');
/** The longest page get_search_messages/get_search_records hand out, and the longest text kept. */
export const SEARCH_ROWS_PAGE_MAX = 100;
export const SEARCH_TEXT_LENGTH_MAX = 10_000;
const maxTextField = (fallback: number) =>
  z
    .number()
    .int()
    .min(40)
    .max(SEARCH_TEXT_LENGTH_MAX)
    .default(fallback)
    .describe('Longer values are cut (truncated: true).');

export const SearchRowItemSchema = z.object({
  time: z.string().optional().describe('The message timestamp (ISO 8601, UTC); messages only.'),
  raw: z.string().optional().describe('The log line; messages only.'),
  fields: z
    .record(z.string(), z.string())
    .describe('Source metadata and the fields the query extracted (record values for aggregates).'),
  truncated: z.boolean().describe('True when a value was cut to maxTextLength.'),
});
export type SearchRowItem = z.infer<typeof SearchRowItemSchema>;

const ProgressFields = {
  jobId: z.string(),
  state: z.enum(SEARCH_JOB_STATES),
  done: z
    .boolean()
    .describe('Results are final (DONE GATHERING RESULTS, or FORCE PAUSED at the message limit).'),
  messageCount: z.number().int(),
  recordCount: z.number().int(),
};

const RunSearchOutput = z.object({
  ...ProgressFields,
  jobKept: z
    .boolean()
    .describe(
      'True when the time budget ran out first: the job is kept for get_search_status/get_search_messages and deleted after 5 minutes without such a call (or by cancel_search).',
    ),
  summary: SearchSummarySchema,
  itemsKind: z.enum(['messages', 'records']),
  items: z.array(SearchRowItemSchema).describe('The first messages (newest first) or records.'),
  next: z.string().optional().describe('What to call next, when there is more.'),
});

export const SearchStatusOutputSchema = z.object({
  ...ProgressFields,
  histogram: SearchSummarySchema.shape.histogram,
  errors: z.array(z.string()).describe('Every error Sumo reported for this job so far.'),
  warnings: z.array(z.string()).describe('Every warning Sumo reported for this job so far.'),
  elapsedSeconds: z.number(),
  summary: SearchSummarySchema.optional().describe('Present once the job is done.'),
});
export type SearchStatusOutput = z.infer<typeof SearchStatusOutputSchema>;

const RowsOutput = (what: string) =>
  pageOutput(SearchRowItemSchema, what).extend({
    state: z.enum(SEARCH_JOB_STATES),
    done: z.boolean().describe('False while the job runs: more may arrive beyond total; ask again later.'),
  });
export type SearchRowsOutput = z.infer<ReturnType<typeof RowsOutput>>;

/**
 * The search toolset. `run_search` is the one to reach for; the others follow a job that outlived
 * one call. All are `read`: they create, poll and delete only transient search jobs this process
 * owns, and change nothing in the organisation.
 */
export function createSearchOperations(options: SearchOperationsOptions = {}) {
  const registry = options.registry ?? searchJobRegistry;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_SEARCH_IDLE_TIMEOUT_MS;
  const idleMinutes = Math.max(1, Math.round(idleTimeoutMs / 60_000));
  const summaries = new WeakMap<SearchJob, { summary: SearchSummary; rows: SearchRow[] }>();

  const start = (ctx: OperationContext, operation: string, request: ResolvedSearchRequest) =>
    startSearchJob(ctx.client, request, {
      ...options.job,
      logger: ctx.logger,
      signal: ctx.signal,
      idleTimeoutMs,
      onClosed: (job, reason) => registry.closed(job, reason),
      onStatus: (job, status) => registry.observed(job, status),
    }).then(
      (job) => {
        registry.track(job);
        return job;
      },
      (error: unknown) => {
        throw translate(operation, error);
      },
    );

  const finish = async (
    job: SearchJob,
    snapshot: SearchJobSnapshot,
    signal?: AbortSignal,
    early?: Promise<SearchRow[] | undefined>,
  ) => {
    const cached = summaries.get(job);
    if (cached) return cached;
    const builder = new SearchSummaryBuilder();
    let rows: SearchRow[] = [];
    const earlyRows = snapshot.recordCount === 0 ? await early : undefined;
    if (earlyRows) {
      rows = earlyRows;
      builder.addMessages(rows);
    } else if (snapshot.recordCount > 0) {
      const page = await job.getRecords(0, Math.min(SUMMARY_SAMPLE_ROWS, snapshot.recordCount), signal);
      rows = page.rows;
      builder.addRecords(
        rows,
        page.fields.map((field) => field.name),
      );
    } else if (snapshot.messageCount > 0) {
      rows = (await job.getMessages(0, Math.min(SUMMARY_SAMPLE_ROWS, snapshot.messageCount), signal)).rows;
      builder.addMessages(rows);
    }
    const result = { summary: builder.build(snapshot, job.request), rows };
    summaries.set(job, result);
    return result;
  };

  const runSearch = defineOperation({
    name: 'run_search',
    toolset: 'search',
    title: 'Run a log search',
    description: `Searches logs: counts, histogram, top sources and samples (or top records of | count by …) and the first \`limit\` rows. For any question about log contents. 3 API calls plus up to 3 polls a second while it runs. Not done in timeBudgetSeconds: jobKept: true; go on with get_search_status, then cancel_search (deleted after ${idleMinutes} minutes unused).`,
    kind: 'read',
    input: z.object({
      ...requestFields,
      timeBudgetSeconds: z
        .number()
        .min(1)
        .max(600)
        .default(45)
        .describe('Wait this long, then hand back the job id.'),
      limit: z
        .number()
        .int()
        .min(0)
        .max(100)
        // The summary already carries samples and top values; three rows keep the whole answer
        // within 4 KB of a model's context.
        .default(3)
        .describe('Messages (or records) to return besides the summary.'),
      maxTextLength: maxTextField(300),
    }),
    output: RunSearchOutput,
    async run(ctx, input) {
      const request = resolve('run_search', input);
      const now = Date.now();
      const deadline = Math.min(
        now + input.timeBudgetSeconds * 1000,
        ctx.deadline ?? Number.POSITIVE_INFINITY,
      );
      const reserve = Math.min(MAX_BUDGET_RESERVE_MS, Math.max(0, deadline - now) * 0.2);
      const job = await start(ctx, 'run_search', request);
      let kept = false;
      // The summary's page, read while the job gathers when the API already has it final.
      let early: Promise<SearchRow[] | undefined> | undefined;
      const readEarly = (current: SearchJobSnapshot) => {
        if (early || current.done || current.recordCount > 0) return;
        if (current.messageCount < SUMMARY_SAMPLE_ROWS || !keepsMessageOrder(request.query)) return;
        early = job.getMessages(0, SUMMARY_SAMPLE_ROWS, ctx.signal).then(
          (page) => page.rows,
          // Read again once the job is done; that read reports what went wrong.
          () => undefined,
        );
      };
      try {
        const snapshot = await job.waitUntilDone({
          signal: ctx.signal,
          deadline: deadline - reserve,
          pollGrowth: ctx.background ? undefined : POLL_GROWTH,
          // Once done: the summary's page, unless it was read early; then the slot is left for
          // the delete and whatever else shares the budget.
          reserve: () => 1,
          onProgress: (current, polls) => {
            readEarly(current);
            ctx.onProgress?.({
              progress: polls,
              message: `${current.state}: ${current.messageCount} messages, ${current.recordCount} records`,
            });
          },
        });
        const itemsKind = snapshot.recordCount > 0 ? ('records' as const) : ('messages' as const);
        if (!snapshot.done) {
          await registry.add(job);
          kept = true;
          return {
            ...progressOf(snapshot),
            jobKept: true,
            summary: new SearchSummaryBuilder().build(snapshot, request),
            itemsKind,
            items: [],
            next: `The search is still running (${snapshot.state}). Call get_search_status with jobId ${job.id} (waitSeconds up to 50) until done, then get_search_messages or get_search_records; call cancel_search when finished. The job is deleted after ${idleMinutes} minutes without a call.`,
          };
        }
        const { summary, rows } = await finish(job, snapshot, ctx.signal, early);
        const shown = Math.min(input.limit, rows.length);
        const total = itemsKind === 'records' ? snapshot.recordCount : snapshot.messageCount;
        return {
          ...progressOf(snapshot),
          jobKept: false,
          summary,
          itemsKind,
          items: rows.slice(0, shown).map((row) => toItem(row, input.maxTextLength, itemsKind)),
          ...(shown < total
            ? {
                next: `Showing ${shown} of ${total} ${itemsKind}. The job has been deleted; to read more, run start_search and page with get_search_${itemsKind}, or narrow the query.`,
              }
            : {}),
        };
      } catch (error) {
        throw translate('run_search', error);
      } finally {
        // After the answer, not before it: the caller never waits for the DELETE (nor for a free
        // slot in the rate window for it). Errors and aborts end here too.
        if (!kept) registry.release(job);
      }
    },
  });

  const startSearch = defineOperation({
    name: 'start_search',
    toolset: 'search',
    title: 'Start a log search and return its job id',
    description: `Starts a search job and returns its id, for long searches or reading every row; then get_search_status, get_search_messages/records, cancel_search (deleted after ${idleMinutes} minutes unused). Prefer run_search. 2 API calls.`,
    kind: 'read',
    input: z.object(requestFields),
    output: z.object(ProgressFields),
    async run(ctx, input) {
      const request = resolve('start_search', input);
      const job = await start(ctx, 'start_search', request);
      try {
        const snapshot = await job.refresh(ctx.signal);
        await registry.add(job);
        return progressOf(snapshot);
      } catch (error) {
        await job.close();
        throw translate('start_search', error);
      }
    },
  });

  const getStatus = defineOperation({
    name: 'get_search_status',
    toolset: 'search',
    title: 'Get the status of a search job',
    description:
      'State, counts, histogram, errors and warnings of a search job, and its summary once done; waitSeconds waits for the end. Keeps the job alive. 1 API call (more while waiting, 1 for the summary).',
    kind: 'read',
    input: z.object({
      jobId: jobIdField,
      waitSeconds: z
        .number()
        .min(0)
        .max(50)
        .default(0)
        .describe('Wait up to this long for the end (0: answer at once).'),
    }),
    output: SearchStatusOutputSchema,
    async run(ctx, input) {
      try {
        const job = await registry.open(ctx.client, input.jobId);
        const deadline = Math.min(
          Date.now() + input.waitSeconds * 1000,
          ctx.deadline ?? Number.POSITIVE_INFINITY,
        );
        const snapshot =
          input.waitSeconds > 0
            ? // Once done, the summary's page is read at once.
              await job.waitUntilDone({
                signal: ctx.signal,
                deadline,
                pollGrowth: ctx.background ? undefined : POLL_GROWTH,
                reserve: () => 1,
              })
            : await job.refresh(ctx.signal);
        const summary = snapshot.done ? (await finish(job, snapshot, ctx.signal)).summary : undefined;
        return {
          ...progressOf(snapshot),
          histogram: compactHistogram(snapshot.histogram, job.request.from, job.request.to),
          errors: snapshot.errors,
          warnings: snapshot.warnings,
          elapsedSeconds: Math.round(snapshot.elapsedMs / 100) / 10,
          ...(summary ? { summary } : {}),
        };
      } catch (error) {
        throw translate('get_search_status', error);
      }
    },
  });

  const rowsOperation = (kind: 'messages' | 'records') =>
    defineOperation({
      name: `get_search_${kind}`,
      toolset: 'search',
      title: `Page through the ${kind} of a search job`,
      description:
        kind === 'messages'
          ? "A page of a search job's messages, newest first, also while it runs (done: false: more may come). Keeps the job alive. 1–2 API calls."
          : "A page of an aggregate search job's records (| count, | sum, …), also while it runs. Keeps the job alive. 1–2 API calls.",
      kind: 'read',
      input: z.object({
        jobId: jobIdField,
        ...pagingInput({ defaultLimit: 25, maxLimit: SEARCH_ROWS_PAGE_MAX, what: kind }),
        maxTextLength: maxTextField(1_000),
      }),
      output: RowsOutput(kind),
      async run(ctx, input) {
        try {
          const job = await registry.open(ctx.client, input.jobId);
          let snapshot = job.snapshot();
          const count = () => (kind === 'messages' ? snapshot.messageCount : snapshot.recordCount);
          if (!snapshot.done || input.offset >= count()) snapshot = await job.refresh(ctx.signal);
          const available = Math.max(0, Math.min(input.limit, count() - input.offset));
          let rows: SearchRow[] = [];
          if (available > 0 || (kind === 'records' && snapshot.done && input.offset === 0)) {
            const fetch = kind === 'messages' ? job.getMessages.bind(job) : job.getRecords.bind(job);
            rows = (await fetch(input.offset, Math.max(1, available), ctx.signal)).rows.slice(0, input.limit);
          }
          const end = input.offset + rows.length;
          const more = end < count() || !snapshot.done;
          return {
            items: rows.map((row) => toItem(row, input.maxTextLength, kind)),
            offset: input.offset,
            limit: input.limit,
            total: count(),
            nextOffset: more ? end : null,
            state: snapshot.state,
            done: snapshot.done,
          };
        } catch (error) {
          throw translate(`get_search_${kind}`, error);
        }
      },
    });

  const cancelSearch = defineOperation({
    name: 'cancel_search',
    toolset: 'search',
    title: 'Cancel and delete a search job',
    description:
      'Stops and deletes a search job with its results. Call it when done with a job run_search kept or start_search started: an org may have only 200. 1 API call.',
    // `read`, not `write`: the registry only knows jobs this process (or, with shared state, a
    // replica of this install) created, so this can delete nothing but our own transient search —
    // the same cleanup run_search does by itself at the end of every call. It changes nothing in the organisation, a read-only deployment that may start
    // searches must be able to stop them, and a confirmation prompt for freeing one's own search
    // would only teach people to click "yes" without reading.
    kind: 'read',
    idempotent: true,
    input: z.object({ jobId: jobIdField }),
    output: z.object({
      jobId: z.string(),
      deleted: z.boolean().describe('True when Sumo confirmed the deletion (or the job was already gone).'),
      message: z.string(),
    }),
    async run(ctx, input) {
      let deleted: boolean;
      try {
        deleted = await registry.cancel(ctx.client, input.jobId);
      } catch (error) {
        throw translate('cancel_search', error);
      }
      return {
        jobId: input.jobId,
        deleted,
        message: deleted
          ? `Search job ${input.jobId} is cancelled and deleted.`
          : `Could not confirm the deletion of search job ${input.jobId}; Sumo cancels it by itself about 30 seconds after the last poll.`,
      };
    },
  });

  return [
    runSearch,
    startSearch,
    getStatus,
    rowsOperation('messages'),
    rowsOperation('records'),
    cancelSearch,
  ];
}

/** The search operations on the process-wide job registry. */
export const searchOperations = createSearchOperations();

function resolve(
  operation: string,
  input: z.output<z.ZodObject<typeof requestFields>>,
): ResolvedSearchRequest {
  try {
    return resolveSearchRequest(input);
  } catch (error) {
    throw translate(operation, error);
  }
}

function translate(operation: string, error: unknown): unknown {
  if (error instanceof SearchRequestError) return new OperationInputError(operation, error.problems);
  if (error instanceof SearchJobError)
    return new OperationError(error.message, error.code, { jobId: error.jobId });
  return error;
}

function progressOf(snapshot: SearchJobSnapshot) {
  return {
    jobId: snapshot.id,
    state: snapshot.state,
    done: snapshot.done,
    messageCount: snapshot.messageCount,
    recordCount: snapshot.recordCount,
  };
}

function toItem(row: SearchRow, maxTextLength: number, kind: 'messages' | 'records'): SearchRowItem {
  let truncated = false;
  const cut = (value: string) => {
    const result = truncateText(value, maxTextLength);
    truncated ||= result.truncated;
    return result.text;
  };
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(row)) {
    if (kind === 'records' || !HIDDEN_FIELDS.has(name.toLowerCase())) fields[name] = cut(value);
  }
  const item: SearchRowItem = { fields, truncated: false };
  if (kind === 'records') {
    item.truncated = truncated;
    return item;
  }
  const time = Number(row._messagetime ?? row._messageTime);
  if (Number.isFinite(time)) item.time = new Date(time).toISOString();
  if (row._raw !== undefined) item.raw = cut(row._raw);
  item.truncated = truncated;
  return item;
}

/** Whether every operator of the query keeps one message per match, newest first (see ORDER_KEEPING_OPERATORS). */
export function keepsMessageOrder(query: string): boolean {
  return query
    .split('|')
    .slice(1)
    .every((stage) => ORDER_KEEPING_OPERATORS.has(stage.trim().split(/[\s(]/, 1)[0]?.toLowerCase() ?? ''));
}
