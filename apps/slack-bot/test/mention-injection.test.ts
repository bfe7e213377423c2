import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets } from './support/checks.js';
import { confirmationId, Harness, textOf } from './support/harness.js';

/**
 * Mention injection: text from a person (command words, a search query) or from Sumo (collector
 * names, error messages that echo them) must reach Slack as text, never as a mention that pages
 * a channel, a user, a user group, or as a channel link. The only markup the bot may send is its
 * own: the requester's mention and Slack dates.
 */
const REQUESTER = 'UADMIN';
const OWN_MARKUP = new RegExp(`^<(@${REQUESTER}|!date\\^\\d+\\^\\{time\\}\\|[^<>]*)>$`);

/** Every `<!…>`, `<@…>` or `<#…>` sequence in a message's text, mrkdwn or plain. */
function liveMarkup(message: unknown): string[] {
  return [...JSON.stringify(message).matchAll(/<[!@#][^<>]*>/g)].map((match) => match[0]);
}

let h: Harness;
let evilCollector: { id: number; name: string };
const EVIL_NAME = 'web <!channel> <@UEVIL> <!subteam^SEVIL|ops>';

beforeAll(async () => {
  // Fast enough for an upgrade to finish (3 simulated minutes) and slow enough that polling
  // every 100 ms keeps a search job alive (30 simulated seconds).
  h = await Harness.start({ simulator: { clockSpeed: 60, org: { collectors: 12 } } });
  // An installed collector renamed by whoever controls the Sumo org: the name is not ours.
  const installed = h.sim.org.collectors().find((collector) => collector.collectorType === 'Installable');
  if (!installed) throw new Error('the seeded org has no installed collector');
  const { etag, collector } = h.sim.org.getCollector(installed.id);
  h.sim.org.updateCollector(installed.id, etag, { collector: { ...collector, name: EVIL_NAME } });
  evilCollector = { id: installed.id, name: EVIL_NAME };
});
afterAll(async () => h?.close());

/** Every message the bot sent to Slack since `from` (Web API calls and response_url posts). */
function sentSince(from: number) {
  return h.slack.calls
    .slice(from)
    .filter((call) => !/^(auth\.test|users\.|usergroups\.)/.test(call.method))
    .map(({ method, args: { token: _token, content: _content, ...args } }) => ({ method, args }));
}

function expectNoInjectedMarkup(from: number): void {
  const sent = sentSince(from);
  expect(sent.length).toBeGreaterThan(0);
  for (const { method, args } of sent) {
    const foreign = liveMarkup(args).filter((markup) => !OWN_MARKUP.test(markup));
    expect(foreign, `${method}: ${JSON.stringify(args).slice(0, 500)}`).toEqual([]);
  }
  expectNoSecrets(JSON.stringify(sent));
}

/** Slack sends a typed `<` as `&lt;` and a picked mention as markup; both forms arrive. */
const TYPED = (text: string) => text.replace(/</g, '&lt;').replace(/>/g, '&gt;');

describe('no mention or channel link from input reaches Slack', () => {
  it.each([
    ['an unknown subcommand', '<!channel>'],
    ['an unknown subcommand, typed', TYPED('<!here>')],
    ['a word where a number goes', 'offline <!channel>'],
    ['a filter outside its choices', 'collectors <#CEVIL|ops>'],
    ['an unknown option', 'collectors dead <@UEVIL>=1'],
    ['a collector that does not exist', 'collector "<!subteam^SEVIL> <@UEVIL>"'],
    ['a collector that does not exist, typed', `collector "${TYPED('<!everyone>')}"`],
    ['a bad time in a search', 'search error from=<!channel>'],
  ])('%s: the ephemeral answer escapes it', async (_case, text) => {
    const from = h.slack.calls.length;
    const { reply } = await h.ask(text);
    expect(reply.response_type).toBe('ephemeral');
    expectNoInjectedMarkup(from);
  });

  it('an already-escaped mention stays text: its & is escaped as well', async () => {
    const from = h.slack.calls.length;
    // What Slack sends when someone types the characters `&lt;!channel&gt;`.
    await h.ask('collector "&amp;lt;!channel&amp;gt;"');
    const all = JSON.stringify(sentSince(from));
    expect(all).toContain('&amp;lt;!channel&amp;gt;');
    // Unescaped once more, `&lt;!channel&gt;` would reach Slack as the mention itself.
    expect(all).not.toContain('&lt;!channel&gt;');
    expectNoInjectedMarkup(from);
  });

  it('a search query with mentions: the channel message, its updates and the thread', async () => {
    const from = h.slack.calls.length;
    const { ack } = await h.command('search "<!channel> <@UEVIL>" | count by _sourceHost from=-15m');
    expect(ack.status).toBe(200);
    await h.slack.waitFor(() =>
      sentSince(from).find((call) => call.method === 'chat.update' && textOf(call.args).includes('Done')),
    );
    await h.slack.waitFor(() =>
      sentSince(from).find((call) => call.method === 'chat.postMessage' && call.args.thread_ts !== undefined),
    );
    const parent = sentSince(from).find((call) => call.method === 'chat.postMessage');
    // Shown as text: escaped, so Slack displays the characters and pages nobody.
    expect(String(parent?.args.text)).toContain('&lt;!channel&gt; &lt;@UEVIL&gt;');
    expectNoInjectedMarkup(from);
  });

  it('a search Sumo refuses, whose error echoes the query', async () => {
    const from = h.slack.calls.length;
    await h.command('search error | where <!here> from=-15m');
    await h.slack.waitFor(() =>
      sentSince(from).find((call) => call.method === 'chat.update' && textOf(call.args).includes('Failed')),
    );
    expectNoInjectedMarkup(from);
  });

  it('a collector name from Sumo in a lookup and a list', async () => {
    const from = h.slack.calls.length;
    await h.ask(`collector ${evilCollector.id}`);
    await h.ask('collectors installed limit=50');
    const all = JSON.stringify(sentSince(from));
    expect(all).toContain('web &lt;!channel&gt; &lt;@UEVIL&gt;');
    expectNoInjectedMarkup(from);
  });

  it('a collector name in a confirmation, its dialog, the outcome and the thread follow-up', async () => {
    const from = h.slack.calls.length;
    const { reply } = await h.ask(`upgrade ${evilCollector.id}`);
    expect(reply.response_type).toBe('in_channel');
    const click = await h.click({
      actionId: 'sumo_confirm',
      value: confirmationId(reply),
      messageTs: '1700000000.515151',
    });
    await h.slack.waitFor(() =>
      h.slack.responsesTo(click.responseUrl).find((r) => /Done|Failed|unknown/.test(textOf(r))),
    );
    await h.slack.waitFor(() =>
      sentSince(from).find(
        (call) => call.method === 'chat.postMessage' && call.args.thread_ts === '1700000000.515151',
      ),
    );
    expectNoInjectedMarkup(from);
  });

  it('a name typed into a write: the preview, then a cancel', async () => {
    const from = h.slack.calls.length;
    const { reply } = await h.ask(`create-hosted-collector name="spare <!channel> <@UEVIL>"`);
    expect(reply.response_type).toBe('in_channel');
    const click = await h.click({ actionId: 'sumo_cancel', value: confirmationId(reply) });
    await h.slack.waitFor(() =>
      h.slack.responsesTo(click.responseUrl).find((r) => textOf(r).includes('Cancel')),
    );
    expectNoInjectedMarkup(from);
    expect(h.sim.org.collectorByName('spare <!channel> <@UEVIL>')).toBeUndefined();
  });
});
