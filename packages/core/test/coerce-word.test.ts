import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { coerceWord } from '../src/index.js';

describe('coerceWord', () => {
  it('reads a word the way the field wants it', () => {
    expect(coerceWord(z.number(), '5')).toBe(5);
    expect(coerceWord(z.string(), '5')).toBe('5');
    expect(coerceWord(z.boolean(), 'yes')).toBe(true);
    expect(coerceWord(z.boolean(), 'False')).toBe(false);
    expect(coerceWord(z.array(z.number()), '1,2')).toEqual([1, 2]);
    expect(coerceWord(z.array(z.string()), 'a')).toEqual(['a']);
    expect(coerceWord(z.record(z.string(), z.string()), '{"a":"b"}')).toEqual({ a: 'b' });
    expect(coerceWord(z.union([z.string(), z.number()]), '42')).toBe(42);
  });

  it('keeps a 16-hex-digit id as written where the field takes text, even when its digits are all decimal', () => {
    const collector = z.union([z.number().int().positive(), z.string()]);
    expect(coerceWord(collector, '0000000005123456')).toBe('0000000005123456');
    expect(coerceWord(collector, '0000000005F5E10E')).toBe('0000000005F5E10E');
    expect(coerceWord(collector, '100000010')).toBe(100000010);
    expect(coerceWord(z.number(), '0000000005123456')).toBe(5123456);
  });

  it('reads null as null only when asked, and only for a field that takes it', () => {
    const nullable = z.string().nullable();
    expect(coerceWord(nullable, 'null', { null: true })).toBeNull();
    expect(coerceWord(nullable, 'null')).toBe('null');
    expect(coerceWord(z.string(), 'null', { null: true })).toBe('null');
  });

  it('passes on a reading of the right type when none fits, so the schema names the rule', () => {
    expect(coerceWord(z.array(z.enum(['a', 'b'])), 'c')).toEqual(['c']);
    expect(coerceWord(z.number().min(2), '1')).toBe(1);
    expect(coerceWord(z.number(), 'many')).toBe('many');
  });
});
