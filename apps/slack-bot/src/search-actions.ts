import { randomBytes } from 'node:crypto';
import type { App } from '@slack/bolt';
import { isSharedStateUnavailable, type Logger, type StateBackend } from '@sumo-ops/core';
import {
  SEARCH_ACTION_ID,
  SEARCH_ACTIONS,
  type SearchAction,
  type SummaryFigures,
  searchActionProblem,
} from './blocks/search-actions.js';
import { type BotContext, type Conversation, ephemeral } from './context.js';
import { registerButton } from './listeners/actions.js';
import { COMMAND } from './listeners/command.js';
import { forOrg } from './orgs/channel-orgs.js';
import { runSearchInThread, SEARCH_OPERATION, type SearchRunOptions } from './search-thread.js';

/** A finished search, kept so the buttons under its summary can run it again in other ways. */
export interface StoredSearch {
  query: string;
  /** As typed (`-1h`), so "run again" means the last hour again. */
  from: string | number;
  to: string | number;
  /** As resolved when it ran, so "widen" and "compare" are about the range that was searched. */
  fromMs: number;
  toMs: number;
  timeZone: string;
  /** `timeZone` was named (`tz=`), not the default: the charts of its buttons keep it. */
  zoneNamed?: boolean | undefined;
  timeBudgetSeconds: number;
  channelId: string;
  threadTs: string;
  figures: SummaryFigures;
  /** The org searched (with an orgs file): the buttons search it again, not the channel's org of the moment. */
  org?: string | undefined;
}

/** Buttons stay usable for a day, like the thread they are in stays relevant. */
const STORED_SEARCH_MS = 24 * 3_600_000;
const WIDEN_FACTOR = 4;
const searchKey = (id: string) => `slack:search:${id}`;

/**
 * Searches behind summary buttons, in the state backend so a click reaching another replica, or
 * this one after a restart, finds them. The button carries only the id.
 */
export class StoredSearches {
  constructor(
    private readonly backend: StateBackend,
    private readonly logger: Logger,
  ) {}

  /** The id for the buttons, or undefined (no buttons) while shared state is unreachable. */
  async save(search: StoredSearch): Promise<string | undefined> {
    const id = randomBytes(12).toString('base64url');
    try {
      await this.backend.set(searchKey(id), JSON.stringify(search), { ttlMs: STORED_SEARCH_MS });
      return id;
    } catch (error) {
      if (!isSharedStateUnavailable(error)) throw error;
      this.logger.warn('search summary posted without buttons: shared state unreachable');
      return undefined;
    }
  }

  async get(id: string): Promise<StoredSearch | undefined> {
    const stored = await this.backend.get(searchKey(id));
    return stored === undefined ? undefined : (JSON.parse(stored) as StoredSearch);
  }
}

const iso = (epochMs: number) => new Date(epochMs).toISOString().replace('.000Z', 'Z');

/** Registration only: the buttons under a search summary. Acknowledge first. */
export function registerSearchActions(app: App, bot: BotContext): void {
  registerButton(
    app,
    bot,
    new RegExp(`^${SEARCH_ACTION_ID}:`),
    'search button failed',
    (action, conversation) => {
      const verb = action.action_id.slice(SEARCH_ACTION_ID.length + 1) as SearchAction;
      return handleSearchAction(bot, verb, action.value ?? '', conversation);
    },
  );
}

/**
 * Runs the stored search again as the person who clicked — channel rules apply to them as to a
 * command — and answers in the same thread.
 */
export async function handleSearchAction(
  bot: BotContext,
  verb: SearchAction,
  searchId: string,
  conversation: Conversation,
): Promise<void> {
  const privately = (problem: string) =>
    conversation.respond({ ...ephemeral(searchActionProblem(problem)), replace_original: false });
  const channel = bot.access.checkChannel(conversation.channelId);
  if (!channel.allowed) {
    await privately(channel.reason);
    return;
  }
  if (!(verb in SEARCH_ACTIONS)) {
    await privately('This button is not known to this version of the bot.');
    return;
  }
  let search: StoredSearch | undefined;
  try {
    search = await bot.searches.get(searchId);
  } catch (error) {
    if (!isSharedStateUnavailable(error)) throw error;
    await privately(error.message);
    return;
  }
  if (!search || search.channelId !== conversation.channelId) {
    await privately(
      'This search is no longer known (buttons work for a day, in the channel of the search). Run `/sumo search` again.',
    );
    return;
  }
  const length = search.toMs - search.fromMs;
  const ranges: Record<SearchAction, { from: string | number; to: string | number }> = {
    again: { from: search.from, to: search.to },
    widen: { from: iso(search.toMs - WIDEN_FACTOR * length), to: iso(search.toMs) },
    compare: { from: iso(search.fromMs - length), to: iso(search.fromMs) },
    samples: { from: iso(search.fromMs), to: iso(search.toMs) },
    file: { from: iso(search.fromMs), to: iso(search.toMs) },
  };
  const modes: Record<SearchAction, NonNullable<SearchRunOptions['mode']>> = {
    again: 'summary',
    widen: 'summary',
    compare: 'compare',
    samples: 'samples',
    file: 'file',
  };
  const input = bot.catalog.parseInput(SEARCH_OPERATION, {
    query: search.query,
    ...ranges[verb],
    timeZone: search.timeZone,
    timeBudgetSeconds: search.timeBudgetSeconds,
  });
  const spec = bot.specs.find((candidate) => candidate.operation === SEARCH_OPERATION);
  if (!spec) throw new Error('the catalog has no search operation');
  await runSearchInThread(
    forOrg(bot, search.org),
    conversation,
    `${COMMAND} search ${search.query} (${SEARCH_ACTIONS[verb]})`,
    input,
    spec,
    {
      threadTs: search.threadTs,
      mode: modes[verb],
      compareWith: search.figures,
      zoneNamed: search.zoneNamed,
    },
  );
}
