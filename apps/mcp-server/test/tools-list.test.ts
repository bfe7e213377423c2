import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { allOperations, createCatalog, TOOLSETS } from '@sumo-ops/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function listTools(options: Parameters<typeof startHarness>[0] = {}): Promise<Tool[]> {
  harness = await startHarness(options);
  return (await harness.client.listTools()).tools;
}

const catalog = createCatalog();

describe('tools/list', () => {
  it('offers every catalog operation as a tool, and nothing else', async () => {
    const tools = await listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(
      allOperations.map((operation) => operation.name).sort(),
    );
    for (const tool of tools) {
      const operation = catalog.require(tool.name);
      expect(tool.title).toBe(operation.title);
      expect(tool.description?.startsWith(operation.description)).toBe(true);
      expect(tool.outputSchema?.type).toBe('object');
    }
  });

  it('sets all four annotation hints, derived from the operation kind', async () => {
    for (const tool of await listTools()) {
      const { kind } = catalog.require(tool.name);
      expect(tool.annotations).toMatchObject({
        readOnlyHint: kind === 'read',
        destructiveHint: kind === 'destructive',
        openWorldHint: true,
      });
      expect(typeof tool.annotations?.idempotentHint).toBe('boolean');
    }
  });

  it('describes every parameter, and gives only changing tools a confirmationToken', async () => {
    const tools = await listTools();
    for (const tool of tools) {
      const properties = (tool.inputSchema.properties ?? {}) as Record<string, { description?: string }>;
      for (const [name, property] of Object.entries(properties)) {
        expect(property.description, `${tool.name}.${name}`).toBeTruthy();
      }
      expect('confirmationToken' in properties).toBe(!tool.annotations?.readOnlyHint);
      expect(tool.inputSchema.required ?? []).not.toContain('confirmationToken');
    }
    const changing = tools.filter((tool) => !tool.annotations?.readOnlyHint);
    expect(changing.length).toBeGreaterThan(0);
    for (const tool of changing) {
      const properties = (tool.outputSchema?.properties ?? {}) as Record<string, { enum?: string[] }>;
      const status = properties.status;
      expect(status?.enum).toContain('confirmation_required');
    }
  });

  it('matches the reviewed snapshot of what the model sees', async () => {
    const tools = await listTools();
    await expect(`${JSON.stringify(tools, null, 2)}\n`).toMatchFileSnapshot(
      './__snapshots__/tools-list.json',
    );
  });

  it('lists no tool that can change anything in read-only mode', async () => {
    const tools = await listTools({ readOnly: true });
    expect(tools.length).toBeGreaterThan(0);
    expect(tools.every((tool) => tool.annotations?.readOnlyHint === true)).toBe(true);
    expect(tools.map((tool) => tool.name).sort()).toEqual(
      catalog
        .list({ readOnly: true })
        .map((operation) => operation.name)
        .sort(),
    );
  });

  it.each(TOOLSETS)('lists only the %s toolset when asked to', async (toolset) => {
    const tools = await listTools({ toolsets: [toolset] });
    const expected = catalog.list({ toolsets: [toolset] }).map((operation) => operation.name);
    expect(expected.length).toBeGreaterThan(0);
    expect(tools.map((tool) => tool.name).sort()).toEqual(expected.sort());
  });
});
