import type { AnyOperation } from '@sumo-ops/core';
import { type Block, fitBlocks, LIMITS, RESERVED_TEXT } from './limits.js';
import { codeBlock, displayValue, escapeMrkdwn, fieldsSection, section, table } from './text.js';

/** Columns people look for first; the rest of an item's plain fields follow, up to `MAX_COLUMNS`. */
const PREFERRED_COLUMNS = [
  'kind',
  'id',
  'name',
  'version',
  'collectorType',
  'sourceType',
  'alive',
  'collectorVersion',
  'toVersion',
  'status',
  'latest',
  'category',
  'hostName',
  'lastSeenAlive',
];
const MAX_COLUMNS = 6;

function isPlain(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Picks the columns of a list: the preferred ones first, then any other plain field. */
export function columnsFor(items: readonly Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const item of items)
    for (const [key, value] of Object.entries(item)) if (isPlain(value)) seen.add(key);
  const preferred = PREFERRED_COLUMNS.filter((column) => seen.has(column));
  const others = [...seen].filter((column) => !PREFERRED_COLUMNS.includes(column));
  return [...preferred, ...others].slice(0, MAX_COLUMNS);
}

export function itemsTable(items: readonly unknown[]): Block {
  const records = items.filter(isRecord);
  if (records.length === 0) return codeBlock(items.map(displayValue));
  const columns = columnsFor(records);
  return codeBlock(
    table(
      columns,
      records.map((item) => columns.map((column) => displayValue(item[column]))),
    ),
  );
}

/**
 * Any operation's output as blocks: a page of items as a table with the paging state, an object
 * as fields (plain values) plus tables for its lists. Renderers never call the API.
 */
export function resultBlocks(operation: AnyOperation, result: unknown): Block[] {
  if (Array.isArray(result)) return [section(`*${operation.title}*: ${result.length}`), itemsTable(result)];
  if (!isRecord(result)) return [section(`*${operation.title}*\n${escapeMrkdwn(displayValue(result))}`)];
  const blocks: Block[] = [];
  const plain = Object.entries(result).filter(([key, value]) => isPlain(value) && !PAGING_KEYS.has(key));
  const lists = Object.entries(result).filter(([, value]) => Array.isArray(value)) as Array<
    [string, unknown[]]
  >;
  const nested = Object.entries(result).filter(([, value]) => isRecord(value)) as Array<
    [string, Record<string, unknown>]
  >;
  blocks.push(section(`*${operation.title}*${pagingNote(result)}`));
  if (plain.length > 0)
    blocks.push(fieldsSection(plain.map(([key, value]) => [key, escapeMrkdwn(displayValue(value))])));
  for (const [key, value] of nested.slice(0, 3)) {
    const fields = Object.entries(value).filter(([, inner]) => isPlain(inner));
    if (fields.length > 0)
      blocks.push(
        section(`*${key}*`),
        fieldsSection(fields.map(([k, v]) => [k, escapeMrkdwn(displayValue(v))])),
      );
  }
  for (const [key, value] of lists.slice(0, 4)) {
    if (value.length === 0) {
      blocks.push(section(`*${key}*: none`));
      continue;
    }
    blocks.push(section(`*${key}* (${value.length})`), itemsTable(value));
  }
  return fitBlocks(blocks, LIMITS.totalText - RESERVED_TEXT);
}

const PAGING_KEYS = new Set(['offset', 'limit', 'total', 'nextOffset']);

export function pagingNote(result: Record<string, unknown>): string {
  const { offset, total, nextOffset, items } = result;
  if (!Array.isArray(items) || typeof offset !== 'number') return '';
  const shown = items.length === 0 ? 'none' : `${offset + 1}–${offset + items.length}`;
  const of = typeof total === 'number' ? ` of ${total}` : '';
  const next = typeof nextOffset === 'number' ? ` · next page: add \`offset=${nextOffset}\`` : '';
  return ` — ${shown}${of}${next}`;
}
