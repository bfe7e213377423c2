import { createStores, loadStateConfig, type RedisBackend, silentLogger } from '@sumo-ops/core';
import { type LocalRedis, startRedisServer } from '@sumo-ops/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng, keepArtifact } from '../../../test/support/pictures.js';
import { HOME_SUMO_CALLS } from '../src/fleet-overview.js';
import { blockKitProblems, type SlackMessage } from '../src/index.js';
import { expectMessagesWithinLimits, expectNoSecrets } from './support/checks.js';
import { confirmationId, Harness, textOf } from './support/harness.js';

const DAY_MS = 86_400_000;
let h: Harness;
let longGone: { id: number; name: string };

beforeAll(async () => {
  h = await Harness.start({ simulator: { org: { collectors: 24 } } });
  const installed = h.sim.org
    .collectors()
    .filter((collector) => collector.collectorType === 'Installable' && collector.alive);
  longGone = installed[0] as { id: number; name: string };
  h.sim.org.setAlive(longGone.id, false, Date.now() - 45 * DAY_MS);
});
afterAll(async () => h?.close());

/** Calls to Sumo Logic other than an upgrade follow-up polling its task. */
function fleetCalls(): number {
  return Object.entries(h.sim.counters.byRoute)
    .filter(([route]) => route !== 'GET /v1/collectors/upgrades/:upgradeTaskId')
    .reduce((sum, [, statuses]) => sum + Object.values(statuses).reduce((a, b) => a + b, 0), 0);
}

function published(userId: string) {
  return h.slack.callsTo('views.publish').filter((call) => call.args.user_id === userId);
}

async function openAndWait(userId: string) {
  const before = published(userId).length;
  const ack = await h.openHome(userId);
  expect(ack.status).toBe(200);
  const call = await h.slack.waitFor(() => published(userId)[before]);
  const view = (typeof call.args.view === 'string' ? JSON.parse(call.args.view) : call.args.view) as {
    type: string;
    blocks: SlackMessage['blocks'];
  };
  return view;
}

function buttonsOf(view: { blocks: SlackMessage['blocks'] }) {
  return (view.blocks ?? []).flatMap((block) =>
    block.type === 'actions'
      ? (block.elements as Array<{ action_id: string; value: string; text: { text: string } }>)
      : [],
  );
}

describe('App Home over signed events and the fake Web API', () => {
  it('publishes the fleet at a glance: collectors by state, long-offline, upgradable and the latest build', async () => {
    const view = await openAndWait('UREADER');
    expect(view.type).toBe('home');
    expect(blockKitProblems({ blocks: view.blocks })).toEqual([]);
    const collectors = h.sim.org.collectors();
    const alive = collectors.filter((collector) => collector.alive).length;
    const hosted = collectors.filter((collector) => collector.collectorType === 'Hosted').length;
    const offline = h.sim.org.listOfflineCollectors(30, 0, 1000);
    const upgradable = h.sim.org.upgradableCollectors(undefined, 0, 1000);
    const text = textOf(view);
    expect(text).toContain(`*Collectors*\\n${collectors.length}`);
    expect(text).toContain(`${alive} / ${collectors.length - alive}`);
    expect(text).toContain(`${collectors.length - hosted} / ${hosted}`);
    expect(offline.length).toBeGreaterThan(0);
    expect(text).toContain(`*Installed, offline ≥ 30 days*\\n${offline.length}`);
    expect(text).toContain(`${longGone.name} (id ${longGone.id})`);
    expect(text).toContain(`${upgradable.length} to \`${h.sim.org.latestVersion}\` (latest)`);
    expect(text).toContain('Upgrades from this app, last 24 hours');
    // Read commands are everyone's, the fleet picture too; the change buttons are for SUMO_OPS_ADMINS only.
    expect(buttonsOf(view).map((button) => button.text.text)).toEqual(['Fleet picture']);
  });

  it('keeps the tab text and posts the fleet picture on request, in a direct message: a bar per kind and version', async () => {
    const ack = await h.clickHome({
      actionId: 'sumo_home_fleet_picture',
      value: 'fleet',
      userId: 'UPICTURE',
    });
    expect(ack.status).toBe(200);
    const picture = await h.slack.waitFor(
      () => h.slack.files.find((file) => file.channel === 'DUPICTURE' && file.filename === 'fleet.png'),
      15_000,
    );
    keepArtifact('slack-fleet.png', picture.bytes);
    const collectors = h.sim.org.collectors();
    const otCollectors = h.sim.org.otCollectors.all();
    const offline = collectors.filter((c) => !c.alive).length + otCollectors.filter((c) => !c.alive).length;
    expect(picture.altText).toContain(
      `${(collectors.length + otCollectors.length).toLocaleString('en-US')} collectors`,
    );
    expect(picture.altText).toContain(`· ${offline} offline ·`);
    const png = decodePng(picture.bytes);
    expect(png.width).toBeGreaterThanOrEqual(1440);
    // Every group has a bar: alive ones green somewhere, offline ones grey.
    expect(png.count('#2ca02c')).toBeGreaterThan(0);
    expect(png.count('#7f7f7f')).toBeGreaterThan(0);
    const message = h.slack.callsTo('chat.postMessage').find((call) => call.args.channel === 'UPICTURE');
    expect(textOf(message?.args ?? {})).toContain('Fleet picture');
  });

  it('adds health errors and warnings, the most pressing event names and the OT collectors alive / offline', async () => {
    h.clock.advance(61_000);
    const text = textOf(await openAndWait('UREADER'));
    const events = h.sim.org.healthEvents.unresolved();
    const errors = events.filter((event) => event.severityLevel === 'Error').length;
    const warnings = events.filter((event) => event.severityLevel === 'Warning').length;
    expect(errors).toBeGreaterThan(0);
    expect(text).toContain(
      `:red_circle: ${errors} errors · :large_yellow_circle: ${warnings} warning${warnings === 1 ? '' : 's'}`,
    );
    // The most frequent error first: every offline installed collector raises one.
    const offlineEvents = events.filter((event) => event.eventName === 'InstalledCollectorOffline').length;
    expect(text).toContain(`*Most pressing*`);
    expect(text).toContain(`:red_circle: *InstalledCollectorOffline* × ${offlineEvents}`);
    expect(text).toContain(longGone.name);
    const ot = h.sim.org.otCollectors.all();
    const otOffline = ot.filter((collector) => !collector.alive).length;
    expect(text).toContain(
      `*OpenTelemetry collectors*\\n${ot.length} (alive ${ot.length - otOffline} / offline ${otOffline})`,
    );
    // What the tab costs is stated on it.
    expect(text).toContain(`with ${HOME_SUMO_CALLS} Sumo Logic API calls`);
  });

  it('shows the rest of the fleet when health events cannot be read, saying why', async () => {
    h.clock.advance(61_000);
    h.sim.setFaults({ rate500: 1, routes: ['GET /v1/healthEvents'] });
    try {
      const text = textOf(await openAndWait('UREADER'));
      expect(text).toContain('*Health events (unresolved)*\\ncould not be read');
      expect(text).toMatch(/:x: Health events: Sumo Logic answered 500/);
      expect(text).toContain('*OpenTelemetry collectors*\\n');
      expect(text).toContain('*Collectors*\\n');
    } finally {
      h.sim.setFaults({});
    }
  });

  it('asks Sumo Logic at most HOME_SUMO_CALLS times a minute however often the tab is opened, then refreshes', async () => {
    h.clock.advance(61_000);
    h.sim.counters.reset();
    await Promise.all(Array.from({ length: 12 }, (_, index) => openAndWait(`UMANY${index}`)));
    for (let index = 0; index < 8; index += 1) await openAndWait('UAGAIN');
    expect(fleetCalls()).toBe(HOME_SUMO_CALLS);
    h.clock.advance(61_000);
    await openAndWait('UAGAIN');
    expect(fleetCalls()).toBe(2 * HOME_SUMO_CALLS);
  });

  it('gives admins buttons that only show the preview, in a message to them; Confirm there deletes', async () => {
    h.clock.advance(61_000);
    const view = await openAndWait('UADMIN');
    const buttons = buttonsOf(view);
    const remove = buttons.find((button) => button.value === 'delete-offline');
    expect(remove?.text.text).toMatch(/^Delete \d+ offline ≥ 30 days…$/);
    expect(buttons.find((button) => button.value === 'upgrade-all')?.text.text).toContain(
      h.sim.org.latestVersion,
    );

    const posts = () => h.slack.callsTo('chat.postMessage').filter((call) => call.args.channel === 'UADMIN');
    const before = posts().length;
    const ack = await h.clickHome({ actionId: `sumo_home_action:delete-offline`, value: 'delete-offline' });
    expect(ack.status).toBe(200);
    const preview = (await h.slack.waitFor(() => posts()[before])).args;
    const text = textOf(preview);
    expect(text).toContain('/sumo delete-offline 30');
    expect(text).toContain('Asked from the App Home tab.');
    expect(text).toContain(longGone.name);
    // The first click changed nothing.
    expect(h.sim.counters.byRoute['DELETE /v1/collectors/offline']).toBeUndefined();

    const { responseUrl } = await h.click({
      actionId: 'sumo_confirm',
      value: confirmationId(preview),
      channelId: 'DUADMIN',
    });
    await h.slack.waitFor(() =>
      h.slack.responsesTo(responseUrl).find((reply) => textOf(reply).includes('Done — confirmed by')),
    );
    expect(h.sim.counters.byRoute['DELETE /v1/collectors/offline']?.[200]).toBe(1);
    expect(h.auditLines.some((line) => line.includes('"delete_offline_collectors"'))).toBe(true);
  });

  it('refuses a forged home button from someone who is not an admin, privately, with nothing pending', async () => {
    const posts = () => h.slack.callsTo('chat.postMessage').filter((call) => call.args.channel === 'UREADER');
    await h.clickHome({ actionId: 'sumo_home_action:upgrade-all', value: 'upgrade-all', userId: 'UREADER' });
    const reply = (await h.slack.waitFor(() => posts()[0])).args;
    expect(textOf(reply)).toContain('may not run write or destructive commands');
    expect(textOf(reply)).not.toContain('sumo_confirm');
  });

  it('lists upgrades started from this app in the last 24 hours, with who asked and how they ended', async () => {
    const collector = h.sim.org
      .collectors()
      .find(
        (candidate) =>
          candidate.alive &&
          candidate.collectorType === 'Installable' &&
          candidate.collectorVersion !== h.sim.org.latestVersion,
      );
    if (!collector) throw new Error('no running installed collector below the latest build');
    const { reply } = await h.ask(`upgrade ${collector.id}`);
    const { responseUrl } = await h.click({ actionId: 'sumo_confirm', value: confirmationId(reply) });
    await h.slack.waitFor(() =>
      h.slack.responsesTo(responseUrl).find((answer) => textOf(answer).includes('Done — confirmed by')),
    );
    const running = textOf(await openAndWait('UREADER'));
    expect(running).toContain(collector.name);
    expect(running).toMatch(/:hourglass_flowing_sand: .*: running by <@UADMIN>/);
    h.sim.clock.advance(30 * 60_000);
    await h.slack.waitFor(() =>
      h.slack
        .callsTo('chat.postMessage')
        .find((call) => textOf(call.args).includes(`The upgrade of ${collector.name}`)),
    );
    const finished = textOf(await openAndWait('UREADER'));
    expect(finished).toMatch(/:(white_check_mark|x): .*: (succeeded|failed)/);
  });

  it('kept every message and view within Block Kit limits and every secret out', () => {
    expectMessagesWithinLimits(h.slack);
    for (const call of h.slack.callsTo('views.publish')) {
      const view = (
        typeof call.args.view === 'string' ? JSON.parse(call.args.view) : call.args.view
      ) as SlackMessage;
      expect(blockKitProblems({ blocks: view.blocks })).toEqual([]);
    }
    expectNoSecrets(h.everythingSent());
  });
});

describe('App Home across replicas sharing Redis', () => {
  let redis: LocalRedis;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => redis?.stop());

  it('reads the fleet once a minute for all replicas together', async () => {
    const replicas: Array<{ h: Harness; close(): Promise<void> }> = [];
    try {
      for (let index = 0; index < 3; index += 1) {
        const stores = createStores(loadStateConfig({ SUMO_OPS_REDIS_URL: redis.url }), {
          logger: silentLogger,
        });
        expect(await (stores.backend as RedisBackend).ready()).toBe(true);
        const replica = await Harness.start({ slack: h.slack, sim: h.sim, bot: { stores } });
        replicas.push({
          h: replica,
          close: async () => {
            await replica.close();
            await stores.close();
          },
        });
      }
      h.sim.counters.reset();
      const before = h.slack.callsTo('views.publish').length;
      await Promise.all(
        replicas.flatMap(({ h: replica }) =>
          Array.from({ length: 5 }, (_, index) => replica.openHome(`UREPLICA${index}`)),
        ),
      );
      await h.slack.waitFor(() => h.slack.callsTo('views.publish').length >= before + 15 || undefined);
      expect(fleetCalls()).toBe(HOME_SUMO_CALLS);
      const views = h.slack.callsTo('views.publish').slice(before);
      for (const call of views) expect(textOf(call.args)).toContain('*Collectors*');
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }
  });
});
