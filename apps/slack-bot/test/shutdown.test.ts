import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createStores, loadStateConfig, type RedisBackend, silentLogger } from '@sumo-ops/core';
import { type LocalRedis, type Simulator, startSimulator } from '@sumo-ops/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets } from './support/checks.js';
import type { FakeSlack } from './support/fake-slack.js';
import { BOT_TOKEN, confirmationId, Harness, SIGNING_SECRET, SUMO_KEY, textOf } from './support/harness.js';
import { type SharedWorld, startSharedWorld, upgradableCollectors } from './support/shared-world.js';
import { blockActionBody, postSigned, slashCommandBody } from './support/slack-requests.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const THREAD_TS = '1700000000.919191';

let redis: LocalRedis;
let slack: FakeSlack;
let sim: Simulator;
let world: SharedWorld;
beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run pnpm build first.`);
  world = await startSharedWorld();
  ({ redis, slack, sim } = world);
});
afterAll(async () => world?.close());

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The built bot, as deployed: `node apps/slack-bot/dist/bin.js` with only the given environment. */
async function startBuiltBin(env: Record<string, string>) {
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [BIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (
      await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`the bot did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, exited, eventsUrl: `${base}/slack/events`, output: () => output };
}

const ENV = () => ({
  SLACK_BOT_TOKEN: BOT_TOKEN,
  SLACK_SIGNING_SECRET: SIGNING_SECRET,
  SLACK_API_URL: slack.apiUrl,
  SUMO_ACCESS_ID: 'sim-access-id',
  SUMO_ACCESS_KEY: SUMO_KEY,
  SUMO_API_URL: sim.apiUrl,
  SUMO_OPS_ADMINS: 'UADMIN',
});

describe('the built sumo-ops-slack', () => {
  it('refuses to start with a bad SUMO_OPS_REDIS_URL, naming it, without echoing the password', async () => {
    const child = spawn(process.execPath, [BIN], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        ...ENV(),
        SUMO_OPS_REDIS_URL: 'http://user:hunter2secret@127.0.0.1:6379',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(output).toContain('SUMO_OPS_REDIS_URL');
    expect(output).not.toContain('hunter2secret');
  });

  it('on SIGTERM hands its upgrade follow-up back, exits 0 within 10 s, and another replica finishes it in the thread', async () => {
    const bot = await startBuiltBin({ ...ENV(), SUMO_OPS_REDIS_URL: redis.url });
    const collector = upgradableCollectors(sim)[0];
    if (!collector) throw new Error('no upgradable collector');
    sim.org.setUpgradeOutcome(collector.id, 'succeed');

    const commandUrl = slack.responseUrl();
    await postSigned(
      bot.eventsUrl,
      SIGNING_SECRET,
      slashCommandBody({ text: `upgrade ${collector.id}`, responseUrl: commandUrl }),
    );
    const preview = await slack.waitFor(() => slack.responsesTo(commandUrl)[0]);
    const clickUrl = slack.responseUrl();
    await postSigned(
      bot.eventsUrl,
      SIGNING_SECRET,
      blockActionBody({
        actionId: 'sumo_confirm',
        value: confirmationId(preview),
        responseUrl: clickUrl,
        messageTs: THREAD_TS,
      }),
    );
    await slack.waitFor(() => slack.responsesTo(clickUrl).find((reply) => textOf(reply).includes('Done')));

    const signalled = Date.now();
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(bot.output()).toContain('handed back for another replica to finish');
    expect(bot.output()).toContain('"msg":"stopped"');
    expectNoSecrets(bot.output());

    const stores = createStores(loadStateConfig({ SUMO_OPS_REDIS_URL: redis.url }), { logger: silentLogger });
    expect(await (stores.backend as RedisBackend).ready()).toBe(true);
    const other = await Harness.start({
      slack,
      sim,
      bot: {
        stores,
        upgrades: { pollIntervalMs: 100, timeoutMs: 60_000, leaseMs: 600, sweepIntervalMs: 150 },
      },
    });
    try {
      await slack.waitFor(() =>
        other.bot.context.followUps.watching.some((record) => record.threadTs === THREAD_TS),
      );
      sim.clock.advance(4 * 60_000);
      const threadPosts = () =>
        slack.callsTo('chat.postMessage').filter((call) => call.args.thread_ts === THREAD_TS);
      const post = await slack.waitFor(() => threadPosts()[0]);
      expect(textOf(post.args)).toContain('succeeded');
      await slack.waitFor(() => other.bot.context.followUps.watching.length === 0);
      expect(threadPosts()).toHaveLength(1);
    } finally {
      await other.close();
      await stores.close();
    }
  });

  it('without Redis exits 0 on SIGINT too, shortly after being asked', async () => {
    const bot = await startBuiltBin(ENV());
    const responseUrl = slack.responseUrl();
    await postSigned(bot.eventsUrl, SIGNING_SECRET, slashCommandBody({ text: 'targets', responseUrl }));
    expect(textOf(await slack.waitFor(() => slack.responsesTo(responseUrl)[0]))).toContain('latest');
    const signalled = Date.now();
    bot.child.kill('SIGINT');
    expect(await bot.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(bot.output()).toContain('"signal":"SIGINT"');
  });

  it('deletes the job of a search still running when SIGTERM arrives, and exits 0 within 10 s', async () => {
    const corpusTo = Date.now();
    // Gathering this slowly, the search is still running when the bot is told to stop.
    const slowSim = await startSimulator({
      rateLimit: { perSecond: 500, concurrent: 20 },
      search: { corpusSize: 20_000, corpusTo, corpusFrom: corpusTo - 24 * 3_600_000, gatheringSpeed: 200 },
    });
    try {
      const bot = await startBuiltBin({ ...ENV(), SUMO_API_URL: slowSim.apiUrl });
      await postSigned(
        bot.eventsUrl,
        SIGNING_SECRET,
        slashCommandBody({
          text: 'search * from=-24h timeBudgetSeconds=120',
          channelId: 'CSEARCH',
          responseUrl: slack.responseUrl(),
        }),
      );
      await slack.waitFor(() => slowSim.search.activeJobCount() === 1);
      const signalled = Date.now();
      bot.child.kill('SIGTERM');
      expect(await bot.exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(10_000);
      expect(slowSim.search.activeJobCount()).toBe(0);
      expect(slowSim.counters.byRoute['DELETE /v1/search/jobs/:id']?.[200]).toBe(1);
      expect(bot.output()).toContain('"deleted":1');
    } finally {
      await slowSim.close();
    }
  });
});
