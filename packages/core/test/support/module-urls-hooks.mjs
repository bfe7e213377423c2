/**
 * Module customization hooks (registered by report-loaded.ts with `module.register`): every
 * module Node's ESM loader resolves is posted, by URL, to the port the registration handed over.
 * require.cache shows only CommonJS modules; vega and vega-lite are ESM and load through here.
 */
let port;

export function initialize(data) {
  port = data.port;
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  port?.postMessage(resolved.url);
  return resolved;
}
