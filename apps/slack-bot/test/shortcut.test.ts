import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockKitProblems } from '../src/index.js';
import { plainMessageText, suggestSearch } from '../src/message-query.js';
import { expectMessagesWithinLimits, expectNoSecrets } from './support/checks.js';
import { Harness, textOf } from './support/harness.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-25T12:00:00Z');
const recentTs = String((NOW - 60_000) / 1000);

describe('a query built from a message', () => {
  it('takes a host name, a quoted string and an id-like token', () => {
    expect(
      suggestSearch(
        'Checkout failing on web-03.prod.example.com: "connection refused" for req-7f3a9c12',
        recentTs,
        NOW,
      ),
    ).toEqual({
      query: '_sourceHost=web-03.prod.example.com "connection refused" "req-7f3a9c12"',
      from: '-1h',
      to: 'now',
    });
  });

  it('reads a UUID, a code span and Slack markup the way people saw the message', () => {
    expect(
      suggestSearch(
        '<@U123> order 3f2b8c1e-9d4a-4b7e-8f00-1a2b3c4d5e6f failed with `NullPointerException` &amp; retried',
        recentTs,
        NOW,
      ).query,
    ).toBe('"NullPointerException" "3f2b8c1e-9d4a-4b7e-8f00-1a2b3c4d5e6f"');
    expect(plainMessageText('see <https://x.example/a|the runbook> &lt;now&gt;')).toBe(
      'see the runbook <now>',
    );
  });

  it('does not take versions or plain words for hosts or ids, and falls back to the first line as a phrase', () => {
    expect(suggestSearch('Upgraded to 19.470-4 today\nmore', recentTs, NOW).query).toBe(
      '"Upgraded to 19.470-4 today"',
    );
    expect(suggestSearch('', recentTs, NOW).query).toBe('*');
  });

  it('searches around an older message instead of the last hour', () => {
    const at = NOW - 5 * HOUR;
    expect(suggestSearch('timeout on db-1.internal', String(at / 1000), NOW)).toEqual({
      query: '_sourceHost=db-1.internal',
      from: '2026-11-25T06:30:00Z',
      to: '2026-11-25T07:30:00Z',
    });
  });
});

let h: Harness;
beforeAll(async () => {
  const corpusTo = Date.now();
  h = await Harness.start({
    channels: ['CSHORT', 'CSHORT2'],
    bot: { search: { progressIntervalMs: 100, fileThresholdRows: 100_000, fileMaxRows: 300 } },
    simulator: {
      clockSpeed: 20,
      search: { corpusSize: 5_000, corpusTo, corpusFrom: corpusTo - 24 * HOUR, startDelayMs: 0 },
    },
  });
});
afterAll(async () => h?.close());

function openedView() {
  const call = h.slack.callsTo('views.open').at(-1);
  if (!call) throw new Error('no views.open');
  return (typeof call.args.view === 'string' ? JSON.parse(call.args.view) : call.args.view) as {
    callback_id: string;
    private_metadata: string;
    blocks: Array<{ block_id?: string; element?: { initial_value?: string } }>;
  };
}

describe('the "Search in Sumo" message shortcut over signed requests', () => {
  it('opens a modal pre-filled from the message, with the trigger Slack sent', async () => {
    const { ack } = await h.shortcut({
      text: 'web-03.prod.example.com says "connection refused"',
      messageTs: String(Date.now() / 1000),
      channelId: 'CSHORT',
    });
    expect(ack.status).toBe(200);
    await h.slack.waitFor(() => h.slack.callsTo('views.open')[0]);
    const call = h.slack.callsTo('views.open')[0];
    expect(call?.args.trigger_id).toBe('13345224609.738474920.8088930838d88f008e0');
    const view = openedView();
    expect(view.callback_id).toBe('sumo_search_modal');
    expect(JSON.parse(view.private_metadata)).toEqual({ channelId: 'CSHORT' });
    const initial = Object.fromEntries(
      view.blocks.map((block) => [block.block_id, block.element?.initial_value]),
    );
    expect(initial).toMatchObject({
      sumo_query: '_sourceHost=web-03.prod.example.com "connection refused"',
      sumo_from: '-1h',
      sumo_to: 'now',
    });
    expect(blockKitProblems({ blocks: view.blocks as never })).toEqual([]);
  });

  it('shows a bad range on its field and runs nothing', async () => {
    const posts = h.slack.callsTo('chat.postMessage').length;
    const ack = await h.submitView({
      callbackId: 'sumo_search_modal',
      privateMetadata: JSON.stringify({ channelId: 'CSHORT' }),
      values: {
        sumo_query: { query: 'error' },
        sumo_from: { from: 'yesterday-ish' },
        sumo_to: { to: 'now' },
      },
    });
    expect(ack.status).toBe(200);
    const answer = JSON.parse(ack.body) as { response_action: string; errors: Record<string, string> };
    expect(answer.response_action).toBe('errors');
    expect(Object.keys(answer.errors)).toEqual(['sumo_from']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(posts);
  });

  it('on submit starts the usual search thread in the channel of the message, as the person who submitted', async () => {
    const ack = await h.submitView({
      callbackId: 'sumo_search_modal',
      privateMetadata: JSON.stringify({ channelId: 'CSHORT' }),
      values: { sumo_query: { query: 'error' }, sumo_from: { from: '-2h' }, sumo_to: { to: 'now' } },
      userId: 'USUBMIT',
    });
    expect(ack.status).toBe(200);
    expect(ack.body).toBe('');
    const parent = await h.slack.waitFor(() =>
      h.slack
        .callsTo('chat.postMessage')
        .find((call) => call.args.channel === 'CSHORT' && !call.args.thread_ts),
    );
    expect(textOf(parent.args)).toContain('<@USUBMIT>');
    expect(textOf(parent.args)).toContain('-2h');
    const summary = await h.slack.waitFor(
      () =>
        h.slack
          .callsTo('chat.postMessage')
          .find((call) => call.args.channel === 'CSHORT' && call.args.thread_ts === parent.response?.ts),
      15_000,
    );
    expect(textOf(summary.args)).toMatch(/\*[\d,]+\* messages/);
    expect(textOf(summary.args)).toContain('sumo_search:widen');
  });

  it('answers privately where /sumo is not enabled, and opens no modal', async () => {
    const opened = h.slack.callsTo('views.open').length;
    const { responseUrl } = await h.shortcut({ text: 'hello', messageTs: '1.2', channelId: 'COTHER' });
    const reply = await h.slack.waitFor(() => h.slack.responsesTo(responseUrl)[0]);
    expect(reply.response_type).toBe('ephemeral');
    expect(textOf(reply)).toContain('not enabled in this channel');
    expect(h.slack.callsTo('views.open')).toHaveLength(opened);
  });

  it('kept every message within Block Kit limits and every secret out', () => {
    expectMessagesWithinLimits(h.slack);
    expectNoSecrets(h.everythingSent());
  });
});
