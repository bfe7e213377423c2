import { randomBytes, randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { iterateCollectors } from '../api/collectors.js';
import type { SumoClient } from '../http/client.js';
import { sleep } from '../http/sleep.js';
import { type Logger, silentLogger } from '../logger.js';
import type { AuditSubject } from '../operations/define.js';
import { MemoryBackend, type StateBackend } from '../state/backend.js';
import { Lease } from '../state/stores.js';
import {
  type BulkUpgradePlan,
  type PlannedUpgrade,
  runBulkUpgrade,
  trackUpgrades,
  type UpgradeResult,
} from '../upgrades/bulk-upgrade.js';
import { checkWaveGates } from './gates.js';
import {
  awaitsDecision,
  newRolloutId,
  orgKeyOf,
  type RolloutCollector,
  type RolloutRecord,
  type RolloutState,
  RolloutStore,
} from './rollout-store.js';

/** Where a rollout's time comes from: soaks are waited on it, gates compare spans of it. */
export interface RolloutClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const REAL_CLOCK: RolloutClock = { now: () => Date.now(), sleep };

export interface RolloutRunnerSettings {
  clock: RolloutClock;
  /** A driving process renews its lease this often / 3; a crashed one's rollout is taken over after it. */
  leaseTtlMs: number;
  /** How often a replica with shared state looks for rollouts nobody drives. */
  sweepMs: number;
  /** Upgrade tracking: first wait between rounds, doubling up to the maximum (as upgrade_collectors). */
  pollIntervalMs: number;
  maxPollIntervalMs: number;
  /** How often a caller following a rollout driven elsewhere reads its record. */
  followPollMs: number;
  /** Search status polling for the data gate. */
  searchPoll?: { initialMs?: number; maxMs?: number } | undefined;
  /** Failed attempts of one step (an API error after the client's own retries) before the rollout is failed. */
  stepAttempts: number;
}

/** How often a soak looks at the clock and for a cancel. */
const SOAK_CHECK_MS = 60_000;

const DEFAULTS: RolloutRunnerSettings = {
  clock: REAL_CLOCK,
  leaseTtlMs: 30_000,
  sweepMs: 10_000,
  pollIntervalMs: 5_000,
  maxPollIntervalMs: 30_000,
  followPollMs: 2_000,
  stepAttempts: 3,
};

export interface NewRollout {
  plan: BulkUpgradePlan;
  waves: readonly (readonly PlannedUpgrade[])[];
  soakSeconds: number;
  checkData: boolean;
  confirmedBy?: AuditSubject | undefined;
}

export interface FollowOptions {
  signal?: AbortSignal | undefined;
  /** Epoch ms (wall clock) to answer by, the rollout going on in the background. */
  deadline?: number | undefined;
  onChange?: ((record: RolloutRecord) => void) | undefined;
}

/** Refused before anything was done: the org has a running rollout, or a halted one awaiting a decision. */
export class RolloutConflictError extends Error {
  override readonly name = 'RolloutConflictError';
  constructor(
    readonly running: string,
    readonly halted = false,
  ) {
    super(
      halted
        ? `Rollout ${running} halted in this org and its failed wave awaits a decision; no new rollout starts until then.`
        : `Rollout ${running} is still running in this org; only one runs at a time.`,
    );
  }
}

/**
 * Drives rollouts: one wave after another, each recorded in the state backend before it is acted
 * on, so that any process holding the rollout's lease — this one after a restart, or another
 * replica — carries on exactly where the record says, and no wave's upgrades are asked for twice
 * (a claim per wave, set once ever). The driving is this process's own work, not a caller's:
 * a call that started or follows a rollout may end while it goes on.
 */
export class RolloutRunner {
  #settings: RolloutRunnerSettings;
  #store = new RolloutStore(new MemoryBackend());
  #logger: Logger = silentLogger;
  readonly #clients = new Map<string, SumoClient>();
  readonly #driving = new Map<string, Promise<void>>();
  readonly #waiters = new Map<string, Set<() => void>>();
  #abort = RolloutRunner.#controller();
  #sweeper: NodeJS.Timeout | undefined;

  constructor(settings: Partial<RolloutRunnerSettings> = {}) {
    this.#settings = { ...DEFAULTS, ...settings };
  }

  /** Tests and benchmarks drive soaks with the simulator's clock and poll faster. */
  configure(settings: Partial<RolloutRunnerSettings>): void {
    this.#settings = { ...this.#settings, ...settings };
  }

  get settings(): Readonly<RolloutRunnerSettings> {
    return this.#settings;
  }

  get backend(): StateBackend {
    return this.#store.backend;
  }

  /**
   * Keeps rollouts in `backend` (front ends pass `stores.backend`). With `resume` (shared state),
   * looks now and every `sweepMs` for running rollouts nobody drives — a crashed or stopped
   * replica's — and drives those of `clients`' orgs.
   */
  useBackend(
    backend: StateBackend,
    options: { clients?: readonly SumoClient[]; logger?: Logger | undefined; resume?: boolean } = {},
  ): void {
    for (const client of options.clients ?? []) this.#clients.set(orgKeyOf(client), client);
    if (options.logger) this.#logger = options.logger.child({ component: 'rollouts' });
    if (this.#store.backend !== backend) {
      if (this.#driving.size > 0)
        throw new Error('This RolloutRunner is driving rollouts in another backend: call shutdown() first.');
      this.#store = new RolloutStore(backend);
    }
    if (options.resume && !this.#sweeper) {
      this.#sweeper = setInterval(() => void this.sweep(), this.#settings.sweepMs);
      this.#sweeper.unref();
      void this.sweep();
    }
  }

  /** Drives every running rollout of a known org that no process holds the lease of. */
  async sweep(): Promise<void> {
    try {
      for (const id of await this.#store.running()) {
        if (this.#driving.has(id)) continue;
        const record = await this.#store.get(id);
        const client = record && this.#clients.get(record.org);
        if (record?.state === 'running' && client) this.drive(client, id);
      }
    } catch (error) {
      this.#logger.warn('rollout sweep failed', { error: (error as Error).message });
    }
  }

  /** Records a new rollout as the org's running one and starts driving it; refuses a second. */
  async start(client: SumoClient, rollout: NewRollout): Promise<RolloutRecord> {
    const org = orgKeyOf(client);
    this.#clients.set(org, client);
    const now = this.#settings.clock.now();
    const collectors: RolloutCollector[] = rollout.waves.flatMap((wave, index) =>
      wave.map(({ collectorId, name, fromVersion }) => ({ collectorId, name, fromVersion, wave: index })),
    );
    const record: RolloutRecord = {
      id: newRolloutId(),
      org,
      toVersion: rollout.plan.toVersion,
      soakSeconds: rollout.soakSeconds,
      checkData: rollout.checkData,
      createdAt: now,
      updatedAt: now,
      ...(rollout.confirmedBy ? { confirmedBy: rollout.confirmedBy } : {}),
      state: 'running',
      currentWave: 0,
      waves: rollout.waves.map((wave) => ({ phase: 'pending', size: wave.length })),
      collectors,
    };
    const created = await this.#store.create(record);
    if (!created.created) {
      const holder = await this.#store.get(created.running);
      throw new RolloutConflictError(created.running, holder !== undefined && awaitsDecision(holder));
    }
    this.#logger.info('rollout started', { rolloutId: record.id, waves: record.waves.length });
    this.drive(client, record.id);
    return record;
  }

  /** The rollout (the org's running one, else its latest, without an id); resumes it if nobody drives it. */
  async get(client: SumoClient, id?: string): Promise<RolloutRecord | undefined> {
    const org = orgKeyOf(client);
    this.#clients.set(org, client);
    const wanted = id ?? (await this.#store.current(org));
    const record = wanted === undefined ? undefined : await this.#store.get(wanted);
    // Another org's rollout is not this caller's to see.
    if (!record || record.org !== org) return undefined;
    if (record.state === 'running' && !this.#driving.has(record.id)) this.drive(client, record.id);
    return record;
  }

  /** Asks the driver to stop once the running wave's tasks have ended. */
  async requestCancel(id: string, by: string): Promise<void> {
    await this.#store.requestCancel(id, by);
  }

  /** The one decision about a halted rollout's failed wave: true for the caller that may roll it back. */
  claimRollback(id: string, token: string): Promise<boolean> {
    return this.#store.claimDecision(id, token);
  }

  /**
   * Saves a rollback's progress; the rollout has ended, so nobody else writes its record. Once
   * the rollback has run (`ran`), the org is free for the next rollout.
   */
  async saveRollback(record: RolloutRecord, ran = false): Promise<void> {
    await this.#save(record);
    if (ran) await this.#store.release(record);
  }

  /**
   * Leaves a halted rollout's failed wave as it is, recording who decided so, and frees the org.
   * False when a rollback or another dismissal was decided first.
   */
  async dismiss(record: RolloutRecord, by: string): Promise<boolean> {
    if (!(await this.#store.claimDecision(record.id, randomBytes(12).toString('base64url')))) return false;
    record.dismissed = { by, at: this.#settings.clock.now() };
    await this.#save(record);
    await this.#store.release(record);
    return true;
  }

  /** Waits until the rollout ends or `deadline`, telling `onChange` of each wave's step. */
  async follow(id: string, options: FollowOptions = {}): Promise<RolloutRecord> {
    let seen = '';
    for (;;) {
      const record = await this.#store.get(id);
      if (!record) throw new Error(`rollout ${id} is no longer in the state backend`);
      const step = `${record.state}:${record.currentWave}:${record.waves[record.currentWave]?.phase}`;
      if (step !== seen) {
        seen = step;
        options.onChange?.(record);
      }
      if (record.state !== 'running') return record;
      const remaining = (options.deadline ?? Number.POSITIVE_INFINITY) - Date.now();
      if (remaining <= 0) return record;
      await this.#nextChange(id, Math.min(remaining, this.#settings.followPollMs), options.signal);
    }
  }

  /** Drives the rollout here unless this process already does (the lease decides between processes). */
  drive(client: SumoClient, id: string): void {
    if (this.#driving.has(id)) return;
    const driving = this.#drive(client, id)
      // Whatever stopped it (the state backend gone while ending the rollout), the lease is back
      // and the sweep, here or on another replica, carries on.
      .catch((error: unknown) =>
        this.#logger.warn('rollout driving stopped', {
          rolloutId: id,
          error: error instanceof Error ? error.message : String(error),
        }),
      )
      .finally(() => this.#driving.delete(id));
    this.#driving.set(id, driving);
  }

  /** Stops driving (leases released, so another replica carries on at once) and stops sweeping. */
  async shutdown(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    this.#abort.abort(new Error('The rollout runner is shutting down.'));
    await Promise.allSettled(this.#driving.values());
    this.#abort = RolloutRunner.#controller();
  }

  /**
   * One signal for every request of every rollout this process drives: a wave of hundreds of
   * upgrade requests each listen to it at once, which is no leak.
   */
  static #controller(): AbortController {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    return controller;
  }

  async #drive(client: SumoClient, id: string): Promise<void> {
    const lease = new Lease(this.#store.backend, this.#store.leaseKey(id), this.#settings.leaseTtlMs);
    if (!(await lease.acquire().catch(() => false))) return;
    const signal = this.#abort.signal;
    let failures = 0;
    try {
      for (;;) {
        const record = await this.#store.get(id);
        if (record?.state !== 'running' || signal.aborted) return;
        // A lease lost to a long pause: the other holder carries on, this one stops.
        if ((await this.#store.backend.get(lease.key)) !== lease.holder) return this.#takenOver(id);
        try {
          if (await this.#step(client, record, lease.holder, signal)) return;
          failures = 0;
        } catch (error) {
          if (signal.aborted) return;
          if (error instanceof LeaseLostError) return this.#takenOver(id, 'its record write was refused');
          failures += 1;
          const message = (error as Error).message;
          this.#logger.warn('rollout step failed', { rolloutId: id, attempt: failures, error: message });
          if (failures >= this.#settings.stepAttempts) {
            const current = record.waves[record.currentWave];
            if (current && current.phase !== 'pending') {
              // Its upgrades were asked for and no gate judged them: the wave waits for a person's
              // decision (rollback or dismissal) like a failed gate, and holds the org until then.
              current.phase = 'failed';
              await this.#end(
                record,
                'halted',
                `Halted in wave ${record.currentWave + 1} after repeated errors (${message}); nothing more was started. rollback_collector_rollout moves the wave back to each collector's previous version.`,
                lease.holder,
              );
            } else {
              await this.#end(
                record,
                'failed',
                `Stopped after an error before wave ${record.currentWave + 1} started: ${message}`,
                lease.holder,
              );
            }
            return;
          }
          await sleep(this.#settings.pollIntervalMs, signal).catch(() => undefined);
        }
      }
    } finally {
      await lease.release();
    }
  }

  #takenOver(id: string, how = 'its lease is held by another'): void {
    this.#logger.info(`rollout taken over by another process (${how}); this one stops driving it`, {
      rolloutId: id,
    });
  }

  /** One step of the current wave; true when the rollout has ended (or is another holder's). */
  async #step(
    client: SumoClient,
    record: RolloutRecord,
    token: string,
    signal: AbortSignal,
  ): Promise<boolean> {
    const clock = this.#settings.clock;
    const index = record.currentWave;
    const wave = record.waves[index];
    if (!wave) return this.#end(record, 'failed', `The record has no wave ${index + 1}.`, token);
    const members = record.collectors.filter((collector) => collector.wave === index);
    const plan = planOf(record, members);
    const label = `wave ${index + 1} of ${record.waves.length}`;
    switch (wave.phase) {
      case 'pending': {
        if (await this.#store.cancelRequested(record.id))
          return this.#end(record, 'cancelled', `Cancelled before ${label} started.`, token);
        // Recorded before anything is asked of Sumo: a restart after this never asks again.
        wave.phase = 'starting';
        wave.startedAt = clock.now();
        await this.#save(record, token);
        return this.#askForWave(client, record, members, token, signal);
      }
      case 'starting': {
        // Nobody asks Sumo for a wave's upgrades without first winning its claim. Winning it
        // here means whoever recorded the start never asked (it stopped, or lost its lease,
        // first): this holder asks, once — and a paused former holder that wakes up later loses
        // the claim and stops instead of asking behind its back.
        if (await this.#claimWave(record, index, token))
          return this.#askForWave(client, record, members, token, signal, true);
        // Claimed, so perhaps asked: which tasks exist is not known, so none is asked for again;
        // the collector list says which got there.
        const versions = new Map<number, string>();
        for await (const collector of iterateCollectors(client, { filter: 'installed' }, { signal }))
          versions.set(collector.id, collector.collectorVersion);
        for (const member of members) {
          if (versions.get(member.collectorId) === record.toVersion) member.outcome = 'succeeded';
          else {
            member.outcome = 'unknown';
            member.message = `The process driving the rollout stopped while ${label}'s upgrades were being asked for; whether this one's was is unknown, so it was not asked again.`;
          }
        }
        wave.phase = 'upgrading';
        await this.#save(record, token);
        return false;
      }
      case 'upgrading': {
        const running = members.filter((member) => member.outcome === 'running' && member.taskId);
        if (running.length > 0) {
          const results = running.map((member) => toUpgradeResult(member, record.toVersion));
          await trackUpgrades(
            client,
            results,
            plan,
            {
              signal,
              pollIntervalMs: this.#settings.pollIntervalMs,
              maxPollIntervalMs: this.#settings.maxPollIntervalMs,
            },
            () => undefined,
          );
          for (const result of results) copyOutcome(result, members);
        }
        wave.tasksEndedAt = clock.now();
        wave.soakUntil = wave.tasksEndedAt + record.soakSeconds * 1000;
        wave.phase = 'soaking';
        await this.#save(record, token);
        if (await this.#store.cancelRequested(record.id))
          return this.#end(
            record,
            'cancelled',
            `Cancelled: ${label}'s upgrades ended and no later wave was started.`,
            token,
          );
        return false;
      }
      case 'soaking': {
        // A minute at a time on the rollout's clock, so that a cancel stops the soak within one.
        for (
          let wait = (wave.soakUntil ?? 0) - clock.now();
          wait > 0;
          wait = (wave.soakUntil ?? 0) - clock.now()
        ) {
          if (await this.#store.cancelRequested(record.id))
            return this.#end(
              record,
              'cancelled',
              `Cancelled during ${label}'s soak; no later wave was started.`,
              token,
            );
          await clock.sleep(Math.min(wait, SOAK_CHECK_MS), signal);
        }
        wave.phase = 'gating';
        await this.#save(record, token);
        return false;
      }
      case 'gating': {
        const gate = await checkWaveGates(client, record, index, {
          now: clock.now(),
          signal,
          logger: this.#logger,
          searchPoll: this.#settings.searchPoll,
        });
        wave.gate = gate;
        if (!gate.passed) {
          wave.phase = 'failed';
          const names = [...new Set(gate.failures.map((failure) => failure.name))];
          return this.#end(
            record,
            'halted',
            `Halted after ${label}: ${names.length} collector(s) failed a gate (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}); nothing more was started. rollback_collector_rollout moves the wave back to each collector's previous version.`,
            token,
          );
        }
        wave.phase = 'passed';
        if (index === record.waves.length - 1)
          return this.#end(
            record,
            'done',
            `Every wave passed its gates: ${record.collectors.length} collector(s) on ${record.toVersion}.`,
            token,
          );
        if (await this.#store.cancelRequested(record.id))
          return this.#end(
            record,
            'cancelled',
            `Cancelled after ${label} passed its gates; no later wave was started.`,
            token,
          );
        record.currentWave += 1;
        await this.#save(record, token);
        return false;
      }
      default:
        return true;
    }
  }

  /**
   * Asks Sumo for the current wave's upgrades, once: only the winner of the wave's claim asks
   * (`claimed` when the caller already won it). The claim is this pass's alone (a fresh token
   * each time), so no holder, former or current, wins it twice. A lost claim stops this holder;
   * whoever drives next finds the wave 'starting' and reads the collector list instead.
   */
  async #askForWave(
    client: SumoClient,
    record: RolloutRecord,
    members: RolloutCollector[],
    token: string,
    signal: AbortSignal,
    claimed = false,
  ): Promise<boolean> {
    if (!claimed && !(await this.#claimWave(record, record.currentWave, token))) return true;
    const started = await runBulkUpgrade(client, planOf(record, members), { wait: false, signal });
    for (const result of started.results) copyOutcome(result, members);
    const wave = record.waves[record.currentWave];
    if (wave) wave.phase = 'upgrading';
    await this.#save(record, token);
    return false;
  }

  #claimWave(record: RolloutRecord, index: number, token: string): Promise<boolean> {
    return this.#store.claimWave(record.id, index, `${token}:${randomUUID()}`);
  }

  async #end(record: RolloutRecord, state: RolloutState, reason: string, holder: string): Promise<true> {
    record.state = state;
    record.reason = reason;
    for (const wave of record.waves) if (wave.phase === 'pending') wave.phase = 'skipped';
    await this.#save(record, holder);
    await this.#store.finished(record);
    this.#logger.info('rollout ended', { rolloutId: record.id, state });
    return true;
  }

  /**
   * Saves the record and wakes this process's followers. With `holder` (a driving step), only while
   * it holds the rollout's lease: one that lost it stops there (LeaseLostError), leaving the record
   * to the process that took the rollout over.
   */
  async #save(record: RolloutRecord, holder?: string): Promise<void> {
    if (!(await this.#store.save(record, holder))) throw new LeaseLostError(record.id);
    for (const wake of this.#waiters.get(record.id) ?? []) wake();
  }

  /** Resolves on this process's next save of the rollout, or after `ms` (another replica may drive it). */
  #nextChange(id: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiters = this.#waiters.get(id) ?? new Set();
      this.#waiters.set(id, waiters);
      const stopWaiting = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0) this.#waiters.delete(id);
        signal?.removeEventListener('abort', aborted);
      };
      const done = () => {
        stopWaiting();
        resolve();
      };
      const aborted = () => {
        stopWaiting();
        reject(signal?.reason);
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
      if (signal?.aborted) aborted();
      else signal?.addEventListener('abort', aborted, { once: true });
    });
  }
}

function planOf(record: RolloutRecord, members: readonly RolloutCollector[]): BulkUpgradePlan {
  return {
    toVersion: record.toVersion,
    planned: members.map(({ collectorId, name, fromVersion }) => ({ collectorId, name, fromVersion })),
    skipped: [],
    deferred: 0,
    trackingFilter: 'installed',
  };
}

function toUpgradeResult(member: RolloutCollector, toVersion: string): UpgradeResult {
  return {
    collectorId: member.collectorId,
    name: member.name,
    fromVersion: member.fromVersion,
    toVersion,
    outcome: 'running',
    taskId: member.taskId,
  };
}

function copyOutcome(result: UpgradeResult, members: readonly RolloutCollector[]): void {
  const member = members.find((candidate) => candidate.collectorId === result.collectorId);
  if (!member) return;
  member.outcome = result.outcome;
  member.taskId = result.taskId;
  member.message = result.message;
}

/** A driving step found its lease taken by another process: it writes nothing more and stops. */
class LeaseLostError extends Error {
  constructor(id: string) {
    super(`rollout ${id}: the lease was taken over by another process`);
    this.name = 'LeaseLostError';
  }
}

/** The process-wide runner every front end uses. */
export const rolloutRunner = new RolloutRunner();
