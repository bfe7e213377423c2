#!/usr/bin/env node
import module, { createRequire } from 'node:module';

/**
 * The `sumo-ops` executable, kept to what must happen before anything else is loaded, because a
 * person waits for it at every command (bench/cold-start): V8's compile cache, so later runs skip
 * compiling the command line (Node ≥ 22.1; Node 20 has none and runs without), and `--version`
 * answered from package.json alone, as run.ts answers it. Everything else is main.ts.
 */
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

if (process.argv[2] === '--version') {
  const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
  process.stdout.write(`${version}\n`);
} else {
  await import('./main.js');
}
