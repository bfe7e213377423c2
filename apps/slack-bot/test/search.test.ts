import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng, keepArtifact, paintedRuns } from '../../../test/support/pictures.js';
import { expectMessagesWithinLimits, expectNoSecrets } from './support/checks.js';
import { Harness, textOf } from './support/harness.js';

const HOUR = 3_600_000;

let h: Harness;
beforeAll(async () => {
  const corpusTo = Date.now();
  h = await Harness.start({
    simulator: {
      clockSpeed: 20,
      search: { corpusSize: 20_000, corpusTo, corpusFrom: corpusTo - 24 * HOUR, startDelayMs: 0 },
    },
  });
});
afterAll(async () => h?.close());

/** Runs a search from Slack and waits for its summary in the thread. */
async function searchInThread(text: string, channelId: string) {
  const { ack } = await h.command(text, { channelId });
  expect(ack.status).toBe(200);
  const parent = await h.threadParent(channelId);
  const parentTs = String(parent.response?.ts);
  const summary = await h.slack.waitFor(
    () =>
      h.slack
        .callsTo('chat.postMessage')
        .find((call) => call.args.channel === channelId && call.args.thread_ts === parentTs),
    15_000,
  );
  return { parent, parentTs, summary };
}

describe('/sumo search', () => {
  it('posts a parent message (query, range, who asked), updates it, and answers in its thread with a summary and a file', async () => {
    const { parent, parentTs, summary } = await searchInThread('search error from=-24h', 'CSEARCH1');
    expect(textOf(parent.args)).toContain('error');
    expect(textOf(parent.args)).toContain('-24h');
    expect(textOf(parent.args)).toContain('<@UADMIN>');

    const updates = h.slack.callsTo('chat.update').filter((call) => call.args.ts === parentTs);
    expect(updates.at(-1)?.args.text).toMatch(/Done/);

    const text = textOf(summary.args);
    expect(text).toMatch(/\*[\d,]+\* messages/);
    expect(text).toMatch(/[▁▂▃▄▅▆▇█]/);
    expect(text).toContain('_sourceCategory');
    expect(text).toContain('Sample messages');
    expect(text).toContain('in the file below');

    const file = await h.slack.waitFor(() =>
      h.slack.files.find(
        (candidate) => candidate.threadTs === parentTs && !candidate.filename.endsWith('.png'),
      ),
    );
    expect(file.channel).toBe('CSEARCH1');
    expect(file.filename).toBe('search-messages.ndjson');
    const lines = file.content.trim().split('\n');
    expect(lines).toHaveLength(300);
    expect(JSON.parse(lines[0] ?? '{}')).toHaveProperty('raw');
    expect(h.slack.callsTo('files.completeUploadExternal').at(-1)?.args).toMatchObject({
      channel_id: 'CSEARCH1',
      thread_ts: parentTs,
    });
  });

  it("posts the chart into the thread as an inline PNG: a bar per busy step, on the requester's clock, alt text for screen readers", async () => {
    h.slack.userZones.set('UCHART', 'Asia/Kolkata');
    const { ack } = await h.command('search error from=-24h', { channelId: 'CCHART1', userId: 'UCHART' });
    expect(ack.status).toBe(200);
    const parent = await h.threadParent('CCHART1');
    const parentTs = String(parent.response?.ts);
    const chart = await h.slack.waitFor(
      () => h.slack.files.find((file) => file.threadTs === parentTs && file.filename === 'search.png'),
      15_000,
    );
    keepArtifact('slack-search-chart.png', chart.bytes);
    expect(chart.channel).toBe('CCHART1');
    const summary = h.slack
      .callsTo('chat.postMessage')
      .find((call) => call.args.channel === 'CCHART1' && call.args.thread_ts === parentTs);
    const spark = /`([▁▂▃▄▅▆▇█ ]+)`/.exec(textOf(summary?.args ?? {}))?.[1] ?? '';
    const messages = /\*([\d,]+)\* messages/.exec(textOf(summary?.args ?? {}))?.[1];
    expect(spark.trim().length).toBeGreaterThan(0);

    const picture = decodePng(chart.bytes);
    expect(picture.width).toBeGreaterThanOrEqual(1440);
    expect(paintedRuns(picture.columns('#1f77b4'))).toHaveLength(spark.replaceAll(' ', '').length);
    // The same facts in words, on the requester's Slack clock; nothing of the query.
    expect(chart.altText).toContain(`${messages} messages in ${spark.length} bars`);
    expect(chart.altText).toContain('(Asia/Kolkata)');
    expect(chart.altText).not.toContain('error');
    expect(h.slack.callsTo('users.info').some((call) => call.args.user === 'UCHART')).toBe(true);
  });

  it("keeps a zone the person named, even tz=UTC, rather than their profile's", async () => {
    h.slack.userZones.set('UUTC', 'Asia/Kolkata');
    await h.command('search error from=-24h tz=UTC', { channelId: 'CCHART2', userId: 'UUTC' });
    const parentTs = String((await h.threadParent('CCHART2')).response?.ts);
    const chart = await h.slack.waitFor(
      () => h.slack.files.find((file) => file.threadTs === parentTs && file.filename === 'search.png'),
      15_000,
    );
    expect(chart.altText).toContain('(UTC)');
    expect(chart.altText).not.toContain('Asia/Kolkata');
  });

  it('shows an aggregate query as a table of its top records', async () => {
    const { summary } = await searchInThread('search * | count by _sourceCategory from=-24h', 'CSEARCH2');
    const text = textOf(summary.args);
    expect(text).toContain('Top records');
    expect(text).toContain('_count');
  });

  it('uploads the records of an aggregate query with more rows than fit a message as CSV', async () => {
    const { parentTs, summary } = await searchInThread(
      'search * | timeslice 5m | count by _timeslice from=-24h',
      'CSEARCH4',
    );
    expect(textOf(summary.args)).toContain('All records');
    const file = await h.slack.waitFor(() =>
      h.slack.files.find(
        (candidate) => candidate.threadTs === parentTs && !candidate.filename.endsWith('.png'),
      ),
    );
    expect(file.filename).toBe('search-records.csv');
    const [header = '', ...rows] = file.content.trim().split('\n');
    expect(header.split(',')).toEqual(expect.arrayContaining(['_timeslice', '_count']));
    expect(rows.length).toBeGreaterThan(20);
    for (const row of rows) expect(row.split(',')).toHaveLength(header.split(',').length);
  });

  it('escapes CSV cells a spreadsheet would run as a formula in the uploaded records', async () => {
    // nginx lines start "10.1.2.3 - - [", so the parsed ident field is "-" in every row.
    const { parentTs } = await searchInThread(
      'search _sourceCategory=prod/web/nginx | parse "* - * [" as ip, ident | count by ip, ident from=-24h',
      'CSEARCH5',
    );
    const file = await h.slack.waitFor(() =>
      h.slack.files.find(
        (candidate) => candidate.threadTs === parentTs && !candidate.filename.endsWith('.png'),
      ),
    );
    const [header = '', ...rows] = file.content.trim().split('\n');
    const ident = header.split(',').indexOf('ident');
    expect(ident).toBeGreaterThanOrEqual(0);
    expect(rows.length).toBeGreaterThan(20);
    for (const row of rows) expect(row.split(',')[ident]).toBe("'-");
  });

  it('reports a query Sumo refuses in the thread instead of failing silently', async () => {
    const { summary } = await searchInThread('search _sourceCategory=* | count by from=-1h', 'CSEARCH3');
    expect(textOf(summary.args)).toContain('Unable to parse query');
  });

  it('searches for org= words as typed with one unnamed org: there is no org to choose', async () => {
    const { parent, summary } = await searchInThread('search error org=acme from=-24h', 'CSEARCHORGWORD');
    expect(textOf(parent.args)).toContain('error org=acme');
    expect(textOf(summary.args)).not.toContain('not a configured org');
  });

  it('says how to fix it when the bot may not post in the channel', async () => {
    h.slack.closedChannels.add('CCLOSED');
    const { reply } = await h.ask('search error', { channelId: 'CCLOSED' });
    expect(reply.response_type).toBe('ephemeral');
    expect(textOf(reply)).toContain('not_in_channel');
    expect(textOf(reply)).toContain('/invite');
  });

  it('validates the time range before any API call', async () => {
    const before = h.sim.counters.total;
    const { reply } = await h.ask('search error from=yesterday');
    expect(textOf(reply)).toContain('from');
    expect(h.sim.counters.total).toBe(before);
  });

  it('kept every message within Block Kit limits, and no secret anywhere', () => {
    // How posts to one channel are spaced is ChannelPacer's (pacer.test.ts, on fake timers):
    // arrival times at the fake Slack API would measure this machine's load as much as the pacing.
    expectMessagesWithinLimits(h.slack);
    expectNoSecrets(h.everythingSent());
  });
});

describe('/sumo search that outlasts its time budget', () => {
  let slow: Harness;
  beforeAll(async () => {
    const corpusTo = Date.now();
    slow = await Harness.start({
      simulator: {
        // Gathering this slowly, no search over the corpus can finish within a second.
        search: { corpusSize: 20_000, corpusTo, corpusFrom: corpusTo - 24 * HOUR, gatheringSpeed: 200 },
      },
    });
  });
  afterAll(async () => slow?.close());

  it('stops at the budget, says so, shows what it found so far, and cancels the job', async () => {
    const { ack } = await slow.command('search * from=-24h timeBudgetSeconds=1', { channelId: 'CSLOW' });
    expect(ack.status).toBe(200);
    const parent = await slow.slack.waitFor(() =>
      slow.slack.callsTo('chat.postMessage').find((call) => call.args.channel === 'CSLOW'),
    );
    const parentTs = String(parent.response?.ts);
    const summary = await slow.slack.waitFor(() =>
      slow.slack
        .callsTo('chat.postMessage')
        .find((call) => call.args.channel === 'CSLOW' && call.args.thread_ts === parentTs),
    );

    const updates = slow.slack.callsTo('chat.update').filter((call) => call.args.ts === parentTs);
    expect(updates.at(-1)?.args.text).toContain('Stopped after 1 s (add timeBudgetSeconds= to wait longer)');
    expect(textOf(summary.args)).toContain('incomplete: the search did not finish');
    expect(textOf(summary.args)).toContain(
      'The search had not finished; counts are what it had found so far.',
    );
    await slow.slack.waitFor(() => slow.sim.search.activeJobCount() === 0);
    expect(slow.sim.counters.byRoute['DELETE /v1/search/jobs/:id']?.[200]).toBe(1);
    expectMessagesWithinLimits(slow.slack);
    expectNoSecrets(slow.everythingSent());
  });
});
