import type { SimClock } from '../clock.js';
import { fleetErrors } from './fleet-errors.js';
import type { OtCollectorInit, SimOtCollector } from './fleet-model.js';
import { hexId } from './hex-id.js';

/** `filters` of `PaginatedOTCollectorsRequest`; `null` means "no filter", as the document allows. */
export interface OtCollectorFilters {
  tags?: Array<Array<{ key: string; values: string[] }>>;
  collectorVersionRange?: { minVersion?: string; maxVersion?: string; rangeType?: string };
  alive?: boolean | null;
  isRemotelyManaged?: boolean | null;
  os?: string | null;
}

export interface OtCollectorQuery {
  search?: string;
  filters?: OtCollectorFilters;
  sortBy?: string;
}

/** `sortBy` values the simulator understands: the collector's sortable top-level fields. */
export const OT_SORT_FIELDS = ['name', 'id', 'alive', 'createdAt', 'modifiedAt', 'version'] as const;
type OtSortField = (typeof OT_SORT_FIELDS)[number];

/**
 * Collector ids are unique across kinds: OT collectors count from 125,000,000, above every
 * seeded Installed or Hosted Collector (100,000,000 up, even in an org of a million), so an id
 * names one collector in health events and in `_collectorId`.
 */
const FIRST_OT_COLLECTOR_ID = 125_000_000;
const SYSTEM_USER_ID = hexId(0x6a5c7a2);

interface OtCollectorRecord {
  collector: Omit<SimOtCollector, 'healthIncidentsTracker'>;
  /** Spans it was not alive (sending no data); the last is open while it still is not. */
  offline: Array<[from: number, to: number]>;
}

/**
 * OpenTelemetry collectors register themselves with Sumo; the API can only read and delete
 * them, so tests and the seed add them through `add()`. Health counters are not stored: they
 * are counted from the org's unresolved health events at read time, as the service does.
 */
export class SimOtCollectors {
  readonly #clock: SimClock;
  readonly #records = new Map<string, OtCollectorRecord>();
  readonly #incidents: (id: string) => SimOtCollector['healthIncidentsTracker'];
  #nextId = FIRST_OT_COLLECTOR_ID;

  constructor(clock: SimClock, incidents: (id: string) => SimOtCollector['healthIncidentsTracker']) {
    this.#clock = clock;
    this.#incidents = incidents;
  }

  // ---- Reads and controls for tests ----

  all(): SimOtCollector[] {
    return [...this.#records.values()].map((record) => this.#toWire(record));
  }

  byId(id: string): SimOtCollector | undefined {
    const record = this.#records.get(id);
    return record && this.#toWire(record);
  }

  byName(name: string): SimOtCollector | undefined {
    return this.all().find((collector) => collector.name === name);
  }

  /** A collector registering itself (what installing the Sumo OpenTelemetry distribution does). */
  add(init: OtCollectorInit, createdAt = this.#clock.now()): SimOtCollector {
    const id = hexId(this.#nextId);
    this.#nextId += 1 + (this.#nextId % 7);
    const time = new Date(createdAt).toISOString();
    const collector: OtCollectorRecord['collector'] = {
      id,
      name: init.name,
      version: { currentVersion: init.version },
      ...(init.category === undefined ? {} : { category: init.category }),
      ...(init.description === undefined ? {} : { description: init.description }),
      tags: { ...init.tags },
      ephemeral: init.ephemeral ?? false,
      alive: init.alive ?? true,
      isRemotelyManaged: init.isRemotelyManaged ?? false,
      systemInfo: {
        hostName: init.hostName ?? init.name,
        hostOsName: init.hostOsName ?? 'Linux',
        hostOsVersion: init.hostOsVersion ?? '6.8.0-45-generic',
        hostIpAddress: init.hostIpAddress ?? `10.20.${(this.#nextId >> 8) & 0xff}.${this.#nextId & 0xff}`,
        ...(init.hostEnv === undefined ? {} : { hostEnv: init.hostEnv }),
      },
      timeZone: init.timeZone ?? 'UTC',
      createdAt: time,
      createdBy: SYSTEM_USER_ID,
      modifiedAt: time,
      modifiedBy: SYSTEM_USER_ID,
      sourceTemplateLinkedCount: init.isRemotelyManaged ? 1 : 0,
    };
    // One registered offline has sent nothing since it was added.
    const record: OtCollectorRecord = {
      collector,
      offline: collector.alive ? [] : [[createdAt, Number.POSITIVE_INFINITY]],
    };
    this.#records.set(id, record);
    return this.#toWire(record);
  }

  /** The collector stops (or resumes) heartbeating, and with it sending data. */
  setAlive(id: string, alive: boolean): void {
    const record = this.#require(id);
    if (record.collector.alive === alive) return;
    record.collector.alive = alive;
    const now = this.#clock.now();
    const current = record.offline.at(-1);
    if (alive && current) current[1] = now;
    else if (!alive) record.offline.push([now, Number.POSITIVE_INFINITY]);
  }

  /** The spans in which the collector was offline, sending no data. */
  offlineSpans(id: string): Array<readonly [number, number]> {
    return (this.#records.get(id)?.offline ?? []).map(([from, to]) => [from, to] as const);
  }

  // ---- OT Collector API ----

  list(query: OtCollectorQuery): SimOtCollector[] {
    const sortBy = query.sortBy ?? 'id';
    if (!(OT_SORT_FIELDS as readonly string[]).includes(sortBy)) {
      throw fleetErrors.invalidParameter('sortBy', `expected one of ${OT_SORT_FIELDS.join(', ')}`);
    }
    const matching = this.all().filter(
      (collector) => matchesSearch(collector, query.search) && matchesFilters(collector, query.filters ?? {}),
    );
    return matching.sort(compareBy(sortBy as OtSortField));
  }

  get(id: string): SimOtCollector {
    return this.#toWire(this.#require(id));
  }

  /** Exact names; names that match nothing are left out of the answer. */
  byNames(names: readonly string[]): SimOtCollector[] {
    const wanted = new Set(names);
    return this.all().filter((collector) => wanted.has(collector.name));
  }

  count(): number {
    return this.#records.size;
  }

  delete(id: string): void {
    this.#require(id);
    this.#records.delete(id);
  }

  /** `DELETE /v1/otCollectors/offline`: every collector that is not alive, with no filter. */
  deleteOffline(): string[] {
    const offline = [...this.#records.values()].filter(({ collector }) => !collector.alive);
    for (const { collector } of offline) this.#records.delete(collector.id);
    return offline.map(({ collector }) => collector.id);
  }

  #require(id: string): OtCollectorRecord {
    const record = this.#records.get(id);
    if (!record) throw fleetErrors.otCollectorNotFound(id);
    return record;
  }

  #toWire(record: OtCollectorRecord): SimOtCollector {
    const { collector } = record;
    return {
      ...structuredClone(collector),
      healthIncidentsTracker: this.#incidents(collector.id),
    };
  }
}

/** "search by collector id or free text search on collector properties": case-insensitive substring. */
function matchesSearch(collector: SimOtCollector, search: string | undefined): boolean {
  if (search === undefined || search.trim() === '') return true;
  const needle = search.trim().toLowerCase();
  if (collector.id.toLowerCase() === needle) return true;
  const haystack = [
    collector.name,
    collector.description,
    collector.category,
    collector.version.currentVersion,
    ...Object.values(collector.systemInfo),
    ...Object.entries(collector.tags).flatMap(([key, value]) => [key, value, `${key}=${value}`]),
  ];
  return haystack.some((text) => text?.toLowerCase().includes(needle));
}

/**
 * The document gives `tags` as a list of lists without saying how they combine. The simulator
 * reads each inner list as alternatives and the outer list as conditions that must all hold
 * (every example has one tag per inner list, where both readings agree); a tag matches when
 * the collector has the key with one of the values.
 */
function matchesFilters(collector: SimOtCollector, filters: OtCollectorFilters): boolean {
  if (typeof filters.alive === 'boolean' && collector.alive !== filters.alive) return false;
  if (
    typeof filters.isRemotelyManaged === 'boolean' &&
    collector.isRemotelyManaged !== filters.isRemotelyManaged
  )
    return false;
  if (
    typeof filters.os === 'string' &&
    collector.systemInfo.hostOsName.toLowerCase() !== filters.os.toLowerCase()
  )
    return false;
  for (const alternatives of filters.tags ?? []) {
    if (alternatives.length === 0) continue;
    const anyMatches = alternatives.some(({ key, values }) => {
      const value = collector.tags[key];
      return value !== undefined && (values.length === 0 || values.includes(value));
    });
    if (!anyMatches) return false;
  }
  const range = filters.collectorVersionRange;
  if (range && (range.minVersion !== undefined || range.maxVersion !== undefined)) {
    const version = collector.version.currentVersion;
    const within =
      (range.minVersion === undefined || compareOtVersions(version, range.minVersion) >= 0) &&
      (range.maxVersion === undefined || compareOtVersions(version, range.maxVersion) <= 0);
    if (within === (range.rangeType === 'Outside')) return false;
  }
  return true;
}

/** `v0.120.0-sumo-1`: major, minor, patch, then the Sumo build number. */
export function compareOtVersions(left: string, right: string): number {
  const parts = (version: string) => (version.match(/\d+/g) ?? []).map(Number);
  const a = parts(left);
  const b = parts(right);
  for (let index = 0; index < Math.max(a.length, b.length); index += 1) {
    const difference = (a[index] ?? -1) - (b[index] ?? -1);
    if (difference !== 0) return difference;
  }
  return 0;
}

function compareBy(field: OtSortField): (left: SimOtCollector, right: SimOtCollector) => number {
  switch (field) {
    case 'version':
      return (left, right) => compareOtVersions(left.version.currentVersion, right.version.currentVersion);
    case 'alive':
      return (left, right) => Number(right.alive) - Number(left.alive);
    default:
      return (left, right) => left[field].localeCompare(right[field]);
  }
}
