import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { iterateCollectors } from '../api/collectors.js';
import { RolloutConflictError, type RolloutRunner, rolloutRunner } from '../rollouts/rollout-runner.js';
import { awaitsDecision, type RolloutCollector, type RolloutRecord } from '../rollouts/rollout-store.js';
import { cumulativeSizes, DEFAULT_WAVES, splitWaves, wavesProblem } from '../rollouts/waves.js';
import { countOutcomes, type PlannedUpgrade, runBulkUpgrade } from '../upgrades/bulk-upgrade.js';
import { type AnyOperation, defineOperation, type OperationContext, type ProgressUpdate } from './define.js';
import { OperationError } from './errors.js';
import { bulkSelectionFields, oneSelection, planUpgradeSelection, skippedView } from './upgrades.js';

/** How many collectors a preview or an answer names one by one, per wave and per list. */
const LIST_MAX = 100;
const DEFAULT_SOAK_SECONDS = 600;
const MAX_SOAK_SECONDS = 24 * 3600;
const DURATION = /^(\d+)\s*([smh]?)$/i;
const GATES = [
  'every upgrade task of the wave succeeded',
  'every collector of the wave is alive',
  'no new unresolved Error health event on a collector of the wave or its sources since the rollout began',
];
const DATA_GATE =
  'data still arrives from each at the end of the soak, if it did just before its upgrade (counts over half the soak, at most an hour)';

const rolloutIdInput = z.string().trim().min(1).max(40).optional().describe('Default: current.');

// Plain unions, no transforms: the JSON schema front ends publish is of the input as given.
const waveSizeInput = z.union([z.number().int().min(1), z.string().trim().min(1)]);

const GateFailureSchema = z.object({
  collectorId: z.number().int(),
  name: z.string(),
  gate: z.enum(['task', 'alive', 'health', 'data']),
  reason: z.string().describe("Why: the health event's error, the task's status, the heartbeat."),
});

export const RolloutStatusSchema = z.object({
  rolloutId: z.string(),
  state: z.enum(['running', 'halted', 'done', 'cancelled', 'failed']),
  toVersion: z.string(),
  currentWave: z.number().int().describe('1-based.'),
  waves: z.array(
    z.object({
      wave: z.number().int(),
      collectors: z.number().int(),
      phase: z.string().describe('pending, starting, upgrading, soaking, gating, passed, failed or skipped.'),
      upgraded: z.number().int().describe('Upgrade tasks that succeeded.'),
      soakUntil: z.string().optional(),
      gatePassed: z.boolean().optional(),
    }),
  ),
  confirmedBy: z.string().optional(),
  reason: z.string().optional().describe('Why it stopped.'),
  failures: z
    .array(GateFailureSchema)
    .describe(`Each collector that failed a gate and why (first ${LIST_MAX}).`),
  notes: z.array(z.string()),
  rollback: z
    .object({
      complete: z.boolean(),
      results: z.array(
        z.object({
          collectorId: z.number().int(),
          name: z.string(),
          toVersion: z.string(),
          outcome: z.string(),
          message: z.string().optional(),
        }),
      ),
    })
    .optional(),
  next: z.string().optional().describe('What to call next.'),
});
export type RolloutStatus = z.infer<typeof RolloutStatusSchema>;

/** The record as every front end shows it. */
export function rolloutStatus(record: RolloutRecord): RolloutStatus {
  const failures = record.waves.flatMap((wave) => wave.gate?.failures ?? []);
  const notes = record.waves.flatMap((wave) => wave.gate?.notes ?? []);
  if (failures.length > LIST_MAX)
    notes.push(`${failures.length} gate failures were kept; the first ${LIST_MAX} are listed.`);
  const next =
    record.state === 'running'
      ? `It goes on in the background: get_rollout_status ${record.id} follows it; cancel_rollout stops it after the running wave.`
      : awaitsDecision(record)
        ? decisionHint(record.id)
        : undefined;
  const dismissed = record.dismissed
    ? ` Dismissed by ${record.dismissed.by} at ${new Date(record.dismissed.at).toISOString()}: the failed wave stays as it is.`
    : '';
  return {
    rolloutId: record.id,
    state: record.state,
    toVersion: record.toVersion,
    currentWave: record.currentWave + 1,
    waves: record.waves.map((wave, index) => ({
      wave: index + 1,
      collectors: wave.size,
      phase: wave.phase,
      upgraded: record.collectors.filter((c) => c.wave === index && c.outcome === 'succeeded').length,
      ...(wave.soakUntil && wave.phase === 'soaking'
        ? { soakUntil: new Date(wave.soakUntil).toISOString() }
        : {}),
      ...(wave.gate ? { gatePassed: wave.gate.passed } : {}),
    })),
    ...(record.confirmedBy
      ? { confirmedBy: record.confirmedBy.email ?? record.confirmedBy.username ?? record.confirmedBy.subject }
      : {}),
    ...(record.reason ? { reason: `${record.reason}${dismissed}` } : {}),
    failures: failures.slice(0, LIST_MAX),
    notes: [...new Set(notes)],
    ...(record.rollback
      ? { rollback: { complete: record.rollback.complete, results: record.rollback.results } }
      : {}),
    ...(next ? { next } : {}),
  };
}

/** The two ways on from a halted rollout; until one is taken, no new rollout starts in its org. */
function decisionHint(id: string): string {
  return `rollback_collector_rollout ${id} moves the failed wave back to each collector's previous version (confirmed separately, never automatic), or cancel_rollout ${id} dismisses it, leaving the wave as it is; no new rollout starts in this org until one of them.`;
}

/** One progress step per wave step, for MCP notifications, Slack threads and the CLI. */
export function rolloutProgress(record: RolloutRecord): ProgressUpdate {
  const wave = record.waves[record.currentWave];
  const passed = record.waves.filter((w) => w.phase === 'passed').length;
  const where =
    record.state === 'running'
      ? `wave ${record.currentWave + 1} of ${record.waves.length} (${wave?.size ?? 0} collectors): ${wave?.phase}`
      : `${record.state}: ${record.reason ?? ''}`;
  return { progress: passed, total: record.waves.length, message: `Rollout ${record.id} ${where}` };
}

/** Seconds from a soak as given: a number of seconds, or `90s`, `10m`, `1h`. */
export function soakSecondsOf(value: number | string): number {
  if (typeof value === 'number') return value;
  const match = DURATION.exec(value.trim());
  const amount = Number(match?.[1]);
  return amount * ({ h: 3600, m: 60 }[(match?.[2] ?? '').toLowerCase()] ?? 1);
}

const rolloutInput = z
  .object({
    ...bulkSelectionFields,
    waves: z
      .array(waveSizeInput)
      .min(1)
      .max(10)
      .superRefine((sizes, ctx) => {
        const problem = wavesProblem(sizes);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .default([...DEFAULT_WAVES])
      .describe('A count, or "10%" of the selection done by its end; the last takes the rest.'),
    soakSeconds: z
      .union([
        z.number().int().min(0).max(MAX_SOAK_SECONDS),
        z.string().regex(DURATION, 'use seconds, or 90s, 10m, 1h'),
      ])
      .refine((value) => soakSecondsOf(value) <= MAX_SOAK_SECONDS, 'at most 24 hours')
      .default(DEFAULT_SOAK_SECONDS)
      .describe('Soak after each wave before its gates (s, 10m).'),
    checkData: z.boolean().default(true).describe('Gate on data arriving.'),
  })
  .refine(...oneSelection);

async function planRollout(ctx: OperationContext, input: z.output<typeof rolloutInput>) {
  const plan = await planUpgradeSelection(ctx, input);
  return {
    plan,
    waves: splitWaves(plan.planned, input.waves),
    soakSeconds: soakSecondsOf(input.soakSeconds),
  };
}

const waveView = (wave: readonly PlannedUpgrade[], index: number, toVersion: string) => ({
  wave: index + 1,
  size: wave.length,
  collectors: wave.slice(0, LIST_MAX).map(({ collectorId, name, fromVersion }) => ({
    collectorId,
    name,
    from: fromVersion,
    to: toVersion,
  })),
  notListed: Math.max(0, wave.length - LIST_MAX),
});

function notFound(id: string | undefined): OperationError {
  return new OperationError(
    id
      ? `No rollout ${id} in this org's state; get_rollout_status without an id shows the org's latest.`
      : 'This org has no rollout yet; rollout_collector_upgrade starts one.',
    'rollout.not.found',
  );
}

export interface RolloutOperationsOptions {
  /** The process-wide runner by default; tests give each "replica" its own. */
  runner?: RolloutRunner;
}

export function createRolloutOperations(options: RolloutOperationsOptions = {}): AnyOperation[] {
  const runner = options.runner ?? rolloutRunner;

  const record = async (ctx: OperationContext, id: string | undefined) => {
    const found = await runner.get(ctx.client, id);
    if (!found) throw notFound(id);
    return found;
  };
  const follow = async (ctx: OperationContext, id: string) =>
    rolloutStatus(
      await runner.follow(id, {
        signal: ctx.signal,
        deadline: ctx.deadline,
        onChange: (changed) => ctx.onProgress?.(rolloutProgress(changed)),
      }),
    );

  const rollout = defineOperation({
    name: 'rollout_collector_upgrade',
    toolset: 'collectors',
    title: 'Upgrade collectors in waves',
    description:
      'upgrade_collectors in waves, canary first; after each soak, gates (tasks, alive, new Error health events, data) pass a wave or halt, offering rollback. Answers its id at once, goes on; one per org. 1 API call a collector, ~10 a wave.',
    kind: 'destructive',
    input: rolloutInput,
    output: RolloutStatusSchema,
    async preview(ctx, input) {
      const { plan, waves, soakSeconds } = await planRollout(ctx, input);
      const running = await runner.get(ctx.client);
      const cumulative = cumulativeSizes(waves);
      const first = cumulative[0] ?? 0;
      const gates = [...GATES, ...(input.checkData && soakSeconds > 0 ? [DATA_GATE] : [])];
      const busy = running?.state === 'running' || (running && awaitsDecision(running)) ? running : undefined;
      return {
        summary: busy
          ? busy.state === 'running'
            ? `Refused: rollout ${busy.id} is still running in this org (one at a time); get_rollout_status ${busy.id} shows it.`
            : `Refused: rollout ${busy.id} halted in this org. ${decisionHint(busy.id)}`
          : `Upgrade ${plan.planned.length} collector(s) to ${plan.toVersion} in ${waves.length} wave(s) of ${waves.map((w) => w.length).join(', ')}, soaking ${soakSeconds} s after each; at most ${first} collector(s) upgraded before a failing gate stops it.`,
        willChange: !busy && plan.planned.length > 0,
        details: {
          toVersion: plan.toVersion,
          waves: waves.map((wave, index) => waveView(wave, index, plan.toVersion)),
          gates,
          worstCase: {
            ifTheCanaryFails: first,
            upgradedByEndOfWave: cumulative,
          },
          ...skippedView(plan),
          deferred: plan.deferred,
        },
        warnings:
          plan.planned.length > 0
            ? [
                'Each collector restarts during its upgrade. A failing gate halts the rollout; rollback is offered, never taken on its own.',
              ]
            : [],
      };
    },
    async run(ctx, input) {
      const { plan, waves, soakSeconds } = await planRollout(ctx, input);
      if (plan.planned.length === 0)
        throw new OperationError(
          `No collector of the selection can be upgraded to ${plan.toVersion}; the preview says why each was skipped.`,
          'rollout.empty',
        );
      let started: RolloutRecord;
      try {
        started = await runner.start(ctx.client, {
          plan,
          waves,
          soakSeconds,
          checkData: input.checkData,
          confirmedBy: ctx.auditSubject,
        });
      } catch (error) {
        if (!(error instanceof RolloutConflictError)) throw error;
        throw new OperationError(
          error.halted
            ? `Refused: rollout ${error.running} halted in this org. ${decisionHint(error.running)}`
            : `${error.message} Follow it with get_rollout_status ${error.running}, or stop it with cancel_rollout.`,
          error.halted ? 'rollout.halted' : 'rollout.running',
          { rolloutId: error.running },
        );
      }
      return follow(ctx, started.id);
    },
  });

  const status = defineOperation({
    name: 'get_rollout_status',
    toolset: 'collectors',
    title: 'Rollout status',
    description:
      'Waves, gate results (each failing collector and why), rollback; wait=true follows it. 0 API calls.',
    kind: 'read',
    idempotent: true,
    input: z.object({
      rolloutId: rolloutIdInput,
      wait: z.boolean().default(false).describe('Follow it.'),
    }),
    output: RolloutStatusSchema,
    async run(ctx, input) {
      const found = await record(ctx, input.rolloutId);
      return input.wait ? follow(ctx, found.id) : rolloutStatus(found);
    },
  });

  const cancel = defineOperation({
    name: 'cancel_rollout',
    toolset: 'collectors',
    title: 'Cancel a rollout',
    description: "Stops a rollout after its running wave's tasks end; dismisses a halted one. 0 API calls.",
    kind: 'write',
    input: z.object({ rolloutId: rolloutIdInput }),
    output: RolloutStatusSchema,
    async preview(ctx, input) {
      const found = await record(ctx, input.rolloutId);
      const running = found.state === 'running';
      return {
        summary: running
          ? `Cancel rollout ${found.id}: wave ${found.currentWave + 1}'s started upgrades finish, no later wave starts.`
          : awaitsDecision(found)
            ? `Dismiss halted rollout ${found.id}: its failed wave stays on ${found.toVersion}, not rolled back, and a new rollout may start in this org.`
            : `Rollout ${found.id} is ${found.state}; there is nothing to cancel.`,
        willChange: running || awaitsDecision(found),
        details: rolloutStatus(found),
        warnings: [],
      };
    },
    async run(ctx, input) {
      const found = await record(ctx, input.rolloutId);
      const by = ctx.auditSubject?.email ?? ctx.auditSubject?.username ?? ctx.auditSubject?.subject;
      if (awaitsDecision(found)) {
        if (!(await runner.dismiss(found, by ?? 'an unnamed caller')))
          throw new OperationError(
            `Rollout ${found.id} was rolled back or dismissed already; get_rollout_status ${found.id} shows which.`,
            'rollout.decided',
          );
        return rolloutStatus(found);
      }
      if (found.state === 'running') await runner.requestCancel(found.id, by ?? 'a confirmed cancel');
      return follow(ctx, found.id);
    },
  });

  /**
   * The failed wave's collectors on the rollout's build: those whose task succeeded and, where the
   * outcome is not known (a process stopped while asking, a task still running or timed out),
   * those Sumo's collector list shows on it — one paged read, only when there are such collectors.
   */
  const rollbackTargets = async (ctx: OperationContext, found: RolloutRecord) => {
    const failed = found.waves.findIndex((wave) => wave.phase === 'failed');
    const members = found.collectors.filter((c) => c.wave === failed);
    const unsure = members.filter(
      (c) => c.outcome === undefined || c.outcome === 'running' || c.outcome === 'unknown',
    );
    const onBuild = new Set<number>();
    if (unsure.length > 0)
      for await (const collector of iterateCollectors(
        ctx.client,
        { filter: 'installed' },
        { signal: ctx.signal },
      ))
        if (collector.collectorVersion === found.toVersion) onBuild.add(collector.id);
    return members.filter((c) => c.outcome === 'succeeded' || onBuild.has(c.collectorId));
  };

  const rollback = defineOperation({
    name: 'rollback_collector_rollout',
    toolset: 'collectors',
    title: 'Roll back a rollout',
    description:
      "Rolls a halted rollout's failed wave back to each collector's previous version, once. 1 API call a collector.",
    kind: 'destructive',
    input: z.object({ rolloutId: rolloutIdInput }),
    output: RolloutStatusSchema,
    async preview(ctx, input) {
      const found = await record(ctx, input.rolloutId);
      const targets = await rollbackTargets(ctx, found);
      const ready = awaitsDecision(found) && targets.length > 0;
      return {
        summary: ready
          ? `Roll back ${targets.length} collector(s) of rollout ${found.id}'s failed wave from ${found.toVersion} to their previous versions.`
          : `Rollout ${found.id} is ${found.state}${found.rollback ? ' and was rolled back already' : found.dismissed ? ' and was dismissed' : ''}: nothing to roll back.`,
        willChange: ready,
        details: {
          rollback: targets.slice(0, LIST_MAX).map(({ collectorId, name, fromVersion }) => ({
            collectorId,
            name,
            from: found.toVersion,
            to: fromVersion,
          })),
          notListed: Math.max(0, targets.length - LIST_MAX),
        },
        warnings: ready ? ['Each collector restarts again during its downgrade.'] : [],
      };
    },
    async run(ctx, input) {
      const found = await record(ctx, input.rolloutId);
      if (found.state !== 'halted')
        throw new OperationError(
          `Rollout ${found.id} is ${found.state}; only a halted rollout is rolled back.`,
          'rollout.not.halted',
        );
      if (found.dismissed)
        throw new OperationError(
          `Rollout ${found.id} was dismissed by ${found.dismissed.by}: its failed wave stays as it is.`,
          'rollout.dismissed',
        );
      if (found.rollback || !(await runner.claimRollback(found.id, randomBytes(12).toString('base64url'))))
        throw new OperationError(
          `Rollout ${found.id} was rolled back already (never twice); get_rollout_status shows how it went.`,
          'rollout.rolled.back',
        );
      const targets = await rollbackTargets(ctx, found);
      const byVersion = new Map<string, RolloutCollector[]>();
      for (const target of targets)
        byVersion.set(target.fromVersion, [...(byVersion.get(target.fromVersion) ?? []), target]);
      found.rollback = { startedAt: Date.now(), complete: false, results: [] };
      await runner.saveRollback(found);
      const runs = await Promise.all(
        [...byVersion].map(([version, members]) =>
          runBulkUpgrade(
            ctx.client,
            {
              toVersion: version,
              planned: members.map(({ collectorId, name, fromVersion }) => ({
                collectorId,
                name,
                fromVersion,
              })),
              skipped: [],
              deferred: 0,
              trackingFilter: 'installed',
            },
            { signal: ctx.signal, deadline: ctx.deadline, onProgress: ctx.onProgress },
          ),
        ),
      );
      const results = runs.flatMap((run) => run.results);
      found.rollback = {
        startedAt: found.rollback.startedAt,
        complete: countOutcomes(results).running === 0,
        results: results.map(({ collectorId, name, toVersion, outcome, message }) => ({
          collectorId,
          name,
          toVersion,
          outcome,
          ...(message ? { message } : {}),
        })),
      };
      await runner.saveRollback(found, true);
      return rolloutStatus(found);
    },
  });

  return [rollout, status, cancel, rollback];
}

export const rolloutOperations: AnyOperation[] = createRolloutOperations();
