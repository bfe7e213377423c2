import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type ServerNotification,
  type ServerRequest,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import {
  APP_VIEW_META,
  APP_VIEW_RESOURCE,
  APP_VIEW_TOOLS,
  APP_VIEW_URI,
  APPS_EXTENSION,
  readAppView,
  showsAppViews,
} from './app-view.js';
import type { Caller } from './auth/caller.js';
import { inputJsonSchema, outputJsonSchema } from './json-schema.js';
import type { MadeToolSchemas } from './tool-schemas.js';
import type { ToolCall, ToolOutcome, ToolSpec } from './tool-types.js';

/**
 * The one module that talks to the MCP SDK (1.x). Everything it is given is plain data and
 * functions (`ToolSpec`), so moving to the SDK's v2 packages changes this file and the transport
 * wiring, nothing else.
 *
 * It serves `tools/list` and `tools/call` on the SDK's protocol-level `Server` rather than
 * `McpServer`: that one converts every schema again on each `tools/list`, publishes them as zod
 * writes them, and parses every result against the output schema although the operation catalog
 * has already checked it. Here each tool's JSON schemas are made once (`json-schema.ts`), and
 * arguments and results are checked once, by the tool itself (`tools.ts`).
 */
export interface ServerIdentity {
  name: string;
  version: string;
  instructions?: string | undefined;
}

/** A person may take a while to read a preview; this bounds how long a tool call waits for them. */
const ELICITATION_TIMEOUT_MS = 5 * 60_000;

export type SdkServer = Server;

/** Made once per tool and shared by every session that lists it. */
const definitions = new WeakMap<ToolSpec, Tool>();
/** JSON schemas made ahead of time (at build, tool-schemas.ts), taken instead of converting. */
const madeSchemas = new WeakMap<ToolSpec, MadeToolSchemas[string]>();

/** For tools of the catalog `made` was made from: their definitions then convert no schema. */
export function useMadeSchemas(tools: readonly ToolSpec[], made: MadeToolSchemas): void {
  for (const tool of tools) {
    const schemas = made[tool.name];
    if (schemas) madeSchemas.set(tool, schemas);
  }
}

export function toolDefinition(tool: ToolSpec): Tool {
  let definition = definitions.get(tool);
  if (!definition) {
    const made = madeSchemas.get(tool);
    definition = {
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: (made?.inputSchema ?? inputJsonSchema(tool.inputSchema)) as Tool['inputSchema'],
      outputSchema: (made?.outputSchema ?? outputJsonSchema(tool.outputSchema)) as Tool['outputSchema'],
      annotations: tool.annotations,
    };
    definitions.set(tool, definition);
  }
  return definition;
}

/** Whether a caller may see and call a tool (their token's scopes); absent: everyone sees every tool. */
export type ToolVisibility = (tool: ToolSpec, caller: Caller | undefined) => boolean;

/**
 * Which clients see the MCP App view (the tools' `_meta.ui` and the `ui://` resource in
 * resources/list): `declared`, those whose `initialize` declared the extension; `always`, every
 * client — for stateless HTTP, where each request meets a fresh server that never saw the client's
 * `initialize`. A client without Apps ignores `_meta` and an HTML resource it never reads, and the
 * tools stay within the tools/list budget with it (test/tools-list.test.ts).
 */
export type AppViewsShownTo = 'declared' | 'always';

export function createSdkServer(
  identity: ServerIdentity,
  tools: readonly ToolSpec[],
  visibleTo?: ToolVisibility,
  /** Said on every call of this session: the orgs its client may use. */
  orgs?: readonly string[] | undefined,
  /** This session's definition of a tool, when it differs from the shared one (its orgs). */
  define: (tool: ToolSpec) => Tool = toolDefinition,
  appViewsShownTo: AppViewsShownTo = 'declared',
): Server {
  const server = new Server(
    { name: identity.name, version: identity.version },
    {
      // The MCP Apps extension is negotiated both ways (SEP-1724): a host shows a tool's view only
      // for a server that declared it too.
      capabilities: { tools: {}, resources: {}, extensions: { [APPS_EXTENSION]: {} } },
      ...(identity.instructions ? { instructions: identity.instructions } : {}),
    },
  );
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  const listed = { tools: tools.map(define) };
  const showsViews = () => appViewsShownTo === 'always' || showsAppViews(server.getClientCapabilities());
  // Asked per request, not per session: a token renewed with more scopes shows more at once.
  server.setRequestHandler(ListToolsRequestSchema, async (_request, extra) => {
    const caller = callerOf(extra);
    const visible = visibleTo
      ? { tools: tools.filter((tool) => visibleTo(tool, caller)).map(define) }
      : listed;
    if (!showsViews()) return visible;
    return {
      tools: visible.tools.map((tool) =>
        APP_VIEW_TOOLS.has(tool.name) ? { ...tool, _meta: APP_VIEW_META } : tool,
      ),
    };
  });
  // Listed only for a client that shows views; read by URI for anyone (a host that kept the URI).
  server.setRequestHandler(ListResourcesRequestSchema, () => ({
    resources: showsViews() ? [APP_VIEW_RESOURCE] : [],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, (request) => {
    if (request.params.uri !== APP_VIEW_URI) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `Unknown resource "${request.params.uri}". This server offers ${APP_VIEW_URI}.`,
      );
    }
    return readAppView();
  });
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = byName.get(request.params.name);
    if (!tool) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `Unknown tool "${request.params.name}". This session offers: ${[...byName.keys()].join(', ')}.`,
      );
    }
    const call = toolCall(server, extra);
    return toCallToolResult(await tool.run(request.params.arguments ?? {}, orgs ? { ...call, orgs } : call));
  });
  return server;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

function toolCall(server: Server, extra: Extra): ToolCall {
  return {
    caller: callerOf(extra),
    signal: extra.signal,
    progress: progressSender(extra),
    elicit: elicitor(server, extra),
  };
}

/** Put there by the HTTP transport's token check; the token itself goes no further. */
function callerOf(extra: Extra): Caller | undefined {
  return extra.authInfo?.extra?.caller as Caller | undefined;
}

function progressSender(extra: Extra): ToolCall['progress'] {
  const progressToken = extra._meta?.progressToken;
  if (progressToken === undefined) return undefined;
  let last = Number.NEGATIVE_INFINITY;
  return (update) => {
    // The protocol requires progress to increase with every notification.
    if (!(update.progress > last)) return;
    last = update.progress;
    extra
      .sendNotification({
        method: 'notifications/progress',
        params: {
          progressToken,
          progress: update.progress,
          ...(update.total !== undefined ? { total: update.total } : {}),
          ...(update.message !== undefined ? { message: update.message } : {}),
        },
      })
      // A lost progress notification must not fail the work it describes.
      .catch(() => undefined);
  };
}

function elicitor(server: Server, extra: Extra): ToolCall['elicit'] {
  if (!server.getClientCapabilities()?.elicitation?.form) return undefined;
  return async ({ message, requestedSchema }) => {
    const result = await server.elicitInput(
      { mode: 'form', message, requestedSchema },
      // Related to the tool call, so over Streamable HTTP the question travels on that call's stream.
      { signal: extra.signal, relatedRequestId: extra.requestId, timeout: ELICITATION_TIMEOUT_MS },
    );
    return { action: result.action, content: result.content };
  };
}

function toCallToolResult(outcome: ToolOutcome): CallToolResult {
  return {
    content: [{ type: 'text', text: outcome.text }],
    ...(outcome.structuredContent ? { structuredContent: outcome.structuredContent } : {}),
    ...(outcome.isError ? { isError: true } : {}),
    ...(outcome.meta ? { _meta: outcome.meta } : {}),
  };
}
