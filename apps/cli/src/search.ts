import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import {
  exportSearchResults,
  messagesOverTimeChart,
  type ResolvedSearchRequest,
  resolveSearchRequest,
  SearchRequestError,
  type SearchSummary,
  searchJobRegistry,
  sparkline,
  startSearchJob,
} from '@sumo-ops/core';
import { renderChart } from '@sumo-ops/core/render-chart';
import type { CommandSpec } from './commands.js';
import { EXIT } from './exit.js';
import { type ParsedArgs, UsageError, validateInput } from './flags.js';
import { renderResult, renderTable, writeOut } from './output.js';
import type { CommandRun } from './run.js';

/** Fields of run_search that shape its short answer; a stream of every row has no use for them. */
const SUMMARY_ONLY_FIELDS = ['timeBudgetSeconds', 'limit', 'maxTextLength'];

/**
 * `sumo-ops search "<query>"`: the summary (run_search), or with --messages/--records every row
 * streamed as NDJSON or CSV. The job is this process's and is deleted however the run ends.
 */
export async function runSearchCommand(
  spec: CommandSpec,
  parsed: ParsedArgs,
  run: CommandRun,
): Promise<number> {
  const { globals } = parsed;
  const kind = globals.messages === true ? 'messages' : globals.records === true ? 'records' : undefined;
  if (globals.messages === true && globals.records === true) {
    throw new UsageError('--messages and --records: give one of them.');
  }
  if (kind === undefined && globals.out !== undefined) {
    throw new UsageError('--out writes streamed rows: add --messages or --records.');
  }
  const input = validateInput(run.catalog, spec, parsed.raw) as {
    query: string;
  } & Record<string, unknown>;
  if (kind === undefined) {
    const chart = typeof globals.chart === 'string' ? globals.chart : undefined;
    // Without --tz the summary speaks UTC (the operation's default); a picture reads best on the local clock.
    const chartZone = 'timeZone' in parsed.raw ? undefined : Intl.DateTimeFormat().resolvedOptions().timeZone;
    return summary(spec, input, run, chart === undefined ? undefined : { path: chart, timeZone: chartZone });
  }
  if (globals.chart !== undefined) {
    throw new UsageError(`--chart draws the summary's histogram: leave out --${kind}.`);
  }

  const given = SUMMARY_ONLY_FIELDS.filter((field) => field in parsed.raw);
  if (given.length > 0)
    throw new UsageError(`${given.join(', ')} only shape the summary; leave them out with --${kind}.`);
  const format = globals.output === undefined || globals.output === 'ndjson' ? 'ndjson' : globals.output;
  if (format !== 'ndjson' && format !== 'csv') {
    throw new UsageError(`--output: --${kind} streams ndjson or csv, not ${format}.`);
  }
  let request: ResolvedSearchRequest;
  try {
    request = resolveSearchRequest(input as unknown as Parameters<typeof resolveSearchRequest>[0]);
  } catch (error) {
    if (!(error instanceof SearchRequestError)) throw error;
    throw new UsageError(
      error.problems.map((problem) => `--${problem.field}: ${problem.message}`).join('\n'),
    );
  }
  return exportRows(request, kind, format, typeof globals.out === 'string' ? globals.out : undefined, run);
}

async function summary(
  spec: CommandSpec,
  input: unknown,
  run: CommandRun,
  chart: { path: string; timeZone: string | undefined } | undefined,
): Promise<number> {
  const connection = await run.connect();
  try {
    const result = await run.catalog.run(
      spec.operation.name,
      {
        client: connection.client,
        logger: run.logger,
        signal: run.io.signal,
        onProgress: run.chatty
          ? (update) => run.io.stderr.write(`\r\x1b[2K${update.message ?? ''}`)
          : undefined,
      },
      input,
    );
    if (run.chatty) run.io.stderr.write('\r\x1b[2K');
    await writeOut(
      run.io.stdout,
      run.format === 'table' ? summaryText(result as SummaryAnswer) : renderResult(result, run.format),
    );
    if (chart) await writeChart((result as SummaryAnswer).summary, chart.path, chart.timeZone, run);
    return EXIT.ok;
  } finally {
    await searchJobRegistry.shutdown();
    await connection.close();
  }
}

interface SummaryAnswer {
  summary: SearchSummary;
  items: Array<{ time?: string; raw?: string; fields: Record<string, string> }>;
  itemsKind: 'messages' | 'records';
  jobKept: boolean;
  next?: string;
}

/** The same picture Slack posts, as a PNG file; stdout keeps the text answer (and its sparkline). */
async function writeChart(
  summary: SearchSummary,
  path: string,
  timeZone: string | undefined,
  run: CommandRun,
): Promise<void> {
  const chart = await renderChart(
    messagesOverTimeChart({ histogram: summary.histogram, timeZone: timeZone ?? summary.timeZone }),
  );
  try {
    await writeFile(path, chart.png);
  } catch (error) {
    throw new UsageError(`--chart: cannot write ${path}: ${(error as Error).message}`);
  }
  if (run.chatty) run.io.stderr.write(`chart: ${path} (${chart.width}×${chart.height} PNG)\n`);
}

/** The summary for a person at a terminal. */
function summaryText(answer: SummaryAnswer): string {
  const { summary: s } = answer;
  const lines = [
    `${s.query}`,
    `${s.from} → ${s.to} (${s.timeZone})  ${s.state}${s.complete ? '' : ' (incomplete)'}`,
    `${s.messageCount} messages${s.aggregate ? `, ${s.recordCount} records` : ''}`,
    `${sparkline(s.histogram.counts)}`,
  ];
  for (const [field, values] of Object.entries(s.topValues ?? {})) {
    lines.push(`top ${field}: ${values.map((value) => `${value.value} (${value.count})`).join(', ')}`);
  }
  let table = '';
  if (s.records) table = renderTable(s.records.top, s.records.fields);
  else if (s.samples && s.samples.length > 0)
    table = renderTable(s.samples.map(({ time, sourceCategory, raw }) => ({ time, sourceCategory, raw })));
  const notes = [
    ...s.errors.map((error) => `error: ${error}`),
    ...s.warnings.map((warning) => `warning: ${warning}`),
    ...(s.note ? [s.note] : []),
    ...(answer.next ? [answer.next] : []),
  ];
  return `${lines.join('\n')}\n${table}${notes.length > 0 ? `${notes.join('\n')}\n` : ''}`;
}

/**
 * Every row to stdout or a file, one page in memory at a time; a slow reader slows the paging
 * (backpressure). A reader that goes away (`| head`) aborts the run like Ctrl-C does, and the job
 * is deleted in both cases.
 */
async function exportRows(
  request: ResolvedSearchRequest,
  kind: 'messages' | 'records',
  format: 'ndjson' | 'csv',
  path: string | undefined,
  run: CommandRun,
): Promise<number> {
  const { io } = run;
  let output: Writable = io.stdout;
  if (path !== undefined) {
    const file = createWriteStream(path);
    try {
      await once(file, 'open');
    } catch (error) {
      throw new UsageError(`--out: cannot write ${path}: ${(error as Error).message}`);
    }
    output = file;
  }
  const connection = await run.connect();
  const started = Date.now();
  try {
    const job = await startSearchJob(connection.client, request, {
      logger: run.logger,
      signal: io.signal,
      onClosed: (closed, reason) => searchJobRegistry.closed(closed, reason),
    });
    searchJobRegistry.track(job);
    try {
      let rows = 0;
      const result = await exportSearchResults(job, output, {
        format,
        kind,
        signal: io.signal,
        onPage: (page) => {
          rows += page.rows.length;
          if (!run.chatty) return;
          const seconds = Math.max(0.001, (Date.now() - started) / 1000);
          io.stderr.write(
            `\r\x1b[2K${rows} ${kind} of ${job.snapshot().messageCount}${job.snapshot().done ? '' : '+'}, ${Math.round(rows / seconds)}/s`,
          );
        },
      });
      if (output !== io.stdout) {
        output.end();
        await once(output, 'finish');
      }
      if (run.chatty) io.stderr.write('\n');
      if (!run.quiet && path !== undefined) io.stderr.write(`Wrote ${result.rows} ${kind} to ${path}.\n`);
      const { state } = job.snapshot();
      if (state === 'FORCE PAUSED' && !run.quiet) {
        io.stderr.write(
          `warning: Sumo paused the search at its result limit (FORCE PAUSED); narrow the range for the rest.\n`,
        );
      }
      return EXIT.ok;
    } finally {
      await job.close();
    }
  } finally {
    if (output !== io.stdout && !output.writableFinished) output.destroy();
    await searchJobRegistry.shutdown();
    await connection.close();
  }
}
