import { type CollectorRef, findCollector } from '../api/collector-ref.js';
import { type CallOptions, iterateCollectors } from '../api/collectors.js';
import { collect } from '../api/response.js';
import {
  createUpgradeTask,
  getUpgradeTask,
  iterateUpgradableCollectors,
  latestTarget,
} from '../api/upgrades.js';
import type { SumoClient } from '../http/client.js';
import { isSumoApiError } from '../http/errors.js';
import { sleep } from '../http/sleep.js';
import { type Collector, isHosted } from '../schemas/collector.js';
import type { UpgradeTarget } from '../schemas/upgrade-target.js';
import { isFinalUpgradeStatus, upgradeStatusName } from '../schemas/upgrade-task.js';

/** One bulk call upgrades at most this many collectors: bounded work and a reply that fits a context window. */
export const MAX_BULK_UPGRADES = 1000;

export type SkipReason = 'not found' | 'hosted' | 'offline' | 'already on version' | 'already upgrading';

export interface PlannedUpgrade {
  collectorId: number;
  name: string;
  fromVersion: string;
}

export interface SkippedCollector {
  /** As the caller named it. */
  ref: string;
  collectorId?: number | undefined;
  name?: string | undefined;
  reason: SkipReason;
  /** Epoch ms, for offline collectors. */
  lastSeenAlive?: number | undefined;
  version?: string | undefined;
}

export interface BulkUpgradePlan {
  toVersion: string;
  planned: PlannedUpgrade[];
  skipped: SkippedCollector[];
  /** Upgradable collectors left for a later call because of `MAX_BULK_UPGRADES`. */
  deferred: number;
  /**
   * The `/collectors` filter that covers every planned collector in the fewest pages, so that
   * each tracking round costs as few list calls as possible.
   */
  trackingFilter: 'alive' | 'installed';
}

export type BulkSelection = { collectors: readonly CollectorRef[] } | { all: true };

/** The version to move to: the requested one if the service offers it, else the latest. */
export function resolveTargetVersion(
  targets: readonly UpgradeTarget[],
  requested: string | undefined,
): { version: string } | { problem: string } {
  if (requested !== undefined) {
    if (targets.some((target) => target.version === requested)) return { version: requested };
    return { problem: `Version "${requested}" is not an available collector build.` };
  }
  const latest = latestTarget(targets);
  return latest ? { version: latest } : { problem: 'The service lists no collector build as the latest.' };
}

/**
 * Decides, without side effects, which collectors an upgrade to `toVersion` would start on and
 * why the others would be skipped. Costs the pages of `/collectors` plus the pages of the
 * upgradable list (which is how "already upgrading" shows: running, installed, not on the
 * target, yet not upgradable).
 */
export async function planBulkUpgrade(
  client: SumoClient,
  selection: BulkSelection,
  toVersion: string,
  options: CallOptions = {},
): Promise<BulkUpgradePlan> {
  const collectors = await collect(iterateCollectors(client, {}, options));
  const upgradable = new Set(
    (await collect(iterateUpgradableCollectors(client, { toVersion }, options))).map(({ id }) => id),
  );

  const planned: PlannedUpgrade[] = [];
  const skipped: SkippedCollector[] = [];
  let deferred = 0;
  const consider = (ref: string, collector: Collector) => {
    const base = { ref, collectorId: collector.id, name: collector.name };
    if (isHosted(collector)) skipped.push({ ...base, reason: 'hosted' });
    else if (!collector.alive)
      skipped.push({ ...base, reason: 'offline', lastSeenAlive: collector.lastSeenAlive ?? undefined });
    else if (collector.collectorVersion === toVersion)
      skipped.push({ ...base, reason: 'already on version', version: toVersion });
    else if (!upgradable.has(collector.id))
      skipped.push({ ...base, reason: 'already upgrading', version: collector.collectorVersion });
    else if (planned.length >= MAX_BULK_UPGRADES) deferred += 1;
    else
      planned.push({
        collectorId: collector.id,
        name: collector.name,
        fromVersion: collector.collectorVersion,
      });
  };

  if ('all' in selection) {
    for (const collector of collectors) if (!isHosted(collector)) consider(String(collector.id), collector);
  } else {
    const seen = new Set<number>();
    for (const ref of selection.collectors) {
      const collector = findCollector(collectors, ref);
      const label = 'id' in ref ? String(ref.id) : ref.name;
      if (!collector) skipped.push({ ref: label, reason: 'not found' });
      else if (!seen.has(collector.id)) {
        seen.add(collector.id);
        consider(label, collector);
      }
    }
  }

  const alive = collectors.filter((collector) => collector.alive).length;
  const installed = collectors.filter((collector) => !isHosted(collector)).length;
  return {
    toVersion,
    planned,
    skipped,
    deferred,
    trackingFilter: alive <= installed ? 'alive' : 'installed',
  };
}

/** `unknown`: the start request got no usable answer, so whether a task exists is not known. */
export type UpgradeOutcome = 'succeeded' | 'failed' | 'running' | 'refused' | 'unknown';

export interface UpgradeResult extends PlannedUpgrade {
  toVersion: string;
  outcome: UpgradeOutcome;
  taskId?: string | undefined;
  /** The task's last known status code, when a status call was made. */
  status?: number | undefined;
  /** The service's error code when the start was refused (`collector.not.alive`, …). */
  code?: string | undefined;
  /** The failure reason or the refusal message, as the service gave it. */
  message?: string | undefined;
}

export interface BulkUpgradeProgress {
  progress: number;
  total: number;
  message: string;
}

export interface RunBulkUpgradeOptions extends CallOptions {
  /** Wait for the tasks to finish (default) or return once they are started. */
  wait?: boolean;
  /** Epoch ms at which to stop waiting and return what is known. */
  deadline?: number | undefined;
  onProgress?: ((update: BulkUpgradeProgress) => void) | undefined;
  /** First wait between tracking rounds; doubles up to `maxPollIntervalMs`. */
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
  /** Status calls made to learn why tasks failed; later failures carry only the task id. */
  maxReasonLookups?: number;
}

export interface BulkUpgradeRun {
  toVersion: string;
  results: UpgradeResult[];
  /** True when no task is still running (or none was waited for). */
  complete: boolean;
  trackingRounds: number;
}

/**
 * Starts every planned upgrade at once — the shared rate limiter paces the requests — and then
 * tracks completion cheaply: each round reads every collector's version with the collector
 * list (up to 1000 per call) and only asks a task for its status when its collector's version
 * did not move and the task has evidently ended (the collector is upgradable again: a failure
 * whose reason we want) or the collector dropped out of the list.
 */
export async function runBulkUpgrade(
  client: SumoClient,
  plan: BulkUpgradePlan,
  options: RunBulkUpgradeOptions = {},
): Promise<BulkUpgradeRun> {
  const results: UpgradeResult[] = plan.planned.map((planned) => ({
    ...planned,
    toVersion: plan.toVersion,
    outcome: 'running',
  }));
  const total = results.length * 2;
  let progress = 0;
  const report = (message: string) => options.onProgress?.({ progress, total, message });

  await Promise.all(
    results.map(async (result) => {
      try {
        result.taskId = (await createUpgradeTask(client, result.collectorId, plan.toVersion, options)).id;
        progress += 1;
      } catch (error) {
        if (options.signal?.aborted) throw error;
        result.code = isSumoApiError(error) ? error.code : 'client.error';
        if (isSumoApiError(error) && error.status >= 400 && error.status < 500 && error.status !== 429) {
          result.outcome = 'refused';
          result.message = serverMessage(error.body) ?? error.message;
        } else {
          // A POST is never replayed, so after a 5xx or a reset nobody knows whether a task exists:
          // "failed" would invite starting it again.
          result.outcome = 'unknown';
          result.message = `The start request got no usable answer (${(error as Error).message}); whether a task was created is unknown. Check before starting it again: get_collector shows its version, and list_upgradable_collectors shows it again only if no upgrade is in progress.`;
        }
        progress += 2;
      }
      report(`Started ${results.filter((r) => r.taskId).length} of ${results.length} upgrade tasks.`);
    }),
  );

  const running = results.filter((result) => result.outcome === 'running');
  if (options.wait === false || running.length === 0) {
    return { toVersion: plan.toVersion, results, complete: running.length === 0, trackingRounds: 0 };
  }
  const trackingRounds = await trackUpgrades(client, running, plan, options, (done) => {
    progress += done;
    const counts = countOutcomes(results);
    report(
      `Finished ${counts.succeeded + counts.failed} of ${counts.succeeded + counts.failed + counts.running} started upgrades (${counts.succeeded} succeeded, ${counts.failed} failed).`,
    );
  });
  return {
    toVersion: plan.toVersion,
    results,
    complete: results.every((result) => result.outcome !== 'running'),
    trackingRounds,
  };
}

/**
 * Follows started upgrades until each ends (or the deadline): the tracking half of
 * `runBulkUpgrade`, for a caller that recorded the started tasks before waiting on them.
 */
export async function trackUpgrades(
  client: SumoClient,
  running: UpgradeResult[],
  plan: BulkUpgradePlan,
  options: RunBulkUpgradeOptions,
  onRound: (finished: number) => void,
): Promise<number> {
  const pending = new Map(running.map((result) => [result.collectorId, result]));
  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
  const maxInterval = options.maxPollIntervalMs ?? 30_000;
  let interval = Math.min(options.pollIntervalMs ?? 1_000, maxInterval);
  let reasonLookups = 0;
  const maxReasonLookups = options.maxReasonLookups ?? 10;
  let rounds = 0;

  while (pending.size > 0) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    await sleep(Math.min(interval, remaining), options.signal);
    interval = Math.min(interval * 2, maxInterval);
    rounds += 1;
    const before = pending.size;

    const seen = new Map<number, Collector>();
    for await (const collector of iterateCollectors(client, { filter: plan.trackingFilter }, options)) {
      if (pending.has(collector.id)) seen.set(collector.id, collector);
    }
    const unmoved: UpgradeResult[] = [];
    const needStatus: UpgradeResult[] = [];
    for (const result of pending.values()) {
      const collector = seen.get(result.collectorId);
      if (collector?.collectorVersion === plan.toVersion) {
        result.outcome = 'succeeded';
        result.status = 2;
        pending.delete(result.collectorId);
      } else if (collector?.alive) unmoved.push(result);
      else needStatus.push(result);
    }

    if (unmoved.length > 0) {
      const upgradable = new Set<number>();
      for await (const collector of iterateUpgradableCollectors(
        client,
        { toVersion: plan.toVersion },
        options,
      )) {
        upgradable.add(collector.id);
      }
      for (const result of unmoved) {
        if (!upgradable.has(result.collectorId)) continue;
        if (reasonLookups < maxReasonLookups) {
          reasonLookups += 1;
          needStatus.push(result);
        } else {
          // Upgradable again and not on the target: the task ended without getting there.
          result.outcome = 'failed';
          result.message = `The task ended without the collector reaching ${plan.toVersion}; get its status (task ${result.taskId}) for the reason.`;
          pending.delete(result.collectorId);
        }
      }
    }

    await Promise.all(
      needStatus.map(async (result) => {
        const task = await getUpgradeTask(client, result.taskId as string, options);
        result.status = task.status;
        if (!isFinalUpgradeStatus(task.status)) return;
        result.outcome = task.status === 2 ? 'succeeded' : 'failed';
        if (task.message) result.message = task.message;
        pending.delete(result.collectorId);
      }),
    );
    onRound(before - pending.size);
  }
  for (const result of pending.values()) {
    result.message = `Still ${result.status === undefined ? 'running' : upgradeStatusName(result.status)} when the wait ended; check task ${result.taskId} later.`;
  }
  return rounds;
}

export function countOutcomes(results: readonly UpgradeResult[]): Record<UpgradeOutcome, number> {
  const counts: Record<UpgradeOutcome, number> = {
    succeeded: 0,
    failed: 0,
    running: 0,
    refused: 0,
    unknown: 0,
  };
  for (const result of results) counts[result.outcome] += 1;
  return counts;
}

function serverMessage(body: unknown): string | undefined {
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}
