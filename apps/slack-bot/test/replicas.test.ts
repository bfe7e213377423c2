import {
  allOperations,
  createCatalog,
  createRolloutOperations,
  createStores,
  loadStateConfig,
  type RedisBackend,
  RolloutRunner,
  type Stores,
  silentLogger,
  sleep,
} from '@sumo-ops/core';
import type { LocalRedis, Simulator } from '@sumo-ops/simulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fastRollouts, tasksPerCollector } from '../../../test/support/rollouts.js';
import { expectNoSecrets } from './support/checks.js';
import type { FakeSlack } from './support/fake-slack.js';
import { confirmationId, Harness, textOf } from './support/harness.js';
import { type SharedWorld, startSharedWorld, upgradableCollectors } from './support/shared-world.js';
import { TcpProxy } from './support/tcp-proxy.js';

const DELETE_ROUTE = 'DELETE /v1/collectors/:id';
/** Short leases and frequent sweeps, so a lost watcher is noticed within a second. */
const UPGRADES = { pollIntervalMs: 100, timeoutMs: 60_000, leaseMs: 600, sweepIntervalMs: 150 };

let redis: LocalRedis;
let slack: FakeSlack;
let sim: Simulator;
let world: SharedWorld;

beforeAll(async () => {
  world = await startSharedWorld();
  ({ redis, slack, sim } = world);
});
afterAll(async () => world?.close());

interface Replica {
  h: Harness;
  stores: Stores;
  /** This replica's own rollout driver, as each bot process has. */
  rollouts: RolloutRunner;
  close(): Promise<void>;
}
const running = new Set<Replica>();
afterEach(async () => {
  await Promise.all([...running].map((replica) => replica.close()));
});

/** One bot replica (the real Bolt app on its own port) sharing Redis, Slack and Sumo with the others. */
async function replica(redisUrl = redis.url): Promise<Replica> {
  // The product's command deadline: a shorter one turned a loaded machine's stall into an outage.
  const stores = createStores(loadStateConfig({ SUMO_OPS_REDIS_URL: redisUrl }), { logger: silentLogger });
  expect(await (stores.backend as RedisBackend).ready()).toBe(true);
  // Soaks wait on the simulated clock, which the tests move; the clock is looked at every 20 ms.
  const rollouts = new RolloutRunner({
    ...fastRollouts(sim),
    clock: { now: () => sim.clock.now(), sleep: (ms, signal) => sleep(Math.min(ms, 20), signal) },
  });
  const rolloutOperations = createRolloutOperations({ runner: rollouts });
  const replaced = new Set(rolloutOperations.map((operation) => operation.name));
  const catalog = createCatalog([
    ...allOperations.filter((operation) => !replaced.has(operation.name)),
    ...rolloutOperations,
  ]);
  const h = await Harness.start({ slack, sim, catalog, bot: { stores, upgrades: UPGRADES } });
  rollouts.useBackend(stores.backend, { clients: [h.sumo], logger: silentLogger, resume: true });
  let closing: Promise<void> | undefined;
  const replica: Replica = {
    h,
    stores,
    rollouts,
    close() {
      closing ??= (async () => {
        await h.close();
        await rollouts.shutdown();
        await stores.close();
        running.delete(replica);
      })();
      return closing;
    },
  };
  running.add(replica);
  return replica;
}

function deletes(): number {
  return sim.counters.byRoute[DELETE_ROUTE]?.[200] ?? 0;
}

let spares = 0;
function spareCollector() {
  spares += 1;
  return sim.org.createHostedCollector({
    collector: { collectorType: 'Hosted', name: `replica spare ${spares}` },
  }).collector;
}

async function confirmationOn(r: Replica, text: string) {
  const { reply } = await r.h.ask(text);
  expect(reply.response_type).toBe('in_channel');
  return confirmationId(reply);
}

async function confirmClick(r: Replica, id: string, messageTs?: string) {
  return r.h.click({ actionId: 'sumo_confirm', value: id, ...(messageTs ? { messageTs } : {}) });
}

function doneOn(responseUrl: string) {
  return slack.waitFor(() => slack.responsesTo(responseUrl).find((reply) => textOf(reply).includes('Done')));
}

function succeededAudits(replicas: Replica[], collectorId: number) {
  return replicas
    .flatMap((r) => r.h.auditLines.map((line) => JSON.parse(line) as Record<string, unknown>))
    .filter(
      (line) =>
        line.outcome === 'succeeded' && (line.input as { collector?: number }).collector === collectorId,
    );
}

/** Waits until `replica` has logged `message` (`count` times), proof that a click was processed. */
function logged(r: Replica, message: string, count = 1) {
  return slack.waitFor(() => r.h.logLines.filter((line) => line.includes(message)).length >= count);
}

describe('two bot replicas sharing one Redis', () => {
  it("answer a list on B from A's answer of moments before, and read afresh after a change confirmed on B", async () => {
    const a = await replica();
    const b = await replica();
    const spare = spareCollector();
    const lists = () =>
      Object.values(sim.counters.byRoute['GET /v1/collectors'] ?? {}).reduce((x, y) => x + y, 0);
    const before = lists();
    expect(textOf((await a.h.ask('collectors hosted')).reply)).toContain(spare.name);
    const onB = textOf((await b.h.ask('collectors hosted')).reply);
    expect(onB).toContain(spare.name);
    expect(onB).toContain('the answer to an identical request moments before');
    expect(lists()).toBe(before + 1);

    const id = await confirmationOn(b, `delete-collector ${spare.id}`);
    await doneOn((await confirmClick(b, id)).responseUrl);
    const afterOnA = textOf((await a.h.ask('collectors hosted')).reply);
    expect(afterOnA).not.toContain(spare.name);
    expect(afterOnA).not.toContain('identical request');
    expect(lists()).toBe(before + 2);
  });

  it('run a command acknowledged by replica A and confirmed on replica B once; the click replayed to A is ignored', async () => {
    const a = await replica();
    const b = await replica();
    const collector = spareCollector();
    const id = await confirmationOn(a, `delete-collector ${collector.id}`);
    const before = deletes();

    const click = await confirmClick(b, id);
    await doneOn(click.responseUrl);
    expect(deletes()).toBe(before + 1);
    expect(sim.org.collectorById(collector.id)).toBeUndefined();

    const replayOnA = await confirmClick(a, id);
    const replayOnB = await confirmClick(b, id);
    expect(replayOnA.ack.status).toBe(200);
    await logged(a, 'ignored a repeated confirmation click');
    await logged(b, 'ignored a repeated confirmation click');
    expect(deletes()).toBe(before + 1);
    expect(slack.responsesTo(replayOnA.responseUrl)).toEqual([]);
    expect(slack.responsesTo(replayOnB.responseUrl)).toEqual([]);
    expect(succeededAudits([a, b], collector.id)).toHaveLength(1);
  });

  it('run once when the same click reaches both replicas at the same moment', async () => {
    const a = await replica();
    const b = await replica();
    const collector = spareCollector();
    const id = await confirmationOn(a, `delete-collector ${collector.id}`);
    const before = deletes();
    const clicks = await Promise.all([
      confirmClick(a, id),
      confirmClick(b, id),
      confirmClick(a, id),
      confirmClick(b, id),
    ]);
    await slack.waitFor(() =>
      clicks.some((click) =>
        slack.responsesTo(click.responseUrl).some((reply) => textOf(reply).includes('Done')),
      ),
    );
    await slack.waitFor(
      () =>
        [a, b]
          .flatMap((r) => r.h.logLines)
          .filter((line) => line.includes('ignored a repeated confirmation click')).length === 3,
    );
    expect(deletes()).toBe(before + 1);
    expect(clicks.filter((click) => slack.responsesTo(click.responseUrl).length > 0)).toHaveLength(1);
    expect(succeededAudits([a, b], collector.id)).toHaveLength(1);
  });

  it('refuse a click by someone else on the other replica without using the confirmation up', async () => {
    const a = await replica();
    const b = await replica();
    const collector = spareCollector();
    const id = await confirmationOn(a, `delete-collector ${collector.id}`);
    const other = await b.h.click({ actionId: 'sumo_confirm', value: id, userId: 'UOTHER' });
    const refusal = await slack.waitFor(() => slack.responsesTo(other.responseUrl)[0]);
    expect(textOf(refusal)).toContain('Only <@UADMIN>');
    expect(sim.org.collectorById(collector.id)).toBeDefined();
    await doneOn((await confirmClick(b, id)).responseUrl);
    expect(sim.org.collectorById(collector.id)).toBeUndefined();
  });

  it('let a confirmation shown before a restart be confirmed after it, once', async () => {
    const before = await replica();
    const collector = spareCollector();
    const id = await confirmationOn(before, `delete-collector ${collector.id}`);
    await before.close();

    const after = await replica();
    const deleted = deletes();
    await doneOn((await confirmClick(after, id)).responseUrl);
    expect(deletes()).toBe(deleted + 1);
    await confirmClick(after, id);
    await logged(after, 'ignored a repeated confirmation click');
    expect(deletes()).toBe(deleted + 1);
  });

  it('finish an upgrade follow-up in the thread from the other replica when the watching one stops, exactly once', async () => {
    const a = await replica();
    const b = await replica();
    const collector = upgradableCollectors(sim)[0];
    if (!collector) throw new Error('no upgradable collector');
    sim.org.setUpgradeOutcome(collector.id, 'succeed');
    const threadTs = '1700000000.777777';
    const threadPosts = () =>
      slack.callsTo('chat.postMessage').filter((call) => call.args.thread_ts === threadTs);

    const id = await confirmationOn(a, `upgrade ${collector.id}`);
    await doneOn((await confirmClick(a, id, threadTs)).responseUrl);
    await slack.waitFor(() => a.h.bot.context.followUps.watching.length === 1);
    expect(b.h.bot.context.followUps.watching).toEqual([]);

    await a.close();
    expect(a.h.logLines.join('\n')).toContain('handed back for another replica to finish');
    await slack.waitFor(() =>
      b.h.bot.context.followUps.watching.some((record) => record.threadTs === threadTs),
    );
    expect(threadPosts()).toEqual([]);

    sim.clock.advance(4 * 60_000);
    const post = await slack.waitFor(() => threadPosts()[0]);
    expect(textOf(post.args)).toContain('succeeded');
    expect(textOf(post.args)).toContain(collector.name);
    await slack.waitFor(() => b.h.bot.context.followUps.watching.length === 0);
    // Give any other watcher time to have posted too, had the handover been wrong.
    await new Promise((resolve) => setTimeout(resolve, UPGRADES.sweepIntervalMs * 3));
    expect(threadPosts()).toHaveLength(1);
    expectNoSecrets(b.h.everythingSent());
  });
  it('post a follow-up once when its watcher is cut off from Redis: the other replica takes over, the cut-off one stays quiet', async () => {
    const proxy = await new TcpProxy(redis.port).start();
    try {
      const a = await replica(proxy.url);
      const b = await replica();
      const collector = upgradableCollectors(sim)[0];
      if (!collector) throw new Error('no upgradable collector');
      sim.org.setUpgradeOutcome(collector.id, 'succeed');
      const threadTs = '1700000000.787878';
      const threadPosts = () =>
        slack.callsTo('chat.postMessage').filter((call) => call.args.thread_ts === threadTs);

      const id = await confirmationOn(a, `upgrade ${collector.id}`);
      await doneOn((await confirmClick(a, id, threadTs)).responseUrl);
      await slack.waitFor(() => a.h.bot.context.followUps.watching.length === 1);

      // A keeps watching but can no longer renew its lease: to the others it looks crashed.
      await proxy.cut();
      await slack.waitFor(() =>
        b.h.bot.context.followUps.watching.some((record) => record.threadTs === threadTs),
      );
      sim.clock.advance(4 * 60_000);
      const post = await slack.waitFor(() => threadPosts()[0]);
      expect(textOf(post.args)).toContain('succeeded');

      await proxy.start();
      await slack.waitFor(() => a.h.bot.context.followUps.watching.length === 0);
      expect(threadPosts()).toHaveLength(1);
    } finally {
      await Promise.all([...running].map((r) => r.close()));
      await proxy.cut();
    }
  });
});

describe("a rollout's thread", () => {
  it('is carried on by the other replica when the one that took the click stops, and by a restarted one, each step posted once', async () => {
    const a = await replica();
    const b = await replica();
    // Two, between the first and the last, which the upgrade tests here take.
    const ids = upgradableCollectors(sim)
      .slice(1, 3)
      .map((collector) => collector.id);
    expect(ids).toHaveLength(2);
    for (const id of ids) sim.org.setUpgradeOutcome(id, 'succeed');
    const threadTs = '1700000000.717171';
    const threadPosts = () =>
      slack
        .callsTo('chat.postMessage')
        .filter((call) => call.args.thread_ts === threadTs)
        .map((call) => textOf(call.args));
    const rollout = async (r: Replica) => {
      const record = await r.rollouts.get(r.h.sumo, rolloutId);
      return `${record?.state}:${record?.currentWave}:${record?.waves[record.currentWave]?.phase}`;
    };
    const reaches = async (r: Replica, at: string) => {
      for (let tries = 0; (await rollout(r)) !== at; tries += 1) {
        if (tries > 500) throw new Error(`the rollout never reached ${at}: ${await rollout(r)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    /** The running wave's upgrade tasks end (simulated minutes), then its day-long soak begins. */
    const upgradesEnd = async (r: Replica, wave: number) => {
      sim.clock.advance(4 * 60_000);
      await reaches(r, `running:${wave}:soaking`);
    };

    // The shared simulator searches no logs of the org: the data gate is left out.
    const id = await confirmationOn(a, `rollout ${ids.join(' ')} waves=1,100% soak=86400 checkData=false`);
    await doneOn((await confirmClick(a, id, threadTs)).responseUrl);
    const first = await slack.waitFor(() => threadPosts()[0]);
    const rolloutId = /ro-[0-9a-f]{12}/.exec(first)?.[0] as string;
    expect(first).toContain('wave 1 of 2');
    await slack.waitFor(() => a.h.bot.context.rolloutThreads.watching.length === 1);
    expect(b.h.bot.context.rolloutThreads.watching).toEqual([]);
    await upgradesEnd(a, 0);

    // The replica that took the click stops mid-soak, handing the thread and the rollout back.
    await a.close();
    expect(a.h.logLines.join('\n')).toContain('rollout threads handed back for another replica to finish');
    await slack.waitFor(() =>
      b.h.bot.context.rolloutThreads.watching.some((record) => record.threadTs === threadTs),
    );
    sim.clock.advance(86_400_000);
    const second = await slack.waitFor(() => threadPosts()[1]);
    expect(second).toContain('wave 1 passed its gates; wave 2 of 2 started');

    // B restarts once the wave's upgrades are asked for: the new process carries the thread on
    // from the step B posted.
    await reaches(b, 'running:1:upgrading');
    await b.close();
    const c = await replica();
    await slack.waitFor(() =>
      c.h.bot.context.rolloutThreads.watching.some((record) => record.threadTs === threadTs),
    );
    await upgradesEnd(c, 1);
    sim.clock.advance(86_400_000);
    const last = await slack.waitFor(() => threadPosts()[2]);
    expect(last).toContain(`Rollout \`${rolloutId}\` done`);
    await slack.waitFor(() => c.h.bot.context.rolloutThreads.watching.length === 0);
    // Give any other watcher time to have posted too, had a handover been wrong.
    await new Promise((resolve) => setTimeout(resolve, UPGRADES.leaseMs + UPGRADES.sweepIntervalMs * 3));
    expect(threadPosts()).toHaveLength(3);
    for (const id of ids) expect(tasksPerCollector(sim).get(id)).toBe(1);
    expectNoSecrets(c.h.everythingSent());
  });
});

describe('an upgrade follow-up whose Redis write was applied but never answered', () => {
  /** A RESP request naming this command and this key (as node-redis writes it). */
  const request = (command: string, key: string) => (wire: string) =>
    wire.includes(`\r\n${command}\r\n`) && wire.includes(key);

  async function upgradeFollowedOn(a: Replica, threadTs: string) {
    const collector = upgradableCollectors(sim).find(
      (c) => !sim.org.upgradeTasks().some((task) => task.collectorId === c.id),
    );
    if (!collector) throw new Error('no upgradable collector left');
    sim.org.setUpgradeOutcome(collector.id, 'succeed');
    const id = await confirmationOn(a, `upgrade ${collector.id}`);
    await doneOn((await confirmClick(a, id, threadTs)).responseUrl);
    return collector;
  }

  async function expectOnePost(replicas: Replica[], threadTs: string) {
    const threadPosts = () =>
      slack.callsTo('chat.postMessage').filter((call) => call.args.thread_ts === threadTs);
    // The upgrade finishes; every replica that watches it must be done before counting.
    sim.clock.advance(4 * 60_000);
    const post = await slack.waitFor(() => threadPosts()[0], 15_000);
    expect(textOf(post.args)).toContain('succeeded');
    await slack.waitFor(() => replicas.every((r) => r.h.bot.context.followUps.watching.length === 0), 15_000);
    await new Promise((resolve) => setTimeout(resolve, UPGRADES.sweepIntervalMs * 4));
    expect(threadPosts()).toHaveLength(1);
  }

  it('is posted once when the answer to listing it is lost: the watcher still counts it as shared', async () => {
    const proxy = await new TcpProxy(redis.port).start();
    try {
      const a = await replica(proxy.url);
      const b = await replica();
      const threadTs = '1700000000.919191';
      const lost = proxy.loseAnswerTo(request('ZADD', 'slack:follow-ups'));
      await upgradeFollowedOn(a, threadTs);
      await lost;
      await slack.waitFor(() =>
        a.h.logLines.some((line) => line.includes('did not answer whether it was listed')),
      );
      // A's write is in Redis, so B's sweeps can see the follow-up; let them look for a while.
      await slack.waitFor(() => a.stores.backend.available, 15_000);
      await new Promise((resolve) => setTimeout(resolve, UPGRADES.leaseMs + UPGRADES.sweepIntervalMs * 4));
      await expectOnePost([a, b], threadTs);
    } finally {
      await Promise.all([...running].map((r) => r.close()));
      await proxy.cut();
    }
  });

  it('is posted once, not never, when the answer to claiming the post is lost', async () => {
    const proxy = await new TcpProxy(redis.port).start();
    try {
      const a = await replica(proxy.url);
      const b = await replica();
      const threadTs = '1700000000.929292';
      await upgradeFollowedOn(a, threadTs);
      await slack.waitFor(() => a.h.bot.context.followUps.watching.length === 1);
      const lost = proxy.loseAnswerTo(request('SET', 'slack:follow-up-posted:'));
      await expectOnePost([a, b], threadTs);
      await lost;
    } finally {
      await Promise.all([...running].map((r) => r.close()));
      await proxy.cut();
    }
  });
});

describe('Redis unreachable', () => {
  it('refuses a Confirm click with a clear message and changes nothing; once Redis is back the same click works, once', async () => {
    const proxy = await new TcpProxy(redis.port).start();
    const r = await replica(proxy.url);
    try {
      const collector = spareCollector();
      const id = await confirmationOn(r, `delete-collector ${collector.id}`);
      const before = deletes();

      await proxy.cut();
      const refused = await confirmClick(r, id);
      const reply = await slack.waitFor(() => slack.responsesTo(refused.responseUrl)[0]);
      expect(reply).toMatchObject({ response_type: 'ephemeral', replace_original: false });
      expect(textOf(reply)).toContain('Nothing was changed');
      expect(textOf(reply)).toContain('SUMO_OPS_REDIS_URL');
      expect(sim.org.collectorById(collector.id)).toBeDefined();
      expect(deletes()).toBe(before);

      const other = spareCollector();
      const { reply: preview } = await r.h.ask(`delete-collector ${other.id}`);
      expect(preview.response_type).toBe('ephemeral');
      expect(textOf(preview)).toContain('Confirmations are unavailable right now');
      expect(textOf(preview)).toContain(other.name);
      expect(textOf(preview)).not.toContain('sumo_confirm');

      await proxy.start();
      await slack.waitFor(() => r.stores.backend.available);
      await doneOn((await confirmClick(r, id)).responseUrl);
      expect(deletes()).toBe(before + 1);
      await confirmClick(r, id);
      await logged(r, 'ignored a repeated confirmation click');
      expect(deletes()).toBe(before + 1);
      expectNoSecrets(r.h.everythingSent());
    } finally {
      await r.close();
      await proxy.cut();
    }
  });

  it('runs nothing when Redis was restarted without its data: the click is refused while it is down, unknown after', async () => {
    const r = await replica();
    const collector = spareCollector();
    const id = await confirmationOn(r, `delete-collector ${collector.id}`);
    const before = deletes();
    await redis.stop();
    try {
      const refused = await confirmClick(r, id);
      expect(textOf(await slack.waitFor(() => slack.responsesTo(refused.responseUrl)[0]))).toContain(
        'Nothing was changed',
      );
    } finally {
      await redis.start();
    }
    await slack.waitFor(() => r.stores.backend.available);
    const late = await confirmClick(r, id);
    expect(textOf(await slack.waitFor(() => slack.responsesTo(late.responseUrl)[0]))).toContain('not known');
    expect(deletes()).toBe(before);
    expect(sim.org.collectorById(collector.id)).toBeDefined();
  });
});

describe('one bot without Redis', () => {
  it('says in the log which upgrade follow-ups it abandons when it stops', async () => {
    const h = await Harness.start({ slack, sim, bot: { upgrades: UPGRADES } });
    try {
      // The last upgradable one: the replica test above upgrades the first.
      const collector = upgradableCollectors(sim).at(-1);
      if (!collector) throw new Error('no upgradable collector');
      sim.org.setUpgradeOutcome(collector.id, 'succeed');
      const { reply } = await h.ask(`upgrade ${collector.id}`);
      await h.click({
        actionId: 'sumo_confirm',
        value: confirmationId(reply),
        messageTs: '1700000000.888888',
      });
      await slack.waitFor(() => h.bot.context.followUps.watching[0]);
      const [watched] = h.bot.context.followUps.watching;
      await h.bot.stop();
      const abandoned = h.logLines.find((line) => line.includes('follow-ups abandoned at shutdown'));
      expect(abandoned).toContain(watched?.taskId);
      expect(abandoned).toContain('1700000000.888888');
    } finally {
      await h.sumo.close();
    }
  });
});
