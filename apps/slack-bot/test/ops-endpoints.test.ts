import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmationId, Harness, textOf } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start();
});
afterAll(async () => h.close());

describe('the bot in HTTP mode serves /healthz, /readyz and /metrics beside /slack/events', () => {
  it('answers liveness and readiness (Sumo accepts the key)', async () => {
    const health = await fetch(`${h.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${h.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, checks: [{ name: 'sumo', status: 'ok' }] });
  });

  it('counts commands run and confirmations issued and redeemed, without names in labels', async () => {
    await h.ask('collectors');
    const spare = h.sim.org.createHostedCollector({
      collector: { collectorType: 'Hosted', name: 'metrics spare 1' },
    }).collector;
    const { reply } = await h.ask(`delete-collector "${spare.name}"`, { userId: 'UADMIN' });
    const mine = await h.click({ actionId: 'sumo_confirm', value: confirmationId(reply), userId: 'UADMIN' });
    await h.slack.waitFor(() =>
      h.slack.responsesTo(mine.responseUrl).find((r) => textOf(r).includes('Done')),
    );

    const scraped = await fetch(`${h.baseUrl}/metrics`);
    expect(scraped.headers.get('content-type')).toContain('text/plain');
    const text = await scraped.text();
    expect(text).toMatch(/sumo_ops_operations_total\{operation="list_collectors",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/sumo_ops_operations_total\{operation="delete_collector",outcome="ok"\} 1/);
    expect(text).toMatch(/sumo_ops_confirmations_total\{front_end="slack",event="issued"\} 1/);
    expect(text).toMatch(/sumo_ops_confirmations_total\{front_end="slack",event="redeemed"\} 1/);
    expect(text).toMatch(
      /sumo_ops_api_requests_total\{method="DELETE",route="\/v1\/collectors\/:id",status="200"\} 1/,
    );
    expect(text).not.toContain('metrics spare');
  });
});
