import { afterEach, describe, expect, it } from 'vitest';
import { callTool, type Harness, startHarness, textOf } from './support/harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

// biome-ignore lint/suspicious/noExplicitAny: tests read the structured answer by field.
type Answer = Record<string, any>;
const structured = (result: { structuredContent?: unknown }) => result.structuredContent as Answer;

describe('delete_offline_ot_collectors through an MCP client', () => {
  it('deletes nothing when the offline set changed after the preview, and answers with the new preview and a new token', async () => {
    harness = await startHarness({ simulator: { conformance: true } });
    const { sim } = harness.sumo;
    const offlineDeletes = () =>
      Object.values(sim.counters.byRoute['DELETE /v1/otCollectors/offline'] ?? {}).reduce((a, b) => a + b, 0);

    const first = structured(await callTool(harness, 'delete_offline_ot_collectors', {}));
    expect(first.status).toBe('confirmation_required');
    const before = first.preview.details.count as number;

    const web = sim.org.otCollectors.byName('otel-prod-web-01');
    if (!web) throw new Error('seeded OT collector missing');
    sim.org.otCollectors.setAlive(web.id, false);

    const changed = await callTool(harness, 'delete_offline_ot_collectors', {
      confirmationToken: first.confirmationToken,
    });
    expect(changed.isError).toBeFalsy();
    const fresh = structured(changed);
    expect(fresh).toMatchObject({
      status: 'confirmation_required',
      preview: { details: { count: before + 1 } },
    });
    expect(fresh.message).toMatch(/changed since the preview/);
    expect(fresh.confirmationToken).not.toBe(first.confirmationToken);
    expect(offlineDeletes()).toBe(0);
    expect(sim.org.otCollectors.byId(web.id)).toBeDefined();

    const done = structured(
      await callTool(harness, 'delete_offline_ot_collectors', { confirmationToken: fresh.confirmationToken }),
    );
    expect(done).toMatchObject({ status: 'completed', result: { deleted: before + 1 } });
    expect(offlineDeletes()).toBe(1);
    expect(sim.org.otCollectors.byId(web.id)).toBeUndefined();

    // A used token stays used: the delete never runs twice.
    const again = await callTool(harness, 'delete_offline_ot_collectors', {
      confirmationToken: fresh.confirmationToken,
    });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toMatch(/already been used/);
    expect(offlineDeletes()).toBe(1);
    expect(sim.conformance.violations()).toEqual([]);
  });

  it('answers why with ranked causes and the calls spent, keeping to the OpenAPI document', async () => {
    harness = await startHarness({ simulator: { conformance: true } });
    const result = structured(
      await callTool(harness, 'diagnose_collector', { collector: 'otel-prod-db-01' }),
    );
    expect(result.collector).toMatchObject({ kind: 'ot', alive: false });
    expect(result.causes[0].nextStep).toMatch(/restart/);
    expect(result.apiCalls).toBeGreaterThan(0);
    expect(harness.sumo.sim.conformance.violations()).toEqual([]);
  });
});
