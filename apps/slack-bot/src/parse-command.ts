import {
  type AnyOperation,
  coerceWord,
  numberRule,
  type OperationCatalog,
  OperationInputError,
} from '@sumo-ops/core';
import type { z } from 'zod';
import { type ArgumentSpec, inputFields, kebabCase, type SubcommandSpec, subcommandsFor } from './grammar.js';

export type ParsedCommand =
  | { kind: 'help'; topic?: SubcommandSpec | undefined }
  | {
      kind: 'invoke';
      spec: SubcommandSpec;
      operation: AnyOperation;
      input: unknown;
      /** The input fields the command named (`tz=` as `timeZone`), not those left to their defaults. */
      named: readonly string[];
      /** How unquoted words were read where another reading was possible, for the reply to say. */
      reading?: string | undefined;
    }
  | { kind: 'usage'; message: string; spec?: SubcommandSpec | undefined };

interface Token {
  /** The word with its quotes removed. */
  value: string;
  /** Where the word starts and ends in the text, quotes included. */
  start: number;
  end: number;
  /** For `key=value` words whose key is a bare identifier. */
  key?: string;
  keyValue?: string;
}

/**
 * Slack sends command text HTML-escaped (`&amp;`, `&lt;`, `&gt;`), and its clients may turn
 * straight quotes into curly ones; neither is what the person meant.
 */
export function normaliseCommandText(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/[\u201c\u201d\u201e\u201f]/g, '"')
    .trim();
}

/** Splits on whitespace outside double quotes. Throws on an unclosed quote. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    while (index < text.length && /\s/.test(text[index] as string)) index += 1;
    if (index >= text.length) break;
    const start = index;
    const json = /^[A-Za-z_][A-Za-z0-9_]*=[[{]/.exec(text.slice(start));
    if (json) {
      index = scanJson(text, start + json[0].length - 1);
      const rawToken = text.slice(start, index);
      const key = rawToken.slice(0, rawToken.indexOf('='));
      tokens.push({ value: rawToken, start, end: index, key, keyValue: rawToken.slice(key.length + 1) });
      continue;
    }
    let value = '';
    let quoted = false;
    while (index < text.length && (quoted || !/\s/.test(text[index] as string))) {
      const char = text[index] as string;
      if (char === '"') quoted = !quoted;
      else value += char;
      index += 1;
    }
    if (quoted)
      throw new UsageError(
        'A double quote is not closed: put quotes around names with spaces, e.g. "web prod 01".',
      );
    const token: Token = { value, start, end: index };
    const keyMatch = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(text.slice(start, index));
    if (keyMatch?.[1]) {
      token.key = keyMatch[1];
      token.keyValue = value.slice(keyMatch[1].length + 1);
    }
    tokens.push(token);
  }
  return tokens;
}

/**
 * `changes={"category": "prod web"}`: a JSON value keeps its quotes and may hold spaces, so it
 * ends where its brackets balance, not at the first space. Returns the index after it.
 */
function scanJson(text: string, open: number): number {
  let depth = 0;
  let inString = false;
  for (let index = open; index < text.length; index += 1) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') depth += 1;
    else if (char === '}' || char === ']') {
      depth -= 1;
      if (depth === 0) return index + 1;
    }
  }
  throw new UsageError('A JSON value is not closed: check its brackets and quotes.');
}

class UsageError extends Error {}

/**
 * Turns `/sumo` text into an operation and its validated input, or a usage message. Pure: no
 * API call, no Slack call; the operation's own input schema has the last word on every value.
 */
export function parseCommand(rawText: string, catalog: OperationCatalog): ParsedCommand {
  const specs = subcommandsFor(catalog);
  const text = normaliseCommandText(rawText);
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (error) {
    return { kind: 'usage', message: (error as Error).message };
  }
  const [first, ...rest] = tokens;
  if (!first || /^(help|-h|--help|\?)$/i.test(first.value)) {
    const topicName = rest[0]?.value.toLowerCase();
    if (topicName === undefined) return { kind: 'help' };
    const topic = specs.find((spec) => answersTo(spec, topicName));
    if (!topic) return { kind: 'usage', message: `There is no subcommand \`${topicName}\`.` };
    return { kind: 'help', topic };
  }
  const spec = findSubcommand(first.value, specs);
  if (!spec) return { kind: 'usage', message: `There is no subcommand \`${first.value}\`.` };
  const operation = catalog.require(spec.operation);
  try {
    const { raw, reading } = buildRawInput(spec, operation, text, rest);
    const input = catalog.parseInput(spec.operation, raw);
    const named = Object.keys(raw);
    return { kind: 'invoke', spec, operation, input, named, ...(reading ? { reading } : {}) };
  } catch (error) {
    if (error instanceof UsageError) return { kind: 'usage', message: error.message, spec };
    if (error instanceof OperationInputError) {
      const message = error.problems
        .map((problem) => `${displayName(spec, problem.field)}: ${problem.message}`)
        .join('\n');
      return { kind: 'usage', message, spec };
    }
    throw error;
  }
}

/**
 * A subcommand answers to its own word and to its operation's name, snake or kebab case, so
 * `/sumo list-health-events` still works where the grammar also offers `/sumo health`.
 */
function answersTo(spec: SubcommandSpec, word: string): boolean {
  return spec.name === word || spec.operation === word || kebabCase(spec.operation) === word;
}

export function findSubcommand(word: string, specs: readonly SubcommandSpec[]): SubcommandSpec | undefined {
  const name = word.toLowerCase();
  return specs.find((candidate) => answersTo(candidate, name));
}

/** The input field a `key=value` word sets in this subcommand, if it is one of its options. */
export function optionField(spec: SubcommandSpec, operation: AnyOperation, key: string): string | undefined {
  return (
    spec.aliases?.[key] ??
    spec.aliases?.[key.toLowerCase()] ??
    Object.keys(inputFields(operation)).find((field) => field.toLowerCase() === key.toLowerCase())
  );
}

function buildRawInput(spec: SubcommandSpec, operation: AnyOperation, text: string, tokens: Token[]) {
  const fields = inputFields(operation);
  const fieldNames = Object.keys(fields);
  const hasRest = spec.args.some((arg) => arg.rest);
  const resolveKey = (key: string) => optionField(spec, operation, key);

  const raw: Record<string, unknown> = {};
  const positional: Token[] = [];
  for (const token of tokens) {
    const field = token.key === undefined ? undefined : resolveKey(token.key);
    if (token.key === undefined || field === undefined) {
      // Inside a search query `_sourceCategory=prod` is query text, not an option.
      if (token.key !== undefined && !hasRest) {
        throw new UsageError(
          `\`${token.key}\` is not an option of \`${spec.name}\`. ${optionsSentence(spec, fieldNames)}`,
        );
      }
      positional.push(token);
      continue;
    }
    if (field in raw) throw new UsageError(`\`${token.key}\` is given twice.`);
    raw[field] = readWord(operation, field, token.key, token.keyValue ?? '');
  }

  // An argument recognised by its shape is taken out first, so it may come anywhere. A lone word
  // stays for the required argument before it: `upgrade 19.470-4` names a collector.
  const needsWord = spec.args.some((arg) => !arg.match && !arg.optional);
  const matched: Array<{ arg: ArgumentSpec; word: Token }> = [];
  for (const arg of spec.args) {
    if (!arg.match) continue;
    const index = arg.atEnd
      ? positional.length - 1
      : positional.findLastIndex((token) => arg.match?.test(token.value));
    const word = positional[index];
    if (word === undefined || !arg.match.test(word.value)) continue;
    if (needsWord && positional.length === 1) continue;
    if (arg.field in raw) throw new UsageError(`\`${arg.label}\` is given twice.`);
    raw[arg.field] = readWord(operation, arg.field, arg.label, word.value);
    positional.splice(index, 1);
    matched.push({ arg, word });
  }
  let reading: string | undefined;
  let next = 0;
  for (const arg of spec.args) {
    if (arg.match) continue;
    const remaining = positional.slice(next);
    const alone =
      remaining.length === 1 ? arg.words?.[(remaining[0] as Token).value.toLowerCase()] : undefined;
    if (alone) {
      Object.assign(raw, alone);
      next = positional.length;
    } else if (arg.name && remaining.length > 1 && !remaining.some((word) => isQuoted(text, word))) {
      next = positional.length;
      if (arg.field in raw) throw new UsageError(`\`${arg.label}\` is given twice.`);
      const name = spanAsTyped(text, remaining);
      raw[arg.field] = name;
      reading = readingOf(arg, name, matched);
    } else if (arg.rest) {
      // Beside an explicit `query=`, other words are not part of it: refused below, not dropped.
      if (!(arg.field in raw)) {
        next = positional.length;
        if (remaining.length > 0) raw[arg.field] = rawSpan(text, remaining);
      }
    } else if (arg.list) {
      next = positional.length;
      if (remaining.length > 0 && !(arg.field in raw)) raw[arg.field] = remaining.map((token) => token.value);
    } else {
      const word = positional[next];
      if (word !== undefined) {
        next += 1;
        if (arg.field in raw) throw new UsageError(`\`${arg.label}\` is given twice.`);
        raw[arg.field] = readWord(operation, arg.field, arg.label, word.value);
      }
    }
    const given = arg.field in raw || (alone !== undefined && Object.keys(alone).some((key) => key in raw));
    if (!arg.optional && !given) throw new UsageError(`\`${arg.label}\` is missing.`);
  }
  if (next < positional.length) {
    const extra = positional.slice(next).map((token) => token.value);
    throw new UsageError(
      `Unexpected \`${extra.join(' ')}\`: quote names with spaces. ${optionsSentence(spec, fieldNames)}`,
    );
  }
  return { raw, reading };
}

function isQuoted(text: string, word: Token): boolean {
  return text.slice(word.start, word.end).includes('"');
}

/** Words as typed, with the spaces typed between them; an option between two words counts as one space. */
function spanAsTyped(text: string, words: Token[]): string {
  return words
    .map((word, index) => {
      const previous = words[index - 1];
      if (previous === undefined) return word.value;
      const between = text.slice(previous.end, word.start);
      return `${/^\s+$/.test(between) ? between : ' '}${word.value}`;
    })
    .join('');
}

/** `Staging Area 19.470-4` could be one name: say which reading was taken and how to get the other. */
function readingOf(arg: ArgumentSpec, name: string, matched: Array<{ arg: ArgumentSpec; word: Token }>) {
  const shown = `\`${name.replace(/`/g, "'")}\``;
  const also = matched.map(({ arg: other, word }) => ` and \`${word.value}\` as the ${other.label}`).join('');
  const other =
    matched.length > 0
      ? ` If \`${matched.map(({ word }) => word.value).join(' ')}\` is part of the name, quote the whole name.`
      : '';
  return `Read ${shown} as one ${arg.label === 'id|name' ? 'collector' : arg.label} name${also}.${other}`;
}

/** The words as typed, quotes included; runs broken by options are joined by one space. */
function rawSpan(text: string, words: Token[]): string {
  return words.map((word) => text.slice(word.start, word.end)).join(' ');
}

function optionsSentence(spec: SubcommandSpec, fieldNames: string[]): string {
  const names = [...Object.keys(spec.aliases ?? {}), ...fieldNames];
  return names.length > 0
    ? `Options: ${[...new Set(names)].map((n) => `\`${n}=\``).join(', ')}.`
    : 'It takes no options.';
}

function displayName(spec: SubcommandSpec, field: string): string {
  const top = field.split('.')[0] ?? field;
  const arg = spec.args.find((candidate) => candidate.field === top);
  if (arg) return `<${arg.label}>`;
  return field === '' ? 'input' : field;
}

function fieldSchema(operation: AnyOperation, field: string): z.ZodType | undefined {
  return (operation.input as unknown as { shape?: Record<string, z.ZodType> }).shape?.[field];
}

/**
 * A word for a field, as the field wants it. A number field refuses a word it cannot take with
 * its rule, read off the schema, by the name the person typed: "days must be a whole number of
 * at least 1", not "expected number, received string".
 */
function readWord(operation: AnyOperation, field: string, label: string, word: string): unknown {
  const schema = fieldSchema(operation, field);
  const value = coerceWord(schema, word);
  const rule = schema && !schema.safeParse(value).success ? numberRule(schema) : undefined;
  if (rule) throw new UsageError(`${label} must be ${rule}${word === '' ? '' : `, not \`${word}\``}.`);
  return value;
}
