// The command line proper, loaded by bin.ts for every run but `sumo-ops --version`.
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { redactText } from '@sumo-ops/core';
import { EXIT } from './exit.js';
import { main } from './run.js';

/** After the first signal, this long to delete search jobs and close; a second signal exits at once. */
const CLEANUP_DEADLINE_MS = 8_000;

/**
 * An export of 1,000,000 messages keeps about 30 MB live, but by default V8 lets the old
 * generation grow to several times what survived its last full collection before collecting
 * again: ~130 MB of parsed and serialised pages piled up as garbage and peak RSS reached 300 MB.
 * Growing it by at most 20% (with core decoding each page as it arrives and the export letting each
 * row go once written) keeps the peak near 150–170 MB at the same messages/s (bench/cli-export);
 * a full collection of 30 MB live costs ~10 ms and the rate limit leaves idle time between pages.
 * Unlike --max-old-space-size this sets no ceiling, so a page of very long messages still fits.
 * It is set here, at run time, because a bin cannot take node flags without re-executing itself
 * (a second node start-up) and NODE_OPTIONS does not accept it; V8 reads it each time it sizes
 * the heap after a full collection, so setting it now takes effect.
 */
setFlagsFromString('--heap-growing-percent=20');

const version = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
const stop = new AbortController();
let stoppedBy: 'signal' | 'pipe' | undefined;

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stoppedBy === 'signal') process.exit(EXIT.interrupted);
    stoppedBy = 'signal';
    stop.abort(new Error(`stopped by ${signal}`));
    setTimeout(() => process.exit(EXIT.interrupted), CLEANUP_DEADLINE_MS).unref();
  });
}
// The reader went away (`| head`): stop the work and clean up as for Ctrl-C, without a word on
// stdout; the reader has what it wanted.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (stoppedBy === undefined) stoppedBy = 'pipe';
  stop.abort(error);
});

main(process.argv.slice(2), {
  // Read only to ask [y/N]: opening stdin costs a command that never asks a good part of its start.
  get stdin() {
    return process.stdin;
  },
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: stop.signal,
  version,
}).then(
  (code) => {
    const final = stoppedBy === 'pipe' ? EXIT.ok : stoppedBy === 'signal' ? EXIT.interrupted : code;
    // Exit explicitly (a demo simulator's sockets would keep the process up), once stdout drains.
    if (stoppedBy === 'pipe') process.exit(final);
    process.stdout.write('', () => process.exit(final));
  },
  (error: unknown) => {
    process.stderr.write(
      `sumo-ops failed: ${redactText(error instanceof Error ? error.message : String(error))}\n`,
    );
    process.exit(EXIT.failed);
  },
);
