import { DAY_MS, HOUR_MS, MINUTE_MS } from '../durations.js';
import type { OtCollectorInit } from './fleet-model.js';
import { HEALTH_INCIDENTS, type SimHealthEvents } from './health-events.js';
import type { SimIngestBudgets } from './ingest-budgets.js';
import type { SimCollector, SimSource } from './model.js';
import type { SimOtCollectors } from './ot-collectors.js';

const GB = 1024 ** 3;

/** The newest Sumo OpenTelemetry build in the seeded fleet; the others lag behind it. */
export const LATEST_OT_VERSION = 'v0.120.0-sumo-1';

/**
 * The OpenTelemetry half of the seeded fleet, the same in every seeded org (names are fixed so
 * tests and the README can name them): alive and offline, remotely and locally managed, tagged,
 * on four builds, one with an export error and one with a data-inactivity warning.
 */
export const SEEDED_OT_COLLECTORS: ReadonlyArray<
  OtCollectorInit & { ageDays: number; incident?: keyof typeof HEALTH_INCIDENTS }
> = [
  {
    name: 'otel-prod-web-01',
    version: LATEST_OT_VERSION,
    isRemotelyManaged: true,
    tags: { env: 'prod', team: 'web' },
    category: 'prod/web',
    ageDays: 210,
  },
  {
    name: 'otel-prod-web-02',
    version: LATEST_OT_VERSION,
    isRemotelyManaged: true,
    tags: { env: 'prod', team: 'web' },
    category: 'prod/web',
    ageDays: 209,
    incident: 'otDataInactive',
  },
  {
    name: 'otel-prod-db-01',
    version: 'v0.104.0-sumo-0',
    alive: false,
    tags: { env: 'prod', team: 'db' },
    category: 'prod/db',
    ageDays: 400,
  },
  {
    name: 'otel-staging-api-01',
    version: 'v0.113.0-sumo-0',
    tags: { env: 'staging', team: 'api' },
    category: 'staging/api',
    ageDays: 95,
    incident: 'otExporterFailing',
  },
  {
    name: 'otel-dev-batch-01',
    version: 'v0.98.0-sumo-2',
    alive: false,
    isRemotelyManaged: true,
    ephemeral: true,
    tags: { env: 'dev', team: 'batch' },
    ageDays: 30,
  },
  {
    name: 'otel-eks-prod-node-a',
    version: LATEST_OT_VERSION,
    isRemotelyManaged: true,
    tags: { env: 'prod', cluster: 'eks-prod' },
    hostEnv: 'EKS-1.29',
    ageDays: 12,
  },
  {
    name: 'OTEL-WIN-IIS-01',
    version: 'v0.113.0-sumo-0',
    tags: { env: 'prod', team: 'iis' },
    hostOsName: 'Windows',
    hostOsVersion: '10.0.20348',
    ageDays: 150,
  },
];

/** Names of the seeded ingest budgets, by the state each is seeded in. */
export const SEEDED_BUDGETS = {
  exceeded: 'Prod hosts daily cap',
  approaching: 'Hosted sources',
  normal: 'Dev sandbox',
  unknown: 'Kafka cluster',
} as const;

/**
 * Seeds OT collectors, ingest budgets and a broken S3 source on top of the installed org
 * without drawing from its random stream, so the Collector Management side of every seed stays
 * as it was. The `Exceeded` budget (stopCollecting) covers the sources of the first alive Linux
 * Installed Collector; the S3 error sits on the first S3 (Polling) source, if the org has one.
 */
export function seedFleet(
  now: number,
  installed: ReadonlyArray<{ collector: SimCollector; sources: readonly SimSource[] }>,
  stores: { otCollectors: SimOtCollectors; ingestBudgets: SimIngestBudgets; healthEvents: SimHealthEvents },
): void {
  for (const { ageDays, incident, ...init } of SEEDED_OT_COLLECTORS) {
    const collector = stores.otCollectors.add(init, now - ageDays * DAY_MS);
    if (incident)
      stores.healthEvents.raise(
        { type: 'OtCollector', id: collector.id },
        { ...HEALTH_INCIDENTS[incident], eventTime: now - 40 * MINUTE_MS },
      );
  }

  const capped = installed.find(
    ({ collector }) =>
      collector.collectorType === 'Installable' && collector.alive && collector.osName === 'Linux',
  );
  const budgets = [
    {
      definition: {
        name: SEEDED_BUDGETS.exceeded,
        scope: `_sourceCategory=${capped?.collector.hostName ?? 'prod'}/*`,
        capacityBytes: 10 * GB,
        action: 'stopCollecting' as const,
        description: `Daily cap for ${capped?.collector.name ?? 'prod hosts'}`,
        resetTime: '00:00',
        timezone: 'Etc/UTC',
        auditThreshold: 85,
      },
      usage: 10 * GB + 312 * 1024 ** 2,
      // Capped since mid-morning: the capped collector is alive but has sent nothing for hours.
      since: now - 3 * HOUR_MS,
    },
    {
      definition: {
        name: SEEDED_BUDGETS.approaching,
        scope: '_sourceCategory=hosted/*',
        capacityBytes: 50 * GB,
        action: 'keepCollecting' as const,
        resetTime: '02:00',
        timezone: 'America/Los_Angeles',
        auditThreshold: 85,
      },
      usage: 46 * GB,
    },
    {
      definition: {
        name: SEEDED_BUDGETS.normal,
        scope: '_sourceCategory=*dev*',
        capacityBytes: 20 * GB,
        action: 'stopCollecting' as const,
      },
      usage: 3 * GB,
    },
    {
      definition: {
        name: SEEDED_BUDGETS.unknown,
        scope: 'cluster=kafka',
        capacityBytes: 100 * GB,
        action: 'keepCollecting' as const,
      },
      usage: 'unknown' as const,
    },
  ];
  for (const { definition, usage, since } of budgets) {
    const budget = stores.ingestBudgets.create(definition);
    stores.ingestBudgets.setUsage(budget.id, usage, since);
  }

  for (const { collector, sources } of installed) {
    const s3 = sources.find((source) => source.sourceType === 'Polling');
    if (!s3) continue;
    stores.healthEvents.raise(
      { type: 'Source', collectorId: collector.id, sourceId: s3.id },
      { ...HEALTH_INCIDENTS.s3AccessDenied, eventTime: now - 2 * HOUR_MS },
    );
    break;
  }
}
