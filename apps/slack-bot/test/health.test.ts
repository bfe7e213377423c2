import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectMessagesWithinLimits, expectNoSecrets } from './support/checks.js';
import { confirmationId, Harness, textOf } from './support/harness.js';

let h: Harness;
/** The hosted collector whose S3 source the seed gives an access-denied error. */
let s3Collector: { id: number; name: string };
let s3Source: string;

beforeAll(async () => {
  h = await Harness.start({ simulator: { search: { startDelayMs: 0 } } });
  const event = h.sim.org.healthEvents
    .unresolved()
    .find((candidate) => candidate.eventName === 'AwsS3AccessDenied');
  if (!event?.resourceIdentity.collectorName)
    throw new Error('the seeded org has no S3 access-denied source');
  const collector = h.sim.org.collectorByName(event.resourceIdentity.collectorName);
  if (!collector) throw new Error('the S3 source names no collector of the org');
  s3Collector = { id: collector.id, name: collector.name };
  s3Source = event.resourceIdentity.name;
});
afterAll(async () => h?.close());

const INTERIM = ':hourglass_flowing_sand: Diagnosing';

/** The answer that stays: a diagnosis first shows that it runs, then replaces that. */
async function finalReply(text: string): Promise<Record<string, unknown>> {
  const { ack, responseUrl } = await h.command(text);
  expect(ack.status).toBe(200);
  return h.slack.waitFor(() =>
    h.slack.responsesTo(responseUrl).find((reply) => !textOf(reply).includes(INTERIM)),
  );
}

/** The answer as a person reads it: the text of its blocks, with Slack's JSON escaping undone. */
async function answer(text: string): Promise<string> {
  const reply = await finalReply(text);
  return (reply.blocks as Array<{ text?: { text: string }; fields?: Array<{ text: string }> }>)
    .flatMap((block) => [
      block.text?.text ?? '',
      ...(block.fields ?? []).map((field) => field.text),
      ...((block as { elements?: Array<{ text?: string }> }).elements ?? []).map(
        (element) => element.text ?? '',
      ),
    ])
    .join('\n');
}

describe('/sumo health', () => {
  it('counts events by severity and groups them by name, errors first, a source event naming its collector', async () => {
    const events = h.sim.org.healthEvents.unresolved();
    const errors = events.filter((event) => event.severityLevel === 'Error').length;
    const warnings = events.filter((event) => event.severityLevel === 'Warning').length;
    expect(errors).toBeGreaterThan(0);
    expect(warnings).toBeGreaterThan(0);
    const text = await answer('health');
    expect(text).toContain(`${errors} errors · ${warnings} warning`);
    // Every event name appears once, as a group; the last error group comes before the first warning group.
    const names = [...new Set(events.map((event) => event.eventName))];
    for (const name of names) expect(text.split(`*${name}*`).length - 1).toBe(1);
    const lastError = Math.max(
      ...events.filter((e) => e.severityLevel === 'Error').map((e) => text.indexOf(`*${e.eventName}*`)),
    );
    const firstWarning = Math.min(
      ...events.filter((e) => e.severityLevel === 'Warning').map((e) => text.indexOf(`*${e.eventName}*`)),
    );
    expect(lastError).toBeLessThan(firstWarning);
    // The offline installed collectors are one group, counted.
    const offline = events.filter((event) => event.eventName === 'InstalledCollectorOffline');
    expect(text).toContain(`*InstalledCollectorOffline* · Error · ${offline.length} — Collector is offline`);
    expect(text).toContain(`source \`${s3Source}\` on collector \`${s3Collector.name}\``);
    expect(text).toContain(`\`/sumo why ${s3Collector.name}\``);
    expect(text).toContain('Access denied to Amazon S3 bucket');
  });

  it('with a collector named as typed, shows only its own events and its sources’', async () => {
    expect(s3Collector.name).toContain(' ');
    const text = await answer(`health ${s3Collector.name}`);
    expect(text).toContain(
      `*Health events* of \`${s3Collector.name}\` and its sources — 1 error · 0 warnings`,
    );
    expect(text).toContain('AwsS3AccessDenied');
    expect(text).not.toContain('InstalledCollectorOffline');
    expect(text).not.toContain('OtCollectorDataInactivity');
  });

  it('says when a collector has no unresolved event', async () => {
    const quiet = h.sim.org
      .collectors()
      .find((collector) => collector.alive && collector.name !== s3Collector.name);
    expect(await answer(`health ${quiet?.id}`)).toContain('none unresolved');
  });

  it('stays within Block Kit limits however many events there are', async () => {
    const collector = h.sim.org.collectors().find((candidate) => candidate.alive);
    const raised = Array.from({ length: 180 }, (_, index) =>
      h.sim.org.healthEvents.raise(
        { type: 'Collector', collectorId: collector?.id ?? 0 },
        {
          eventName: `Synthetic${index % 60}`,
          error: `Synthetic problem <!channel> number ${index} ${'x'.repeat(200)}`,
          description: 'Raised by the test to fill a message.',
          severityLevel: index % 2 === 0 ? 'Error' : 'Warning',
          subsystem: 'Collection',
        },
      ),
    );
    try {
      const { reply } = await h.ask('health limit=1000');
      expect(textOf(reply)).toContain('left out to fit a Slack message');
      expect(textOf(reply)).not.toContain('<!channel>');
      // The diagnosis of that collector holds them all too: it is shortened the same way.
      const diagnosis = textOf(await finalReply(`why ${collector?.id}`));
      expect(diagnosis).toContain('*Likely causes, most likely first*');
      expect(diagnosis).not.toContain('<!channel>');
    } finally {
      for (const eventId of raised) h.sim.org.healthEvents.resolve(eventId);
    }
  });
});

describe('/sumo why <collector>', () => {
  it('diagnoses a collector named as typed: liveness, events, budgets, data, ranked causes with next steps, calls spent', async () => {
    const text = await answer(`why ${s3Collector.name}`);
    expect(text).toContain(`Diagnosis of ${s3Collector.name}`);
    expect(text).toContain('*Liveness*\n:large_green_circle: alive — last heartbeat <!date^');
    expect(text).toContain('*Health events*\n1 error · 0 warnings');
    expect(text).toMatch(/\*Data, last 15m\*\n:(red|large_green)_circle: \d+ messages?/);
    expect(text).toContain('*Likely causes, most likely first*');
    expect(text).toContain('*1. AwsS3AccessDenied: Access denied to Amazon S3 bucket*');
    expect(text).toContain(':point_right: Give the IAM role or access key of source');
    expect(text).toContain('s3:GetObject');
    expect(text).toMatch(/Spent \d+ Sumo Logic API calls \(at most 12\)\./);
  });

  it('says at once that the diagnosis runs and what it costs, then replaces that with the answer', async () => {
    const { responseUrl } = await h.command(`why ${s3Collector.name}`);
    const [interim, final] = await h.slack.waitFor(() => {
      const replies = h.slack.responsesTo(responseUrl);
      return replies.length >= 2 ? replies : undefined;
    });
    expect(textOf(interim)).toContain(`${INTERIM} \`${s3Collector.name}\``);
    expect(textOf(interim)).toContain('at most 12 Sumo Logic API calls');
    expect(interim?.response_type).toBe('ephemeral');
    expect(final?.replace_original).toBe(true);
    expect(textOf(final)).toContain(`Diagnosis of ${s3Collector.name}`);
  });

  it('names an offline installed collector’s silence as a cause, with its last heartbeat and how to restart it', async () => {
    const collector = h.sim.org
      .collectors()
      .find((candidate) => candidate.alive && candidate.collectorType === 'Installable');
    if (!collector) throw new Error('no running installed collector');
    h.sim.org.setAlive(collector.id, false, Date.now() - 3 * 86_400_000);
    const text = await answer(`why ${collector.id}`);
    expect(text).toContain(`Installed collector \`${collector.name}\``);
    expect(text).toContain(':red_circle: offline — last heartbeat <!date^');
    expect(text).toMatch(/\*\d\. The collector is offline for 3 days\*/);
    expect(text).toContain('restart the collector service');
  });

  it('diagnoses an OpenTelemetry collector and says what the OT API cannot tell', async () => {
    const text = await answer('why otel-prod-db-01');
    expect(text).toContain('OpenTelemetry collector `otel-prod-db-01`');
    expect(text).toContain('offline (no heartbeat time known)');
    expect(text).toContain('restart the otelcol-sumo service');
    expect(text).toContain('The OT API reports alive or not but no last-heartbeat time.');
  });

  it('answers a collector nobody has in words', async () => {
    const text = textOf(await finalReply('why nobody has this one'));
    expect(text).toContain('No collector, installed, hosted or OT, is named');
    expect(text).toContain('failed');
  });
});

describe('OpenTelemetry collectors beside installed ones', () => {
  it('/sumo collectors lists the OT collectors too, with their kind and what the OT API cannot tell', async () => {
    const ot = h.sim.org.otCollectors.all();
    const text = await answer('collectors');
    expect(text).toContain(`*OpenTelemetry collectors*: ${ot.length}`);
    for (const collector of ot) expect(text).toMatch(new RegExp(`ot +${collector.name} `));
    expect(text).toContain('no last-heartbeat time');
    const dead = await answer('collectors dead');
    const offline = ot.filter((collector) => !collector.alive);
    expect(dead).toContain(`*OpenTelemetry collectors, offline*: ${offline.length}`);
    for (const collector of ot) expect(dead.includes(` ${collector.name} `)).toBe(!collector.alive);
    expect(await answer('collectors hosted')).not.toContain('OpenTelemetry');
  });

  it('/sumo collectors still answers when OT collectors cannot be read, and says why they are missing', async () => {
    h.sim.setFaults({ rate500: 1, routes: ['POST /v1/otCollectors'] });
    await h.forgetRecentReads();
    try {
      const text = await answer('collectors');
      expect(text).toContain('*List collectors*');
      expect(text).toContain('OT collectors could not be read (500');
      expect(text).toContain('installed and hosted collectors only');
    } finally {
      h.sim.setFaults({});
    }
  });

  it('/sumo offline counts offline OT collectors beside installed ones, marked with their kind', async () => {
    const offline = h.sim.org.otCollectors.all().filter((collector) => !collector.alive);
    const text = await answer('offline 1');
    expect(text).toMatch(/installed +\S/);
    expect(text).toContain(`*OpenTelemetry collectors offline*: ${offline.length}`);
    for (const collector of offline) expect(text).toMatch(new RegExp(`ot +${collector.name} `));
    expect(text).toContain('"offline for N days" applies to installed collectors only');
  });

  it('/sumo list-ot-collectors offline and get-ot-collector by a name', async () => {
    const offline = h.sim.org.otCollectors.all().filter((collector) => !collector.alive);
    const text = await answer('list-ot-collectors offline');
    expect(text).toContain(`*List OpenTelemetry collectors*: ${offline.length} of ${offline.length}`);
    const one = await answer('get-ot-collector OTEL-WIN-IIS-01');
    expect(one).toContain(h.sim.org.otCollectors.byName('OTEL-WIN-IIS-01')?.id);
  });
});

describe('names Slack would read as markup', () => {
  it('shows an OT collector named with a mention as text in every fleet answer, paging nobody', async () => {
    const loud = h.sim.org.otCollectors.add({
      name: '<!channel> otel <@U123>',
      version: 'v0.120.0-sumo-1',
      alive: false,
    });
    const raised = h.sim.org.healthEvents.raise(
      { type: 'OtCollector', id: loud.id },
      {
        eventName: 'OtCollectorExporterFailing',
        error: 'Failed to send data to <!here>',
        description: 'Raised by the test.',
        severityLevel: 'Error',
        subsystem: 'Collection',
      },
    );
    await h.forgetRecentReads();
    try {
      for (const text of ['collectors dead', 'offline 1', 'list-ot-collectors offline', 'health']) {
        const reply = textOf(await finalReply(text));
        expect(reply, text).toContain('&lt;!channel&gt; otel &lt;@U123&gt;');
        expect(reply, text).not.toMatch(/<!channel>|<!here>|<@U123>/);
      }
      const why = textOf(await finalReply(`why ${loud.id}`));
      expect(why).toContain('&lt;!channel&gt; otel &lt;@U123&gt;');
      expect(why).not.toMatch(/<!channel>|<!here>|<@U123>/);
    } finally {
      h.sim.org.healthEvents.resolve(raised);
      h.sim.org.otCollectors.delete(loud.id);
    }
  });
});

describe('deleting OT collectors from Slack', () => {
  it('deletes one OT collector by name after Confirm, exactly once', async () => {
    const target = h.sim.org.otCollectors.byName('otel-dev-batch-01');
    if (!target) throw new Error('seeded otel-dev-batch-01 is missing');
    const { reply } = await h.ask('delete-ot-collector otel-dev-batch-01');
    expect(textOf(reply)).toContain(`Delete OT collector \\"otel-dev-batch-01\\" (id ${target.id})`);
    expect(h.sim.org.otCollectors.byId(target.id)).toBeDefined();
    const pending = confirmationId(reply);
    const [first, second] = await Promise.all([
      h.click({ actionId: 'sumo_confirm', value: pending }),
      h.click({ actionId: 'sumo_confirm', value: pending }),
    ]);
    await h.slack.waitFor(() =>
      [first, second].some((click) =>
        h.slack.responsesTo(click.responseUrl).some((r) => textOf(r).includes('Done — confirmed by')),
      ),
    );
    expect(h.sim.org.otCollectors.byId(target.id)).toBeUndefined();
    expect(h.sim.counters.byRoute['DELETE /v1/otCollectors/:id']?.[204] ?? 0).toBeLessThanOrEqual(1);
    expect(
      Object.values(h.sim.counters.byRoute['DELETE /v1/otCollectors/:id'] ?? {}).reduce((a, b) => a + b, 0),
    ).toBe(1);
  });

  it('answers a changed offline set with a new preview to confirm, deleting nothing until then', async () => {
    const { reply } = await h.ask('delete-offline-ot-collectors');
    const before = h.sim.org.otCollectors.all().filter((collector) => !collector.alive);
    expect(before.length).toBeGreaterThan(0);
    const previewText = textOf(reply);
    expect(previewText).toContain(`Delete all ${before.length} offline OT collector(s).`);
    for (const collector of before) expect(previewText).toContain(collector.name);

    // Another collector goes offline between the preview and the click.
    const newlyOffline = h.sim.org.otCollectors.byName('OTEL-WIN-IIS-01');
    if (!newlyOffline) throw new Error('seeded OTEL-WIN-IIS-01 is missing');
    h.sim.org.otCollectors.setAlive(newlyOffline.id, false);
    const click = await h.click({ actionId: 'sumo_confirm', value: confirmationId(reply) });
    const fresh = await h.slack.waitFor(() =>
      h.slack.responsesTo(click.responseUrl).find((r) => textOf(r).includes('Nothing was done')),
    );
    expect(fresh.replace_original).toBe(true);
    const freshText = textOf(fresh);
    expect(freshText).toContain(`Delete all ${before.length + 1} offline OT collector(s).`);
    expect(freshText).toContain('OTEL-WIN-IIS-01');
    expect(freshText).toContain('confirm again to go ahead');
    expect(h.sim.counters.byRoute['DELETE /v1/otCollectors/offline']).toBeUndefined();
    expect(h.sim.org.otCollectors.byId(newlyOffline.id)).toBeDefined();
    expect(
      h.auditLines.some((line) => line.includes('"refused"') && line.includes('changed since the preview')),
    ).toBe(true);

    // The old button is used up; the new one deletes, once.
    const freshId = confirmationId(fresh);
    expect(freshId).not.toBe(confirmationId(reply));
    await h.click({ actionId: 'sumo_confirm', value: confirmationId(reply) });
    const done = await h.click({ actionId: 'sumo_confirm', value: freshId });
    await h.slack.waitFor(() =>
      h.slack.responsesTo(done.responseUrl).find((r) => textOf(r).includes('Done — confirmed by')),
    );
    expect(h.sim.counters.byRoute['DELETE /v1/otCollectors/offline']?.[204]).toBe(1);
    expect(h.sim.org.otCollectors.all().filter((collector) => !collector.alive)).toEqual([]);
    await h.click({ actionId: 'sumo_confirm', value: freshId });
    expect(Object.values(h.sim.counters.byRoute['DELETE /v1/otCollectors/offline'] ?? {})).toEqual([1]);
  });
});

describe('help', () => {
  it('lists the health words with their usage', async () => {
    const text = await answer('help');
    expect(text).toContain('/sumo health [collector] [key=value…]');
    expect(text).toContain('/sumo why &lt;collector&gt; [key=value…]');
    expect(text).toContain('/sumo list-ot-collectors [alive|offline]');
    expect(text).toContain('/sumo delete-offline-ot-collectors [key=value…] ⚠');
    expect(text).toContain('/sumo list-ingest-budgets');
  });
});

it('kept every message within Block Kit limits and every secret out', () => {
  expectMessagesWithinLimits(h.slack);
  expectNoSecrets(h.everythingSent());
});
