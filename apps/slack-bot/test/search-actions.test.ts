import { createStores, loadStateConfig, type RedisBackend, type Stores, silentLogger } from '@sumo-ops/core';
import { type LocalRedis, startRedisServer } from '@sumo-ops/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng, keepArtifact, paintedRuns } from '../../../test/support/pictures.js';
import { expectMessagesWithinLimits, expectNoSecrets } from './support/checks.js';
import type { RecordedCall } from './support/fake-slack.js';
import { Harness, textOf } from './support/harness.js';

const HOUR = 3_600_000;

let h: Harness;
beforeAll(async () => {
  const corpusTo = Date.now();
  h = await Harness.start({
    channels: ['CACT1', 'CACT2', 'CACT3'],
    // Files only when a button asks for them, so the thread holds just what the buttons add.
    bot: { search: { progressIntervalMs: 100, fileThresholdRows: 100_000, fileMaxRows: 300 } },
    simulator: {
      clockSpeed: 20,
      search: { corpusSize: 20_000, corpusTo, corpusFrom: corpusTo - 24 * HOUR, startDelayMs: 0 },
    },
  });
});
afterAll(async () => h?.close());

type Button = { action_id: string; value: string; text: { text: string } };

function buttonsOf(call: RecordedCall): Button[] {
  const blocks = (call.args.blocks ?? []) as Array<{ type: string; elements?: Button[] }>;
  return blocks.flatMap((block) => (block.type === 'actions' ? (block.elements ?? []) : []));
}

function threadPosts(channelId: string, threadTs: string) {
  return h.slack
    .callsTo('chat.postMessage')
    .filter((call) => call.args.channel === channelId && call.args.thread_ts === threadTs);
}

/** Waits for the n-th reply in the thread with summary buttons. */
function summaryWithButtons(channelId: string, threadTs: string, nth = 0) {
  return h.slack.waitFor(
    () => threadPosts(channelId, threadTs).filter((call) => buttonsOf(call).length > 0)[nth],
    20_000,
  );
}

async function searchInThread(text: string, channelId: string) {
  const { ack } = await h.command(text, { channelId });
  expect(ack.status).toBe(200);
  const parent = await h.threadParent(channelId);
  const parentTs = String(parent.response?.ts);
  const summary = await summaryWithButtons(channelId, parentTs);
  return { parentTs, summary, id: (buttonsOf(summary)[0] as Button).value };
}

function messageCount(call: RecordedCall): number {
  const match = /\*([\d,]+)\* messages/.exec(textOf(call.args));
  if (!match?.[1]) throw new Error(`no message count in ${textOf(call.args).slice(0, 300)}`);
  return Number(match[1].replaceAll(',', ''));
}

describe('buttons under a search summary', () => {
  let first: Awaited<ReturnType<typeof searchInThread>>;
  beforeAll(async () => {
    first = await searchInThread('search error from=-1h', 'CACT1');
  });

  it('offers run again, widen ×4, compare, more samples and the file, carrying only an id', () => {
    const buttons = buttonsOf(first.summary);
    expect(buttons.map((button) => button.text.text)).toEqual([
      'Run again',
      'Widen ×4',
      'Compare with previous period',
      'More samples',
      'Full results as file',
    ]);
    for (const button of buttons) {
      expect(button.value).toBe(first.id);
      expect(button.value).not.toContain('error');
    }
  });

  it('widens the range four times as the person who clicked, answering in the same thread', async () => {
    await h.click({ actionId: 'sumo_search:widen', value: first.id, userId: 'UOTHER', channelId: 'CACT1' });
    const status = await h.slack.waitFor(() =>
      threadPosts('CACT1', first.parentTs).find((call) => textOf(call.args).includes('<@UOTHER>')),
    );
    const text = textOf(status.args);
    const [from, to] = [...text.matchAll(/`(\d{4}-\d\d-\d\dT[\d:.]+Z)`/g)].map((match) =>
      Date.parse(match[1] as string),
    );
    expect((to as number) - (from as number)).toBe(4 * HOUR);
    const widened = await summaryWithButtons('CACT1', first.parentTs, 1);
    expect(messageCount(widened)).toBeGreaterThan(messageCount(first.summary));
    // No new parent message: everything stays in the thread.
    expect(
      h.slack
        .callsTo('chat.postMessage')
        .filter((call) => call.args.channel === 'CACT1' && !call.args.thread_ts),
    ).toHaveLength(1);
  });

  it('compares with the previous period of equal length: counts and top values side by side with the change in %', async () => {
    await h.click({ actionId: 'sumo_search:compare', value: first.id, userId: 'UOTHER', channelId: 'CACT1' });
    const comparison = await h.slack.waitFor(
      () =>
        threadPosts('CACT1', first.parentTs).find((call) =>
          textOf(call.args).includes('Compared with the previous period'),
        ),
      20_000,
    );
    const text = textOf(comparison.args);
    expect(text).toContain('this period');
    expect(text).toContain('previous');
    expect(text).toMatch(/messages\s+[\d,]+\s+[\d,]+\s+([+−]\d+%|±0%)/);
    expect(text).toContain(`${messageCount(first.summary).toLocaleString('en-US')}`);
    expect(text).toContain('_sourceCategory=');

    // Both periods on one chart: this period's bars, the previous period as a line over them.
    const chart = await h.slack.waitFor(
      () =>
        h.slack.files.find(
          (file) => file.threadTs === first.parentTs && file.filename === 'search-compared.png',
        ),
      20_000,
    );
    keepArtifact('slack-search-compared.png', chart.bytes);
    const picture = decodePng(chart.bytes);
    expect(paintedRuns(picture.columns('#1f77b4')).length).toBeGreaterThan(0);
    expect(picture.count('#ff7f0e')).toBeGreaterThan(500);
    expect(chart.altText).toContain(`${messageCount(first.summary).toLocaleString('en-US')} messages`);
    expect(chart.altText).toMatch(/the previous period, drawn as a line, had [\d,]+/);
  });

  it('posts more samples, the newest messages of the same range', async () => {
    await h.click({ actionId: 'sumo_search:samples', value: first.id, channelId: 'CACT1' });
    const samples = await h.slack.waitFor(
      () => threadPosts('CACT1', first.parentTs).find((call) => textOf(call.args).includes('newest of')),
      20_000,
    );
    expect(textOf(samples.args)).toMatch(/\*20 newest of [\d,]+ messages\*/);
  });

  it('uploads the full results as a file into the thread even when the summary had none', async () => {
    const small = await searchInThread('search error | count by _sourceCategory from=-1h', 'CACT2');
    expect(
      h.slack.files.filter((file) => file.threadTs === small.parentTs && !file.filename.endsWith('.png')),
    ).toEqual([]);
    await h.click({ actionId: 'sumo_search:file', value: small.id, channelId: 'CACT2' });
    const file = await h.slack.waitFor(
      () =>
        h.slack.files.find(
          (candidate) => candidate.threadTs === small.parentTs && !candidate.filename.endsWith('.png'),
        ),
      20_000,
    );
    expect(file.filename).toBe('search-records.csv');
    expect(file.content).toContain('_count');
  });

  it('runs again over the range as typed', async () => {
    await h.click({ actionId: 'sumo_search:again', value: first.id, channelId: 'CACT1' });
    const again = await summaryWithButtons('CACT1', first.parentTs, 2);
    expect(messageCount(again)).toBeGreaterThan(0);
  });

  it('refuses, privately, a click from a channel where /sumo is not enabled and an unknown search', async () => {
    const { responseUrl } = await h.click({
      actionId: 'sumo_search:again',
      value: first.id,
      channelId: 'CNOPE',
    });
    const refusal = await h.slack.waitFor(() => h.slack.responsesTo(responseUrl)[0]);
    expect(refusal.response_type).toBe('ephemeral');
    expect(textOf(refusal)).toContain('not enabled in this channel');
    const other = await h.click({ actionId: 'sumo_search:widen', value: 'forged-id', channelId: 'CACT3' });
    const unknown = await h.slack.waitFor(() => h.slack.responsesTo(other.responseUrl)[0]);
    expect(textOf(unknown)).toContain('no longer known');
    // The stored search belongs to its channel: its id does not work elsewhere.
    const elsewhere = await h.click({ actionId: 'sumo_search:widen', value: first.id, channelId: 'CACT3' });
    expect(textOf(await h.slack.waitFor(() => h.slack.responsesTo(elsewhere.responseUrl)[0]))).toContain(
      'no longer known',
    );
    expect(threadPosts('CACT3', first.parentTs)).toEqual([]);
  });

  it('kept every message within Block Kit limits and every secret out', () => {
    expectMessagesWithinLimits(h.slack);
    expectNoSecrets(h.everythingSent());
  });
});

describe('buttons under a search across replicas sharing Redis', () => {
  let redis: LocalRedis;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => redis?.stop());

  it('a click reaching another replica, or a replica started after the search, finds the search', async () => {
    const replicas: Array<{ h: Harness; stores: Stores }> = [];
    const replica = async () => {
      const stores = createStores(loadStateConfig({ SUMO_OPS_REDIS_URL: redis.url }), {
        logger: silentLogger,
      });
      expect(await (stores.backend as RedisBackend).ready()).toBe(true);
      const started = await Harness.start({
        slack: h.slack,
        sim: h.sim,
        channels: ['CRED'],
        bot: { stores, search: { progressIntervalMs: 100, fileThresholdRows: 100_000, fileMaxRows: 300 } },
      });
      replicas.push({ h: started, stores });
      return started;
    };
    try {
      const a = await replica();
      await a.command('search error from=-1h', { channelId: 'CRED' });
      const parent = await h.slack.waitFor(() =>
        h.slack
          .callsTo('chat.postMessage')
          .find((call) => call.args.channel === 'CRED' && !call.args.thread_ts),
      );
      const parentTs = String(parent.response?.ts);
      const summary = await summaryWithButtons('CRED', parentTs);
      const id = (buttonsOf(summary)[0] as Button).value;
      await replicas[0]?.h.close();
      const b = await replica();
      await b.click({ actionId: 'sumo_search:samples', value: id, channelId: 'CRED', userId: 'UREPLICA' });
      const samples = await h.slack.waitFor(
        () => threadPosts('CRED', parentTs).find((call) => textOf(call.args).includes('newest of')),
        20_000,
      );
      expect(textOf(samples.args)).toContain('<@UREPLICA>');
    } finally {
      for (const { h: started, stores } of replicas) {
        await started.close().catch(() => undefined);
        await stores.close();
      }
    }
  });
});
