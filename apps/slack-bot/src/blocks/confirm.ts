import type { AnyOperation, OperationPreview } from '@sumo-ops/core';
import type { PendingAction } from '../pending-actions.js';
import type { Reply } from './help.js';
import { type Block, blockTextLength, clip, fitBlocks, LIMITS, RESERVED_TEXT } from './limits.js';
import { itemsTable } from './result.js';
import { code, codeBlock, context, escapeMrkdwn, section } from './text.js';

export const CONFIRM_ACTION_ID = 'sumo_confirm';
export const CANCEL_ACTION_ID = 'sumo_cancel';

/** The preview's share of a message; the buttons, the outcome and the result share the rest. */
const PREVIEW_BUDGET = 6_000;

function slackDate(epochMs: number): string {
  const seconds = Math.floor(epochMs / 1000);
  return `<!date^${seconds}^{time}|${new Date(epochMs).toISOString()}>`;
}

/** What would happen, as blocks: the summary, the objects affected, the warnings. */
export function previewBlocks(
  operation: AnyOperation,
  commandText: string,
  userId: string,
  preview: OperationPreview,
  /** The org it acts on, with an orgs file. */
  org?: string | undefined,
): Block[] {
  const mark = operation.kind === 'destructive' ? ':warning:' : ':pencil2:';
  const where = org ? ` in *${escapeMrkdwn(org)}*` : '';
  const blocks: Block[] = [
    section(
      `${mark} *${escapeMrkdwn(operation.title)}*${where} — asked by <@${userId}>\n${code(clip(commandText, 500))}`,
    ),
    section(escapeMrkdwn(preview.summary)),
  ];
  const { details } = preview;
  const listed = listedDetails(details);
  if (Array.isArray(details) && details.length > 0) blocks.push(itemsTable(details));
  else if (listed) blocks.push(...listed);
  else if (details !== undefined && details !== null) {
    blocks.push(codeBlock(JSON.stringify(details, null, 2).split('\n'), 1500));
  }
  const warnings = preview.warnings ?? [];
  if (warnings.length > 0) {
    blocks.push(
      section(
        clip(warnings.map((warning) => `:grey_exclamation: ${escapeMrkdwn(warning)}`).join('\n'), 1500),
      ),
    );
  }
  return fitBlocks(blocks, PREVIEW_BUDGET, 30);
}

/**
 * Details that hold the objects affected as a list (`{count, collectors: […]}`) read best as
 * that list's table under a line of the other values; anything else is shown as JSON.
 */
function listedDetails(details: unknown): Block[] | undefined {
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return undefined;
  const entries = Object.entries(details);
  const lists = entries.filter(
    (entry): entry is [string, unknown[]] => Array.isArray(entry[1]) && entry[1].length > 0,
  );
  if (lists.length === 0) return undefined;
  const plain = entries
    .filter(([, value]) => ['string', 'number', 'boolean'].includes(typeof value))
    .map(([key, value]) => `${escapeMrkdwn(key)}: ${escapeMrkdwn(String(value))}`);
  const blocks: Block[] = plain.length > 0 ? [section(plain.join(' · '))] : [];
  for (const [key, items] of lists)
    blocks.push(section(`*${escapeMrkdwn(key)}* (${items.length})`), itemsTable(items));
  return blocks;
}

/**
 * The preview with Confirm (danger, behind Slack's own "are you sure" dialog) and Cancel. The
 * buttons carry only the pending action's id; the input stays on the server.
 */
export function confirmationMessage(
  operation: AnyOperation,
  action: PendingAction,
  commandText: string,
  ttlMs: number,
  notes: string[] = [],
): Reply {
  const blocks = previewBlocks(operation, commandText, action.userId, action.preview, action.org);
  blocks.push(
    {
      type: 'actions',
      block_id: 'sumo_confirmation',
      elements: [
        {
          type: 'button',
          action_id: CONFIRM_ACTION_ID,
          style: 'danger',
          // With orgs, the button says where in words: "Delete a collector in staging".
          text: {
            type: 'plain_text',
            text: action.org ? clip(`${operation.title} in ${action.org}`, LIMITS.buttonText) : 'Confirm',
          },
          value: action.id,
          confirm: {
            title: {
              type: 'plain_text',
              text: clip(
                action.org ? `${operation.title} in ${action.org}` : operation.title,
                LIMITS.confirmTitle,
              ),
            },
            // Slack decodes these three entities in plain text too, and parses them nowhere else.
            text: {
              type: 'plain_text',
              text: clip(escapeMrkdwn(action.preview.summary), LIMITS.confirmText),
            },
            confirm: {
              type: 'plain_text',
              text: operation.kind === 'destructive' ? 'Yes, do it' : 'Confirm',
            },
            deny: { type: 'plain_text', text: 'Keep things as they are' },
            style: 'danger',
          },
        },
        {
          type: 'button',
          action_id: CANCEL_ACTION_ID,
          text: { type: 'plain_text', text: 'Cancel' },
          value: action.id,
        },
      ],
    },
    context(
      `Only <@${action.userId}> can confirm. Expires at ${slackDate(action.createdAt + ttlMs)}.`,
      ...notes,
    ),
  );
  return {
    text: clip(`${operation.title}: ${escapeMrkdwn(action.preview.summary)} Confirm or cancel.`, 500),
    blocks,
  };
}

/** Nothing to confirm: the preview says running would change nothing. */
export function nothingToDoMessage(
  operation: AnyOperation,
  commandText: string,
  userId: string,
  preview: OperationPreview,
): Reply {
  return {
    text: clip(`${operation.title}: nothing to do. ${escapeMrkdwn(preview.summary)}`, 500),
    blocks: [
      ...previewBlocks(operation, commandText, userId, preview),
      context('Nothing would change, so there is nothing to confirm.'),
    ],
  };
}

/** The preview without buttons: a confirmation cannot be kept safely right now (shared state unreachable). */
export function confirmationsUnavailableMessage(
  operation: AnyOperation,
  commandText: string,
  userId: string,
  preview: OperationPreview,
  reason: string,
): Reply {
  const line = `:no_entry: Confirmations are unavailable right now, so this cannot be confirmed. ${reason}`;
  return {
    text: clip(`${operation.title}: confirmations are unavailable right now. Nothing was changed.`, 500),
    blocks: [...previewBlocks(operation, commandText, userId, preview), section(clip(line, 2_000))],
  };
}

export type Outcome =
  | { status: 'running'; by: string }
  | { status: 'succeeded'; by: string; result: Block[] }
  | { status: 'failed'; by: string; reason: string }
  /** The request may or may not have taken effect (its answer was lost): say so, and how to check. */
  | { status: 'unknown'; by: string; reason: string }
  | { status: 'cancelled'; by: string }
  | { status: 'expired' }
  | { status: 'refused'; reason: string };

/** Replaces the buttons: the preview as it was, then what became of it. */
export function outcomeMessage(
  operation: AnyOperation,
  action: PendingAction,
  commandText: string,
  outcome: Outcome,
): Reply {
  const blocks = previewBlocks(operation, commandText, action.userId, action.preview, action.org);
  let line: string;
  switch (outcome.status) {
    case 'running':
      line = `:hourglass_flowing_sand: Confirmed by <@${outcome.by}> — running…`;
      break;
    case 'succeeded':
      line = `:white_check_mark: Done — confirmed by <@${outcome.by}>.`;
      break;
    case 'failed':
      line = `:x: Failed (confirmed by <@${outcome.by}>): ${escapeMrkdwn(outcome.reason)}`;
      break;
    case 'unknown':
      line = `:warning: Outcome unknown (confirmed by <@${outcome.by}>): ${escapeMrkdwn(outcome.reason)}`;
      break;
    case 'cancelled':
      line = `:no_entry_sign: Cancelled by <@${outcome.by}>. Nothing was changed.`;
      break;
    case 'expired':
      line =
        ':alarm_clock: This confirmation expired; nothing was changed. Run the command again to get a fresh one.';
      break;
    case 'refused':
      line = `:no_entry: Not run: ${escapeMrkdwn(outcome.reason)}`;
      break;
  }
  blocks.push(section(line));
  if (outcome.status === 'succeeded') {
    const used = blocks.reduce((sum, block) => sum + blockTextLength(block), 0);
    blocks.push(
      ...fitBlocks(
        outcome.result,
        LIMITS.totalText - RESERVED_TEXT - used,
        LIMITS.blocks - blocks.length - 1,
      ),
    );
  }
  return { text: clip(`${operation.title}: ${line}`, 500), blocks };
}
