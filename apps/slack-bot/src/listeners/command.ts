import type { App, SlashCommand } from '@slack/bolt';
import { ALL_ORGS, type AnyOperation, isSharedStateUnavailable } from '@sumo-ops/core';
import {
  confirmationMessage,
  confirmationsUnavailableMessage,
  nothingToDoMessage,
} from '../blocks/confirm.js';
import { describeError, errorMessage, noteBlock, refusalMessage } from '../blocks/errors.js';
import { helpMessage, type Reply, topicHelp, usageMessage } from '../blocks/help.js';
import { escapeMrkdwn } from '../blocks/text.js';
import { type BotContext, type Conversation, ephemeral, operationContext } from '../context.js';
import { readAnswer } from '../health/read-answers.js';
import {
  answerInEveryOrg,
  handleOrgCommand,
  isOrgCommand,
  orgForCommand,
  takeOrgWord,
} from '../orgs/channel-orgs.js';
import { normaliseCommandText, parseCommand } from '../parse-command.js';
import { runSearchInThread, SEARCH_OPERATION } from '../search-thread.js';
import { handleDigestCommand, isDigestCommand } from './digest.js';

export const COMMAND = '/sumo';

/**
 * Lets requests that have already arrived be read and acknowledged before this one's work
 * starts: under a burst, every ack then waits only for the acks before it, not for their work.
 */
export function afterPendingRequests(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Registration only: acknowledge first (Slack gives 3 s), then do the work and answer via response_url. */
export function registerCommand(app: App, bot: BotContext): void {
  app.command(COMMAND, async ({ command, ack, respond, client }) => {
    await ack();
    await afterPendingRequests();
    const conversation: Conversation = {
      userId: command.user_id,
      channelId: command.channel_id,
      respond,
      client,
    };
    try {
      await handleCommand(bot, command, conversation);
    } catch (error) {
      bot.logger.error('slash command failed', { error: describeError(error), user: command.user_id });
      await respond(ephemeral(errorMessage(`/sumo ${command.text}`.trim(), error))).catch(
        (respondError: unknown) =>
          bot.logger.error('could not answer a slash command', { error: describeError(respondError) }),
      );
    }
  });
}

export async function handleCommand(
  orgsBot: BotContext,
  command: SlashCommand,
  conversation: Conversation,
): Promise<void> {
  const { userId, channelId, respond, client } = conversation;
  const channel = orgsBot.access.checkChannel(channelId);
  if (!channel.allowed) {
    await respond(ephemeral(refusalMessage(channel.reason)));
    return;
  }
  if (isOrgCommand(command.text ?? '')) {
    await handleOrgCommand(orgsBot, command.text, conversation);
    return;
  }
  // One place for every command: `org=NAME`, else the channel's org, else the default; from here
  // on `bot.sumo` is that org's client and nothing below can reach another.
  const { org, text } = takeOrgWord(command.text ?? '', orgsBot);
  if (org === ALL_ORGS) {
    await answerInEveryOrg(orgsBot, text, respond);
    return;
  }
  const chosen = await orgForCommand(orgsBot, org, channelId);
  if ('refusal' in chosen) {
    await respond(ephemeral(chosen.refusal));
    return;
  }
  const { bot } = chosen;
  if (isDigestCommand(text)) {
    await handleDigestCommand(bot, text, conversation);
    return;
  }
  const parsed = parseCommand(text, bot.catalog);
  if (parsed.kind === 'help') {
    const reply = parsed.topic
      ? topicHelp(parsed.topic, bot.catalog)
      : helpMessage(bot.specs, bot.catalog, bot.notes);
    await respond(ephemeral(reply));
    return;
  }
  if (parsed.kind === 'usage') {
    await respond(ephemeral(usageMessage(parsed.message, parsed.spec, bot.specs, bot.catalog)));
    return;
  }

  const { operation, input, spec } = parsed;
  const commandText = `${COMMAND} ${normaliseCommandText(command.text)}`;
  // How ambiguous words were read goes above the other notes: it is about this very answer.
  const notes = parsed.reading ? [parsed.reading, ...bot.notes] : bot.notes;
  if (operation.kind === 'read') {
    if (operation.name === SEARCH_OPERATION) {
      const zoneNamed = parsed.named.includes('timeZone');
      await runSearchInThread(bot, conversation, commandText, input, spec, { zoneNamed });
      return;
    }
    const answer = await readAnswer(bot, operation, input, { interim: (reply) => respond(ephemeral(reply)) });
    await respond({
      ...ephemeral({
        text: answer.text,
        blocks: [...answer.blocks, ...noteBlock(answer.age ? [answer.age, ...notes] : notes)],
      }),
      ...(answer.replacesInterim ? { replace_original: true } : {}),
    });
    return;
  }

  await requestConfirmation(
    bot,
    { userId, channelId, client, subcommand: spec.name, operation, input, commandText, notes },
    {
      privately: (reply) => respond(ephemeral(reply)),
      // In the channel, not ephemeral: a change to production is something the team should see,
      // and the message is the thread where the outcome and any follow-up are reported.
      openly: (reply) => respond({ response_type: 'in_channel', text: reply.text, blocks: reply.blocks }),
    },
  );
}

/** A write or destructive request, however it was made: a typed command or a button on App Home. */
export interface ConfirmationRequest {
  userId: string;
  channelId: string;
  client: Conversation['client'];
  subcommand: string;
  operation: AnyOperation;
  input: unknown;
  commandText: string;
  notes: readonly string[];
}

/**
 * Rights, then the preview, then a pending action with Confirm and Cancel: nothing runs here.
 * `privately` answers only the requester (refusals, nothing to do); `openly` posts the preview
 * with its buttons where the outcome will be told.
 */
export async function requestConfirmation(
  bot: BotContext,
  request: ConfirmationRequest,
  answer: { privately(reply: Reply): Promise<unknown>; openly(reply: Reply): Promise<unknown> },
): Promise<void> {
  const { userId, channelId, client, operation, input, commandText, notes } = request;
  const base = {
    user: userId,
    channel: channelId,
    subcommand: request.subcommand,
    org: bot.org,
    operation: operation.name,
    kind: operation.kind,
    input,
  };
  const decision = await bot.access.checkWrite(client, userId);
  if (!decision.allowed) {
    bot.audit.record({ ...base, outcome: 'refused', reason: decision.reason });
    await answer.privately(refusalMessage(decision.reason));
    return;
  }
  let preview: Awaited<ReturnType<typeof bot.catalog.preview>>;
  try {
    preview = await bot.catalog.preview(operation.name, operationContext(bot, operation.name), input);
  } catch (error) {
    await answer.privately(errorMessage(`Preview of ${operation.title}`, error));
    return;
  }
  if (!preview.willChange) {
    const reply = nothingToDoMessage(operation, commandText, userId, preview);
    await answer.privately({ ...reply, blocks: [...reply.blocks, ...noteBlock([...notes])] });
    return;
  }
  let action: Awaited<ReturnType<typeof bot.pending.create>>;
  try {
    action = await bot.pending.create({
      userId,
      channelId,
      subcommand: request.subcommand,
      commandText,
      operation: operation.name,
      input,
      preview,
      ...(bot.org ? { org: bot.org } : {}),
    });
  } catch (error) {
    if (!isSharedStateUnavailable(error)) throw error;
    // Only the person who asked sees it: there is nothing for anyone else to act on.
    await answer.privately(
      confirmationsUnavailableMessage(operation, commandText, userId, preview, error.message),
    );
    return;
  }
  const reply = confirmationMessage(
    operation,
    action,
    commandText,
    bot.pending.ttlMs,
    notes.map(escapeMrkdwn),
  );
  await answer.openly(reply);
  bot.logger.info('confirmation requested', {
    user: userId,
    operation: operation.name,
    pending: action.id.slice(0, 6),
  });
}
