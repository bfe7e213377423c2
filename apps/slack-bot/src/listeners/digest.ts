import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { isSharedStateUnavailable, resolveSearchRequest, SearchRequestError } from '@sumo-ops/core';
import { describeError, refusalMessage } from '../blocks/errors.js';
import { DIGEST_USAGE, type Reply } from '../blocks/help.js';
import { clip } from '../blocks/limits.js';
import { code, context, escapeMrkdwn, section } from '../blocks/text.js';
import { type BotContext, type Conversation, ephemeral } from '../context.js';
import { type Digest, MAX_EVERY_MS, MIN_EVERY_MS, newDigestId, parseDuration } from '../digests.js';
import { normaliseCommandText, tokenize } from '../parse-command.js';
import { afterPendingRequests, COMMAND } from './command.js';

export const DIGEST_CONFIRM_ID = 'sumo_digest_confirm';
export const DIGEST_CANCEL_ID = 'sumo_digest_cancel';
/** Stored as a pending action's operation: digests are the bot's own, not a catalog operation. */
const REMOVE_DIGEST = 'slack_remove_digest';
/** How many digests one channel may have: each run costs two searches of the rate budget. */
const PER_CHANNEL_MAX = 10;

const usage = (problem: string): Reply => ({
  text: problem,
  blocks: [
    section(`:warning: ${escapeMrkdwn(problem)}`),
    section(`\`\`\`\n${DIGEST_USAGE.join('\n')}\n\`\`\``),
    context(`Example: ${code(`${COMMAND} digest add "error | count by _sourceHost" every 1h from=-1h`)}`),
  ],
});

/** True when the command is a digest command (`/sumo digest …`), which it then answers. */
export function isDigestCommand(text: string): boolean {
  return /^digests?(\s|$)/i.test(normaliseCommandText(text));
}

export async function handleDigestCommand(
  bot: BotContext,
  rawText: string,
  conversation: Conversation,
): Promise<void> {
  const { respond } = conversation;
  const text = normaliseCommandText(rawText);
  let words: ReturnType<typeof tokenize>;
  try {
    words = tokenize(text);
  } catch (error) {
    await respond(ephemeral(usage((error as Error).message)));
    return;
  }
  const verb = words[1]?.value.toLowerCase();
  try {
    if (verb === 'add') await add(bot, text, words, conversation);
    else if (verb === 'list' || verb === undefined) await list(bot, conversation);
    else if (verb === 'remove' || verb === 'rm' || verb === 'delete') await remove(bot, words, conversation);
    else await respond(ephemeral(usage(`\`${words[1]?.value}\` is not a digest command.`)));
  } catch (error) {
    if (!isSharedStateUnavailable(error)) throw error;
    await respond(ephemeral(refusalMessage(error.message)));
  }
}

async function add(
  bot: BotContext,
  text: string,
  words: ReturnType<typeof tokenize>,
  { userId, channelId, respond }: Conversation,
): Promise<void> {
  const everyAt = words.findIndex((word, index) => index > 1 && word.value.toLowerCase() === 'every');
  const queryWords = words.slice(2, everyAt === -1 ? undefined : everyAt);
  const options = words.slice(everyAt === -1 ? words.length : everyAt + 2);
  const every = everyAt === -1 ? undefined : words[everyAt + 1]?.value;
  // One quoted word is the query without its quotes; several words are the query as typed.
  const query =
    queryWords.length === 1
      ? (queryWords[0]?.value ?? '')
      : text.slice(queryWords[0]?.start ?? 0, queryWords.at(-1)?.end ?? 0).trim();
  if (query === '') return void (await respond(ephemeral(usage('The query is missing.'))));
  if (every === undefined) return void (await respond(ephemeral(usage('`every <interval>` is missing.'))));
  const everyMs = parseDuration(every);
  if (everyMs === undefined || everyMs < MIN_EVERY_MS || everyMs > MAX_EVERY_MS) {
    await respond(ephemeral(usage(`every: \`${every}\` must be from 1m to 7d, e.g. 15m, 1h, 1d.`)));
    return;
  }
  let from = `-${every}`;
  for (const option of options) {
    if (option.key?.toLowerCase() !== 'from') {
      await respond(ephemeral(usage(`\`${option.value}\` is not understood here; only from= may follow.`)));
      return;
    }
    from = option.keyValue ?? '';
  }
  const rangeMs = parseDuration(from.replace(/^-/, ''));
  if (!from.startsWith('-') || rangeMs === undefined || rangeMs > MAX_EVERY_MS) {
    await respond(ephemeral(usage(`from: \`${from}\` must be a time back from now up to -7d, e.g. -1h.`)));
    return;
  }
  try {
    resolveSearchRequest({ query, from, to: 'now' });
  } catch (error) {
    if (!(error instanceof SearchRequestError)) throw error;
    await respond(ephemeral(usage(error.problems.map((p) => `${p.field}: ${p.message}`).join('\n'))));
    return;
  }
  const existing = (await bot.digests.store.list()).filter((digest) => digest.channelId === channelId);
  if (existing.length >= PER_CHANNEL_MAX) {
    await respond(
      ephemeral(
        usage(`This channel has ${existing.length} digests, the most it may have; remove one first.`),
      ),
    );
    return;
  }
  const now = bot.digests.now();
  const digest: Digest = {
    id: newDigestId(),
    channelId,
    query,
    every,
    everyMs,
    from,
    rangeMs,
    createdBy: userId,
    createdAt: now,
    nextRunAt: now + everyMs,
  };
  await bot.digests.store.put(digest);
  bot.logger.info('digest added', { digest: digest.id, user: userId, every });
  const line = `:calendar: Digest \`${digest.id}\` added by <@${userId}>: ${code(query)} every ${every}, each run over the last ${from.slice(1)} compared with the ${from.slice(1)} before. First run <!date^${Math.floor(digest.nextRunAt / 1000)}^{time}|in ${every}>.`;
  await respond({ response_type: 'in_channel', text: `Digest ${digest.id} added`, blocks: [section(line)] });
}

async function list(bot: BotContext, { channelId, respond }: Conversation): Promise<void> {
  const digests = (await bot.digests.store.list()).filter((digest) => digest.channelId === channelId);
  const lines = digests.map(
    (digest) =>
      `\`${digest.id}\` ${code(digest.query)} every ${digest.every} (last ${digest.from.slice(1)}), by <@${digest.createdBy}>, next <!date^${Math.floor(digest.nextRunAt / 1000)}^{date_short_pretty} {time}|soon>${digest.failing ? ' — :x: failing' : ''}`,
  );
  await respond(
    ephemeral({
      text: `${digests.length} digest(s) in this channel`,
      blocks: [
        section(
          digests.length === 0
            ? 'No digests in this channel. Add one with `/sumo digest add "<query>" every 1h`.'
            : clip(`*Digests in this channel*\n${lines.join('\n')}`, 2_900),
        ),
        context(`Kept in ${escapeMrkdwn(bot.digests.store.description)}.`),
      ],
    }),
  );
}

/** Admins only, and only after Confirm: like every other change, a removal is previewed first. */
async function remove(
  bot: BotContext,
  words: ReturnType<typeof tokenize>,
  { userId, channelId, respond, client }: Conversation,
): Promise<void> {
  const id = words[2]?.value;
  if (id === undefined) return void (await respond(ephemeral(usage('Which digest? Give its id.'))));
  const access = await bot.access.checkWrite(client, userId);
  if (!access.allowed) return void (await respond(ephemeral(refusalMessage(access.reason))));
  const digest = (await bot.digests.store.list()).find(
    (item) => item.id === id && item.channelId === channelId,
  );
  if (!digest) {
    await respond(ephemeral(usage(`There is no digest \`${id}\` in this channel (\`/sumo digest list\`).`)));
    return;
  }
  const summary = `Remove digest ${digest.id}: "${digest.query}" every ${digest.every}.`;
  const action = await bot.pending.create({
    userId,
    channelId,
    subcommand: 'digest remove',
    commandText: `${COMMAND} digest remove ${id}`,
    operation: REMOVE_DIGEST,
    input: { id },
    preview: { summary, willChange: true },
  });
  await respond({ response_type: 'in_channel', ...removalMessage(digest, userId, action.id) });
}

function removalMessage(digest: Digest, userId: string, pendingId: string): Reply {
  return {
    text: `Remove digest ${digest.id}? Confirm or cancel.`,
    blocks: [
      section(
        `:warning: *Remove digest* \`${digest.id}\` — asked by <@${userId}>\n${code(digest.query)} every ${digest.every}, set up by <@${digest.createdBy}>.`,
      ),
      {
        type: 'actions',
        block_id: 'sumo_digest_removal',
        elements: [
          {
            type: 'button',
            action_id: DIGEST_CONFIRM_ID,
            style: 'danger',
            text: { type: 'plain_text', text: 'Confirm' },
            value: pendingId,
          },
          {
            type: 'button',
            action_id: DIGEST_CANCEL_ID,
            text: { type: 'plain_text', text: 'Cancel' },
            value: pendingId,
          },
        ],
      },
      context(`Only <@${userId}> can confirm.`),
    ],
  };
}

/** Registration only: Confirm and Cancel of a digest removal. */
export function registerDigestActions(app: App, bot: BotContext): void {
  for (const [actionId, decision] of [
    [DIGEST_CONFIRM_ID, 'confirm'],
    [DIGEST_CANCEL_ID, 'cancel'],
  ] as const) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, respond, client }) => {
      await ack();
      await afterPendingRequests();
      const userId = body.user.id;
      const say = (line: string) =>
        respond({ replace_original: true, text: line, blocks: [section(line)] }).catch((error: unknown) =>
          bot.logger.warn('could not update the digest removal', { error: describeError(error) }),
        );
      const privately = (line: string) =>
        respond({ response_type: 'ephemeral', replace_original: false, text: line });
      try {
        const claim = await bot.pending.claim(action.value ?? '', userId);
        if (claim.status === 'handled') return;
        if (claim.status === 'unknown')
          return void (await privately('This confirmation is not known; nothing was changed.'));
        if (claim.status === 'not-requester')
          return void (await privately(
            `Only <@${claim.action.userId}>, who asked, can ${decision} this. Nothing was changed.`,
          ));
        if (claim.status === 'expired')
          return void (await say(':alarm_clock: This confirmation expired; the digest was kept.'));
        const { id } = claim.action.input as { id: string };
        if (decision === 'cancel')
          return void (await say(`:no_entry_sign: Cancelled by <@${userId}>; digest \`${id}\` was kept.`));
        const access = await bot.access.checkWrite(client, userId);
        if (!access.allowed) return void (await say(`:no_entry: Not removed: ${access.reason}`));
        const removed = await bot.digests.store.remove(id);
        bot.audit.record({
          user: userId,
          requestedBy: claim.action.userId,
          channel: claim.action.channelId,
          subcommand: claim.action.subcommand,
          operation: REMOVE_DIGEST,
          kind: 'destructive',
          input: claim.action.input,
          preview: claim.action.preview,
          outcome: 'succeeded',
        });
        await say(
          removed
            ? `:white_check_mark: Digest \`${id}\` removed — confirmed by <@${userId}>.`
            : `Digest \`${id}\` was already gone.`,
        );
      } catch (error) {
        if (isSharedStateUnavailable(error)) return void (await privately(error.message));
        bot.logger.error('digest removal failed', { error: describeError(error), user: userId });
      }
    });
  }
}
