import { type FieldDescriptor, MESSAGE_FIELDS } from './corpus.js';
import { SearchQueryError } from './query-error.js';
import type { CompareOp, Expr, SortKey, Stage } from './query-parser.js';
import { BASE_FIELD_READERS, type ScanRow } from './scan-row.js';
import { wildcardRegExp } from './text-match.js';

export type Getter<R> = (row: R) => string | undefined;

/** Lets operators report a warning once per execution (deduplicated by key). */
export interface StepContext {
  warn(key: string, message: string): void;
}

export type MessageStep =
  | { kind: 'filter'; run: (row: ScanRow, context: StepContext) => boolean; extracts: boolean }
  | { kind: 'limit'; count: number };

export interface ProjectedField {
  descriptor: FieldDescriptor;
  read: Getter<ScanRow>;
  /** One of the metadata fields every message has, as opposed to one an operator extracted. */
  metadata: boolean;
}

export interface AggregatePlan {
  by: Getter<ScanRow>[];
  /** Applied, in order, to the aggregated rows every time records are read. */
  recordSteps: ((rows: string[][]) => string[][])[];
  recordFields: FieldDescriptor[];
}

export interface Plan {
  messageSteps: MessageStep[];
  messageFields: ProjectedField[];
  /**
   * Messages keep every metadata field untouched, so they can be built whole by the corpus (the
   * fast path for paging) with only the extracted fields added.
   */
  keepsAllMetadata: boolean;
  aggregate: AggregatePlan | undefined;
}

/** For re-deriving fields of a message that already passed: warnings were reported then. */
export const NO_CONTEXT: StepContext = { warn: () => {} };

/**
 * Turns the operators into per-message steps and per-record steps. Which fields exist at each
 * point is known here, so a misspelt field is an error with a position (as Sumo answers "field
 * not found") rather than a silent empty result.
 */
export function buildPlan(stages: readonly Stage[]): Plan {
  const scope = new Map<string, ProjectedField>();
  for (const descriptor of MESSAGE_FIELDS) {
    const key = descriptor.name.toLowerCase();
    scope.set(key, { descriptor, read: BASE_FIELD_READERS[key] as Getter<ScanRow>, metadata: true });
  }
  const resolve = (name: string, position: number): Getter<ScanRow> => {
    const entry = scope.get(name.toLowerCase());
    if (entry === undefined)
      throw unknownField(
        name,
        position,
        [...scope.values()].map((e) => e.descriptor.name),
      );
    return entry.read;
  };
  const extracted = (name: string, fieldType: FieldDescriptor['fieldType'] = 'string'): string => {
    const key = name.toLowerCase();
    scope.set(key, {
      descriptor: { name, fieldType, keyField: false },
      read: (row) => row.extras?.get(key),
      metadata: false,
    });
    return key;
  };

  const messageSteps: MessageStep[] = [];
  for (const [index, stage] of stages.entries()) {
    switch (stage.op) {
      case 'where': {
        const test = compileCondition(stage.expr, resolve);
        messageSteps.push({ kind: 'filter', run: test, extracts: false });
        break;
      }
      case 'parse': {
        const read = resolve(stage.field, stage.position);
        messageSteps.push({ kind: 'filter', run: parseStep(read, stage), extracts: true });
        for (const name of stage.names) extracted(name);
        break;
      }
      case 'json': {
        const read = resolve(stage.field, stage.position);
        const keys = stage.names.map((name) => name.toLowerCase());
        messageSteps.push({ kind: 'filter', run: jsonStep(read, stage, keys), extracts: true });
        for (const name of stage.names) extracted(name);
        break;
      }
      case 'timeslice': {
        const span = stage.spanMs;
        const key = extracted(stage.name, 'long');
        const run = (row: ScanRow) => {
          const time = row.corpus.timeAt(row.position);
          row.setExtra(key, String(Math.floor(time / span) * span));
          return true;
        };
        messageSteps.push({ kind: 'filter', run, extracts: true });
        break;
      }
      case 'limit':
        messageSteps.push({ kind: 'limit', count: stage.count });
        break;
      case 'fields':
        applyFields(scope, stage.names, stage.exclude);
        break;
      case 'sort':
        throw new SearchQueryError(
          `'sort' needs an aggregation before it (for example '| count by _sourceCategory | sort by _count'); messages are always returned newest first at position ${stage.position}`,
          stage.position,
        );
      case 'count': {
        const by = stage.by.map((name) => resolve(name, stage.position));
        const fields: FieldDescriptor[] = stage.by.map((name) => ({
          name,
          fieldType: scope.get(name.toLowerCase())?.descriptor.fieldType ?? 'string',
          keyField: true,
        }));
        fields.push({ name: stage.alias, fieldType: 'int', keyField: false });
        const records = buildRecordSteps(stages.slice(index + 1), fields);
        return {
          messageSteps,
          ...messageProjection(scope),
          aggregate: { by, recordSteps: records.steps, recordFields: records.fields },
        };
      }
    }
  }
  return { messageSteps, ...messageProjection(scope), aggregate: undefined };
}

function messageProjection(
  scope: Map<string, ProjectedField>,
): Pick<Plan, 'messageFields' | 'keepsAllMetadata'> {
  const messageFields = [...scope.values()];
  return {
    messageFields,
    keepsAllMetadata: messageFields.filter((field) => field.metadata).length === MESSAGE_FIELDS.length,
  };
}

function unknownField(name: string, position: number, known: string[]): SearchQueryError {
  return new SearchQueryError(
    `Field '${name}' not found at position ${position}; extract it with parse or json first (known fields: ${known.join(', ')})`,
    position,
  );
}

function applyFields<T extends { descriptor: FieldDescriptor }>(
  scope: Map<string, T>,
  names: string[],
  exclude: boolean,
): void {
  const listed = new Set(names.map((name) => name.toLowerCase()));
  for (const key of [...scope.keys()]) {
    if (listed.has(key) === exclude) scope.delete(key);
  }
}

function parseStep(read: Getter<ScanRow>, stage: Extract<Stage, { op: 'parse' }>): (row: ScanRow) => boolean {
  const pieces = stage.pattern.split('*');
  const keys = stage.names.map((name) => name.toLowerCase());
  return (row: ScanRow) => {
    const text = read(row);
    const captures = text === undefined ? undefined : capture(text, pieces);
    if (captures === undefined) return stage.nodrop;
    for (let i = 0; i < captures.length; i++) row.setExtra(keys[i] as string, captures[i] as string);
    return true;
  };
}

/**
 * Anchors are found left to right, each `*` taking the shortest text up to the next anchor; a
 * trailing `*` takes the rest of the line. Leftmost-first is what the equivalent lazy regular
 * expression would find, without compiling one.
 */
function capture(text: string, pieces: string[]): string[] | undefined {
  const first = pieces[0] as string;
  let at = 0;
  if (first !== '') {
    const index = text.indexOf(first);
    if (index < 0) return undefined;
    at = index + first.length;
  }
  const values: string[] = [];
  for (let i = 1; i < pieces.length; i++) {
    const anchor = pieces[i] as string;
    if (anchor === '') {
      const newline = text.indexOf('\n', at);
      values.push(text.slice(at, newline < 0 ? text.length : newline));
      continue;
    }
    const index = text.indexOf(anchor, at);
    if (index < 0) return undefined;
    values.push(text.slice(at, index));
    at = index + anchor.length;
  }
  return values;
}

function jsonStep(
  read: Getter<ScanRow>,
  stage: Extract<Stage, { op: 'json' }>,
  keys: string[],
): (row: ScanRow, context: StepContext) => boolean {
  const paths = stage.paths.map(splitPath);
  return (row, context) => {
    const text = read(row);
    const document = text === undefined ? undefined : parseJsonObject(text);
    if (document === undefined) {
      context.warn(
        `json:${stage.position}`,
        `json: some messages have a ${stage.field} that is not valid JSON; they were ${stage.nodrop ? 'kept without the fields' : 'dropped'}`,
      );
      return stage.nodrop;
    }
    for (let i = 0; i < paths.length; i++) {
      const value = lookup(document, paths[i] as (string | number)[]);
      if (value === undefined || value === null) {
        if (!stage.nodrop) return false;
        continue;
      }
      row.setExtra(keys[i] as string, typeof value === 'string' ? value : JSON.stringify(value));
    }
    return true;
  };
}

function parseJsonObject(text: string): unknown {
  const start = text.trimStart()[0];
  // Most log lines are not JSON; checking the first character spares a thrown exception each.
  if (start !== '{' && start !== '[') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function splitPath(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const part of path.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (match === null) {
      segments.push(part);
      continue;
    }
    if (match[1] !== '') segments.push(match[1] as string);
    for (const index of (match[2] as string).matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

function lookup(document: unknown, path: (string | number)[]): unknown {
  let current = document;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

function toNumber(value: string): number {
  return value.trim() === '' ? Number.NaN : Number(value);
}

/** Numbers compare as numbers when both sides are numeric, otherwise as strings. */
function order(left: string, right: string): -1 | 0 | 1 {
  const a = toNumber(left);
  const b = toNumber(right);
  if (!Number.isNaN(a) && !Number.isNaN(b)) return a < b ? -1 : a > b ? 1 : 0;
  return left < right ? -1 : left > right ? 1 : 0;
}

function compareValues(op: CompareOp, left: string | undefined, right: string | undefined): boolean {
  if (left === undefined || right === undefined) return false;
  const sign = order(left, right);
  switch (op) {
    case '=':
      return sign === 0;
    case '!=':
      return sign !== 0;
    case '<':
      return sign < 0;
    case '<=':
      return sign <= 0;
    case '>':
      return sign > 0;
    case '>=':
      return sign >= 0;
  }
}

export function compileCondition<R>(
  expr: Expr,
  resolve: (name: string, position: number) => Getter<R>,
): (row: R) => boolean {
  switch (expr.kind) {
    case 'compare': {
      const left = compileValue(expr.left, resolve);
      const right = compileValue(expr.right, resolve);
      const op = expr.op;
      return (row) => compareValues(op, left(row), right(row));
    }
    case 'matches': {
      const value = compileValue(expr.left, resolve);
      const pattern = wildcardRegExp(expr.pattern, false);
      return (row) => {
        const text = value(row);
        return text !== undefined && pattern.test(text);
      };
    }
    case 'and': {
      const left = compileCondition(expr.left, resolve);
      const right = compileCondition(expr.right, resolve);
      return (row) => left(row) && right(row);
    }
    case 'or': {
      const left = compileCondition(expr.left, resolve);
      const right = compileCondition(expr.right, resolve);
      return (row) => left(row) || right(row);
    }
    case 'not': {
      const inner = compileCondition(expr.item, resolve);
      return (row) => !inner(row);
    }
    default: {
      const value = compileValue(expr, resolve);
      return (row) => value(row) === 'true';
    }
  }
}

function compileValue<R>(expr: Expr, resolve: (name: string, position: number) => Getter<R>): Getter<R> {
  if (expr.kind === 'literal') {
    const value = expr.value;
    return () => value;
  }
  if (expr.kind === 'field') return resolve(expr.name, expr.position);
  const test = compileCondition(expr, resolve);
  return (row) => String(test(row));
}

type RecordStep = (rows: string[][]) => string[][];

function buildRecordSteps(
  stages: readonly Stage[],
  initial: FieldDescriptor[],
): { steps: RecordStep[]; fields: FieldDescriptor[] } {
  let fields = initial;
  const steps: RecordStep[] = [];
  const column = (name: string, position: number): number => {
    const index = fields.findIndex((field) => field.name.toLowerCase() === name.toLowerCase());
    if (index < 0)
      throw unknownField(
        name,
        position,
        fields.map((field) => field.name),
      );
    return index;
  };
  for (const stage of stages) {
    switch (stage.op) {
      case 'where': {
        const test = compileCondition<string[]>(stage.expr, (name, position) => {
          const index = column(name, position);
          return (row) => row[index];
        });
        steps.push((rows) => rows.filter(test));
        break;
      }
      case 'sort': {
        const keys = stage.keys.map((key: SortKey) => ({
          index: column(key.field, stage.position),
          sign: key.descending ? -1 : 1,
        }));
        steps.push((rows) => [...rows].sort((a, b) => compareRows(a, b, keys)));
        break;
      }
      case 'limit': {
        const count = stage.count;
        steps.push((rows) => rows.slice(0, count));
        break;
      }
      case 'fields': {
        const scope = new Map(
          fields.map((field, index) => [field.name.toLowerCase(), { descriptor: field, index }]),
        );
        applyFields(scope, stage.names, stage.exclude);
        const kept = [...scope.values()];
        fields = kept.map((entry) => entry.descriptor);
        steps.push((rows) => rows.map((row) => kept.map((entry) => row[entry.index] as string)));
        break;
      }
      case 'count': {
        const indexes = stage.by.map((name) => column(name, stage.position));
        const next: FieldDescriptor[] = indexes.map((index) => ({
          ...(fields[index] as FieldDescriptor),
          keyField: true,
        }));
        next.push({ name: stage.alias, fieldType: 'int', keyField: false });
        fields = next;
        steps.push((rows) => {
          const counter = new GroupCounter();
          for (const row of rows) counter.add(indexes.map((index) => row[index] as string));
          return counter.rows();
        });
        break;
      }
      default:
        throw new SearchQueryError(
          `'${stage.op}' must come before the aggregation (count) at position ${stage.position}`,
          stage.position,
        );
    }
  }
  return { steps, fields };
}

function compareRows(a: string[], b: string[], keys: { index: number; sign: number }[]): number {
  for (const { index, sign } of keys) {
    const difference = order(a[index] as string, b[index] as string);
    if (difference !== 0) return difference * sign;
  }
  return 0;
}

/** `count by …` state: groups in first-seen order, each with its key values and a count. */
export class GroupCounter {
  private readonly groups = new Map<string, { values: string[]; count: number }>();

  add(values: string[]): void {
    const key = values.length === 1 ? (values[0] as string) : values.join('\u0001');
    const group = this.groups.get(key);
    if (group === undefined) this.groups.set(key, { values, count: 1 });
    else group.count++;
  }

  get size(): number {
    return this.groups.size;
  }

  rows(): string[][] {
    return [...this.groups.values()].map((group) => [...group.values, String(group.count)]);
  }
}
