/**
 * Builds the MCP App's view (app/view.ts) into one self-contained HTML file, dist/app-view.html:
 * the script and styles inline, nothing fetched (the host's sandbox allows no network by default,
 * and the page's own Content-Security-Policy says the same). The server serves this file as the
 * `ui://` resource of its search and fleet tools. Run from the app's folder, after tsc.
 */
import { writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

const OUT = 'dist/app-view.html';

/**
 * zod (under the ext-apps SDK and the MCP SDK it uses) re-exports every language's error messages
 * as `z.locales`, which bundlers cannot drop: half of the view's bytes, none of them used (zod's
 * own English messages are configured apart). The namespace is left empty.
 */
const withoutZodLocales = {
  name: 'without-zod-locales',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes('/zod/') ? { path: 'zod-locales', namespace: 'empty' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export {}', loader: 'js' }));
  },
};

const bundled = await build({
  entryPoints: ['app/view.ts'],
  bundle: true,
  write: false,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  plugins: [withoutZodLocales],
  logLevel: 'warning',
});
// Inline script text must not close its own element.
const script = bundled.outputFiles[0].text.replaceAll('</script', '<\\/script');

const STYLE = `
:root{color-scheme:light dark;font:14px/1.4 system-ui,sans-serif}
body{margin:0;padding:12px}h1{font-size:18px;margin:0 0 4px}h2{font-size:14px;margin:12px 0 4px}
.range,.note,.readout,.status{color:#666;margin:2px 0}figure{margin:8px 0}svg{width:100%;height:auto}
.bar:hover{opacity:.7}.axis{display:flex;justify-content:space-between;color:#666;font-size:12px}.max{color:#666;font-size:12px}.label{font-size:12px;fill:currentColor}ul.top{margin:0;padding-left:18px}
table{border-collapse:collapse;width:100%;font-size:12px}th,td{text-align:left;padding:2px 6px;border-bottom:1px solid #8884;vertical-align:top}
td:last-child{font-family:ui-monospace,monospace;word-break:break-all}button{font:inherit;padding:4px 10px}`;

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>sumo-ops</title><style>${STYLE.trim()}</style></head>
<body><main id="root"><p class="note">Waiting for the result…</p></main>
<script>${script}</script></body></html>
`;
await writeFile(OUT, html);
process.stdout.write(`${OUT}: ${Buffer.byteLength(html).toLocaleString('en-US')} bytes\n`);
