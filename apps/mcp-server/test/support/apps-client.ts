/** What a client with MCP Apps declares: the extension, with the HTML profile its views are made in. */
export const APPS_CLIENT = {
  extensions: { 'io.modelcontextprotocol/ui': { mimeTypes: ['text/html;profile=mcp-app'] } },
};
