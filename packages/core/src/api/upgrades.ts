import { z } from 'zod';
import type { SumoClient } from '../http/client.js';
import { sleep } from '../http/sleep.js';
import { type Collector, CollectorSchema } from '../schemas/collector.js';
import { type UpgradeTarget, UpgradeTargetSchema } from '../schemas/upgrade-target.js';
import {
  CreatedUpgradeTaskSchema,
  isFinalUpgradeStatus,
  type UpgradeTask,
  UpgradeTaskSchema,
} from '../schemas/upgrade-task.js';
import type { CallOptions } from './collectors.js';
import { paginate, parseResponse } from './response.js';

/** "If an upgrade task does not complete successfully after 30 minutes it will automatically timeout." */
export const UPGRADE_TIMEOUT_MS = 30 * 60_000;
/** The documented default page of the upgradable list. */
export const UPGRADABLE_DEFAULT_LIMIT = 50;

const UpgradableListSchema = z.looseObject({ collectors: z.array(CollectorSchema) });
const TargetListSchema = z.looseObject({ targets: z.array(UpgradeTargetSchema) });
const UpgradeEnvelopeSchema = z.looseObject({ upgrade: UpgradeTaskSchema });

/** One page of `GET /collectors/upgrades/collectors`: running installed collectors not on `toVersion` and not upgrading. */
export async function listUpgradableCollectors(
  client: SumoClient,
  params: { toVersion?: string | undefined; limit?: number | undefined; offset?: number | undefined } = {},
  options: CallOptions = {},
): Promise<Collector[]> {
  const response = await client.get(
    '/v1/collectors/upgrades/collectors',
    { toVersion: params.toVersion, limit: params.limit, offset: params.offset },
    { signal: options.signal },
  );
  return parseResponse(UpgradableListSchema, response, 'GET /v1/collectors/upgrades/collectors').collectors;
}

/**
 * Every upgradable collector. The docs give this list a default page of 50 and no maximum, so
 * a short page is not taken as the last one: only an empty page ends the walk.
 */
export function iterateUpgradableCollectors(
  client: SumoClient,
  params: { toVersion?: string | undefined; pageSize?: number } = {},
  options: CallOptions = {},
): AsyncGenerator<Collector, void, undefined> {
  return paginate(
    (offset, limit) =>
      listUpgradableCollectors(client, { toVersion: params.toVersion, offset, limit }, options),
    { pageSize: params.pageSize ?? 1000, stopOnShortPage: false, signal: options.signal },
  );
}

/** `GET /collectors/upgrades/targets`: the builds a collector can move to, one marked latest. */
export async function listUpgradeTargets(
  client: SumoClient,
  options: CallOptions = {},
): Promise<UpgradeTarget[]> {
  const response = await client.get('/v1/collectors/upgrades/targets', undefined, { signal: options.signal });
  return parseResponse(TargetListSchema, response, 'GET /v1/collectors/upgrades/targets').targets;
}

export function latestTarget(targets: readonly UpgradeTarget[]): string | undefined {
  return targets.find((target) => target.latest)?.version;
}

/**
 * `POST /collectors/upgrades`; without `toVersion` the service picks the latest build. Never
 * retried: a replay could start a second task.
 */
export async function createUpgradeTask(
  client: SumoClient,
  collectorId: number,
  toVersion?: string | undefined,
  options: CallOptions = {},
): Promise<{ id: string }> {
  const response = await client.post(
    '/v1/collectors/upgrades',
    toVersion === undefined ? { collectorId } : { collectorId, toVersion },
    { signal: options.signal },
  );
  const created = parseResponse(CreatedUpgradeTaskSchema, response, 'POST /v1/collectors/upgrades');
  return { id: created.id };
}

/** Why a task id cannot be sent, or undefined when it can. */
export function upgradeTaskIdProblem(taskId: string): string | undefined {
  return /^[A-Za-z0-9_-]{1,64}$/.test(taskId)
    ? undefined
    : 'must be the id returned when the upgrade was started (letters, digits, - or _)';
}

export async function getUpgradeTask(
  client: SumoClient,
  taskId: string,
  options: CallOptions = {},
): Promise<UpgradeTask> {
  const problem = upgradeTaskIdProblem(taskId);
  if (problem) throw new RangeError(`Upgrade task id "${taskId}" ${problem}.`);
  const response = await client.get(`/v1/collectors/upgrades/${taskId}`, undefined, {
    signal: options.signal,
  });
  return parseResponse(UpgradeEnvelopeSchema, response, 'GET /v1/collectors/upgrades/{id}').upgrade;
}

export interface WaitForUpgradeOptions extends CallOptions {
  /** Epoch ms at which to stop waiting and hand back the last status seen. */
  deadline?: number | undefined;
  /** Delay before the first re-check; it doubles up to `maxPollIntervalMs`. */
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
  /** Our own bound; the service fails the task itself after 30 minutes. */
  timeoutMs?: number;
  onStatus?: ((task: UpgradeTask) => void) | undefined;
}

/**
 * Polls a task until it succeeds or fails, the deadline passes, or the signal aborts (which
 * rejects). Upgrades take minutes, so the interval grows from a couple of seconds to 15 s
 * instead of hammering a rate limit shared with everything else on the key.
 */
export async function waitForUpgradeTask(
  client: SumoClient,
  taskId: string,
  options: WaitForUpgradeOptions = {},
): Promise<{ task: UpgradeTask; done: boolean }> {
  const started = Date.now();
  const timeoutAt = started + (options.timeoutMs ?? UPGRADE_TIMEOUT_MS + 60_000);
  const stopAt = Math.min(timeoutAt, options.deadline ?? Number.POSITIVE_INFINITY);
  const maxInterval = options.maxPollIntervalMs ?? 15_000;
  let interval = options.pollIntervalMs ?? 2_000;
  for (;;) {
    const task = await getUpgradeTask(client, taskId, options);
    options.onStatus?.(task);
    if (isFinalUpgradeStatus(task.status)) return { task, done: true };
    const remaining = stopAt - Date.now();
    if (remaining <= 0) return { task, done: false };
    await sleep(Math.min(interval, remaining), options.signal);
    interval = Math.min(interval * 2, maxInterval);
  }
}
