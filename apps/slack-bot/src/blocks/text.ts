import { type Block, clip, LIMITS } from './limits.js';

/** Slack reads `&`, `<` and `>` as markup; user-supplied text must not become a mention or a link. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Inline code; a backtick inside would end it early. */
export function code(text: string): string {
  return `\`${escapeMrkdwn(text.replace(/`/g, "'"))}\``;
}

export function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: clip(text, LIMITS.headerText), emoji: true } };
}

export function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(text, LIMITS.sectionText) } };
}

export function fieldsSection(fields: Array<[label: string, value: string]>): Block {
  return {
    type: 'section',
    fields: fields.slice(0, LIMITS.fields).map(([label, value]) => ({
      type: 'mrkdwn',
      text: clip(`*${escapeMrkdwn(label)}*\n${value}`, LIMITS.fieldText),
    })),
  };
}

export function context(...texts: string[]): Block {
  return {
    type: 'context',
    elements: texts
      .slice(0, LIMITS.contextElements)
      .map((text) => ({ type: 'mrkdwn', text: clip(text, LIMITS.sectionText) })),
  };
}

/** A preformatted block that stays within a section's limit, saying how much was left out. */
export function codeBlock(lines: string[], max: number = LIMITS.sectionText): Block {
  const fence = '```';
  const kept: string[] = [];
  let length = fence.length * 2 + 2;
  for (const [index, line] of lines.entries()) {
    const escaped = escapeMrkdwn(line.replace(/```/g, "'''"));
    const more = lines.length - index;
    const note = `… ${more} more line${more === 1 ? '' : 's'}`;
    if (length + escaped.length + 1 > max - note.length - 1) {
      kept.push(note);
      break;
    }
    kept.push(escaped);
    length += escaped.length + 1;
  }
  return { type: 'section', text: { type: 'mrkdwn', text: `${fence}\n${kept.join('\n')}\n${fence}` } };
}

/** Columns padded to their widest cell (each cell capped), for a code block. */
export function table(columns: string[], rows: string[][], maxCell = 32): string[] {
  const cells = [columns, ...rows].map((row) => row.map((cell) => clip(cell.replace(/\s+/g, ' '), maxCell)));
  const widths = columns.map((_, index) => Math.max(...cells.map((row) => row[index]?.length ?? 0)));
  const line = (row: string[]) =>
    row
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  const [head = [], ...body] = cells;
  return [line(head), widths.map((width) => '─'.repeat(width)).join('  '), ...body.map(line)];
}

/** How a value reads in a table cell or a field. */
export function displayValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** A time every reader sees in their own zone (Slack's date token), with ISO 8601 as the fallback. */
export function slackTime(epochMs: number): string {
  return `<!date^${Math.floor(epochMs / 1000)}^{date_short_pretty} {time}|${new Date(epochMs).toISOString()}>`;
}
