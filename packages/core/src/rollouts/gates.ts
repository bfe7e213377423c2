import { iterateCollectors } from '../api/collectors.js';
import { collectHealthEvents } from '../api/health-events.js';
import { resourceIdNumber } from '../api/resource-id.js';
import type { SumoClient } from '../http/client.js';
import type { Logger } from '../logger.js';
import { concernsCollector } from '../operations/health.js';
import type { Collector } from '../schemas/collector.js';
import { withSearchJob } from '../search/search-job.js';
import type { GateFailure, GateResult, RolloutCollector, RolloutRecord } from './rollout-store.js';

/** A whole org's unresolved events, 1000 a call, as list_health_events reads them. */
const MAX_EVENT_PAGES = 20;
/** Gate failures kept in the record for one wave. */
const FAILURES_KEPT = 200;
/**
 * The data gate compares the end of the soak with the moments just before the upgrade, each this
 * share of the soak long (at most DATA_WINDOW_MAX_MS): the end, because a build that breaks
 * collection a minute after the restart still sent in that minute; just before, because a
 * collector whose data had stopped hours earlier (an exceeded ingest budget, a broken source) did
 * not stop for the upgrade, and a span as long as a day's soak would still hold its older data.
 */
const DATA_WINDOW_SHARE = 0.5;
const DATA_WINDOW_MAX_MS = 3_600_000;
/**
 * Fewer messages than this just before the upgrade is too little to call silence after it a stop
 * (a source that sends now and then, or had stopped already): such a collector is noted, not judged.
 */
const DATA_BASELINE_MIN = 5;
const COUNT_QUERY = '* | count by _collectorId';

export interface GateOptions {
  /** The rollout clock's now, for the result. */
  now: number;
  signal?: AbortSignal | undefined;
  logger?: Logger | undefined;
  /** Search status polling; tests under a fast simulated clock shorten it. */
  searchPoll?: { initialMs?: number; maxMs?: number } | undefined;
}

/**
 * The gates between waves, after the wave's tasks ended and its soak passed. Each costs the same
 * whatever the wave's size: one paged list of collectors (1000 a call), one paged list of the
 * org's unresolved health events (1000 a call) and, unless the rollout skips it, two `count by
 * _collectorId` searches — the end of the soak, and as long just before the wave started.
 */
export async function checkWaveGates(
  client: SumoClient,
  record: RolloutRecord,
  waveIndex: number,
  options: GateOptions,
): Promise<GateResult> {
  const members = record.collectors.filter((collector) => collector.wave === waveIndex);
  const failures: GateFailure[] = [];
  const notes: string[] = [];
  // The record is rewritten at every step: a wave of 1,000 collectors with many events each
  // keeps the first failures and counts the rest.
  let notKept = 0;
  const fail = (collector: RolloutCollector, gate: GateFailure['gate'], reason: string) => {
    if (failures.length < FAILURES_KEPT)
      failures.push({ collectorId: collector.collectorId, name: collector.name, gate, reason });
    else notKept += 1;
  };

  for (const collector of members) {
    if (collector.outcome !== 'succeeded') {
      fail(
        collector,
        'task',
        `upgrade task ${collector.taskId ?? '(none)'} ${collector.outcome ?? 'never started'}${collector.message ? `: ${collector.message}` : ''}`,
      );
    }
  }

  const call = { signal: options.signal };
  const [collectors, events, data] = await Promise.all([
    (async () => {
      const byId = new Map<number, Collector>();
      for await (const collector of iterateCollectors(client, { filter: 'installed' }, call))
        byId.set(collector.id, collector);
      return byId;
    })(),
    collectHealthEvents(client, { ...call, maxPages: MAX_EVENT_PAGES }),
    dataCounts(client, record, waveIndex, options, notes),
  ]);

  const unjudged: string[] = [];
  for (const member of members) {
    const collector = collectors.get(member.collectorId);
    if (!collector) fail(member, 'alive', 'it is no longer in the collector list');
    else if (!collector.alive) {
      const seen = collector.lastSeenAlive
        ? `; last heartbeat ${new Date(collector.lastSeenAlive).toISOString()}`
        : '';
      fail(member, 'alive', `not alive since its upgrade${seen}`);
    }
    for (const event of events.items) {
      if (event.severityLevel !== 'Error' || Date.parse(event.eventTime) < record.createdAt) continue;
      if (!concernsCollector(event, member.collectorId)) continue;
      const on =
        event.resourceIdentity.type === 'Source'
          ? ` on source ${event.resourceIdentity.name ?? event.resourceIdentity.id}`
          : '';
      fail(
        member,
        'health',
        `${event.eventName}${on}: ${event.details.error ?? event.details.description ?? 'no reason given'}`,
      );
    }
    if (data) {
      const id = resourceIdNumber(member.collectorId);
      const before = (id !== undefined && data.before.get(id)) || 0;
      const after = (id !== undefined && data.after.get(id)) || 0;
      if (before < DATA_BASELINE_MIN) unjudged.push(member.name);
      else if (after === 0)
        fail(
          member,
          'data',
          `no data in the last ${duration(data.windowMs)} of the soak, against ${before} messages in the ${duration(data.windowMs)} before its upgrade`,
        );
    }
  }
  if (data && unjudged.length > 0)
    notes.push(
      `${unjudged.length} collector(s) sent under ${DATA_BASELINE_MIN} messages in the ${duration(data.windowMs)} before their upgrade, so their data was not judged: ${unjudged.slice(0, 5).join(', ')}${unjudged.length > 5 ? ', …' : ''}.`,
    );
  if (!events.complete) {
    // An Error event past the pages read would pass unseen: a gate that cannot look does not pass.
    for (const member of members)
      fail(
        member,
        'health',
        `not judged: the org has more than ${MAX_EVENT_PAGES * 1000} unresolved health events, and only the first ${MAX_EVENT_PAGES * 1000} were read`,
      );
  }
  if (notKept > 0) notes.push(`${notKept} more gate failure(s) than the ${FAILURES_KEPT} kept.`);
  return { passed: failures.length === 0, checkedAt: options.now, failures, notes };
}

async function dataCounts(
  client: SumoClient,
  record: RolloutRecord,
  waveIndex: number,
  options: GateOptions,
  notes: string[],
): Promise<{ windowMs: number; before: Map<bigint, number>; after: Map<bigint, number> } | undefined> {
  const wave = record.waves[waveIndex];
  if (!record.checkData) return undefined;
  if (!wave?.startedAt || !wave.tasksEndedAt || !wave.soakUntil || wave.soakUntil <= wave.tasksEndedAt) {
    notes.push('No soak, so data arrival was not compared.');
    return undefined;
  }
  const windowMs = Math.min((wave.soakUntil - wave.tasksEndedAt) * DATA_WINDOW_SHARE, DATA_WINDOW_MAX_MS);
  const [before, after] = await Promise.all([
    countByCollector(client, wave.startedAt - windowMs, wave.startedAt, options),
    countByCollector(client, wave.soakUntil - windowMs, wave.soakUntil, options),
  ]);
  return { windowMs, before, after };
}

/**
 * Messages by collector id rather than name: a collector renamed during a long soak is still the
 * one that was upgraded (ids match written either way).
 */
async function countByCollector(
  client: SumoClient,
  from: number,
  to: number,
  options: GateOptions,
): Promise<Map<bigint, number>> {
  return withSearchJob(
    client,
    { query: COUNT_QUERY, from, to },
    async (job) => {
      await job.waitUntilDone({ signal: options.signal });
      const counts = new Map<bigint, number>();
      for await (const row of job.records({ signal: options.signal, pageSize: 10_000 })) {
        const id = resourceIdNumber(row._collectorId);
        if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + Number(row._count ?? 0));
      }
      return counts;
    },
    { signal: options.signal, logger: options.logger, poll: options.searchPoll },
  );
}

/** A data window (an hour at most) as people say it. */
function duration(ms: number): string {
  if (ms >= 2 * 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 1000)} s`;
}
