/**
 * A host page for MCP Apps in a real browser: headless Chromium (Debian's `chromium`, driven by
 * playwright-core) shows the view in a sandboxed iframe and speaks the Apps protocol to it with
 * ext-apps' own AppBridge. The view's tools/call requests go to the given MCP Client, so "Load
 * more" reaches the real server. Used by the MCP App's browser suite and by scripts/draw-pictures.
 */
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { build } from 'esbuild';
import { type Browser, chromium, type FrameLocator, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Where ext-apps is installed (a dependency of the MCP server). */
const MCP_SERVER_DIR = fileURLToPath(new URL('../../apps/mcp-server/', import.meta.url));

/** The host page's script: an iframe, the AppBridge on it, tool calls handed to `callServerTool`. */
const HOST_SCRIPT = `
import { AppBridge, PostMessageTransport } from '@modelcontextprotocol/ext-apps/app-bridge';
window.showInHost = async (html, result, timeZone) => {
  const iframe = document.createElement('iframe');
  iframe.setAttribute('sandbox', 'allow-scripts');
  iframe.style.cssText = 'width:760px;height:1000px;border:0';
  document.body.replaceChildren(iframe);
  const bridge = new AppBridge(null, { name: 'sumo-ops-test-host', version: '0.0.0' }, { serverTools: {} }, {
    hostContext: { timeZone, theme: 'light' },
  });
  bridge.oncalltool = (params) => window.callServerTool(params);
  const initialized = new Promise((resolve) => { bridge.oninitialized = resolve; });
  await bridge.connect(new PostMessageTransport(iframe.contentWindow, iframe.contentWindow));
  iframe.srcdoc = html;
  await initialized;
  await bridge.sendToolResult(result);
};
`;

export interface AppsHost {
  page: Page;
  /** Tools the view called through the host, in order. */
  toolCalls: string[];
  /** Shows a tool result in the view (a fresh iframe) and waits for its heading. */
  show(result: CallToolResult): Promise<FrameLocator>;
  close(): Promise<void>;
}

export async function openAppsHost(
  client: Client,
  html: string,
  timeZone = 'Europe/Berlin',
): Promise<AppsHost> {
  const script = await build({
    stdin: { contents: HOST_SCRIPT, resolveDir: MCP_SERVER_DIR, loader: 'js' },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    logLevel: 'warning',
  });
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 800, height: 1040 } });
  const toolCalls: string[] = [];
  await page.exposeFunction(
    'callServerTool',
    async (params: { name: string; arguments?: Record<string, unknown> }) => {
      toolCalls.push(params.name);
      return client.callTool({ name: params.name, arguments: params.arguments ?? {} });
    },
  );
  await page.setContent(
    `<!doctype html><html><body></body><script>${script.outputFiles[0]?.text}</script></html>`,
  );
  return {
    page,
    toolCalls,
    async show(result) {
      await page.evaluate(
        ([view, answer, zone]) =>
          // Runs in the page, where the host script defined it (this file's types know no DOM).
          (
            globalThis as unknown as { showInHost: (h: string, r: unknown, z: string) => Promise<void> }
          ).showInHost(view, answer, zone),
        [html, result, timeZone] as const,
      );
      const frame = page.frameLocator('iframe');
      await frame.locator('h1').waitFor();
      return frame;
    },
    close: () => browser.close(),
  };
}
