import { type OfflineOtCollectors, OT_LIVENESS_NOTE, type OtCollectorSummary } from '@sumo-ops/core';
import { type Block, fitBlocks, LIMITS, RESERVED_TEXT } from '../blocks/limits.js';
import { pagingNote } from '../blocks/result.js';
import { code, codeBlock, context, displayValue, escapeMrkdwn, section, table } from '../blocks/text.js';

/** `list_ot_collectors` as it answers (the fields this view reads). */
export interface OtCollectorPage {
  items: OtCollectorSummary[];
  next: string | null;
  total?: number | undefined;
}

/** `list_offline_collectors` as it answers: installed ones on the page, OT ones counted beside them. */
export interface OfflineAnswer {
  items: Array<{
    kind?: string;
    id: number;
    name: string;
    collectorVersion: string;
    lastSeenAlive?: string | undefined;
    offlineDays?: number | undefined;
  }>;
  offset: number;
  total?: number | undefined;
  nextOffset: number | null;
  otCollectors?: OfflineOtCollectors | undefined;
}

/** OT collectors as a table whose first column says their kind, as every fleet list here does. */
export function otCollectorsTable(items: readonly OtCollectorSummary[]): Block {
  return codeBlock(
    table(
      ['kind', 'name', 'id', 'alive', 'version', 'host', 'errors/warnings'],
      items.map((collector) => [
        collector.kind,
        collector.name,
        collector.id,
        displayValue(collector.alive),
        collector.version,
        collector.hostName ?? '—',
        `${collector.errors ?? 0}/${collector.warnings ?? 0}`,
      ]),
    ),
  );
}

/** The OT part of a fleet answer: how many, the first of them, and what the OT API cannot tell. */
export function otSectionBlocks(
  title: string,
  part: { count?: number | undefined; items?: readonly OtCollectorSummary[] | undefined; note: string },
): Block[] {
  const items = part.items ?? [];
  if (part.count === undefined && items.length === 0) return [context(escapeMrkdwn(part.note))];
  const count = part.count ?? items.length;
  const shown = items.length < count ? ` (the first ${items.length})` : '';
  const blocks: Block[] = [section(`*${title}*: ${count.toLocaleString('en-US')}${shown}`)];
  if (items.length > 0) blocks.push(otCollectorsTable(items));
  blocks.push(context(escapeMrkdwn(part.note)));
  return blocks;
}

/**
 * `/sumo offline`: installed collectors offline for the days asked, with their days offline,
 * then the offline OpenTelemetry collectors, which cannot be aged (no heartbeat time).
 */
export function offlineBlocks(title: string, answer: OfflineAnswer): Block[] {
  const blocks: Block[] = [section(`*${escapeMrkdwn(title)}* — installed${pagingNote({ ...answer })}`)];
  if (answer.items.length === 0) blocks.push(context('No installed collector is offline that long.'));
  else
    blocks.push(
      codeBlock(
        table(
          ['kind', 'name', 'id', 'days offline', 'last heartbeat', 'version'],
          answer.items.map((collector) => [
            collector.kind ?? 'installed',
            collector.name,
            String(collector.id),
            displayValue(collector.offlineDays),
            displayValue(collector.lastSeenAlive),
            collector.collectorVersion || '—',
          ]),
        ),
      ),
    );
  const ot = answer.otCollectors;
  if (ot) {
    // The core's note names operations; here the same advice is in the words people type.
    const note =
      ot.count === undefined && ot.items === undefined
        ? ot.note
        : `${OT_LIVENESS_NOTE} \`/sumo list-ot-collectors offline\` lists them all; \`/sumo delete-offline-ot-collectors\` deletes them.`;
    blocks.push(...otSectionBlocks('OpenTelemetry collectors offline', { ...ot, note }));
  }
  return fitBlocks(blocks, LIMITS.totalText - RESERVED_TEXT);
}

/** `/sumo list-ot-collectors`: the page, how many in all, and the token of the next page. */
export function otCollectorPageBlocks(title: string, page: OtCollectorPage): Block[] {
  const of = page.total === undefined ? '' : ` of ${page.total.toLocaleString('en-US')}`;
  const blocks: Block[] = [section(`*${escapeMrkdwn(title)}*: ${page.items.length}${of}`)];
  if (page.items.length > 0) blocks.push(otCollectorsTable(page.items));
  if (page.next) blocks.push(context(`Next page: add ${code(`next=${page.next}`)}`));
  return fitBlocks(blocks, LIMITS.totalText - RESERVED_TEXT);
}
