import { SearchQueryError } from './query-error.js';
import { type Token, tokenize } from './query-lexer.js';

/** Metadata fields a search expression can select on, keyed by their lower-case spelling. */
export const METADATA_FIELDS = {
  _sourcecategory: 'sourceCategory',
  _sourcehost: 'sourceHost',
  _sourcename: 'sourceName',
  _source: 'source',
  _sourceid: 'sourceId',
  _collector: 'collector',
  _collectorid: 'collectorId',
} as const;
export type MetadataKey = (typeof METADATA_FIELDS)[keyof typeof METADATA_FIELDS];
const METADATA_SPELLINGS = Object.values(METADATA_FIELDS)
  .map((key) => `_${key}`)
  .join(', ');

export type SearchNode =
  | { kind: 'all' }
  | { kind: 'term'; text: string; phrase: boolean; position: number }
  | { kind: 'meta'; key: MetadataKey; pattern: string; position: number }
  | { kind: 'and' | 'or'; items: SearchNode[] }
  | { kind: 'not'; item: SearchNode };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Expr =
  | { kind: 'literal'; value: string }
  | { kind: 'field'; name: string; position: number }
  | { kind: 'compare'; op: CompareOp; left: Expr; right: Expr }
  | { kind: 'matches'; left: Expr; pattern: string }
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'not'; item: Expr };

export interface SortKey {
  field: string;
  descending: boolean;
}

export type Stage =
  | { op: 'count'; alias: string; by: string[]; position: number }
  | { op: 'where'; expr: Expr; position: number }
  | { op: 'parse'; field: string; pattern: string; names: string[]; nodrop: boolean; position: number }
  | { op: 'json'; field: string; paths: string[]; names: string[]; nodrop: boolean; position: number }
  | { op: 'timeslice'; spanMs: number; name: string; position: number }
  | { op: 'sort'; keys: SortKey[]; position: number }
  | { op: 'limit'; count: number; position: number }
  | { op: 'fields'; names: string[]; exclude: boolean; position: number };

export interface QueryAst {
  search: SearchNode;
  stages: Stage[];
}

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)$/;
const SPAN = /^(\d+)(ms|s|m|h|d)$/i;
const SPAN_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseQuery(text: string): QueryAst {
  const tokens = tokenize(text);
  const segments: { tokens: Token[]; position: number }[] = [{ tokens: [], position: 0 }];
  for (const token of tokens) {
    if (token.type === 'pipe') segments.push({ tokens: [], position: token.position });
    else (segments[segments.length - 1] as { tokens: Token[] }).tokens.push(token);
  }
  const [head, ...rest] = segments as [(typeof segments)[0], ...typeof segments];
  return {
    search: new SearchParser(head.tokens, text.length).parse(),
    stages: rest.map((segment) => parseStage(segment.tokens, segment.position, text.length)),
  };
}

/** Cursor over one segment's tokens with the error helpers every parser needs. */
class Cursor {
  index = 0;

  constructor(
    readonly tokens: Token[],
    /** Where "end of input" is reported. */
    readonly end: number,
  ) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.index + offset];
  }

  next(): Token | undefined {
    return this.tokens[this.index++];
  }

  done(): boolean {
    return this.index >= this.tokens.length;
  }

  position(): number {
    return this.peek()?.position ?? this.end;
  }

  /** `hint` goes after the position: what the user can write instead. */
  fail(message: string, position = this.position(), hint?: string): never {
    throw new SearchQueryError(
      `${message} at position ${position}${hint === undefined ? '' : `; ${hint}`}`,
      position,
    );
  }

  describe(token: Token | undefined): string {
    if (token === undefined) return 'end of query';
    return token.type === 'string' ? `"${token.value}"` : `'${token.value}'`;
  }

  isWord(value: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token?.type === 'word' && token.value.toLowerCase() === value;
  }

  acceptWord(value: string): boolean {
    if (!this.isWord(value)) return false;
    this.index++;
    return true;
  }

  /** `and`, `or` and `not` may be written as words or as `&&`, `||` and `!`. */
  acceptLogical(kind: 'and' | 'or' | 'not'): boolean {
    if (this.peek()?.type !== kind && !this.isWord(kind)) return false;
    this.index++;
    return true;
  }

  /** `a, b, c`, each item read by `read`. */
  commaList<T>(read: () => T): T[] {
    const items = [read()];
    while (this.peek()?.type === 'comma') {
      this.index++;
      items.push(read());
    }
    return items;
  }

  expectString(what: string): string {
    const token = this.peek();
    if (token?.type !== 'string')
      this.fail(`Expected ${what} as a quoted string but found ${this.describe(token)}`);
    this.index++;
    return token.value;
  }

  expectFieldName(what = 'a field name'): string {
    const token = this.peek();
    if (token?.type !== 'word' || !FIELD_NAME.test(token.value)) {
      this.fail(`Expected ${what} but found ${this.describe(token)}`);
    }
    this.index++;
    return token.value;
  }

  fieldList(what: string): string[] {
    return this.commaList(() => this.expectFieldName(what));
  }

  expectEnd(operator: string): void {
    if (!this.done()) this.fail(`Unexpected ${this.describe(this.peek())} in '${operator}'`);
  }
}

class SearchParser extends Cursor {
  parse(): SearchNode {
    if (this.done()) return { kind: 'all' };
    const node = this.orExpr();
    if (!this.done()) this.fail(`Unexpected ${this.describe(this.peek())} in the search expression`);
    return node;
  }

  private orExpr(): SearchNode {
    const items = [this.andExpr()];
    while (this.acceptLogical('or')) items.push(this.andExpr());
    return items.length === 1 ? (items[0] as SearchNode) : { kind: 'or', items };
  }

  private andExpr(): SearchNode {
    const items = [this.unary()];
    while (this.acceptLogical('and') || this.startsOperand()) items.push(this.unary());
    return items.length === 1 ? (items[0] as SearchNode) : { kind: 'and', items };
  }

  private startsOperand(): boolean {
    const token = this.peek();
    if (token === undefined) return false;
    if (token.type === 'word') return !this.isWord('or') && !this.isWord('and');
    return token.type === 'string' || token.type === 'lparen' || token.type === 'not';
  }

  private unary(): SearchNode {
    if (this.acceptLogical('not')) return { kind: 'not', item: this.unary() };
    return this.primary();
  }

  private primary(): SearchNode {
    const token = this.next();
    if (token === undefined)
      return this.fail('Expected a keyword, phrase or metadata selector but found end of query');
    if (token.type === 'lparen') {
      const inner = this.orExpr();
      if (this.next()?.type !== 'rparen') this.fail("Expected ')'", this.tokens[this.index - 1]?.position);
      return inner;
    }
    if (token.type === 'string')
      return { kind: 'term', text: token.value, phrase: true, position: token.position };
    if (token.type === 'word') {
      if (this.peek()?.type === 'op' && this.peek()?.value === '=') return this.selector(token);
      if (token.value === '*') return { kind: 'all' };
      return { kind: 'term', text: token.value, phrase: false, position: token.position };
    }
    return this.fail(`Unexpected ${this.describe(token)} in the search expression`, token.position);
  }

  private selector(field: Token): SearchNode {
    const key = METADATA_FIELDS[field.value.toLowerCase() as keyof typeof METADATA_FIELDS];
    if (key === undefined) {
      this.fail(`Unknown metadata field '${field.value}' (supported: ${METADATA_SPELLINGS})`, field.position);
    }
    this.index++;
    const value = this.next();
    if (value?.type !== 'word' && value?.type !== 'string') {
      this.fail(`Expected a value after '${field.value}='`, value?.position ?? this.end);
    }
    return { kind: 'meta', key, pattern: value.value, position: field.position };
  }
}

function parseStage(tokens: Token[], pipePosition: number, end: number): Stage {
  const cursor = new Cursor(tokens, end);
  const head = cursor.next();
  if (head === undefined || head.type !== 'word') {
    return cursor.fail("Expected an operator after '|'", head?.position ?? pipePosition, OPERATORS_HINT);
  }
  const parse = STAGE_PARSERS.get(head.value.toLowerCase());
  if (parse === undefined) {
    return cursor.fail(`Unsupported operator '${head.value}'`, head.position, OPERATORS_HINT);
  }
  return parse(cursor, head.position);
}

function parseCount(cursor: Cursor, position: number): Stage {
  let alias = '_count';
  if (cursor.peek()?.type === 'lparen')
    cursor.fail("count(field) is not supported; use 'count' or 'count by field'");
  if (cursor.acceptWord('as')) alias = cursor.expectFieldName('a name after as');
  const explicitBy = cursor.acceptWord('by');
  const by = explicitBy || !cursor.done() ? cursor.fieldList('a field to group by') : [];
  cursor.expectEnd('count');
  return { op: 'count', alias, by, position };
}

function parseWhere(cursor: Cursor, position: number): Stage {
  if (cursor.done()) cursor.fail("Expected a condition after 'where'");
  const expr = new ExprParser(cursor).parse();
  cursor.expectEnd('where');
  return { op: 'where', expr, position };
}

/** `field=<name>` before a pattern, as parse and json accept it. */
function sourceField(cursor: Cursor): string {
  if (!cursor.isWord('field') || cursor.peek(1)?.type !== 'op' || cursor.peek(1)?.value !== '=')
    return '_raw';
  cursor.index += 2;
  return cursor.expectFieldName('a field name after field=');
}

function parseParse(cursor: Cursor, position: number): Stage {
  if (cursor.isWord('regex')) cursor.fail('\'parse regex\' is not supported; use parse "…*…" as field');
  const field = sourceField(cursor);
  const patternPosition = cursor.position();
  const pattern = cursor.expectString('the parse pattern');
  const pieces = pattern.split('*');
  if (pieces.length < 2) cursor.fail("The parse pattern needs at least one '*'", patternPosition);
  if (pieces.slice(1, -1).some((piece) => piece === '')) {
    cursor.fail("The parse pattern cannot have two '*' next to each other", patternPosition);
  }
  if (!cursor.acceptWord('as')) cursor.fail("Expected 'as' after the parse pattern");
  const namesPosition = cursor.position();
  const names = cursor.fieldList('a field name');
  if (names.length !== pieces.length - 1) {
    cursor.fail(
      `The parse pattern has ${pieces.length - 1} '*' but ${names.length} field names`,
      namesPosition,
    );
  }
  const nodrop = cursor.acceptWord('nodrop');
  cursor.expectEnd('parse');
  return { op: 'parse', field, pattern, names, nodrop, position };
}

function parseJson(cursor: Cursor, position: number): Stage {
  if (cursor.isWord('auto')) cursor.fail('\'json auto\' is not supported; name the keys: json "a.b" as x');
  const field = sourceField(cursor);
  const paths = cursor.commaList(() => cursor.expectString('a JSON key'));
  let names = paths;
  if (cursor.acceptWord('as')) {
    const namesPosition = cursor.position();
    names = cursor.fieldList('a field name');
    if (names.length !== paths.length) {
      cursor.fail(`json has ${paths.length} keys but ${names.length} names after 'as'`, namesPosition);
    }
  }
  const nodrop = cursor.acceptWord('nodrop');
  cursor.expectEnd('json');
  return { op: 'json', field, paths, names, nodrop, position };
}

function parseTimeslice(cursor: Cursor, position: number): Stage {
  cursor.acceptWord('by');
  const token = cursor.peek();
  const match = token?.type === 'word' ? SPAN.exec(token.value) : null;
  const amount = Number(match?.[1]);
  if (match === null || !(amount > 0)) {
    return cursor.fail(`Expected a time slice such as 1m, 5m or 1h but found ${cursor.describe(token)}`);
  }
  cursor.index++;
  const spanMs = amount * (SPAN_MS[(match[2] as string).toLowerCase()] as number);
  const name = cursor.acceptWord('as') ? cursor.expectFieldName('a name after as') : '_timeslice';
  cursor.expectEnd('timeslice');
  return { op: 'timeslice', spanMs, name, position };
}

function parseSort(cursor: Cursor, position: number): Stage {
  cursor.acceptWord('by');
  const keys = cursor.commaList((): SortKey => {
    const field = cursor.expectFieldName('a field to sort by');
    let descending = true;
    if (cursor.acceptWord('asc')) descending = false;
    else cursor.acceptWord('desc');
    return { field, descending };
  });
  cursor.expectEnd('sort');
  return { op: 'sort', keys, position };
}

function parseLimit(cursor: Cursor, position: number): Stage {
  const token = cursor.next();
  const count = Number(token?.value);
  if (token?.type !== 'word' || !/^\d+$/.test(token.value) || count < 1) {
    cursor.fail(
      `Expected a positive whole number after 'limit' but found ${cursor.describe(token)}`,
      token?.position,
    );
  }
  cursor.expectEnd('limit');
  return { op: 'limit', count, position };
}

function parseFields(cursor: Cursor, position: number): Stage {
  let exclude = false;
  const first = cursor.peek();
  if (first?.type === 'word' && first.value.startsWith('-')) {
    exclude = true;
    if (first.value === '-') cursor.index++;
    else
      cursor.tokens[cursor.index] = { ...first, value: first.value.slice(1), position: first.position + 1 };
  }
  const names = cursor.fieldList('a field name');
  cursor.expectEnd('fields');
  return { op: 'fields', names, exclude, position };
}

/** The supported operators, in the order the error hint lists them. */
const STAGE_PARSERS = new Map<string, (cursor: Cursor, position: number) => Stage>([
  ['count', parseCount],
  ['fields', parseFields],
  ['json', parseJson],
  ['limit', parseLimit],
  ['parse', parseParse],
  ['sort', parseSort],
  ['timeslice', parseTimeslice],
  ['where', parseWhere],
]);
const OPERATORS_HINT = `supported operators: ${[...STAGE_PARSERS.keys()].join(', ')}`;

const COMPARE_OPS: Record<string, CompareOp> = {
  '=': '=',
  '==': '=',
  '!=': '!=',
  '<>': '!=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

/** `where` conditions: or > and > not > comparison, with parentheses. */
class ExprParser {
  constructor(private readonly cursor: Cursor) {}

  parse(): Expr {
    return this.or();
  }

  private or(): Expr {
    let left = this.and();
    while (this.cursor.acceptLogical('or')) left = { kind: 'or', left, right: this.and() };
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.cursor.acceptLogical('and')) left = { kind: 'and', left, right: this.not() };
    return left;
  }

  private not(): Expr {
    if (this.cursor.acceptLogical('not')) return { kind: 'not', item: this.not() };
    return this.comparison();
  }

  private comparison(): Expr {
    const left = this.operand();
    const token = this.cursor.peek();
    if (token?.type === 'op') {
      this.cursor.index++;
      return { kind: 'compare', op: COMPARE_OPS[token.value] as CompareOp, left, right: this.operand() };
    }
    if (this.cursor.acceptWord('matches')) {
      return { kind: 'matches', left, pattern: this.cursor.expectString('a wildcard pattern after matches') };
    }
    if (left.kind === 'field' || left.kind === 'literal') {
      this.cursor.fail(
        `Expected a comparison (=, !=, <, <=, >, >=, matches) but found ${this.cursor.describe(token)}`,
      );
    }
    return left;
  }

  private operand(): Expr {
    const token = this.cursor.next();
    if (token === undefined)
      return this.cursor.fail('Expected a field, number or quoted string but found end of query');
    if (token.type === 'lparen') {
      const inner = this.or();
      if (this.cursor.next()?.type !== 'rparen') this.cursor.fail("Expected ')'");
      return inner;
    }
    if (token.type === 'string') return { kind: 'literal', value: token.value };
    if (token.type === 'word' && NUMBER.test(token.value)) return { kind: 'literal', value: token.value };
    if (token.type === 'word' && FIELD_NAME.test(token.value)) {
      if (this.cursor.peek()?.type === 'lparen') {
        this.cursor.fail(`Function '${token.value}' is not supported in where`, token.position);
      }
      return { kind: 'field', name: token.value, position: token.position };
    }
    return this.cursor.fail(
      `Expected a field, number or quoted string but found ${this.cursor.describe(token)}`,
      token.position,
    );
  }
}
