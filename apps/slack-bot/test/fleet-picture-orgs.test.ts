import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng } from '../../../test/support/pictures.js';
import type { TwoOrgs } from '../../../test/support/two-orgs.js';
import type { SlackMessage } from '../src/index.js';
import { type Harness, textOf } from './support/harness.js';
import { startTwoOrgsBot } from './support/two-orgs-bot.js';

let orgs: TwoOrgs;
let h: Harness;
let bot: Awaited<ReturnType<typeof startTwoOrgsBot>> | undefined;

beforeAll(async () => {
  bot = await startTwoOrgsBot();
  ({ orgs, h } = bot);
});
afterAll(async () => {
  await bot?.close();
});

/** Every collector of a simulated org, installed and hosted and OT. */
const fleetSize = (org: TwoOrgs['prod']) => org.org.collectors().length + org.org.otCollectors.all().length;

describe('the fleet picture with two orgs', () => {
  it('draws the org the App Home showed, and names it in the message and the alt text', async () => {
    expect(fleetSize(orgs.staging)).not.toBe(fleetSize(orgs.prod));
    const published = () => h.slack.callsTo('views.publish').filter((call) => call.args.user_id === 'UFLEET');
    await h.clickHome({ actionId: 'sumo_home_org:staging', value: 'staging', userId: 'UFLEET' });
    const call = await h.slack.waitFor(() => published()[0]);
    const view = (typeof call.args.view === 'string' ? JSON.parse(call.args.view) : call.args.view) as {
      blocks: SlackMessage['blocks'];
    };
    const button = (view.blocks ?? [])
      .flatMap((block) =>
        block.type === 'actions' ? (block.elements as Array<{ action_id: string; value: string }>) : [],
      )
      .find((element) => element.action_id === 'sumo_home_fleet_picture');
    expect(button?.value).toBe('fleet@staging');

    await h.clickHome({ actionId: 'sumo_home_fleet_picture', value: button?.value ?? '', userId: 'UFLEET' });
    const picture = await h.slack.waitFor(
      () => h.slack.files.find((file) => file.channel === 'DUFLEET' && file.filename === 'fleet.png'),
      15_000,
    );
    expect(picture.altText).toMatch(/^Fleet of org staging: /);
    expect(picture.altText).toContain(`${fleetSize(orgs.staging)} collectors`);
    expect(decodePng(picture.bytes).count('#2ca02c')).toBeGreaterThan(0);
    const message = h.slack.callsTo('chat.postMessage').find((sent) => sent.args.channel === 'UFLEET');
    expect(textOf(message?.args ?? {})).toContain('Fleet of org staging');
    expect(message?.args.text).toBe('Fleet picture of staging');
  });

  it('draws nothing for a button naming an org that is not configured', async () => {
    const before = h.slack.callsTo('chat.postMessage').length;
    const ack = await h.clickHome({ actionId: 'sumo_home_fleet_picture', value: 'fleet@qa', userId: 'UQA' });
    expect(ack.status).toBe(200);
    // A later request is answered after this one's listener: nothing was posted for it.
    await h.clickHome({ actionId: 'sumo_home_org:prod', value: 'prod', userId: 'UQA' });
    await h.slack.waitFor(() => h.slack.callsTo('views.publish').find((sent) => sent.args.user_id === 'UQA'));
    expect(h.slack.callsTo('chat.postMessage').slice(before)).toEqual([]);
  });
});
