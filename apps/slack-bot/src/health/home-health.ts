import { type HealthEventItem, isSumoApiError, type OfflineOtCollectors } from '@sumo-ops/core';
import { describeError } from '../blocks/errors.js';
import { type Block, clip } from '../blocks/limits.js';
import { code, escapeMrkdwn, fieldsSection, section } from '../blocks/text.js';
import { groupEvents, type HealthEventsAnswer, plural, SEVERITY_ICONS } from './events-blocks.js';

/** The OT collectors and Sumo's health events, as App Home shows them beside the installed fleet. */
export interface FleetHealth {
  ot: { total?: number | undefined; offline?: number | undefined; error?: string | undefined };
  health: {
    errors: number;
    warnings: number;
    /** The most pressing event names: errors first, then the most frequent. */
    top: Array<{ name: string; severity: string; count: number; resources: string[] }>;
    /** False when the org had more events than one read takes. */
    complete: boolean;
    error?: string | undefined;
  };
}

/** Event names shown on the tab; `/sumo health` has them all. */
const TOP_EVENTS = 3;
/** Events read for the tab: every event of one page of the API (its maximum), one call for most orgs. */
const EVENTS_READ = 1_000;

type Run = <T>(operation: string, input: unknown) => Promise<T>;

/**
 * Two reads beside the installed fleet's: the OT collectors in all (offline ones come counted in
 * `list_offline_collectors`), and the unresolved health events. Either may be refused (a key
 * without that permission) without hiding the rest of the tab: it then says why.
 */
export async function readFleetHealth(
  run: Run,
  offlineOt: OfflineOtCollectors | undefined,
): Promise<FleetHealth> {
  const [ot, events] = await Promise.allSettled([
    run<{ items: unknown[]; total?: number; next: string | null }>('list_ot_collectors', { limit: 1 }),
    run<HealthEventsAnswer>('list_health_events', { limit: EVENTS_READ }),
  ]);
  const failure = (reason: unknown) => {
    if (!isSumoApiError(reason)) throw reason;
    return describeError(reason);
  };
  return {
    ot:
      ot.status === 'fulfilled'
        ? { total: ot.value.total, offline: offlineOt?.count }
        : { error: failure(ot.reason) },
    health:
      events.status === 'fulfilled'
        ? {
            errors: events.value.counts.bySeverity.Error ?? 0,
            warnings: events.value.counts.bySeverity.Warning ?? 0,
            top: groupEvents(events.value.items)
              .slice(0, TOP_EVENTS)
              .map((group) => ({
                name: group.name,
                severity: group.severity,
                count: events.value.counts.byName[group.name] ?? group.events.length,
                resources: group.events.slice(0, 3).map(resourceLabel),
              })),
            complete: events.value.complete && events.value.nextOffset === null,
          }
        : { errors: 0, warnings: 0, top: [], complete: false, error: failure(events.reason) },
  };
}

function resourceLabel(event: HealthEventItem): string {
  const name = event.resourceName ?? event.resourceId;
  return event.resourceType === 'Source' && event.collectorName ? `${name} on ${event.collectorName}` : name;
}

const count = (value: number) => value.toLocaleString('en-US');

/** Health counts, the top event names and OT collectors alive / offline, for the App Home tab. */
export function fleetHealthBlocks(fleet: FleetHealth): Block[] {
  const { ot, health } = fleet;
  const otAlive = ot.total !== undefined && ot.offline !== undefined ? count(ot.total - ot.offline) : '?';
  const blocks: Block[] = [
    fieldsSection([
      [
        'Health events (unresolved)',
        health.error
          ? 'could not be read'
          : `${SEVERITY_ICONS.Error} ${plural(health.errors, 'error')} · ${SEVERITY_ICONS.Warning} ${plural(health.warnings, 'warning')}${health.complete ? '' : ' (of the first 1,000)'}`,
      ],
      [
        'OpenTelemetry collectors',
        ot.error
          ? 'could not be read'
          : `${ot.total === undefined ? '?' : count(ot.total)} (alive ${otAlive} / offline ${ot.offline === undefined ? '?' : count(ot.offline)})`,
      ],
    ]),
  ];
  if (health.top.length > 0) {
    const lines = health.top.map(
      (top) =>
        `${SEVERITY_ICONS[top.severity] ?? ':white_circle:'} *${escapeMrkdwn(top.name)}* × ${count(top.count)} — ${top.resources.map(escapeMrkdwn).join(', ')}${top.count > top.resources.length ? ', …' : ''}`,
    );
    blocks.push(
      section(clip(`*Most pressing* (${code('/sumo health')} has them all)\n${lines.join('\n')}`, 2_000)),
    );
  }
  const problems = [
    health.error ? `Health events: ${health.error}` : undefined,
    ot.error ? `OT collectors: ${ot.error}` : undefined,
  ].filter((problem): problem is string => problem !== undefined);
  if (problems.length > 0) blocks.push(section(clip(`:x: ${escapeMrkdwn(problems.join(' '))}`, 2_000)));
  return blocks;
}
