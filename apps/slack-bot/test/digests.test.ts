import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStores, loadStateConfig, type RedisBackend, type Stores, silentLogger } from '@sumo-ops/core';
import { type LocalRedis, startRedisServer } from '@sumo-ops/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng, keepArtifact } from '../../../test/support/pictures.js';
import { parseDuration } from '../src/digests.js';
import { expectMessagesWithinLimits, expectNoSecrets } from './support/checks.js';
import { Harness, textOf } from './support/harness.js';
import { TcpProxy } from './support/tcp-proxy.js';

const HOUR = 3_600_000;
const TICK = { digestTickMs: 40 };

function searchCorpus() {
  const corpusTo = Date.now() + 2 * HOUR;
  return {
    clockSpeed: 1,
    search: { corpusSize: 5_000, corpusTo, corpusFrom: corpusTo - 26 * HOUR, startDelayMs: 0 },
  };
}

function digestPosts(h: Harness, channel: string, id: string) {
  return h.slack
    .callsTo('chat.postMessage')
    .filter((call) => call.args.channel === channel && textOf(call.args).includes(`\`${id}\``));
}

/** The value of the Confirm button of a digest's addition or removal. */
function digestConfirmation(reply: Record<string, unknown>): string {
  const blocks = (reply.blocks ?? []) as Array<{
    type: string;
    elements?: Array<{ action_id: string; value: string }>;
  }>;
  const pending = blocks
    .flatMap((block) => (block.type === 'actions' ? (block.elements ?? []) : []))
    .find((element) => element.action_id === 'sumo_digest_confirm')?.value;
  if (!pending) throw new Error(`no confirm button in ${textOf(reply)}`);
  return pending;
}

/** Asks for a digest, which is previewed in the channel with the budget, and confirms it. */
async function addDigest(h: Harness, text: string, channelId: string): Promise<string> {
  const { reply } = await h.ask(text, { channelId });
  expect(reply.response_type, textOf(reply)).toBe('in_channel');
  expect(textOf(reply)).toContain('Add digest');
  expect(textOf(reply)).toContain('calls/min');
  return confirmedId(
    h,
    await h.click({ actionId: 'sumo_digest_confirm', value: digestConfirmation(reply), channelId }),
  );
}

/** The id of the digest a Confirm click added, from the message that replaced the preview. */
async function confirmedId(h: Harness, click: { responseUrl: string }): Promise<string> {
  const done = await h.slack.waitFor(() => h.slack.responsesTo(click.responseUrl)[0]);
  const id = /Digest `([0-9a-f]{8})` added/.exec(textOf(done))?.[1];
  if (!id) throw new Error(`no digest id in ${textOf(done)}`);
  return id;
}

describe('digest intervals', () => {
  it('reads 1m to 7d and nothing else', () => {
    expect(parseDuration('1m')).toBe(60_000);
    expect(parseDuration('1h')).toBe(HOUR);
    expect(parseDuration('7d')).toBe(7 * 24 * HOUR);
    for (const bad of ['30s', '1w', 'h', '-1h', '1.5h']) expect(parseDuration(bad)).toBeUndefined();
  });
});

describe('/sumo digest without Redis: a JSON file keeps them', () => {
  let h: Harness;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sumo-ops-digests-'));
    h = await Harness.start({ simulator: searchCorpus(), bot: { ...TICK, dataDir } });
  });
  afterAll(async () => {
    await h?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  let id = '';
  it('adds a digest after Confirm by the admin who asked, refusing non-admins, bad intervals and ranges before storing anything', async () => {
    for (const [text, problem] of [
      ['digest add "error" every 30s', 'must be from 1m to 7d'],
      ['digest add "error" every 8d', 'must be from 1m to 7d'],
      ['digest add "error"', '`every <interval>` is missing'],
      ['digest add every 1h', 'The query is missing'],
      ['digest add "error" every 1h from=yesterday', 'from: `yesterday`'],
      ['digest frobnicate', 'not a digest command'],
    ] as const) {
      const { reply } = await h.ask(text, { channelId: 'CDIG' });
      expect(reply.response_type, text).toBe('ephemeral');
      expect(textOf(reply), text).toContain(problem);
    }
    expect(textOf((await h.ask('help', { channelId: 'CDIG' })).reply)).toContain(
      '/sumo digest add \\"&lt;query&gt;\\" every &lt;1m…7d&gt; [from=-1h]',
    );
    const reader = await h.ask('digest add "error" every 1m from=-1h', {
      channelId: 'CDIG',
      userId: 'UREADER',
    });
    expect(reader.reply.response_type).toBe('ephemeral');
    expect(textOf(reader.reply)).toContain('may not run write or destructive commands');
    const { reply: preview } = await h.ask('digest add "error" every 1m from=-1h', { channelId: 'CDIG' });
    expect(textOf(preview)).toContain('Only <@UADMIN> can confirm');
    const cancel = await h.click({
      actionId: 'sumo_digest_cancel',
      value: digestConfirmation(preview),
      channelId: 'CDIG',
    });
    expect(textOf(await h.slack.waitFor(() => h.slack.responsesTo(cancel.responseUrl)[0]))).toContain(
      'no digest was added',
    );
    expect(textOf((await h.ask('digest list', { channelId: 'CDIG' })).reply)).toContain('No digests');
    id = await addDigest(h, 'digest add "error" every 1m from=-1h', 'CDIG');
    expect(h.auditLines.filter((line) => line.includes('slack_add_digest'))).toHaveLength(1);
    const list = textOf((await h.ask('digest list', { channelId: 'CDIG' })).reply);
    expect(list).toContain(`\`${id}\``);
    expect(list).toContain('every 1m');
    expect(list).toContain('digests.json');
    const file = JSON.parse(await readFile(join(dataDir, 'digests.json'), 'utf8'));
    expect(file.digests).toMatchObject([{ id, query: 'error', every: '1m', from: '-1h', channelId: 'CDIG' }]);
  });

  it('posts nothing before the interval, then one parent message per run with the change against the previous period', async () => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(digestPosts(h, 'CDIG', id)).toEqual([]);
    h.clock.advance(61_000);
    const first = await h.slack.waitFor(() => digestPosts(h, 'CDIG', id)[0], 15_000);
    expect(first.args.thread_ts).toBeUndefined();
    const text = textOf(first.args);
    expect(text).toContain(':calendar: *Digest*');
    expect(text).toContain('this period');
    expect(text).toMatch(/messages\s+[\d,]+\s+[\d,]+\s+(new|gone|[+−]\d+%|±0%)/);
    // The chart of both periods goes into the digest's thread, on the clock of who set it up.
    const chart = await h.slack.waitFor(
      () =>
        h.slack.files.find((file) => file.threadTs === first.response?.ts && file.filename === 'digest.png'),
      15_000,
    );
    keepArtifact('slack-digest.png', chart.bytes);
    expect(decodePng(chart.bytes).width).toBeGreaterThanOrEqual(1440);
    expect(chart.altText).toContain('(Europe/London)');
    expect(chart.altText).toMatch(/the previous period, drawn as a line, had [\d,]+|No messages between/);
    // The zone is asked after the digest's text is out: a slow users.info holds back only the chart.
    const zoneAsked = h.slack.calls.findIndex(
      (call) => call.method === 'users.info' && call.args.user === 'UADMIN',
    );
    expect(zoneAsked).toBeGreaterThan(h.slack.calls.indexOf(first));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(digestPosts(h, 'CDIG', id)).toHaveLength(1);
    h.clock.advance(60_000);
    await h.slack.waitFor(() => digestPosts(h, 'CDIG', id)[1], 15_000);
  });

  it('says once that runs fail, not every tick, and says when it works again', async () => {
    h.sim.setFaults({ rate500: 1, routes: ['POST /v1/search/jobs'] });
    const before = digestPosts(h, 'CDIG', id).length;
    try {
      for (let run = 0; run < 3; run += 1) {
        h.clock.advance(60_000);
        await new Promise((resolve) => setTimeout(resolve, 1_500));
      }
    } finally {
      h.sim.setFaults({});
    }
    const failures = digestPosts(h, 'CDIG', id).slice(before);
    expect(failures).toHaveLength(1);
    expect(textOf(failures[0]?.args)).toContain('failed');
    expect(textOf(failures[0]?.args)).toContain('this is said once');
    h.clock.advance(60_000);
    const recovered = await h.slack.waitFor(() => digestPosts(h, 'CDIG', id)[before + 1], 15_000);
    expect(textOf(recovered.args)).toContain('Working again');
  });

  it('keeps digests over a restart', async () => {
    await h.close();
    h = await Harness.start({ simulator: searchCorpus(), bot: { ...TICK, dataDir } });
    expect(textOf((await h.ask('digest list', { channelId: 'CDIG' })).reply)).toContain(`\`${id}\``);
  });

  it('removes a digest only for an admin, and only after Confirm by the person who asked', async () => {
    const refused = textOf(
      (await h.ask(`digest remove ${id}`, { channelId: 'CDIG', userId: 'UREADER' })).reply,
    );
    expect(refused).toContain('may not run write or destructive commands');
    const { reply } = await h.ask(`digest remove ${id}`, { channelId: 'CDIG' });
    expect(reply.response_type).toBe('in_channel');
    const pending = digestConfirmation(reply);
    const other = await h.click({
      actionId: 'sumo_digest_confirm',
      value: pending,
      userId: 'UOTHER',
      channelId: 'CDIG',
    });
    expect(textOf(await h.slack.waitFor(() => h.slack.responsesTo(other.responseUrl)[0]))).toContain(
      'Only <@UADMIN>',
    );
    expect(textOf((await h.ask('digest list', { channelId: 'CDIG' })).reply)).toContain(`\`${id}\``);
    const mine = await h.click({ actionId: 'sumo_digest_confirm', value: pending, channelId: 'CDIG' });
    expect(textOf(await h.slack.waitFor(() => h.slack.responsesTo(mine.responseUrl)[0]))).toContain(
      'removed',
    );
    expect(textOf((await h.ask('digest list', { channelId: 'CDIG' })).reply)).toContain(
      'No digests in this channel',
    );
    expect(JSON.parse(await readFile(join(dataDir, 'digests.json'), 'utf8')).digests).toEqual([]);
    expect(h.auditLines.some((line) => line.includes('slack_remove_digest'))).toBe(true);
  });

  it('kept every message within Block Kit limits and every secret out', () => {
    expectMessagesWithinLimits(h.slack);
    expectNoSecrets(h.everythingSent());
  });
});

describe('the digest budget: every digest of every channel together within a share of the rate budget', () => {
  // The harness's limiter allows 500 requests a second, 30,000 a minute: 0.14 % of it is 42 calls a
  // minute, room for three one-minute digests (14 calls/min each: 2 searches × 7 calls a run).
  let h: Harness;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sumo-ops-digest-budget-'));
    h = await Harness.start({
      simulator: searchCorpus(),
      bot: { ...TICK, dataDir, digestBudgetShare: 0.0014 },
    });
  });
  afterAll(async () => {
    await h?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const ids: string[] = [];
  it('states the arithmetic when adding, and refuses an add over the share with the arithmetic and what would fit', async () => {
    ids.push(await addDigest(h, 'digest add "error" every 1m', 'CBUD1'));
    ids.push(await addDigest(h, 'digest add "warn" every 1m', 'CBUD2'));
    const { reply: preview } = await h.ask('digest add "fatal" every 2m', { channelId: 'CBUD1' });
    expect(textOf(preview)).toContain(
      '2 searches × 7 calls = 14 calls a run ÷ 2 min (every 2m) = 7 calls/min. With the 2 digests in all channels: 28 + 7 = 35 of the 42 calls/min (0.14 % of the 30,000 calls/min rate budget, SUMO_OPS_DIGEST_BUDGET_SHARE)',
    );
    const click = await h.click({
      actionId: 'sumo_digest_confirm',
      value: digestConfirmation(preview),
      channelId: 'CBUD1',
    });
    ids.push(await confirmedId(h, click));
    expect(textOf(h.slack.responsesTo(click.responseUrl)[0])).toContain('28 + 7 = 35 of the 42 calls/min');

    const { reply: refused } = await h.ask('digest add "panic" every 1m', { channelId: 'CBUD2' });
    expect(refused.response_type).toBe('ephemeral');
    expect(textOf(refused)).toContain('Digest not added');
    expect(textOf(refused)).toContain(
      '= 14 calls/min; with the 3 digests in all channels, 35 + 14 = 49 calls/min',
    );
    expect(textOf(refused)).toContain('is more than the 42 calls/min');
    expect(textOf(refused)).toContain('It would fit at every 2m or longer');
    expect(textOf(refused)).not.toContain('sumo_digest_confirm');
  });

  it('refuses at Confirm when another add used up the budget after the preview', async () => {
    const { reply: one } = await h.ask('digest add "panic" every 2m', { channelId: 'CBUD2' });
    const { reply: other } = await h.ask('digest add "oops" every 2m', { channelId: 'CBUD1' });
    ids.push(
      await confirmedId(
        h,
        await h.click({
          actionId: 'sumo_digest_confirm',
          value: digestConfirmation(one),
          channelId: 'CBUD2',
        }),
      ),
    );
    const late = await h.click({
      actionId: 'sumo_digest_confirm',
      value: digestConfirmation(other),
      channelId: 'CBUD1',
    });
    const refusal = textOf(await h.slack.waitFor(() => h.slack.responsesTo(late.responseUrl)[0]));
    expect(refusal).toContain('Digest not added');
    expect(refusal).toContain('42 + 7 = 49 calls/min is more than the 42 calls/min');
    const list = textOf((await h.ask('digest list', { channelId: 'CBUD2' })).reply);
    expect(list).toContain('All digests in all channels spend 42 of the 42 calls/min');
    expect(list).not.toContain('paused');
    expect(list).not.toContain('oops');
  });

  it('after the share is lowered, lists and logs the newest digests that no longer fit as paused, and runs only the rest', async () => {
    await h.close();
    h = await Harness.start({
      simulator: searchCorpus(),
      bot: { ...TICK, dataDir, digestBudgetShare: 0.0007 },
    });
    // 21 calls/min now: oldest first, 14 (runs), 14 (paused), 7 (runs), 7 (paused).
    const [first, second, third, fourth] = ids as [string, string, string, string];
    const warning = await h.slack.waitFor(() =>
      h.logLines.find((line) => line.includes('digests over the digest budget are paused')),
    );
    expect(warning).toContain(second);
    expect(warning).toContain(fourth);
    expect(warning).not.toContain(first);
    expect(warning).toContain('SUMO_OPS_DIGEST_BUDGET_SHARE');
    const list = textOf((await h.ask('digest list', { channelId: 'CBUD2' })).reply);
    expect(list).toMatch(new RegExp(`${second}.*paused: over the digest budget`));
    expect(list).toContain(`2 digest(s) paused, in all channels (\`${second}\`, \`${fourth}\`)`);
    expect(list).toContain('All digests in all channels spend 21 of the 21 calls/min');

    h.clock.advance(121_000);
    await h.slack.waitFor(
      () => digestPosts(h, 'CBUD1', first)[0] && digestPosts(h, 'CBUD1', third)[0],
      20_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(digestPosts(h, 'CBUD2', second)).toEqual([]);
    expect(digestPosts(h, 'CBUD2', fourth)).toEqual([]);
  });
});

describe('/sumo digest with replicas sharing Redis', () => {
  let redis: LocalRedis;
  const open: Array<{ h: Harness; stores: Stores }> = [];
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    for (const replica of open) {
      await replica.h.close();
      await replica.stores.close();
    }
    await redis?.stop();
  });

  /** A replica; `prefix` keeps a test's digests from replicas that earlier tests left running. */
  async function replica(shared?: Harness, settings: { url?: string; prefix?: string } = {}) {
    const config = loadStateConfig({
      SUMO_OPS_REDIS_URL: settings.url ?? redis.url,
      ...(settings.prefix ? { SUMO_OPS_KEY_PREFIX: settings.prefix } : {}),
    });
    // The product's command deadline: a shorter one turned a loaded machine's stall into an outage.
    const stores = createStores(config, { logger: silentLogger });
    expect(await (stores.backend as RedisBackend).ready()).toBe(true);
    const h = await Harness.start({
      ...(shared ? { slack: shared.slack, sim: shared.sim } : { simulator: searchCorpus() }),
      bot: { ...TICK, stores },
    });
    open.push({ h, stores });
    return h;
  }

  it('posts each run from exactly one replica and keeps digests when a replica is replaced', async () => {
    const a = await replica();
    const b = await replica(a);
    const id = await addDigest(a, 'digest add "error | count by _sourceCategory" every 2m', 'CRED');
    for (const run of [0, 1]) {
      a.clock.advance(121_000);
      b.clock.advance(121_000);
      await a.slack.waitFor(() => digestPosts(a, 'CRED', id)[run], 15_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(digestPosts(a, 'CRED', id)).toHaveLength(run + 1);
    }
    const c = await replica(a);
    expect(textOf((await c.ask('digest list', { channelId: 'CRED' })).reply)).toContain(`\`${id}\``);
    expect(textOf((await c.ask('digest list', { channelId: 'CRED' })).reply)).toContain('Redis');
  });

  it('runs a due digest once, not never, when Redis applies the claim of its run but the answer is lost', async () => {
    const proxy = await new TcpProxy(redis.port).start();
    try {
      const a = await replica(undefined, { url: proxy.url, prefix: 'lost-claim:' });
      const b = await replica(a, { prefix: 'lost-claim:' });
      const id = await addDigest(b, 'digest add "error" every 2m', 'CLOST');
      const lost = proxy.loseAnswerTo(
        (wire) => wire.includes('\r\nSET\r\n') && wire.includes('slack:digest-run:'),
      );
      // Only A's clock reaches the due time: A's claim is the one whose answer goes missing.
      a.clock.advance(121_000);
      await lost;
      await a.slack.waitFor(() => digestPosts(a, 'CLOST', id)[0], 15_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(digestPosts(a, 'CLOST', id)).toHaveLength(1);
    } finally {
      await proxy.cut();
    }
  });

  it('adds a digest once when its Confirm reaches both replicas at the same moment', async () => {
    const a = await replica();
    const b = await replica(a);
    const { reply } = await a.ask('digest add "error" every 1h', { channelId: 'CONCE' });
    const pending = digestConfirmation(reply);
    const clicks = await Promise.all(
      [a, b, a, b].map((r) =>
        r.click({ actionId: 'sumo_digest_confirm', value: pending, channelId: 'CONCE' }),
      ),
    );
    await a.slack.waitFor(() =>
      clicks.some((click) => textOf(a.slack.responsesTo(click.responseUrl)[0]).includes('added')),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const answered = clicks.filter((click) => a.slack.responsesTo(click.responseUrl).length > 0);
    expect(answered).toHaveLength(1);
    const stored = (await a.bot.context.digests.store.list()).filter((d) => d.channelId === 'CONCE');
    expect(stored).toHaveLength(1);
    const audits = [a, b].flatMap((r) => r.auditLines).filter((line) => line.includes('slack_add_digest'));
    expect(audits).toHaveLength(1);
  });
});
