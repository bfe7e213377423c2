import type { z } from 'zod';
import { isHexId } from '../api/resource-id.js';

const NUMBER = /^-?\d+(\.\d+)?$/;

export interface WordReadingOptions {
  /**
   * Read `null` as null, so a nullable field can be cleared (`--changes category=null` on the
   * command line); off in Slack, where people type the word to mean the word.
   */
  null?: boolean | undefined;
}

/**
 * A typed word (a Slack word, a command-line value) as the field's schema wants it: numbers,
 * booleans (true/false, yes/no), JSON, the word itself, or a comma-separated list — the first
 * reading the schema accepts. When none fits, one of the field's type is passed on (the word itself
 * when it is one), so the schema's message names the field and its rule rather than "expected
 * object, received string". One reading for every front end, so a word means the same everywhere.
 */
export function coerceWord(
  schema: z.ZodType | undefined,
  word: string,
  options: WordReadingOptions = {},
): unknown {
  if (!schema) return word;
  const item = (part: string) => (NUMBER.test(part) ? Number(part) : part);
  const parts = word
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const readings: unknown[] = [];
  // `0000000005123456` is an OT-style hex id, not the number 5,123,456: where the field takes the
  // word as it is, that reading comes first.
  if (isHexId(word)) readings.push(word);
  if (NUMBER.test(word)) readings.push(Number(word));
  if (/^(true|false|yes|no)$/i.test(word)) readings.push(/^(true|yes)$/i.test(word));
  if (options.null && word === 'null') readings.push(null);
  if (/^\s*[[{]/.test(word)) {
    try {
      readings.push(JSON.parse(word));
    } catch {
      // Not JSON after all: the other readings still apply.
    }
  }
  readings.push(word, parts.map(item), parts);
  const rightType = (reading: unknown) =>
    !schema
      .safeParse(reading)
      .error?.issues.some((issue) => issue.code === 'invalid_type' && issue.path.length === 0);
  // By index: a `null` reading that fits is an answer, not "none found".
  const fits = readings.findIndex((reading) => schema.safeParse(reading).success);
  if (fits !== -1) return readings[fits];
  return [word, ...readings].find(rightType) ?? word;
}
