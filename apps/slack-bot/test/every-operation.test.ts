import { createCatalog, rolloutRunner } from '@sumo-ops/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseCommand } from '../src/parse-command.js';
import { expectMessagesWithinLimits, expectNoSecrets } from './support/checks.js';
import { confirmationId, Harness, textOf } from './support/harness.js';

const HOUR = 3_600_000;
const catalog = createCatalog();
const exercised = new Set<string>();

let h: Harness;
beforeAll(async () => {
  const corpusTo = Date.now();
  h = await Harness.start({
    simulator: {
      clockSpeed: 600,
      org: { collectors: 16 },
      search: { corpusSize: 5_000, corpusTo, corpusFrom: corpusTo - 24 * HOUR, startDelayMs: 0 },
    },
  });
});
afterAll(async () => {
  await rolloutRunner.shutdown();
  await h?.close();
});

function note(text: string): void {
  const parsed = parseCommand(text, catalog);
  if (parsed.kind !== 'invoke') throw new Error(`"${text}" does not parse: ${JSON.stringify(parsed)}`);
  exercised.add(parsed.operation.name);
}

/** A read command: the answer on the response_url (a diagnosis replaces its "running" note). */
async function read(text: string): Promise<string> {
  note(text);
  const { responseUrl } = await h.command(text);
  const reply = await h.slack.waitFor(() =>
    h.slack.responsesTo(responseUrl).find((answer) => !textOf(answer).includes('Diagnosing')),
  );
  const answer = textOf(reply);
  expect(answer, text).not.toContain(':x:');
  return answer;
}

/** A write or destructive command, confirmed: the outcome that replaced the buttons. */
async function confirmed(text: string): Promise<string> {
  note(text);
  const { reply } = await h.ask(text);
  const click = await h.click({ actionId: 'sumo_confirm', value: confirmationId(reply) });
  const outcome = await h.slack.waitFor(
    () => h.slack.responsesTo(click.responseUrl).find((r) => /Done|Failed/.test(textOf(r))),
    15_000,
  );
  expect(textOf(outcome), text).toContain('Done');
  return textOf(outcome);
}

function jobIdIn(text: string): string {
  const match = /\*jobId\*\\n([^"\\]+)/.exec(text);
  if (!match?.[1]) throw new Error(`no job id in ${text.slice(0, 300)}`);
  return match[1];
}

it('reaches every operation of the catalog from /sumo, end to end', async () => {
  const org = h.sim.org;
  const installed = () => org.collectors().filter((c) => c.alive && c.collectorType === 'Installable');

  expect(await read('collectors hosted')).toContain('Hosted');
  const first = org.collectors()[0];
  expect(await read(`collector ${first?.id}`)).toContain(String(first?.name));
  await read('offline 1');
  await read(`sources ${first?.id}`);
  await read('targets');
  await read('list-upgradable-collectors limit=3');
  // The fleet words people type; the kebab-case operation names are exercised further down.
  expect(await read('health')).toContain('Health events');
  // At 600× a search not polled within 50 ms of real time is cancelled (Sumo's 30 s), so the
  // diagnoses' data searches run on real time.
  h.sim.clock.setSpeed(1);
  expect(await read(`why ${first?.name}`)).toContain(`Diagnosis of ${first?.name}`);
  expect(await read('diagnose-collector collector=otel-staging-api-01')).toContain(
    'OtCollectorExporterFailing',
  );
  h.sim.clock.setSpeed(600);
  const [ot] = org.otCollectors.all().filter((collector) => collector.alive);
  if (!ot) throw new Error('the seeded org has no alive OT collector');
  expect(await read('list-ot-collectors alive')).toContain(ot.name);
  expect(await read(`get-ot-collector ${ot.name}`)).toContain(ot.id);

  await confirmed('create-hosted-collector name="ops hosted" category=ops/hosted');
  const hosted = org.collectorByName('ops hosted');
  expect(hosted).toBeDefined();
  await confirmed(`update-collector collector="ops hosted" changes={"description": "set from Slack"}`);
  expect(org.collectorByName('ops hosted')?.description).toBe('set from Slack');

  await confirmed(
    `create-source collector=${hosted?.id} source={"sourceType": "HTTP", "name": "slack http"}`,
  );
  const source = org.sources(hosted?.id ?? 0)?.find((s) => s.name === 'slack http');
  expect(source).toBeDefined();
  expect(await read(`get-source collector=${hosted?.id} sourceId=${source?.id}`)).toContain('slack http');
  await confirmed(
    `update-source collector=${hosted?.id} sourceId=${source?.id} changes={"category": "ops/http"}`,
  );
  expect(org.sources(hosted?.id ?? 0)?.find((s) => s.id === source?.id)?.category).toBe('ops/http');
  await confirmed(`delete-source collector=${hosted?.id} sourceId=${source?.id}`);
  expect(org.sources(hosted?.id ?? 0)?.some((s) => s.id === source?.id)).toBe(false);
  await confirmed(`delete-collector "ops hosted"`);
  expect(org.collectorByName('ops hosted')).toBeUndefined();

  const [one, two] = installed().filter((c) => c.collectorVersion !== org.latestVersion);
  if (!one || !two) throw new Error('the seeded org needs two upgradable collectors');
  org.setUpgradeOutcome(one.id, 'succeed');
  org.setUpgradeOutcome(two.id, 'succeed');
  const upgraded = await confirmed(`upgrade ${one.id}`);
  const taskId = /\*taskId\*\\n(\d+)/.exec(upgraded)?.[1];
  expect(taskId).toBeDefined();
  expect(await read(`upgrade-status ${taskId}`)).toContain(String(taskId));
  await confirmed(`upgrade-many ${two.id}`);
  const three = installed().find(
    (c) => c.alive && c.collectorVersion !== org.latestVersion && c.id !== one.id && c.id !== two.id,
  );
  if (!three) throw new Error('the seeded org needs a third upgradable collector');
  org.setUpgradeOutcome(three.id, 'succeed');
  // A day's soak: the rollout is still running when it is read and cancelled.
  await confirmed(`rollout ${three.id} soak=86400`);
  expect(await read('rollout-status')).toMatch(/ro-[0-9a-f]{12}/);
  await confirmed('rollout-cancel');
  note('rollback');
  expect(textOf((await h.ask('rollback')).reply)).toContain('nothing to roll back');
  await confirmed('delete-offline 1');

  expect(await read('list-ot-collectors alive=false')).toContain('otel-prod-db-01');
  expect(await read('get-ot-collector collector=otel-prod-web-01')).toContain('otel-prod-web-01');
  expect(await read('list-health-events severity=Error')).toContain('AwsS3AccessDenied');
  expect(await read('list-ingest-budgets status=Exceeded')).toContain('stopCollecting');
  await confirmed('delete-ot-collector collector=otel-dev-batch-01');
  expect(org.otCollectors.byName('otel-dev-batch-01')).toBeUndefined();
  await confirmed('delete-offline-ot-collectors');
  expect(org.otCollectors.all().every((c) => c.alive)).toBe(true);

  // The searches below are kept between commands: at 600× their 30 s keep-alive is 50 ms of real
  // time, which a busy machine misses between two polls (the job is then cancelled, as Sumo would).
  h.sim.clock.setSpeed(1);
  note('search error from=-24h');
  const { ack } = await h.command('search error from=-24h', { channelId: 'CEVERY' });
  expect(ack.status).toBe(200);
  await h.slack.waitFor(
    () => h.slack.callsTo('chat.postMessage').find((c) => c.args.channel === 'CEVERY' && c.args.thread_ts),
    20_000,
  );

  const started = await read('start-search query="* | count by _sourceCategory" from=-24h');
  const jobId = jobIdIn(started);
  expect(await read(`get-search-status jobId=${jobId} waitSeconds=5`)).toContain('DONE GATHERING RESULTS');
  await read(`get-search-records jobId=${jobId} limit=3`);
  await read(`get-search-messages jobId=${jobId} limit=3`);
  expect(await read(`cancel-search jobId=${jobId}`)).toContain('deleted');

  expect(
    catalog
      .list()
      .map((operation) => operation.name)
      .filter((name) => !exercised.has(name)),
  ).toEqual([]);
  expectMessagesWithinLimits(h.slack);
  expectNoSecrets(h.everythingSent());
  // Some thirty commands in a row, each a few round trips: generous when the machine is busy.
}, 60_000);
