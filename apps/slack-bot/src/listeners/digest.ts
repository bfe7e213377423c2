import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { isSharedStateUnavailable, resolveSearchRequest, SearchRequestError } from '@sumo-ops/core';
import { describeError, refusalMessage } from '../blocks/errors.js';
import { DIGEST_USAGE, type Reply } from '../blocks/help.js';
import { clip } from '../blocks/limits.js';
import { code, context, escapeMrkdwn, section } from '../blocks/text.js';
import { type BotContext, type Conversation, ephemeral } from '../context.js';
import {
  allowanceText,
  checkDigestFits,
  DIGEST_BUDGET_VARIABLE,
  type DigestPlan,
  digestCallsPerMinute,
  formatCalls,
  planDigests,
} from '../digest-budget.js';
import { type Digest, MAX_EVERY_MS, MIN_EVERY_MS, newDigestId, parseDuration } from '../digests.js';
import { normaliseCommandText, tokenize } from '../parse-command.js';
import { afterPendingRequests, COMMAND } from './command.js';

export const DIGEST_CONFIRM_ID = 'sumo_digest_confirm';
export const DIGEST_CANCEL_ID = 'sumo_digest_cancel';
/** Stored as a pending action's operation: digests are the bot's own, not a catalog operation. */
const ADD_DIGEST = 'slack_add_digest';
const REMOVE_DIGEST = 'slack_remove_digest';
/** A digest as previewed: everything but when it was confirmed, which sets its first run. */
type DigestDraft = Omit<Digest, 'createdAt' | 'nextRunAt' | 'failing'>;
/** How many digests one channel may have, beside the budget: a channel's list stays readable. */
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
  { userId, channelId, respond, client }: Conversation,
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
  // A digest spends the shared budget for ever: adding one is a change, for admins, confirmed.
  const access = await bot.access.checkWrite(client, userId);
  if (!access.allowed) return void (await respond(ephemeral(refusalMessage(access.reason))));
  const draft: DigestDraft = {
    id: newDigestId(),
    channelId,
    query,
    every,
    everyMs,
    from,
    rangeMs,
    createdBy: userId,
    ...(bot.org ? { org: bot.org } : {}),
  };
  const verdict = await whyNotAdd(bot, draft);
  if (verdict.problem) return void (await respond(ephemeral(refusalMessage(verdict.problem))));
  const action = await bot.pending.create({
    userId,
    channelId,
    subcommand: 'digest add',
    commandText: `${COMMAND} digest add "${query}" every ${every} from=${from}`,
    operation: ADD_DIGEST,
    input: draft,
    preview: { summary: `Add digest ${draft.id}: "${query}" every ${every}.`, willChange: true },
  });
  await respond({
    response_type: 'in_channel',
    ...confirmationMessage({
      title: `Add digest \`${draft.id}\``,
      lines: [
        `${code(query)} every ${every}, each run over the last ${from.slice(1)} compared with the ${from.slice(1)} before.`,
        escapeMrkdwn(verdict.budget),
      ],
      userId,
      pendingId: action.id,
      style: 'primary',
    }),
  });
}

/**
 * Why a digest may not be added now: the channel's cap, or the digest budget (every digest of every
 * channel: the store is shared by replicas). Checked at preview and again at Confirm, since other
 * digests may have come and gone in between. Without a problem, `budget` states the arithmetic.
 */
async function whyNotAdd(bot: BotContext, draft: DigestDraft): Promise<{ problem?: string; budget: string }> {
  const all = (await bot.digests.store.list()).filter((digest) => digest.id !== draft.id);
  const inChannel = all.filter((digest) => digest.channelId === draft.channelId).length;
  if (inChannel >= PER_CHANNEL_MAX)
    return {
      problem: `This channel has ${inChannel} digests, the most it may have; remove one first.`,
      budget: '',
    };
  // Only the digests of the draft's org: each org's digests spend that org's own budget.
  const org = bot.digests.orgOf(draft);
  const check = checkDigestFits(
    all.filter((digest) => bot.digests.orgOf(digest) === org),
    draft,
    bot.digests.budgetFor(org),
    bot.orgs.named ? org : undefined,
  );
  return check.fits
    ? { budget: check.text }
    : { problem: `Digest not added: ${escapeMrkdwn(check.text)}`, budget: check.text };
}

async function list(bot: BotContext, { channelId, respond }: Conversation): Promise<void> {
  const plan = await bot.digests.plan();
  const paused = new Set(plan.paused.map((digest) => digest.id));
  const digests = [...plan.running, ...plan.paused]
    .filter((digest) => digest.channelId === channelId)
    .sort((a, b) => a.createdAt - b.createdAt);
  const lines = digests.map(
    (digest) =>
      `\`${digest.id}\` ${code(digest.query)}${digest.org ? ` in ${escapeMrkdwn(digest.org)}` : ''} every ${digest.every} (last ${digest.from.slice(1)}), by <@${digest.createdBy}>, ${
        paused.has(digest.id)
          ? ':double_vertical_bar: *paused: over the digest budget*'
          : `next <!date^${Math.floor(digest.nextRunAt / 1000)}^{date_short_pretty} {time}|soon>`
      }, ${formatCalls(digestCallsPerMinute(digest))} calls/min${digest.failing ? ' — :x: failing' : ''}`,
  );
  // Per org when orgs are named: each org's digests spend that org's own budget.
  const budgetLines =
    plan.byOrg.size === 0
      ? budgetText(undefined, planDigests([], bot.digests.budgetFor(bot.orgs.defaultOrg)))
      : [...plan.byOrg].flatMap(([org, orgPlan]) => budgetText(bot.orgs.named ? org : undefined, orgPlan));
  await respond(
    ephemeral({
      text: `${digests.length} digest(s) in this channel`,
      blocks: [
        section(
          digests.length === 0
            ? 'No digests in this channel. An admin adds one with `/sumo digest add "<query>" every 1h`.'
            : clip(`*Digests in this channel*\n${lines.join('\n')}`, 2_900),
        ),
        context(...budgetLines, `Kept in ${escapeMrkdwn(bot.digests.store.description)}.`),
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
  await respond({
    response_type: 'in_channel',
    ...confirmationMessage({
      title: `Remove digest \`${digest.id}\``,
      lines: [
        `${code(digest.query)} every ${digest.every}, set up by <@${digest.createdBy}>. It frees ${formatCalls(digestCallsPerMinute(digest))} calls/min of the digest budget.`,
      ],
      userId,
      pendingId: action.id,
      style: 'danger',
    }),
  });
}

function confirmationMessage(fields: {
  title: string;
  lines: string[];
  userId: string;
  pendingId: string;
  style: 'primary' | 'danger';
}): Reply {
  const { title, lines, userId, pendingId, style } = fields;
  return {
    text: `${title.replaceAll('`', '')}? Confirm or cancel.`,
    blocks: [
      section(clip(`:warning: *${title}* — asked by <@${userId}>\n${lines.join('\n')}`, 2_900)),
      {
        type: 'actions',
        block_id: 'sumo_digest_change',
        elements: [
          {
            type: 'button',
            action_id: DIGEST_CONFIRM_ID,
            style,
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

/** Registration only: Confirm and Cancel of a digest's addition or removal. */
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
          bot.logger.warn('could not update the digest confirmation', { error: describeError(error) }),
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
        const adding = claim.action.operation === ADD_DIGEST;
        const { id } = claim.action.input as { id: string };
        const unchanged = adding ? 'no digest was added' : `digest \`${id}\` was kept`;
        if (claim.status === 'expired')
          return void (await say(`:alarm_clock: This confirmation expired; ${unchanged}.`));
        if (decision === 'cancel')
          return void (await say(`:no_entry_sign: Cancelled by <@${userId}>; ${unchanged}.`));
        const access = await bot.access.checkWrite(client, userId);
        if (!access.allowed) return void (await say(`:no_entry: Nothing was changed: ${access.reason}`));
        const line = adding
          ? await addConfirmed(bot, claim.action.input as DigestDraft, userId)
          : await removeConfirmed(bot, id, userId);
        if (line.done)
          bot.audit.record({
            user: userId,
            requestedBy: claim.action.userId,
            channel: claim.action.channelId,
            subcommand: claim.action.subcommand,
            operation: claim.action.operation,
            kind: adding ? 'write' : 'destructive',
            input: claim.action.input,
            preview: claim.action.preview,
            outcome: 'succeeded',
          });
        await say(line.text);
      } catch (error) {
        if (isSharedStateUnavailable(error)) return void (await privately(error.message));
        bot.logger.error('digest change failed', { error: describeError(error), user: userId });
      }
    });
  }
}

/** Stores a confirmed digest, unless the channel's cap or the budget was reached since its preview. */
async function addConfirmed(
  bot: BotContext,
  draft: DigestDraft,
  userId: string,
): Promise<{ done: boolean; text: string }> {
  const verdict = await whyNotAdd(bot, draft);
  if (verdict.problem) return { done: false, text: `:no_entry: ${verdict.problem}` };
  const now = bot.digests.now();
  const digest: Digest = { ...draft, createdAt: now, nextRunAt: now + draft.everyMs };
  // Under the id chosen at preview: a put that is repeated writes the same digest, not a second one.
  await bot.digests.store.put(digest);
  bot.logger.info('digest added', { digest: digest.id, user: userId, every: digest.every });
  return {
    done: true,
    text: `:calendar: Digest \`${digest.id}\` added — confirmed by <@${userId}>: ${code(digest.query)} every ${digest.every}, each run over the last ${digest.from.slice(1)} compared with the ${digest.from.slice(1)} before. First run <!date^${Math.floor(digest.nextRunAt / 1000)}^{time}|in ${digest.every}>. ${escapeMrkdwn(verdict.budget)}`,
  };
}

async function removeConfirmed(
  bot: BotContext,
  id: string,
  userId: string,
): Promise<{ done: boolean; text: string }> {
  const removed = await bot.digests.store.remove(id);
  return removed
    ? { done: true, text: `:white_check_mark: Digest \`${id}\` removed — confirmed by <@${userId}>.` }
    : { done: false, text: `Digest \`${id}\` was already gone.` };
}

/** What one org's digests spend of its budget, and which of them wait, paused. */
function budgetText(org: string | undefined, plan: DigestPlan): string[] {
  const whose = org ? `Digests of ${escapeMrkdwn(org)}` : 'All digests';
  const spend = `${whose} in all channels spend ${formatCalls(plan.spent)} of the ${escapeMrkdwn(allowanceText(plan.budget))} digests may spend.`;
  if (plan.paused.length === 0) return [spend];
  return [
    spend,
    `:double_vertical_bar: ${plan.paused.length} digest(s)${org ? ` of ${escapeMrkdwn(org)}` : ''} paused, in all channels (${plan.paused.map((digest) => `\`${digest.id}\``).join(', ')}): together every digest${org ? ` of ${escapeMrkdwn(org)}` : ''} would spend ${formatCalls(plan.wanted)} calls/min. The newest that do not fit wait, kept, and run again by themselves once there is room: remove digests, or raise ${DIGEST_BUDGET_VARIABLE}.`,
  ];
}
