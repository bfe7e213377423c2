import { isSharedStateUnavailable, OperationInputError, type StateBackend } from '@sumo-ops/core';
import { describeError } from '../blocks/errors.js';
import type { Reply } from '../blocks/help.js';
import { fitBlocks, LIMITS, RESERVED_TEXT } from '../blocks/limits.js';
import { code, escapeMrkdwn, section } from '../blocks/text.js';
import type { BotContext, Conversation } from '../context.js';
import { ephemeral } from '../context.js';
import { readAnswer } from '../health/read-answers.js';
import { isDigestCommand } from '../listeners/digest.js';
import {
  findSubcommand,
  normaliseCommandText,
  optionField,
  parseCommand,
  tokenize,
} from '../parse-command.js';

const channelKey = (channelId: string) => `slack:channel-org:${channelId}`;
/** A channel's default is a setting, not a cache: kept a year from its last change. */
const CHANNEL_ORG_MS = 365 * 24 * 3_600_000;

/**
 * Each channel's default org (`/sumo org set staging`), in the state backend: shared by replicas
 * with Redis; in one process's memory otherwise (then set again after a restart).
 */
export class ChannelOrgs {
  constructor(private readonly backend: StateBackend) {}

  async get(channelId: string): Promise<string | undefined> {
    return this.backend.get(channelKey(channelId));
  }

  async set(channelId: string, org: string): Promise<void> {
    await this.backend.set(channelKey(channelId), org, { ttlMs: CHANNEL_ORG_MS });
  }
}

/** The bot acting on one org: `sumo` is that org's client, so everything below works on it alone. */
export function forOrg<B extends Pick<BotContext, 'sumo' | 'orgs' | 'notes'> & { org?: string | undefined }>(
  bot: B,
  org: string | undefined,
): B {
  if (org === undefined || (org === bot.org && bot.orgs.get(org).client === bot.sumo)) return bot;
  const named = bot.orgs.named ? org : undefined;
  return {
    ...bot,
    sumo: bot.orgs.get(org).client,
    org: named,
    // Every answer that carries the bot's notes names the org it came from.
    notes: named ? [`org: ${named}`, ...bot.notes.filter((note) => !note.startsWith('org: '))] : bot.notes,
  };
}

type Word = ReturnType<typeof tokenize>[number];
const isOrgWord = (word: Word) => word.key?.toLowerCase() === 'org';

/**
 * `org=NAME` (not in quotes) names the org a command acts on, wherever it cannot be query text:
 * anywhere in a command that takes no free text, but before a search's query or a digest's,
 * never inside it — `/sumo search error | where org="staging"` searches for that. With one
 * unnamed org (no orgs file) there is nothing to choose, so the word is left to the command.
 * The rest of the text is the command as before.
 */
export function takeOrgWord(
  rawText: string,
  bot: Pick<BotContext, 'catalog' | 'specs' | 'orgs'>,
): { org: string | undefined; text: string } {
  // What is handed on stays as Slack sent it: the command's own parsing decodes it (once).
  if (!bot.orgs.named) return { org: undefined, text: rawText };
  const text = normaliseCommandText(rawText);
  let words: Word[];
  try {
    words = tokenize(text);
  } catch {
    // The command's own parsing says what is wrong with the quotes.
    return { org: undefined, text: rawText };
  }
  const freeText = freeTextWords(words, bot);
  const word = words.find(
    (candidate, index) => isOrgWord(candidate) && (index < freeText.start || index >= freeText.end),
  );
  if (!word) return { org: undefined, text: rawText };
  return {
    org: word.keyValue,
    text: asSlackSent(`${text.slice(0, word.start)}${text.slice(word.end)}`.replace(/\s+/g, ' ').trim()),
  };
}

/**
 * Slack's escaping put back on decoded command text, so that decoding it again gives the same
 * text: an `&lt;!channel&gt;` typed by a person must stay text, never become a live mention.
 */
function asSlackSent(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Which words are a command's free text (a search's query, a digest's), as word indexes from
 * `start` up to `end`; none when it takes none. Org words outside it are read as the org.
 */
function freeTextWords(
  words: readonly Word[],
  bot: Pick<BotContext, 'catalog' | 'specs'>,
): { start: number; end: number } {
  const none = { start: words.length, end: words.length };
  const after = (from: number, test: (word: Word) => boolean) =>
    words.findIndex((word, index) => index > from && !isOrgWord(word) && test(word));
  const commandAt = after(-1, () => true);
  const command = words[commandAt];
  if (command === undefined) return none;
  if (isDigestCommand(command.value)) {
    const verbAt = after(commandAt, () => true);
    if (words[verbAt]?.value.toLowerCase() !== 'add') return none;
    // `digest add QUERY every 1h from=-1h`: the query is every word between `add` and `every`.
    const queryAt = after(verbAt, () => true);
    const everyAt = after(queryAt, (word) => word.value.toLowerCase() === 'every');
    return queryAt === -1 ? none : { start: queryAt, end: everyAt === -1 ? words.length : everyAt };
  }
  const spec = findSubcommand(command.value, bot.specs);
  if (!spec?.args.some((arg) => arg.rest)) return none;
  const operation = bot.catalog.require(spec.operation);
  // Options such as `from=-1h` may come before the query; the first other word starts it.
  const queryAt = after(
    commandAt,
    (word) => word.key === undefined || !optionField(spec, operation, word.key),
  );
  return queryAt === -1 ? none : { start: queryAt, end: words.length };
}

export function isOrgCommand(text: string): boolean {
  return /^org(\s|$)/i.test(normaliseCommandText(text));
}

/**
 * The org a command acts on: the one it names, else the channel's default, else the orgs
 * file's. A refusal (an org that is not configured) is the reply to send instead.
 */
export async function orgForCommand(
  bot: BotContext,
  named: string | undefined,
  channelId: string,
): Promise<{ bot: BotContext } | { refusal: Reply }> {
  if (named === undefined && !bot.orgs.several) return { bot };
  try {
    const org = bot.orgs.resolve(named ?? (await bot.channelOrgs.get(channelId)), 'sumo');
    return { bot: forOrg(bot, org.name) };
  } catch (error) {
    if (error instanceof OperationInputError)
      return { refusal: orgProblem(error.problems[0]?.message ?? '') };
    if (isSharedStateUnavailable(error)) return { refusal: orgProblem(error.message) };
    throw error;
  }
}

function orgProblem(problem: string): Reply {
  const text = `org=: ${problem}`;
  return { text, blocks: [section(`:no_entry: ${escapeMrkdwn(text)} Nothing was done.`)] };
}

/** `/sumo org` says the channel's org and the choices; `/sumo org set NAME` (admins) changes it. */
export async function handleOrgCommand(
  bot: BotContext,
  rawText: string,
  conversation: Conversation,
): Promise<void> {
  const { respond, channelId, userId, client } = conversation;
  const [, verb, name, ...rest] = normaliseCommandText(rawText).split(/\s+/);
  const current = (await bot.channelOrgs.get(channelId)) ?? bot.orgs.defaultOrg;
  const choices = bot.orgs.names.map((org) => code(org)).join(', ');
  const reply = (text: string) => respond(ephemeral({ text, blocks: [section(text)] }));
  if (verb === undefined) {
    await reply(
      `This channel's commands act on *${escapeMrkdwn(current)}* unless they say ${code('org=NAME')}. Orgs: ${choices}. Admins change it with ${code('/sumo org set NAME')}.`,
    );
    return;
  }
  if (verb.toLowerCase() !== 'set' || name === undefined || rest.length > 0) {
    await reply(`Usage: ${code('/sumo org')} or ${code('/sumo org set NAME')} (one of ${choices}).`);
    return;
  }
  if (!bot.orgs.names.includes(name)) {
    await reply(
      `:no_entry: ${code(name)} is not a configured org: use one of ${choices}. Nothing was changed.`,
    );
    return;
  }
  // Which org a channel's changes go to is an admin's decision, like the changes themselves.
  const decision = await bot.access.checkWrite(client, userId);
  if (!decision.allowed) {
    await reply(`:no_entry: ${decision.reason}`);
    return;
  }
  await bot.channelOrgs.set(channelId, name);
  bot.logger.info('channel org set', { channel: channelId, user: userId, org: name });
  await respond({
    response_type: 'in_channel',
    text: `<@${userId}> set this channel's org to ${name}.`,
    blocks: [
      section(
        `:twisted_rightwards_arrows: <@${userId}> set this channel's org to *${escapeMrkdwn(name)}*: commands here act on it unless they say ${code('org=NAME')}.`,
      ),
    ],
  });
}

/**
 * `org=*` on a read that answers per org (`acrossOrgs`, e.g. `/sumo offline`): the same answer
 * from every org, one section per org, each read with that org's client and so its own budget.
 * An org that fails says so in its section; the others still answer.
 */
export async function answerInEveryOrg(bot: BotContext, text: string, respond: Conversation['respond']) {
  const parsed = parseCommand(text, bot.catalog);
  if (parsed.kind !== 'invoke' || !parsed.operation.acrossOrgs) {
    const across = bot.catalog
      .list()
      .filter((operation) => operation.acrossOrgs)
      .map((operation) => operation.name);
    await respond(
      ephemeral(orgProblem(`* (every org at once) works only with ${across.join(', ')}; name one org.`)),
    );
    return;
  }
  const { operation, input } = parsed;
  const parts = await Promise.all(
    bot.orgs.names.map(async (name) => {
      const heading = section(`*${escapeMrkdwn(name)}*`);
      try {
        const answer = await readAnswer(forOrg(bot, name), operation, input);
        return [heading, ...answer.blocks];
      } catch (error) {
        return [heading, section(`:x: ${escapeMrkdwn(describeError(error))}`)];
      }
    }),
  );
  await respond(
    ephemeral({
      text: `${operation.title} in every org: ${bot.orgs.names.join(', ')}`,
      blocks: fitBlocks(parts.flat(), LIMITS.totalText - RESERVED_TEXT),
    }),
  );
}
