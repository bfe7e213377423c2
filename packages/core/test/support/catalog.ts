import type { Simulator } from '@sumo-ops/simulator';
import type { SimulatedSumo } from '../../../../test/support/simulated-sumo.js';
import { createCatalog, type OperationContext } from '../../src/index.js';

export { callsTo, collectorWhere } from '../../../../test/support/seeded-org.js';

/** Runs operations the way front ends do: parse the raw input, then preview or run by name. */
export function catalogOn(sumo: SimulatedSumo, extra: Partial<OperationContext> = {}) {
  const catalog = createCatalog();
  const ctx: OperationContext = { client: sumo.client, logger: sumo.logger, ...extra };
  return {
    catalog,
    ctx,
    preview: (name: string, raw: unknown) => catalog.preview(name, ctx, catalog.parseInput(name, raw)),
    // biome-ignore lint/suspicious/noExplicitAny: tests read the parsed output by field.
    run: async (name: string, raw: unknown): Promise<any> =>
      catalog.run(name, ctx, catalog.parseInput(name, raw), { confirmed: true }),
  };
}

/** Requests the simulator answered, per HTTP method (whatever the status). */
export function callsByMethod(sim: Simulator): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const [route, statuses] of Object.entries(sim.counters.byRoute)) {
    const method = route.split(' ')[0] as string;
    calls[method] = (calls[method] ?? 0) + Object.values(statuses).reduce((sum, count) => sum + count, 0);
  }
  return calls;
}
