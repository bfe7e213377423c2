import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectMessagesWithinLimits, expectNoSecrets } from './support/checks.js';
import { Harness, textOf } from './support/harness.js';

let h: Harness;
let staging: { id: number; name: string };
beforeAll(async () => {
  h = await Harness.start();
  staging = h.sim.org.createHostedCollector({
    collector: { collectorType: 'Hosted', name: 'Staging Area' },
  }).collector;
});
afterAll(async () => h?.close());

describe('collector names typed without quotes, over signed HTTP', () => {
  it('finds `/sumo collector Staging Area` and says how the words were read', async () => {
    const { reply } = await h.ask('collector Staging Area');
    const text = textOf(reply);
    expect(text).toContain(String(staging.id));
    expect(text).toContain('Read `Staging Area` as one collector name.');
    expect(text).not.toContain('Unexpected');
  });

  it('lists the sources of a collector named with spaces', async () => {
    const text = textOf((await h.ask('sources Staging Area')).reply);
    expect(text).toContain('List the sources of a collector');
    expect(text).toContain(String(staging.id));
    expect(text).not.toMatch(/failed|Unexpected/);
  });

  it('previews `/sumo delete-collector Staging Area` naming exactly the collector it resolved, and deletes nothing yet', async () => {
    const { reply } = await h.ask('delete-collector Staging Area');
    expect(reply.response_type).toBe('in_channel');
    const text = textOf(reply);
    expect(text).toContain(`\\"Staging Area\\" (id ${staging.id})`);
    expect(text).toContain('Read `Staging Area` as one collector name.');
    expect(text).toContain('sumo_confirm');
    expect(h.sim.org.collectorById(staging.id)).toBeDefined();
  });

  it('reads a version at the end of `/sumo upgrade <name with spaces> <version>` and says so', async () => {
    const collector = h.sim.org
      .collectors()
      .find((candidate) => candidate.alive && candidate.collectorType === 'Installable');
    if (!collector) throw new Error('the seeded org has no running installed collector');
    const words = collector.name.includes(' ') ? `"${collector.name}"` : collector.name;
    const version = h.sim.org.versions.find(
      (candidate) => candidate !== collector.collectorVersion,
    ) as string;
    const { reply } = await h.ask(`upgrade ${words} ${version}`);
    expect(textOf(reply)).toContain(version);
    const spaced = textOf((await h.ask(`upgrade Staging Area ${version}`)).reply);
    expect(spaced).toContain(
      `Read \`Staging Area\` as one collector name and \`${version}\` as the version. If \`${version}\` is part of the name, quote the whole name.`,
    );
    // A hosted collector cannot be upgraded: the preview says so about the collector it found.
    expect(spaced).toContain(String(staging.id));
  });

  it('kept every message within Block Kit limits and every secret out', () => {
    expectMessagesWithinLimits(h.slack);
    expectNoSecrets(h.everythingSent());
  });
});
