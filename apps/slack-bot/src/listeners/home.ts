import type { App, BlockAction, ButtonAction, webApi } from '@slack/bolt';
import { ALL_ORGS, isSharedStateUnavailable } from '@sumo-ops/core';
import { describeError } from '../blocks/errors.js';
import type { Reply } from '../blocks/help.js';
import { HOME_ACTION_ID, HOME_ACTIONS, type HomeAction, homeView } from '../blocks/home.js';
import { FLEET_PICTURE_ACTION_ID, postFleetPicture } from '../charts/fleet-picture.js';
import type { BotContext } from '../context.js';
import type { FleetSnapshot } from '../fleet-overview.js';
import { forOrg } from '../orgs/channel-orgs.js';
import { allOrgsBlocks, HOME_ORG_ACTION_ID, orgSwitcher } from '../orgs/home-orgs.js';
import { parseCommand } from '../parse-command.js';
import { runningRolloutBlocks } from '../rollouts/rollout-thread.js';
import type { UpgradeLogEntry } from '../upgrade-log.js';
import { afterPendingRequests, COMMAND, requestConfirmation } from './command.js';

/** Registration only: the App Home tab and its buttons. */
export function registerHome(app: App, bot: BotContext): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    await afterPendingRequests();
    try {
      await publishHome(bot, client, event.user);
    } catch (error) {
      bot.logger.error('could not publish App Home', { error: describeError(error), user: event.user });
    }
  });
  app.action<BlockAction<ButtonAction>>(
    new RegExp(`^${HOME_ORG_ACTION_ID}:`),
    async ({ ack, body, action, client }) => {
      await ack();
      await afterPendingRequests();
      const org = action.value ?? '';
      if (org !== ALL_ORGS && !bot.orgs.names.includes(org)) return;
      try {
        await bot.homeOrgs.set(body.user.id, org);
        await publishHome(bot, client, body.user.id);
      } catch (error) {
        bot.logger.error('App Home org switch failed', { error: describeError(error), user: body.user.id });
      }
    },
  );
  app.action<BlockAction<ButtonAction>>(
    new RegExp(`^${HOME_ACTION_ID}:`),
    async ({ ack, body, action, client }) => {
      await ack();
      await afterPendingRequests();
      try {
        await homeButton(bot, client, body.user.id, action.value ?? '');
      } catch (error) {
        bot.logger.error('App Home button failed', { error: describeError(error), user: body.user.id });
      }
    },
  );
  // Anyone may ask for the picture: it is a read, drawn and posted after the ack.
  app.action<BlockAction<ButtonAction>>(FLEET_PICTURE_ACTION_ID, async ({ ack, body, action, client }) => {
    await ack();
    await afterPendingRequests();
    const [, org] = (action.value ?? '').split('@');
    if (org !== undefined && !bot.orgs.names.includes(org)) {
      bot.logger.warn('ignored a fleet picture for an org that is not configured', { user: body.user.id });
      return;
    }
    try {
      await postFleetPicture(forOrg(bot, org), client, body.user.id);
    } catch (error) {
      bot.logger.error('fleet picture failed', { error: describeError(error), user: body.user.id });
    }
  });
}

/** Builds the tab for one person (admins see buttons) and publishes it. No Sumo call when cached. */
export async function publishHome(bot: BotContext, client: webApi.WebClient, userId: string): Promise<void> {
  // With several orgs, each person picks the org the tab shows (or all of them) with a switcher.
  const chosen = bot.orgs.several ? await shownOrg(bot, userId) : undefined;
  if (chosen === ALL_ORGS) {
    const blocks = [orgSwitcher(bot.orgs.names, ALL_ORGS), ...(await allOrgsBlocks(bot))];
    await client.views.publish({ user_id: userId, view: { type: 'home', blocks } });
    return;
  }
  const orgBot = forOrg(bot, chosen);
  const [access, fleet, upgrades, rollout] = await Promise.all([
    bot.access.checkWrite(client, userId),
    (bot.fleets.get(chosen ?? bot.orgs.defaultOrg) ?? bot.fleet)
      .get()
      .catch((error: unknown) => unavailable<FleetSnapshot | undefined>(bot, error, unreadable(error))),
    bot.upgradeLog.recent().catch((error: unknown) => unavailable<UpgradeLogEntry[]>(bot, error, [])),
    runningRolloutBlocks(orgBot),
  ]);
  const view = homeView(fleet, upgrades, {
    admin: access.allowed,
    notes: orgBot.notes,
    org: orgBot.org,
    rollout,
  });
  await client.views.publish({
    user_id: userId,
    view: chosen ? { ...view, blocks: [orgSwitcher(bot.orgs.names, chosen), ...view.blocks] } : view,
  });
}

/** The person's choice if it is still a configured org (or all), else the default. */
async function shownOrg(bot: BotContext, userId: string): Promise<string> {
  const chosen = await bot.homeOrgs.get(userId).catch(() => undefined);
  return chosen !== undefined && (chosen === ALL_ORGS || bot.orgs.names.includes(chosen))
    ? chosen
    : bot.orgs.defaultOrg;
}

/** Without shared state the refresh right cannot be taken, so Sumo is not asked: the tab says why. */
function unreadable(error: unknown): FleetSnapshot {
  return {
    at: Date.now(),
    collectors: { total: 0, alive: 0, dead: 0, installed: 0, hosted: 0 },
    offline: { count: 0, longest: [] },
    upgrades: { latest: null, upgradable: 0 },
    partial: false,
    error: describeError(error),
  };
}

function unavailable<T>(bot: BotContext, error: unknown, fallback: T): T {
  if (!isSharedStateUnavailable(error)) throw error;
  bot.logger.warn('App Home shown without shared state', { error: error.message });
  return fallback;
}

/**
 * A home button asks for exactly what its subcommand would: the same rights check, the same
 * preview, the same Confirm and Cancel, in a message to the person who clicked (App Home has no
 * channel to answer in). Nothing changes on this click.
 */
async function homeButton(
  bot: BotContext,
  client: webApi.WebClient,
  userId: string,
  buttonValue: string,
): Promise<void> {
  // `delete-offline@staging`: the org the tab showed when the button was drawn, and only that one.
  const [value = '', org] = buttonValue.split('@');
  if (org !== undefined && !bot.orgs.names.includes(org)) {
    bot.logger.warn('ignored an App Home button for an org that is not configured', { user: userId });
    return;
  }
  const orgBot = forOrg(bot, org);
  const text = HOME_ACTIONS[value as HomeAction];
  if (text === undefined) {
    bot.logger.warn('ignored an unknown App Home button', { user: userId });
    return;
  }
  const parsed = parseCommand(text, bot.catalog);
  if (parsed.kind !== 'invoke') throw new Error(`App Home button "${value}" does not parse: ${text}`);
  const toUser = (reply: Reply) => client.chat.postMessage({ channel: userId, ...reply });
  await requestConfirmation(
    orgBot,
    {
      userId,
      // The app's direct messages with this person, where the preview and its outcome go.
      channelId: userId,
      client,
      subcommand: parsed.spec.name,
      operation: parsed.operation,
      input: parsed.input,
      commandText: `${COMMAND} ${text}`,
      notes: ['Asked from the App Home tab.', ...orgBot.notes],
    },
    { privately: toUser, openly: toUser },
  );
}
