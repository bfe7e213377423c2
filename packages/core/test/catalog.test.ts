import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  allOperations,
  ConfirmationRequiredError,
  createCatalog,
  defineOperation,
  OperationInputError,
  SumoClient,
  silentLogger,
  TOOLSETS,
  undescribedFields,
} from '../src/index.js';

describe('the operation catalog', () => {
  it('describes every operation completely enough for every front end', () => {
    expect(allOperations.length).toBeGreaterThanOrEqual(23);
    for (const operation of allOperations) {
      expect(undescribedFields(operation.input), operation.name).toEqual([]);
      expect(TOOLSETS).toContain(operation.toolset);
      expect(operation.description.length, operation.name).toBeGreaterThan(40);
      if (operation.kind !== 'read') expect(operation.preview, operation.name).toBeTypeOf('function');
    }
    expect(new Set(allOperations.map((operation) => operation.name)).size).toBe(allOperations.length);
  });

  it('marks every delete and upgrade destructive', () => {
    const destructive = allOperations
      .filter((operation) => operation.kind === 'destructive')
      .map((op) => op.name);
    for (const name of allOperations.map((operation) => operation.name)) {
      if (/^(delete_|upgrade_collector)/.test(name)) expect(destructive).toContain(name);
    }
  });

  it('names the field and the fix when input is invalid', () => {
    const catalog = createCatalog();
    const error = (() => {
      try {
        catalog.parseInput('list_collectors', { limit: 5000, offset: -1 });
      } catch (caught) {
        return caught as OperationInputError;
      }
    })();
    expect(error).toBeInstanceOf(OperationInputError);
    expect(error?.problems.map((problem) => problem.field).sort()).toEqual(['limit', 'offset']);
    expect(error?.message).toMatch(/limit: limit can be at most 1000; use offset to read further pages/);
  });

  it('refuses to run a write or destructive operation without confirmation, before any API call', async () => {
    const catalog = createCatalog();
    // No server listens here: reaching the network would fail differently.
    const client = new SumoClient({
      accessId: 'id',
      accessKey: 'key-123456',
      apiUrl: 'http://127.0.0.1:9/api',
      env: {},
    });
    const ctx = { client, logger: silentLogger };
    for (const operation of catalog.list().filter((op) => op.kind !== 'read')) {
      await expect(catalog.run(operation.name, ctx, {}), operation.name).rejects.toBeInstanceOf(
        ConfirmationRequiredError,
      );
    }
    await client.close();
  });

  it('filters by toolset and read-only', () => {
    const catalog = createCatalog();
    expect(catalog.list({ readOnly: true }).every((operation) => operation.kind === 'read')).toBe(true);
    expect(catalog.list({ toolsets: ['search'] }).length).toBeGreaterThan(0);
    expect(catalog.list({ toolsets: ['search'] }).some((operation) => operation.toolset !== 'search')).toBe(
      false,
    );
  });

  it('refuses definitions that front ends could not render or confirm', () => {
    const base = { toolset: 'collectors' as const, title: 't', description: 'd', output: z.object({}) };
    expect(() =>
      defineOperation({ ...base, name: 'BadName', kind: 'read', input: z.object({}), run: async () => ({}) }),
    ).toThrow(/snake_case/);
    expect(() =>
      defineOperation({
        ...base,
        name: 'no_preview',
        kind: 'destructive',
        input: z.object({}),
        run: async () => ({}),
      }),
    ).toThrow(/needs a preview/);
    expect(() =>
      defineOperation({
        ...base,
        name: 'undocumented',
        kind: 'read',
        input: z.object({ x: z.string() }),
        run: async () => ({}),
      }),
    ).toThrow(/without a description: x/);
  });
});
