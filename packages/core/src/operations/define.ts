import { z } from 'zod';
import type { SumoClient } from '../http/client.js';
import type { Logger } from '../logger.js';
import type { SharedReads } from '../state/shared-reads.js';

/**
 * read: no side effect. write: creates or changes something recoverable. destructive: deletes,
 * or changes what runs on hosts (upgrades). Front ends derive MCP annotations, read-only mode and
 * Slack confirmations from this alone.
 */
export type OperationKind = 'read' | 'write' | 'destructive';
export const TOOLSETS = ['collectors', 'sources', 'upgrades', 'search', 'fleet', 'health'] as const;
export type Toolset = (typeof TOOLSETS)[number];

export interface ProgressUpdate {
  progress: number;
  total?: number | undefined;
  message?: string | undefined;
}

export interface OperationContext {
  /** The client of the org this call acts on (front ends resolve it with `SumoOrgs.resolve`). */
  client: SumoClient;
  /** That org's name, when the process has several (SUMO_OPS_ORGS): for logs and answers. */
  org?: string | undefined;
  logger: Logger;
  /** Cancels the work; long operations clean up (e.g. delete their search job) before rejecting. */
  signal?: AbortSignal | undefined;
  /** Long operations report here; front ends forward it (MCP progress notifications, Slack updates). */
  onProgress?: ((update: ProgressUpdate) => void) | undefined;
  /**
   * Epoch ms by which a long operation should hand back what it has (e.g. a search job id to
   * continue with), so that clients with request timeouts still get an answer.
   */
  deadline?: number | undefined;
  /**
   * Nobody is waiting for the answer (a scheduled digest): long operations then spend the fewest
   * API calls instead of answering soonest — run_search polls with a growing interval rather than
   * up to three times a second.
   */
  background?: boolean | undefined;
  /**
   * Where identical reads meet (the stores' `reads`: through Redis when configured, so across
   * replicas). Absent, the catalog's own, within this process.
   */
  reads?: SharedReads | undefined;
  /** For an operation that binds its preview: the preview, taken again just now, that matched the confirmed one. */
  confirmedPreview?: OperationPreview | undefined;
  /**
   * Who asked for this call, as an audit record names them (the OAuth token's subject on the MCP
   * server). The only form in which a caller's identity reaches operations: never a credential.
   */
  auditSubject?: AuditSubject | undefined;
}

export interface AuditSubject {
  /** Stable id of the person or client (a token's `sub`). */
  subject: string;
  email?: string | undefined;
  username?: string | undefined;
}

/** What a write or destructive operation would do, computed without side effects. */
export const PreviewSchema = z
  .object({
    summary: z.string().describe('One or two sentences saying what would happen.'),
    /** Whether running now would change anything; false when, e.g., nothing matches. */
    willChange: z.boolean().describe('False when running would change nothing.'),
    details: z.unknown().optional().describe('The objects that would be affected, as data.'),
    warnings: z.array(z.string()).default([]).describe('Things the person confirming should know.'),
    stateDigest: z
      .string()
      .optional()
      .describe(
        'Fingerprint of the objects previewed: the confirmation holds only while they stay the same.',
      ),
  })
  .passthrough();
export type OperationPreview = z.input<typeof PreviewSchema>;

export interface OperationDefinition<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  /** snake_case: the MCP tool name and the catalog key. */
  name: string;
  toolset: Toolset;
  title: string;
  /** When to use it, what it returns, what it costs in API calls. */
  description: string;
  kind: OperationKind;
  /**
   * The confirmation covers exactly the objects its preview showed (the preview sets
   * `stateDigest`): at run the catalog takes the preview again and runs nothing if they changed.
   * For calls the API cannot narrow, such as deleting every offline OT collector.
   */
  bindsPreview?: boolean;
  /** Running twice with the same input has no further effect (MCP `idempotentHint`). */
  idempotent?: boolean;
  /**
   * Reads only. Identical calls in flight at the same time (same arguments, same access key; with
   * Redis, on any replica) share one Sumo Logic call, and its answer is handed to identical calls
   * for `reuseSeconds` more (0: only while in flight). Answers say how old they are. Writes and
   * previews always read fresh, and a write makes every answer read before it unusable.
   */
  sharedRead?: { reuseSeconds: number };
  /**
   * Reads of a page of items only: with several orgs, front ends may run it in every org at once
   * (`org: "*"`, `answerAcrossOrgs`), each org in its own budget, the items tagged with their org.
   */
  acrossOrgs?: boolean;
  input: I;
  output: O;
  // Method syntax (not property arrows) keeps parameters bivariant, so any definition fits the
  // catalog's `AnyOperation` list.
  preview?(ctx: OperationContext, input: z.output<I>): Promise<OperationPreview>;
  run(ctx: OperationContext, input: z.output<I>): Promise<z.input<O>>;
}

export type AnyOperation = OperationDefinition<z.ZodType, z.ZodType>;

const SNAKE_CASE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/**
 * Describes an operation once. Checks at definition time what every front end relies on, so a
 * mistake fails at start-up (and in tests), not in front of a user.
 */
export function defineOperation<I extends z.ZodType, O extends z.ZodType>(
  definition: OperationDefinition<I, O>,
): OperationDefinition<I, O> {
  if (!SNAKE_CASE.test(definition.name))
    throw new Error(`Operation name "${definition.name}" must be snake_case.`);
  if (definition.bindsPreview && !definition.preview) {
    throw new Error(`Operation ${definition.name} binds its preview and needs one.`);
  }
  if (definition.kind !== 'read' && !definition.preview) {
    throw new Error(`Operation ${definition.name} is ${definition.kind} and needs a preview.`);
  }
  if (definition.sharedRead && definition.kind !== 'read') {
    throw new Error(`Operation ${definition.name} is ${definition.kind}: only reads may share answers.`);
  }
  const undocumented = undescribedFields(definition.input);
  if (undocumented.length > 0) {
    throw new Error(
      `Operation ${definition.name}: input fields without a description: ${undocumented.join(', ')}.`,
    );
  }
  return { ...definition, input: refuseUnknownFields(definition.input) };
}

/**
 * The same object schema, refusing fields it does not define: a misspelt `form: "-1h"` must not
 * run the default 15-minute search, nor `filtre` list every collector. The refusal names the
 * unknown fields and the valid ones; the JSON schema front ends publish says
 * `additionalProperties: false`. Checks and refinements of the schema are kept.
 */
export function refuseUnknownFields<S extends z.ZodType>(schema: S): S {
  if (!(schema instanceof z.ZodObject)) return schema;
  return schema.clone({ ...schema.def, catchall: z.never(), error: unknownFieldsMessage }) as unknown as S;
}

/** Only for unknown fields; every other issue keeps zod's own message (undefined passes it on). */
const unknownFieldsMessage: z.core.$ZodErrorMap = (issue) => {
  if (issue.code !== 'unrecognized_keys') return undefined;
  const shape = (issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod
    ?.def?.shape;
  const valid = Object.keys(shape ?? {});
  const unknown = issue.keys.map((key) => `"${key}"`).join(', ');
  return `unknown ${issue.keys.length === 1 ? 'argument' : 'arguments'} ${unknown}: check the spelling; the arguments are ${valid.join(', ') || '(none)'}`;
};

/** Input fields lacking `.describe()`: the description is the MCP parameter doc and the Slack help. */
export function undescribedFields(schema: z.ZodType): string[] {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (!shape) return [];
  return Object.entries(shape)
    .filter(([, field]) => !field.description)
    .map(([name]) => name);
}
