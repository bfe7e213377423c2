/**
 * Bundles an app's executable: src/bin.ts and everything it loads — workspace packages and
 * third-party dependencies alike — into dist/bin.js and chunks beside it (dist/bin-*.js), in
 * place of the many files tsc emits. Node resolves and reads each ESM file on its own, so a bin
 * spread over some 700 files of the MCP SDK, zod and undici spends most of its start-up finding
 * and reading them; one file per chunk is what took spawn → `tools/list` from about 5.5 × to
 * about 3.5 × `node -e 0` together with lazy loading (bench/cold-start, BENCHMARKS.md).
 *
 * What a bin loads only on demand (`import()` of the HTTP transport, Redis, prom-client, undici,
 * the demo simulator) stays a chunk of its own, read only when that run needs it. The package's
 * library entry (dist/index.js and the rest of tsc's output) is untouched: it keeps importing its
 * dependencies, which package.json still lists. Run from the app's folder, after tsc.
 */
import { readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const OUT_DIR = 'dist';
const coreRequire = createRequire(new URL('../packages/core/package.json', import.meta.url));

// Chunks of an earlier build have other hashes; leave none behind to be packed.
for (const file of await readdir(OUT_DIR)) {
  if (/^bin-.*\.js(\.map)?$/.test(file)) await rm(join(OUT_DIR, file));
}

await build({
  entryPoints: { bin: 'src/bin.ts' },
  outdir: OUT_DIR,
  chunkNames: 'bin-[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  // Workspace packages from their sources, as the tests run them; tsc has just type-checked them.
  conditions: ['@sumo-ops/source'],
  // CommonJS dependencies (undici, ajv, node-redis) call require() for Node's own modules.
  banner: {
    js: "import { createRequire as createBundleRequire } from 'node:module'; const require = createBundleRequire(import.meta.url);",
  },
  // resvg loads a prebuilt native binary (.node) for the platform it is installed on: it stays a
  // dependency of each app, imported at run time, never copied into the bundle.
  external: ['@resvg/resvg-js'],
  // jsonc-parser's `main` is UMD, whose require() calls esbuild cannot follow: its ES module build
  // is the same code in a form esbuild bundles (core depends on it, so it resolves from there).
  alias: {
    'jsonc-parser': join(dirname(coreRequire.resolve('jsonc-parser/package.json')), 'lib/esm/main.js'),
  },
  sourcemap: true,
  logLevel: 'warning',
});
