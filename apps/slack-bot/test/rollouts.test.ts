import { rolloutRunner } from '@sumo-ops/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  fastRollouts,
  healthyUpgradable,
  ROLLOUT_SEARCH,
  tasksPerCollector,
} from '../../../test/support/rollouts.js';
import { expectMessagesWithinLimits, expectNoSecrets } from './support/checks.js';
import { confirmationId, Harness, textOf } from './support/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await rolloutRunner.shutdown();
  await h?.close();
  h = undefined;
});

async function start(): Promise<Harness> {
  h = await Harness.start({
    simulator: { org: { collectors: 40 }, clockSpeed: 6_000, search: ROLLOUT_SEARCH },
  });
  rolloutRunner.configure(fastRollouts(h.sim));
  return h;
}

function threadPosts(harness: Harness, threadTs: string): string[] {
  return harness.slack
    .callsTo('chat.postMessage')
    .filter((call) => call.args.thread_ts === threadTs)
    .map((call) => textOf(call.args as Record<string, unknown>));
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; !(await check()); tries += 1) {
    if (tries > 500) throw new Error('the rollout never got there');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** `/sumo <text>`, then Confirm on the preview, the confirmation message being `threadTs`. */
async function confirm(harness: Harness, text: string, threadTs: string): Promise<string> {
  const { reply } = await harness.ask(text);
  const click = await harness.click({
    actionId: 'sumo_confirm',
    value: confirmationId(reply),
    messageTs: threadTs,
  });
  const outcome = await harness.slack.waitFor(
    () => harness.slack.responsesTo(click.responseUrl).find((r) => /Done|Failed/.test(textOf(r))),
    15_000,
  );
  return textOf(outcome);
}

describe('/sumo rollout', () => {
  it('halts a bad build at its canary in the thread, with the reason, and rolls back only on a confirmed /sumo rollback', async () => {
    const harness = await start();
    const ids = healthyUpgradable(harness.sim, 8);
    const latest = harness.sim.org.latestVersion;
    const canary = harness.sim.org.collectorById(ids[0] as number);
    const from = canary?.collectorVersion;
    harness.sim.org.setBadBuild({ version: latest, share: 1, effect: 'health error', afterMs: 30_000 });

    const started = await confirm(harness, `rollout ${ids.join(' ')} soak=300`, '1700000000.700001');
    expect(started).toContain('Done');
    const halted = await harness.slack.waitFor(
      () => threadPosts(harness, '1700000000.700001').find((post) => post.includes('halted')),
      15_000,
    );
    expect(halted).toContain(canary?.name);
    expect(halted).toContain('health: CollectorCrashLoop');
    expect(halted).toMatch(/\/sumo rollback ro-[0-9a-f]{12}/);
    expect([...tasksPerCollector(harness.sim).keys()]).toEqual([canary?.id]);
    expect(harness.sim.org.collectorById(ids[0] as number)?.collectorVersion).toBe(latest);

    const rolloutId = /ro-[0-9a-f]{12}/.exec(halted)?.[0];
    const rolledBack = await confirm(harness, `rollback ${rolloutId}`, '1700000000.700002');
    expect(rolledBack).toContain('Done');
    expect(harness.sim.org.collectorById(ids[0] as number)?.collectorVersion).toBe(from);
    expectMessagesWithinLimits(harness.slack);
    expectNoSecrets(harness.everythingSent());
  }, 30_000);

  it('posts each wave of a good build in one thread, and App Home shows the running rollout', async () => {
    const harness = await start();
    const ids = healthyUpgradable(harness.sim, 8);
    // A day's soak keeps the rollout running while the tab is opened; the canary's soak is skipped
    // by moving the simulated clock a day on.
    const started = await confirm(
      harness,
      `rollout ${ids.join(' ')} waves=1,100% soak=86400`,
      '1700000000.800001',
    );
    expect(started).toContain('Done');
    await until(async () => (await rolloutRunner.get(harness.sumo))?.waves[0]?.phase === 'soaking');
    harness.sim.clock.advance(86_400_000);
    await harness.slack.waitFor(
      () => threadPosts(harness, '1700000000.800001').find((post) => /wave 2 of 2/.test(post)),
      15_000,
    );
    await harness.openHome('UREADER');
    const view = await harness.slack.waitFor(() =>
      harness.slack.callsTo('views.publish').find((call) => call.args.user_id === 'UREADER'),
    );
    expect(textOf(view.args as Record<string, unknown>)).toMatch(/Rollout `ro-[0-9a-f]{12}`.*wave 2 of 2/);

    const cancelled = await confirm(harness, 'rollout-cancel', '1700000000.800002');
    expect(cancelled).toContain('Done');
    const ended = await harness.slack.waitFor(
      () => threadPosts(harness, '1700000000.800001').find((post) => post.includes('cancelled')),
      15_000,
    );
    expect(ended).toContain('Cancelled');
  }, 30_000);
});
