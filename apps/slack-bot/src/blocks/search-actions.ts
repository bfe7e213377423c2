import type { SearchRowItem, SearchSummary } from '@sumo-ops/core';
import type { Reply } from './help.js';
import { type Block, clip, LIMITS } from './limits.js';
import { code, codeBlock, context, escapeMrkdwn, section, table } from './text.js';

export const SEARCH_ACTION_ID = 'sumo_search';
/** The buttons under a search summary, in the order shown. */
export const SEARCH_ACTIONS = {
  again: 'Run again',
  widen: 'Widen ×4',
  compare: 'Compare with previous period',
  samples: 'More samples',
  file: 'Full results as file',
} as const;
export type SearchAction = keyof typeof SEARCH_ACTIONS;

/** The buttons carry only the stored search's id: a forged click cannot change the query. */
export function searchActionsBlock(searchId: string): Block {
  return {
    type: 'actions',
    block_id: 'sumo_search_actions',
    elements: (Object.entries(SEARCH_ACTIONS) as Array<[SearchAction, string]>).map(([action, text]) => ({
      type: 'button',
      action_id: `${SEARCH_ACTION_ID}:${action}`,
      text: { type: 'plain_text', text },
      value: searchId,
    })),
  };
}

/** A reply with one more block at the end, dropping from the content if the message is full. */
export function withBlock(reply: Reply, block: Block): Reply {
  return { ...reply, blocks: [...reply.blocks.slice(0, LIMITS.blocks - 1), block] };
}

/** What is kept of a finished search to compare a later one with. */
export interface SummaryFigures {
  from: string;
  to: string;
  messageCount: number;
  recordCount: number;
  topValues?: Record<string, Array<{ value: string; count: number }>> | undefined;
  records?: { fields: string[]; top: Array<Record<string, string>> } | undefined;
  /** What "compare" draws as this period's bars (absent from searches kept before charts). */
  histogram?: SearchSummary['histogram'] | undefined;
}

export function figuresOf(summary: SearchSummary): SummaryFigures {
  return {
    from: summary.from,
    to: summary.to,
    messageCount: summary.messageCount,
    recordCount: summary.recordCount,
    topValues: summary.topValues,
    records: summary.records ? { fields: summary.records.fields, top: summary.records.top } : undefined,
    histogram: summary.histogram,
  };
}

/** `+25%`, `−40%`, `new`, `gone`, `±0%`. */
export function change(now: number, before: number): string {
  if (before === 0) return now === 0 ? '±0%' : 'new';
  if (now === 0) return 'gone';
  const percent = Math.round(((now - before) / before) * 100);
  if (percent === 0) return '±0%';
  return percent > 0 ? `+${percent}%` : `−${Math.abs(percent)}%`;
}

const count = (value: number | undefined) => (value === undefined ? '—' : value.toLocaleString('en-US'));
const COUNT_FIELD = '_count';

/**
 * This period and the one before it, side by side: counts, then the top values (raw searches)
 * or top records (aggregates) of this period with their count in each, and the change in %.
 */
export function comparisonMessage(current: SummaryFigures, previous: SummaryFigures, userId: string): Reply {
  const rows: string[][] = [
    [
      'messages',
      count(current.messageCount),
      count(previous.messageCount),
      change(current.messageCount, previous.messageCount),
    ],
  ];
  if (current.recordCount > 0 || previous.recordCount > 0) {
    rows.push([
      'records',
      count(current.recordCount),
      count(previous.recordCount),
      change(current.recordCount, previous.recordCount),
    ]);
  }
  for (const [facet, values] of Object.entries(current.topValues ?? {})) {
    const before = new Map((previous.topValues?.[facet] ?? []).map((entry) => [entry.value, entry.count]));
    for (const entry of values.slice(0, 5)) {
      const old = before.get(entry.value);
      rows.push([
        `${facet}=${entry.value}`,
        count(entry.count),
        count(old),
        old === undefined ? '—' : change(entry.count, old),
      ]);
    }
  }
  const keyOf = (record: Record<string, string>, fields: string[]) =>
    fields
      .filter((field) => field !== COUNT_FIELD)
      .map((field) => record[field] ?? '')
      .join(' · ');
  const counted = current.records;
  if (counted?.fields.includes(COUNT_FIELD)) {
    const fields = counted.fields;
    const before = new Map(
      (previous.records?.top ?? []).map((record) => [
        keyOf(record, fields),
        Number(record[COUNT_FIELD] ?? 0),
      ]),
    );
    for (const record of counted.top.slice(0, 10)) {
      const now = Number(record[COUNT_FIELD] ?? 0);
      const old = before.get(keyOf(record, fields));
      rows.push([keyOf(record, fields), count(now), count(old), old === undefined ? '—' : change(now, old)]);
    }
  }
  const blocks: Block[] = [
    section(
      `:bar_chart: *Compared with the previous period* — asked by <@${userId}>\n` +
        `This period ${code(current.from)} → ${code(current.to)}; previous ${code(previous.from)} → ${code(previous.to)}`,
    ),
    codeBlock(table(['', 'this period', 'previous', 'change'], rows, 40)),
  ];
  if (current.records && !current.records.fields.includes(COUNT_FIELD)) {
    blocks.push(context('Top records are compared only for queries that count (`| count by …`).'));
  }
  if (current.topValues && previous.topValues === undefined && previous.messageCount > 0) {
    blocks.push(context('The previous period has no top values to compare.'));
  }
  return {
    text: clip(
      `Compared with the previous period: ${current.messageCount} messages now, ${previous.messageCount} before (${change(current.messageCount, previous.messageCount)}).`,
      500,
    ),
    blocks,
  };
}

/** More of the newest messages than the summary shows, in a code block. */
export function samplesMessage(items: readonly SearchRowItem[], total: number, userId: string): Reply {
  const lines = items.flatMap((item) => {
    const category = item.fields._sourceCategory ?? item.fields._sourcecategory ?? '';
    return [`${item.time ?? ''}  ${category}`.trim(), `  ${(item.raw ?? '').replace(/\s+/g, ' ')}`];
  });
  return {
    text: `${items.length} of ${total} messages`,
    blocks: [
      section(`*${items.length} newest of ${count(total)} messages* — asked by <@${userId}>`),
      items.length > 0 ? codeBlock(lines, LIMITS.sectionText) : context('No messages in this range.'),
    ],
  };
}

/** When a button cannot be used: said only to the person who clicked. */
export function searchActionProblem(problem: string): Reply {
  return { text: escapeMrkdwn(problem), blocks: [section(`:no_entry: ${escapeMrkdwn(problem)}`)] };
}
