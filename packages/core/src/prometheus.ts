/**
 * prom-client, in a module of its own so that `SumoOpsMetrics.enable()` loads it with `import()`
 * only in a process that serves /metrics. Re-exported from an ES module rather than imported
 * directly: a bundled bin's chunk of a CommonJS package exports only `default`, an ES module's
 * chunk its names.
 */
export { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
