import { createHash } from 'node:crypto';
import { MINUTE_MS } from '../durations.js';
import type { HealthIncident } from './health-events.js';

/**
 * A collector build that is bad: upgrading to it succeeds, and a little later a share of the
 * collectors that took it stop heartbeating, or raise an Error health event. Which ones is a
 * pure function of the simulator's seed, the build and the collector, so a run replays exactly.
 */
export interface BadBuild {
  version: string;
  /** From 0 to 1: the share of upgraded collectors it breaks. */
  share: number;
  effect: 'stops heartbeating' | 'health error';
  /** Simulated ms between the task's success and the breakage. Default one minute. */
  afterMs?: number;
}

export const DEFAULT_BREAK_AFTER_MS = MINUTE_MS;

/** Whether `build` breaks this collector: the same answer for the same seed every time. */
export function breaksCollector(seed: number, build: BadBuild, collectorId: number): boolean {
  const digest = createHash('sha1').update(`${seed}:${build.version}:${collectorId}`).digest();
  return digest.readUInt32BE(0) / 0x1_0000_0000 < build.share;
}

export function badBuildIncident(version: string): HealthIncident {
  return {
    eventName: 'CollectorCrashLoop',
    trackerId: 'CollectorRestarting',
    error: `The collector keeps restarting since it moved to build ${version}`,
    description: 'The collector process exits shortly after it starts; collection is interrupted.',
    severityLevel: 'Error',
    subsystem: 'Collection',
  };
}

export function badBuildProblem(build: BadBuild): string | undefined {
  if (!(build.share >= 0 && build.share <= 1)) return 'share must be from 0 to 1';
  if (build.afterMs !== undefined && !(build.afterMs >= 0)) return 'afterMs must be 0 or more';
  return undefined;
}
