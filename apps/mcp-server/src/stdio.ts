import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { SdkServer } from './sdk-adapter.js';

/**
 * Serves one MCP session on stdin/stdout. Resolves when the client goes away (stdin closes), so
 * the caller can stop the demo simulator and exit instead of lingering as an orphan.
 */
export async function serveStdio(server: SdkServer): Promise<void> {
  const transport = new StdioServerTransport();
  const ended = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    transport.onclose = resolve;
  });
  await server.connect(transport);
  await ended;
  await server.close();
}
