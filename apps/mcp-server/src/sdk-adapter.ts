import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { ToolCall, ToolOutcome, ToolSpec } from './tool-types.js';

/**
 * The one module that registers tools with the MCP SDK (1.x). Everything it is given is plain
 * data and functions (`ToolSpec`), so moving to the SDK's v2 packages changes this file and the
 * transport wiring, nothing else.
 */
export interface ServerIdentity {
  name: string;
  version: string;
  instructions?: string | undefined;
}

/** A person may take a while to read a preview; this bounds how long a tool call waits for them. */
const ELICITATION_TIMEOUT_MS = 5 * 60_000;

export type SdkServer = McpServer;

export function createSdkServer(identity: ServerIdentity, tools: readonly ToolSpec[]): McpServer {
  const server = new McpServer(
    { name: identity.name, version: identity.version },
    identity.instructions ? { instructions: identity.instructions } : {},
  );
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.inputSchema,
        outputSchema: tool.outputSchema,
        annotations: { title: tool.title, ...tool.annotations },
      },
      async (args, extra) => toCallToolResult(await tool.run(args, toolCall(server, extra))),
    );
  }
  return server;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

function toolCall(server: McpServer, extra: Extra): ToolCall {
  return { signal: extra.signal, progress: progressSender(extra), elicit: elicitor(server, extra) };
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

function elicitor(server: McpServer, extra: Extra): ToolCall['elicit'] {
  if (!server.server.getClientCapabilities()?.elicitation?.form) return undefined;
  return async ({ message, requestedSchema }) => {
    const result = await server.server.elicitInput(
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
