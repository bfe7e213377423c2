import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { isOutcomeUnknown, isSharedStateUnavailable, PreviewChangedError } from '@sumo-ops/core';
import type { AuditOutcome } from '../audit.js';
import {
  CANCEL_ACTION_ID,
  CONFIRM_ACTION_ID,
  confirmationMessage,
  confirmationsUnavailableMessage,
  nothingToDoMessage,
  type Outcome,
  outcomeMessage,
} from '../blocks/confirm.js';
import { describeError } from '../blocks/errors.js';
import type { Reply } from '../blocks/help.js';
import { resultBlocks } from '../blocks/result.js';
import { escapeMrkdwn, section } from '../blocks/text.js';
import { type BotContext, type Conversation, operationContext } from '../context.js';
import { followUpInThread } from '../follow-up.js';
import { forOrg } from '../orgs/channel-orgs.js';
import type { PendingAction } from '../pending-actions.js';
import { followRolloutInThread, isRolloutStatus, rolloutRunContext } from '../rollouts/rollout-thread.js';
import { afterPendingRequests } from './command.js';

type Decision = 'confirm' | 'cancel';

/** Registration only: the buttons of a confirmation. Acknowledge first, then decide. */
export function registerActions(app: App, bot: BotContext): void {
  for (const [actionId, decision] of [
    [CONFIRM_ACTION_ID, 'confirm'],
    [CANCEL_ACTION_ID, 'cancel'],
  ] as const) {
    registerButton(app, bot, actionId, 'confirmation handling failed', (action, conversation, body) => {
      const threadTs = (body.container.message_ts as string | undefined) ?? body.message?.ts;
      return handleDecision(bot, decision, action.value ?? '', conversation, threadTs);
    });
  }
}

/**
 * Every button runs the same way: acknowledged before any work (Slack gives up after 3 s), after
 * the requests already in flight, and a failure is logged under `failure` rather than thrown into
 * Bolt, which would only log it without the user.
 */
export function registerButton(
  app: App,
  bot: BotContext,
  actionId: string | RegExp,
  failure: string,
  handle: (
    action: ButtonAction,
    conversation: Conversation,
    body: BlockAction<ButtonAction>,
  ) => Promise<void>,
): void {
  app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, respond, client }) => {
    await ack();
    await afterPendingRequests();
    const conversation: Conversation = {
      userId: body.user.id,
      channelId: body.channel?.id ?? '',
      respond,
      client,
    };
    try {
      await handle(action, conversation, body);
    } catch (error) {
      bot.logger.error(failure, { error: describeError(error), user: body.user.id });
    }
  });
}

/**
 * Only the person who asked may decide, once, within the confirmation's lifetime. The input that
 * runs is the one stored when the preview was shown; the click contributes only the pending id.
 */
export async function handleDecision(
  bot: BotContext,
  decision: Decision,
  pendingId: string,
  conversation: Conversation,
  threadTs: string | undefined,
): Promise<void> {
  const { userId, respond, client } = conversation;
  let claim: Awaited<ReturnType<typeof bot.pending.claim>>;
  try {
    claim = await bot.pending.claim(pendingId, userId);
  } catch (error) {
    if (!isSharedStateUnavailable(error)) throw error;
    // Nothing was taken: the same click works once shared state answers again.
    bot.logger.warn('refused a confirmation click: shared state unreachable', { user: userId });
    await respond({ response_type: 'ephemeral', replace_original: false, text: escapeMrkdwn(error.message) });
    return;
  }
  switch (claim.status) {
    case 'handled':
      // A second click or a replayed request: the first one already decided.
      bot.logger.info('ignored a repeated confirmation click', { user: userId });
      return;
    case 'unknown':
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: 'This confirmation is not known (the bot may have restarted). Nothing was changed; run the command again.',
      });
      return;
    case 'not-requester':
      auditFor(
        bot,
        claim.action,
        userId,
        'refused',
        `${userId} clicked ${decision} on a request by ${claim.action.userId}`,
      );
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: `Only <@${claim.action.userId}>, who asked, can ${decision} this. Nothing was changed.`,
      });
      return;
    case 'expired':
      auditFor(bot, claim.action, userId, 'expired');
      await replace(bot, claim.action, respond, { status: 'expired' });
      return;
    case 'claimed':
      break;
  }
  const { action } = claim;
  if (decision === 'cancel') {
    auditFor(bot, action, userId, 'cancelled');
    await replace(bot, action, respond, { status: 'cancelled', by: userId });
    return;
  }
  // Rights are checked again: SUMO_OPS_ADMINS or a user group may have changed since the preview.
  const access = await bot.access.checkWrite(client, userId);
  if (!access.allowed) {
    auditFor(bot, action, userId, 'refused', access.reason);
    await replace(bot, action, respond, { status: 'refused', reason: access.reason });
    return;
  }
  if (action.org !== undefined && !bot.orgs.names.includes(action.org)) {
    // The orgs file changed since the preview: never fall back to another org.
    const reason = `the org ${action.org} it was previewed in is no longer configured`;
    auditFor(bot, action, userId, 'refused', reason);
    await replace(bot, action, respond, { status: 'refused', reason });
    return;
  }
  await replace(bot, action, respond, { status: 'running', by: userId });
  const operation = bot.catalog.require(action.operation);
  // The org it was previewed in, and only that one: a click can never act on another org.
  const orgBot = forOrg(bot, action.org);
  let result: unknown;
  try {
    result = await bot.catalog.run(
      action.operation,
      operationContext(orgBot, action.operation, rolloutRunContext(action.operation, userId)),
      action.input,
      {
        confirmed: true,
        confirmedPreview: action.preview,
      },
    );
  } catch (error) {
    if (error instanceof PreviewChangedError) {
      await offerChangedPreview(bot, action, error, conversation);
      return;
    }
    const reason = describeError(error);
    const status = isOutcomeUnknown(error) ? 'unknown' : 'failed';
    auditFor(bot, action, userId, status, reason);
    await replace(bot, action, respond, { status, by: userId, reason });
    return;
  }
  auditFor(bot, action, userId, 'succeeded', undefined, result);
  await replace(bot, action, respond, {
    status: 'succeeded',
    by: userId,
    result: resultBlocks(operation, result),
  });
  if (threadTs && isRolloutStatus(result))
    await followRolloutInThread(orgBot, action.operation, result, {
      channelId: conversation.channelId,
      threadTs,
    });
  else if (threadTs) await followUpInThread(orgBot, action, result, { ...conversation, threadTs });
}

/**
 * What the confirmed preview showed changed before the run (e.g. another collector went
 * offline), so nothing ran: the message becomes the new preview, to confirm anew, with its own
 * pending action. The old one is used up, so the first click can never run twice.
 */
async function offerChangedPreview(
  bot: BotContext,
  action: PendingAction,
  error: PreviewChangedError,
  conversation: Conversation,
): Promise<void> {
  const { userId, respond } = conversation;
  const operation = bot.catalog.require(action.operation);
  auditFor(bot, action, userId, 'refused', error.message);
  const changed = section(
    `:arrows_counterclockwise: *Nothing was done*: what this acts on changed since the preview <@${userId}> confirmed.`,
  );
  let reply: Reply;
  if (!error.preview.willChange) {
    reply = nothingToDoMessage(operation, action.commandText, action.userId, error.preview);
  } else {
    try {
      const fresh = await bot.pending.create({ ...action, preview: error.preview });
      reply = confirmationMessage(operation, fresh, action.commandText, bot.pending.ttlMs, [
        'This is the new preview: confirm again to go ahead.',
      ]);
    } catch (createError) {
      if (!isSharedStateUnavailable(createError)) throw createError;
      reply = confirmationsUnavailableMessage(
        operation,
        action.commandText,
        action.userId,
        error.preview,
        createError.message,
      );
    }
  }
  try {
    await respond({ replace_original: true, text: reply.text, blocks: [changed, ...reply.blocks] });
  } catch (respondError) {
    bot.logger.warn('could not show the changed preview', { error: describeError(respondError) });
  }
}

async function replace(
  bot: BotContext,
  action: PendingAction,
  respond: Conversation['respond'],
  outcome: Outcome,
) {
  const operation = bot.catalog.require(action.operation);
  const reply = outcomeMessage(operation, action, action.commandText, outcome);
  try {
    await respond({ replace_original: true, text: reply.text, blocks: reply.blocks });
  } catch (error) {
    bot.logger.warn('could not update the confirmation message', { error: describeError(error) });
  }
}

function auditFor(
  bot: BotContext,
  action: PendingAction,
  userId: string,
  outcome: AuditOutcome,
  reason?: string,
  result?: unknown,
) {
  bot.audit.record({
    user: userId,
    requestedBy: action.userId,
    channel: action.channelId,
    subcommand: action.subcommand,
    org: action.org,
    operation: action.operation,
    kind: bot.catalog.require(action.operation).kind,
    input: action.input,
    preview: action.preview,
    outcome,
    reason,
    result,
  });
}
