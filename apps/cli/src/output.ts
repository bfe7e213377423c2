import type { Writable } from 'node:stream';
import { csvCell } from '@sumo-ops/core';
import type { OutputFormat } from './flags.js';

/** Cells wider than this are cut in tables (a terminal is for reading; pipes get everything). */
const TABLE_CELL_MAX = 60;

/** Waits for 'drain' when the stream's buffer is full, so a slow reader slows us down. */
export async function writeOut(stream: Writable, text: string): Promise<void> {
  if (stream.write(text)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onError = (error: Error) => done(error);
    const onClose = () => done(new Error('the output was closed'));
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

function cellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function columnsOf(items: readonly unknown[]): string[] {
  const columns = new Set<string>();
  for (const item of items) {
    if (item && typeof item === 'object' && !Array.isArray(item)) {
      for (const key of Object.keys(item)) columns.add(key);
    }
  }
  return columns.size > 0 ? [...columns] : ['value'];
}

function rowOf(item: unknown, columns: readonly string[]): string[] {
  if (!item || typeof item !== 'object' || Array.isArray(item)) return [cellText(item)];
  return columns.map((column) => cellText((item as Record<string, unknown>)[column]));
}

function cut(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > TABLE_CELL_MAX ? `${flat.slice(0, TABLE_CELL_MAX - 1)}…` : flat;
}

export function renderTable(items: readonly unknown[], columns = columnsOf(items)): string {
  if (items.length === 0) return '(none)\n';
  const rows = [columns, ...items.map((item) => rowOf(item, columns).map(cut))];
  const widths = columns.map((_, index) => Math.max(...rows.map((row) => (row[index] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, index) => cell.padEnd(widths[index] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}

/** An object for people: one `key: value` line per field. */
export function renderObject(result: unknown): string {
  if (!result || typeof result !== 'object' || Array.isArray(result)) return `${cellText(result)}\n`;
  const entries = Object.entries(result as Record<string, unknown>);
  const width = Math.max(...entries.map(([key]) => key.length));
  return entries
    .map(([key, value]) => `${`${key}:`.padEnd(width + 1)} ${cut(cellText(value))}`)
    .join('\n')
    .concat('\n');
}

function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\n`;
}

/** A single (non-list) result in the chosen format. */
export function renderResult(result: unknown, format: OutputFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(result, null, 2)}\n`;
    case 'ndjson':
      return `${JSON.stringify(result)}\n`;
    case 'csv': {
      const columns = columnsOf([result]);
      return csvLine(columns) + csvLine(rowOf(result, columns));
    }
    case 'table':
      return renderObject(result);
  }
}

/** List items in a row format: one JSON array, NDJSON lines, CSV with a header, or a table. */
export function renderItems(items: readonly unknown[], format: OutputFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(items, null, 2)}\n`;
    case 'ndjson':
      return items.map((item) => `${JSON.stringify(item)}\n`).join('');
    case 'csv': {
      const columns = columnsOf(items);
      return csvLine(columns) + items.map((item) => csvLine(rowOf(item, columns))).join('');
    }
    case 'table':
      return renderTable(items);
  }
}

/**
 * Writes list items page by page as they arrive. JSON is one array; NDJSON one line per item;
 * CSV a header (the first page's fields) then rows; a table is laid out once all items are in,
 * because its column widths depend on every row.
 */
export class ItemWriter {
  #started = false;
  #columns: string[] | undefined;
  readonly #buffered: unknown[] = [];

  constructor(
    private readonly out: Writable,
    private readonly format: OutputFormat,
  ) {}

  async page(items: readonly unknown[]): Promise<void> {
    let text = '';
    for (const item of items) {
      switch (this.format) {
        case 'json':
          text += `${this.#started ? ',\n' : '[\n'}  ${JSON.stringify(item)}`;
          break;
        case 'ndjson':
          text += `${JSON.stringify(item)}\n`;
          break;
        case 'csv':
          if (!this.#columns) {
            this.#columns = columnsOf(items);
            text += csvLine(this.#columns);
          }
          text += csvLine(rowOf(item, this.#columns));
          break;
        case 'table':
          this.#buffered.push(item);
          break;
      }
      this.#started = true;
    }
    if (text) await writeOut(this.out, text);
  }

  async end(): Promise<void> {
    if (this.format === 'json') await writeOut(this.out, this.#started ? '\n]\n' : '[]\n');
    if (this.format === 'table') await writeOut(this.out, renderTable(this.#buffered));
  }
}
