import { DIAGNOSE_MAX_CALLS, type Diagnosis, type IngestBudgetItem } from '@sumo-ops/core';
import { type Block, clip, fitBlocks, LIMITS, RESERVED_TEXT } from '../blocks/limits.js';
import { code, context, escapeMrkdwn, fieldsSection, header, section, slackTime } from '../blocks/text.js';
import { eventSubject, groupEvents, plural, SEVERITY_ICONS, severityLine } from './events-blocks.js';

const KIND_NAMES = {
  installed: 'Installed collector',
  hosted: 'Hosted collector',
  ot: 'OpenTelemetry collector',
};
/** Causes shown one by one; the diagnosis ranks them, so the first few are what to act on. */
const MAX_CAUSES = 8;

export function bytesText(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

function timeText(iso: string | undefined): string | undefined {
  if (iso === undefined || Number.isNaN(Date.parse(iso))) return undefined;
  return slackTime(Date.parse(iso));
}

function liveness(collector: Diagnosis['collector']): string {
  const heartbeat = timeText(collector.lastSeenAlive);
  if (collector.alive === false)
    return `:red_circle: offline${heartbeat ? ` — last heartbeat ${heartbeat}` : ' (no heartbeat time known)'}`;
  if (collector.alive === true)
    return `:large_green_circle: alive${heartbeat ? ` — last heartbeat ${heartbeat}` : ''}`;
  return ':white_circle: unknown';
}

function version(collector: Diagnosis['collector']): string {
  if (!collector.version) return collector.kind === 'hosted' ? 'hosted (runs in Sumo Logic)' : '—';
  const shown = code(collector.version);
  if (!collector.latestVersion) return shown;
  return collector.version === collector.latestVersion
    ? `${shown} (the latest)`
    : `${shown} — latest is ${code(collector.latestVersion)}`;
}

function dataLine(data: Diagnosis['data']): string {
  if (!data.checked) return ':grey_question: not checked (see the notes)';
  const silent = data.silentSources?.length ?? 0;
  const messages = plural(data.messages ?? 0, 'message');
  return `${(data.messages ?? 0) > 0 ? ':large_green_circle:' : ':red_circle:'} ${messages}${silent > 0 ? ` · ${plural(silent, 'source')} silent` : ''}`;
}

function budgetLine(budget: IngestBudgetItem): string {
  const usage =
    budget.usageBytes === undefined
      ? 'usage unknown'
      : `${bytesText(budget.usageBytes)} of ${bytesText(budget.capacityBytes)}${budget.usagePercent === undefined ? '' : ` (${budget.usagePercent}%)`}`;
  const reset = budget.resetTime ? `, resets ${budget.resetTime} ${budget.timezone ?? ''}`.trimEnd() : '';
  const icon =
    budget.usageStatus === 'Exceeded'
      ? ':red_circle:'
      : budget.usageStatus === 'Approaching'
        ? ':large_yellow_circle:'
        : ':white_circle:';
  return `${icon} ${code(budget.name)} ${escapeMrkdwn(budget.usageStatus)}: ${usage}, ${code(budget.action)}${escapeMrkdwn(reset)} — scope ${code(budget.scope)}`;
}

function causeSection(cause: Diagnosis['causes'][number], rank: number): Block {
  return section(
    clip(
      `*${rank}. ${escapeMrkdwn(cause.cause)}*\n${escapeMrkdwn(cause.evidence)}\n:point_right: ${escapeMrkdwn(cause.nextStep)}`,
      LIMITS.sectionText,
    ),
  );
}

/**
 * `/sumo why <collector>` as an on-call human reads it: what the collector is and whether it
 * lives, what Sumo says about it, its budgets and recent data, then the likely causes — most
 * likely first, each with the next step — and what the diagnosis cost in API calls.
 */
export function diagnosisBlocks(diagnosis: Diagnosis): Block[] {
  const { collector, causes, healthEvents, budgets, data } = diagnosis;
  const events: Record<string, number> = {};
  for (const event of healthEvents) events[event.severity] = (events[event.severity] ?? 0) + 1;
  const pressing = budgets.filter((budget) => budget.usageStatus !== 'Normal').length;
  const blocks: Block[] = [
    header(`Diagnosis of ${escapeMrkdwn(collector.name)}`),
    fieldsSection([
      [
        'Collector',
        `${KIND_NAMES[collector.kind]} ${code(collector.name)} (id ${code(collector.id)})${collector.hostName ? ` on ${code(collector.hostName)}` : ''}`,
      ],
      ['Liveness', liveness(collector)],
      ['Version', version(collector)],
      ['Health events', healthEvents.length === 0 ? 'none unresolved' : severityLine(events)],
      [
        'Ingest budgets over its data',
        budgets.length === 0
          ? 'none'
          : `${budgets.length}${pressing > 0 ? ` (${pressing} Approaching or Exceeded)` : ', all Normal'}`,
      ],
      [`Data, last ${data.window}`, dataLine(data)],
    ]),
    section(
      causes.length === 0
        ? ':white_check_mark: *Likely causes:* none — it is alive, nothing Sumo reports is wrong and data arrives.'
        : `*Likely causes, most likely first* (${causes.length})`,
    ),
    ...causes.slice(0, MAX_CAUSES).map((cause, index) => causeSection(cause, index + 1)),
  ];
  if (causes.length > MAX_CAUSES) blocks.push(context(`… and ${causes.length - MAX_CAUSES} less likely.`));
  if (healthEvents.length > 0) {
    const lines = groupEvents(healthEvents).flatMap((group) =>
      group.events.map(
        (event) =>
          `${SEVERITY_ICONS[event.severity] ?? ':white_circle:'} *${escapeMrkdwn(event.eventName)}* on ${eventSubject(event)}${event.error ? `: ${escapeMrkdwn(event.error)}` : ''}`,
      ),
    );
    blocks.push(section(clip(`*Health events*\n${lines.join('\n')}`, LIMITS.sectionText)));
  }
  if (budgets.length > 0) {
    blocks.push(section(clip(`*Ingest budgets*\n${budgets.map(budgetLine).join('\n')}`, LIMITS.sectionText)));
  }
  if (data.checked && ((data.bySource?.length ?? 0) > 0 || (data.silentSources?.length ?? 0) > 0)) {
    const arriving = (data.bySource ?? [])
      .slice(0, 10)
      .map((row) => `${code(row.source)} ${row.messages.toLocaleString('en-US')}`);
    const silent = (data.silentSources ?? []).slice(0, 10).map((name) => code(name));
    blocks.push(
      section(
        clip(
          `*Data, last ${data.window}*${arriving.length > 0 ? `\nBy source: ${arriving.join(' · ')}` : ''}${silent.length > 0 ? `\nSilent: ${silent.join(' · ')}` : ''}`,
          LIMITS.sectionText,
        ),
      ),
    );
  }
  blocks.push(
    context(
      ...diagnosis.notes.map(escapeMrkdwn),
      `Spent ${plural(diagnosis.apiCalls, 'Sumo Logic API call')} (at most ${DIAGNOSE_MAX_CALLS}).`,
    ),
  );
  return fitBlocks(blocks, LIMITS.totalText - RESERVED_TEXT);
}

/** The notification text: the collector and what most likely ails it. */
export function diagnosisText(diagnosis: Diagnosis): string {
  const [first] = diagnosis.causes;
  return clip(
    `Diagnosis of ${escapeMrkdwn(diagnosis.collector.name)}: ${first ? escapeMrkdwn(first.cause) : 'nothing looks wrong'}`,
    500,
  );
}

/** Shown while the diagnosis runs, with what it does and costs. */
export function diagnosingMessage(collector: string | number): { text: string; blocks: Block[] } {
  const text = `:hourglass_flowing_sand: Diagnosing ${code(String(collector))}: liveness, version, health events, ingest budgets and a search for data in the last 15 minutes — at most ${DIAGNOSE_MAX_CALLS} Sumo Logic API calls.`;
  return { text: clip(text, 500), blocks: [section(text)] };
}
