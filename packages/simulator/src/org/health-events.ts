import { createHash } from 'node:crypto';
import type { SimClock } from '../clock.js';
import type { DataHalt } from './data-origins.js';
import type {
  HealthSeverity,
  SimHealthEvent,
  SimIngestBudget,
  SimOtCollector,
  SimResourceIdentity,
} from './fleet-model.js';
import { hexId } from './hex-id.js';
import type { SimCollector, SimSource } from './model.js';

/** What a health event is about. Installed and hosted collectors and their sources go by their decimal ids. */
export type HealthResource =
  | { type: 'Collector'; collectorId: number }
  | { type: 'OtCollector'; id: string }
  | { type: 'Source'; collectorId: number; sourceId: number }
  | { type: 'IngestBudget'; id: string };

/** A problem given to a resource by a test or the seed. */
export interface HealthIncident {
  eventName: string;
  /** Defaults to `eventName`. */
  trackerId?: string;
  error: string;
  description: string;
  severityLevel: HealthSeverity;
  subsystem: string;
  /** Simulated epoch ms; defaults to when it was raised. */
  eventTime?: number;
  /**
   * Whether the resource sends no data while the incident lasts (its log messages stop reaching
   * search). Default: when the severity is `Error`.
   */
  haltsData?: boolean;
}

/** Incidents worth reusing, worded after the examples in Sumo's OpenAPI document and health-events page. */
export const HEALTH_INCIDENTS = {
  s3AccessDenied: {
    eventName: 'AwsS3AccessDenied',
    trackerId: 'S3CollectionBroken',
    error: 'Access denied to Amazon S3 bucket',
    description: 'S3 collection is not working as expected because of access issues.',
    severityLevel: 'Error',
    subsystem: 'Collection',
  },
  fileCollectionBroken: {
    eventName: 'TrackerUnHealthy',
    trackerId: 'FileCollectionBroken',
    error: 'Failed to find the file path',
    description: 'File collection is not working as expected because of invalid path.',
    severityLevel: 'Error',
    subsystem: 'Collection',
  },
  otExporterFailing: {
    eventName: 'OtCollectorExporterFailing',
    trackerId: 'OtExporterFailing',
    error: 'Failed to send data to Sumo Logic',
    description: 'The OpenTelemetry collector could not export data: the endpoint refused the connection.',
    severityLevel: 'Error',
    subsystem: 'Collection',
  },
  otDataInactive: {
    eventName: 'OtCollectorDataInactivity',
    trackerId: 'OtDataInactivity',
    error: 'No data ingested',
    description: 'The alive OpenTelemetry collector has ingested no logs, metrics or traces for 30 minutes.',
    severityLevel: 'Warning',
    subsystem: 'Collection',
    haltsData: true,
  },
} as const satisfies Record<string, HealthIncident>;

/** What the health board reads from the rest of the org. */
export interface HealthSources {
  collectors(): SimCollector[];
  collector(id: number): SimCollector | undefined;
  sources(collectorId: number): SimSource[] | undefined;
  otCollectorName(id: string): string | undefined;
  ingestBudgets(): SimIngestBudget[];
  budgetUsageChangedAt(id: string): number | undefined;
}

interface RaisedIncident {
  eventId: string;
  resource: HealthResource;
  incident: HealthIncident;
  eventTime: number;
}

/**
 * Unresolved health events, derived from the org's state at read time: an offline Installed
 * Collector raises `InstalledCollectorOffline` (until it is back or deleted), an `Exceeded`
 * budget raises `IngestBudgetExceeded` (an Error when it stops collection), and incidents
 * raised on collectors, OT collectors, sources and budgets last until resolved or until their
 * resource is gone. Newest first.
 */
export class SimHealthEvents {
  readonly #clock: SimClock;
  readonly #org: HealthSources;
  readonly #raised = new Map<string, RaisedIncident>();
  /** Halts of resolved incidents: the data they stopped stays missing from the past. */
  readonly #endedHalts: DataHalt<HealthResource>[] = [];
  #raisedCount = 0;

  constructor(clock: SimClock, org: HealthSources) {
    this.#clock = clock;
    this.#org = org;
  }

  /** Gives a resource a problem; returns the event id. */
  raise(resource: HealthResource, incident: HealthIncident): string {
    this.#raisedCount += 1;
    const eventId = uuidFrom(`raised:${this.#raisedCount}:${JSON.stringify(resource)}`);
    this.#raised.set(eventId, {
      eventId,
      resource: { ...resource },
      incident: { ...incident },
      eventTime: incident.eventTime ?? this.#clock.now(),
    });
    return eventId;
  }

  /** Resolves a raised incident (derived events resolve when their cause does). */
  resolve(eventId: string): void {
    const raised = this.#raised.get(eventId);
    if (!raised) throw new Error(`no raised health event ${eventId}`);
    this.#raised.delete(eventId);
    if (haltsData(raised.incident))
      this.#endedHalts.push({ cause: raised.resource, from: raised.eventTime, to: this.#clock.now() });
  }

  /** The spans in which raised incidents stopped their resources' data, resolved ones included. */
  dataHalts(): DataHalt<HealthResource>[] {
    const open = [...this.#raised.values()]
      .filter(({ incident }) => haltsData(incident))
      .map(({ resource, eventTime }) => ({ cause: resource, from: eventTime, to: Number.POSITIVE_INFINITY }));
    return [...this.#endedHalts, ...open];
  }

  /** Every unresolved event, newest first. */
  unresolved(): SimHealthEvent[] {
    const events = [...this.#derived(), ...this.#raisedEvents()];
    return events.sort(
      (left, right) =>
        right.eventTime.localeCompare(left.eventTime) || left.eventId.localeCompare(right.eventId),
    );
  }

  /**
   * Events that belong to the given resources: matched by type and id (hex, case-insensitive);
   * a `Collector` also owns its sources' events.
   */
  forResources(resources: ReadonlyArray<{ id: string; type: string }>): SimHealthEvent[] {
    const wanted = resources.map(({ id, type }) => ({ id: id.toUpperCase(), type }));
    return this.unresolved().filter(({ resourceIdentity: identity }) =>
      wanted.some(
        ({ id, type }) =>
          (type === identity.type && id === identity.id) ||
          (type === 'Collector' && identity.type === 'Source' && identity.collectorId === id),
      ),
    );
  }

  /** `healthIncidentsTracker` of an OT collector. */
  incidentsOf(otCollectorId: string): SimOtCollector['healthIncidentsTracker'] {
    let errorsCount = 0;
    let warningsCount = 0;
    for (const { resource, incident } of this.#raised.values()) {
      if (resource.type !== 'OtCollector' || resource.id !== otCollectorId) continue;
      if (incident.severityLevel === 'Error') errorsCount += 1;
      else warningsCount += 1;
    }
    return { errorsCount, warningsCount };
  }

  *#derived(): Generator<SimHealthEvent> {
    for (const collector of this.#org.collectors()) {
      if (collector.collectorType !== 'Installable' || collector.alive) continue;
      const lastSeenAlive = collector.lastSeenAlive ?? this.#clock.now();
      yield {
        eventId: uuidFrom(`offline:${collector.id}:${lastSeenAlive}`),
        eventName: 'InstalledCollectorOffline',
        details: {
          trackerId: 'InstalledCollectorOffline',
          error: 'Collector is offline',
          description: `The Installed Collector has sent no heartbeat since ${new Date(lastSeenAlive).toISOString()}.`,
        },
        resourceIdentity: collectorIdentity(collector),
        eventTime: new Date(lastSeenAlive).toISOString(),
        subsystem: 'Collector',
        severityLevel: 'Error',
      };
    }
    for (const budget of this.#org.ingestBudgets()) {
      if (budget.usageStatus !== 'Exceeded') continue;
      const since = this.#org.budgetUsageChangedAt(budget.id) ?? this.#clock.now();
      const stops = budget.action === 'stopCollecting';
      yield {
        eventId: uuidFrom(`budget:${budget.id}:${since}`),
        eventName: 'IngestBudgetExceeded',
        details: {
          trackerId: 'IngestBudgetCapacityReached',
          error: 'Ingest budget capacity reached',
          description: `Usage of ${budget.usageBytes} bytes reached the capacity of ${budget.capacityBytes} bytes; ${
            stops
              ? `collection of data in scope ${budget.scope} is stopped until the budget resets at ${budget.resetTime} ${budget.timezone}`
              : 'collection continues (action keepCollecting)'
          }.`,
        },
        resourceIdentity: budgetIdentity(budget),
        eventTime: new Date(since).toISOString(),
        subsystem: 'Ingest Budget',
        severityLevel: stops ? 'Error' : 'Warning',
      };
    }
  }

  *#raisedEvents(): Generator<SimHealthEvent> {
    for (const raised of this.#raised.values()) {
      const resourceIdentity = this.#identity(raised.resource);
      if (!resourceIdentity) continue;
      const { incident } = raised;
      yield {
        eventId: raised.eventId,
        eventName: incident.eventName,
        details: {
          trackerId: incident.trackerId ?? incident.eventName,
          error: incident.error,
          description: incident.description,
        },
        resourceIdentity,
        eventTime: new Date(raised.eventTime).toISOString(),
        subsystem: incident.subsystem,
        severityLevel: incident.severityLevel,
      };
    }
  }

  /** The resource as the API names it, or undefined once it is gone (its events with it). */
  #identity(resource: HealthResource): SimResourceIdentity | undefined {
    switch (resource.type) {
      case 'Collector': {
        const collector = this.#org.collector(resource.collectorId);
        return collector && collectorIdentity(collector);
      }
      case 'OtCollector': {
        const name = this.#org.otCollectorName(resource.id);
        return name === undefined ? undefined : { id: resource.id, name, type: 'Collector' };
      }
      case 'Source': {
        const collector = this.#org.collector(resource.collectorId);
        const source = this.#org.sources(resource.collectorId)?.find(({ id }) => id === resource.sourceId);
        if (!collector || !source) return undefined;
        return {
          id: hexId(source.id),
          name: source.name,
          type: 'Source',
          collectorId: hexId(collector.id),
          collectorName: collector.name,
        };
      }
      case 'IngestBudget': {
        const budget = this.#org.ingestBudgets().find(({ id }) => id === resource.id);
        return budget && budgetIdentity(budget);
      }
    }
  }
}

function haltsData(incident: HealthIncident): boolean {
  return incident.haltsData ?? incident.severityLevel === 'Error';
}

function collectorIdentity(collector: SimCollector): SimResourceIdentity {
  return { id: hexId(collector.id), name: collector.name, type: 'Collector' };
}

function budgetIdentity(budget: SimIngestBudget): SimResourceIdentity {
  return {
    id: budget.id,
    name: budget.name,
    type: 'IngestBudget',
    scope: budget.scope,
    budgetType: 'dailyVolume',
  };
}

/** Event ids look like the document's (`e801dc7d-f483-46e9-bcc9-410f08f96497`) and are stable for a given cause. */
function uuidFrom(key: string): string {
  const hex = createHash('sha1').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
