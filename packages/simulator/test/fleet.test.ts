import { describe, expect, it } from 'vitest';
import {
  HEALTH_INCIDENTS,
  hexId,
  parseHexId,
  SEEDED_BUDGETS,
  SEEDED_OT_COLLECTORS,
  type SimHealthEvent,
  type Simulator,
  startDemoSumo,
} from '../src/index.js';
import { api, collectorWhere, useSimulator } from './helpers.js';

async function healthEvents(sim: Simulator): Promise<SimHealthEvent[]> {
  const response = await api(sim, 'GET', '/v1/healthEvents?limit=1000');
  expect(response.status).toBe(200);
  return response.json.data;
}

/** Events other than those the seeded org's offline Installed Collectors raise. */
async function otherEvents(sim: Simulator): Promise<SimHealthEvent[]> {
  return (await healthEvents(sim)).filter(({ eventName }) => eventName !== 'InstalledCollectorOffline');
}

function expectConformant(sim: Simulator): void {
  expect(sim.conformance.violations()).toEqual([]);
}

describe('the fleet beside the installed collectors', () => {
  const simulator = useSimulator();

  it('seeds OT collectors, budgets and incidents without changing the installed org of any seed', async () => {
    for (const seed of [1, 42]) {
      // A stopped clock: alive collectors' heartbeats are relative to now.
      const withFleet = await simulator({ seed, clockSpeed: 0, org: { collectors: 40 } });
      const without = await simulator({ seed, clockSpeed: 0, org: { collectors: 40, fleet: false } });
      expect(withFleet.org.collectors()).toEqual(without.org.collectors());
      expect(withFleet.org.counts()).toEqual(without.org.counts());
      expect(withFleet.org.otCollectors.all().map(({ name }) => name)).toEqual(
        SEEDED_OT_COLLECTORS.map(({ name }) => name),
      );
      expect(without.org.otCollectors.count()).toBe(0);
      expect(without.org.ingestBudgets.all()).toEqual([]);
    }
  });

  it('raises InstalledCollectorOffline for each offline Installed Collector, named in hex, until it is back', async () => {
    const sim = await simulator({ conformance: true, org: { collectors: 30, fleet: false } });
    const offline = sim.org.collectors().filter((c) => c.collectorType === 'Installable' && !c.alive);
    const events = await healthEvents(sim);
    expect(events.map(({ resourceIdentity }) => resourceIdentity.id).sort()).toEqual(
      offline.map(({ id }) => hexId(id)).sort(),
    );
    const [first] = offline;
    if (!first) throw new Error('the seeded org has offline collectors');
    expect(events.find(({ resourceIdentity }) => parseHexId(resourceIdentity.id) === first.id)).toMatchObject(
      {
        eventName: 'InstalledCollectorOffline',
        severityLevel: 'Error',
        subsystem: 'Collector',
        eventTime: new Date(first.lastSeenAlive ?? 0).toISOString(),
        resourceIdentity: { name: first.name, type: 'Collector' },
      },
    );

    sim.org.setAlive(first.id, true);
    const alive = collectorWhere(sim, (c) => c.collectorType === 'Installable' && c.alive);
    sim.org.setAlive(alive.id, false);
    const ids = (await healthEvents(sim)).map(({ resourceIdentity }) => resourceIdentity.id);
    expect(ids).not.toContain(hexId(first.id));
    expect(ids).toContain(hexId(alive.id));
    expectConformant(sim);
  });

  it('keeps an incident raised on a source until it is resolved or the source is deleted, naming its collector', async () => {
    const sim = await simulator({ conformance: true, org: { collectors: 30, fleet: false } });
    const collector = collectorWhere(sim, (c) => c.alive && c.sourceSyncMode !== 'Json');
    const [source] = sim.org.sources(collector.id) ?? [];
    if (!source) throw new Error('seeded collectors have sources');
    const eventId = sim.org.healthEvents.raise(
      { type: 'Source', collectorId: collector.id, sourceId: source.id },
      HEALTH_INCIDENTS.fileCollectionBroken,
    );
    const forCollector = await api(sim, 'POST', '/v1/healthEvents/resources', {
      body: { data: [{ id: hexId(collector.id), type: 'Collector' }] },
    });
    expect(forCollector.json.data).toEqual([
      expect.objectContaining({
        eventId,
        details: expect.objectContaining({ error: 'Failed to find the file path' }),
        resourceIdentity: {
          id: hexId(source.id),
          name: source.name,
          type: 'Source',
          collectorId: hexId(collector.id),
          collectorName: collector.name,
        },
      }),
    ]);
    const bySource = await api(sim, 'POST', '/v1/healthEvents/resources', {
      body: { data: [{ id: hexId(source.id).toLowerCase(), type: 'Source' }] },
    });
    expect(bySource.json.data.map((event: SimHealthEvent) => event.eventId)).toEqual([eventId]);

    sim.org.healthEvents.resolve(eventId);
    expect(await otherEvents(sim)).toEqual([]);

    const again = sim.org.healthEvents.raise(
      { type: 'Source', collectorId: collector.id, sourceId: source.id },
      HEALTH_INCIDENTS.s3AccessDenied,
    );
    expect((await otherEvents(sim)).map((event) => event.eventId)).toEqual([again]);
    await api(sim, 'DELETE', `/v1/collectors/${collector.id}/sources/${source.id}`);
    expect(await otherEvents(sim)).toEqual([]);
    expectConformant(sim);
  });

  it("counts an OT collector's unresolved incidents in its healthIncidentsTracker and follows its heartbeat", async () => {
    const sim = await simulator({ conformance: true, org: { collectors: 5, fleet: false } });
    const collector = sim.org.otCollectors.add({
      name: 'otel-test',
      version: 'v0.120.0-sumo-1',
      tags: { env: 'ci' },
    });
    const error = sim.org.healthEvents.raise(
      { type: 'OtCollector', id: collector.id },
      HEALTH_INCIDENTS.otExporterFailing,
    );
    sim.org.healthEvents.raise({ type: 'OtCollector', id: collector.id }, HEALTH_INCIDENTS.otDataInactive);
    const read = async () => (await api(sim, 'GET', `/v1/otCollectors/${collector.id}`)).json;
    expect((await read()).healthIncidentsTracker).toEqual({ errorsCount: 1, warningsCount: 1 });
    sim.org.healthEvents.resolve(error);
    expect((await read()).healthIncidentsTracker).toEqual({ errorsCount: 0, warningsCount: 1 });

    sim.org.otCollectors.setAlive(collector.id, false);
    expect(await read()).toMatchObject({ alive: false });
    expect((await api(sim, 'DELETE', '/v1/otCollectors/offline')).status).toBe(204);
    expect((await api(sim, 'GET', `/v1/otCollectors/${collector.id}`)).status).toBe(404);
    expect(await otherEvents(sim)).toEqual([]);
    expectConformant(sim);
  });

  it('derives usageStatus from usage and raises IngestBudgetExceeded, an Error only when collection stops', async () => {
    const sim = await simulator({ conformance: true, org: { collectors: 5, fleet: false } });
    const create = async (name: string, action: string) =>
      (
        await api(sim, 'POST', '/v2/ingestBudgets', {
          body: { name, scope: `_collector=${name}`, capacityBytes: 1000, action, auditThreshold: 80 },
        })
      ).json;
    const stopping = await create('stops', 'stopCollecting');
    const keeping = await create('keeps', 'keepCollecting');
    const status = async (id: string) => (await api(sim, 'GET', `/v2/ingestBudgets/${id}`)).json;

    sim.org.ingestBudgets.setUsage(stopping.id, 799);
    expect(await status(stopping.id)).toMatchObject({ usageBytes: 799, usageStatus: 'Normal' });
    sim.org.ingestBudgets.setUsage(stopping.id, 800);
    expect(await status(stopping.id)).toMatchObject({ usageStatus: 'Approaching' });
    expect(await otherEvents(sim)).toEqual([]);

    sim.org.ingestBudgets.setUsage(stopping.id, 1000);
    sim.org.ingestBudgets.setUsage(keeping.id, 1500);
    const events = await otherEvents(sim);
    expect(
      events.map(({ eventName, severityLevel, resourceIdentity }) => ({
        eventName,
        severityLevel,
        resourceIdentity,
      })),
    ).toEqual(
      expect.arrayContaining([
        {
          eventName: 'IngestBudgetExceeded',
          severityLevel: 'Error',
          resourceIdentity: {
            id: stopping.id,
            name: 'stops',
            type: 'IngestBudget',
            scope: '_collector=stops',
            budgetType: 'dailyVolume',
          },
        },
        {
          eventName: 'IngestBudgetExceeded',
          severityLevel: 'Warning',
          resourceIdentity: {
            id: keeping.id,
            name: 'keeps',
            type: 'IngestBudget',
            scope: '_collector=keeps',
            budgetType: 'dailyVolume',
          },
        },
      ]),
    );
    expect(events).toHaveLength(2);

    sim.org.ingestBudgets.setUsage(keeping.id, 'unknown');
    const unknown = await status(keeping.id);
    expect(unknown.usageStatus).toBe('Unknown');
    expect(unknown).not.toHaveProperty('usageBytes');
    expect(() => sim.org.ingestBudgets.setUsage(keeping.id, -1)).toThrow(RangeError);
    expectConformant(sim);
  });

  it('gives the demo org a stopCollecting budget over a seeded collector, an Approaching one and an S3 source denied access', async () => {
    const demo = await startDemoSumo();
    try {
      const { org } = demo.simulator;
      const exceeded = org.ingestBudgets.byName(SEEDED_BUDGETS.exceeded);
      expect(exceeded).toMatchObject({ usageStatus: 'Exceeded', action: 'stopCollecting' });
      const hostName = exceeded?.scope.replace(/^_sourceCategory=/, '').replace(/\/\*$/, '');
      const capped = org.collectors().find((collector) => collector.hostName === hostName);
      expect(capped?.alive).toBe(true);
      expect(
        org.sources(capped?.id ?? 0)?.every(({ category }) => String(category).startsWith(`${hostName}/`)),
      ).toBe(true);
      expect(org.ingestBudgets.byName(SEEDED_BUDGETS.approaching)?.usageStatus).toBe('Approaching');

      const s3 = org.healthEvents
        .unresolved()
        .find(({ details }) => details.error === 'Access denied to Amazon S3 bucket');
      const collectorId = parseHexId(s3?.resourceIdentity.collectorId ?? '');
      const source = org.sources(collectorId ?? 0)?.find(({ id }) => hexId(id) === s3?.resourceIdentity.id);
      expect(source).toMatchObject({ sourceType: 'Polling', contentType: 'AwsS3Bucket' });
      expect(org.otCollectors.all().filter(({ alive }) => !alive)).toHaveLength(2);
    } finally {
      await demo.close();
    }
  });
});
