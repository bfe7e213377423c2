import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startSourceBin } from '../../../test/support/run-bin.js';

const SCRIPT = fileURLToPath(new URL('./support/report-loaded.ts', import.meta.url));

describe('what a run of core loads', () => {
  it('loads undici at the first call to Sumo, prom-client when metrics are enabled and node-redis when Redis is configured and the chart renderer (resvg, and the ES modules vega and vega-lite) when a chart is drawn, not before', async () => {
    const run = startSourceBin(SCRIPT, {}, []);
    run.child.stdin?.end();
    expect(await run.exited, run.output()).toBe(0);
    const steps = Object.fromEntries(
      run
        .output()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { step: string; loaded: string[] })
        .map(({ step, loaded }) => [step, loaded]),
    );
    expect(steps).toEqual({
      imported: [],
      ready: [],
      'called Sumo': ['undici'],
      'metrics enabled': ['undici', 'prom-client'],
      'Redis configured': ['undici', '@redis/client', 'prom-client'],
      'drew a chart': ['undici', '@redis/client', 'prom-client', '@resvg/resvg-js', 'vega', 'vega-lite'],
    });
  });
});
