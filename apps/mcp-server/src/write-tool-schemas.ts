import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SumoClient, silentLogger } from '@sumo-ops/core';
import { createSumoOpsMcp } from './runtime.js';
import { makeToolSchemas, TOOL_SCHEMAS_FILE } from './tool-schemas.js';

// Build step (after tsc): dist/tool-schemas.json for the bin, from every tool of the product's
// catalog. The client is never called; it only completes the tools.
const client = new SumoClient({
  accessId: 'build',
  accessKey: 'build',
  apiUrl: 'http://127.0.0.1/api',
  env: {},
});
const { tools } = createSumoOpsMcp({ client, logger: silentLogger });
writeFileSync(TOOL_SCHEMAS_FILE, `${JSON.stringify(makeToolSchemas(tools))}\n`);
process.stdout.write(`${fileURLToPath(TOOL_SCHEMAS_FILE)}: ${tools.length} tools\n`);
