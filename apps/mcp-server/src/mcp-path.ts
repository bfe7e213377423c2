/**
 * Where MCP is served over HTTP, in a module of its own: the OAuth settings need it at start-up
 * without loading the HTTP stack.
 */
export const MCP_PATH = '/mcp';
