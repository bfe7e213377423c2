import type { Toolset } from '@sumo-ops/core';
import type { z } from 'zod';
import type { Caller } from './auth/caller.js';

export const CONFIRMATION_TOKEN_FIELD = 'confirmationToken';

/**
 * What a tool looks like to the rest of this package, with no SDK type in sight: the adapter
 * (`sdk-adapter.ts`) is the only module that turns these into SDK registrations.
 */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface ToolProgress {
  progress: number;
  total?: number | undefined;
  message?: string | undefined;
}

/** The restricted JSON schema form elicitation accepts: flat, primitive properties. */
export interface ConfirmFormSchema {
  type: 'object';
  properties: Record<string, { type: 'boolean'; title: string; description: string; default: boolean }>;
  required: string[];
}

export interface ElicitAnswer {
  action: 'accept' | 'decline' | 'cancel';
  content?: Record<string, unknown> | undefined;
}

/** What the protocol offers one tool call, translated from the SDK's request `extra`. */
export interface ToolCall {
  /** Who sent the call, when the transport authenticated them. */
  caller?: Caller | undefined;
  /** The orgs this client may use (X-MCP-Orgs), within the server's; absent, all the server's. */
  orgs?: readonly string[] | undefined;
  /** Aborted when the client cancels the request. */
  signal: AbortSignal;
  /** Present only when the caller sent a progress token. */
  progress?: ((update: ToolProgress) => void) | undefined;
  /** Present only when the client declared form elicitation. */
  elicit?:
    | ((request: { message: string; requestedSchema: ConfirmFormSchema }) => Promise<ElicitAnswer>)
    | undefined;
}

export interface ToolOutcome {
  /** Matches the tool's output schema; absent on errors. */
  structuredContent?: Record<string, unknown> | undefined;
  text: string;
  isError?: boolean | undefined;
  meta?: Record<string, unknown> | undefined;
}

export interface ToolSpec {
  name: string;
  toolset: Toolset;
  title: string;
  description: string;
  inputSchema: z.ZodObject;
  outputSchema: z.ZodObject;
  annotations: ToolAnnotations;
  /** Receives the arguments as the client sent them; checks them against `inputSchema` itself. */
  run(args: Record<string, unknown>, call: ToolCall): Promise<ToolOutcome>;
}
