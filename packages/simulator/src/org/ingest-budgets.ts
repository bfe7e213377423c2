import type { SimClock } from '../clock.js';
import type { DataHalt } from './data-origins.js';
import { fleetErrors } from './fleet-errors.js';
import type { SimIngestBudget, UsageStatus } from './fleet-model.js';
import { hexId } from './hex-id.js';

/** `IngestBudgetDefinitionV2`, as the request validator has already checked it against the document. */
export interface IngestBudgetDefinition {
  name: string;
  scope: string;
  capacityBytes: number;
  action: 'stopCollecting' | 'keepCollecting';
  timezone?: string;
  resetTime?: string;
  description?: string;
  auditThreshold?: number;
}

/** Usage at or above this share of capacity is `Approaching` when the budget sets no audit threshold. */
const DEFAULT_APPROACHING_PERCENT = 85;
const FIRST_BUDGET_ID = 0x3343fd0;
const SYSTEM_USER_ID = hexId(0x6743fdd);
const RESET_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

interface BudgetRecord {
  budget: Omit<SimIngestBudget, 'usageStatus' | 'usageBytes'>;
  /** `undefined` while the service cannot tell the usage (`Unknown`). */
  usageBytes: number | undefined;
  /** Simulated epoch ms of the last usage change: when an `Exceeded` budget's health event began. */
  usageChangedAt: number;
  /** Since when collection in the scope is stopped (`Exceeded` with `stopCollecting`), if it is. */
  stoppedSince: number | undefined;
}

/**
 * Ingest budgets v2. The simulator ingests nothing, so usage is whatever tests (or the seed)
 * set with `setUsage`; the status follows from it: `Exceeded` at capacity, `Approaching` from
 * the audit threshold, `Unknown` when usage is unknown. Scheduled daily resets are not run, so
 * a seeded state holds however far the clock moves; `POST …/usage/reset` zeroes usage.
 */
export class SimIngestBudgets {
  readonly #clock: SimClock;
  readonly #records = new Map<string, BudgetRecord>();
  /** Stops that have ended: data not collected then stays missing from the past. */
  readonly #endedStops: DataHalt<string>[] = [];
  #nextId = FIRST_BUDGET_ID;

  constructor(clock: SimClock) {
    this.#clock = clock;
  }

  // ---- Reads and controls for tests ----

  all(): SimIngestBudget[] {
    return [...this.#records.values()].map(toWire);
  }

  byId(id: string): SimIngestBudget | undefined {
    const record = this.#records.get(id);
    return record && toWire(record);
  }

  byName(name: string): SimIngestBudget | undefined {
    return this.all().find((budget) => budget.name === name);
  }

  /**
   * Usage since the last reset, in bytes; `'unknown'` makes the status `Unknown`. `at` is when
   * the usage reached it (default now, never later), e.g. to seed a budget exceeded hours ago.
   */
  setUsage(id: string, usageBytes: number | 'unknown', at = this.#clock.now()): void {
    if (usageBytes !== 'unknown' && !(Number.isSafeInteger(usageBytes) && usageBytes >= 0))
      throw new RangeError('usageBytes must be a whole number of bytes, 0 or more');
    if (!(at <= this.#clock.now())) throw new RangeError('setUsage: `at` cannot be in the future');
    const record = this.#require(id);
    record.usageBytes = usageBytes === 'unknown' ? undefined : usageBytes;
    record.usageChangedAt = at;
    this.#trackStop(record, at);
  }

  /**
   * The spans in which budgets stopped collection, each with its scope (as it was then): while a
   * budget is `Exceeded` with `stopCollecting`, no data in its scope is collected.
   */
  collectionStops(): DataHalt<string>[] {
    const open: DataHalt<string>[] = [];
    for (const { budget, stoppedSince } of this.#records.values()) {
      if (stoppedSince !== undefined)
        open.push({ cause: budget.scope, from: stoppedSince, to: Number.POSITIVE_INFINITY });
    }
    return [...this.#endedStops, ...open];
  }

  /** When the budget's usage last changed (set, reset or created), in simulated epoch ms. */
  usageChangedAt(id: string): number | undefined {
    return this.#records.get(id)?.usageChangedAt;
  }

  // ---- Ingest Budget API (v2) ----

  list(): SimIngestBudget[] {
    return this.all();
  }

  get(id: string): SimIngestBudget {
    return toWire(this.#require(id));
  }

  create(definition: IngestBudgetDefinition): SimIngestBudget {
    const now = new Date(this.#clock.now()).toISOString();
    const id = hexId(this.#nextId);
    this.#nextId += 1 + (this.#nextId % 5);
    const record: BudgetRecord = {
      budget: {
        id,
        ...this.#validDefinition(definition, undefined),
        createdAt: now,
        createdBy: SYSTEM_USER_ID,
        modifiedAt: now,
        modifiedBy: SYSTEM_USER_ID,
        version: 1,
        budgetVersion: 2,
      },
      usageBytes: 0,
      usageChangedAt: this.#clock.now(),
      stoppedSince: undefined,
    };
    this.#records.set(id, record);
    return toWire(record);
  }

  /** "All properties specified in the request are required": the definition is replaced whole. */
  update(id: string, definition: IngestBudgetDefinition): SimIngestBudget {
    const record = this.#require(id);
    const { createdAt, createdBy, version, budgetVersion } = record.budget;
    // A new scope or action ends a stop under the old definition; the new one may start another.
    this.#endStop(record, this.#clock.now());
    record.budget = {
      id,
      ...this.#validDefinition(definition, id),
      createdAt,
      createdBy,
      modifiedAt: new Date(this.#clock.now()).toISOString(),
      modifiedBy: SYSTEM_USER_ID,
      version: version + 1,
      budgetVersion,
    };
    this.#trackStop(record, this.#clock.now());
    return toWire(record);
  }

  delete(id: string): void {
    this.#endStop(this.#require(id), this.#clock.now());
    this.#records.delete(id);
  }

  resetUsage(id: string): void {
    const record = this.#require(id);
    record.usageBytes = 0;
    record.usageChangedAt = this.#clock.now();
    this.#trackStop(record, record.usageChangedAt);
  }

  #trackStop(record: BudgetRecord, at: number): void {
    const stops =
      record.budget.action === 'stopCollecting' &&
      usageStatus(record.budget, record.usageBytes) === 'Exceeded';
    if (!stops) this.#endStop(record, at);
    else record.stoppedSince ??= at;
  }

  #endStop(record: BudgetRecord, at: number): void {
    if (record.stoppedSince === undefined) return;
    if (at > record.stoppedSince)
      this.#endedStops.push({ cause: record.budget.scope, from: record.stoppedSince, to: at });
    record.stoppedSince = undefined;
  }

  #require(id: string): BudgetRecord {
    const record = this.#records.get(id);
    if (!record) throw fleetErrors.ingestBudgetNotFound(id);
    return record;
  }

  #validDefinition(
    definition: IngestBudgetDefinition,
    ownId: string | undefined,
  ): Omit<
    SimIngestBudget,
    | 'id'
    | 'createdAt'
    | 'createdBy'
    | 'modifiedAt'
    | 'modifiedBy'
    | 'version'
    | 'budgetVersion'
    | 'usageBytes'
    | 'usageStatus'
  > {
    for (const record of this.#records.values()) {
      if (record.budget.name === definition.name && record.budget.id !== ownId)
        throw fleetErrors.duplicateBudgetName(definition.name);
    }
    const timezone = definition.timezone ?? 'Etc/UTC';
    if (!isTimeZone(timezone)) throw fleetErrors.invalidTimezone(timezone);
    const resetTime = definition.resetTime ?? '00:00';
    if (!RESET_TIME.test(resetTime)) throw fleetErrors.invalidResetTime(resetTime);
    return {
      name: definition.name,
      scope: definition.scope,
      capacityBytes: definition.capacityBytes,
      timezone,
      resetTime,
      ...(definition.description === undefined ? {} : { description: definition.description }),
      action: definition.action,
      ...(definition.auditThreshold === undefined ? {} : { auditThreshold: definition.auditThreshold }),
    };
  }
}

export function usageStatus(
  budget: { capacityBytes: number; auditThreshold?: number },
  usageBytes: number | undefined,
): UsageStatus {
  if (usageBytes === undefined) return 'Unknown';
  if (usageBytes >= budget.capacityBytes) return 'Exceeded';
  const approachingPercent = budget.auditThreshold ?? DEFAULT_APPROACHING_PERCENT;
  return usageBytes * 100 >= budget.capacityBytes * approachingPercent ? 'Approaching' : 'Normal';
}

function toWire(record: BudgetRecord): SimIngestBudget {
  const { budget, usageBytes } = record;
  return {
    ...budget,
    ...(usageBytes === undefined ? {} : { usageBytes }),
    usageStatus: usageStatus(budget, usageBytes),
  };
}

function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}
