import { z } from 'zod';
import {
  createSource,
  deleteSource,
  downloadSource,
  downloadSources,
  getSource,
  listSources,
  sourceUpdateBody,
  updateSource,
} from '../api/sources.js';
import { isSumoApiError } from '../http/errors.js';
import type { Collector } from '../schemas/collector.js';
import { SERVER_OWNED_SOURCE_FIELDS } from '../schemas/source.js';
import { collectorRefInput, resolveCollectorInput } from './collector-ref.js';
import { type AnyOperation, defineOperation, type OperationContext } from './define.js';
import { OperationError } from './errors.js';
import { conflictError, etagInput, requireEtag } from './etag.js';
import { type ErrorContext, explainApiError, jsonManagedExplanation } from './explain.js';
import { pageOutput, pagingInput, toPage } from './paging.js';
import {
  CollectorRefOutputSchema,
  collectorLabel,
  FieldChangeSchema,
  fieldChanges,
  SourceObjectSchema,
  SourceSummarySchema,
  toCollectorRefOutput,
  toSourceSummary,
} from './views.js';

const sourceIdInput = z
  .number()
  .int(
    `source ids are whole numbers up to ${Number.MAX_SAFE_INTEGER}; a larger one cannot be sent exactly (list_sources shows the ids)`,
  )
  .positive()
  .describe('From list_sources.');

function isJsonManaged(collector: Collector): boolean {
  return collector.sourceSyncMode === 'Json';
}

function refuseIfJsonManaged(collector: Collector): void {
  if (isJsonManaged(collector))
    throw new OperationError(jsonManagedExplanation(collectorLabel(collector)), 'CannotModifySources');
}

function jsonWarnings(collector: Collector): string[] {
  return isJsonManaged(collector) ? [jsonManagedExplanation(collectorLabel(collector))] : [];
}

async function explained<T>(
  collector: Collector,
  call: () => Promise<T>,
  unknownOutcome: Pick<ErrorContext, 'action' | 'check'> = {},
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw explainApiError(error, { collector: collectorLabel(collector), ...unknownOutcome });
  }
}

export const listSourcesOperation = defineOperation({
  name: 'list_sources',
  toolset: 'sources',
  title: 'List the sources of a collector',
  description:
    "A collector's sources (id, name, type, category, alive), or with download=true their full JSON definitions to copy. Says when a local JSON file manages them (read-only here). 2 API calls.",
  kind: 'read',
  idempotent: true,
  sharedRead: { reuseSeconds: 5 },
  input: z.object({
    collector: collectorRefInput('The collector whose sources to list'),
    download: z.boolean().default(false).describe('Full JSON definitions instead of short items.'),
    ...pagingInput({ defaultLimit: 50, maxLimit: 1000, what: 'sources' }),
  }),
  output: pageOutput(z.union([SourceSummarySchema, SourceObjectSchema]), 'sources').extend({
    collector: CollectorRefOutputSchema,
    apiVersion: z.string().optional().describe('The definition format version, with download=true.'),
  }),
  async run(ctx, input) {
    const { collector } = await resolveCollectorInput(ctx, input.collector);
    const options = { signal: ctx.signal };
    const page = <T>(items: T[]) =>
      toPage(items.slice(input.offset, input.offset + input.limit), input.offset, input.limit, items.length);
    if (input.download) {
      const downloaded = await explained(collector, () => downloadSources(ctx.client, collector.id, options));
      return {
        ...page(downloaded.sources),
        collector: toCollectorRefOutput(collector),
        ...(downloaded.apiVersion ? { apiVersion: downloaded.apiVersion } : {}),
      };
    }
    const sources = await explained(collector, () => listSources(ctx.client, collector.id, options));
    return { ...page(sources.map(toSourceSummary)), collector: toCollectorRefOutput(collector) };
  },
});

export const getSourceOperation = defineOperation({
  name: 'get_source',
  toolset: 'sources',
  title: 'Get a source',
  description:
    "One source in full, with its type's settings (path, protocol, URL, filters…); download=true gives the definition without ids and state, to create it elsewhere. 2 API calls.",
  kind: 'read',
  idempotent: true,
  sharedRead: { reuseSeconds: 0 },
  input: z.object({
    collector: collectorRefInput('The collector the source belongs to'),
    sourceId: sourceIdInput,
    download: z.boolean().default(false).describe('The definition without id and state.'),
  }),
  output: z.object({
    collector: CollectorRefOutputSchema,
    source: SourceObjectSchema,
    apiVersion: z.string().optional().describe('The definition format version, with download=true.'),
  }),
  async run(ctx, input) {
    const { collector } = await resolveCollectorInput(ctx, input.collector);
    const options = { signal: ctx.signal };
    if (input.download) {
      const downloaded = await explained(collector, () =>
        downloadSource(ctx.client, collector.id, input.sourceId, options),
      );
      return {
        collector: toCollectorRefOutput(collector),
        source: downloaded.source,
        ...(downloaded.apiVersion ? { apiVersion: downloaded.apiVersion } : {}),
      };
    }
    const { source } = await explained(collector, () =>
      getSource(ctx.client, collector.id, input.sourceId, options),
    );
    return { collector: toCollectorRefOutput(collector), source };
  },
});

const sourceDefinitionInput = z
  .looseObject({
    sourceType: z.string().min(1).describe('LocalFile, RemoteFileV2, Syslog, SystemStats, HTTP, Polling, …'),
    name: z.string().trim().min(1).max(128).describe('Unique on the collector.'),
  })
  .superRefine((source, ctx) => {
    for (const field of SERVER_OWNED_SOURCE_FIELDS) {
      if (field in source)
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `${field} is set by the service; leave it out`,
        });
    }
  });

export const createSourceOperation = defineOperation({
  name: 'create_source',
  toolset: 'sources',
  title: 'Create a source',
  description:
    "Adds a source to a collector, defined as in a JSON source file: sourceType, name and that type's fields. Installed collectors take local sources; hosted, cloud ones. 2 API calls, preview 2.",
  kind: 'write',
  input: z.object({
    collector: collectorRefInput('The collector to add the source to'),
    source: sourceDefinitionInput.describe(
      "sourceType, name and the type's own fields, as in a JSON source file.",
    ),
  }),
  output: z.object({ collector: CollectorRefOutputSchema, source: SourceObjectSchema }),
  async preview(ctx, input) {
    const { collector } = await resolveCollectorInput(ctx, input.collector);
    const warnings = jsonWarnings(collector);
    let willChange = warnings.length === 0;
    if (willChange) {
      const sources = await explained(collector, () =>
        listSources(ctx.client, collector.id, { signal: ctx.signal }),
      );
      if (sources.some((source) => source.name === input.source.name)) {
        willChange = false;
        warnings.push(
          `${collectorLabel(collector)} already has a source named "${input.source.name}"; the create would be refused.`,
        );
      }
    }
    return {
      summary: `Create ${input.source.sourceType} source "${input.source.name}" on collector ${collectorLabel(collector)}.`,
      willChange,
      details: { collector: toCollectorRefOutput(collector), source: input.source },
      warnings,
    };
  },
  async run(ctx, input) {
    const { collector } = await resolveCollectorInput(ctx, input.collector);
    refuseIfJsonManaged(collector);
    const { source } = await explained(
      collector,
      () => createSource(ctx.client, collector.id, input.source, { signal: ctx.signal }),
      {
        action: `Creating source "${input.source.name}" on ${collectorLabel(collector)}`,
        check: `list_sources ${collectorLabel(collector)} shows whether it was created; create it only if it is not there`,
      },
    );
    return { collector: toCollectorRefOutput(collector), source };
  },
});

async function readSource(ctx: OperationContext, collectorInput: number | string, sourceId: number) {
  const { collector } = await resolveCollectorInput(ctx, collectorInput);
  const { source, etag } = await explained(collector, () =>
    getSource(ctx.client, collector.id, sourceId, { signal: ctx.signal }),
  );
  return { collector, source, etag };
}

export const updateSourceOperation = defineOperation({
  name: 'update_source',
  toolset: 'sources',
  title: 'Update a source',
  description:
    'Changes fields of one source, keeping the rest. Changed by someone meanwhile: nothing is written; the error shows the current values. 3 API calls, preview 2.',
  kind: 'write',
  idempotent: true,
  input: z.object({
    collector: collectorRefInput('The collector the source belongs to'),
    sourceId: sourceIdInput,
    changes: z
      .record(z.string(), z.unknown())
      .superRefine((changes, ctx) => {
        if (Object.keys(changes).length === 0)
          ctx.addIssue({ code: 'custom', message: 'name at least one field to change' });
        for (const field of ['id', 'sourceType', 'alive']) {
          if (field in changes)
            ctx.addIssue({
              code: 'custom',
              path: [field],
              message: `${field} cannot be changed; create a new source instead`,
            });
        }
      })
      .describe('E.g. {"category": "prod/web"}; null removes a field.'),
    etag: etagInput,
  }),
  output: z.object({
    collector: CollectorRefOutputSchema,
    source: SourceObjectSchema.describe('The source after the update.'),
    changed: z.array(FieldChangeSchema),
    note: z
      .string()
      .optional()
      .describe('Set when the answer was lost and a re-read showed the change made.'),
  }),
  async preview(ctx, input) {
    const { collector, source, etag } = await readSource(ctx, input.collector, input.sourceId);
    const changes = fieldChanges(source, input.changes);
    const warnings = jsonWarnings(collector);
    return {
      summary:
        changes.length === 0
          ? `Source "${source.name}" already has these values; nothing would change.`
          : `Change ${changes.map((change) => change.field).join(', ')} of source "${source.name}" on ${collectorLabel(collector)}.`,
      willChange: changes.length > 0 && warnings.length === 0,
      details: { collector: toCollectorRefOutput(collector), sourceId: source.id, changes, etag },
      warnings,
    };
  },
  async run(ctx, input) {
    const { collector, source, etag } = await readSource(ctx, input.collector, input.sourceId);
    refuseIfJsonManaged(collector);
    const changed = fieldChanges(source, input.changes);
    if (changed.length === 0 && input.etag === undefined)
      return { collector: toCollectorRefOutput(collector), source, changed };
    const what = `Source "${source.name}" on ${collectorLabel(collector)}`;
    const ifMatch = requireEtag(input.etag ?? etag, what);
    try {
      const updated = await updateSource(
        ctx.client,
        collector.id,
        source.id,
        sourceUpdateBody(source, input.changes),
        ifMatch,
        { signal: ctx.signal },
      );
      return { collector: toCollectorRefOutput(collector), source: updated.source, changed };
    } catch (error) {
      if (isSumoApiError(error) && error.status === 412) {
        const current = await getSource(ctx.client, collector.id, source.id, { signal: ctx.signal });
        // A retry of a write whose answer was lost meets the ETag that write itself made.
        if (error.outcome === 'unknown' && fieldChanges(current.source, input.changes).length === 0) {
          return {
            collector: toCollectorRefOutput(collector),
            source: current.source,
            changed,
            note: 'The first answer was lost; reading the source again shows the change was made.',
          };
        }
        throw conflictError(what, input.etag !== undefined, current.source, changed);
      }
      throw explainApiError(error, {
        collector: collectorLabel(collector),
        action: `Updating ${what}`,
        check: `get_source with sourceId ${source.id} shows its current values`,
      });
    }
  },
});

export const deleteSourceOperation = defineOperation({
  name: 'delete_source',
  toolset: 'sources',
  title: 'Delete a source',
  description: 'Deletes one source: collection stops, its data stays searchable. 2 API calls, preview 2.',
  kind: 'destructive',
  input: z.object({
    collector: collectorRefInput('The collector the source belongs to'),
    sourceId: sourceIdInput,
  }),
  output: z.object({
    collector: CollectorRefOutputSchema,
    deleted: SourceSummarySchema,
    note: z.string().optional().describe('Set when the answer was lost and a retry found it already gone.'),
  }),
  async preview(ctx, input) {
    const { collector, source } = await readSource(ctx, input.collector, input.sourceId);
    const warnings = jsonWarnings(collector);
    return {
      summary: `Delete ${source.sourceType} source "${source.name}" (id ${source.id}) from collector ${collectorLabel(collector)}.`,
      willChange: warnings.length === 0,
      details: { collector: toCollectorRefOutput(collector), source: toSourceSummary(source) },
      warnings,
    };
  },
  async run(ctx, input) {
    const { collector, source } = await readSource(ctx, input.collector, input.sourceId);
    refuseIfJsonManaged(collector);
    const { firstAnswerLost } = await explained(
      collector,
      () => deleteSource(ctx.client, collector.id, source.id, { signal: ctx.signal }),
      {
        action: `Deleting source "${source.name}" (id ${source.id})`,
        check: `get_source with sourceId ${source.id} answers that it does not exist once it is deleted`,
      },
    );
    return {
      collector: toCollectorRefOutput(collector),
      deleted: toSourceSummary(source),
      ...(firstAnswerLost
        ? { note: `Deleted: the first answer was lost; source ${source.id} is gone.` }
        : {}),
    };
  },
});

export const sourceOperations: AnyOperation[] = [
  listSourcesOperation,
  getSourceOperation,
  createSourceOperation,
  updateSourceOperation,
  deleteSourceOperation,
];
