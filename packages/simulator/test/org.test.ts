import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../src/durations.js';
import { COLLECTOR_VERSIONS, SimClock, SimOrg } from '../src/index.js';
import { api, useSimulator } from './helpers.js';

const START = Date.UTC(2026, 10, 1);

function seededOrg(seed: number, collectors: number): SimOrg {
  return new SimOrg(new SimClock(START, 0), { seed, collectors });
}

describe('the seeded org', () => {
  it('is the same for the same seed and different for another', () => {
    expect(seededOrg(3, 50).collectors()).toEqual(seededOrg(3, 50).collectors());
    expect(seededOrg(3, 50).collectors()).not.toEqual(seededOrg(4, 50).collectors());
  });

  it('holds the mix that upgrade and clean-up work meets', () => {
    const org = seededOrg(1, 400);
    const collectors = org.collectors();
    const installed = collectors.filter((c) => c.collectorType === 'Installable');
    const osNames = new Set(installed.map((c) => c.osName?.split(' ')[0]));
    expect(osNames).toEqual(new Set(['Linux', 'Windows', 'Mac']));
    expect(new Set(installed.map((c) => c.collectorVersion)).size).toBeGreaterThan(5);
    expect(installed.every((c) => COLLECTOR_VERSIONS.includes(c.collectorVersion))).toBe(true);

    const offlineDays = installed
      .filter((c) => !c.alive)
      .map((c) => (START - (c.lastSeenAlive ?? START)) / DAY_MS);
    expect(offlineDays.some((days) => days < 1)).toBe(true);
    expect(offlineDays.some((days) => days > 3 && days < 60)).toBe(true);
    expect(offlineDays.some((days) => days > 100)).toBe(true);

    const counts = org.counts();
    expect(counts.hosted).toBeGreaterThan(0);
    expect(counts.ephemeral).toBeGreaterThan(0);
    expect(counts.jsonManaged).toBeGreaterThan(0);
    expect(counts.alive + counts.dead).toBe(400);
    expect(counts.sources).toBeGreaterThan(400);
    expect(
      collectors.filter((c) => c.collectorType === 'Hosted').every((c) => c.collectorVersion === ''),
    ).toBe(true);
    expect(new Set(collectors.map((c) => c.name)).size).toBe(400);
  });

  it('seeds some collectors to fail or hang their upgrades', () => {
    const org = seededOrg(1, 400);
    const outcomes = org.collectors().map((c) => org.upgradeOutcome(c.id));
    expect(outcomes).toContain('fail');
    expect(outcomes).toContain('timeout');
    expect(outcomes.filter((outcome) => outcome === 'succeed').length).toBeGreaterThan(300);
  });

  it('hands out snapshots that cannot change the org', () => {
    const org = seededOrg(1, 5);
    const [first] = org.collectors();
    if (!first) throw new Error('empty org');
    first.name = 'mutated';
    expect(org.collectorById(first.id)?.name).not.toBe('mutated');
  });
});

describe('the org at benchmark scale', () => {
  const simulator = useSimulator();

  it('pages through 5000 collectors', async () => {
    const sim = await simulator({ org: { collectors: 5000 } });
    let seen = 0;
    for (let offset = 0; ; offset += 1000) {
      const page = (await api(sim, 'GET', `/v1/collectors?offset=${offset}&limit=1000`)).json.collectors;
      seen += page.length;
      if (page.length < 1000) break;
    }
    for (let offset = 0; offset < 5000; offset += 50) {
      expect((await api(sim, 'GET', `/v1/collectors/upgrades/collectors?offset=${offset}`)).status).toBe(200);
    }
    expect(seen).toBe(5000);
  });
});
