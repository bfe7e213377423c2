import {
  ALL_ORGS,
  type AnyOperation,
  answerAcrossOrgs,
  isOutcomeUnknown,
  isSharedStateUnavailable,
  type Logger,
  type OperationCatalog,
  type OperationContext,
  OperationInputError,
  PreviewChangedError,
  PreviewSchema,
  type SharedReads,
  type SumoClient,
  type SumoOrg,
  SumoOrgs,
  type Toolset,
} from '@sumo-ops/core';
import { z } from 'zod';
import { type AuditEntry, type AuditLog, LOCAL_CALLER } from './audit.js';
import { auditSubjectOf, type Caller } from './auth/caller.js';
import {
  CONFIRMATION_TTL_TEXT,
  type ConfirmationTokens,
  type IssuedToken,
  type RefusalReason,
} from './confirmation.js';
import { explainError } from './errors.js';
import { type RenderOptions, renderError, renderSuccess } from './render.js';
import {
  CONFIRMATION_TOKEN_FIELD,
  type ConfirmFormSchema,
  type ToolAnnotations,
  type ToolCall,
  type ToolOutcome,
  type ToolSpec,
} from './tool-types.js';

/** Long work hands back what it has by then, inside clients' usual 60-second request timeout. */
export const DEFAULT_TIME_BUDGET_MS = 45_000;

export interface ToolFactoryOptions {
  catalog: OperationCatalog;
  client: SumoClient;
  /** With several orgs every tool takes `org`; absent, the one org of `client`. */
  orgs?: SumoOrgs | undefined;
  /** The orgs tools may act on (--orgs): the `org` enum; a client's X-MCP-Orgs narrows it further. */
  allowedOrgs?: readonly string[] | undefined;
  logger: Logger;
  /** The stores' `reads`: identical reads meet other replicas' (with Redis); absent, within this process. */
  reads?: SharedReads | undefined;
  tokens: ConfirmationTokens;
  toolsets?: readonly Toolset[] | undefined;
  /** Only these tools (exact names), within `toolsets` and `readOnly`. */
  tools?: readonly string[] | undefined;
  /** Only `read` operations become tools. */
  readOnly?: boolean | undefined;
  timeBudgetMs?: number | undefined;
  /** Set in demo mode: every result says where it came from. */
  sourceNote?: string | undefined;
  /** Where the audit line of every attempted write goes. */
  audit: AuditLog;
  /** The client a caller's calls use (OAuth: one with a per-caller cap on requests in flight). */
  clientFor?: ((client: SumoClient, caller: Caller | undefined) => SumoClient) | undefined;
  /** Injected in tests. */
  now?: () => number;
}

/** Described once, with the other shared parameters, in the server's instructions. */
const confirmationTokenInput = z.string().min(1).optional();

/** Every tool's parameter naming the org it acts on, when the server has several. */
export const ORG_FIELD = 'org';

export const WRITE_STATUSES = ['completed', 'confirmation_required', 'declined', 'no_change'] as const;

/**
 * Every write or destructive tool answers in this envelope, because its first call previews
 * instead of acting: one object schema admits both the preview and the eventual result, so the
 * structured content always matches the declared output schema. `status` says which: completed
 * (see result), confirmation_required (preview, confirmationToken and expiresAt), declined (the
 * user said no) or no_change (nothing to do); `message` says what happened and what to do next.
 */
function writeOutputSchema(output: z.ZodType) {
  return z.object({
    status: z.enum(WRITE_STATUSES),
    message: z.string(),
    result: output.optional(),
    preview: PreviewSchema.optional(),
    confirmationToken: z.string().optional(),
    expiresAt: z.string().optional(),
  });
}

/** Read tools answer with the operation's own output; MCP wants an object, so others are wrapped. */
function readOutputSchema(output: z.ZodType): { schema: z.ZodObject; wrapped: boolean } {
  if (output instanceof z.ZodObject) return { schema: output, wrapped: false };
  return { schema: z.object({ result: output }), wrapped: true };
}

export function annotationsFor(operation: AnyOperation): ToolAnnotations {
  return {
    readOnlyHint: operation.kind === 'read',
    destructiveHint: operation.kind === 'destructive',
    // Reading twice changes nothing; for changes the operation says whether a repeat is harmless.
    idempotentHint: operation.kind === 'read' ? true : operation.idempotent === true,
    // Every tool talks to a Sumo Logic organisation, a system outside this server.
    openWorldHint: true,
  };
}

/** One tool per catalog operation of the enabled toolsets: nothing is written by hand beside the catalog. */
export function buildTools(options: ToolFactoryOptions): ToolSpec[] {
  const orgs = options.orgs ?? SumoOrgs.single(options.client);
  const allowed = options.allowedOrgs ?? orgs.names;
  // One org (today's variables, or a file with one): the tools are exactly as they were.
  const orgInput = (operation: AnyOperation): Record<string, z.ZodType> => {
    if (allowed.length < 2) return {};
    // A page of the fleet can also be read in every org at once.
    const names = operation.acrossOrgs ? [...allowed, ALL_ORGS] : allowed;
    return { [ORG_FIELD]: z.enum(names as [string, ...string[]]).optional() };
  };
  const built = { ...options, orgs, allowedOrgs: allowed };
  return options.catalog
    .list({ toolsets: options.toolsets, readOnly: options.readOnly })
    .filter((operation) => !options.tools || options.tools.includes(operation.name))
    .map((operation) => buildTool(operation, built, orgInput(operation)));
}

type BuiltToolOptions = ToolFactoryOptions & { orgs: SumoOrgs; allowedOrgs: readonly string[] };

function buildTool(
  operation: AnyOperation,
  options: BuiltToolOptions,
  orgInput: Record<string, z.ZodType>,
): ToolSpec {
  if (!(operation.input instanceof z.ZodObject)) {
    throw new Error(`Operation ${operation.name}: MCP tools need an object input schema.`);
  }
  if (ORG_FIELD in operation.input.shape) {
    throw new Error(
      `Operation ${operation.name}: "${ORG_FIELD}" is the parameter every tool names its org with.`,
    );
  }
  const isRead = operation.kind === 'read';
  const read = readOutputSchema(operation.output);
  const inputSchema = operation.input.safeExtend({
    ...orgInput,
    ...(isRead ? {} : { [CONFIRMATION_TOKEN_FIELD]: confirmationTokenInput }),
  });
  return {
    name: operation.name,
    toolset: operation.toolset,
    title: operation.title,
    // How confirmation works is said once, by the confirmationToken parameter and the instructions.
    description: operation.description,
    inputSchema,
    outputSchema: isRead ? read.schema : writeOutputSchema(operation.output),
    annotations: annotationsFor(operation),
    run: (args, call) => callTool(operation, inputSchema, args, call, options, read.wrapped),
  };
}

async function callTool(
  operation: AnyOperation,
  inputSchema: z.ZodObject,
  args: Record<string, unknown>,
  call: ToolCall,
  options: BuiltToolOptions,
  wrapRead: boolean,
): Promise<ToolOutcome> {
  let render: RenderOptions = { sourceNote: options.sourceNote };
  const started = Date.now();
  const auditSubject = auditSubjectOf(call.caller);
  const who = auditSubject ? { caller: auditSubject } : {};
  let org: SumoOrg | undefined;
  // The named org, else the default, within what this client may use; never another.
  const resolveOrg = (requested: unknown, allowed: readonly string[]) =>
    options.orgs.resolve(requested as string | undefined, operation.name, allowed);
  const orgName = (target = org) => (options.orgs.named ? target?.name : undefined);
  const context = (target = org as SumoOrg): OperationContext => ({
    client: options.clientFor ? options.clientFor(target.client, call.caller) : target.client,
    org: orgName(target),
    logger: options.logger.child({
      tool: operation.name,
      ...who,
      ...(orgName(target) ? { org: orgName(target) } : {}),
    }),
    auditSubject,
    signal: call.signal,
    onProgress: call.progress,
    // Taken when the work starts, so time a person spends confirming does not eat the budget.
    deadline: (options.now ?? Date.now)() + (options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS),
    reads: options.reads,
  });
  let outcome: ToolOutcome;
  try {
    // The one check of the arguments: refusals name the field, before any API call.
    const parsed = inputSchema.safeParse(args);
    if (!parsed.success) throw OperationInputError.fromZod(operation.name, parsed.error, inputSchema);
    const {
      [CONFIRMATION_TOKEN_FIELD]: token,
      [ORG_FIELD]: requestedOrg,
      ...input
    } = parsed.data as Record<string, unknown>;
    const allowed = call.orgs ?? options.allowedOrgs;
    if (requestedOrg === ALL_ORGS) {
      // Every org this client may use, each with its own client and budget; the answer names them.
      const answer = await answerAcrossOrgs(
        allowed.map((name) => options.orgs.get(name)),
        input,
        async (target) => (await options.catalog.answer(operation.name, context(target), input)).result,
      );
      outcome = renderSuccess({ ...answer }, render);
    } else if (operation.kind === 'read') {
      org = resolveOrg(requestedOrg, allowed);
      render = { ...render, org: orgName() };
      const { result, freshness } = await options.catalog.answer(operation.name, context(), input);
      outcome = renderSuccess(wrapRead ? { result } : (result as Record<string, unknown>), {
        ...render,
        freshness,
      });
    } else {
      org = resolveOrg(requestedOrg, allowed);
      render = { ...render, org: orgName() };
      outcome = await confirmThenRun(operation, input, token as string | undefined, call, context, {
        ...options,
        render,
        org: orgName(),
      });
    }
  } catch (error) {
    outcome = renderError(explainError(error, operation.name, call.signal), render);
  }
  options.logger.info('tool call', {
    tool: operation.name,
    ...who,
    ...(orgName() ? { org: orgName() } : {}),
    ms: Date.now() - started,
    isError: outcome.isError === true,
    ...(outcome.structuredContent?.status ? { status: outcome.structuredContent.status } : {}),
  });
  return outcome;
}

/**
 * A write never happens on a model's say-so alone: either the person answers an elicitation
 * form, or the model must come back with a token that only a preview of these exact arguments
 * produced.
 */
async function confirmThenRun(
  operation: AnyOperation,
  input: Record<string, unknown>,
  token: string | undefined,
  call: ToolCall,
  context: () => OperationContext,
  options: ToolFactoryOptions & { render: RenderOptions; org: string | undefined },
): Promise<ToolOutcome> {
  const { render, org } = options;
  const answer = (structured: Record<string, unknown>) => renderSuccess(structured, render);
  const { catalog } = options;
  const subject = call.caller?.subject;
  const audit = (entry: Pick<AuditEntry, 'outcome' | 'reason' | 'result'>) =>
    options.audit.record({
      caller: auditSubjectOf(call.caller) ?? LOCAL_CALLER,
      ...(call.caller?.clientId ? { clientId: call.caller.clientId } : {}),
      tool: operation.name,
      kind: operation.kind,
      ...(org ? { org } : {}),
      input,
      ...entry,
    });
  const run = async (confirmedPreview: { stateDigest?: string | undefined }) => {
    let result: unknown;
    try {
      result = await catalog.run(operation.name, context(), input, { confirmed: true, confirmedPreview });
    } catch (error) {
      // What the preview showed changed before the run: nothing ran; the new preview is confirmed anew.
      if (error instanceof PreviewChangedError) {
        audit({ outcome: 'refused', reason: error.code });
        return offerConfirmation(error.preview, error.message);
      }
      audit({
        outcome: isOutcomeUnknown(error) ? 'unknown' : 'failed',
        reason: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
    audit({ outcome: 'succeeded', result });
    return answer({
      status: 'completed',
      message: `${operation.title}${org ? ` in ${org}` : ''}: done.`,
      result,
    });
  };
  const offerConfirmation = async (preview: z.output<typeof PreviewSchema>, why?: string) => {
    if (!preview.willChange) return answer(noChange(preview));
    let issued: IssuedToken;
    try {
      // The org is bound too: a preview of staging can never confirm a change to production.
      issued = await options.tokens.issue(operation.name, input, {
        subject,
        stateDigest: preview.stateDigest,
        org,
      });
    } catch (error) {
      if (!isSharedStateUnavailable(error)) throw error;
      return renderError(
        {
          code: error.code,
          text: `Confirmations are unavailable right now, so no confirmationToken was issued for this preview: ${preview.summary}\n${error.message}`,
        },
        render,
      );
    }
    return answer({
      status: 'confirmation_required',
      message: `${why ? `${why}\n` : ''}Nothing has been changed yet${org ? ` in ${org}` : ''}. Show this preview to the user; only if they agree, call ${operation.name} again with the same arguments plus confirmationToken.`,
      preview,
      confirmationToken: issued.token,
      expiresAt: new Date(issued.expiresAt).toISOString(),
    });
  };

  if (call.elicit) {
    const preview = await catalog.preview(operation.name, context(), input);
    if (!preview.willChange) return answer(noChange(preview));
    const reply = await call.elicit({
      message: confirmationMessage(operation, preview, org),
      requestedSchema: confirmForm(operation),
    });
    if (reply.action === 'accept' && reply.content?.confirm === true) return run(preview);
    audit({
      outcome: 'declined',
      reason: reply.action === 'accept' ? 'confirm left unchecked' : reply.action,
    });
    return answer({
      status: 'declined',
      message: `The user did not confirm (${reply.action === 'accept' ? 'left confirm unchecked' : reply.action}). Nothing was changed.`,
      preview,
    });
  }

  if (token === undefined) return offerConfirmation(await catalog.preview(operation.name, context(), input));

  const redeemed = await options.tokens.redeem(operation.name, input, token, { subject, org });
  if (!redeemed.ok) {
    audit({ outcome: 'refused', reason: `confirmation.${redeemed.reason}` });
    return renderError(
      { code: `confirmation.${redeemed.reason}`, text: refusalText(operation.name, redeemed.reason) },
      render,
    );
  }
  return run({ stateDigest: redeemed.stateDigest });
}

function noChange(preview: z.output<typeof PreviewSchema>): Record<string, unknown> {
  return {
    status: 'no_change',
    message: `Nothing was done, as nothing would change: ${preview.summary}`,
    preview,
  };
}

function refusalText(tool: string, reason: RefusalReason): string {
  const why = {
    other_person:
      'the confirmationToken belongs to a preview made by another person; a change is confirmed by the person who previewed it',
    malformed: 'the confirmationToken is not one this server issued',
    mismatch:
      'the confirmationToken was issued for different arguments (or another tool, another org, or before the server restarted)',
    expired: `the confirmationToken has expired (tokens last ${CONFIRMATION_TTL_TEXT})`,
    used: 'the confirmationToken has already been used, or is no longer on record (each token works once)',
  }[reason];
  return `Refused: ${why}. Nothing was changed. Call ${tool} again without confirmationToken to get a fresh preview and token, and show the preview to the user before using it.`;
}

const PREVIEW_DETAIL_BUDGET = 1_500;

function confirmationMessage(
  operation: AnyOperation,
  preview: z.output<typeof PreviewSchema>,
  org: string | undefined,
): string {
  const lines = [`${operation.title}${org ? ` in ${org}` : ''}?`, '', preview.summary];
  for (const warning of preview.warnings) lines.push(`Warning: ${warning}`);
  if (preview.details !== undefined) {
    const details = JSON.stringify(preview.details);
    lines.push(
      '',
      details.length > PREVIEW_DETAIL_BUDGET
        ? `${details.slice(0, PREVIEW_DETAIL_BUDGET)}… (truncated)`
        : details,
    );
  }
  return lines.join('\n');
}

function confirmForm(operation: AnyOperation): ConfirmFormSchema {
  return {
    type: 'object',
    properties: {
      confirm: {
        type: 'boolean',
        title: operation.kind === 'destructive' ? 'Yes, go ahead (cannot be undone)' : 'Yes, go ahead',
        description: `Check to let sumo-ops ${operation.title.toLowerCase()} as previewed.`,
        default: false,
      },
    },
    required: ['confirm'],
  };
}
