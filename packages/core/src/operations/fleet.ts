import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  collectOtCollectors,
  deleteOfflineOtCollectors,
  deleteOtCollector,
  listOtCollectors,
  OT_COLLECTOR_PAGE_MAX,
} from '../api/ot-collectors.js';
import { isSumoApiError } from '../http/errors.js';
import { OT_VERSION_PATTERN, type OtCollector } from '../schemas/ot-collector.js';
import { type AnyOperation, defineOperation, type OperationContext } from './define.js';
import { explainApiError } from './explain.js';
import { otCollectorRefInput, resolveOtCollector } from './ot-collector-ref.js';
import { tokenPageOutput, tokenPagingInput } from './paging.js';

/** How many offline OT collectors a delete preview names one by one; the count is always exact. */
const PREVIEW_LIST_MAX = 100;

/** What the OT API cannot tell, said wherever offline OT collectors are counted. */
export const OT_LIVENESS_NOTE =
  'OT collectors report alive or not but no last-heartbeat time, so "offline for N days" applies to installed collectors only.';

/** A list item: what people pick OT collectors by. */
export const OtCollectorSummarySchema = z.object({
  id: z.string().describe('16 hex digits.'),
  name: z.string(),
  kind: z.literal('ot'),
  alive: z.boolean().optional(),
  version: z.string(),
  remotelyManaged: z.boolean().optional(),
  hostName: z.string().optional(),
  os: z.string().optional(),
  category: z.string().optional(),
  tags: z.record(z.string(), z.unknown()).optional(),
  errors: z.number().int().optional().describe('Open health errors.'),
  warnings: z.number().int().optional().describe('Open health warnings.'),
});
export type OtCollectorSummary = z.infer<typeof OtCollectorSummarySchema>;

export function toOtCollectorSummary(collector: OtCollector): OtCollectorSummary {
  const summary: OtCollectorSummary = {
    id: collector.id,
    name: collector.name,
    kind: 'ot',
    alive: collector.alive,
    version: collector.version.currentVersion,
    remotelyManaged: collector.isRemotelyManaged,
    hostName: collector.systemInfo?.hostName ?? undefined,
    os: collector.systemInfo?.hostOsName ?? undefined,
    category: collector.category ?? undefined,
    tags: collector.tags && Object.keys(collector.tags).length > 0 ? collector.tags : undefined,
    errors: collector.healthIncidentsTracker?.errorsCount || undefined,
    warnings: collector.healthIncidentsTracker?.warningsCount || undefined,
  };
  return Object.fromEntries(
    Object.entries(summary).filter(([, value]) => value !== undefined),
  ) as OtCollectorSummary;
}

/** Offline OT collectors as counted beside installed ones wherever "offline collectors" are asked for. */
export const OfflineOtCollectorsSchema = z.object({
  count: z.number().int().optional().describe('Offline OT collectors in the org.'),
  items: z.array(OtCollectorSummarySchema).optional().describe('The first of them.'),
  note: z.string(),
});
export type OfflineOtCollectors = z.infer<typeof OfflineOtCollectorsSchema>;

/**
 * One call: how many OT collectors are offline, and the first `listMax` of them. An org or a key
 * without OT collector access still gets its installed answer, with the reason this part is missing.
 */
export async function offlineOtCollectors(
  ctx: OperationContext,
  listMax: number,
): Promise<OfflineOtCollectors> {
  try {
    const page = await listOtCollectors(
      ctx.client,
      { filters: { alive: false }, limit: listMax, includeCount: true },
      { signal: ctx.signal },
    );
    return {
      count: page.count ?? (page.next ? undefined : page.items.length),
      items: page.items.map(toOtCollectorSummary),
      note: `${OT_LIVENESS_NOTE} list_ot_collectors with alive false lists them all; delete_offline_ot_collectors deletes them.`,
    };
  } catch (error) {
    if (!isSumoApiError(error) || ctx.signal?.aborted) throw error;
    return {
      note: `OT collectors could not be read (${error.status} ${error.code}); installed collectors only.`,
    };
  }
}

// A refinement rather than `.regex`: the same check, without the pattern repeated in tools/list.
const versionInput = z
  .string()
  .refine(
    (version) => OT_VERSION_PATTERN.test(version),
    'OT collector versions look like v0.104.0 or v0.104.0-sumo-1',
  );

export const listOtCollectorsOperation = defineOperation({
  name: 'list_ot_collectors',
  toolset: 'fleet',
  title: 'List OpenTelemetry collectors',
  description:
    'A page of OpenTelemetry (OT) collectors, filtered by liveness, tags, version, text or management: to survey or find them. 1 API call a page.',
  kind: 'read',
  idempotent: true,
  sharedRead: { reuseSeconds: 5 },
  input: z.object({
    alive: z.boolean().optional().describe('true: heartbeating; false: offline.'),
    tags: z
      .record(z.string(), z.union([z.string(), z.array(z.string()).min(1)]))
      .optional()
      .describe('E.g. {"team":"app-dev"}; a list of values matches any.'),
    minVersion: versionInput.optional().describe('Lowest version, e.g. v0.104.0.'),
    maxVersion: versionInput.optional().describe('Highest version.'),
    search: z.string().min(1).optional().describe('Free text or an id.'),
    remotelyManaged: z.boolean().optional().describe('Managed from Sumo Logic (true) or locally.'),
    sortBy: z.string().min(1).optional().describe('E.g. name.'),
    ...tokenPagingInput({ defaultLimit: 50, maxLimit: OT_COLLECTOR_PAGE_MAX, what: 'collectors' }),
  }),
  output: tokenPageOutput(OtCollectorSummarySchema, 'OT collectors'),
  async run(ctx, input) {
    const versionRange =
      input.minVersion || input.maxVersion
        ? { minVersion: input.minVersion, maxVersion: input.maxVersion }
        : undefined;
    const page = await listOtCollectors(
      ctx.client,
      {
        search: input.search,
        filters: {
          alive: input.alive,
          isRemotelyManaged: input.remotelyManaged,
          collectorVersionRange: versionRange,
          tags: input.tags
            ? Object.entries(input.tags).map(([key, values]) => [
                { key, values: typeof values === 'string' ? [values] : values },
              ])
            : undefined,
        },
        sortBy: input.sortBy,
        limit: input.limit,
        next: input.next,
        includeCount: true,
      },
      { signal: ctx.signal },
    );
    return {
      items: page.items.map(toOtCollectorSummary),
      next: page.next ?? null,
      ...(page.count === undefined ? {} : { total: page.count }),
    };
  },
});

/** One OT collector in full: the summary plus what the API adds. */
const OtCollectorDetailSchema = OtCollectorSummarySchema.extend({
  description: z.string().optional(),
  ephemeral: z.boolean().optional(),
  systemInfo: z.record(z.string(), z.unknown()).optional(),
  timeZone: z.string().optional(),
  createdAt: z.string().optional(),
  modifiedAt: z.string().optional(),
}).loose();

export const getOtCollectorOperation = defineOperation({
  name: 'get_ot_collector',
  toolset: 'fleet',
  title: 'Get an OpenTelemetry collector',
  description:
    'One OT collector by id or exact name: liveness, version, host, tags, open health errors and warnings. 1 API call.',
  kind: 'read',
  idempotent: true,
  sharedRead: { reuseSeconds: 0 },
  input: z.object({ collector: otCollectorRefInput('The OT collector to read') }),
  output: OtCollectorDetailSchema,
  async run(ctx, input) {
    const collector = await resolveOtCollector(ctx, input.collector);
    const { effectiveConfig: _config, ...rest } = collector;
    return {
      ...toOtCollectorSummary(collector),
      ...Object.fromEntries(
        Object.entries({
          description: rest.description ?? undefined,
          ephemeral: rest.ephemeral,
          systemInfo: rest.systemInfo ?? undefined,
          timeZone: rest.timeZone ?? undefined,
          createdAt: rest.createdAt ?? undefined,
          modifiedAt: rest.modifiedAt ?? undefined,
        }).filter(([, value]) => value !== undefined),
      ),
    };
  },
});

export const deleteOtCollectorOperation = defineOperation({
  name: 'delete_ot_collector',
  toolset: 'fleet',
  title: 'Delete an OpenTelemetry collector',
  description: 'Deletes one OT collector from Sumo Logic. 2 API calls, preview 1.',
  kind: 'destructive',
  input: z.object({ collector: otCollectorRefInput('The OT collector to delete') }),
  output: z.object({
    deleted: OtCollectorSummarySchema,
    note: z.string().optional().describe('Set when the answer was lost and a retry found it already gone.'),
  }),
  async preview(ctx, input) {
    const collector = await resolveOtCollector(ctx, input.collector);
    return {
      summary: `Delete OT collector "${collector.name}" (id ${collector.id}).`,
      willChange: true,
      details: toOtCollectorSummary(collector),
      warnings: collector.alive
        ? [`"${collector.name}" is alive: it stops being managed here while it keeps running on its host.`]
        : [],
    };
  },
  async run(ctx, input) {
    const collector = await resolveOtCollector(ctx, input.collector);
    const label = `OT collector "${collector.name}" (id ${collector.id})`;
    try {
      const { firstAnswerLost } = await deleteOtCollector(ctx.client, collector.id, { signal: ctx.signal });
      return {
        deleted: toOtCollectorSummary(collector),
        ...(firstAnswerLost ? { note: `Deleted: the first answer was lost; ${label} is gone.` } : {}),
      };
    } catch (error) {
      throw explainApiError(error, {
        collector: label,
        action: `Deleting ${label}`,
        check: `get_ot_collector ${collector.id} answers that it does not exist once it is deleted`,
      });
    }
  },
});

/** The same set of collectors gives the same digest, whatever order the API listed them in. */
function setDigest(ids: readonly string[]): string {
  return createHash('sha256')
    .update(
      [...ids]
        .map((id) => id.toUpperCase())
        .sort()
        .join('\n'),
    )
    .digest('base64url')
    .slice(0, 22);
}

export const deleteOfflineOtCollectorsOperation = defineOperation({
  name: 'delete_offline_ot_collectors',
  toolset: 'fleet',
  title: 'Delete offline OpenTelemetry collectors',
  description:
    'Deletes EVERY offline OT collector of the org (the API takes no filter). The preview lists them (1 API call per 1000); if the set changes before confirmation nothing is deleted. 1 API call.',
  kind: 'destructive',
  bindsPreview: true,
  input: z.object({}),
  output: z.object({
    deleted: z.number().int().describe('How many offline OT collectors were deleted (as previewed).'),
    note: z.string(),
  }),
  async preview(ctx) {
    const { items: offline } = await collectOtCollectors(
      ctx.client,
      { filters: { alive: false } },
      { signal: ctx.signal },
    );
    return {
      summary:
        offline.length === 0
          ? 'No OT collector is offline; nothing would be deleted.'
          : `Delete all ${offline.length} offline OT collector(s).`,
      willChange: offline.length > 0,
      details: {
        count: offline.length,
        collectors: offline.slice(0, PREVIEW_LIST_MAX).map(toOtCollectorSummary),
        notListed: Math.max(0, offline.length - PREVIEW_LIST_MAX),
      },
      warnings: [
        'The API deletes every OT collector offline at the moment of the call, with no filter; it cannot be undone.',
        OT_LIVENESS_NOTE,
      ],
      stateDigest: setDigest(offline.map((collector) => collector.id)),
    };
  },
  async run(ctx) {
    // The catalog has just re-read the offline set and found it as previewed (bindsPreview).
    const count = (ctx.confirmedPreview?.details as { count?: number } | undefined)?.count ?? 0;
    try {
      await deleteOfflineOtCollectors(ctx.client, { signal: ctx.signal });
    } catch (error) {
      throw explainApiError(error, {
        action: 'Deleting the offline OT collectors',
        check: 'list_ot_collectors with alive false shows which remain',
      });
    }
    return { deleted: count, note: 'list_ot_collectors with alive false shows what remains.' };
  },
});

export const fleetOperations: AnyOperation[] = [
  listOtCollectorsOperation,
  getOtCollectorOperation,
  deleteOtCollectorOperation,
  deleteOfflineOtCollectorsOperation,
];
