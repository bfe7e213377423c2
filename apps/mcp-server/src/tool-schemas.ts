import { readFileSync } from 'node:fs';
import { inputJsonSchema, type JsonSchema, outputJsonSchema } from './json-schema.js';
import type { ToolSpec } from './tool-types.js';

/**
 * The tools' JSON schemas, made from the product's catalog when the package is built (`pnpm
 * build` runs write-tool-schemas.js) and read by the bin at start. Converting every zod schema to
 * JSON Schema is the largest piece of work between a server's start and its first `tools/list`
 * (tens of milliseconds of code that runs once, so never gets fast), and its result changes only
 * with the catalog, which changes only with a build. Without the file (running from source) they
 * are made at run time, as for any other catalog.
 */
export type MadeToolSchemas = Record<string, { inputSchema: JsonSchema; outputSchema: JsonSchema }>;

/** Beside the module that reads it: dist/ in the package, whether bundled or not. */
export const TOOL_SCHEMAS_FILE = new URL('./tool-schemas.json', import.meta.url);

export function makeToolSchemas(tools: readonly ToolSpec[]): MadeToolSchemas {
  return Object.fromEntries(
    tools.map((tool) => [
      tool.name,
      { inputSchema: inputJsonSchema(tool.inputSchema), outputSchema: outputJsonSchema(tool.outputSchema) },
    ]),
  );
}

/** The schemas made at build, or undefined where there are none (running from source). */
export function readToolSchemas(): MadeToolSchemas | undefined {
  try {
    return JSON.parse(readFileSync(TOOL_SCHEMAS_FILE, 'utf8')) as MadeToolSchemas;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
