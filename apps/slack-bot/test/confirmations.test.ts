import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectMessagesWithinLimits, expectNoSecrets } from './support/checks.js';
import { confirmationId, Harness, textOf } from './support/harness.js';

const DELETE_ROUTE = 'DELETE /v1/collectors/:id';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start({
    admins: ['UADMIN', 'SOPS'],
    simulator: { clockSpeed: 600, org: { collectors: 16 } },
  });
  h.slack.userGroups.set('SOPS', ['UGROUPMEMBER']);
});
afterAll(async () => h?.close());

function deletes(): number {
  return h.sim.counters.byRoute[DELETE_ROUTE]?.[200] ?? 0;
}

function audits(): Array<Record<string, unknown>> {
  return h.auditLines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

let spares = 0;
/** A fresh hosted collector with a name that needs quoting, for a test to delete. */
function spareCollector() {
  spares += 1;
  return h.sim.org.createHostedCollector({
    collector: { collectorType: 'Hosted', name: `spare web ${spares}` },
  }).collector;
}

/** Asks for a destructive command and returns the confirmation message posted in the channel. */
async function confirmationFor(text: string, userId = 'UADMIN') {
  const { reply, responseUrl } = await h.ask(text, { userId });
  expect(reply.response_type).toBe('in_channel');
  return { reply, responseUrl, id: confirmationId(reply) };
}

describe('write and destructive commands', () => {
  it('answer with the preview, a danger Confirm behind a confirm dialog, and Cancel', async () => {
    const collector = spareCollector();
    const { reply, id } = await confirmationFor(`delete-collector "${collector.name}"`);
    const actions = (reply.blocks as Array<Record<string, unknown>>).find(
      (block) => block.type === 'actions',
    ) as {
      elements: Array<{ confirm?: Record<string, unknown> } & Record<string, unknown>>;
    };
    const [confirm, cancel] = actions.elements;
    expect(confirm).toMatchObject({ action_id: 'sumo_confirm', style: 'danger', value: id });
    expect(Object.keys(confirm?.confirm ?? {})).toEqual(
      expect.arrayContaining(['title', 'text', 'confirm', 'deny']),
    );
    expect(cancel).toMatchObject({ action_id: 'sumo_cancel', value: id });
    expect(textOf(reply)).toContain(collector.name);
    expect(textOf(reply)).toContain('Only <@UADMIN> can confirm');
    // The preview changed nothing.
    expect(deletes()).toBe(0);
    expect(h.sim.org.collectorById(collector.id)).toBeDefined();
  });

  it('refuse a confirmation clicked by someone else, and still let the requester confirm', async () => {
    const collector = spareCollector();
    const { id } = await confirmationFor(`delete-collector ${collector.id}`);
    const other = await h.click({ actionId: 'sumo_confirm', value: id, userId: 'UOTHER' });
    expect(other.ack.status).toBe(200);
    const refusal = await h.slack.waitFor(() => h.slack.responsesTo(other.responseUrl)[0]);
    expect(refusal).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(textOf(refusal)).toContain('Only <@UADMIN>');
    expect(h.sim.org.collectorById(collector.id)).toBeDefined();

    const before = deletes();
    const mine = await h.click({ actionId: 'sumo_confirm', value: id, userId: 'UADMIN' });
    await h.slack.waitFor(() =>
      h.slack.responsesTo(mine.responseUrl).find((r) => textOf(r).includes('Done')),
    );
    expect(deletes()).toBe(before + 1);
    expect(h.sim.org.collectorById(collector.id)).toBeUndefined();
    const outcome = h.slack.responsesTo(mine.responseUrl).at(-1) ?? {};
    expect(outcome.replace_original).toBe(true);
    expect(textOf(outcome)).not.toContain('sumo_confirm');
  });

  it('run exactly once when Confirm is clicked twice at the same moment (or the request is replayed)', async () => {
    const collector = spareCollector();
    const { id } = await confirmationFor(`delete-collector ${collector.id}`);
    const before = deletes();
    const clicks = await Promise.all([
      h.click({ actionId: 'sumo_confirm', value: id }),
      h.click({ actionId: 'sumo_confirm', value: id }),
      h.click({ actionId: 'sumo_confirm', value: id }),
    ]);
    for (const click of clicks) expect(click.ack.status).toBe(200);
    await h.slack.waitFor(() =>
      clicks.some((click) => h.slack.responsesTo(click.responseUrl).some((r) => textOf(r).includes('Done'))),
    );
    const replay = await h.click({ actionId: 'sumo_confirm', value: id });
    expect(replay.ack.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(deletes()).toBe(before + 1);
    const answered = clicks.filter((click) => h.slack.responsesTo(click.responseUrl).length > 0);
    expect(answered).toHaveLength(1);
    expect(h.slack.responsesTo(replay.responseUrl)).toEqual([]);
    expect(
      audits().filter(
        (line) =>
          line.outcome === 'succeeded' && (line.input as { collector: number }).collector === collector.id,
      ),
    ).toHaveLength(1);
  });

  it('refuse a confirmation after ten minutes and say so in place of the buttons', async () => {
    const collector = spareCollector();
    const { id } = await confirmationFor(`delete-collector ${collector.id}`);
    h.clock.advance(10 * 60_000 + 1_000);
    const click = await h.click({ actionId: 'sumo_confirm', value: id });
    const reply = await h.slack.waitFor(() => h.slack.responsesTo(click.responseUrl)[0]);
    expect(reply.replace_original).toBe(true);
    expect(textOf(reply)).toContain('expired');
    expect(h.sim.org.collectorById(collector.id)).toBeDefined();
    expect(audits().at(-1)).toMatchObject({ outcome: 'expired', operation: 'delete_collector' });
  });

  it('cancel on Cancel, changing nothing', async () => {
    const collector = spareCollector();
    const { id } = await confirmationFor(`delete-collector ${collector.id}`);
    const click = await h.click({ actionId: 'sumo_cancel', value: id });
    const reply = await h.slack.waitFor(() => h.slack.responsesTo(click.responseUrl)[0]);
    expect(textOf(reply)).toContain('Cancelled by <@UADMIN>');
    const confirmAfter = await h.click({ actionId: 'sumo_confirm', value: id });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(h.slack.responsesTo(confirmAfter.responseUrl)).toEqual([]);
    expect(h.sim.org.collectorById(collector.id)).toBeDefined();
    expect(audits().at(-1)).toMatchObject({ outcome: 'cancelled' });
  });

  it('refuse write commands from users who are not admins, and record the refusal', async () => {
    const collector = spareCollector();
    const { reply } = await h.ask(`delete-collector ${collector.id}`, { userId: 'UNOBODY' });
    expect(reply.response_type).toBe('ephemeral');
    expect(textOf(reply)).toContain('may not run write or destructive commands');
    expect(textOf(reply)).not.toContain('sumo_confirm');
    expect(audits().at(-1)).toMatchObject({ outcome: 'refused', user: 'UNOBODY' });
  });

  it('let members of an admin user group run them (membership from usergroups.users.list)', async () => {
    const collector = spareCollector();
    await confirmationFor(`delete-collector ${collector.id}`, 'UGROUPMEMBER');
    expect(h.slack.callsTo('usergroups.users.list').at(-1)?.args).toMatchObject({ usergroup: 'SOPS' });
  });

  it('start an upgrade on confirmation and report its completion in the thread', async () => {
    const collector = h.sim.org.collectors().find((c) => c.alive && c.collectorType === 'Installable');
    if (!collector) throw new Error('no alive installed collector');
    h.sim.org.setUpgradeOutcome(collector.id, 'succeed');
    const { id } = await confirmationFor(`upgrade "${collector.name}"`);
    const click = await h.click({ actionId: 'sumo_confirm', value: id, messageTs: '1700000000.424242' });
    await h.slack.waitFor(() =>
      h.slack.responsesTo(click.responseUrl).find((r) => textOf(r).includes('Done')),
    );
    const threadReply = await h.slack.waitFor(() =>
      h.slack.callsTo('chat.postMessage').find((call) => call.args.thread_ts === '1700000000.424242'),
    );
    expect(textOf(threadReply.args)).toContain('succeeded');
    expect(textOf(threadReply.args)).toContain(collector.name);
  });

  it('report a failed upgrade with the reason in the thread', async () => {
    const collector = h.sim.org
      .collectors()
      .find(
        (c) =>
          c.alive &&
          c.collectorType === 'Installable' &&
          c.collectorVersion !== h.sim.org.latestVersion &&
          h.sim.org.upgradeOutcome(c.id) !== undefined,
      );
    if (!collector) throw new Error('no upgradable collector');
    h.sim.org.setUpgradeOutcome(collector.id, 'fail');
    const { id } = await confirmationFor(`upgrade ${collector.id}`);
    const click = await h.click({ actionId: 'sumo_confirm', value: id, messageTs: '1700000000.434343' });
    await h.slack.waitFor(() => h.slack.responsesTo(click.responseUrl).length > 0);
    const threadReply = await h.slack.waitFor(() =>
      h.slack.callsTo('chat.postMessage').find((call) => call.args.thread_ts === '1700000000.434343'),
    );
    expect(textOf(threadReply.args)).toMatch(/failed: \S/);
  });

  it('upgrade many collectors and post the bulk outcome in the thread', async () => {
    const installed = h.sim.org
      .collectors()
      .filter(
        (c) => c.alive && c.collectorType === 'Installable' && c.collectorVersion !== h.sim.org.latestVersion,
      )
      .slice(0, 2);
    for (const collector of installed) h.sim.org.setUpgradeOutcome(collector.id, 'succeed');
    const names = installed.map((c) => `"${c.name}"`).join(' ');
    const { id, reply } = await confirmationFor(`upgrade-many ${names} hosted-that-does-not-exist`);
    expect(textOf(reply)).toContain('not found');
    const click = await h.click({ actionId: 'sumo_confirm', value: id, messageTs: '1700000000.454545' });
    const threadReply = await h.slack.waitFor(
      () => h.slack.callsTo('chat.postMessage').find((call) => call.args.thread_ts === '1700000000.454545'),
      15_000,
    );
    expect(textOf(threadReply.args)).toContain('succeeded');
    expect(textOf(h.slack.responsesTo(click.responseUrl).at(-1))).toContain('Done');
  });

  it('delete offline collectors after confirmation', async () => {
    const { id, reply } = await confirmationFor('delete-offline 1');
    expect(textOf(reply)).toContain('offline');
    const click = await h.click({ actionId: 'sumo_confirm', value: id });
    await h.slack.waitFor(() =>
      h.slack.responsesTo(click.responseUrl).find((r) => textOf(r).includes('Done')),
    );
    expect(h.sim.counters.byRoute['DELETE /v1/collectors/offline']?.[200]).toBe(1);
  });

  it('reach write operations without a grammar entry through key=value words', async () => {
    const { id, reply } = await confirmationFor(
      'create-hosted-collector name="made in slack" category=ops/slack',
    );
    expect(textOf(reply)).toContain('made in slack');
    const click = await h.click({ actionId: 'sumo_confirm', value: id });
    await h.slack.waitFor(() =>
      h.slack.responsesTo(click.responseUrl).find((r) => textOf(r).includes('Done')),
    );
    expect(h.sim.org.collectorByName('made in slack')).toMatchObject({
      collectorType: 'Hosted',
      category: 'ops/slack',
    });
  });

  it('write one audit line per action with who, what, arguments, preview, outcome and time', () => {
    const done = audits().find(
      (line) => line.outcome === 'succeeded' && line.operation === 'delete_collector',
    );
    expect(done).toMatchObject({
      audit: 'sumo-ops.slack',
      user: 'UADMIN',
      channel: 'C1',
      subcommand: 'delete-collector',
    });
    expect(done?.preview).toMatchObject({ willChange: true });
    expect(typeof done?.time).toBe('string');
    expect(done?.input).toBeDefined();
  });

  it('kept every message within Block Kit limits and every secret out of replies, logs and audit lines', () => {
    expectMessagesWithinLimits(h.slack);
    expectNoSecrets(h.everythingSent());
  });
});

describe('without SUMO_OPS_ADMINS', () => {
  let bare: Harness;
  beforeAll(async () => {
    bare = await Harness.start({ admins: [], channels: ['C1'] });
  });
  afterAll(async () => bare?.close());

  it('refuses write and destructive commands and says how to allow them', async () => {
    const { reply } = await bare.ask('delete-offline 30');
    expect(textOf(reply)).toContain('set SUMO_OPS_ADMINS');
    expect(bare.sim.counters.total).toBe(0);
  });

  it('still answers read commands, but only in the allowed channels', async () => {
    expect(textOf((await bare.ask('targets')).reply)).toContain('latest');
    const elsewhere = await bare.ask('targets', { channelId: 'C2' });
    expect(textOf(elsewhere.reply)).toContain('not enabled in this channel');
  });
});

describe('an upgrade that outlasts the follow-up', () => {
  let slow: Harness;
  beforeAll(async () => {
    // Real-time simulated clock: the upgrade takes minutes, the bot watches for a third of a second.
    slow = await Harness.start({
      simulator: { clockSpeed: 1, org: { collectors: 16 } },
      bot: { upgrades: { pollIntervalMs: 50, timeoutMs: 300 } },
    });
  });
  afterAll(async () => slow?.close());

  it('says in the thread that it stopped watching and how to check later', async () => {
    const collector = slow.sim.org
      .collectors()
      .find(
        (c) =>
          c.alive && c.collectorType === 'Installable' && c.collectorVersion !== slow.sim.org.latestVersion,
      );
    if (!collector) throw new Error('no upgradable collector');
    slow.sim.org.setUpgradeOutcome(collector.id, 'succeed');
    const { reply } = await slow.ask(`upgrade ${collector.id}`);
    const threadTs = '1700000000.454545';
    await slow.click({ actionId: 'sumo_confirm', value: confirmationId(reply), messageTs: threadTs });
    const threadReply = await slow.slack.waitFor(() =>
      slow.slack.callsTo('chat.postMessage').find((call) => call.args.thread_ts === threadTs),
    );
    expect(textOf(threadReply.args)).toContain('Stopped watching the upgrade');
    expect(textOf(threadReply.args)).toMatch(/\/sumo upgrade-status \S+/);
  });
});
