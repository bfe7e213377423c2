import type { Logger, StateBackend } from '@sumo-ops/core';
import { describeError } from './blocks/errors.js';

const KEY = 'slack:upgrades:recent';
export const RECENT_UPGRADES_MS = 24 * 3_600_000;

/** One upgrade started from this app, as the App Home tab lists it. */
export interface UpgradeLogEntry {
  /** Epoch ms of this news about the upgrade. */
  at: number;
  /** The task id, or the operation for a bulk upgrade (its tasks are not followed one by one). */
  id: string;
  /** The collector (or collectors), already escaped for mrkdwn. */
  label: string;
  toVersion?: string | undefined;
  /** `running` until a follow-up learns the outcome: `succeeded`, `failed`, … */
  status: string;
  by?: string | undefined;
}

/**
 * Upgrades started from Slack in the last 24 hours, kept in the state backend so that every
 * replica's App Home shows the same list, and a restart keeps it. News is appended (start, then
 * outcome); the newest news of each upgrade wins.
 */
export class UpgradeLog {
  constructor(
    private readonly backend: StateBackend,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Never throws: the home tab's list must not stand in the way of telling the thread. */
  async record(entry: Omit<UpgradeLogEntry, 'at'>): Promise<void> {
    try {
      await this.backend.append(KEY, JSON.stringify({ ...entry, at: this.now() }), RECENT_UPGRADES_MS);
    } catch (error) {
      this.logger.warn('could not note the upgrade for App Home', { error: describeError(error) });
    }
  }

  /** Newest first, one line per upgrade, only the last 24 hours. */
  async recent(): Promise<UpgradeLogEntry[]> {
    const since = this.now() - RECENT_UPGRADES_MS;
    const latest = new Map<string, UpgradeLogEntry>();
    for (const line of await this.backend.list(KEY)) {
      const entry = JSON.parse(line) as UpgradeLogEntry;
      const known = latest.get(entry.id);
      // The start is where `by` and the version are known; an outcome keeps them.
      latest.set(entry.id, known ? { ...known, ...dropUndefined(entry) } : entry);
    }
    return [...latest.values()].filter((entry) => entry.at >= since).sort((a, b) => b.at - a.at);
  }
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}
