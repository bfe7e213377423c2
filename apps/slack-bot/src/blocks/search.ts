import { type SearchSummary, sparkline } from '@sumo-ops/core';
import type { Reply } from './help.js';
import { type Block, clip, fitBlocks, LIMITS, RESERVED_TEXT } from './limits.js';
import { code, codeBlock, context, escapeMrkdwn, fieldsSection, section, table } from './text.js';

/** The search as asked: shown on the parent message before any result exists. */
export interface SearchView {
  query: string;
  from: string;
  to: string;
  timeZone: string;
  userId: string;
}

function range(view: SearchView): string {
  return `${code(view.from)} → ${code(view.to)} (${escapeMrkdwn(view.timeZone)})`;
}

const formatCount = (value: number) => value.toLocaleString('en-US');

/** The channel message the thread hangs from: the query, the range, who asked, and how far it got. */
export function searchParentMessage(view: SearchView, status: string, notes: string[] = []): Reply {
  return {
    text: `Search by <@${view.userId}>: ${escapeMrkdwn(view.query)} — ${escapeMrkdwn(status)}`,
    blocks: [
      section(`:mag: *Search* by <@${view.userId}>\n${code(view.query)}\n${range(view)}`),
      context(escapeMrkdwn(status), ...notes.map(escapeMrkdwn)),
    ],
  };
}

export function progressStatus(
  state: string,
  messageCount: number,
  recordCount: number,
  elapsedSeconds?: number,
): string {
  const elapsed = elapsedSeconds === undefined ? '' : ` · ${elapsedSeconds.toFixed(1)} s`;
  return `${state}: ${formatCount(messageCount)} messages, ${formatCount(recordCount)} records${elapsed}`;
}

/**
 * The thread reply: counts, the histogram as a sparkline, then the top records as a table (for
 * aggregates) or where messages come from and a few samples (for raw searches).
 */
export function searchSummaryMessage(
  summary: SearchSummary,
  extra: { fileNote?: string | undefined } = {},
): Reply {
  const blocks: Block[] = [];
  const completeness = summary.complete ? '' : ' _(incomplete: the search did not finish)_';
  blocks.push(
    section(
      `*${formatCount(summary.messageCount)}* messages · *${formatCount(summary.recordCount)}* records${completeness}`,
    ),
  );
  const { counts, stepMs, start } = summary.histogram;
  if (counts.length > 0) {
    const max = Math.max(0, ...counts);
    blocks.push(
      section(
        `*Messages over time* (${Math.round(stepMs / 1000)} s per bar, from ${code(start)}, peak ${formatCount(max)})\n\`${sparkline(counts)}\``,
      ),
    );
  }
  if (summary.records && summary.records.top.length > 0) {
    const { fields, top, orderedBy, truncated } = summary.records;
    const columns = fields.length > 0 ? fields : Object.keys(top[0] ?? {});
    blocks.push(
      section(`*Top records* (by ${escapeMrkdwn(orderedBy)}${truncated ? ', trimmed' : ''})`),
      codeBlock(
        table(
          columns,
          top.map((record) => columns.map((column) => record[column] ?? '')),
        ),
      ),
    );
  }
  const facets = Object.entries(summary.topValues ?? {}).filter(([, values]) => values.length > 0);
  if (facets.length > 0) {
    blocks.push(
      section(`*Where they come from* (newest ${formatCount(summary.sampledMessages ?? 0)} messages)`),
      fieldsSection(
        facets.map(([facet, values]) => [
          facet,
          values.map((entry) => `${formatCount(entry.count)}  ${code(entry.value)}`).join('\n'),
        ]),
      ),
    );
  }
  if (summary.samples && summary.samples.length > 0) {
    blocks.push(
      section('*Sample messages*'),
      codeBlock(
        summary.samples.flatMap((sample) => [`${sample.time}  ${sample.sourceCategory}`, `  ${sample.raw}`]),
        LIMITS.sectionText,
      ),
    );
  }
  const notes = [
    ...summary.errors.map((error) => `:x: ${escapeMrkdwn(error)}`),
    ...summary.warnings.map((warning) => `:warning: ${escapeMrkdwn(warning)}`),
  ];
  if (notes.length > 0) blocks.push(section(clip(notes.join('\n'), 2000)));
  const footer = [summary.note, extra.fileNote].filter((note): note is string => Boolean(note));
  if (footer.length > 0) blocks.push(context(...footer.map(escapeMrkdwn)));
  return {
    text: `Search finished: ${summary.messageCount} messages, ${summary.recordCount} records.`,
    blocks: fitBlocks(blocks, LIMITS.totalText - RESERVED_TEXT),
  };
}
