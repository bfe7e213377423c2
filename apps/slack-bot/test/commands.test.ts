import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectMessagesWithinLimits, expectNoSecrets } from './support/checks.js';
import { Harness, textOf } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start();
});
afterAll(async () => h?.close());

describe('/sumo read commands over signed HTTP', () => {
  it('acknowledges at once with an empty 200 and answers help on the response_url', async () => {
    const { reply, ack } = await h.ask('help');
    expect(ack.status).toBe(200);
    expect(ack.body).toBe('');
    expect(reply.response_type).toBe('ephemeral');
    const text = textOf(reply);
    for (const word of [
      'collectors [alive|dead|installed|hosted]',
      'upgrade-many',
      'delete-offline',
      'search',
      'Example:',
    ]) {
      expect(text).toContain(word);
    }
  });

  it('acknowledges before the work: a slow Sumo delays the answer, never the ack', async () => {
    h.sim.setFaults({ latencyMs: 1_500 });
    try {
      const answeredBySumo = h.sim.counters.total;
      const { ack, responseUrl } = await h.command('targets');
      expect(ack.status).toBe(200);
      // Acknowledged while Sumo had not answered, and nothing was posted before the ack.
      expect(h.sim.counters.total).toBe(answeredBySumo);
      expect(h.slack.responsesTo(responseUrl)).toEqual([]);
      await h.slack.waitFor(() => h.slack.responsesTo(responseUrl)[0]);
      expect(h.sim.counters.total).toBeGreaterThan(answeredBySumo);
    } finally {
      h.sim.setFaults({});
    }
  });

  it('answers a usage error with what is wrong, the grammar of the subcommand and an example', async () => {
    const { reply } = await h.ask('collector');
    const text = textOf(reply);
    expect(text).toContain('is missing');
    expect(text).toContain('/sumo collector &lt;id|name&gt;');
    expect(text).toContain('Example:');
    expect(text).toContain('/sumo collector web prod 01');
  });

  it('answers an unknown subcommand with the whole grammar', async () => {
    const text = textOf((await h.ask('frobnicate')).reply);
    expect(text).toContain('no subcommand `frobnicate`');
    expect(text).toContain('/sumo upgrade-status &lt;task&gt;');
  });

  it('lists collectors with a filter as a table, with the paging state', async () => {
    const dead = h.sim.org.collectors().filter((collector) => !collector.alive);
    const { reply } = await h.ask('collectors dead');
    const text = textOf(reply);
    expect(text).toContain('List collectors');
    for (const collector of dead) expect(text).toContain(collector.name);
    expect(text).toContain(`1–${dead.length}`);
  });

  it('answers the same question asked again at once from the first answer, saying how old it is', async () => {
    const lists = () =>
      Object.values(h.sim.counters.byRoute['GET /v1/collectors'] ?? {}).reduce((a, b) => a + b, 0);
    const first = textOf((await h.ask('collectors hosted')).reply);
    const before = lists();
    const again = textOf((await h.ask('collectors hosted')).reply);
    expect(lists()).toBe(before);
    expect(again).toContain('the answer to an identical request moments before');
    expect(first).not.toContain('identical request');
  });

  it('shows one collector by a quoted name and its sources by id', async () => {
    const collector = h.sim.org
      .collectors()
      .find((candidate) => (h.sim.org.sources(candidate.id)?.length ?? 0) > 0);
    if (!collector) throw new Error('the seeded org has no collector with sources');
    expect(textOf((await h.ask(`collector "${collector.name}"`)).reply)).toContain(String(collector.id));
    const sources = h.sim.org.sources(collector.id) ?? [];
    const text = textOf((await h.ask(`sources ${collector.id}`)).reply);
    for (const source of sources.slice(0, 5)) expect(text).toContain(source.name);
  });

  it('lists offline collectors, upgrade targets and upgradable collectors', async () => {
    expect(textOf((await h.ask('offline 1')).reply)).toContain('List offline');
    const targets = textOf((await h.ask('targets')).reply);
    expect(targets).toContain(h.sim.org.latestVersion);
    expect(textOf((await h.ask('list-upgradable-collectors')).reply)).toContain('upgraded');
  });

  it('answers a Sumo error (unknown collector) in words, without a stack', async () => {
    const text = textOf((await h.ask('collector 999999999')).reply);
    expect(text).toMatch(/failed/);
    expect(text).not.toMatch(/at .*\.ts:\d+/);
  });

  it('kept every message within Block Kit limits and every secret out of replies and logs', () => {
    expectMessagesWithinLimits(h.slack);
    expectNoSecrets(h.everythingSent());
  });
});

describe('the HTTP receiver', () => {
  it('serves /healthz', async () => {
    const response = await fetch(`${h.baseUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('rejects a request signed with another secret, and never answers it', async () => {
    const { ack, responseUrl } = await h.command('help', {}, { secret: 'not-the-signing-secret' });
    expect(ack.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.slack.responsesTo(responseUrl)).toEqual([]);
  });

  it('rejects a correctly signed request with a timestamp older than five minutes (a replay)', async () => {
    const { ack, responseUrl } = await h.command(
      'help',
      {},
      { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 },
    );
    expect(ack.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.slack.responsesTo(responseUrl)).toEqual([]);
  });
});
