import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorWhere } from '../../../test/support/seeded-org.js';
import { confirmationId, Harness, textOf } from './support/harness.js';

const UPGRADE_ROUTE = 'POST /v1/collectors/upgrades';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start({ admins: ['UADMIN'], simulator: { org: { collectors: 16 } } });
});
afterAll(async () => h?.close());

describe('Slack answers when Sumo Logic acted but its answer was lost', () => {
  it('a confirmed upgrade says its outcome is unknown and how to check, and is sent once', async () => {
    const latest = h.sim.org.latestVersion;
    const target = collectorWhere(
      h.sim,
      (c) => c.collectorType === 'Installable' && c.alive && c.collectorVersion !== latest,
      'running installed collector below the latest build',
    );
    const { reply } = await h.ask(`upgrade ${target.id}`, { userId: 'UADMIN' });
    h.sim.setFaults({ lostAnswerRate: 1, routes: [UPGRADE_ROUTE], limit: 1 });
    const click = await h.click({ actionId: 'sumo_confirm', value: confirmationId(reply), userId: 'UADMIN' });
    const outcome = await h.slack.waitFor(() =>
      h.slack.responsesTo(click.responseUrl).find((response) => textOf(response).includes('UNKNOWN')),
    );
    expect(textOf(outcome)).toContain('Outcome unknown');
    expect(textOf(outcome)).not.toContain('Failed');
    expect(textOf(outcome)).toContain('Do not simply run it again');
    expect(textOf(outcome)).toContain('list_upgradable_collectors');
    expect(h.sim.counters.byRoute[UPGRADE_ROUTE]).toEqual({ 0: 1 });
    expect(h.sim.org.upgradeTasks().filter((task) => task.collectorId === target.id)).toHaveLength(1);
  });

  it('a confirmed upgrade that Sumo carried out but answered 500 is unknown too, not "failed"', async () => {
    const latest = h.sim.org.latestVersion;
    const target = collectorWhere(
      h.sim,
      (c) =>
        c.collectorType === 'Installable' &&
        c.alive &&
        c.collectorVersion !== latest &&
        h.sim.org.upgradeTasks().every((task) => task.collectorId !== c.id),
      'running installed collector below the latest build, not upgraded yet',
    );
    const { reply } = await h.ask(`upgrade ${target.id}`, { userId: 'UADMIN' });
    h.sim.setFaults({ actThen500Rate: 1, routes: [UPGRADE_ROUTE], limit: 1 });
    const click = await h.click({ actionId: 'sumo_confirm', value: confirmationId(reply), userId: 'UADMIN' });
    const outcome = await h.slack.waitFor(() =>
      h.slack.responsesTo(click.responseUrl).find((response) => textOf(response).includes('UNKNOWN')),
    );
    expect(textOf(outcome)).toContain('Outcome unknown');
    expect(textOf(outcome)).toContain('answered 500 internal.error after receiving it');
    expect(textOf(outcome)).not.toContain('Failed');
    expect(textOf(outcome)).not.toMatch(/usually temporary|try again/i);
    expect(h.sim.org.upgradeTasks().filter((task) => task.collectorId === target.id)).toHaveLength(1);
  });

  it('a search whose start was lost says so in the thread instead of "failed"', async () => {
    h.sim.setFaults({ lostAnswerRate: 1, routes: ['POST /v1/search/jobs'], limit: 1 });
    const { ack } = await h.command('search error from=-1h', { channelId: 'CLOST1' });
    expect(ack.status).toBe(200);
    const answer = await h.slack.waitFor(() =>
      h.slack
        .callsTo('chat.postMessage')
        .find((call) => call.args.channel === 'CLOST1' && call.args.thread_ts !== undefined),
    );
    expect(textOf(answer.args)).toContain('may or may not have happened');
    expect(textOf(answer.args)).toContain('whether it took effect is unknown');
    expect(h.sim.counters.byRoute['POST /v1/search/jobs']).toEqual({ 0: 1 });
  });

  it('a read whose answers are all cut off fails as a transfer problem, with no talk of an unknown outcome', async () => {
    h.sim.setFaults({ truncateRate: 1, routes: ['GET /v1/collectors'] });
    const { reply } = await h.ask('collectors');
    h.sim.setFaults({});
    expect(textOf(reply)).toContain('failed');
    expect(textOf(reply)).toContain('cut off');
    expect(textOf(reply)).not.toContain('may or may not have happened');
  });
});
