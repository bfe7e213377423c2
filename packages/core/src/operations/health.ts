import { z } from 'zod';
import { collectHealthEvents } from '../api/health-events.js';
import { collectIngestBudgets } from '../api/ingest-budgets.js';
import { isHexId, sameResourceId, toDecimalId } from '../api/resource-id.js';
import { HEALTH_RESOURCE_TYPES, HEALTH_SEVERITIES, type HealthEvent } from '../schemas/health-event.js';
import { type IngestBudget, USAGE_STATUSES } from '../schemas/ingest-budget.js';
import { type AnyOperation, defineOperation } from './define.js';
import { pageOutput, pagingInput, toPage } from './paging.js';

/** A whole org's unresolved events, 1000 a call: enough for any org that can still be read. */
const MAX_EVENT_PAGES = 20;
const MAX_BUDGET_PAGES = 10;

/** One event as people read it: what, how bad, about which resource, and the collector to fix. */
export const HealthEventItemSchema = z.object({
  eventName: z.string(),
  severity: z.string().describe('Error or Warning.'),
  subsystem: z.string(),
  time: z.string().describe('When it was raised, ISO 8601.'),
  resourceType: z.string().describe('Collector, Source, IngestBudget or Organisation.'),
  resourceId: z.string(),
  resourceName: z.string().optional(),
  collectorId: z
    .string()
    .optional()
    .describe("The collector to look at: the resource's own id, or a source's collector in decimal."),
  collectorName: z.string().optional(),
  error: z.string().optional().describe("Sumo's reason, e.g. Access denied to Amazon S3 bucket."),
  description: z.string().optional(),
  eventId: z.string(),
});
export type HealthEventItem = z.infer<typeof HealthEventItemSchema>;

/**
 * The event with its collector named: a source event links to the collector it runs on. Sources
 * in this API belong to installed or hosted collectors, so that link is written in the decimal
 * form `get_collector` takes; a Collector event may be about an OT collector, so its id stays as
 * the API wrote it (`diagnose_collector` takes either).
 */
export function toHealthEventItem(event: HealthEvent): HealthEventItem {
  const resource = event.resourceIdentity;
  const collectorId =
    resource.type === 'Collector'
      ? resource.id
      : resource.type === 'Source' && resource.collectorId
        ? decimalLink(resource.collectorId)
        : undefined;
  const collectorName =
    resource.type === 'Collector'
      ? resource.name
      : resource.type === 'Source'
        ? resource.collectorName
        : undefined;
  const item: HealthEventItem = {
    eventName: event.eventName,
    severity: event.severityLevel,
    subsystem: event.subsystem,
    time: event.eventTime,
    resourceType: resource.type,
    resourceId: resource.id,
    resourceName: resource.name ?? undefined,
    collectorId,
    collectorName: collectorName ?? undefined,
    error: event.details.error ?? undefined,
    description: event.details.description ?? undefined,
    eventId: event.eventId,
  };
  return Object.fromEntries(
    Object.entries(item).filter(([, value]) => value !== undefined),
  ) as HealthEventItem;
}

function decimalLink(id: string): string {
  const decimal = isHexId(id) ? toDecimalId(id) : undefined;
  return decimal === undefined ? id : String(decimal);
}

/** Whether the event is about this collector or one of its sources; ids match written either way, names exactly. */
export function concernsCollector(event: HealthEvent, collector: number | string): boolean {
  const resource = event.resourceIdentity;
  const [id, name] =
    resource.type === 'Collector'
      ? [resource.id, resource.name]
      : resource.type === 'Source'
        ? [resource.collectorId, resource.collectorName]
        : [undefined, undefined];
  if (id === undefined && name === undefined) return false;
  return sameResourceId(id, collector) || (typeof collector === 'string' && name === collector);
}

/** Errors before warnings, newest first within each. */
export function byUrgency(left: HealthEvent, right: HealthEvent): number {
  const severity = Number(right.severityLevel === 'Error') - Number(left.severityLevel === 'Error');
  return severity !== 0 ? severity : right.eventTime.localeCompare(left.eventTime);
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

export const listHealthEventsOperation = defineOperation({
  name: 'list_health_events',
  toolset: 'health',
  title: 'List health events',
  description:
    'Unresolved health events (why collectors, sources or budgets are unwell), errors first, counted by event name and severity. 1 API call per 1000 events.',
  kind: 'read',
  idempotent: true,
  sharedRead: { reuseSeconds: 5 },
  input: z.object({
    severity: z.enum(HEALTH_SEVERITIES).optional().describe('Only this severity.'),
    resourceType: z
      .enum(HEALTH_RESOURCE_TYPES)
      .optional()
      .describe('Only events about this kind of resource.'),
    subsystem: z.string().min(1).optional().describe('Only this product area, e.g. Collection.'),
    collector: z
      .union([z.number().int().positive(), z.string().min(1).max(255)])
      .optional()
      .describe("Only this collector's events and its sources'."),
    ...pagingInput({ defaultLimit: 50, maxLimit: 1000, what: 'events' }),
  }),
  output: pageOutput(HealthEventItemSchema, 'events').extend({
    counts: z.object({
      byName: z.record(z.string(), z.number().int()),
      bySeverity: z.record(z.string(), z.number().int()),
    }),
    complete: z.boolean().describe('False when the org has more events than were read.'),
  }),
  async run(ctx, input) {
    const { items: events, complete } = await collectHealthEvents(ctx.client, {
      signal: ctx.signal,
      maxPages: MAX_EVENT_PAGES,
    });
    const collector = typeof input.collector === 'string' ? input.collector.trim() : input.collector;
    const matching = events
      .filter(
        (event) =>
          (!input.severity || event.severityLevel === input.severity) &&
          (!input.resourceType || event.resourceIdentity.type === input.resourceType) &&
          (!input.subsystem || event.subsystem.toLowerCase() === input.subsystem.toLowerCase()) &&
          (collector === undefined || concernsCollector(event, collector)),
      )
      .sort(byUrgency);
    return {
      ...toPage(
        matching.slice(input.offset, input.offset + input.limit).map(toHealthEventItem),
        input.offset,
        input.limit,
        matching.length,
      ),
      counts: {
        byName: countBy(matching, (event) => event.eventName),
        bySeverity: countBy(matching, (event) => event.severityLevel),
      },
      complete,
    };
  },
});

export const IngestBudgetItemSchema = z.object({
  id: z.string(),
  name: z.string(),
  scope: z.string(),
  usageStatus: z.string().describe('Normal, Approaching, Exceeded or Unknown.'),
  action: z.string().describe('stopCollecting: collection stops at capacity; keepCollecting: it goes on.'),
  capacityBytes: z.number(),
  usageBytes: z.number().optional(),
  usagePercent: z.number().optional(),
  resetTime: z.string().optional().describe('HH:MM in timezone.'),
  timezone: z.string().optional(),
  budgetType: z.string().optional(),
});
export type IngestBudgetItem = z.infer<typeof IngestBudgetItemSchema>;

export function toIngestBudgetItem(budget: IngestBudget): IngestBudgetItem {
  const usage = budget.usageBytes ?? undefined;
  const item: IngestBudgetItem = {
    id: budget.id,
    name: budget.name,
    scope: budget.scope,
    usageStatus: budget.usageStatus ?? 'Unknown',
    action: budget.action,
    capacityBytes: budget.capacityBytes,
    usageBytes: usage,
    usagePercent:
      usage === undefined || budget.capacityBytes <= 0
        ? undefined
        : Math.round((usage / budget.capacityBytes) * 1000) / 10,
    resetTime: budget.resetTime ?? undefined,
    timezone: budget.timezone ?? undefined,
    budgetType: budget.budgetType ?? undefined,
  };
  return Object.fromEntries(
    Object.entries(item).filter(([, value]) => value !== undefined),
  ) as IngestBudgetItem;
}

export const listIngestBudgetsOperation = defineOperation({
  name: 'list_ingest_budgets',
  toolset: 'health',
  title: 'List ingest budgets',
  description:
    'Ingest budgets (v2) with scope, capacity, usage, usageStatus and action; an Exceeded budget with stopCollecting is why data stops arriving. 1 API call per 1000 budgets.',
  kind: 'read',
  idempotent: true,
  sharedRead: { reuseSeconds: 5 },
  input: z.object({
    status: z.enum(USAGE_STATUSES).optional().describe('Only budgets with this usageStatus.'),
  }),
  output: z.object({
    items: z.array(IngestBudgetItemSchema),
    counts: z.record(z.string(), z.number().int()).describe('Budgets by usageStatus, before the filter.'),
    complete: z.boolean().describe('False when there were more budgets than were read.'),
  }),
  async run(ctx, input) {
    const { items: budgets, complete } = await collectIngestBudgets(ctx.client, {
      signal: ctx.signal,
      maxPages: MAX_BUDGET_PAGES,
    });
    const items = budgets.map(toIngestBudgetItem);
    return {
      items: items.filter((budget) => !input.status || budget.usageStatus === input.status),
      counts: countBy(items, (budget) => budget.usageStatus),
      complete,
    };
  },
});

export const healthOperations: AnyOperation[] = [listHealthEventsOperation, listIngestBudgetsOperation];
