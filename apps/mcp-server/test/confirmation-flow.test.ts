import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfirmationTokens } from '../src/confirmation.js';
import {
  callTool as call,
  errorCode,
  type Harness,
  type HarnessOptions,
  startHarness,
  textOf,
} from './support/harness.js';
import { callsTo, hostedCollector, workhorse } from './support/org.js';

const DELETE_ROUTE = 'DELETE /v1/collectors/:id';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(options: HarnessOptions = {}): Promise<Harness> {
  harness = await startHarness(options);
  return harness;
}

const structured = (result: CallToolResult) => result.structuredContent as Record<string, unknown>;

describe('confirmation with form elicitation', () => {
  it('asks the user with the preview and acts on an explicit accept', async () => {
    const h = await start({ elicit: () => ({ action: 'accept', content: { confirm: true } }) });
    const target = hostedCollector(h.sumo.sim);
    const result = await call(h, 'delete_collector', { collector: target.id });

    expect(h.elicitations).toHaveLength(1);
    expect(h.elicitations[0]).toMatchObject({ mode: 'form' });
    expect(h.elicitations[0]?.message).toContain(target.name);
    expect(h.elicitations[0]).toMatchObject({ requestedSchema: { required: ['confirm'] } });
    expect(structured(result)).toMatchObject({ status: 'completed', result: { deleted: { id: target.id } } });
    expect(h.sumo.sim.org.collectorById(target.id)).toBeUndefined();
  });

  it.each([
    ['declines', { action: 'decline' as const }],
    ['cancels', { action: 'cancel' as const }],
    ['accepts without ticking confirm', { action: 'accept' as const, content: { confirm: false } }],
  ])('changes nothing when the user %s, and says so', async (_what, answer) => {
    const h = await start({ elicit: () => answer });
    const target = hostedCollector(h.sumo.sim);
    const result = await call(h, 'delete_collector', { collector: target.id });

    expect(result.isError).toBeFalsy();
    expect(structured(result)).toMatchObject({ status: 'declined', preview: { willChange: true } });
    expect(structured(result).message).toMatch(/Nothing was changed/);
    expect(h.sumo.sim.org.collectorById(target.id)).toBeDefined();
    expect(callsTo(h.sumo.sim, DELETE_ROUTE)).toBe(0);
  });

  it('does not ask when the preview says nothing would change', async () => {
    const h = await start({ elicit: () => ({ action: 'accept', content: { confirm: true } }) });
    const result = await call(h, 'delete_offline_collectors', { aliveBeforeDays: 5000 });
    expect(structured(result)).toMatchObject({ status: 'no_change', preview: { willChange: false } });
    expect(h.elicitations).toHaveLength(0);
    expect(callsTo(h.sumo.sim, 'DELETE /v1/collectors/offline')).toBe(0);
  });
});

describe('confirmation with a token (clients without elicitation)', () => {
  it('refuses a token used a second time, and nothing more happens', async () => {
    const h = await start();
    const args = { name: 'created-once' };
    const first = await call(h, 'create_hosted_collector', args);
    const token = structured(first).confirmationToken;
    expect(
      structured(await call(h, 'create_hosted_collector', { ...args, confirmationToken: token })),
    ).toMatchObject({
      status: 'completed',
    });
    h.sumo.sim.org.deleteCollector(h.sumo.sim.org.collectorByName('created-once')?.id ?? 0);

    const reused = await call(h, 'create_hosted_collector', { ...args, confirmationToken: token });
    expect(reused.isError).toBe(true);
    expect(errorCode(reused)).toBe('confirmation.used');
    expect(textOf(reused)).toMatch(/already been used.*Nothing was changed.*without confirmationToken/s);
    expect(h.sumo.sim.org.collectorByName('created-once')).toBeUndefined();
    expect(callsTo(h.sumo.sim, 'POST /v1/collectors')).toBe(1);
  });

  it('refuses a token presented with other arguments', async () => {
    const h = await start();
    const previewed = hostedCollector(h.sumo.sim);
    const other = workhorse(h.sumo.sim);
    const token = structured(
      await call(h, 'delete_collector', { collector: previewed.id }),
    ).confirmationToken;

    const refused = await call(h, 'delete_collector', { collector: other.id, confirmationToken: token });
    expect(refused.isError).toBe(true);
    expect(errorCode(refused)).toBe('confirmation.mismatch');
    expect(textOf(refused)).toMatch(/different arguments/);
    expect(h.sumo.sim.org.collectorById(other.id)).toBeDefined();
    expect(h.sumo.sim.org.collectorById(previewed.id)).toBeDefined();
    expect(callsTo(h.sumo.sim, DELETE_ROUTE)).toBe(0);
  });

  it('refuses a token for another tool', async () => {
    const h = await start();
    const target = workhorse(h.sumo.sim);
    const token = structured(await call(h, 'upgrade_collector', { collector: target.id })).confirmationToken;
    const refused = await call(h, 'delete_collector', { collector: target.id, confirmationToken: token });
    expect(errorCode(refused)).toBe('confirmation.mismatch');
    expect(h.sumo.sim.org.collectorById(target.id)).toBeDefined();
  });

  it('binds the token to the arguments as validated, whatever their order or defaults', async () => {
    const h = await start();
    const target = workhorse(h.sumo.sim);
    const token = structured(await call(h, 'upgrade_collector', { collector: target.id })).confirmationToken;
    const done = await call(h, 'upgrade_collector', {
      wait: false,
      confirmationToken: token,
      collector: target.id,
    });
    expect(structured(done)).toMatchObject({ status: 'completed' });
  });

  it('refuses an expired token, and nothing happens', async () => {
    let now = Date.now();
    const h = await start({ tokens: new ConfirmationTokens({ now: () => now }) });
    const target = hostedCollector(h.sumo.sim);
    const first = structured(await call(h, 'delete_collector', { collector: target.id }));
    expect(Date.parse(first.expiresAt as string)).toBe(now + 5 * 60_000);

    now += 5 * 60_000 + 1;
    const refused = await call(h, 'delete_collector', {
      collector: target.id,
      confirmationToken: first.confirmationToken,
    });
    expect(refused.isError).toBe(true);
    expect(errorCode(refused)).toBe('confirmation.expired');
    expect(textOf(refused)).toMatch(/expired/);
    expect(h.sumo.sim.org.collectorById(target.id)).toBeDefined();
    expect(callsTo(h.sumo.sim, DELETE_ROUTE)).toBe(0);
  });

  it('refuses an invented token', async () => {
    const h = await start();
    const target = hostedCollector(h.sumo.sim);
    const refused = await call(h, 'delete_collector', {
      collector: target.id,
      confirmationToken: 'user-said-yes',
    });
    expect(errorCode(refused)).toBe('confirmation.malformed');
    expect(callsTo(h.sumo.sim, DELETE_ROUTE)).toBe(0);
  });

  it('answers no_change without a token when there is nothing to do', async () => {
    const h = await start();
    const result = structured(await call(h, 'delete_offline_collectors', { aliveBeforeDays: 5000 }));
    expect(result).toMatchObject({ status: 'no_change' });
    expect(result.confirmationToken).toBeUndefined();
  });
});
