import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SimulatedSumo, startSimulatedSumo } from '../../../test/support/simulated-sumo.js';
import {
  OperationError,
  OperationInputError,
  PreviewChangedError,
  sameResourceId,
  toHexId,
} from '../src/index.js';
import { caught } from './helpers.js';
import { callsTo, catalogOn, collectorWhere } from './support/catalog.js';

let sumo: SimulatedSumo;

beforeEach(async () => {
  sumo = await startSimulatedSumo({ org: { collectors: 40 }, conformance: true });
});
afterEach(async () => {
  // Every request the client sent on the OpenAPI document's paths, and every answer, kept to Sumo's document.
  expect(sumo.sim.conformance.exchanges.length).toBeGreaterThan(0);
  expect(sumo.sim.conformance.violations()).toEqual([]);
  await sumo.close();
});

const ot = () => sumo.sim.org.otCollectors;

describe('OpenTelemetry collectors', () => {
  it('list_ot_collectors filters by liveness, tags, version and text, and pages by the next token', async () => {
    const { run } = catalogOn(sumo);
    const offline = ot()
      .all()
      .filter((collector) => collector.alive === false);
    const dead = await run('list_ot_collectors', { alive: false });
    expect(dead.items.map((item: { id: string }) => item.id).sort()).toEqual(offline.map((c) => c.id).sort());
    expect(dead.items.every((item: { kind: string }) => item.kind === 'ot')).toBe(true);

    const web = await run('list_ot_collectors', { tags: { team: 'web' }, minVersion: 'v0.120.0' });
    expect(web.items.map((item: { name: string }) => item.name).sort()).toEqual([
      'otel-prod-web-01',
      'otel-prod-web-02',
    ]);
    const found = await run('list_ot_collectors', { search: 'staging' });
    expect(found.items.map((item: { name: string }) => item.name)).toEqual(['otel-staging-api-01']);

    const seen: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const page = await run('list_ot_collectors', { limit: 2, sortBy: 'name', ...(next ? { next } : {}) });
      seen.push(...page.items.map((item: { id: string }) => item.id));
      expect(page.total).toBe(ot().count());
      next = page.next ?? undefined;
      pages += 1;
    } while (next);
    expect(seen.sort()).toEqual(
      ot()
        .all()
        .map((c) => c.id)
        .sort(),
    );
    expect(pages).toBe(Math.ceil(ot().count() / 2));
  });

  it('get_ot_collector reads one by id or exact name, and refuses a name it cannot look up before any call', async () => {
    const { run, catalog } = catalogOn(sumo);
    const web = ot().byName('otel-prod-web-01');
    if (!web) throw new Error('seeded OT collector missing');
    expect((await run('get_ot_collector', { collector: web.id })).name).toBe(web.name);
    const byName = await run('get_ot_collector', { collector: 'otel-prod-web-01' });
    expect(byName).toMatchObject({ id: web.id, kind: 'ot', alive: true, remotelyManaged: true });

    const before = sumo.sim.counters.total;
    const refused = await caught(
      Promise.resolve().then(() => catalog.parseInput('get_ot_collector', { collector: 'a,b' })),
    );
    expect(refused).toBeInstanceOf(OperationInputError);
    expect((refused as OperationInputError).problems[0]?.field).toBe('collector');
    expect(sumo.sim.counters.total).toBe(before);

    const missing = await caught(run('get_ot_collector', { collector: 'no-such-otel' }));
    expect(missing).toBeInstanceOf(OperationError);
    expect((missing as OperationError).code).toBe('not.found');
  });

  it('delete_ot_collector previews, then deletes only that one', async () => {
    const { run, preview } = catalogOn(sumo);
    const target = ot().byName('otel-dev-batch-01');
    if (!target) throw new Error('seeded OT collector missing');
    const shown = await preview('delete_ot_collector', { collector: target.name });
    expect(shown.willChange).toBe(true);
    expect(shown.summary).toContain(target.id);
    const count = ot().count();
    expect((await run('delete_ot_collector', { collector: target.id })).deleted.id).toBe(target.id);
    expect(ot().byId(target.id)).toBeUndefined();
    expect(ot().count()).toBe(count - 1);
  });
});

describe('deleting every offline OT collector', () => {
  it('previews every offline one with the exact count, and deletes them when the set is as previewed', async () => {
    const { catalog, ctx } = catalogOn(sumo);
    const offline = ot()
      .all()
      .filter((collector) => !collector.alive);
    const preview = await catalog.preview('delete_offline_ot_collectors', ctx, {});
    expect(preview.details).toMatchObject({ count: offline.length, notListed: 0 });
    expect(preview.stateDigest).toBeTruthy();
    const result = await catalog.run(
      'delete_offline_ot_collectors',
      ctx,
      {},
      { confirmed: true, confirmedPreview: preview },
    );
    expect(result).toMatchObject({ deleted: offline.length });
    expect(
      ot()
        .all()
        .filter((collector) => !collector.alive),
    ).toEqual([]);
    expect(callsTo(sumo.sim, 'DELETE /v1/otCollectors/offline')).toBe(1);
  });

  it('deletes nothing and answers with the new preview when another collector went offline since the preview', async () => {
    const { catalog, ctx } = catalogOn(sumo);
    const preview = await catalog.preview('delete_offline_ot_collectors', ctx, {});
    const web = ot().byName('otel-prod-web-01');
    if (!web) throw new Error('seeded OT collector missing');
    ot().setAlive(web.id, false);

    const refused = await caught(
      catalog.run('delete_offline_ot_collectors', ctx, {}, { confirmed: true, confirmedPreview: preview }),
    );
    expect(refused).toBeInstanceOf(PreviewChangedError);
    const fresh = (refused as PreviewChangedError).preview;
    expect(fresh.details).toMatchObject({ count: (preview.details as { count: number }).count + 1 });
    expect(fresh.stateDigest).not.toBe(preview.stateDigest);
    expect(callsTo(sumo.sim, 'DELETE /v1/otCollectors/offline')).toBe(0);
    expect(ot().byId(web.id)).toBeDefined();

    // A run that kept no preview confirmed nothing in particular: it is refused the same way.
    const bare = await caught(catalog.run('delete_offline_ot_collectors', ctx, {}, { confirmed: true }));
    expect(bare).toBeInstanceOf(PreviewChangedError);
    expect(callsTo(sumo.sim, 'DELETE /v1/otCollectors/offline')).toBe(0);
  });

  it('lists the first 100 and counts the rest exactly when more are offline', async () => {
    const { catalog, ctx } = catalogOn(sumo);
    for (let index = 0; index < 1_050; index += 1)
      ot().add({ name: `otel-gone-${index}`, version: 'v0.98.0-sumo-2', alive: false, tags: {} });
    const offline = ot()
      .all()
      .filter((collector) => !collector.alive).length;
    const preview = await catalog.preview('delete_offline_ot_collectors', ctx, {});
    const details = preview.details as { count: number; collectors: unknown[]; notListed: number };
    expect(details.count).toBe(offline);
    expect(details.collectors).toHaveLength(100);
    expect(details.notListed).toBe(offline - 100);
    // 1000 a page: two pages, not one call per collector.
    expect(callsTo(sumo.sim, 'POST /v1/otCollectors')).toBe(2);
  });
});

describe('health events and ingest budgets', () => {
  it('list_health_events counts by name and severity, errors first, and names the collector of a source event', async () => {
    const { run } = catalogOn(sumo);
    const all = await run('list_health_events', {});
    const events = sumo.sim.org.healthEvents.unresolved();
    expect(all.total).toBe(events.length);
    expect(Object.values(all.counts.bySeverity as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(
      events.length,
    );
    const severities = all.items.map((item: { severity: string }) => item.severity);
    expect(severities).toEqual([...severities].sort((a, b) => Number(b === 'Error') - Number(a === 'Error')));

    const s3 = all.items.find((item: { eventName: string }) => item.eventName === 'AwsS3AccessDenied');
    expect(s3).toMatchObject({ resourceType: 'Source', severity: 'Error' });
    const owner = sumo.sim.org.collectors().find((collector) => collector.name === s3.collectorName);
    expect(s3.collectorId).toBe(String(owner?.id));

    // The collector named in decimal or in hex finds its sources' events alike.
    for (const ref of [owner?.id, toHexId(owner?.id ?? 0), owner?.name]) {
      const mine = await run('list_health_events', { collector: ref });
      expect(mine.items.map((item: { eventId: string }) => item.eventId)).toContain(s3.eventId);
      expect(
        mine.items.every((item: { collectorId: string }) => sameResourceId(item.collectorId, owner?.id ?? 0)),
      ).toBe(true);
    }
    const warnings = await run('list_health_events', { severity: 'Warning' });
    expect(warnings.items.every((item: { severity: string }) => item.severity === 'Warning')).toBe(true);
  });

  it('list_ingest_budgets shows usage and status, filtered by status', async () => {
    const { run } = catalogOn(sumo);
    const all = await run('list_ingest_budgets', {});
    expect(all.items).toHaveLength(sumo.sim.org.ingestBudgets.all().length);
    const exceeded = await run('list_ingest_budgets', { status: 'Exceeded' });
    expect(exceeded.items).toHaveLength(1);
    expect(exceeded.items[0]).toMatchObject({ action: 'stopCollecting', usageStatus: 'Exceeded' });
    expect(exceeded.items[0].usagePercent).toBeGreaterThan(100);
    expect(exceeded.counts.Exceeded).toBe(1);
  });
});

describe('offline collectors across the fleet', () => {
  it('list_offline_collectors counts offline OT collectors beside installed ones, saying what the OT API cannot tell', async () => {
    const { run } = catalogOn(sumo);
    const page = await run('list_offline_collectors', { aliveBeforeDays: 1 });
    const offlineOt = ot()
      .all()
      .filter((collector) => !collector.alive);
    expect(page.otCollectors.count).toBe(offlineOt.length);
    expect(page.otCollectors.items.map((item: { kind: string }) => item.kind)).toEqual(
      offlineOt.map(() => 'ot'),
    );
    expect(page.otCollectors.note).toMatch(/no last-heartbeat time/);
    expect(page.items.every((item: { kind: string }) => item.kind === 'installed')).toBe(true);
  });
});

describe('diagnose_collector', () => {
  it('ranks an Exceeded stopCollecting budget first for the collector whose sources it covers', async () => {
    const { run } = catalogOn(sumo);
    const capped = collectorWhere(
      sumo.sim,
      (collector) =>
        collector.collectorType === 'Installable' && collector.alive && collector.osName === 'Linux',
    );
    const before = sumo.sim.counters.total;
    const diagnosis = await run('diagnose_collector', { collector: capped.name });
    expect(diagnosis.collector).toMatchObject({ kind: 'installed', id: String(capped.id), alive: true });
    expect(diagnosis.budgets.map((budget: { usageStatus: string }) => budget.usageStatus)).toContain(
      'Exceeded',
    );
    expect(diagnosis.causes[0].cause).toMatch(/Exceeded and set to stopCollecting/);
    expect(diagnosis.causes[0].nextStep).toMatch(/usage\/reset/);
    expect(diagnosis.apiCalls).toBe(sumo.sim.counters.total - before);
    expect(diagnosis.apiCalls).toBeLessThanOrEqual(12);
    expect(diagnosis.data.checked).toBe(true);
  });

  it('names the S3 permission for a collector whose source Sumo reports access denied', async () => {
    const { run } = catalogOn(sumo);
    const events = await run('list_health_events', { resourceType: 'Source' });
    const event = events.items.find((item: { eventName: string }) => item.eventName === 'AwsS3AccessDenied');
    // The link list_health_events gives (the source's collector, in decimal) is what diagnose takes.
    const diagnosis = await run('diagnose_collector', { collector: event.collectorId });
    expect(diagnosis.collector.name).toBe(event.collectorName);
    const s3 = diagnosis.causes.find((cause: { cause: string }) => cause.cause.includes('AwsS3AccessDenied'));
    expect(s3.nextStep).toMatch(/s3:GetObject/);
    expect(diagnosis.healthEvents[0].resourceType).toBe('Source');
    expect(diagnosis.apiCalls).toBeLessThanOrEqual(12);
  });

  it('diagnoses an offline installed collector and an offline OT collector by name, kind marked', async () => {
    const { run } = catalogOn(sumo);
    const victim = collectorWhere(
      sumo.sim,
      (collector) => collector.collectorType === 'Installable' && collector.alive && !collector.ephemeral,
    );
    sumo.sim.org.setAlive(victim.id, false, sumo.sim.clock.now() - 3 * 86_400_000);
    const installed = await run('diagnose_collector', { collector: victim.id });
    expect(installed.causes[0]).toMatchObject({ weight: 100 > installed.causes[0].weight ? 95 : 100 });
    expect(installed.causes.map((cause: { cause: string }) => cause.cause)).toContain(
      'The collector is offline for 3 days',
    );

    const otDiagnosis = await run('diagnose_collector', { collector: 'otel-prod-db-01' });
    expect(otDiagnosis.collector).toMatchObject({ kind: 'ot', alive: false });
    expect(otDiagnosis.causes[0].cause).toBe('The collector is offline');
    expect(otDiagnosis.causes[0].nextStep).toMatch(/otelcol-sumo/);
    expect(otDiagnosis.notes.join(' ')).toMatch(/no last-heartbeat time/);
    expect(otDiagnosis.apiCalls).toBeLessThanOrEqual(12);
  });

  it('reports which sources sent data in the last 15 minutes and which stayed silent', async () => {
    const { run } = catalogOn(sumo);
    // The simulator's log corpus has a collector "prod-web" with sources nginx-access and payments-service.
    const created = await run('create_hosted_collector', { name: 'prod-web' });
    for (const name of ['nginx-access', 'orders-webhook'])
      await run('create_source', { collector: created.id, source: { name, sourceType: 'HTTP' } });
    const diagnosis = await run('diagnose_collector', { collector: 'prod-web' });
    expect(diagnosis.collector).toMatchObject({ kind: 'hosted', sources: 2 });
    expect(diagnosis.data.checked).toBe(true);
    expect(diagnosis.data.messages).toBeGreaterThan(0);
    expect(diagnosis.data.bySource.map((row: { source: string }) => row.source)).toContain('nginx-access');
    expect(diagnosis.data.silentSources).toEqual(['orders-webhook']);
    expect(diagnosis.causes[0].cause).toBe('1 of 2 sources sent nothing in the last 15 minutes');
    // Hosted: no build to compare, so no upgrade-targets call.
    expect(callsTo(sumo.sim, 'GET /v1/collectors/upgrades/targets')).toBe(0);
  });

  it('still answers when the budgets API fails, saying what is missing, and deletes its search job when a needed call fails', async () => {
    const { run } = catalogOn(sumo);
    sumo.sim.setFaults({ rate500: 1, routes: ['GET /v2/ingestBudgets'] });
    const partial = await run('diagnose_collector', { collector: 'otel-staging-api-01' });
    expect(partial.budgets).toEqual([]);
    expect(partial.notes.join(' ')).toMatch(/Ingest budgets could not be read \(500/);
    expect(partial.causes[0].cause).toMatch(/ExporterFailing/);

    const victim = collectorWhere(sumo.sim, (collector) => collector.collectorType === 'Installable');
    sumo.sim.setFaults({ rate500: 1, routes: ['GET /v1/collectors/:collectorId/sources'] });
    await expect(run('diagnose_collector', { collector: victim.id })).rejects.toThrow();
    expect(callsTo(sumo.sim, 'POST /v1/search/jobs')).toBe(2);
    expect(callsTo(sumo.sim, 'DELETE /v1/search/jobs/:id')).toBe(2);
  });

  it('answers without the data check when Sumo refuses to start the data search, and without the version when upgrade targets are refused', async () => {
    const { run } = catalogOn(sumo);
    sumo.sim.setFaults({
      rate500: 1,
      routes: ['POST /v1/search/jobs', 'GET /v1/collectors/upgrades/targets'],
    });
    const victim = collectorWhere(sumo.sim, (collector) => collector.collectorType === 'Installable');
    const diagnosis = await run('diagnose_collector', { collector: victim.id });
    expect(diagnosis.collector.name).toBe(victim.name);
    expect(diagnosis.data.checked).toBe(false);
    expect(diagnosis.notes.join(' ')).toMatch(/data search could not start .*data arrival is not checked/);
    expect(diagnosis.notes.join(' ')).toMatch(/Upgrade targets could not be read \(500/);
    expect(diagnosis.apiCalls).toBeLessThanOrEqual(12);
  });

  it('refuses a name the API cannot look up, naming the fix, rather than saying nobody has it', async () => {
    const { run } = catalogOn(sumo);
    const error = await caught(run('diagnose_collector', { collector: 'web/prod-01' }));
    expect(String(error)).toMatch(
      /collector: Collector name "web\/prod-01" contains "\/".*use the collector's id instead/,
    );
  });

  it('answers without the data check when Sumo fails the data search, saying so, and deletes the job', async () => {
    const { run } = catalogOn(sumo);
    sumo.sim.setFaults({ rate500: 1, routes: ['GET /v1/search/jobs/:id'] });
    const diagnosis = await run('diagnose_collector', { collector: 'otel-staging-api-01' });
    expect(diagnosis.data.checked).toBe(false);
    expect(diagnosis.notes.join(' ')).toMatch(/data search failed .*data arrival is not checked/);
    expect(diagnosis.causes[0].cause).toMatch(/ExporterFailing/);
    expect(callsTo(sumo.sim, 'DELETE /v1/search/jobs/:id')).toBe(1);
  });

  it('keeps to 12 API calls when the data search is slow, saying the data was not checked, and deletes the job', async () => {
    await sumo.close();
    sumo = await startSimulatedSumo({
      org: { collectors: 10 },
      conformance: true,
      search: { startDelayMs: 600_000 },
    });
    const { run } = catalogOn(sumo);
    const diagnosis = await run('diagnose_collector', { collector: 'otel-prod-web-02' });
    // Polls stop while the records page and the delete still fit; the page is not needed after all.
    expect(diagnosis.apiCalls).toBeLessThanOrEqual(12);
    expect(diagnosis.apiCalls).toBe(sumo.sim.counters.total);
    expect(callsTo(sumo.sim, 'GET /v1/search/jobs/:id')).toBeGreaterThan(1);
    expect(diagnosis.data).toEqual({ checked: false, window: '15m' });
    expect(diagnosis.notes.join(' ')).toMatch(/did not finish/);
    expect(callsTo(sumo.sim, 'DELETE /v1/search/jobs/:id')).toBe(1);
    // What is known is still answered: the warning Sumo raised for it.
    expect(diagnosis.causes[0].cause).toMatch(/OtCollectorDataInactivity/);
  });

  it("follows the org's own logs: a healthy collector's sources all sent data, the capped one's none", async () => {
    await sumo.close();
    sumo = await startSimulatedSumo({
      org: { collectors: 40 },
      conformance: true,
      search: { fleetLogs: true },
    });
    const { run } = catalogOn(sumo);
    const capped = collectorWhere(
      sumo.sim,
      (collector) =>
        collector.collectorType === 'Installable' && collector.alive && collector.osName === 'Linux',
    );
    const cappedDiagnosis = await run('diagnose_collector', { collector: capped.id });
    expect(cappedDiagnosis.data).toMatchObject({ checked: true, messages: 0 });
    expect(cappedDiagnosis.causes.map((cause: { cause: string }) => cause.cause).slice(0, 2)).toEqual([
      'Ingest budget "Prod hosts daily cap" is Exceeded and set to stopCollecting',
      'No data arrived in the last 15 minutes although the collector is alive',
    ]);

    const healthy = collectorWhere(
      sumo.sim,
      (collector) =>
        collector.alive &&
        collector.id !== capped.id &&
        (sumo.sim.org.sources(collector.id)?.length ?? 0) > 0 &&
        !sumo.sim.org.healthEvents
          .unresolved()
          .some((event) => event.resourceIdentity.collectorName === collector.name),
    );
    const diagnosis = await run('diagnose_collector', { collector: healthy.name });
    const sources = sumo.sim.org.sources(healthy.id) ?? [];
    expect(diagnosis.data.checked).toBe(true);
    expect(diagnosis.data.messages).toBeGreaterThan(0);
    expect(diagnosis.data.bySource.map((row: { source: string }) => row.source).sort()).toEqual(
      sources.map((source) => source.name).sort(),
    );
    expect(diagnosis.data.silentSources).toEqual([]);
    expect(
      diagnosis.causes.some((cause: { cause: string }) => /No data|sent nothing/.test(cause.cause)),
    ).toBe(false);

    // A source silenced by its own error is named with it.
    const s3 = sumo.sim.org.healthEvents
      .unresolved()
      .find((event) => event.eventName === 'AwsS3AccessDenied');
    const owner = await run('diagnose_collector', { collector: s3?.resourceIdentity.collectorName });
    expect(owner.data.silentSources).toEqual([s3?.resourceIdentity.name]);
    expect(
      owner.causes.some((cause: { evidence: string }) =>
        cause.evidence.endsWith(`silent: ${s3?.resourceIdentity.name} (see AwsS3AccessDenied)`),
      ),
    ).toBe(true);
  });

  it('says plainly when no collector of any kind has the name', async () => {
    const { run } = catalogOn(sumo);
    const error = await caught(run('diagnose_collector', { collector: 'nobody-here' }));
    expect(error).toBeInstanceOf(OperationError);
    expect((error as OperationError).message).toMatch(/installed, hosted or OT/);
  });
});
