import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { allOperations, createCatalog, TOOLSETS } from '@sumo-ops/core';
import { afterEach, describe, expect, it } from 'vitest';
import { SHARED_PARAMETERS } from '../src/json-schema.js';
import { type Harness, startHarness } from './support/harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** What an assistant pays, on average per tool, for this server's tools in every conversation. */
const TOOLS_LIST_BYTES_PER_TOOL = 1_050;

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

  it('fits every tool in 1,050 bytes of compact JSON on average, each with its schemas, four hints and when to use it at what cost', async () => {
    harness = await startHarness();
    const listed = await harness.client.listTools();
    expect(listed.tools).toHaveLength(allOperations.length);
    expect(Buffer.byteLength(JSON.stringify(listed)) / listed.tools.length).toBeLessThanOrEqual(
      TOOLS_LIST_BYTES_PER_TOOL,
    );
    for (const tool of listed.tools) {
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.inputSchema.additionalProperties, tool.name).toBe(false);
      expect(tool.outputSchema?.type).toBe('object');
      expect(Object.keys(tool.outputSchema?.properties ?? {}).length, tool.name).toBeGreaterThan(0);
      expect(Object.keys(tool.annotations ?? {}).sort()).toEqual([
        'destructiveHint',
        'idempotentHint',
        'openWorldHint',
        'readOnlyHint',
      ]);
      expect(tool.description, tool.name).toMatch(/\d+(–\d+)? API calls?/);
    }
  });

  it('states output types and required fields without prose', async () => {
    for (const tool of await listTools()) {
      const fields = Object.values(tool.outputSchema?.properties ?? {}) as Record<string, unknown>[];
      expect([tool.outputSchema, ...fields].filter((schema) => schema && 'description' in schema)).toEqual(
        [],
      );
      expect(
        fields.every((field) => 'type' in field || 'enum' in field || 'anyOf' in field),
        tool.name,
      ).toBe(true);
      expect(tool.outputSchema?.required?.length ?? 0, tool.name).toBeGreaterThan(0);
    }
  });

  it('describes every parameter, in the tool or once in the instructions, and gives only changing tools a confirmationToken', async () => {
    const tools = await listTools();
    const instructions = harness?.client.getInstructions() ?? '';
    for (const name of SHARED_PARAMETERS) expect(instructions).toMatch(new RegExp(`\\b${name}\\b`));
    for (const tool of tools) {
      const properties = (tool.inputSchema.properties ?? {}) as Record<string, { description?: string }>;
      for (const [name, property] of Object.entries(properties)) {
        const described = Boolean(property.description) !== SHARED_PARAMETERS.includes(name);
        expect(described, `${tool.name}.${name}: described here or in the instructions, once`).toBe(true);
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
