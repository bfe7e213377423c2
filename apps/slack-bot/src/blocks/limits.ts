import type { types } from '@slack/bolt';

export type Block = types.KnownBlock;

/**
 * Block Kit limits as Slack documents them. `totalText` is lower than any documented limit:
 * Slack refuses messages whose blocks hold "too much" text (`msg_blocks_too_long`) well before
 * 50 × 3,000 characters, and about 12k is where that starts.
 */
export const LIMITS = {
  blocks: 50,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  fallbackText: 4000,
  totalText: 12_000,
} as const;

export interface SlackMessage {
  text?: string | undefined;
  blocks?: readonly Block[] | undefined;
}

/**
 * Every way a message breaks Block Kit limits, as readable problems; empty when it fits. The
 * builders stay inside these limits by construction; the tests hold every payload the bot sent
 * to this function.
 */
export function blockKitProblems(message: SlackMessage): string[] {
  const problems: string[] = [];
  const blocks = message.blocks ?? [];
  if (blocks.length > LIMITS.blocks) problems.push(`${blocks.length} blocks (max ${LIMITS.blocks})`);
  if ((message.text?.length ?? 0) > LIMITS.fallbackText)
    problems.push(`fallback text of ${message.text?.length} chars (max ${LIMITS.fallbackText})`);
  let total = 0;
  const check = (where: string, text: string | undefined, max: number) => {
    const length = text?.length ?? 0;
    total += length;
    if (length > max) problems.push(`${where}: ${length} chars (max ${max})`);
  };
  blocks.forEach((block, index) => {
    const at = `block ${index} (${block.type})`;
    if ((block.block_id?.length ?? 0) > LIMITS.blockId) problems.push(`${at}: block_id too long`);
    switch (block.type) {
      case 'header':
        check(`${at} text`, block.text.text, LIMITS.headerText);
        break;
      case 'section': {
        check(`${at} text`, block.text?.text, LIMITS.sectionText);
        const fields = block.fields ?? [];
        if (fields.length > LIMITS.fields)
          problems.push(`${at}: ${fields.length} fields (max ${LIMITS.fields})`);
        for (const [i, field] of fields.entries()) check(`${at} field ${i}`, field.text, LIMITS.fieldText);
        if (!block.text && fields.length === 0) problems.push(`${at}: needs text or fields`);
        break;
      }
      case 'context':
        if (block.elements.length > LIMITS.contextElements)
          problems.push(`${at}: ${block.elements.length} elements (max ${LIMITS.contextElements})`);
        for (const element of block.elements) {
          if ('text' in element) check(`${at} element`, element.text, LIMITS.sectionText);
        }
        break;
      case 'actions':
        if (block.elements.length > LIMITS.actionsElements)
          problems.push(`${at}: ${block.elements.length} elements (max ${LIMITS.actionsElements})`);
        for (const element of block.elements) {
          if (element.type !== 'button') continue;
          check(`${at} button text`, element.text.text, LIMITS.buttonText);
          if ((element.value?.length ?? 0) > LIMITS.buttonValue)
            problems.push(`${at}: button value too long`);
          if ((element.action_id?.length ?? 0) > LIMITS.actionId) problems.push(`${at}: action_id too long`);
          const confirm = element.confirm;
          if (confirm) {
            if (!confirm.title || !confirm.confirm || !confirm.deny)
              problems.push(`${at}: confirm dialog needs title, text, confirm and deny`);
            check(`${at} confirm title`, confirm.title?.text, LIMITS.confirmTitle);
            check(`${at} confirm text`, confirm.text.text, LIMITS.confirmText);
            check(`${at} confirm button`, confirm.confirm?.text, LIMITS.confirmButton);
            check(`${at} deny button`, confirm.deny?.text, LIMITS.confirmButton);
          }
        }
        break;
      default:
        break;
    }
  });
  if (total > LIMITS.totalText) problems.push(`${total} chars of text in blocks (max ~${LIMITS.totalText})`);
  return problems;
}

/** Cuts text to a limit and says so with an ellipsis, so a reader knows there was more. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Characters of text a block holds, as Slack counts them towards a message's size. */
export function blockTextLength(block: Block): number {
  switch (block.type) {
    case 'header':
      return block.text.text.length;
    case 'section':
      return (
        (block.text?.text.length ?? 0) +
        (block.fields ?? []).reduce((sum, field) => sum + field.text.length, 0)
      );
    case 'context':
      return block.elements.reduce((sum, element) => sum + ('text' in element ? element.text.length : 0), 0);
    case 'actions':
      return JSON.stringify(block.elements).length;
    default:
      return 0;
  }
}

/**
 * Keeps blocks in order while they fit `budget` characters and `maxBlocks`, and says how many
 * were left out, so a long answer is shortened visibly instead of being refused by Slack.
 */
export function fitBlocks(
  blocks: readonly Block[],
  budget: number,
  maxBlocks: number = LIMITS.blocks - 1,
): Block[] {
  const kept: Block[] = [];
  let used = 0;
  for (const block of blocks) {
    const length = blockTextLength(block);
    if (kept.length >= maxBlocks || used + length > budget) break;
    kept.push(block);
    used += length;
  }
  const left = blocks.length - kept.length;
  if (left > 0) {
    kept.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `… ${left} more part${left === 1 ? '' : 's'} left out to fit a Slack message.`,
        },
      ],
    });
  }
  return kept;
}

/** Room for everything else in a message once its main content has been fitted. */
export const RESERVED_TEXT = 2_000;
