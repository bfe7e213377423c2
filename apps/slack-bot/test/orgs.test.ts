import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectSumo, createLogger, rolloutRunner, type SumoConnection } from '@sumo-ops/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastRollouts, healthyUpgradable, ROLLOUT_SEARCH } from '../../../test/support/rollouts.js';
import { startTwoOrgs, type TwoOrgs } from '../../../test/support/two-orgs.js';
import { blockKitProblems, type SlackMessage } from '../src/index.js';
import { confirmationId, Harness, textOf } from './support/harness.js';
import { startTwoOrgsBot } from './support/two-orgs-bot.js';

const DELETE_ROUTE = 'DELETE /v1/collectors/:id';

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

/** A collector of production that staging does not have: its name shows which org answered. */
const prodOnly = () => {
  const staging = new Set(orgs.staging.org.collectors().map((collector) => collector.name));
  const collector = orgs.prod.org.collectors().find((candidate) => !staging.has(candidate.name));
  if (!collector) throw new Error('production needs a collector staging lacks');
  return collector;
};

const calls = () => orgs.prod.counters.total + orgs.staging.counters.total;

describe('the Slack bot with two orgs', () => {
  it('answers from the default org, or from the org a command names with org=, and says which', async () => {
    const channelId = 'CREADS';
    const prod = textOf((await h.ask('collectors all', { channelId })).reply);
    expect(prod).toContain(prodOnly().name);
    expect(prod).toContain('org: prod');

    const staging = textOf((await h.ask('collectors all org=staging', { channelId })).reply);
    expect(staging).not.toContain(prodOnly().name);
    expect(staging).toContain('org: staging');
  });

  it('refuses an org that is not configured, naming the choices, before any call to Sumo', async () => {
    const before = calls();
    const reply = textOf((await h.ask('collectors org=qa', { channelId: 'CREADS' })).reply);
    expect(reply).toContain('\\"qa\\" is not a configured org: use one of prod, staging.');
    expect(calls()).toBe(before);
  });

  it('keeps an escaped mention as text when org= is cut from the command (decoded once, not twice)', async () => {
    const reply = textOf(
      (await h.ask('collector "&amp;lt;!channel&amp;gt;" org=staging', { channelId: 'CREADS' })).reply,
    );
    expect(reply).toContain('&amp;lt;!channel&amp;gt;');
    expect(reply).not.toMatch(/[^;]&lt;!channel&gt;/);
    expect(reply).not.toContain('<!channel>');
  });

  it('answers /sumo offline for every org at once with org=*, one section per org', async () => {
    const reply = (await h.ask('offline 1 org=*', { channelId: 'CREADS' })).reply;
    const sections = (reply.blocks as Array<{ type: string; text?: { text: string } }>)
      .filter((block) => block.type === 'section')
      .map((block) => block.text?.text);
    expect(sections).toContain('*prod*');
    expect(sections).toContain('*staging*');
    expect(sections.indexOf('*prod*')).toBeLessThan(sections.indexOf('*staging*'));
    expect(textOf(reply)).toContain('List offline');

    const refused = textOf((await h.ask('collectors org=*', { channelId: 'CREADS' })).reply);
    expect(refused).toContain('works only with list_offline_collectors');
  });

  it("lets admins set a channel's org, which its commands then act on", async () => {
    const channelId = 'CSTAGING';
    const refused = await h.ask('org set staging', { channelId, userId: 'USOMEONE' });
    expect(textOf(refused.reply)).toContain('may not run write or destructive commands');
    expect(textOf((await h.ask('org', { channelId })).reply)).toContain('act on *prod*');

    const set = await h.ask('org set staging', { channelId, userId: 'UADMIN' });
    expect(set.reply.response_type).toBe('in_channel');
    expect(textOf((await h.ask('org', { channelId })).reply)).toContain('act on *staging*');
    const answer = textOf((await h.ask('collectors all', { channelId })).reply);
    expect(answer).not.toContain(prodOnly().name);
    expect(answer).toContain('org: staging');
    // A command can still name another org.
    expect(textOf((await h.ask('collectors all org=prod', { channelId })).reply)).toContain(prodOnly().name);
  });

  it('binds a confirmation to the org previewed: the click acts there, never on the channel’s org of the moment', async () => {
    const channelId = 'CCHANGES';
    const target = orgs.staging.org.collectors().find((collector) => collector.collectorType === 'Hosted');
    if (!target) throw new Error('staging needs a hosted collector');
    // Seeded alike: the same id names a collector in production too.
    expect(orgs.prod.org.collectorById(target.id)).toBeDefined();

    const { reply } = await h.ask(`delete-collector ${target.id} org=staging`, { channelId });
    const actions = (reply.blocks as Array<Record<string, unknown>>).find(
      (block) => block.type === 'actions',
    ) as {
      elements: Array<{ text: { text: string }; confirm?: { title: { text: string } } }>;
    };
    expect(actions.elements[0]?.text.text).toBe('Delete a collector in staging');
    expect(actions.elements[0]?.confirm?.title.text).toBe('Delete a collector in staging');
    expect(textOf(reply)).toContain('in *staging*');

    // The channel now points at production; the pending click must still mean staging.
    await h.ask('org set prod', { channelId, userId: 'UADMIN' });
    const click = await h.click({ actionId: 'sumo_confirm', value: confirmationId(reply), channelId });
    await h.slack.waitFor(() =>
      h.slack.responsesTo(click.responseUrl).find((r) => textOf(r).includes('Done')),
    );
    expect(orgs.staging.org.collectorById(target.id)).toBeUndefined();
    expect(orgs.prod.org.collectorById(target.id)).toBeDefined();
    expect(orgs.prod.counters.byRoute[DELETE_ROUTE]).toBeUndefined();
    const audit = h.auditLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(audit.find((entry) => entry.outcome === 'succeeded')).toMatchObject({ org: 'staging' });
  });

  it('refuses a click for an org that is no longer configured, instead of acting on another', async () => {
    const target = orgs.prod.org.collectors().find((collector) => collector.collectorType === 'Hosted');
    if (!target) throw new Error('production needs a hosted collector');
    // As a pending action kept in shared state from before the orgs file lost "eu-old".
    const action = await h.bot.context.pending.create({
      userId: 'UADMIN',
      channelId: 'CCHANGES',
      subcommand: 'delete-collector',
      commandText: `/sumo delete-collector ${target.id} org=eu-old`,
      operation: 'delete_collector',
      input: { collector: target.id },
      preview: { summary: 'Delete it', willChange: true, warnings: [] },
      org: 'eu-old',
    });
    const before = calls();
    const click = await h.click({ actionId: 'sumo_confirm', value: action.id, channelId: 'CCHANGES' });
    const outcome = await h.slack.waitFor(() =>
      h.slack.responsesTo(click.responseUrl).find((r) => textOf(r).includes('Not run')),
    );
    expect(textOf(outcome)).toContain('the org eu-old it was previewed in is no longer configured');
    expect(calls()).toBe(before);
    expect(orgs.prod.org.collectorById(target.id)).toBeDefined();
  });

  it('shows App Home per org with a switcher, all orgs one row each, and buttons that act in the org shown', async () => {
    const published = () => h.slack.callsTo('views.publish').filter((call) => call.args.user_id === 'UADMIN');
    const viewAfter = async (act: () => Promise<unknown>) => {
      const before = published().length;
      await act();
      const call = await h.slack.waitFor(() => published()[before]);
      const view = (typeof call.args.view === 'string' ? JSON.parse(call.args.view) : call.args.view) as {
        blocks: SlackMessage['blocks'];
      };
      expect(blockKitProblems({ blocks: view.blocks })).toEqual([]);
      return view;
    };
    const buttons = (view: { blocks: SlackMessage['blocks'] }) =>
      (view.blocks ?? []).flatMap((block) =>
        block.type === 'actions'
          ? (block.elements as Array<{
              action_id: string;
              value: string;
              style?: string;
              text: { text: string };
            }>)
          : [],
      );
    const switchTo = (org: string) =>
      h.clickHome({ actionId: `sumo_home_org:${org === '*' ? 'all' : org}`, value: org, userId: 'UADMIN' });

    // A collector of staging long gone, so its tab offers to delete offline collectors.
    const gone = orgs.staging.org.collectors().find((c) => c.collectorType === 'Installable' && c.alive);
    if (!gone) throw new Error('staging needs a running installed collector');
    orgs.staging.org.setAlive(gone.id, false, Date.now() - 45 * 86_400_000);

    const first = await viewAfter(() => h.openHome('UADMIN'));
    const switcher = buttons(first).filter((button) => button.action_id.startsWith('sumo_home_org:'));
    expect(switcher.map((button) => [button.value, button.style])).toEqual([
      ['prod', 'primary'],
      ['staging', undefined],
      ['*', undefined],
    ]);
    expect(textOf(first)).toContain(`${orgs.prod.org.collectors().length}`);
    expect(textOf(first)).toContain('org: prod');

    const staging = await viewAfter(() => switchTo('staging'));
    expect(textOf(staging)).toContain('org: staging');
    const deleteOffline = buttons(staging).find(
      (button) => button.action_id === 'sumo_home_action:delete-offline',
    );
    expect(deleteOffline?.value).toBe('delete-offline@staging');
    expect(deleteOffline?.text.text).toContain('in staging');

    const all = await viewAfter(() => switchTo('*'));
    const rows = (all.blocks ?? [])
      .filter((block) => block.type === 'section')
      .map((block) => (block.text as { text: string }).text);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(new RegExp(`^\\*prod\\*: ${orgs.prod.org.collectors().length} collectors`));
    expect(rows[1]).toMatch(new RegExp(`^\\*staging\\*: ${orgs.staging.org.collectors().length} collectors`));

    // The button drawn for staging previews in staging, whatever the tab shows by the click.
    await h.clickHome({
      actionId: 'sumo_home_action:delete-offline',
      value: 'delete-offline@staging',
      userId: 'UADMIN',
    });
    const preview = await h.slack.waitFor(() =>
      h.slack
        .callsTo('chat.postMessage')
        .find((call) => call.args.channel === 'UADMIN' && textOf(call.args).includes('in staging')),
    );
    expect(textOf(preview.args)).toContain('Delete');
  });
});

describe('a digest with two orgs', () => {
  const HOUR = 3_600_000;
  let digestOrgs: TwoOrgs;
  let digestConnection: SumoConnection;
  let d: Harness;
  let dataDir: string;
  beforeAll(async () => {
    const corpusTo = Date.now() + 2 * HOUR;
    digestOrgs = await startTwoOrgs({
      simulator: {
        search: { corpusSize: 2_000, corpusTo, corpusFrom: corpusTo - 26 * HOUR, startDelayMs: 0 },
      },
    });
    digestConnection = await connectSumo({ env: digestOrgs.env, logger: createLogger({ level: 'silent' }) });
    dataDir = await mkdtemp(join(tmpdir(), 'sumo-ops-org-digests-'));
    d = await Harness.start({
      bot: { sumo: digestConnection.client, orgs: digestConnection.orgs, digestTickMs: 40, dataDir },
    });
  });
  afterAll(async () => {
    await d?.close();
    await digestConnection?.close();
    await digestOrgs?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('searches the org it was set up in and names it on every post', async () => {
    const channelId = 'CDIGEST';
    const { reply } = await d.ask('digest add "error" every 1m org=staging', { channelId });
    const confirm = (
      reply.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>
    )
      .flatMap((block) => block.elements ?? [])
      .find((element) => element.action_id === 'sumo_digest_confirm');
    if (!confirm) throw new Error(`no confirm button in ${textOf(reply)}`);
    const click = await d.click({ actionId: 'sumo_digest_confirm', value: confirm.value, channelId });
    const done = await d.slack.waitFor(() => d.slack.responsesTo(click.responseUrl)[0]);
    const id = /Digest `([0-9a-f]{8})` added/.exec(textOf(done))?.[1];
    if (!id) throw new Error(`no digest id in ${textOf(done)}`);
    expect(textOf((await d.ask('digest list', { channelId })).reply)).toContain(`in staging every 1m`);

    d.clock.advance(61_000);
    const post = await d.slack.waitFor(
      () =>
        d.slack
          .callsTo('chat.postMessage')
          .find((call) => call.args.channel === channelId && textOf(call.args).includes(`\`${id}\``)),
      15_000,
    );
    expect(textOf(post.args)).toContain('org: staging');
    expect(digestOrgs.staging.counters.byRoute['POST /v1/search/jobs']?.[202]).toBeGreaterThan(0);
    expect(digestOrgs.prod.counters.byRoute['POST /v1/search/jobs']).toBeUndefined();
  });

  /** Runs `/sumo <text>` as a search and says which org started a job and what query it shows. */
  async function searchFrom(text: string, channelId: string) {
    // Every answer counts, a refused query too: what matters is the org that was asked.
    const started = (org: 'prod' | 'staging') =>
      Object.values(digestOrgs[org].counters.byRoute['POST /v1/search/jobs'] ?? {}).reduce(
        (sum, count) => sum + count,
        0,
      );
    const before = { prod: started('prod'), staging: started('staging') };
    await d.command(text, { channelId });
    const parent = await d.threadParent(channelId);
    const parentTs = String(parent.response?.ts);
    await d.slack.waitFor(
      () =>
        d.slack
          .callsTo('chat.postMessage')
          .find((call) => call.args.channel === channelId && call.args.thread_ts === parentTs),
      15_000,
    );
    return {
      shown: textOf(parent.args),
      prod: started('prod') - before.prod,
      staging: started('staging') - before.staging,
    };
  }

  it('keeps org= inside a search query as query text, in the default org', async () => {
    const search = await searchFrom('search error | where org="staging"', 'CQUERYORG');
    expect(search.shown).toContain('where org=\\"staging\\"');
    expect(search).toMatchObject({ prod: 1, staging: 0 });
  });

  it('reads org= before the query as the org to search', async () => {
    const search = await searchFrom('search org=staging error', 'CSEARCHORG');
    expect(search.shown).not.toContain('org=');
    expect(search).toMatchObject({ prod: 0, staging: 1 });
  });
});

describe('the digest budget with two orgs', () => {
  const HOUR = 3_600_000;
  let budgetOrgs: TwoOrgs;
  let budgetConnection: SumoConnection;
  let b: Harness;
  let dataDir: string;
  beforeAll(async () => {
    const corpusTo = Date.now() + 2 * HOUR;
    budgetOrgs = await startTwoOrgs({
      simulator: {
        search: { corpusSize: 2_000, corpusTo, corpusFrom: corpusTo - 26 * HOUR, startDelayMs: 0 },
      },
    });
    budgetConnection = await connectSumo({ env: budgetOrgs.env, logger: createLogger({ level: 'silent' }) });
    dataDir = await mkdtemp(join(tmpdir(), 'sumo-ops-org-digest-budget-'));
    // Each org's key may make 4 calls a second, 240 a minute; 7 % of it is 16.8 calls a minute:
    // room for one one-minute digest (14 calls/min) per org, not for two in one org.
    b = await Harness.start({
      bot: {
        sumo: budgetConnection.client,
        orgs: budgetConnection.orgs,
        digestTickMs: 40,
        dataDir,
        digestBudgetShare: 0.07,
      },
    });
  });
  afterAll(async () => {
    await b?.close();
    await budgetConnection?.close();
    await budgetOrgs?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** `/sumo <text>` and its Confirm: the digest's id, or the refusal when it does not fit. */
  async function addDigest(text: string, channelId: string): Promise<{ id?: string; refusal?: string }> {
    const { reply } = await b.ask(text, { channelId });
    const confirm = (
      reply.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>
    )
      .flatMap((block) => block.elements ?? [])
      .find((element) => element.action_id === 'sumo_digest_confirm');
    if (!confirm) return { refusal: textOf(reply) };
    const click = await b.click({ actionId: 'sumo_digest_confirm', value: confirm.value, channelId });
    const done = textOf(await b.slack.waitFor(() => b.slack.responsesTo(click.responseUrl)[0]));
    const id = /Digest `([0-9a-f]{8})` added/.exec(done)?.[1];
    return id ? { id } : { refusal: done };
  }

  it("plans each org's digests against its own budget: staging's do not pause or refuse production's", async () => {
    const staging = await addDigest('digest add "error" every 1m org=staging', 'CBUDSTG');
    expect(staging.id).toBeDefined();
    // The same cost again in staging does not fit its share…
    const more = await addDigest('digest add "warn" every 1m org=staging', 'CBUDSTG');
    expect(more.refusal).toContain('digest of staging in all channels');
    // …while production's share is still free.
    const prod = await addDigest('digest add "error" every 1m', 'CBUDPROD');
    expect(prod).toEqual({ id: expect.any(String) });

    const list = textOf((await b.ask('digest list', { channelId: 'CBUDPROD' })).reply);
    expect(list).not.toContain('paused');
    expect(list).toContain('Digests of prod in all channels spend 14 of the 16.8 calls/min');
    expect(list).toContain('Digests of staging in all channels spend 14 of the 16.8 calls/min');

    b.clock.advance(61_000);
    for (const [channel, id] of [
      ['CBUDSTG', staging.id],
      ['CBUDPROD', prod.id],
    ])
      await b.slack.waitFor(
        () =>
          b.slack
            .callsTo('chat.postMessage')
            .find((call) => call.args.channel === channel && textOf(call.args).includes(`\`${id}\``)),
        15_000,
      );
    expect(budgetOrgs.prod.counters.byRoute['POST /v1/search/jobs']?.[202]).toBeGreaterThan(0);
    expect(budgetOrgs.staging.counters.byRoute['POST /v1/search/jobs']?.[202]).toBeGreaterThan(0);
  });
});

describe('an orgs file of one org', () => {
  let one: SumoConnection;
  let o: Harness;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sumo-ops-one-org-'));
    const file = join(dir, 'orgs.json');
    await writeFile(
      file,
      JSON.stringify({
        orgs: {
          prod: {
            apiUrl: orgs.prod.apiUrl,
            accessIdEnv: 'PROD_SUMO_ACCESS_ID',
            accessKeyEnv: 'PROD_SUMO_ACCESS_KEY',
          },
        },
      }),
    );
    one = await connectSumo({
      env: { ...orgs.env, SUMO_OPS_ORGS: file },
      logger: createLogger({ level: 'silent' }),
    });
    o = await Harness.start({
      bot: { sumo: one.client, orgs: one.orgs, dataDir: dir, digestTickMs: 60_000 },
    });
  });
  afterAll(async () => {
    await o?.close();
    await one?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('stores the org on what it keeps, so a default added later cannot move it', async () => {
    const channelId = 'CONEORG';
    const { reply } = await o.ask('digest add "error" every 1h', { channelId });
    const confirm = (
      reply.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>
    )
      .flatMap((block) => block.elements ?? [])
      .find((element) => element.action_id === 'sumo_digest_confirm');
    if (!confirm) throw new Error(`no confirm button in ${textOf(reply)}`);
    const click = await o.click({ actionId: 'sumo_digest_confirm', value: confirm.value, channelId });
    expect(textOf(await o.slack.waitFor(() => o.slack.responsesTo(click.responseUrl)[0]))).toContain('added');
    const stored = JSON.parse(await readFile(join(dir, 'digests.json'), 'utf8')) as {
      digests: Array<{ org?: string }>;
    };
    expect(stored.digests.map((digest) => digest.org)).toEqual(['prod']);
  });
});

describe('a rollout in a named org', () => {
  let rolloutOrgs: TwoOrgs;
  let rolloutConnection: SumoConnection;
  let r: Harness;
  beforeAll(async () => {
    rolloutOrgs = await startTwoOrgs({
      prodCollectors: 40,
      stagingCollectors: 40,
      simulator: { clockSpeed: 6_000, search: ROLLOUT_SEARCH },
    });
    rolloutConnection = await connectSumo({
      env: rolloutOrgs.env,
      logger: createLogger({ level: 'silent' }),
    });
    r = await Harness.start({ bot: { sumo: rolloutConnection.client, orgs: rolloutConnection.orgs } });
    rolloutRunner.configure(fastRollouts(rolloutOrgs.staging));
  });
  afterAll(async () => {
    await rolloutRunner.shutdown();
    await r?.close();
    await rolloutConnection?.close();
    await rolloutOrgs?.close();
  });

  it('names the org in its thread and in the rollback to type', async () => {
    const { staging } = rolloutOrgs;
    const ids = healthyUpgradable(staging, 4);
    staging.org.setBadBuild({
      version: staging.org.latestVersion,
      share: 1,
      effect: 'health error',
      afterMs: 30_000,
    });
    const channelId = 'CROLLOUT';
    const threadTs = '1700000000.900001';
    const { reply } = await r.ask(`rollout ${ids.join(' ')} soak=300 org=staging`, { channelId });
    const click = await r.click({
      actionId: 'sumo_confirm',
      value: confirmationId(reply),
      messageTs: threadTs,
      channelId,
    });
    await r.slack.waitFor(
      () => r.slack.responsesTo(click.responseUrl).find((answer) => /Done/.test(textOf(answer))),
      15_000,
    );
    const halted = await r.slack.waitFor(
      () =>
        r.slack
          .callsTo('chat.postMessage')
          .filter((call) => call.args.thread_ts === threadTs)
          .map((call) => textOf(call.args))
          .find((post) => post.includes('halted')),
      15_000,
    );
    expect(halted).toMatch(/Rollout `ro-[0-9a-f]{12}` in staging halted/);
    expect(halted).toMatch(/\/sumo rollback ro-[0-9a-f]{12} org=staging/);
  });
});
