import { z } from 'zod';
import type { Collector } from '../schemas/collector.js';
import type { Source } from '../schemas/source.js';

/** Epoch ms as ISO 8601 (UTC), which people and models read without arithmetic. */
export function isoTime(epochMs: number | null | undefined): string | undefined {
  return typeof epochMs === 'number' && Number.isFinite(epochMs)
    ? new Date(epochMs).toISOString()
    : undefined;
}

/** A list item: the fields people pick collectors by, not every link and setting. */
export const CollectorSummarySchema = z.object({
  id: z.number().int().describe('Collector id.'),
  name: z.string(),
  collectorType: z.string().describe('Installable or Hosted.'),
  alive: z.boolean(),
  collectorVersion: z.string().describe('Empty for hosted collectors.'),
  lastSeenAlive: z.string().optional().describe('Last heartbeat, ISO 8601.'),
  category: z.string().optional(),
  hostName: z.string().optional(),
  osName: z.string().optional(),
  sourceSyncMode: z.string().optional().describe('UI (API-managed sources) or Json (local file).'),
  ephemeral: z.boolean().optional(),
});
export type CollectorSummary = z.infer<typeof CollectorSummarySchema>;

export function toCollectorSummary(collector: Collector): CollectorSummary {
  return dropEmpty({
    id: collector.id,
    name: collector.name,
    collectorType: collector.collectorType,
    alive: collector.alive,
    collectorVersion: collector.collectorVersion,
    lastSeenAlive: isoTime(collector.lastSeenAlive),
    category: collector.category ?? undefined,
    hostName: collector.hostName ?? undefined,
    osName: collector.osName ?? undefined,
    sourceSyncMode: collector.sourceSyncMode ?? undefined,
    ephemeral: collector.ephemeral,
  });
}

/** One collector in full, less its links, with times in ISO 8601. */
export const CollectorDetailSchema = CollectorSummarySchema.extend({
  description: z.string().optional(),
  timeZone: z.string().optional(),
  fields: z.record(z.string(), z.unknown()).optional(),
  targetCpu: z.number().optional(),
  cutoffTimestamp: z.number().optional(),
  cutoffRelativeTime: z.string().optional(),
  osVersion: z.string().optional(),
  osArch: z.string().optional(),
  osTime: z.number().optional().describe('How long the collector has been running, ms.'),
}).loose();
export type CollectorDetail = z.infer<typeof CollectorDetailSchema>;

export function toCollectorDetail(collector: Collector): CollectorDetail {
  const { links: _links, lastSeenAlive, ...rest } = collector;
  return dropEmpty({ ...rest, lastSeenAlive: isoTime(lastSeenAlive) }) as CollectorDetail;
}

/** How an answer about sources names their collector. */
export const CollectorRefOutputSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  collectorType: z.string(),
  sourceSyncMode: z
    .string()
    .optional()
    .describe('Json: sources are managed by a file on the host, read-only here.'),
});

export function toCollectorRefOutput(collector: Collector): z.infer<typeof CollectorRefOutputSchema> {
  return dropEmpty({
    id: collector.id,
    name: collector.name,
    collectorType: collector.collectorType,
    sourceSyncMode: collector.sourceSyncMode ?? undefined,
  });
}

/** `"web-01" (id 100000123)`: how messages name a collector. */
export function collectorLabel(collector: Pick<Collector, 'id' | 'name'>): string {
  return `"${collector.name}" (id ${collector.id})`;
}

/** A source list item: what it is and whether it runs; the type's own fields need get_source. */
export const SourceSummarySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  sourceType: z.string(),
  category: z.string().optional(),
  alive: z.boolean().optional(),
});

export function toSourceSummary(source: Source): z.infer<typeof SourceSummarySchema> {
  return dropEmpty({
    id: source.id,
    name: source.name,
    sourceType: source.sourceType,
    category: source.category ?? undefined,
    alive: source.alive,
  });
}

/** A whole source (or a downloaded definition): every sourceType has its own fields. */
export const SourceObjectSchema = z.looseObject({
  id: z.number().int().optional(),
  name: z.string(),
  sourceType: z.string(),
});

/** Field-by-field difference between what is and what an update asks for. */
export const FieldChangeSchema = z.object({
  field: z.string(),
  from: z.unknown().describe('Current value (absent when unset).'),
  to: z.unknown().describe('Requested value (null clears the field).'),
});
export type FieldChange = z.infer<typeof FieldChangeSchema>;

export function fieldChanges(
  current: Record<string, unknown>,
  changes: Record<string, unknown>,
): FieldChange[] {
  return Object.entries(changes)
    .filter(([, to]) => to !== undefined)
    .filter(([field, to]) => !sameValue(current[field] ?? null, to))
    .map(([field, to]) => ({ field, from: current[field] ?? null, to }));
}

function sameValue(left: unknown, right: unknown): boolean {
  return JSON.stringify(sortKeys(left)) === JSON.stringify(sortKeys(right));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, inner]) => [key, sortKeys(inner)]),
    );
  }
  return value;
}

/** Leaves out undefined and null so answers stay short. */
function dropEmpty<T extends Record<string, unknown>>(object: T): T {
  return Object.fromEntries(
    Object.entries(object).filter(([, value]) => value !== undefined && value !== null),
  ) as T;
}
