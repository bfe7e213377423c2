import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type AnyOperation, coerceWord, type OperationCatalog, OperationInputError } from '@sumo-ops/core';
import { z } from 'zod';
import { type CommandSpec, FLAG_ALIASES, inputShape, kebabCase } from './commands.js';

/** A refusal before any API call: exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type FlagKind = 'boolean' | 'value' | 'list' | 'object';

/** One input field of an operation as a `--flag`. */
export interface FieldFlag {
  field: string;
  /** `--alive-before-days` without the dashes. */
  flag: string;
  /** Shorter names from FLAG_ALIASES (`--days`). */
  aliases: string[];
  kind: FlagKind;
  schema: z.ZodType;
  required: boolean;
  description: string;
  /** `integer 1–1000`, `all|installed|hosted`, `JSON or key=value`: what to type. */
  valueHint: string;
  defaultValue: unknown;
}

/** Flags every command understands, beside the ones from its input schema. */
export interface GlobalFlag {
  flag: string;
  short?: string;
  type: 'boolean' | 'string';
  description: string;
  /** Offered on this command? (e.g. --yes only where something changes). */
  appliesTo(spec: CommandSpec | undefined): boolean;
}

const always = () => true;
const changes = (spec: CommandSpec | undefined) => spec !== undefined && spec.operation.kind !== 'read';

export const OUTPUT_FORMATS = ['json', 'ndjson', 'csv', 'table'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const GLOBAL_FLAGS: readonly GlobalFlag[] = [
  {
    flag: 'output',
    short: 'o',
    type: 'string',
    description: `Output format: ${OUTPUT_FORMATS.join('|')}. Default: table on a terminal, json otherwise.`,
    appliesTo: always,
  },
  {
    flag: 'all',
    type: 'boolean',
    description: 'Page through every item (streamed as pages arrive) instead of one page.',
    appliesTo: (spec) =>
      spec !== undefined && isPaged(spec.operation) && !('all' in inputShape(spec.operation)),
  },
  {
    flag: 'yes',
    short: 'y',
    type: 'boolean',
    description: 'Confirm without a prompt (needed when stdin is not a terminal).',
    appliesTo: changes,
  },
  {
    flag: 'dry-run',
    type: 'boolean',
    description: 'Print the preview of what would change, and change nothing.',
    appliesTo: changes,
  },
  {
    flag: 'quiet',
    short: 'q',
    type: 'boolean',
    description: 'No progress or notes on stderr (errors still go there).',
    appliesTo: always,
  },
  {
    flag: 'demo',
    type: 'boolean',
    description: 'Run against an embedded Sumo Logic simulator instead of SUMO_* settings.',
    appliesTo: always,
  },
  {
    flag: 'org',
    type: 'string',
    description:
      "Which org of the orgs file (SUMO_OPS_ORGS or the profile's) to act on. Default: the profile's org, else the file's default.",
    appliesTo: always,
  },
  {
    flag: 'profile',
    type: 'string',
    description: 'Use this profile of sumo-ops config (default: SUMO_OPS_PROFILE, else the current one).',
    appliesTo: always,
  },
  { flag: 'help', short: 'h', type: 'boolean', description: 'Show help.', appliesTo: always },
];

/** Where a paged operation takes its position and where its answer says the next one: offsets, or tokens. */
export interface PageCursor {
  input: 'offset' | 'next';
  output: 'nextOffset' | 'next';
}

export function pageCursor(operation: AnyOperation): PageCursor | undefined {
  const shape = inputShape(operation);
  const output = (operation.output as unknown as { shape?: Record<string, unknown> }).shape ?? {};
  if (!('limit' in shape) || !('items' in output)) return undefined;
  if ('offset' in shape && 'nextOffset' in output) return { input: 'offset', output: 'nextOffset' };
  if ('next' in shape && 'next' in output) return { input: 'next', output: 'next' };
  return undefined;
}

export function isPaged(operation: AnyOperation): boolean {
  return pageCursor(operation) !== undefined;
}

/** Peels defaults, optionals and nullables to the type the value must have. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.ZodDefault ||
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable
    ) {
      current = current.unwrap() as z.ZodType;
    } else return current;
  }
}

function kindOf(schema: z.ZodType): FlagKind {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodBoolean) return 'boolean';
  if (inner instanceof z.ZodArray) return 'list';
  if (inner instanceof z.ZodObject || inner instanceof z.ZodRecord) return 'object';
  return 'value';
}

/** The field's JSON schema (input side), for help text; `{}` when it cannot be expressed. */
function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function valueHint(schema: Record<string, unknown>, kind: FlagKind): string {
  if (kind === 'boolean') return '';
  if (kind === 'object') return 'JSON or key=value (repeatable)';
  if (kind === 'list') return 'a,b,… or JSON array (repeatable)';
  if (Array.isArray(schema.enum)) return schema.enum.join('|');
  const variants = (schema.anyOf as Record<string, unknown>[] | undefined) ?? [schema];
  const types = variants.flatMap((variant) => {
    const type = variant.type;
    return Array.isArray(type) ? type : type === undefined ? [] : [type];
  });
  // zod's int() carries MAX_SAFE_INTEGER as its maximum: no limit a person needs to read.
  const maximum =
    typeof schema.maximum === 'number' && schema.maximum < Number.MAX_SAFE_INTEGER
      ? schema.maximum
      : undefined;
  const range =
    typeof schema.minimum === 'number' && maximum !== undefined
      ? ` ${schema.minimum}–${maximum}`
      : typeof schema.minimum === 'number'
        ? ` ≥ ${schema.minimum}`
        : '';
  return `${[...new Set(types)].join('|') || 'value'}${range}`;
}

export function fieldFlags(spec: CommandSpec): FieldFlag[] {
  const shape = inputShape(spec.operation);
  const flags = Object.entries(shape).map(([field, schema]) => {
    const json = jsonSchemaOf(schema);
    const kind = kindOf(schema);
    const defaulted = schema.safeParse(undefined);
    return {
      field,
      flag: kebabCase(field),
      aliases: [] as string[],
      kind,
      schema,
      required: !defaulted.success,
      description: schema.description ?? '',
      valueHint: valueHint(json, kind),
      defaultValue: defaulted.success ? defaulted.data : undefined,
    };
  });
  const names = new Set(flags.map((flag) => flag.flag));
  for (const [alias, field] of Object.entries(FLAG_ALIASES)) {
    const target = flags.find((flag) => flag.field === field);
    if (target && !names.has(alias)) target.aliases.push(alias);
  }
  return flags;
}

export interface ParsedArgs {
  /** Input for the operation, before its schema checks it. */
  raw: Record<string, unknown>;
  /** Global flags that were given. */
  globals: Record<string, string | boolean | undefined>;
  /** --help was asked for: nothing else is checked. */
  help: boolean;
}

/**
 * Parses `argv` (the words after the command) for one command with node:util parseArgs, strict:
 * every flag must be known. Values that start with a dash (`--from -1h`) are values: parseArgs
 * refuses them as ambiguous, so a value-taking flag and its next word are joined first.
 */
export function parseCommandArgs(
  spec: CommandSpec,
  argv: readonly string[],
  extra: readonly GlobalFlag[] = [],
): ParsedArgs {
  const fields = fieldFlags(spec);
  const globals = [...GLOBAL_FLAGS.filter((flag) => flag.appliesTo(spec)), ...extra];
  const options: NonNullable<ParseArgsConfig['options']> = {};
  const fieldByName = new Map<string, FieldFlag>();
  for (const flag of fields) {
    for (const name of [flag.flag, ...flag.aliases]) {
      fieldByName.set(name, flag);
      if (flag.kind === 'boolean') {
        options[name] = { type: 'boolean' };
        options[`no-${name}`] = { type: 'boolean' };
      } else options[name] = { type: 'string', multiple: true };
    }
  }
  for (const flag of globals) {
    if (options[flag.flag]) continue;
    options[flag.flag] = { type: flag.type, ...(flag.short ? { short: flag.short } : {}) };
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    return { raw: {}, globals: { help: true }, help: true };
  }

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: joinDashValues(argv, options),
      options,
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(parseErrorMessage(error, spec, fields, globals));
  }

  const raw: Record<string, unknown> = {};
  const given: Record<string, string | boolean | undefined> = {};
  const from = new Map<string, string>();
  for (const [name, value] of Object.entries(parsed.values)) {
    const negated = name.startsWith('no-') && !fieldByName.has(name) ? name.slice(3) : undefined;
    const flag = fieldByName.get(negated ?? name);
    if (!flag) {
      given[name] = value as string | boolean;
      continue;
    }
    const previous = from.get(flag.field);
    if (previous !== undefined) throw new UsageError(`--${previous} and --${name} both set ${flag.flag}.`);
    from.set(flag.field, name);
    raw[flag.field] = flagValue(flag, negated !== undefined ? false : value, name);
  }

  const words = [...parsed.positionals];
  for (const field of spec.positional) {
    if (words.length === 0) break;
    if (field in raw)
      throw new UsageError(`${kebabCase(field)} is given both as a word and as --${kebabCase(field)}.`);
    const flag = fields.find((candidate) => candidate.field === field) as FieldFlag;
    // A query is the rest of the line, so `sumo-ops search error count` needs no quotes.
    const word = field === 'query' ? words.splice(0).join(' ') : (words.shift() as string);
    raw[field] = coerce(flag.schema, word);
  }
  if (words.length > 0) {
    throw new UsageError(
      `unexpected ${words.map((word) => `"${word}"`).join(' ')}: ${spec.positional.length > 0 ? `${commandLabel(spec)} takes one <${kebabCase(spec.positional[0] as string)}> word; ` : ''}give values with --flags (see ${commandLabel(spec)} --help).`,
    );
  }
  return { raw, globals: given, help: false };
}

export function commandLabel(spec: CommandSpec): string {
  return `sumo-ops ${spec.toolset} ${spec.verb}`;
}

/** `--from -1h` → `--from=-1h`, and `--download=false` → `--no-download`, before parseArgs sees them. */
function joinDashValues(argv: readonly string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const shortToLong = new Map(
    Object.entries(options).flatMap(([name, option]) => (option.short ? [[option.short, name]] : [])),
  );
  const out: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const word = argv[index] as string;
    if (word === '--') {
      out.push(...argv.slice(index));
      break;
    }
    const long = /^--([^=]+)(=(.*))?$/.exec(word);
    const name = long ? long[1] : /^-([a-zA-Z])$/.test(word) ? shortToLong.get(word.slice(1)) : undefined;
    const option = name === undefined ? undefined : options[name];
    if (name !== undefined && option?.type === 'boolean' && long?.[2] !== undefined) {
      const value = (long[3] ?? '').toLowerCase();
      if (value === 'true') out.push(`--${name}`);
      else if (value === 'false' && options[`no-${name}`]) out.push(`--no-${name}`);
      else out.push(word);
      continue;
    }
    if (
      name !== undefined &&
      option?.type === 'string' &&
      long?.[2] === undefined &&
      index + 1 < argv.length
    ) {
      out.push(`--${name}=${argv[index + 1]}`);
      index += 1;
      continue;
    }
    out.push(word);
  }
  return out;
}

function parseErrorMessage(
  error: unknown,
  spec: CommandSpec,
  fields: readonly FieldFlag[],
  globals: readonly GlobalFlag[],
): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const known = [...fields.map((flag) => `--${flag.flag}`), ...globals.map((flag) => `--${flag.flag}`)];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'([^']+)'/.exec(message)?.[1] ?? message;
    return `unknown flag ${flag} for ${commandLabel(spec)}; its flags are ${known.join(', ')}.`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /'(-[^']+)'/.exec(message)?.[1];
    return flag
      ? `${flag} needs a value (see ${commandLabel(spec)} --help).`
      : (message.split('\n')[0] ?? message);
  }
  return message.split('\n')[0] ?? message;
}

function flagValue(flag: FieldFlag, value: unknown, given: string): unknown {
  if (flag.kind === 'boolean') return value === true;
  const values = value as string[];
  if (flag.kind === 'list') return values.flatMap((word) => listItems(flag.schema, word));
  if (flag.kind === 'object') return objectValue(flag, values, given);
  if (values.length > 1) throw new UsageError(`--${given} is given ${values.length} times; give it once.`);
  return coerce(flag.schema, values[0] as string);
}

function listItems(schema: z.ZodType, word: string): unknown[] {
  const element = (unwrap(schema) as z.ZodArray<z.ZodType>).element;
  if (word.trimStart().startsWith('[')) {
    const parsed = parseJson(word);
    if (Array.isArray(parsed)) return parsed;
  }
  return word
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => coerce(element, part));
}

/** `--fields '{"a":"b"}'` or `--fields a=b --fields c=d` (or both, merged left to right). */
function objectValue(flag: FieldFlag, words: readonly string[], given: string): Record<string, unknown> {
  const inner = unwrap(flag.schema);
  const valueSchema = (key: string): z.ZodType | undefined =>
    inner instanceof z.ZodObject
      ? (inner.shape as Record<string, z.ZodType>)[key]
      : inner instanceof z.ZodRecord
        ? (inner.valueType as z.ZodType)
        : undefined;
  const result: Record<string, unknown> = {};
  for (const word of words) {
    if (word.trimStart().startsWith('{')) {
      const parsed = parseJson(word);
      if (parsed === undefined || typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new UsageError(
          `--${given}: "${word}" is not a JSON object; give JSON like {"key":"value"} or key=value.`,
        );
      }
      Object.assign(result, parsed);
      continue;
    }
    const equals = word.indexOf('=');
    if (equals <= 0) {
      throw new UsageError(
        `--${given}: "${word}" is neither JSON nor key=value; give {"key":"value"} or key=value.`,
      );
    }
    const key = word.slice(0, equals);
    const schema = valueSchema(key);
    result[key] = schema ? coerce(schema, word.slice(equals + 1)) : word.slice(equals + 1);
  }
  return result;
}

function parseJson(word: string): unknown {
  try {
    return JSON.parse(word);
  } catch {
    return undefined;
  }
}

/**
 * A word from the command line as the field wants it: core's reading, shared with Slack, plus
 * `null` to clear a nullable field (`--changes category=null`).
 */
function coerce(schema: z.ZodType, word: string): unknown {
  return coerceWord(schema, word, { null: true });
}

/** The operation's schema has the last word; its problems are told by flag name. */
export function validateInput(
  catalog: OperationCatalog,
  spec: CommandSpec,
  raw: Record<string, unknown>,
): unknown {
  try {
    return catalog.parseInput(spec.operation.name, raw);
  } catch (error) {
    if (!(error instanceof OperationInputError)) throw error;
    throw new UsageError(inputErrorText(error, raw));
  }
}

/** `--alive-before-days: Too small … (got "0")`: each problem by the flag that set the field. */
export function inputErrorText(error: OperationInputError, raw: Record<string, unknown> = {}): string {
  return error.problems
    .map((problem) => {
      const [top, ...rest] = problem.field.split('.');
      const flag = top ? `--${kebabCase(top)}${rest.length > 0 ? ` (${rest.join('.')})` : ''}` : 'input';
      const value = top && rest.length === 0 ? raw[top] : undefined;
      return `${flag}: ${problem.message}${typeof value === 'string' ? ` (got "${value}")` : ''}`;
    })
    .join('\n');
}

/**
 * Flags every command shares, given before the command (`sumo-ops --demo collectors offline`),
 * moved after it, where the command's own parsing reads them with its flags. Only the leading
 * run of known global flags moves; the first other word is the command.
 */
export function globalFlagsLast(argv: readonly string[]): string[] {
  const byName = globalFlagsByName();
  let index = 0;
  while (index < argv.length) {
    const word = argv[index] as string;
    const flag = byName.get(word.split('=')[0] as string);
    if (!flag || flag.flag === 'help') break;
    index += flag.type === 'string' && !word.includes('=') ? 2 : 1;
  }
  const command = argv.slice(index);
  // After `--` every word is an argument, not a flag: the moved flags go before it.
  const end = command.indexOf('--');
  const at = end === -1 ? command.length : end;
  return [...command.slice(0, at), ...argv.slice(0, index), ...command.slice(at)];
}

export function stringFlag(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function globalFlagsByName(): Map<string, GlobalFlag> {
  const byName = new Map<string, GlobalFlag>();
  for (const flag of GLOBAL_FLAGS) {
    byName.set(`--${flag.flag}`, flag);
    if (flag.short) byName.set(`-${flag.short}`, flag);
  }
  return byName;
}

/**
 * Takes the global flags `names` out of the arguments of a command that parses its own (`check`,
 * `config`), wherever they stand before any `--`: `sumo-ops --quiet check` reaches check as
 * `check --quiet`. Returns their values and the other words.
 */
export function takeGlobalFlags(
  args: readonly string[],
  names: readonly string[],
): { globals: Record<string, string | boolean>; rest: string[] } {
  const byName = globalFlagsByName();
  const globals: Record<string, string | boolean> = {};
  const rest: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const word = args[index] as string;
    if (word === '--') {
      rest.push(...args.slice(index));
      break;
    }
    const [name, inline] = word.split(/=(.*)/s) as [string, string | undefined];
    const flag = byName.get(name);
    if (!flag || !names.includes(flag.flag)) {
      rest.push(word);
      continue;
    }
    if (flag.type === 'boolean') globals[flag.flag] = true;
    else {
      if (inline === undefined) index += 1;
      const value = inline ?? args[index];
      if (value === undefined || value.startsWith('-'))
        throw new UsageError(`--${flag.flag} needs a value: --${flag.flag} <${flag.flag}>.`);
      globals[flag.flag] = value;
    }
  }
  return { globals, rest };
}
