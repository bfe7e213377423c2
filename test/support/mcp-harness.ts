import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import {
  type CallToolResult,
  type ClientCapabilities,
  type ElicitRequest,
  ElicitRequestSchema,
  type ElicitResult,
} from '@modelcontextprotocol/sdk/types.js';
import {
  ConfirmationTokens,
  createSumoOpsMcp,
  META_ERROR,
  type SumoOpsMcpOptions,
} from '@sumo-ops/mcp-server';
import { type SimulatedSumo, type SimulatedSumoOptions, startSimulatedSumo } from './simulated-sumo.js';

export interface Harness {
  sumo: SimulatedSumo;
  client: Client;
  /** Elicitation requests the client received, in order. */
  elicitations: ElicitRequest['params'][];
  close(): Promise<void>;
}

export interface HarnessOptions extends Partial<Omit<SumoOpsMcpOptions, 'client' | 'logger'>> {
  simulator?: SimulatedSumoOptions;
  /** When given, the client declares form elicitation and answers with this. */
  elicit?: (request: ElicitRequest['params']) => ElicitResult;
  /** More client capabilities to declare (e.g. the MCP Apps extension). */
  capabilities?: ClientCapabilities;
}

/** A real MCP client, in-process, talking to the server, which talks to a simulator over HTTP. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const sumo = await startSimulatedSumo({ org: { collectors: 12 }, ...options.simulator });
  const mcp = createSumoOpsMcp({
    client: sumo.client,
    logger: sumo.logger,
    tokens: options.tokens ?? new ConfirmationTokens(),
    ...options,
  });
  const server = mcp.createServer();
  const client = new Client(
    { name: 'sumo-ops-test', version: '0.0.0' },
    {
      capabilities: {
        ...(options.elicit ? { elicitation: { form: {} } } : {}),
        ...options.capabilities,
      },
    },
  );
  const elicitations: ElicitRequest['params'][] = [];
  const answer = options.elicit;
  if (answer) {
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      elicitations.push(request.params);
      return answer(request.params);
    });
  }
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  await client.connect(clientTransport);
  // Listing first makes the client validate every structured result against its output schema.
  await client.listTools();
  return {
    sumo,
    client,
    elicitations,
    async close() {
      await client.close();
      await server.close();
      await sumo.close();
    },
  };
}

export function textOf(result: { content?: unknown }): string {
  const content = (result.content ?? []) as Array<{ type: string; text?: string }>;
  return content.map((item) => item.text ?? '').join('\n');
}

export async function callTool(
  h: Harness,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  return (await h.client.callTool({ name, arguments: args })) as CallToolResult;
}

/** The stable code an error result carries in `_meta`, e.g. `confirmation.used`. */
export function errorCode(result: CallToolResult): string | undefined {
  return (result._meta?.[META_ERROR] as { code?: string } | undefined)?.code;
}
