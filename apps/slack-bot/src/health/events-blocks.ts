import type { HealthEventItem } from '@sumo-ops/core';
import { type Block, clip, fitBlocks, LIMITS, RESERVED_TEXT } from '../blocks/limits.js';
import { code, context, escapeMrkdwn, section, slackTime } from '../blocks/text.js';

/** `list_health_events` as it answers (the fields this view reads). */
export interface HealthEventsAnswer {
  items: HealthEventItem[];
  offset: number;
  total?: number | undefined;
  nextOffset: number | null;
  counts: { byName: Record<string, number>; bySeverity: Record<string, number> };
  complete: boolean;
}

/** Resources named under one event name; the count beside the name is always the whole one. */
const RESOURCES_PER_GROUP = 6;

export const SEVERITY_ICONS: Readonly<Record<string, string>> = {
  Error: ':red_circle:',
  Warning: ':large_yellow_circle:',
};

export function plural(count: number, word: string): string {
  return `${count.toLocaleString('en-US')} ${word}${count === 1 ? '' : 's'}`;
}

/** "6 errors · 1 warning": errors first, and both always said, so "0 errors" reads as good news. */
export function severityLine(bySeverity: Readonly<Record<string, number>>): string {
  const others = Object.entries(bySeverity)
    .filter(([severity]) => severity !== 'Error' && severity !== 'Warning')
    .map(([severity, count]) => `${count.toLocaleString('en-US')} ${severity}`);
  return [plural(bySeverity.Error ?? 0, 'error'), plural(bySeverity.Warning ?? 0, 'warning'), ...others].join(
    ' · ',
  );
}

/**
 * Who an event is about, and the collector to fix: a source event names its collector, since
 * that is what `/sumo why` and the person on call act on.
 */
export function eventSubject(event: HealthEventItem): string {
  const name = code(event.resourceName ?? event.resourceId);
  switch (event.resourceType) {
    case 'Source':
      return `source ${name} on collector ${code(event.collectorName ?? event.collectorId ?? '?')}`;
    case 'Collector':
      return `collector ${name}`;
    case 'IngestBudget':
      return `ingest budget ${name}`;
    default:
      return `${escapeMrkdwn(event.resourceType.toLowerCase())} ${name}`;
  }
}

interface EventGroup {
  name: string;
  severity: string;
  events: HealthEventItem[];
}

/** Events by name, errors first, then the most frequent; within a group the answer's own order (newest first). */
export function groupEvents(items: readonly HealthEventItem[]): EventGroup[] {
  const groups = new Map<string, EventGroup>();
  for (const event of items) {
    const group = groups.get(event.eventName) ?? {
      name: event.eventName,
      severity: event.severity,
      events: [],
    };
    if (event.severity === 'Error') group.severity = 'Error';
    group.events.push(event);
    groups.set(event.eventName, group);
  }
  return [...groups.values()].sort(
    (a, b) =>
      Number(b.severity === 'Error') - Number(a.severity === 'Error') || b.events.length - a.events.length,
  );
}

function groupSection(group: EventGroup, total: number): Block {
  const [first] = group.events as [HealthEventItem];
  const icon = SEVERITY_ICONS[group.severity] ?? ':white_circle:';
  const reason = first.error ? ` — ${escapeMrkdwn(first.error)}` : '';
  const lines = group.events.slice(0, RESOURCES_PER_GROUP).map((event) => {
    const since = Number.isNaN(Date.parse(event.time)) ? '' : ` since ${slackTime(Date.parse(event.time))}`;
    const why = event.collectorName ? ` → ${code(`/sumo why ${event.collectorName}`)}` : '';
    return `• ${eventSubject(event)}${since}${why}`;
  });
  const more = total - Math.min(group.events.length, RESOURCES_PER_GROUP);
  if (more > 0) lines.push(`… and ${more} more`);
  // Plain, not italics: descriptions hold scopes like `_sourceCategory=…` whose underscores would end them.
  const description = first.description ? `\n${escapeMrkdwn(clip(first.description, 300))}` : '';
  return section(
    clip(
      `${icon} *${escapeMrkdwn(group.name)}* · ${escapeMrkdwn(group.severity)} · ${total}${reason}${description}\n${lines.join('\n')}`,
      LIMITS.sectionText,
    ),
  );
}

/**
 * `/sumo health [collector]`: counts by severity, then one section per event name — errors
 * first — naming each resource and, for a source, its collector.
 */
export function healthEventsBlocks(answer: HealthEventsAnswer, collector?: string | number): Block[] {
  const about = collector === undefined ? '' : ` of ${code(String(collector))} and its sources`;
  const total = answer.total ?? answer.items.length;
  if (total === 0) {
    return [
      section(
        `:large_green_circle: *Health events*${about}: none unresolved.${answer.complete ? '' : ' (Only part of the org’s events could be read.)'}`,
      ),
    ];
  }
  const blocks: Block[] = [
    section(`:stethoscope: *Health events*${about} — ${severityLine(answer.counts.bySeverity)}`),
    ...groupEvents(answer.items).map((group) =>
      groupSection(group, answer.counts.byName[group.name] ?? group.events.length),
    ),
  ];
  const shown =
    answer.items.length === 0 ? 'none' : `${answer.offset + 1}–${answer.offset + answer.items.length}`;
  const next = answer.nextOffset === null ? '' : ` · next page: add \`offset=${answer.nextOffset}\``;
  const notes = [`Events ${shown} of ${total}${next}. \`/sumo why <collector>\` diagnoses one collector.`];
  if (!answer.complete)
    notes.push('The org has more unresolved events than were read: counts are of those read.');
  blocks.push(context(...notes));
  return fitBlocks(blocks, LIMITS.totalText - RESERVED_TEXT);
}
