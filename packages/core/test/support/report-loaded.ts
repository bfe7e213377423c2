/**
 * Run as a child process by lazy-loading.test.ts: a run of core from start to its first call, and
 * at each step which of core's heavy dependencies Node has loaded so far (one JSON line a step).
 * A fresh process, because a test runner's own process has loaded them all long before.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import {
  checkRedis,
  createCatalog,
  createStores,
  fleetChart,
  loadStateConfig,
  metrics,
  renderChart,
  SumoClient,
  silentLogger,
} from '../../src/index.js';

const HEAVY = ['undici', '@redis/client', 'prom-client', '@resvg/resvg-js'] as const;
const modules = createRequire(import.meta.url).cache;

function report(step: string): void {
  const files = Object.keys(modules);
  const loaded = HEAVY.filter((name) => files.some((file) => file.includes(`/node_modules/${name}/`)));
  process.stdout.write(`${JSON.stringify({ step, loaded })}\n`);
}

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
