import { createHash } from 'node:crypto';
import type { SimClock } from '../clock.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../durations.js';
import {
  type BadBuild,
  badBuildIncident,
  badBuildProblem,
  breaksCollector,
  DEFAULT_BREAK_AFTER_MS,
} from './bad-builds.js';
import { type DataOrigin, otCollectorOrigin, type Span, sourceOrigin } from './data-origins.js';
import { SimHealthEvents } from './health-events.js';
import { SimIngestBudgets } from './ingest-budgets.js';
import { SimInstallationTokens } from './installation-tokens.js';
import type {
  CollectorFilter,
  OrgCounts,
  SimCollector,
  SimSource,
  SimUpgradeTask,
  UpgradeOutcome,
  UpgradeStatus,
} from './model.js';
import { orgErrors, upgradeErrors } from './org-errors.js';
import { SimOtCollectors } from './ot-collectors.js';
import { seedFleet } from './seed-fleet.js';
import { FIRST_COLLECTOR_ID, newHostedCollector, seedOrg } from './seed-org.js';
import {
  commonSourceDefaults,
  generatedSourceFields,
  isKnownSourceType,
  isSourceTypeAllowed,
} from './source-types.js';
import { COLLECTOR_VERSIONS, latestVersion } from './versions.js';

/** Upgrade timeline in simulated time: 0 → 1 → 6 → 2 (or 3) within a few minutes. */
const UPGRADE_PENDING_AFTER_MS = 5_000;
const UPGRADE_PROGRESSING_AFTER_MS = 45_000;
const UPGRADE_FAILS_AFTER_MS = 2 * MINUTE_MS;
const UPGRADE_SUCCEEDS_AFTER_MS = 3 * MINUTE_MS;
/** "If an upgrade task does not complete successfully after 30 minutes it will automatically timeout." */
const UPGRADE_TIMEOUT_MS = 30 * MINUTE_MS;
const OFFLINE_DELETION_DELAY_MS = 30_000;
/** "When true, the collector will be deleted after 12 hours of inactivity." */
const EPHEMERAL_EXPIRY_MS = 12 * HOUR_MS;

const NAME_MAX_LENGTH = 128;
const DESCRIPTION_MAX_LENGTH = 1024;

/** Not modifiable on PUT: must match the stored value when the request carries them. */
const NOT_MODIFIABLE_COLLECTOR_FIELDS = ['osName', 'osVersion', 'osArch', 'cutoffRelativeTime'] as const;
/** Modifiable on PUT: taken from the request, so leaving one out clears it. */
const MODIFIABLE_COLLECTOR_FIELDS = [
  'category',
  'cutoffTimestamp',
  'description',
  'fields',
  'hostName',
  'timeZone',
  'targetCpu',
] as const;

interface SourceRecord {
  source: SimSource;
  revision: number;
  /** Simulated epoch ms it was created over the API; seeded sources have always been there. */
  createdAt?: number;
}

interface CollectorRecord {
  /** `lastSeenAlive` is stored only while offline; an alive collector's is its latest heartbeat. */
  collector: SimCollector;
  revision: number;
  sources: Map<number, SourceRecord>;
  upgradeOutcome: UpgradeOutcome;
  activeUpgradeTaskId: number | undefined;
  /** Past offline spans (the current one starts at `lastSeenAlive`): its sources sent nothing then. */
  offlineSpans: Span[];
}

interface UpgradeTaskRecord {
  task: SimUpgradeTask;
  outcome: UpgradeOutcome;
}

/** A collector a bad build will break, at `at` (simulated epoch ms). */
interface PendingBreak {
  collectorId: number;
  build: BadBuild;
  at: number;
}

interface PendingOfflineDeletion {
  dueAt: number;
  lastSeenAliveBefore: number;
}

export interface SimOrgOptions {
  seed: number;
  collectors: number;
  /** Seed OT collectors, ingest budgets and health incidents beside the installed org. Default true. */
  fleet?: boolean;
}

/**
 * The org behind the Collector Management API. Time-driven changes (upgrade progress, the
 * asynchronous offline deletion, ephemeral expiry) are settled lazily against the simulated
 * clock at the start of every read or write, so `clock.advance()` takes effect on the next call
 * and nothing runs in the background. Listing views are cached until the next change, so
 * paging through thousands of collectors costs O(page) per request.
 */
export class SimOrg {
  readonly versions: readonly string[] = COLLECTOR_VERSIONS;
  /** OpenTelemetry collectors (`/v1/otCollectors`). */
  readonly otCollectors: SimOtCollectors;
  /** Ingest budgets v2 (`/v2/ingestBudgets`). */
  readonly ingestBudgets: SimIngestBudgets;
  /** Unresolved health events (`/v1/healthEvents`), derived from this org and raised by tests. */
  readonly healthEvents: SimHealthEvents;
  /** Installation tokens (`/v1/tokens`). */
  readonly installationTokens: SimInstallationTokens;
  readonly #clock: SimClock;
  readonly #collectors = new Map<number, CollectorRecord>();
  readonly #idsByName = new Map<string, number>();
  readonly #upgradeTasks = new Map<number, UpgradeTaskRecord>();
  readonly #activeUpgradeTaskIds = new Set<number>();
  readonly #offlineEphemeralIds = new Set<number>();
  readonly #pendingOfflineDeletions: PendingOfflineDeletion[] = [];
  readonly #views = new Map<string, CollectorRecord[]>();
  readonly #badBuilds = new Map<string, BadBuild>();
  readonly #pendingBreaks: PendingBreak[] = [];
  readonly #seed: number;
  #nextCollectorId: number;
  #nextSourceId: number;
  #nextUpgradeTaskId = 10_001;

  constructor(clock: SimClock, options: SimOrgOptions) {
    this.#clock = clock;
    this.#seed = options.seed;
    const seeded = seedOrg({
      seed: options.seed,
      collectors: options.collectors,
      versions: this.versions,
      now: clock.now(),
    });
    for (const { collector, sources, upgradeOutcome } of seeded.collectors) {
      this.#insertCollector(collector, upgradeOutcome);
      const record = this.#collectors.get(collector.id);
      for (const source of sources) record?.sources.set(source.id, { source, revision: 1 });
    }
    this.#nextCollectorId = (seeded.collectors.at(-1)?.collector.id ?? FIRST_COLLECTOR_ID) + 11;
    this.#nextSourceId = seeded.nextSourceId;

    this.ingestBudgets = new SimIngestBudgets(clock);
    this.installationTokens = new SimInstallationTokens(clock);
    this.healthEvents = new SimHealthEvents(clock, {
      collectors: () => this.collectors(),
      collector: (id) => this.collectorById(id),
      sources: (collectorId) => this.sources(collectorId),
      otCollectorName: (id) => this.otCollectors.byId(id)?.name,
      ingestBudgets: () => this.ingestBudgets.all(),
      budgetUsageChangedAt: (id) => this.ingestBudgets.usageChangedAt(id),
    });
    this.otCollectors = new SimOtCollectors(clock, (id) => this.healthEvents.incidentsOf(id));
    if (options.fleet !== false) seedFleet(clock.now(), seeded.collectors, this);
  }

  get latestVersion(): string {
    return latestVersion(this.versions);
  }

  // ---- Reads for tests and benchmarks (snapshots: mutating them changes nothing) ----

  collectors(): SimCollector[] {
    this.#settle();
    const now = this.#clock.now();
    return [...this.#collectors.values()].map((record) => this.#toWire(record, now));
  }

  collectorById(id: number): SimCollector | undefined {
    this.#settle();
    const record = this.#collectors.get(id);
    return record && this.#toWire(record, this.#clock.now());
  }

  collectorByName(name: string): SimCollector | undefined {
    const id = this.#idsByName.get(name);
    return id === undefined ? undefined : this.collectorById(id);
  }

  sources(collectorId: number): SimSource[] | undefined {
    this.#settle();
    const record = this.#collectors.get(collectorId);
    return record && [...record.sources.values()].map(({ source }) => structuredClone(source));
  }

  upgradeTasks(): SimUpgradeTask[] {
    this.#settle();
    return [...this.#upgradeTasks.values()].map(({ task }) => ({ ...task }));
  }

  counts(): OrgCounts {
    this.#settle();
    const counts: OrgCounts = {
      collectors: this.#collectors.size,
      installed: 0,
      hosted: 0,
      alive: 0,
      dead: 0,
      jsonManaged: 0,
      ephemeral: 0,
      sources: 0,
      upgradesInProgress: this.#activeUpgradeTaskIds.size,
    };
    for (const { collector, sources } of this.#collectors.values()) {
      if (collector.collectorType === 'Hosted') counts.hosted += 1;
      else counts.installed += 1;
      if (collector.alive) counts.alive += 1;
      else counts.dead += 1;
      if (collector.sourceSyncMode === 'Json') counts.jsonManaged += 1;
      if (collector.ephemeral) counts.ephemeral += 1;
      counts.sources += sources.size;
    }
    return counts;
  }

  /**
   * The log streams the org sends to search: every source of every collector and every OT
   * collector, each with the spans it sent nothing — before it was created, while its collector
   * was offline, while a health incident on it or its collector stopped data (the S3
   * access-denied error), while an ingest budget over its scope was `Exceeded` with
   * `stopCollecting`. What it sent before still stands; deleted collectors and sources are gone.
   */
  dataOrigins(): DataOrigin[] {
    this.#settle();
    const stoppers = {
      healthHalts: this.healthEvents.dataHalts(),
      budgetStops: this.ingestBudgets.collectionStops(),
    };
    const origins: DataOrigin[] = [];
    for (const { collector, sources, offlineSpans } of this.#collectors.values()) {
      const silences: Span[] = [...offlineSpans];
      if (!collector.alive) silences.push([collector.lastSeenAlive ?? 0, Number.POSITIVE_INFINITY]);
      for (const { source, createdAt } of sources.values()) {
        const before: Span[] = createdAt === undefined ? [] : [[Number.NEGATIVE_INFINITY, createdAt]];
        origins.push(sourceOrigin(collector, source, [...before, ...silences], stoppers));
      }
    }
    for (const collector of this.otCollectors.all()) {
      origins.push(otCollectorOrigin(collector, this.otCollectors.offlineSpans(collector.id), stoppers));
    }
    return origins;
  }

  // ---- Controls for tests ----

  /** Brings a collector online, or takes it offline (last heartbeat now, or at `lastSeenAlive`). */
  setAlive(collectorId: number, alive: boolean, lastSeenAlive?: number): void {
    this.#settle();
    const record = this.#requireCollector(collectorId);
    const { collector } = record;
    const now = this.#clock.now();
    if (alive && !collector.alive && collector.lastSeenAlive !== undefined)
      record.offlineSpans.push([collector.lastSeenAlive, now]);
    collector.alive = alive;
    if (alive) delete collector.lastSeenAlive;
    else collector.lastSeenAlive = lastSeenAlive ?? now;
    for (const { source } of record.sources.values()) source.alive = alive;
    if (!alive && collector.ephemeral) this.#offlineEphemeralIds.add(collectorId);
    else this.#offlineEphemeralIds.delete(collectorId);
    this.#views.clear();
  }

  setSourceSyncMode(collectorId: number, mode: 'UI' | 'Json'): void {
    const record = this.#requireCollector(collectorId);
    if (record.collector.collectorType !== 'Installable')
      throw new Error('only installed collectors have a sync mode');
    record.collector.sourceSyncMode = mode;
    record.revision += 1;
  }

  /** How upgrades of this collector end from now on. */
  setUpgradeOutcome(collectorId: number, outcome: UpgradeOutcome): void {
    this.#requireCollector(collectorId).upgradeOutcome = outcome;
  }

  /**
   * Makes a build bad from now on: of the collectors whose upgrade to it succeeds, `share` (chosen
   * by the seed) stop heartbeating or raise an Error health event `afterMs` later.
   */
  setBadBuild(build: BadBuild): void {
    const problem = badBuildProblem(build);
    if (problem) throw new Error(`bad build ${build.version}: ${problem}`);
    if (!this.versions.includes(build.version))
      throw new Error(`${build.version} is not a build of this org`);
    this.#badBuilds.set(build.version, { ...build });
  }

  /** The collectors a bad build would break, of those given: what a test or benchmark expects. */
  brokenBy(version: string, collectorIds: readonly number[]): number[] {
    const build = this.#badBuilds.get(version);
    return build ? collectorIds.filter((id) => breaksCollector(this.#seed, build, id)) : [];
  }

  upgradeOutcome(collectorId: number): UpgradeOutcome | undefined {
    return this.#collectors.get(collectorId)?.upgradeOutcome;
  }

  // ---- Collector API ----

  listCollectors(filter: CollectorFilter, offset: number, limit: number): SimCollector[] {
    this.#settle();
    const now = this.#clock.now();
    return this.#view(filter)
      .slice(offset, offset + limit)
      .map((record) => this.#toWire(record, now));
  }

  listOfflineCollectors(aliveBeforeDays: number, offset: number, limit: number): SimCollector[] {
    this.#settle();
    const now = this.#clock.now();
    const lastSeenAliveBefore = now - aliveBeforeDays * DAY_MS;
    return this.#offlineInstalled(lastSeenAliveBefore)
      .slice(offset, offset + limit)
      .map((record) => this.#toWire(record, now));
  }

  getCollector(id: number): { collector: SimCollector; etag: string } {
    this.#settle();
    const record = this.#requireCollector(id);
    return { collector: this.#toWire(record, this.#clock.now()), etag: collectorEtag(record) };
  }

  getCollectorByName(name: string): { collector: SimCollector; etag: string } {
    const id = this.#idsByName.get(name);
    if (id === undefined) throw orgErrors.collectorNotFound();
    return this.getCollector(id);
  }

  createHostedCollector(body: unknown): { collector: SimCollector; etag: string } {
    this.#settle();
    const input = requireObjectField(body, 'collector');
    if (input.id !== undefined) throw orgErrors.idOnCreate();
    // "This method can only be used to create Hosted Collectors."
    if (input.collectorType !== 'Hosted') throw orgErrors.collectorTypeInvalid();
    const name = this.#validName(input.name, undefined);
    const description = validDescription(input.description);
    const id = this.#nextCollectorId;
    this.#nextCollectorId += 1;
    const collector: SimCollector = {
      ...newHostedCollector(id, name),
      ...(description === undefined ? {} : { description }),
      ...optionalString(input, 'category'),
      timeZone: typeof input.timeZone === 'string' ? input.timeZone : 'UTC',
      ...(isPlainObject(input.fields) ? { fields: stringFields(input.fields) } : {}),
    };
    const record = this.#insertCollector(collector, 'succeed');
    return { collector: this.#toWire(record, this.#clock.now()), etag: collectorEtag(record) };
  }

  updateCollector(
    id: number,
    ifMatch: string | undefined,
    body: unknown,
  ): { collector: SimCollector; etag: string } {
    this.#settle();
    const record = this.#requireCollector(id);
    requireFreshEtag(ifMatch, collectorEtag(record));
    const input = requireObjectField(body, 'collector');
    if (input.id !== id) throw orgErrors.collectorIdMismatch();
    const current = record.collector;
    if (input.collectorType !== undefined && input.collectorType !== current.collectorType) {
      throw orgErrors.collectorTypeInvalid();
    }
    for (const field of NOT_MODIFIABLE_COLLECTOR_FIELDS) {
      if (input[field] !== undefined && input[field] !== current[field]) throw orgErrors.notModifiable(field);
    }
    if (typeof input.ephemeral !== 'boolean') throw orgErrors.missingField('ephemeral');
    const name = this.#validName(input.name, id);
    const description = validDescription(input.description);

    const updated: SimCollector = {
      id,
      name,
      collectorType: current.collectorType,
      collectorVersion: current.collectorVersion,
      alive: current.alive,
      ephemeral: input.ephemeral,
      links: current.links,
      ...(current.lastSeenAlive === undefined ? {} : { lastSeenAlive: current.lastSeenAlive }),
    };
    for (const field of MODIFIABLE_COLLECTOR_FIELDS) {
      if (input[field] !== undefined && input[field] !== null)
        Object.assign(updated, { [field]: input[field] });
    }
    if (description !== undefined) updated.description = description;
    if (current.collectorType === 'Installable') {
      updated.sourceSyncMode = input.sourceSyncMode === 'Json' ? 'Json' : 'UI';
      for (const field of [...NOT_MODIFIABLE_COLLECTOR_FIELDS, 'osTime'] as const) {
        if (current[field] !== undefined) Object.assign(updated, { [field]: current[field] });
      }
    }
    this.#idsByName.delete(current.name);
    this.#idsByName.set(name, id);
    record.collector = updated;
    record.revision += 1;
    if (!updated.alive && updated.ephemeral) this.#offlineEphemeralIds.add(id);
    else this.#offlineEphemeralIds.delete(id);
    this.#views.clear();
    return { collector: this.#toWire(record, this.#clock.now()), etag: collectorEtag(record) };
  }

  deleteCollector(id: number): void {
    this.#settle();
    this.#requireCollector(id);
    this.#removeCollector(id);
  }

  /**
   * "The delete task has been initiated": the collectors that are offline at request time are
   * removed a little later in simulated time, as the service does it asynchronously.
   */
  scheduleOfflineDeletion(aliveBeforeDays: number): void {
    this.#settle();
    const now = this.#clock.now();
    this.#pendingOfflineDeletions.push({
      dueAt: now + OFFLINE_DELETION_DELAY_MS,
      lastSeenAliveBefore: now - aliveBeforeDays * DAY_MS,
    });
  }

  // ---- Source API ----

  listSources(collectorId: number): SimSource[] {
    this.#settle();
    const record = this.#requireCollector(collectorId);
    return [...record.sources.values()].map(({ source }) => structuredClone(source));
  }

  getSource(collectorId: number, sourceId: number): { source: SimSource; etag: string } {
    this.#settle();
    const sourceRecord = this.#requireSource(this.#requireCollector(collectorId), sourceId);
    return { source: structuredClone(sourceRecord.source), etag: sourceEtag(sourceRecord) };
  }

  createSource(collectorId: number, body: unknown): { source: SimSource; etag: string } {
    this.#settle();
    const record = this.#requireCollector(collectorId);
    requireApiManaged(record);
    const input = requireObjectField(body, 'source');
    if (input.id !== undefined) throw orgErrors.idOnCreate();
    const sourceType = requireSourceType(input.sourceType, record);
    const name = validSourceName(record, input.name, undefined);
    const id = this.#nextSourceId;
    this.#nextSourceId += 1;
    const source = storedSource(input, { id, name, sourceType, alive: record.collector.alive });
    const sourceRecord = { source, revision: 1, createdAt: this.#clock.now() };
    record.sources.set(id, sourceRecord);
    return { source: structuredClone(source), etag: sourceEtag(sourceRecord) };
  }

  updateSource(
    collectorId: number,
    sourceId: number,
    ifMatch: string | undefined,
    body: unknown,
  ): { source: SimSource; etag: string } {
    this.#settle();
    const record = this.#requireCollector(collectorId);
    const sourceRecord = this.#requireSource(record, sourceId);
    requireApiManaged(record);
    requireFreshEtag(ifMatch, sourceEtag(sourceRecord));
    const input = requireObjectField(body, 'source');
    if (input.id !== sourceId) throw orgErrors.sourceIdMismatch();
    const current = sourceRecord.source;
    if (input.sourceType !== current.sourceType) throw orgErrors.sourceTypeInvalid();
    const name = validSourceName(record, input.name, sourceId);
    sourceRecord.source = storedSource(input, {
      id: sourceId,
      name,
      sourceType: current.sourceType,
      alive: current.alive,
    });
    sourceRecord.revision += 1;
    return { source: structuredClone(sourceRecord.source), etag: sourceEtag(sourceRecord) };
  }

  deleteSource(collectorId: number, sourceId: number): void {
    this.#settle();
    const record = this.#requireCollector(collectorId);
    this.#requireSource(record, sourceId);
    requireApiManaged(record);
    record.sources.delete(sourceId);
  }

  // ---- Upgrade API ----

  upgradeTargets(): Array<{ version: string; latest: boolean }> {
    const latest = this.latestVersion;
    return this.versions.map((version) => ({ version, latest: version === latest }));
  }

  /** Installed collectors that are running, not upgrading and not already on the target. */
  upgradableCollectors(toVersion: string | undefined, offset: number, limit: number): SimCollector[] {
    this.#settle();
    const target = this.#validTargetVersion(toVersion);
    const now = this.#clock.now();
    const upgradable = this.#view('alive').filter(
      ({ collector, activeUpgradeTaskId }) =>
        collector.collectorType === 'Installable' &&
        activeUpgradeTaskId === undefined &&
        collector.collectorVersion !== target,
    );
    return upgradable.slice(offset, offset + limit).map((record) => this.#toWire(record, now));
  }

  /** Validates like `POST /collectors/upgrades`, in the order its documented errors suggest. */
  startUpgrade(collectorId: unknown, toVersion?: unknown): SimUpgradeTask {
    this.#settle();
    if (typeof collectorId !== 'number' || !Number.isInteger(collectorId))
      throw upgradeErrors.collectorInvalid();
    const record = this.#collectors.get(collectorId);
    if (!record) throw upgradeErrors.collectorInvalid();
    if (record.collector.collectorType !== 'Installable') throw upgradeErrors.collectorTypeInvalid();
    if (toVersion !== undefined && typeof toVersion !== 'string') throw upgradeErrors.versionInvalid();
    const target = this.#validTargetVersion(toVersion);
    if (!record.collector.alive) throw upgradeErrors.collectorNotAlive();
    if (record.activeUpgradeTaskId !== undefined) throw upgradeErrors.collectorInUpgrading();
    if (record.collector.collectorVersion === target) throw upgradeErrors.versionInvalid();

    const task: SimUpgradeTask = {
      id: this.#nextUpgradeTaskId,
      collectorId,
      toVersion: target,
      requestTime: this.#clock.now(),
      status: 0,
      message: '',
    };
    this.#nextUpgradeTaskId += 1;
    this.#upgradeTasks.set(task.id, { task, outcome: record.upgradeOutcome });
    this.#activeUpgradeTaskIds.add(task.id);
    record.activeUpgradeTaskId = task.id;
    return { ...task };
  }

  upgradeTask(taskId: number): SimUpgradeTask | undefined {
    this.#settle();
    const record = this.#upgradeTasks.get(taskId);
    return record && { ...record.task };
  }

  // ---- Internals ----

  #insertCollector(collector: SimCollector, upgradeOutcome: UpgradeOutcome): CollectorRecord {
    const record: CollectorRecord = {
      collector,
      revision: 1,
      sources: new Map(),
      upgradeOutcome,
      activeUpgradeTaskId: undefined,
      offlineSpans: [],
    };
    this.#collectors.set(collector.id, record);
    this.#idsByName.set(collector.name, collector.id);
    if (!collector.alive && collector.ephemeral) this.#offlineEphemeralIds.add(collector.id);
    this.#views.clear();
    return record;
  }

  #removeCollector(id: number): void {
    const record = this.#collectors.get(id);
    if (!record) return;
    this.#collectors.delete(id);
    this.#idsByName.delete(record.collector.name);
    this.#offlineEphemeralIds.delete(id);
    this.#views.clear();
  }

  #requireCollector(id: number): CollectorRecord {
    const record = this.#collectors.get(id);
    if (!record) throw orgErrors.collectorNotFound();
    return record;
  }

  #requireSource(record: CollectorRecord, sourceId: number): SourceRecord {
    const sourceRecord = record.sources.get(sourceId);
    if (!sourceRecord) throw orgErrors.sourceNotFound();
    return sourceRecord;
  }

  #validName(input: unknown, ownId: number | undefined): string {
    const name = requireName(input);
    const holder = this.#idsByName.get(name);
    if (holder !== undefined && holder !== ownId) throw orgErrors.duplicateName();
    return name;
  }

  #validTargetVersion(toVersion: string | undefined): string {
    if (toVersion === undefined) return this.latestVersion;
    if (!this.versions.includes(toVersion)) throw upgradeErrors.versionInvalid();
    return toVersion;
  }

  #view(filter: CollectorFilter): CollectorRecord[] {
    let view = this.#views.get(filter);
    if (!view) {
      const all = [...this.#collectors.values()];
      view = filter === 'all' ? all : all.filter(({ collector }) => matchesFilter(collector, filter));
      this.#views.set(filter, view);
    }
    return view;
  }

  #offlineInstalled(lastSeenAliveBefore: number): CollectorRecord[] {
    return this.#view('dead').filter(
      ({ collector }) =>
        collector.collectorType === 'Installable' && (collector.lastSeenAlive ?? 0) < lastSeenAliveBefore,
    );
  }

  #toWire(record: CollectorRecord, now: number): SimCollector {
    const collector = structuredClone(record.collector);
    // Running collectors heartbeat every 15 seconds.
    if (collector.alive) collector.lastSeenAlive = now - (collector.id % 15_000);
    return collector;
  }

  #settle(): void {
    const now = this.#clock.now();
    for (const taskId of this.#activeUpgradeTaskIds) this.#advanceUpgrade(taskId, now);
    if (this.#pendingBreaks.length > 0) this.#breakDue(now);
    if (this.#pendingOfflineDeletions.length > 0) {
      const due = this.#pendingOfflineDeletions.filter((deletion) => deletion.dueAt <= now);
      for (const deletion of due) {
        for (const record of this.#offlineInstalled(deletion.lastSeenAliveBefore)) {
          this.#removeCollector(record.collector.id);
        }
        this.#pendingOfflineDeletions.splice(this.#pendingOfflineDeletions.indexOf(deletion), 1);
      }
    }
    for (const id of this.#offlineEphemeralIds) {
      const lastSeenAlive = this.#collectors.get(id)?.collector.lastSeenAlive ?? now;
      if (now - lastSeenAlive >= EPHEMERAL_EXPIRY_MS) this.#removeCollector(id);
    }
  }

  /**
   * A running collector that will succeed moves 0 → 1 → 6 → 2; one seeded to fail ends in 3
   * with a reason. A collector that stops answering (offline, deleted, or seeded to hang) keeps
   * its status until the 30-minute timeout fails the task.
   */
  #advanceUpgrade(taskId: number, now: number): void {
    const taskRecord = this.#upgradeTasks.get(taskId);
    if (!taskRecord) return;
    const { task } = taskRecord;
    const elapsed = now - task.requestTime;
    const collectorRecord = this.#collectors.get(task.collectorId);
    const responsive = collectorRecord?.collector.alive === true && taskRecord.outcome !== 'timeout';

    let status: UpgradeStatus = task.status;
    let message = '';
    if (status === 0 && elapsed >= UPGRADE_PENDING_AFTER_MS) status = 1;
    if (responsive) {
      if (elapsed >= UPGRADE_PROGRESSING_AFTER_MS) status = 6;
      if (taskRecord.outcome === 'fail' && elapsed >= UPGRADE_FAILS_AFTER_MS) {
        status = 3;
        message = `Upgrade to ${task.toVersion} failed on the collector: the installer exited with code 1.`;
      } else if (taskRecord.outcome === 'succeed' && elapsed >= UPGRADE_SUCCEEDS_AFTER_MS) {
        status = 2;
      }
    }
    if ((status === 0 || status === 1 || status === 6) && elapsed >= UPGRADE_TIMEOUT_MS) {
      status = 3;
      message = 'The upgrade task timed out after 30 minutes without a response from the collector.';
    }
    task.status = status;
    task.message = message;
    if (status !== 2 && status !== 3) return;

    this.#activeUpgradeTaskIds.delete(taskId);
    if (!collectorRecord) return;
    collectorRecord.activeUpgradeTaskId = undefined;
    if (status !== 2) return;
    collectorRecord.collector.collectorVersion = task.toVersion;
    const build = this.#badBuilds.get(task.toVersion);
    if (build && breaksCollector(this.#seed, build, task.collectorId)) {
      const succeededAt = task.requestTime + UPGRADE_SUCCEEDS_AFTER_MS;
      this.#pendingBreaks.push({
        collectorId: task.collectorId,
        build,
        at: succeededAt + (build.afterMs ?? DEFAULT_BREAK_AFTER_MS),
      });
    }
  }

  /** Breakages whose time has come, on collectors still running the bad build. */
  #breakDue(now: number): void {
    const due = this.#pendingBreaks.filter((pending) => pending.at <= now);
    for (const pending of due) {
      this.#pendingBreaks.splice(this.#pendingBreaks.indexOf(pending), 1);
      const record = this.#collectors.get(pending.collectorId);
      if (!record || record.collector.collectorVersion !== pending.build.version) continue;
      if (pending.build.effect === 'health error') {
        this.healthEvents.raise(
          { type: 'Collector', collectorId: pending.collectorId },
          { ...badBuildIncident(pending.build.version), eventTime: pending.at },
        );
      } else if (record.collector.alive) {
        record.collector.alive = false;
        record.collector.lastSeenAlive = pending.at;
        for (const { source } of record.sources.values()) source.alive = false;
        if (record.collector.ephemeral) this.#offlineEphemeralIds.add(pending.collectorId);
        this.#views.clear();
      }
    }
  }
}

function matchesFilter(collector: SimCollector, filter: CollectorFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'installed':
      return collector.collectorType === 'Installable';
    case 'hosted':
      return collector.collectorType === 'Hosted';
    case 'alive':
      return collector.alive;
    case 'dead':
      return !collector.alive;
  }
}

function collectorEtag(record: CollectorRecord): string {
  return etag(`collector:${record.collector.id}:${record.revision}`);
}

function sourceEtag(record: SourceRecord): string {
  return etag(`source:${record.source.id}:${record.revision}`);
}

function etag(key: string): string {
  return `"${createHash('md5').update(key).digest('hex')}"`;
}

/** Weak validators and unquoted values are accepted: what matters is the resource revision. */
function requireFreshEtag(ifMatch: string | undefined, current: string): void {
  if (ifMatch === undefined || ifMatch.trim() === '') throw orgErrors.ifMatchMissing();
  const normalize = (value: string) => value.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
  const offered = ifMatch.split(',').map(normalize);
  if (!offered.includes(normalize(current))) throw orgErrors.etagStale();
}

function requireApiManaged(record: CollectorRecord): void {
  if (record.collector.sourceSyncMode === 'Json') throw orgErrors.cannotModifySources();
}

function requireSourceType(sourceType: unknown, record: CollectorRecord): string {
  if (sourceType === undefined || sourceType === null || sourceType === '') throw orgErrors.emptySourceType();
  if (typeof sourceType !== 'string' || !isKnownSourceType(sourceType)) throw orgErrors.sourceTypeInvalid();
  if (!isSourceTypeAllowed(sourceType, record.collector.collectorType)) throw orgErrors.sourceTypeInvalid();
  return sourceType;
}

/** Collector and source names share the rules; uniqueness is per org for one, per collector for the other. */
function requireName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw orgErrors.missingField('name');
  if (name.length > NAME_MAX_LENGTH) throw orgErrors.nameTooLong();
  return name;
}

function validSourceName(record: CollectorRecord, input: unknown, ownId: number | undefined): string {
  const name = requireName(input);
  for (const { source } of record.sources.values()) {
    if (source.name === name && source.id !== ownId) throw orgErrors.duplicateName();
  }
  return name;
}

/**
 * A source as created or replaced: the service's defaults, then the request, then what the
 * service generates and owns, so a request cannot override its id, type, URL or token.
 */
function storedSource(
  input: Record<string, unknown>,
  owned: Pick<SimSource, 'id' | 'name' | 'sourceType' | 'alive'>,
): SimSource {
  return {
    ...commonSourceDefaults(),
    ...structuredClone(input),
    ...generatedSourceFields(owned.sourceType, owned.id),
    ...owned,
  };
}

function validDescription(description: unknown): string | undefined {
  if (description === undefined || description === null) return undefined;
  const text = String(description);
  if (text.length > DESCRIPTION_MAX_LENGTH) throw orgErrors.descriptionTooLong();
  return text;
}

function requireObjectField(body: unknown, field: 'collector' | 'source'): Record<string, unknown> {
  const value = isPlainObject(body) ? body[field] : undefined;
  if (!isPlainObject(value)) throw orgErrors.missingField(field);
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(input: Record<string, unknown>, field: string): Record<string, string> {
  const value = input[field];
  return typeof value === 'string' ? { [field]: value } : {};
}

function stringFields(fields: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, String(value)]));
}
