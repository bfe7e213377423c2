import { webApi } from '@slack/bolt';
import { createLogger, messagesOverTimeChart } from '@sumo-ops/core';
import { createHttpDispatcher, fetchThrough } from '@sumo-ops/core/http-dispatcher';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { altTextForSlack, postChart, readerTimeZone, SLACK_ALT_TEXT_MAX } from '../src/charts/post-chart.js';
import { ChannelPacer } from '../src/pacer.js';
import { FakeSlack } from './support/fake-slack.js';

let slack: FakeSlack | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await slack?.close();
  slack = undefined;
});

const histogram = { start: '2026-12-01T00:00:00.000Z', stepMs: 3_600_000, counts: [3, 9, 4, 0, 7, 2] };

async function post(alt: (drawn: string) => string) {
  slack = await new FakeSlack().start();
  const client = new webApi.WebClient('xoxb-test', {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
  });
  const chart = messagesOverTimeChart({ histogram, timeZone: 'Europe/Berlin' });
  const target = {
    client,
    httpFetch: fetchThrough(createHttpDispatcher({})),
    channelId: 'C1',
    threadTs: '1700000000.000001',
    pacer: new ChannelPacer(0),
    logger: createLogger({ write: () => undefined }),
  };
  const posted = await postChart(target, { ...chart, alt: alt(chart.alt) }, 'search.png');
  return { posted, chart };
}

describe('a chart posted to Slack', () => {
  it("carries its alt text as files.getUploadURLExternal's alt_txt, shown in the thread", async () => {
    const { posted, chart } = await post((alt) => alt);
    expect(posted).toBe(true);
    expect(slack?.callsTo('files.getUploadURLExternal')[0]?.args).toMatchObject({
      filename: 'search.png',
      alt_txt: chart.alt,
    });
    const [file] = slack?.files ?? [];
    expect(file).toMatchObject({ altText: chart.alt, channel: 'C1', threadTs: '1700000000.000001' });
    expect(file?.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it("keeps a long alt text within Slack's 1,000 characters, cut at a sentence, so the upload is not refused", async () => {
    const sentence = 'The bar at 03:00 counts 1,234 messages, more than any hour before it. ';
    const { posted } = await post((alt) => `${alt} ${sentence.repeat(40)}`);
    expect(posted).toBe(true);
    expect(slack?.callsTo('files.getUploadURLExternal')[0]?.response).toMatchObject({ ok: true });
    const altText = slack?.files[0]?.altText ?? '';
    expect(altText.length).toBeLessThanOrEqual(SLACK_ALT_TEXT_MAX);
    expect(altText.length).toBeGreaterThan(SLACK_ALT_TEXT_MAX / 2);
    expect(altText).toMatch(/before it\.…$/);
  });

  it('cuts at a word when there is no sentence to end at', () => {
    const cut = altTextForSlack('word '.repeat(400));
    expect(cut.length).toBeLessThanOrEqual(SLACK_ALT_TEXT_MAX);
    expect(cut).toMatch(/word…$/);
    expect(altTextForSlack('short')).toBe('short');
  });
});

describe("a reader's time zone", () => {
  it('is asked again a minute after Slack could not say, not an hour', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    slack = await new FakeSlack().start();
    const client = new webApi.WebClient('xoxb-test', {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
    });
    const logger = createLogger({ write: () => undefined });
    const asked = () => slack?.callsTo('users.info').filter((call) => call.args.user === 'UZONE').length;
    slack.userZones.set('UZONE', 'Asia/Tokyo');
    slack.unreadableUsers.add('UZONE');

    expect(await readerTimeZone(client, 'UZONE', logger)).toBeUndefined();
    slack.unreadableUsers.delete('UZONE');
    expect(await readerTimeZone(client, 'UZONE', logger)).toBeUndefined();
    expect(asked()).toBe(1);

    vi.advanceTimersByTime(61_000);
    expect(await readerTimeZone(client, 'UZONE', logger)).toBe('Asia/Tokyo');
    expect(asked()).toBe(2);
    // A zone read is kept for the hour.
    vi.advanceTimersByTime(30 * 60_000);
    expect(await readerTimeZone(client, 'UZONE', logger)).toBe('Asia/Tokyo');
    expect(asked()).toBe(2);
  });
});
