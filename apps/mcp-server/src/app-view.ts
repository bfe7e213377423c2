import { readFileSync } from 'node:fs';
import type { ClientCapabilities, ReadResourceResult, Resource } from '@modelcontextprotocol/sdk/types.js';

/**
 * The MCP App (extension io.modelcontextprotocol/ui): one interactive view for the search and fleet
 * tools, built at build time into dist/app-view.html (scripts/build-app-view.mjs, from app/view.ts)
 * and served here as a `ui://` resource. Only clients that declare the extension see the tools'
 * `_meta.ui` and the resource in resources/list: for every other client tools/list, resources/list
 * and every answer stay exactly as they were.
 *
 * The extension's id and MIME type are the spec's two strings, written here rather than imported
 * from ext-apps' server module: that module is its whole schema set, and a server that only needs
 * to compare two strings should not load it (nor ship it) for them.
 */
export const APPS_EXTENSION = 'io.modelcontextprotocol/ui';
export const APP_VIEW_MIME_TYPE = 'text/html;profile=mcp-app';

export const APP_VIEW_URI = 'ui://sumo-ops/view';
export const APP_VIEW_TOOLS: ReadonlySet<string> = new Set([
  'run_search',
  'get_search_status',
  'list_ot_collectors',
  'list_health_events',
]);
/** What the tools of the view carry in tools/list for a client with Apps: as little as the spec allows. */
export const APP_VIEW_META = { ui: { resourceUri: APP_VIEW_URI } } as const;

export const APP_VIEW_RESOURCE: Resource = {
  uri: APP_VIEW_URI,
  name: 'sumo-ops view',
  description: 'Interactive view of a search (histogram, top values, messages) or of the fleet.',
  mimeType: APP_VIEW_MIME_TYPE,
};

/** Beside the module that reads it: dist/ whether bundled or not; from source, the built one. */
const BUILT = [
  new URL('./app-view.html', import.meta.url),
  new URL('../dist/app-view.html', import.meta.url),
];

let html: string | undefined;
function viewHtml(): string {
  if (html !== undefined) return html;
  for (const file of BUILT) {
    try {
      html = readFileSync(file, 'utf8');
      return html;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new Error(
    'dist/app-view.html is missing: build @sumo-ops/mcp-server (pnpm build) to make the MCP App view.',
  );
}

export function readAppView(): ReadResourceResult {
  return {
    contents: [
      {
        uri: APP_VIEW_URI,
        mimeType: APP_VIEW_MIME_TYPE,
        text: viewHtml(),
        // Nothing to allow: the view loads nothing and calls no origin (the host's default CSP holds).
        _meta: { ui: { csp: { connectDomains: [], resourceDomains: [] }, prefersBorder: true } },
      },
    ],
  };
}

/** True when the client declared MCP Apps with the HTML profile the view is made in. */
export function showsAppViews(capabilities: ClientCapabilities | undefined): boolean {
  const ui = capabilities?.extensions?.[APPS_EXTENSION] as { mimeTypes?: unknown } | undefined;
  return Array.isArray(ui?.mimeTypes) && ui.mimeTypes.includes(APP_VIEW_MIME_TYPE);
}
