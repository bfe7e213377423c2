import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { SdkServer } from './sdk-adapter.js';

export interface StdioSession {
  /** Resolves when the client goes away (stdin ends or closes): how MCP clients stop a stdio server. */
  ended: Promise<void>;
  close(): Promise<void>;
}

/** Starts serving one MCP session on stdin/stdout; the caller decides when to close it. */
export async function startStdio(server: SdkServer): Promise<StdioSession> {
  const transport = new StdioServerTransport();
  const ended = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    transport.onclose = resolve;
  });
  await server.connect(transport);
  return { ended, close: () => server.close() };
}

/**
 * Serves one MCP session on stdin/stdout. Resolves when the client goes away (stdin closes), so
 * the caller can stop the demo simulator and exit instead of lingering as an orphan.
 */
export async function serveStdio(server: SdkServer): Promise<void> {
  const session = await startStdio(server);
  await session.ended;
  await session.close();
}
