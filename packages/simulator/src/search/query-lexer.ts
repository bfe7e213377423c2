import { SearchQueryError } from './query-error.js';

export type TokenType =
  | 'word'
  | 'string'
  | 'pipe'
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'op'
  | 'and'
  | 'or'
  | 'not';

export interface Token {
  type: TokenType;
  /** Words as written; strings unescaped; operators as written. */
  value: string;
  position: number;
}

const SINGLE: Record<string, TokenType> = { '|': 'pipe', '(': 'lparen', ')': 'rparen', ',': 'comma' };
const WORD_STOP = new Set([' ', '\t', '\r', '\n', '|', '(', ')', ',', '"', '=', '<', '>', '!']);

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else if (c === '|' && next === '|') {
      tokens.push({ type: 'or', value: '||', position: i });
      i += 2;
    } else if (c === '&' && next === '&') {
      tokens.push({ type: 'and', value: '&&', position: i });
      i += 2;
    } else if (SINGLE[c] !== undefined) {
      tokens.push({ type: SINGLE[c], value: c, position: i });
      i++;
    } else if (c === '"') {
      i = readString(text, i, tokens);
    } else if (c === '=' || c === '<' || c === '>' || c === '!') {
      const pair = c + (next ?? '');
      if (pair === '<=' || pair === '>=' || pair === '!=' || pair === '<>' || pair === '==') {
        tokens.push({ type: 'op', value: pair, position: i });
        i += 2;
      } else {
        tokens.push({ type: c === '!' ? 'not' : 'op', value: c, position: i });
        i++;
      }
    } else {
      const start = i;
      while (i < text.length && !WORD_STOP.has(text[i] as string) && !text.startsWith('&&', i)) i++;
      tokens.push({ type: 'word', value: text.slice(start, i), position: start });
    }
  }
  return tokens;
}

function readString(text: string, start: number, tokens: Token[]): number {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      value += text[i + 1];
      i += 2;
    } else if (c === '"') {
      tokens.push({ type: 'string', value, position: start });
      return i + 1;
    } else {
      value += c;
      i++;
    }
  }
  throw new SearchQueryError(`Unterminated quoted string starting at position ${start}`, start);
}
