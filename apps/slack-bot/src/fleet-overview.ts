import { setTimeout as sleep } from 'node:timers/promises';
import type {
  Logger,
  OfflineOtCollectors,
  OperationCatalog,
  SharedReads,
  StateBackend,
  SumoClient,
} from '@sumo-ops/core';
import { describeError } from './blocks/errors.js';
import { operationContext } from './context.js';
import { type FleetHealth, readFleetHealth } from './health/home-health.js';

/** The fleet at a glance, as the App Home tab shows it. */
export interface FleetSnapshot {
  /** Epoch ms when it was read from Sumo Logic. */
  at: number;
  collectors: { total: number; alive: number; dead: number; installed: number; hosted: number };
  /** Installed collectors whose last heartbeat is older than `OFFLINE_DAYS`, longest offline first. */
  offline: { count: number; longest: Array<{ name: string; id: number; days?: number | undefined }> };
  upgrades: { latest: string | null; upgradable: number };
  /** True when a list had more than one page: the counts are of the first `PAGE` only. */
  partial: boolean;
  /** Set when Sumo Logic could not be read; the counts are then absent (zero). */
  error?: string | undefined;
  /** OT collectors and health events; absent from snapshots kept before they were read. */
  fleetHealth?: FleetHealth | undefined;
}

export const OFFLINE_DAYS = 30;
/** One page per list, whatever the fleet's size (the view says if it was cut). */
const PAGE = 1_000;
/**
 * What one refresh costs: list_collectors, list_offline_collectors (installed, and OT ones
 * counted), list_upgrade_targets, list_upgradable_collectors, list_ot_collectors (the total)
 * and list_health_events (one call per 1,000 unresolved events; more only past that).
 */
export const HOME_SUMO_CALLS = 7;
export const FLEET_CACHE_MS = 60_000;
/** Kept long after it is fresh, so a replica that lost the race to refresh still has something to show. */
const KEEP_MS = 24 * 3_600_000;
const SNAPSHOT_KEY = 'slack:home:fleet';
const REFRESH_KEY = 'slack:home:refresh';
/** How long a replica that did not win the refresh waits for the winner's snapshot. */
const WAIT_FOR_WINNER_MS = 5_000;

interface Page<T> {
  items: T[];
  nextOffset: number | null;
}
interface CollectorItem {
  id: number;
  name: string;
  alive: boolean;
  collectorType: string;
  offlineDays?: number;
}

/**
 * Reads the fleet with six catalog operations (`HOME_SUMO_CALLS` API calls) at most once a
 * minute across all replicas: the right to refresh is a key set-if-absent for a minute in the
 * state backend, so however often and wherever the tab is opened, Sumo Logic sees at most that
 * many calls a minute from it. The
 * snapshot is shared through the backend; a replica that did not win the refresh waits briefly
 * for the winner's snapshot, then shows the one it has.
 */
export class FleetOverview {
  #inFlight: Promise<FleetSnapshot> | undefined;
  readonly #snapshotKey: string;
  readonly #refreshKey: string;

  constructor(
    /** `reads`: its lists meet identical ones (e.g. `/sumo collectors`'s). */
    private readonly bot: { catalog: OperationCatalog; sumo: SumoClient; logger: Logger; reads: SharedReads },
    private readonly backend: StateBackend,
    private readonly now: () => number = Date.now,
    /** With an orgs file, the org `bot.sumo` belongs to: its snapshot and refresh right are its own. */
    org?: string | undefined,
  ) {
    this.#snapshotKey = org ? `${SNAPSHOT_KEY}:${org}` : SNAPSHOT_KEY;
    this.#refreshKey = org ? `${REFRESH_KEY}:${org}` : REFRESH_KEY;
  }

  /** A snapshot no older than a minute when Sumo Logic answers; an older one (or none) otherwise. */
  get(): Promise<FleetSnapshot | undefined> {
    this.#inFlight ??= this.#get().finally(() => {
      this.#inFlight = undefined;
    }) as Promise<FleetSnapshot>;
    return this.#inFlight;
  }

  async #get(): Promise<FleetSnapshot | undefined> {
    const cached = await this.#stored();
    if (cached && this.now() - cached.at < FLEET_CACHE_MS) return cached;
    const won = await this.backend.set(this.#refreshKey, String(this.now()), {
      ttlMs: FLEET_CACHE_MS,
      onlyIfAbsent: true,
    });
    if (!won) return this.#waitForWinner(cached);
    const snapshot = await this.#read();
    await this.backend.set(this.#snapshotKey, JSON.stringify(snapshot), { ttlMs: KEEP_MS });
    return snapshot;
  }

  async #stored(): Promise<FleetSnapshot | undefined> {
    const stored = await this.backend.get(this.#snapshotKey);
    return stored === undefined ? undefined : (JSON.parse(stored) as FleetSnapshot);
  }

  async #waitForWinner(cached: FleetSnapshot | undefined): Promise<FleetSnapshot | undefined> {
    const deadline = this.now() + WAIT_FOR_WINNER_MS;
    while (this.now() < deadline) {
      await sleep(100);
      const fresh = await this.#stored();
      if (fresh && fresh.at !== cached?.at) return fresh;
    }
    return cached;
  }

  async #read(): Promise<FleetSnapshot> {
    const at = this.now();
    const run = async <T>(operation: string, raw: unknown): Promise<T> => {
      const { catalog } = this.bot;
      return (await catalog.run(
        operation,
        operationContext(this.bot, operation),
        catalog.parseInput(operation, raw),
      )) as T;
    };
    try {
      const [all, offline, targets, upgradable] = await Promise.all([
        run<Page<CollectorItem>>('list_collectors', { limit: PAGE }),
        run<Page<CollectorItem> & { otCollectors?: OfflineOtCollectors }>('list_offline_collectors', {
          aliveBeforeDays: OFFLINE_DAYS,
          limit: PAGE,
        }),
        run<{ latest: string | null }>('list_upgrade_targets', {}),
        run<Page<CollectorItem>>('list_upgradable_collectors', { limit: PAGE }),
      ]);
      const fleetHealth = await readFleetHealth(run, offline.otCollectors);
      const hosted = all.items.filter((collector) => collector.collectorType === 'Hosted').length;
      const alive = all.items.filter((collector) => collector.alive).length;
      return {
        at,
        collectors: {
          total: all.items.length,
          alive,
          dead: all.items.length - alive,
          installed: all.items.length - hosted,
          hosted,
        },
        offline: {
          count: offline.items.length,
          longest: [...offline.items]
            .sort((a, b) => (b.offlineDays ?? 0) - (a.offlineDays ?? 0))
            .slice(0, 5)
            .map(({ name, id, offlineDays }) => ({ name, id, days: offlineDays })),
        },
        upgrades: { latest: targets.latest, upgradable: upgradable.items.length },
        partial: [all, offline, upgradable].some((page) => page.nextOffset !== null),
        fleetHealth,
      };
    } catch (error) {
      this.bot.logger.warn('could not read the fleet for App Home', { error: describeError(error) });
      return {
        at,
        collectors: { total: 0, alive: 0, dead: 0, installed: 0, hosted: 0 },
        offline: { count: 0, longest: [] },
        upgrades: { latest: null, upgradable: 0 },
        partial: false,
        error: describeError(error),
      };
    }
  }
}
