import { createHash, randomBytes } from 'node:crypto';
import type { SumoClient } from '../http/client.js';
import type { AuditSubject } from '../operations/define.js';
import type { StateBackend } from '../state/backend.js';
import { claimWithToken } from '../state/stores.js';
import type { UpgradeOutcome } from '../upgrades/bulk-upgrade.js';

/** A rollout and what is known about it outlive every process that touches it by this much. */
const RECORD_TTL_MS = 30 * 24 * 3_600_000;
/** Sorted index of rollouts still running, for replicas to find an orphaned one. */
export const RUNNING_INDEX = 'rollouts-running';

export type RolloutState = 'running' | 'halted' | 'done' | 'cancelled' | 'failed';
/**
 * A wave moves pending → starting (recorded before any task is asked for) → upgrading → soaking
 * → gating → passed | failed; `skipped` when the rollout stopped before it.
 */
export type WavePhase =
  | 'pending'
  | 'starting'
  | 'upgrading'
  | 'soaking'
  | 'gating'
  | 'passed'
  | 'failed'
  | 'skipped';
export type GateName = 'task' | 'alive' | 'health' | 'data';

export interface RolloutCollector {
  collectorId: number;
  name: string;
  fromVersion: string;
  /** Index of its wave. */
  wave: number;
  outcome?: UpgradeOutcome | undefined;
  taskId?: string | undefined;
  message?: string | undefined;
}

export interface GateFailure {
  collectorId: number;
  name: string;
  gate: GateName;
  reason: string;
}

export interface GateResult {
  passed: boolean;
  checkedAt: number;
  failures: GateFailure[];
  /** What a gate could not judge (no soak window, no data before to compare). */
  notes: string[];
}

export interface WaveRecord {
  phase: WavePhase;
  size: number;
  startedAt?: number | undefined;
  tasksEndedAt?: number | undefined;
  soakUntil?: number | undefined;
  gate?: GateResult | undefined;
}

export interface RollbackRecord {
  startedAt: number;
  complete: boolean;
  results: Array<{ collectorId: number; name: string; toVersion: string; outcome: string; message?: string }>;
}

export interface RolloutRecord {
  id: string;
  /** Which org: a digest of the client's API URL and access id (never the key). */
  org: string;
  toVersion: string;
  soakSeconds: number;
  checkData: boolean;
  createdAt: number;
  updatedAt: number;
  confirmedBy?: AuditSubject | undefined;
  state: RolloutState;
  currentWave: number;
  waves: WaveRecord[];
  collectors: RolloutCollector[];
  /** Why it stopped, when it halted, was cancelled or failed. */
  reason?: string | undefined;
  rollback?: RollbackRecord | undefined;
  /** A halted rollout whose failed wave someone chose to leave as it is, with no rollback. */
  dismissed?: { by: string; at: number } | undefined;
}

/**
 * A halted rollout keeps its org's one slot until someone decides about its failed wave (a
 * rollback, or a dismissal): a new rollout must not start over a wave nobody has looked at.
 */
export function awaitsDecision(record: RolloutRecord): boolean {
  return record.state === 'halted' && !record.rollback && !record.dismissed;
}

/** The org a client works on, as rollouts are keyed: one rollout at a time per org. */
export function orgKeyOf(client: SumoClient): string {
  return createHash('sha256')
    .update(`${client.apiUrl}\n${client.config.accessId}`)
    .digest('base64url')
    .slice(0, 22);
}

export function newRolloutId(): string {
  return `ro-${randomBytes(6).toString('hex')}`;
}

/**
 * Rollout records in the state backend (memory, or Redis shared by replicas). Only the holder of
 * a rollout's lease writes its record while it runs (checked in the same step as the write); what
 * others may ask for (a cancel, a rollback) are keys of their own, so no write is lost to another.
 */
export class RolloutStore {
  constructor(readonly backend: StateBackend) {}

  async get(id: string): Promise<RolloutRecord | undefined> {
    const text = await this.backend.get(recordKey(id));
    return text === undefined ? undefined : (JSON.parse(text) as RolloutRecord);
  }

  /**
   * Saves the record. With `holder` (the process driving the rollout), only while it still holds
   * the rollout's lease: false, and nothing written, once another process has taken it over — an
   * older copy is never put back over the new holder's.
   */
  async save(record: RolloutRecord, holder?: string): Promise<boolean> {
    record.updatedAt = await this.backend.now();
    const text = JSON.stringify(record);
    if (holder === undefined) {
      await this.backend.set(recordKey(record.id), text, { ttlMs: RECORD_TTL_MS });
      return true;
    }
    return this.backend.setIfHeld(recordKey(record.id), text, RECORD_TTL_MS, {
      key: this.leaseKey(record.id),
      holder,
    });
  }

  /**
   * Makes `record` the org's running rollout, unless one is already: then its id, and nothing is
   * stored. Set-if-absent, so two callers on two replicas cannot both start one.
   */
  async create(record: RolloutRecord): Promise<{ created: true } | { created: false; running: string }> {
    for (let attempt = 0; ; attempt += 1) {
      if (await claimWithToken(this.backend, runningKey(record.org), record.id, RECORD_TTL_MS)) {
        await this.save(record);
        await this.backend.set(latestKey(record.org), record.id, { ttlMs: RECORD_TTL_MS });
        await this.backend.indexPut(RUNNING_INDEX, record.id, record.createdAt);
        return { created: true };
      }
      const running = await this.backend.get(runningKey(record.org));
      const holder = running === undefined ? undefined : await this.get(running);
      // A holder that neither runs nor awaits a decision lost its process before freeing the org
      // (a rollback cut short), as did one whose decision was claimed but never recorded (the
      // process stopped in between; the claim stays, so nobody could decide again): the org is
      // freed once, then claimed as for any rollout.
      const decided =
        holder !== undefined &&
        awaitsDecision(holder) &&
        (await this.backend.get(decisionKey(holder.id))) !== undefined;
      const stale =
        running !== undefined &&
        (!holder || (holder.state !== 'running' && (!awaitsDecision(holder) || decided)));
      if (attempt > 0 || !stale) return { created: false, running: running ?? 'another rollout' };
      await this.backend.releaseIfHeld(runningKey(record.org), running);
    }
  }

  /** The org's running rollout (or halted one awaiting a decision), else its latest. */
  async current(org: string): Promise<string | undefined> {
    return (await this.backend.get(runningKey(org))) ?? (await this.backend.get(latestKey(org)));
  }

  /** The rollout ended: nobody drives it any more, and the org is free unless it halted. */
  async finished(record: RolloutRecord): Promise<void> {
    if (!awaitsDecision(record)) await this.release(record);
    await this.backend.indexRemove(RUNNING_INDEX, record.id);
  }

  /** The org is free for the next rollout. */
  async release(record: RolloutRecord): Promise<void> {
    await this.backend.releaseIfHeld(runningKey(record.org), record.id);
  }

  running(): Promise<string[]> {
    return this.backend.indexRange(RUNNING_INDEX);
  }

  /**
   * Exactly one caller, ever, gets true for a wave: the one allowed to ask for its upgrades.
   * `token` is the caller's own (its lease holder id), so a caller whose answer was lost and who
   * asks again learns it had won.
   */
  claimWave(id: string, wave: number, token: string): Promise<boolean> {
    return claimWithToken(this.backend, `rollout:${id}:wave:${wave}`, token, RECORD_TTL_MS);
  }

  /** Exactly one decision about a halted rollout's failed wave, ever: a rollback or a dismissal. */
  claimDecision(id: string, token: string): Promise<boolean> {
    return claimWithToken(this.backend, decisionKey(id), token, RECORD_TTL_MS);
  }

  async requestCancel(id: string, by: string): Promise<void> {
    await this.backend.set(`rollout:${id}:cancel`, by, { ttlMs: RECORD_TTL_MS });
  }

  async cancelRequested(id: string): Promise<boolean> {
    return (await this.backend.get(`rollout:${id}:cancel`)) !== undefined;
  }

  leaseKey(id: string): string {
    return `rollout:${id}:lease`;
  }
}

function decisionKey(id: string): string {
  return `rollout:${id}:rollback`;
}

function recordKey(id: string): string {
  return `rollout:${id}`;
}

function runningKey(org: string): string {
  return `rollout-org:${org}:running`;
}

function latestKey(org: string): string {
  return `rollout-org:${org}:latest`;
}
