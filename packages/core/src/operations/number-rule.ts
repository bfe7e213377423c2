import { z } from 'zod';

/**
 * What a number field accepts, in words read off its schema ("a whole number of at least 1",
 * "a whole number from 1 to 1000"), or undefined when the field is not purely a number. Front
 * ends that read numbers from words (a slash command, a command line) use it to say the rule
 * instead of "expected number, received string".
 */
export function numberRule(schema: z.ZodType): string | undefined {
  let json: Record<string, unknown>;
  try {
    json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (json.type !== 'integer' && json.type !== 'number') return undefined;
  const noun = json.type === 'integer' ? 'a whole number' : 'a number';
  // int() adds the safe-integer range as bounds: nothing a person needs to read.
  const bound = (key: string) => {
    const value = json[key];
    return typeof value === 'number' && Math.abs(value) < Number.MAX_SAFE_INTEGER ? value : undefined;
  };
  const [min, max] = [bound('minimum'), bound('maximum')];
  const [above, below] = [bound('exclusiveMinimum'), bound('exclusiveMaximum')];
  if (min !== undefined && max !== undefined) return `${noun} from ${min} to ${max}`;
  const limits = [
    min !== undefined ? `at least ${min}` : undefined,
    above !== undefined ? `greater than ${above}` : undefined,
    max !== undefined ? `at most ${max}` : undefined,
    below !== undefined ? `less than ${below}` : undefined,
  ].filter((limit) => limit !== undefined);
  if (limits.length === 0) return noun;
  return `${noun} ${min !== undefined || max !== undefined ? 'of ' : ''}${limits.join(' and ')}`;
}
