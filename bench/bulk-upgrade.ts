/**
 * bench/bulk-upgrade — what does upgrading 500 collectors cost in API calls and wall time?
 *
 * The same org (same seed, same start time) runs in two simulators with a fast clock, so an
 * upgrade that takes three simulated minutes (thirty for one that hangs until the service's
 * timeout) finishes in well under a second. Both sides enforce the same fast limit.
 *
 * - core: `planBulkUpgrade` + `runBulkUpgrade`, as `upgrade_collectors` runs them: tasks
 *   started concurrently through the shared limiter, completion tracked with the collector list
 *   (1000 versions a call) and the upgradable list, status calls only to learn failure reasons.
 * - per-task polling: the same tasks started the same way, then every task's status polled every
 *   round until all have ended — what most scripts do.
 *
 * Ratios printed side by side:
 *   calls ÷ minimum, where minimum = one creation per collector + the list calls needed to see
 *   every version once (ceil(N / 1000)); target ≤ 1.1 for core.
 *   wall ÷ (calls ÷ allowed rate): how close the run comes to being limited by the rate alone;
 *   target ≤ 1.1 for core.
 */

import {
  createUpgradeTask,
  getUpgradeTask,
  isFinalUpgradeStatus,
  planBulkUpgrade,
  RateLimiter,
  runBulkUpgrade,
  SumoClient,
  silentLogger,
} from '@sumo-ops/core';
import { type Simulator, startSimulator } from '@sumo-ops/simulator';

const UPGRADES = 500;
/** Enough collectors that at least 500 can be upgraded (about a third of a seeded org can). */
const ORG_SIZE = 1500;
const PER_SECOND = 50;
const CONCURRENT = 10;
/** One real second is one simulated hour: a 3-minute upgrade takes 50 ms, a 30-minute timeout 0.5 s. */
const CLOCK_SPEED = 3600;
const POLL_MS = 250;
const START_TIME = Date.UTC(2026, 10, 1);
const STATUS_ROUTE = 'GET /v1/collectors/upgrades/:upgradeTaskId';

interface Row {
  variant: string;
  calls: number;
  minimum: number;
  statusCalls: number;
  listCalls: number;
  seconds: number;
  succeeded: number;
  failed: number;
  rateLimited: number;
}

async function simulatorAndClient(): Promise<{ sim: Simulator; client: SumoClient }> {
  const sim = await startSimulator({
    seed: 7,
    startTime: START_TIME,
    clockSpeed: CLOCK_SPEED,
    org: { collectors: ORG_SIZE },
    rateLimit: { perSecond: PER_SECOND, concurrent: CONCURRENT },
  });
  const client = new SumoClient({
    accessId: 'sim-access-id',
    accessKey: 'sim-access-key',
    apiUrl: sim.apiUrl,
    env: {},
    logger: silentLogger,
    rateLimiter: new RateLimiter({ limits: { perSecond: PER_SECOND, concurrent: CONCURRENT } }),
  });
  return { sim, client };
}

function counted(sim: Simulator) {
  let calls = 0;
  let listCalls = 0;
  for (const [route, statuses] of Object.entries(sim.counters.byRoute)) {
    const count = Object.values(statuses).reduce((sum, n) => sum + n, 0);
    calls += count;
    if (route === 'GET /v1/collectors' || route === 'GET /v1/collectors/upgrades/collectors')
      listCalls += count;
  }
  const statusCalls = Object.values(sim.counters.byRoute[STATUS_ROUTE] ?? {}).reduce((sum, n) => sum + n, 0);
  return { calls, listCalls, statusCalls, rateLimited: sim.counters.rateLimited };
}

/** The collectors both variants upgrade: the first N that can be upgraded to the latest build. */
function selection(sim: Simulator): number[] {
  const latest = sim.org.latestVersion;
  const ids = sim.org
    .collectors()
    .filter((c) => c.collectorType === 'Installable' && c.alive && c.collectorVersion !== latest)
    .slice(0, UPGRADES)
    .map((c) => c.id);
  if (ids.length < UPGRADES)
    throw new Error(`the org has only ${ids.length} upgradable collectors; raise ORG_SIZE`);
  return ids;
}

function check(sim: Simulator, outcomes: Map<number, 'succeeded' | 'failed'>): void {
  for (const [id, outcome] of outcomes) {
    const reached = sim.org.collectorById(id)?.collectorVersion === sim.org.latestVersion;
    if (reached !== (outcome === 'succeeded')) throw new Error(`collector ${id} reported ${outcome} wrongly`);
  }
}

async function core(): Promise<Row> {
  const { sim, client } = await simulatorAndClient();
  try {
    const ids = selection(sim);
    const began = performance.now();
    const latest = sim.org.latestVersion;
    const plan = await planBulkUpgrade(client, { collectors: ids.map((id) => ({ id })) }, latest);
    if (plan.planned.length !== UPGRADES) throw new Error(`planned ${plan.planned.length} of ${UPGRADES}`);
    const run = await runBulkUpgrade(client, plan, { pollIntervalMs: POLL_MS, maxPollIntervalMs: POLL_MS });
    const seconds = (performance.now() - began) / 1000;
    if (!run.complete) throw new Error('core run did not finish');
    const outcomes = new Map(
      run.results.map((r) => [
        r.collectorId,
        r.outcome === 'succeeded' ? ('succeeded' as const) : ('failed' as const),
      ]),
    );
    check(sim, outcomes);
    return row('core (list tracking)', sim, seconds, outcomes);
  } finally {
    await client.close();
    await sim.close();
  }
}

async function perTaskPolling(): Promise<Row> {
  const { sim, client } = await simulatorAndClient();
  try {
    const ids = selection(sim);
    const began = performance.now();
    const tasks = await Promise.all(
      ids.map(async (id) => ({ id, taskId: (await createUpgradeTask(client, id)).id })),
    );
    const outcomes = new Map<number, 'succeeded' | 'failed'>();
    let pending = tasks;
    while (pending.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      const statuses = await Promise.all(
        pending.map(async (task) => ({ task, status: (await getUpgradeTask(client, task.taskId)).status })),
      );
      for (const { task, status } of statuses) {
        if (isFinalUpgradeStatus(status)) outcomes.set(task.id, status === 2 ? 'succeeded' : 'failed');
      }
      pending = pending.filter((task) => !outcomes.has(task.id));
    }
    const seconds = (performance.now() - began) / 1000;
    check(sim, outcomes);
    return row('per-task polling', sim, seconds, outcomes);
  } finally {
    await client.close();
    await sim.close();
  }
}

function row(variant: string, sim: Simulator, seconds: number, outcomes: Map<number, string>): Row {
  const counts = counted(sim);
  const outcomeList = [...outcomes.values()];
  return {
    variant,
    ...counts,
    minimum: UPGRADES + Math.ceil(UPGRADES / 1000),
    seconds,
    succeeded: outcomeList.filter((o) => o === 'succeeded').length,
    failed: outcomeList.filter((o) => o === 'failed').length,
  };
}

function print(rows: Row[]): void {
  const header = [
    'variant',
    'API calls',
    'minimum',
    'calls ÷ min',
    'status calls',
    'list calls',
    'wall s',
    'wall ÷ (calls ÷ rate)',
    'ok / failed',
    '429s',
  ];
  const lines = rows.map((r) => [
    r.variant,
    String(r.calls),
    String(r.minimum),
    (r.calls / r.minimum).toFixed(3),
    String(r.statusCalls),
    String(r.listCalls),
    r.seconds.toFixed(2),
    (r.seconds / (r.calls / PER_SECOND)).toFixed(3),
    `${r.succeeded} / ${r.failed}`,
    String(r.rateLimited),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ');
  console.log(
    `bulk upgrade of ${UPGRADES} collectors (org of ${ORG_SIZE}), ${PER_SECOND} req/s and ${CONCURRENT} in flight on both sides, clock ×${CLOCK_SPEED}, poll every ${POLL_MS} ms`,
  );
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const line of lines) console.log(format(line));
  const ours = rows[0];
  if (ours) {
    const callRatio = ours.calls / ours.minimum;
    const wallRatio = ours.seconds / (ours.calls / PER_SECOND);
    console.log(
      `core: calls ÷ min ${callRatio.toFixed(3)} (target ≤ 1.1 ${callRatio <= 1.1 ? 'met' : 'MISSED'}), wall ÷ (calls ÷ rate) ${wallRatio.toFixed(3)} (target ≤ 1.1 ${wallRatio <= 1.1 ? 'met' : 'MISSED'})`,
    );
  }
}

async function main() {
  const rows = [await core(), await perTaskPolling()];
  print(rows);
}

main().catch((error) => {
  console.error('bench/bulk-upgrade could not run:', error);
  process.exit(1);
});
