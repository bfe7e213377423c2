/**
 * bench/rollout — what does a canary-first rollout save when a build is bad, and what does it
 * cost when the build is good?
 *
 * The same org (same seed, same start time) runs in a fresh simulator per variant, with a fast
 * clock: an upgrade takes three simulated minutes, a 10-minute soak a sixth of a real second.
 * Both sides enforce the same limit. Every variant runs through the catalog operation a user
 * calls: `upgrade_collectors` (all at once, as today) or `rollout_collector_upgrade` (waves
 * `[1, "10%", "100%"]`, 600 s soaks, every gate including the data searches).
 *
 * - bad build: upgrading to the latest build makes 20 % of the collectors that take it stop
 *   heartbeating a minute after their task succeeds. Broken = selected collectors offline ten
 *   simulated minutes after the variant ended. Target for the rollout: ≤ 1 % of the selection.
 * - good build: API calls per collector, soak checks included, rollout ÷ upgrade_collectors.
 *   Target ≤ 1.1.
 */

import {
  createCatalog,
  type OperationContext,
  RateLimiter,
  rolloutRunner,
  SumoClient,
  silentLogger,
  sleep,
} from '@sumo-ops/core';
import { type Simulator, startSimulator } from '@sumo-ops/simulator';

const SELECTION = 500;
const ORG_SIZE = 1500;
const PER_SECOND = 50;
const CONCURRENT = 10;
const CLOCK_SPEED = 3600;
const POLL_MS = 250;
const BAD_SHARE = 0.2;
const START_TIME = Date.UTC(2026, 10, 1);
const WAVES = [1, '10%', '100%'];
/** A tighter plan: after the canary, up to 1 % of the selection before a tenth. */
const TIGHT_WAVES = [1, '1%', '10%', '100%'];

interface Row {
  variant: string;
  build: 'good' | 'bad';
  calls: number;
  upgraded: number;
  broken: number;
  outcome: string;
}

async function simulatorAndClient(bad: boolean) {
  const sim = await startSimulator({
    seed: 7,
    startTime: START_TIME,
    clockSpeed: CLOCK_SPEED,
    org: { collectors: ORG_SIZE },
    rateLimit: { perSecond: PER_SECOND, concurrent: CONCURRENT },
    search: { fleetLogs: true, corpusSize: 1_000, keepAliveMs: 24 * 3_600_000 },
  });
  const client = new SumoClient({
    accessId: 'sim-access-id',
    accessKey: 'sim-access-key',
    apiUrl: sim.apiUrl,
    env: {},
    logger: silentLogger,
    rateLimiter: new RateLimiter({ limits: { perSecond: PER_SECOND, concurrent: CONCURRENT } }),
  });
  const ids = sim.org
    .collectors()
    .filter(
      (c) => c.collectorType === 'Installable' && c.alive && c.collectorVersion !== sim.org.latestVersion,
    )
    .slice(0, SELECTION)
    .map((c) => c.id);
  if (ids.length < SELECTION) throw new Error(`only ${ids.length} upgradable collectors; raise ORG_SIZE`);
  // A good build's tasks all succeed; the bad build's harm is what it does after success.
  for (const id of ids) sim.org.setUpgradeOutcome(id, 'succeed');
  if (bad)
    sim.org.setBadBuild({ version: sim.org.latestVersion, share: BAD_SHARE, effect: 'stops heartbeating' });
  return { sim, client, ids };
}

function totalCalls(sim: Simulator): number {
  return Object.values(sim.counters.byRoute).reduce(
    (sum, statuses) => sum + Object.values(statuses).reduce((a, b) => a + b, 0),
    0,
  );
}

async function variant(
  name: string,
  operation: string,
  bad: boolean,
  waves: readonly (number | string)[] = WAVES,
): Promise<Row> {
  const { sim, client, ids } = await simulatorAndClient(bad);
  rolloutRunner.configure({
    clock: {
      now: () => sim.clock.now(),
      sleep: (ms, signal) => sleep(Math.max(1, ms / CLOCK_SPEED), signal),
    },
    pollIntervalMs: POLL_MS,
    maxPollIntervalMs: POLL_MS,
    followPollMs: 50,
    searchPoll: { initialMs: 50, maxMs: 250 },
  });
  try {
    const catalog = createCatalog();
    const ctx: OperationContext = { client, logger: silentLogger };
    const input =
      operation === 'upgrade_collectors'
        ? { collectors: ids }
        : { collectors: ids, waves, soakSeconds: 600, checkData: true };
    const before = totalCalls(sim);
    const result = (await catalog.run(operation, ctx, catalog.parseInput(operation, input), {
      confirmed: true,
    })) as { state?: string; complete?: boolean };
    const calls = totalCalls(sim) - before;
    // Whatever the bad build breaks shows within a minute of each success.
    sim.clock.advance(10 * 60_000);
    const collectors = ids.map((id) => sim.org.collectorById(id));
    const upgraded = collectors.filter((c) => c?.collectorVersion === sim.org.latestVersion).length;
    const broken = collectors.filter((c) => c && !c.alive).length;
    return {
      variant: name,
      build: bad ? 'bad' : 'good',
      calls,
      upgraded,
      broken,
      outcome: result.state ?? (result.complete ? 'complete' : 'incomplete'),
    };
  } finally {
    await rolloutRunner.shutdown();
    await client.close();
    await sim.close();
  }
}

function print(rows: Row[]): void {
  const header = [
    'variant',
    'build',
    'outcome',
    'upgraded',
    'broken',
    'broken ÷ selection',
    'API calls',
    'calls ÷ collector',
  ];
  const lines = rows.map((r) => [
    r.variant,
    r.build,
    r.outcome,
    String(r.upgraded),
    String(r.broken),
    `${((100 * r.broken) / SELECTION).toFixed(1)} %`,
    String(r.calls),
    (r.calls / SELECTION).toFixed(3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ');
  console.log(
    `rollout of ${SELECTION} collectors (org of ${ORG_SIZE}), waves ${JSON.stringify(WAVES)} unless named, 600 s soaks, ${PER_SECOND} req/s and ${CONCURRENT} in flight on both sides, clock ×${CLOCK_SPEED}, bad build breaks ${BAD_SHARE * 100} % a minute after success`,
  );
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const line of lines) console.log(format(line));
  const find = (variant: string, build: string) =>
    rows.find((r) => r.variant === variant && r.build === build);
  const badRollout = find('rollout', 'bad');
  const badTight = find('rollout 1,1%,10%,100%', 'bad');
  const badAll = find('upgrade_collectors', 'bad');
  const goodRollout = find('rollout', 'good');
  const goodAll = find('upgrade_collectors', 'good');
  if (badRollout && badAll) {
    const share = badRollout.broken / SELECTION;
    console.log(
      `bad build: broken by the rollout ${badRollout.broken} (${(100 * share).toFixed(1)} % of the selection; target ≤ 1 % ${share <= 0.01 ? 'met' : 'MISSED'}) vs ${badAll.broken} all at once (${(badAll.broken / Math.max(1, badRollout.broken)).toFixed(1)} ×)`,
    );
  }
  if (badTight && badAll) {
    const share = badTight.broken / SELECTION;
    console.log(
      `bad build, waves ${JSON.stringify(TIGHT_WAVES)}: broken ${badTight.broken} (${(100 * share).toFixed(1)} %; target ≤ 1 % ${share <= 0.01 ? 'met' : 'MISSED'})`,
    );
  }
  if (goodRollout && goodAll) {
    const ratio = goodRollout.calls / goodAll.calls;
    console.log(
      `good build: API calls per collector, rollout ÷ upgrade_collectors ${ratio.toFixed(3)} (target ≤ 1.1 ${ratio <= 1.1 ? 'met' : 'MISSED'})`,
    );
  }
}

async function main() {
  const rows = [
    await variant('upgrade_collectors', 'upgrade_collectors', true),
    await variant('rollout', 'rollout_collector_upgrade', true),
    await variant('rollout 1,1%,10%,100%', 'rollout_collector_upgrade', true, TIGHT_WAVES),
    await variant('upgrade_collectors', 'upgrade_collectors', false),
    await variant('rollout', 'rollout_collector_upgrade', false),
  ];
  print(rows);
}

main().catch((error) => {
  console.error('bench/rollout could not run:', error);
  process.exit(1);
});
