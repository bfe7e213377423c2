import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStores, loadStateConfig, type RedisBackend, type Stores, silentLogger } from '@sumo-ops/core';
import { type LocalRedis, startRedisServer } from '@sumo-ops/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDuration } from '../src/digests.js';
import { expectMessagesWithinLimits, expectNoSecrets } from './support/checks.js';
import { Harness, textOf } from './support/harness.js';

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

async function addDigest(h: Harness, text: string, channelId: string): Promise<string> {
  const { reply } = await h.ask(text, { channelId });
  expect(reply.response_type).toBe('in_channel');
  const id = /Digest `([0-9a-f]{8})` added/.exec(textOf(reply))?.[1];
  if (!id) throw new Error(`no digest id in ${textOf(reply)}`);
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
  it('adds a digest in the channel and refuses bad intervals and ranges before storing anything', async () => {
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
    id = await addDigest(h, 'digest add "error" every 1m from=-1h', 'CDIG');
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
    const blocks = (reply.blocks ?? []) as Array<{
      type: string;
      elements?: Array<{ action_id: string; value: string }>;
    }>;
    const pending = blocks
      .flatMap((block) => (block.type === 'actions' ? (block.elements ?? []) : []))
      .find((element) => element.action_id === 'sumo_digest_confirm')?.value;
    if (!pending) throw new Error(`no confirm button in ${textOf(reply)}`);
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

  async function replica(shared?: Harness) {
    const stores = createStores(loadStateConfig({ SUMO_OPS_REDIS_URL: redis.url }), { logger: silentLogger });
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
});
