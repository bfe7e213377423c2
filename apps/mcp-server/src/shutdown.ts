import { type Logger, rolloutRunner, searchJobRegistry } from '@sumo-ops/core';
import type { SumoConnection, SumoOpsMcp } from './runtime.js';

/** How long tool calls in flight may run on once a shutdown starts, before they are aborted. */
export const SHUTDOWN_GRACE_MS = 5_000;
/** The whole shutdown, grace period included; orchestrators kill after 10 s (Kubernetes: 30 s). */
export const SHUTDOWN_DEADLINE_MS = 9_000;

export interface ShutdownSteps {
  /** What started it: a signal's name, or "stdin closed". */
  reason: string;
  mcp: SumoOpsMcp;
  connection: SumoConnection;
  logger: Logger;
  /** Stop taking new connections; called first. */
  stopAccepting(): void;
  /** Close the transport; called once calls in flight are done or aborted. */
  closeTransport(): Promise<void>;
  graceMs?: number;
}

/**
 * Stops taking work, lets calls in flight finish (for a bounded time, then aborts them, which
 * deletes the search jobs they started), deletes the kept search jobs that only this process can
 * continue (with shared state, kept jobs stay for other replicas), then closes the client and the
 * shared state (releasing rate-limit leases). Logs one line saying what was cleaned up.
 */
export async function shutDown(steps: ShutdownSteps): Promise<void> {
  const started = Date.now();
  steps.logger.info('shutting down', { reason: steps.reason });
  steps.stopAccepting();
  const calls = await steps.mcp.drain(steps.graceMs ?? SHUTDOWN_GRACE_MS);
  // The SDK sends a finished call's answer a few promise turns after the call settles.
  await new Promise((resolve) => setImmediate(resolve));
  await steps.closeTransport().catch(() => undefined);
  // Before the stores close: handing kept jobs to other replicas releases leases in Redis.
  const searches = await searchJobRegistry.shutdown().catch((error: unknown) => {
    steps.logger.warn('search jobs could not all be cleaned up', {
      error: error instanceof Error ? error.message : String(error),
    });
    return undefined;
  });
  // A rollout's lease is handed back so another replica (or the next start) carries it on at once.
  await rolloutRunner.shutdown();
  await steps.connection.close();
  steps.logger.info('shut down', {
    reason: steps.reason,
    callsFinished: calls.finished,
    callsAborted: calls.aborted,
    searchJobsDeleted: searches?.deleted,
    searchJobsLeftForReplicas: searches?.leftForReplicas,
    ms: Date.now() - started,
  });
}
