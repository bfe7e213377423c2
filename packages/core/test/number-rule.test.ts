import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCatalog, numberRule, type OperationInputError } from '../src/index.js';

describe('numberRule', () => {
  it.each([
    [z.number().int().min(1).default(30), 'a whole number of at least 1'],
    [z.number().int().min(0), 'a whole number of at least 0'],
    [z.number().int().min(1).max(1000).optional(), 'a whole number from 1 to 1000'],
    [z.number().int().max(10), 'a whole number of at most 10'],
    [z.number().int(), 'a whole number'],
    [z.number().positive(), 'a number greater than 0'],
    [z.number(), 'a number'],
  ])('reads the rule off the schema: %#', (schema, rule) => {
    expect(numberRule(schema)).toBe(rule);
  });

  it('has no rule for fields that are not purely numbers', () => {
    expect(numberRule(z.union([z.string(), z.number()]))).toBeUndefined();
    expect(numberRule(z.string())).toBeUndefined();
    expect(numberRule(z.array(z.number()))).toBeUndefined();
  });

  it('states the catalog’s own number fields', () => {
    const catalog = createCatalog();
    const shape = (name: string) =>
      (catalog.require(name).input as unknown as { shape: Record<string, z.ZodType> }).shape;
    expect(numberRule(shape('list_offline_collectors').aliveBeforeDays as z.ZodType)).toBe(
      'a whole number of at least 1',
    );
    expect(numberRule(shape('list_collectors').offset as z.ZodType)).toBe('a whole number of at least 0');
    expect(numberRule(shape('list_collectors').limit as z.ZodType)).toMatch(/^a whole number from 1 to \d+$/);
  });
});

describe('a number field given another type', () => {
  it('is answered with its rule, not "expected number, received string"', () => {
    const problems = (raw: unknown) => {
      try {
        createCatalog().parseInput('list_offline_collectors', raw);
      } catch (error) {
        return (error as OperationInputError).problems;
      }
      throw new Error('the input was accepted');
    };
    expect(problems({ aliveBeforeDays: 'soon' })).toEqual([
      { field: 'aliveBeforeDays', message: 'must be a whole number of at least 1' },
    ]);
    // Within its type, the field's own messages still speak.
    expect(problems({ aliveBeforeDays: 0 })[0]?.message).toContain('at least 1');
  });
});
