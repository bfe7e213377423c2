import { z } from 'zod';
import { toCollectorRef } from '../api/collector-ref.js';
import {
  createUpgradeTask,
  getUpgradeTask,
  iterateUpgradableCollectors,
  latestTarget,
  listUpgradableCollectors,
  listUpgradeTargets,
  upgradeTaskIdProblem,
  waitForUpgradeTask,
} from '../api/upgrades.js';
import type { Collector } from '../schemas/collector.js';
import { isHosted } from '../schemas/collector.js';
import { isFinalUpgradeStatus, type UpgradeTask, upgradeStatusName } from '../schemas/upgrade-task.js';
import {
  type BulkUpgradePlan,
  countOutcomes,
  MAX_BULK_UPGRADES,
  planBulkUpgrade,
  resolveTargetVersion,
  runBulkUpgrade,
  type SkipReason,
} from '../upgrades/bulk-upgrade.js';
import { collectorRefInput, resolveCollectorInput } from './collector-ref.js';
import { type AnyOperation, defineOperation, type OperationContext } from './define.js';
import { OperationError } from './errors.js';
import { explainApiError, upgradeRefusalMessage } from './explain.js';
import { pageOutput, pagingInput, toPage } from './paging.js';
import { CollectorSummarySchema, collectorLabel, isoTime, toCollectorSummary } from './views.js';

/** How many skipped collectors a bulk answer names one by one; counts per reason are always complete. */
const SKIPPED_LIST_MAX = 100;
/** How many planned collectors a bulk preview names one by one. */
const PLANNED_LIST_MAX = 200;

const toVersionInput = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .optional()
  .describe('A build from list_upgrade_targets; default the latest.');

export const UpgradeStatusSchema = z.object({
  taskId: z.string().describe('The upgrade task id.'),
  collectorId: z.number().int(),
  toVersion: z.string(),
  status: z.number().int().describe('0 not started, 1 pending, 6 progressing, 2 succeeded, 3 failed.'),
  statusName: z.string().describe('The status in words.'),
  done: z.boolean().describe('True once succeeded or failed (the service fails a task after 30 minutes).'),
  requestTime: z.string().optional().describe('When the upgrade was requested, ISO 8601.'),
  message: z.string().optional().describe('The failure reason, when there is one.'),
});

export type UpgradeStatus = z.infer<typeof UpgradeStatusSchema>;

function toStatus(task: UpgradeTask): z.infer<typeof UpgradeStatusSchema> {
  const requested = isoTime(task.requestTime ?? task.requestedTime);
  return {
    taskId: task.id,
    collectorId: task.collectorId,
    toVersion: task.toVersion,
    status: task.status,
    statusName: upgradeStatusName(task.status),
    done: isFinalUpgradeStatus(task.status),
    ...(requested ? { requestTime: requested } : {}),
    ...(task.message ? { message: task.message } : {}),
  };
}

function progressFor(ctx: OperationContext) {
  return (task: UpgradeTask) =>
    ctx.onProgress?.({
      progress: { 0: 0, 1: 1, 6: 2, 2: 3, 3: 3 }[task.status as 0 | 1 | 2 | 3 | 6] ?? 0,
      total: 3,
      message: `Upgrade task ${task.id}: ${upgradeStatusName(task.status)}.`,
    });
}

export const listUpgradableCollectorsOperation = defineOperation({
  name: 'list_upgradable_collectors',
  toolset: 'upgrades',
  title: 'List collectors that can be upgraded',
  description:
    'Running installed collectors that can move to a build (the latest unless toVersion): what an upgrade would touch. 1 API call a page.',
  kind: 'read',
  idempotent: true,
  sharedRead: { reuseSeconds: 5 },
  input: z.object({
    toVersion: toVersionInput,
    ...pagingInput({ defaultLimit: 50, maxLimit: 1000, what: 'collectors' }),
  }),
  output: pageOutput(CollectorSummarySchema, 'upgradable collectors'),
  async run(ctx, input) {
    try {
      const collectors = await listUpgradableCollectors(ctx.client, input, { signal: ctx.signal });
      return toPage(collectors.map(toCollectorSummary), input.offset, input.limit);
    } catch (error) {
      throw explainApiError(error, { toVersion: input.toVersion });
    }
  },
});

export const listUpgradeTargetsOperation = defineOperation({
  name: 'list_upgrade_targets',
  toolset: 'upgrades',
  title: 'List available collector builds',
  description: 'The builds collectors can be upgraded or downgraded to, and which is the latest. 1 API call.',
  kind: 'read',
  idempotent: true,
  // Builds are published a few times a month.
  sharedRead: { reuseSeconds: 30 },
  input: z.object({}),
  output: z.object({
    latest: z.string().nullable().describe('The latest build, or null when none is marked latest.'),
    targets: z
      .array(z.object({ version: z.string(), latest: z.boolean() }))
      .describe("Builds in the API's order."),
  }),
  async run(ctx) {
    const targets = await listUpgradeTargets(ctx.client, { signal: ctx.signal });
    return {
      latest: latestTarget(targets) ?? null,
      targets: targets.map(({ version, latest }) => ({ version, latest })),
    };
  },
});

/** Why the service would refuse to start this upgrade, judged from what was read (as its error codes). */
async function predictRefusal(
  ctx: OperationContext,
  collector: Collector,
  toVersion: string | undefined,
  available: readonly string[],
): Promise<string | undefined> {
  if (isHosted(collector)) return 'collector.type.invalid';
  if (toVersion === undefined || !available.includes(toVersion)) return 'collector.version.invalid';
  if (!collector.alive) return 'collector.not.alive';
  if (collector.collectorVersion === toVersion) return 'collector.version.invalid';
  for await (const upgradable of iterateUpgradableCollectors(
    ctx.client,
    { toVersion },
    { signal: ctx.signal },
  )) {
    if (upgradable.id === collector.id) return undefined;
  }
  return 'collector.in.upgrading';
}

export const upgradeCollectorOperation = defineOperation({
  name: 'upgrade_collector',
  toolset: 'upgrades',
  title: 'Upgrade or downgrade a collector',
  description:
    'Moves one installed collector to a build (the latest unless toVersion) and returns the task. It takes minutes: wait=true waits for the end, else follow with get_upgrade_status. 3 API calls, preview 3.',
  kind: 'destructive',
  input: z.object({
    collector: collectorRefInput('The installed collector to upgrade'),
    toVersion: toVersionInput,
    wait: z.boolean().default(false).describe('Wait for the upgrade to end.'),
  }),
  output: UpgradeStatusSchema.extend({
    collectorName: z.string(),
    fromVersion: z.string().describe('The version before the upgrade.'),
  }),
  async preview(ctx, input) {
    const { collector } = await resolveCollectorInput(ctx, input.collector);
    const targets = await listUpgradeTargets(ctx.client, { signal: ctx.signal });
    const toVersion = input.toVersion ?? latestTarget(targets);
    const available = targets.map(({ version }) => version);
    const refusal = await predictRefusal(ctx, collector, toVersion, available);
    const label = collectorLabel(collector);
    const refusalMessage = refusal && upgradeRefusalMessage(refusal, { collector: label, toVersion });
    return {
      summary: refusal
        ? `The upgrade of ${label} would be refused: ${refusalMessage}`
        : `Upgrade ${label} from ${collector.collectorVersion} to ${toVersion}${toVersion === latestTarget(targets) ? ' (latest)' : ''}.`,
      willChange: refusal === undefined,
      details: {
        collector: toCollectorSummary(collector),
        fromVersion: collector.collectorVersion,
        toVersion,
        willBeRefused: refusal !== undefined,
        ...(refusal ? { refusal: { code: refusal, message: refusalMessage } } : {}),
      },
      warnings: refusal
        ? []
        : [
            'The collector restarts during the upgrade and briefly stops collecting; the service gives up after 30 minutes.',
          ],
    };
  },
  async run(ctx, input) {
    const { collector } = await resolveCollectorInput(ctx, input.collector);
    const label = collectorLabel(collector);
    let taskId: string;
    try {
      taskId = (await createUpgradeTask(ctx.client, collector.id, input.toVersion, { signal: ctx.signal }))
        .id;
    } catch (error) {
      throw explainApiError(error, {
        collector: label,
        toVersion: input.toVersion,
        action: `Starting the upgrade of ${label}${input.toVersion ? ` to ${input.toVersion}` : ''}`,
        check: `get_collector ${label} shows whether it already runs the new version, and list_upgradable_collectors leaves it out while an upgrade is in progress; start it again only when neither shows the upgrade`,
      });
    }
    const task = await readUpgradeTask(ctx, taskId, input.wait);
    return { ...toStatus(task), collectorName: collector.name, fromVersion: collector.collectorVersion };
  },
});

/** The task now, or (with wait) once it has ended or the request's deadline has come. */
async function readUpgradeTask(ctx: OperationContext, taskId: string, wait: boolean) {
  if (!wait) return getUpgradeTask(ctx.client, taskId, { signal: ctx.signal });
  const { task } = await waitForUpgradeTask(ctx.client, taskId, {
    signal: ctx.signal,
    deadline: ctx.deadline,
    onStatus: progressFor(ctx),
  });
  return task;
}

export const getUpgradeStatusOperation = defineOperation({
  name: 'get_upgrade_status',
  toolset: 'upgrades',
  title: 'Get the status of an upgrade task',
  description:
    'Status of an upgrade task (not started, pending, progressing, succeeded, failed) and why it failed; wait=true waits for the end. 1 API call, more while waiting.',
  kind: 'read',
  idempotent: true,
  input: z.object({
    taskId: z
      .union([z.string().trim().min(1), z.number().int().nonnegative()])
      .superRefine((value, ctx) => {
        const problem = upgradeTaskIdProblem(String(value));
        if (problem) ctx.addIssue({ code: 'custom', message: `the task id ${problem}` });
      })
      .describe('From upgrade_collector or upgrade_collectors.'),
    wait: z.boolean().default(false).describe('Wait for the task to end.'),
  }),
  output: UpgradeStatusSchema,
  async run(ctx, input) {
    const taskId = String(input.taskId);
    try {
      const task = await readUpgradeTask(ctx, taskId, input.wait);
      return toStatus(task);
    } catch (error) {
      throw explainApiError(error);
    }
  },
});

/** The selection and build of a bulk upgrade, shared by upgrade_collectors and rollout_collector_upgrade. */
export const bulkSelectionFields = {
  collectors: z
    .array(collectorRefInput('A collector'))
    .min(1)
    .max(MAX_BULK_UPGRADES)
    .optional()
    .describe('Ids or exact names. This or all.'),
  all: z
    .boolean()
    .optional()
    .describe(
      `Every installed collector not on the build (${MAX_BULK_UPGRADES} a call). This or collectors.`,
    ),
  toVersion: toVersionInput,
};

/** Exactly one of `collectors` and `all`. */
export const oneSelection: [
  (input: { collectors?: unknown; all?: boolean | undefined }) => boolean,
  { message: string; path: string[] },
] = [
  (input) => (input.collectors !== undefined) !== (input.all === true),
  {
    message: 'give either collectors (a list of ids or names) or all: true, not both',
    path: ['collectors'],
  },
];

const bulkInput = z
  .object({
    ...bulkSelectionFields,
    wait: z.boolean().default(true).describe('Wait for the upgrades to end (up to the request deadline).'),
  })
  .refine(...oneSelection);
type BulkSelectionInput = Pick<z.infer<typeof bulkInput>, 'collectors' | 'all' | 'toVersion'>;

/** Which collectors a bulk upgrade (or a rollout) of this selection would start on, and who is skipped. */
export async function planUpgradeSelection(
  ctx: OperationContext,
  input: BulkSelectionInput,
): Promise<BulkUpgradePlan> {
  const targets = await listUpgradeTargets(ctx.client, { signal: ctx.signal });
  const resolved = resolveTargetVersion(targets, input.toVersion);
  if ('problem' in resolved) {
    throw new OperationError(
      `${resolved.problem} list_upgrade_targets shows the available builds; leave toVersion out for the latest.`,
      'collector.version.invalid',
    );
  }
  const selection = input.collectors
    ? { collectors: input.collectors.map((value) => toCollectorRef(value)) }
    : { all: true as const };
  return planBulkUpgrade(ctx.client, selection, resolved.version, { signal: ctx.signal });
}

const SKIP_EXPLANATIONS: Record<SkipReason, string> = {
  'not found': 'no collector has this id or name',
  hosted: 'hosted collectors run inside Sumo Logic and are not upgraded',
  offline: 'offline: an upgrade needs a running collector',
  'already on version': 'already runs the target version',
  'already upgrading': 'an upgrade is already in progress',
};

const SkippedSchema = z.object({
  ref: z.string().describe('The collector as it was named.'),
  collectorId: z.number().int().optional(),
  name: z.string().optional(),
  reason: z.string(),
});

export function skippedView(plan: BulkUpgradePlan) {
  const byReason: Record<string, number> = {};
  for (const skipped of plan.skipped) byReason[skipped.reason] = (byReason[skipped.reason] ?? 0) + 1;
  return {
    skippedByReason: byReason,
    skipped: plan.skipped.slice(0, SKIPPED_LIST_MAX).map(({ ref, collectorId, name, reason }) => ({
      ref,
      ...(collectorId === undefined ? {} : { collectorId }),
      ...(name === undefined ? {} : { name }),
      reason: `${reason}: ${SKIP_EXPLANATIONS[reason]}`,
    })),
  };
}

export const upgradeCollectorsOperation = defineOperation({
  name: 'upgrade_collectors',
  toolset: 'upgrades',
  title: 'Upgrade many collectors',
  description:
    'Upgrades many installed collectors (a list, or all) to one build; the preview lists each version change and who is skipped, and why. 1 API call a collector, then ~1 per 1000 a round to track; running task ids at the deadline.',
  kind: 'destructive',
  input: bulkInput,
  output: z.object({
    toVersion: z.string(),
    complete: z.boolean().describe('False when some upgrades were still running when the answer was given.'),
    counts: z
      .object({
        succeeded: z.number().int(),
        failed: z.number().int(),
        running: z.number().int(),
        refused: z.number().int(),
        unknown: z
          .number()
          .int()
          .describe('Start requests whose answer was lost: check before starting again.'),
        skipped: z.number().int(),
      })
      .describe('Collectors per outcome.'),
    results: z
      .array(
        z.object({
          collectorId: z.number().int(),
          name: z.string(),
          fromVersion: z.string(),
          outcome: z.enum(['succeeded', 'failed', 'running', 'refused', 'unknown']),
          taskId: z.string().optional().describe('For get_upgrade_status.'),
          message: z.string().optional(),
        }),
      )
      .describe('One entry per collector an upgrade was started (or refused) for.'),
    skippedByReason: z.record(z.string(), z.number().int()),
    skipped: z.array(SkippedSchema).describe(`Skipped collectors (the first ${SKIPPED_LIST_MAX}).`),
    deferred: z
      .number()
      .int()
      .describe('Upgradable collectors left for another call (over the per-call maximum).'),
    note: z.string().optional(),
  }),
  async preview(ctx, input) {
    const plan = await planUpgradeSelection(ctx, input);
    const view = skippedView(plan);
    const reasons = Object.entries(view.skippedByReason)
      .map(([reason, count]) => `${count} ${reason}`)
      .join(', ');
    return {
      summary:
        `Upgrade ${plan.planned.length} collector(s) to ${plan.toVersion}` +
        (plan.skipped.length > 0 ? `; skip ${plan.skipped.length} (${reasons})` : '') +
        (plan.deferred > 0 ? `; ${plan.deferred} more left for another call` : '') +
        '.',
      willChange: plan.planned.length > 0,
      details: {
        toVersion: plan.toVersion,
        upgrades: plan.planned.slice(0, PLANNED_LIST_MAX).map(({ collectorId, name, fromVersion }) => ({
          collectorId,
          name,
          from: fromVersion,
          to: plan.toVersion,
        })),
        notListed: Math.max(0, plan.planned.length - PLANNED_LIST_MAX),
        ...view,
        deferred: plan.deferred,
      },
      warnings:
        plan.planned.length > 0
          ? [
              'Each collector restarts during its upgrade and briefly stops collecting; the service gives up on a task after 30 minutes.',
            ]
          : [],
    };
  },
  async run(ctx, input) {
    const plan = await planUpgradeSelection(ctx, input);
    const run = await runBulkUpgrade(ctx.client, plan, {
      signal: ctx.signal,
      deadline: ctx.deadline,
      wait: input.wait,
      onProgress: ctx.onProgress,
    });
    const counts = countOutcomes(run.results);
    const results = run.results.map((result) => ({
      collectorId: result.collectorId,
      name: result.name,
      fromVersion: result.fromVersion,
      outcome: result.outcome,
      ...(result.taskId ? { taskId: result.taskId } : {}),
      ...(result.outcome === 'refused' && result.code
        ? {
            message:
              upgradeRefusalMessage(result.code, {
                collector: collectorLabel({ id: result.collectorId, name: result.name }),
                toVersion: plan.toVersion,
              }) ?? result.message,
          }
        : result.message
          ? { message: result.message }
          : {}),
    }));
    return {
      toVersion: plan.toVersion,
      complete: run.complete,
      counts: { ...counts, skipped: plan.skipped.length },
      results,
      ...skippedView(plan),
      deferred: plan.deferred,
      ...(run.complete
        ? {}
        : {
            note: input.wait
              ? `Stopped waiting with ${counts.running} upgrade(s) still running; check them with get_upgrade_status and the task ids, or list_collectors for versions.`
              : `${counts.running} upgrade(s) started; check them with get_upgrade_status and the task ids, or list_collectors for versions.`,
          }),
    };
  },
});

export const upgradeOperations: AnyOperation[] = [
  listUpgradableCollectorsOperation,
  listUpgradeTargetsOperation,
  upgradeCollectorOperation,
  upgradeCollectorsOperation,
  getUpgradeStatusOperation,
];
