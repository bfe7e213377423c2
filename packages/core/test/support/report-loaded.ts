/**
 * Run as a child process by lazy-loading.test.ts: a run of core from start to its first call, and
 * at each step which of core's heavy dependencies Node has loaded so far (one JSON line a step).
 * A fresh process, because a test runner's own process has loaded them all long before.
 *
 * Loaded modules are seen two ways: CommonJS ones in require.cache, ES modules (vega, vega-lite)
 * by the URLs a resolve hook reports — registered before core is imported, so it sees all of it.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createRequire, register } from 'node:module';
import type { AddressInfo } from 'node:net';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';

const urls = new MessageChannel();
register('./module-urls-hooks.mjs', import.meta.url, {
  data: { port: urls.port2 },
  transferList: [urls.port2],
});
const resolved: string[] = [];

const HEAVY = ['undici', '@redis/client', 'prom-client', '@resvg/resvg-js', 'vega', 'vega-lite'] as const;
const modules = createRequire(import.meta.url).cache;

function report(step: string): void {
  // The hook posts before each module loads; whatever it posted so far is taken here, synchronously.
  for (let message = receiveMessageOnPort(urls.port1); message; message = receiveMessageOnPort(urls.port1)) {
    resolved.push(String(message.message));
  }
  const files = [...Object.keys(modules), ...resolved];
  const loaded = HEAVY.filter((name) => files.some((file) => file.includes(`/node_modules/${name}/`)));
  process.stdout.write(`${JSON.stringify({ step, loaded })}\n`);
}

const {
  checkRedis,
  createCatalog,
  createStores,
  fleetChart,
  loadStateConfig,
  metrics,
  SumoClient,
  silentLogger,
} = await import('../../src/index.js');
// Its own entry (@sumo-ops/core/render-chart), so a bin that never draws never bundles it; importing
// it must not load the libraries either, only drawing does.
const { renderChart } = await import('../../src/search/render-chart.js');

report('imported');
const stores = createStores(loadStateConfig({}), { logger: silentLogger });
const sumo = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end('{"collectors":[]}');
});
sumo.listen(0, '127.0.0.1');
await once(sumo, 'listening');
const client = new SumoClient({
  accessId: 'lazy-loading',
  accessKey: 'lazy-loading-key',
  apiUrl: `http://127.0.0.1:${(sumo.address() as AddressInfo).port}/api`,
  env: {},
  logger: silentLogger,
});
const catalog = createCatalog();
catalog.parseInput('list_collectors', {});
report('ready');
await catalog.run(
  'list_collectors',
  { client, logger: silentLogger },
  catalog.parseInput('list_collectors', {}),
);
report('called Sumo');
await metrics.enable();
report('metrics enabled');
const shared = createStores(loadStateConfig({ SUMO_OPS_REDIS_URL: 'redis://127.0.0.1:1' }), {
  logger: silentLogger,
});
// Nothing listens there: the check waits for the first refused connection, which needs node-redis.
await checkRedis(shared);
report('Redis configured');
await renderChart(fleetChart([{ kind: 'hosted', version: '', alive: true }]));
report('drew a chart');
await shared.close();
await stores.close();
await client.close();
sumo.close();
urls.port1.close();
