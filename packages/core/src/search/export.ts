import type { Writable } from 'node:stream';
import type { SearchRow } from '../schemas/search-job.js';
import type { PagingOptions, RowsPage, SearchJob } from './search-job.js';

export type SearchExportFormat = 'ndjson' | 'csv';

export interface SearchExportOptions extends PagingOptions {
  format: SearchExportFormat;
  /** Messages (default) or, for aggregate queries, records. */
  kind?: 'messages' | 'records' | undefined;
  /** CSV columns; default: the fields the first page describes, in its order. */
  columns?: readonly string[] | undefined;
  /**
   * Sees every page before it is written (e.g. a `SearchSummaryBuilder`); keep rows, not the page:
   * its `rows` array is emptied as it is written.
   */
  onPage?: ((page: RowsPage) => void) | undefined;
}

export interface SearchExportResult {
  rows: number;
  bytes: number;
}

/** Rows per write: large enough to keep per-write overhead low, small enough to keep memory flat. */
const ROWS_PER_CHUNK = 1_000;

/**
 * Streams a job's results to `output` while the job may still be running, one page in memory
 * at a time, honouring backpressure: when `output` says its buffer is full, paging waits for
 * 'drain'. The output is not ended, so several exports can share it.
 */
export async function exportSearchResults(
  job: SearchJob,
  output: Writable,
  options: SearchExportOptions,
): Promise<SearchExportResult> {
  const kind = options.kind ?? 'messages';
  const pages = kind === 'messages' ? job.messagePages(options) : job.recordPages(options);
  let columns = options.columns;
  let rows = 0;
  let bytes = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    if (!output.write(text)) await drained(output, options.signal);
  };
  for await (const page of pages) {
    options.onPage?.(page);
    if (options.format === 'csv' && columns === undefined) {
      columns =
        page.fields.length > 0 ? page.fields.map((field) => field.name) : Object.keys(page.rows[0] ?? {});
      await write(`${columns.map(csvCell).join(',')}\n`);
    }
    // Each row is let go once serialised (the pager holds this page until the next one arrives,
    // and it is asked for while this one is written): the next page's parse then reuses this
    // one's memory instead of piling on top of it. `onPage` has already seen every row.
    const pageRows = page.rows as Array<SearchRow | undefined>;
    for (let start = 0; start < pageRows.length; start += ROWS_PER_CHUNK) {
      const end = Math.min(start + ROWS_PER_CHUNK, pageRows.length);
      let text = '';
      for (let index = start; index < end; index += 1) {
        const row = pageRows[index] as SearchRow;
        pageRows[index] = undefined;
        text += options.format === 'csv' ? csvLine(row, columns ?? []) : `${JSON.stringify(row)}\n`;
      }
      await write(text);
    }
    rows += pageRows.length;
  }
  return { rows, bytes };
}

function csvLine(row: SearchRow, columns: readonly string[]): string {
  return `${columns.map((column) => csvCell(row[column] ?? '')).join(',')}\n`;
}

/** What spreadsheets take for the start of a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A plain number such as `-5` or `-0.25` is read as a number, never run; it keeps its value. */
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * One CSV cell. Log text is attacker-controlled and Excel or Sheets run a cell starting with
 * `=`, `+`, `-`, `@`, tab or CR as a formula, so such a cell gets a leading `'` (as csv-stringify's
 * `escape_formulas` does); then RFC 4180 quoting for commas, quotes and line breaks.
 */
export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function drained(output: Writable, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      output.off('drain', onDrain);
      output.off('error', onError);
      output.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      cleanup();
      reject(new Error('The export output was closed before all results were written.'));
    };
    const onAbort = () => {
      cleanup();
      reject(signal?.reason);
    };
    output.on('drain', onDrain);
    output.on('error', onError);
    output.on('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
