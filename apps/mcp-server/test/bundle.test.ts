import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));

describe('the bundled sumo-ops-mcp', () => {
  it('carries no chart renderer: the server never draws (its MCP App view draws in the host)', async () => {
    const chunks = (await readdir(DIST)).filter((file) => /^bin(-.*)?\.js$/.test(file));
    expect(chunks).toContain('bin.js');
    for (const chunk of chunks) {
      const code = await readFile(`${DIST}${chunk}`, 'utf8');
      // Marks of each library's own code, as esbuild copies it in.
      expect(code, chunk).not.toMatch(/node_modules\/(\.pnpm\/)?(vega|vega-lite|@resvg\/resvg-js)[@/]/);
      expect(code, chunk).not.toContain('@resvg/resvg-js');
    }
    const manifest = JSON.parse(await readFile(`${DIST}../package.json`, 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies)).not.toContain('@resvg/resvg-js');
    expect(Object.keys(manifest.dependencies)).not.toContain('@modelcontextprotocol/ext-apps');
  });
});
