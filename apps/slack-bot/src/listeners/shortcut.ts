import type { App, MessageShortcut, RespondArguments, ViewSubmitAction } from '@slack/bolt';
import { OperationInputError, resolveSearchRequest, SearchRequestError } from '@sumo-ops/core';
import { describeError } from '../blocks/errors.js';
import type { Block } from '../blocks/limits.js';
import { MODAL_FIELDS, SEARCH_MODAL_ID, SEARCH_SHORTCUT_ID, searchModal } from '../blocks/search-modal.js';
import type { BotContext, Conversation } from '../context.js';
import { suggestSearch } from '../message-query.js';
import { orgForCommand } from '../orgs/channel-orgs.js';
import { runSearchInThread, SEARCH_OPERATION } from '../search-thread.js';
import { COMMAND } from './command.js';

type Field = keyof typeof MODAL_FIELDS;

/** Registration only: the "Search in Sumo" message shortcut and its modal. */
export function registerShortcut(app: App, bot: BotContext): void {
  app.shortcut<MessageShortcut>(SEARCH_SHORTCUT_ID, async ({ ack, shortcut, client, respond }) => {
    await ack();
    const channelId = shortcut.channel.id;
    const channel = bot.access.checkChannel(channelId);
    try {
      if (!channel.allowed) {
        await respond({ response_type: 'ephemeral', text: channel.reason });
        return;
      }
      // The trigger is valid for 3 s: the modal opens before anything else is done.
      const suggested = suggestSearch(shortcut.message.text ?? '', shortcut.message.ts, Date.now());
      await client.views.open({ trigger_id: shortcut.trigger_id, view: searchModal(suggested, channelId) });
    } catch (error) {
      bot.logger.error('could not open the search modal', {
        error: describeError(error),
        user: shortcut.user.id,
      });
    }
  });

  app.view<ViewSubmitAction>(SEARCH_MODAL_ID, async ({ ack, view, body, client }) => {
    const value = (field: Field) => {
      const { block, action } = MODAL_FIELDS[field];
      return view.state.values[block]?.[action]?.value?.trim() ?? '';
    };
    const raw = { query: value('query'), from: value('from') || '-1h', to: value('to') || 'now' };
    // Checked before the modal closes: a typo is shown on its field, and nothing runs.
    const errors = searchProblems(bot, raw);
    if (errors) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack();
    const { channelId } = JSON.parse(view.private_metadata) as { channelId: string };
    const userId = body.user.id;
    const conversation: Conversation = {
      userId,
      channelId,
      client,
      // A modal has no response_url: private answers are ephemeral messages in the channel.
      respond: (async (message: string | RespondArguments) => {
        const reply = (typeof message === 'string' ? { text: message } : message) as {
          text?: string;
          blocks?: Block[];
        };
        await client.chat.postEphemeral({
          channel: channelId,
          user: userId,
          text: reply.text ?? '',
          ...(reply.blocks ? { blocks: reply.blocks } : {}),
        });
      }) as unknown as Conversation['respond'],
    };
    try {
      const channel = bot.access.checkChannel(channelId);
      if (!channel.allowed) {
        await conversation.respond({ text: channel.reason });
        return;
      }
      const input = bot.catalog.parseInput(SEARCH_OPERATION, raw);
      const spec = bot.specs.find((candidate) => candidate.operation === SEARCH_OPERATION);
      if (!spec) throw new Error('the catalog has no search operation');
      const commandText = `${COMMAND} search ${raw.query} from=${raw.from} to=${raw.to}`;
      // The channel's org, as for a command typed there.
      const chosen = await orgForCommand(bot, undefined, channelId);
      if ('refusal' in chosen) {
        await conversation.respond({ text: chosen.refusal.text, blocks: chosen.refusal.blocks });
        return;
      }
      await runSearchInThread(chosen.bot, conversation, commandText, input, spec);
    } catch (error) {
      bot.logger.error('search from the modal failed', { error: describeError(error), user: userId });
    }
  });
}

/** Each problem on the modal field it belongs to, or undefined when the search can run. */
function searchProblems(
  bot: BotContext,
  raw: { query: string; from: string; to: string },
): Record<string, string> | undefined {
  const errors: Record<string, string> = {};
  const put = (field: string, message: string) => {
    const block = MODAL_FIELDS[field as Field]?.block ?? MODAL_FIELDS.query.block;
    errors[block] ??= message.slice(0, 150);
  };
  try {
    bot.catalog.parseInput(SEARCH_OPERATION, raw);
  } catch (error) {
    if (!(error instanceof OperationInputError)) throw error;
    for (const problem of error.problems) put(problem.field, problem.message);
  }
  try {
    resolveSearchRequest({ ...raw, timeZone: 'UTC' });
  } catch (error) {
    if (!(error instanceof SearchRequestError)) throw error;
    for (const problem of error.problems) put(problem.field, problem.message);
  }
  return Object.keys(errors).length > 0 ? errors : undefined;
}
