/** What a message suggests searching for, and over which range. */
export interface SuggestedSearch {
  query: string;
  from: string;
  to: string;
}

const HOUR_MS = 3_600_000;
/** A message older than this is searched around its own time instead of the last hour. */
const RECENT_MS = HOUR_MS;
const AROUND_MS = 30 * 60_000;
const MAX_TERM = 120;

/** Slack's markup (`<@U1>`, `<https://x|label>`, `&lt;`) read back as the text people saw. */
export function plainMessageText(text: string): string {
  return text
    .replace(/<[@#!][^>]*>/g, ' ')
    .replace(/<([^>|]+)\|([^>]+)>/g, '$2')
    .replace(/<([^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/[\u201c\u201d\u201e\u201f]/g, '"');
}

const QUOTED = /"([^"\n]{3,})"|`([^`\n]{3,})`/;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i;
/** `req-7f3a9c12`, `0x1f2e3d4c`, `a1b2c3d4e5`, `1234567890`: letters and digits mixed, or long numbers. */
const ID_LIKE = /^(?=.*\d)(?=.*[a-z_-]|\d{6,})[a-z0-9][a-z0-9_-]{5,}$/i;
const HOST = /^(?=.*[a-z])[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;
const VERSION_OR_NUMBER = /^\d+(\.\d+)*(-\d+)?$/;

function quote(term: string): string {
  return `"${term.replace(/"/g, '').slice(0, MAX_TERM)}"`;
}

/**
 * A query built from what a message contains: a host name becomes `_sourceHost=`, a quoted
 * string or code span and an id-like token become quoted terms. With none of those, the first
 * line is searched as a phrase. The person edits it in the modal before anything runs.
 */
export function suggestSearch(
  messageText: string,
  messageTs: string | undefined,
  now: number,
): SuggestedSearch {
  const text = plainMessageText(messageText);
  const terms: string[] = [];
  const quoted = QUOTED.exec(text);
  const phrase = quoted?.[1] ?? quoted?.[2];
  const words = text
    .replace(QUOTED, ' ')
    .split(/[\s,;()[\]{}'"]+/)
    .map((word) => word.replace(/[.:!?]+$/, ''))
    .filter((word) => word !== '');
  const host = words.find((word) => HOST.test(word) && !VERSION_OR_NUMBER.test(word) && !word.includes('/'));
  if (host) terms.push(`_sourceHost=${host.slice(0, MAX_TERM)}`);
  if (phrase) terms.push(quote(phrase.trim()));
  const id = UUID.exec(text)?.[0] ?? words.find((word) => word !== host && ID_LIKE.test(word));
  if (id) terms.push(quote(id));
  if (terms.length === 0) {
    const firstLine =
      text
        .split('\n')
        .find((line) => line.trim() !== '')
        ?.trim() ?? '';
    terms.push(firstLine === '' ? '*' : quote(firstLine));
  }
  const at = messageTs === undefined ? Number.NaN : Math.round(Number(messageTs) * 1000);
  if (Number.isFinite(at) && now - at > RECENT_MS) {
    const iso = (epochMs: number) => new Date(epochMs).toISOString().replace('.000Z', 'Z');
    return { query: terms.join(' '), from: iso(at - AROUND_MS), to: iso(Math.min(now, at + AROUND_MS)) };
  }
  return { query: terms.join(' '), from: '-1h', to: 'now' };
}
