import {
  type ChartSpec,
  csvCell,
  messagesOverTimeChart,
  resolveSearchRequest,
  SEARCH_ROWS_PAGE_MAX,
  SEARCH_TEXT_LENGTH_MAX,
  SearchRequestError,
  type SearchRowItem,
  type SearchRowsOutput,
  type SearchStatusOutput,
  type SearchSummary,
} from '@sumo-ops/core';
import { describeError, errorMessage } from './blocks/errors.js';
import { type Reply, topicHelp } from './blocks/help.js';
import {
  progressStatus,
  type SearchView,
  searchParentMessage,
  searchSummaryMessage,
} from './blocks/search.js';
import {
  comparisonMessage,
  figuresOf,
  type SummaryFigures,
  samplesMessage,
  searchActionsBlock,
  withBlock,
} from './blocks/search-actions.js';
import { escapeMrkdwn, section } from './blocks/text.js';
import { postChart, readerTimeZone } from './charts/post-chart.js';
import { type BotContext, type Conversation, ephemeral, operationContext } from './context.js';
import { inputFields, type SubcommandSpec } from './grammar.js';

/** `/sumo search` is validated as `run_search`; the thread is driven by the job operations around it. */
export const SEARCH_OPERATION = 'run_search';
const START_OPERATION = 'start_search';
/** Full pages, and full text in the file: nobody opens a file to read trimmed lines. */
const PAGE_SIZE = SEARCH_ROWS_PAGE_MAX;
const FILE_TEXT_LENGTH = SEARCH_TEXT_LENGTH_MAX;
/** "More samples": the newest messages, as many as a code block shows well. */
const MORE_SAMPLES = 20;
const SAMPLE_TEXT_LENGTH = 300;

interface SearchInput {
  query: string;
  from: string | number;
  to: string | number;
  timeZone: string;
  timeBudgetSeconds: number;
}

type StatusAnswer = SearchStatusOutput;
type RowsAnswer = Pick<SearchRowsOutput, 'items' | 'nextOffset'>;

/**
 * A search told in a thread: a parent message in the channel (query, range, who asked) updated
 * with progress, then a reply with the summary and, for larger results, a file with the rows.
 * Posts to the channel go through the pacer; the job is cancelled whatever happens.
 */
export async function runSearchInThread(
  bot: BotContext,
  conversation: Conversation,
  commandText: string,
  rawInput: unknown,
  spec: SubcommandSpec,
  options: SearchRunOptions = {},
): Promise<void> {
  const mode = options.mode ?? 'summary';
  const { client, channelId, userId, respond } = conversation;
  const input = rawInput as SearchInput;
  // Times are checked (no API call) before anything is posted in the channel: a typo in `from`
  // is a usage error for the person who typed it, not a failed search for the whole channel.
  let resolved: ReturnType<typeof resolveSearchRequest>;
  try {
    resolved = resolveSearchRequest(input);
  } catch (error) {
    if (!(error instanceof SearchRequestError)) throw error;
    const problem = error.problems.map((item) => `${item.field}: ${item.message}`).join('\n');
    await respond(ephemeral(topicHelp(spec, bot.catalog, problem)));
    return;
  }
  const view: SearchView = {
    query: input.query,
    from: rangeEnd(input.from, resolved.from),
    to: rangeEnd(input.to, resolved.to),
    timeZone: resolved.timeZone,
    userId,
  };
  const parentReply = (status: string) => searchParentMessage(view, status, bot.notes);

  // A button under a summary answers in that thread: the status line is a reply there.
  let parentTs: string;
  let statusTs: string;
  try {
    const posted = await bot.pacer.run(channelId, () =>
      client.chat.postMessage({
        channel: channelId,
        ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
        ...parentReply('Starting the search…'),
      }),
    );
    if (!posted.ts) throw new Error('Slack did not return the message timestamp.');
    statusTs = posted.ts;
    parentTs = options.threadTs ?? posted.ts;
  } catch (error) {
    await respond(
      ephemeral(
        errorMessage(
          `${commandText} (posting in this channel)`,
          new Error(`${describeError(error)}. Invite the bot to this channel (/invite) and try again.`),
        ),
      ),
    );
    return;
  }

  const updateParent = async (status: string) => {
    try {
      await client.chat.update({ channel: channelId, ts: statusTs, ...parentReply(status) });
    } catch (error) {
      bot.logger.warn('could not update the search message', { error: describeError(error) });
    }
  };
  const reply = (message: Reply) =>
    bot.pacer.run(channelId, () =>
      client.chat.postMessage({ channel: channelId, thread_ts: parentTs, ...message }),
    );

  const run = (operation: string, raw: unknown) =>
    bot.catalog.run(operation, operationContext(bot, operation), bot.catalog.parseInput(operation, raw));

  let jobId: string | undefined;
  try {
    // run_search's input is start_search's plus what only a single call needs (budget, limit):
    // start_search's own schema says which fields to pass on.
    const startFields = Object.keys(inputFields(bot.catalog.require(START_OPERATION)));
    const startInput = Object.fromEntries(
      startFields
        .filter((field) => field in input)
        .map((field) => [field, (input as unknown as Record<string, unknown>)[field]]),
    );
    jobId = ((await run(START_OPERATION, startInput)) as { jobId: string }).jobId;
    const deadline = Date.now() + input.timeBudgetSeconds * 1000;
    let status: StatusAnswer;
    for (;;) {
      const waitSeconds = Math.max(0, Math.min(bot.search.progressIntervalMs, deadline - Date.now()) / 1000);
      status = (await run('get_search_status', { jobId, waitSeconds })) as StatusAnswer;
      if (status.done || Date.now() >= deadline) break;
      await updateParent(
        progressStatus(status.state, status.messageCount, status.recordCount, status.elapsedSeconds),
      );
    }
    const finished = status.done
      ? 'Done'
      : `Stopped after ${input.timeBudgetSeconds} s (add timeBudgetSeconds= to wait longer)`;
    await updateParent(
      `${finished} — ${progressStatus(status.state, status.messageCount, status.recordCount, status.elapsedSeconds)}. Summary in the thread.`,
    );

    const summary = status.summary ?? partialSummary(status, view);
    const aggregate = status.recordCount > 0;
    const total = aggregate ? status.recordCount : status.messageCount;
    const withFile = mode === 'file' || (mode === 'summary' && total > bot.search.fileThresholdRows);
    const fileRows = Math.min(total, bot.search.fileMaxRows);
    const fileNote = withFile
      ? `All ${aggregate ? 'records' : 'messages'}${fileRows < total ? ` (the first ${fileRows.toLocaleString('en-US')})` : ''} are in the file below.`
      : undefined;
    // Bars for the search; with "compare", bars for the period clicked on and this run as the line.
    let chart: ChartSpec | undefined;
    const chartZone = async () =>
      // A zone the person named (tz=, even tz=UTC) wins; otherwise the chart is on their own clock.
      options.zoneNamed
        ? resolved.timeZone
        : ((await readerTimeZone(client, userId, bot.logger)) ?? resolved.timeZone);
    if (mode === 'compare' && options.compareWith) {
      await reply(comparisonMessage(options.compareWith, figuresOf(summary), userId));
      if (options.compareWith.histogram) {
        chart = messagesOverTimeChart({
          histogram: options.compareWith.histogram,
          previous: summary.histogram,
          timeZone: await chartZone(),
        });
      }
    } else if (mode === 'samples') {
      const page = (await run('get_search_messages', {
        jobId,
        limit: MORE_SAMPLES,
        maxTextLength: SAMPLE_TEXT_LENGTH,
      })) as RowsAnswer;
      await reply(samplesMessage(page.items, status.messageCount, userId));
    } else if (mode === 'file') {
      const line = `:page_facing_up: ${escapeMrkdwn(fileNote ?? '')} Asked by <@${userId}>.`;
      await reply({ text: fileNote ?? 'All results', blocks: [section(line)] });
    } else {
      const message = searchSummaryMessage(summary, { fileNote });
      const id = await bot.searches.save({
        query: input.query,
        from: input.from,
        to: input.to,
        fromMs: resolved.from,
        toMs: resolved.to,
        timeZone: resolved.timeZone,
        timeBudgetSeconds: input.timeBudgetSeconds,
        channelId,
        threadTs: parentTs,
        figures: figuresOf(summary),
        ...(options.zoneNamed ? { zoneNamed: true } : {}),
        ...(bot.org ? { org: bot.org } : {}),
      });
      await reply(id === undefined ? message : withBlock(message, searchActionsBlock(id)));
      chart = messagesOverTimeChart({ histogram: summary.histogram, timeZone: await chartZone() });
    }
    if (chart) {
      const { pacer, logger, httpFetch } = bot;
      const target = { client, httpFetch, channelId, threadTs: parentTs, pacer, logger };
      await postChart(target, chart, mode === 'compare' ? 'search-compared.png' : 'search.png');
    }
    if (withFile) await uploadResults(bot, conversation, parentTs, jobId, aggregate, fileRows, run);
  } catch (error) {
    await updateParent(`Failed: ${describeError(error)}`);
    await reply(errorMessage(commandText, error)).catch((replyError: unknown) =>
      bot.logger.warn('could not post the search failure', { error: describeError(replyError) }),
    );
  } finally {
    if (jobId !== undefined) {
      await run('cancel_search', { jobId }).catch((error: unknown) =>
        bot.logger.warn('could not cancel the search job', { error: describeError(error) }),
      );
    }
  }
}

/** What a run answers in its thread; a summary unless a button under an earlier one asked for more. */
export interface SearchRunOptions {
  /** Answer in this thread (a button under an earlier summary) instead of starting one. */
  threadTs?: string | undefined;
  /**
   * `summary` (with the buttons), `compare` (this run is the period before `compareWith`),
   * `samples` (more of the newest messages) or `file` (every row as a file, whatever the count).
   */
  mode?: 'summary' | 'compare' | 'samples' | 'file';
  compareWith?: SummaryFigures | undefined;
  /** The person named the zone (`tz=`): the chart keeps it rather than their Slack profile's. */
  zoneNamed?: boolean | undefined;
}

/** `-1h (2026-11-23T15:00:00Z)`: as typed, and when that is. */
function rangeEnd(typed: string | number, epochMs: number): string {
  const iso = new Date(epochMs).toISOString().replace('.000Z', 'Z');
  return String(typed) === iso ? iso : `${typed} (${iso})`;
}

/** When the search ran out of time, the counts and histogram it reached are still worth showing. */
function partialSummary(status: StatusAnswer, view: SearchView): SearchSummary {
  return {
    jobId: status.jobId,
    state: status.state,
    complete: false,
    query: view.query,
    from: view.from,
    to: view.to,
    timeZone: view.timeZone,
    messageCount: status.messageCount,
    recordCount: status.recordCount,
    aggregate: status.recordCount > 0,
    histogram: status.histogram,
    errors: status.errors,
    warnings: status.warnings,
    note: 'The search had not finished; counts are what it had found so far.',
  };
}

/**
 * Rows page by page (100 per API call, so the file's size is bounded by `fileMaxRows`), as NDJSON
 * for messages or CSV for records, uploaded into the thread.
 */
async function uploadResults(
  bot: BotContext,
  conversation: Conversation,
  threadTs: string,
  jobId: string,
  aggregate: boolean,
  maxRows: number,
  run: (operation: string, raw: unknown) => Promise<unknown>,
): Promise<void> {
  const operation = aggregate ? 'get_search_records' : 'get_search_messages';
  const rows: SearchRowItem[] = [];
  let offset: number | null = 0;
  while (offset !== null && rows.length < maxRows) {
    const limit = Math.min(PAGE_SIZE, maxRows - rows.length);
    const page = (await run(operation, {
      jobId,
      offset,
      limit,
      maxTextLength: FILE_TEXT_LENGTH,
    })) as RowsAnswer;
    rows.push(...page.items);
    offset = page.items.length === 0 ? null : page.nextOffset;
  }
  const content = aggregate ? recordsCsv(rows) : rows.map((row) => JSON.stringify(row)).join('\n');
  const filename = aggregate ? 'search-records.csv' : 'search-messages.ndjson';
  const { client, channelId } = conversation;
  await bot.pacer.run(channelId, () =>
    client.filesUploadV2({
      channel_id: channelId,
      thread_ts: threadTs,
      filename,
      title: `${rows.length.toLocaleString('en-US')} ${aggregate ? 'records' : 'messages'}`,
      content: `${content}\n`,
    }),
  );
}

function recordsCsv(rows: readonly SearchRowItem[]): string {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row.fields)))];
  const lines = [columns.map(csvCell).join(',')];
  for (const row of rows) lines.push(columns.map((column) => csvCell(row.fields[column] ?? '')).join(','));
  return lines.join('\n');
}
