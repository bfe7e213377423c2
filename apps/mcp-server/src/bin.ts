#!/usr/bin/env node
import module from 'node:module';

/**
 * The `sumo-ops-mcp` executable. An assistant starts it at every session and waits for its
 * `tools/list` (bench/cold-start), so V8's compile cache is switched on before the server is
 * loaded: later starts skip compiling it (Node ≥ 22.1; Node 20 has none and runs without).
 */
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

await import('./main.js');
