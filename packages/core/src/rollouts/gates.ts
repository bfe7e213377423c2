import { iterateCollectors } from '../api/collectors.js';
import { collectHealthEvents } from '../api/health-events.js';
import type { SumoClient } from '../http/client.js';
import type { Logger } from '../logger.js';
import { concernsCollector } from '../operations/health.js';
import type { Collector } from '../schemas/collector.js';
import { withSearchJob } from '../search/search-job.js';
import type { GateFailure, GateResult, RolloutCollector, RolloutRecord } from './rollout-store.js';

/** A whole org's unresolved events, 1000 a call, as list_health_events reads them. */
const MAX_EVENT_PAGES = 20;
/**
 * Fewer messages than this in the span before the upgrade is too little to call silence after it
 * a stop (a source that sends now and then): such a collector is noted, not failed.
 */
const DATA_BASELINE_MIN = 5;
const COUNT_QUERY = '* | count by _collector';

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
 * _collector` searches — the soak, and the same span before the wave started.
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
  const fail = (collector: RolloutCollector, gate: GateFailure['gate'], reason: string) =>
    failures.push({ collectorId: collector.collectorId, name: collector.name, gate, reason });

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
      const before = data.before.get(member.name) ?? 0;
      const after = data.after.get(member.name) ?? 0;
      if (after === 0 && before >= DATA_BASELINE_MIN)
        fail(
          member,
          'data',
          `no data during the soak, against ${before} messages in the same span before its upgrade`,
        );
    }
  }
  if (!events.complete) notes.push(`Only the first ${MAX_EVENT_PAGES * 1000} health events were read.`);
  return { passed: failures.length === 0, checkedAt: options.now, failures, notes };
}

async function dataCounts(
  client: SumoClient,
  record: RolloutRecord,
  waveIndex: number,
  options: GateOptions,
  notes: string[],
): Promise<{ before: Map<string, number>; after: Map<string, number> } | undefined> {
  const wave = record.waves[waveIndex];
  if (!record.checkData) return undefined;
  if (!wave?.startedAt || !wave.tasksEndedAt || !wave.soakUntil || wave.soakUntil <= wave.tasksEndedAt) {
    notes.push('No soak, so data arrival was not compared.');
    return undefined;
  }
  const span = wave.soakUntil - wave.tasksEndedAt;
  const [before, after] = await Promise.all([
    countByCollector(client, wave.startedAt - span, wave.startedAt, options),
    countByCollector(client, wave.tasksEndedAt, wave.soakUntil, options),
  ]);
  return { before, after };
}

async function countByCollector(
  client: SumoClient,
  from: number,
  to: number,
  options: GateOptions,
): Promise<Map<string, number>> {
  return withSearchJob(
    client,
    { query: COUNT_QUERY, from, to },
    async (job) => {
      await job.waitUntilDone({ signal: options.signal });
      const counts = new Map<string, number>();
      for await (const row of job.records({ signal: options.signal, pageSize: 10_000 })) {
        if (row._collector !== undefined) counts.set(row._collector, Number(row._count ?? 0));
      }
      return counts;
    },
    { signal: options.signal, logger: options.logger, poll: options.searchPoll },
  );
}
