import { setTimeout as sleep } from 'node:timers/promises';
import type { UpgradeStatus as CoreUpgradeStatus } from '@sumo-ops/core';
import { describeError } from './blocks/errors.js';
import type { Reply } from './blocks/help.js';
import { resultBlocks } from './blocks/result.js';
import { escapeMrkdwn, section } from './blocks/text.js';
import { type BotContext, type Conversation, operationContext } from './context.js';
import type { PendingAction } from './pending-actions.js';

/** `upgrade_collector` answers a task status plus the collector's name. */
type UpgradeStatus = CoreUpgradeStatus & { collectorName?: string | undefined };

const STATUS_OPERATION = 'get_upgrade_status';

function isUpgradeStatus(value: unknown): value is UpgradeStatus {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as UpgradeStatus).taskId === 'string' &&
    typeof (value as UpgradeStatus).done === 'boolean'
  );
}

/**
 * After a confirmed upgrade, the thread of the confirmation hears how it ended: one task is
 * followed with `get_upgrade_status` until it succeeds or fails; a bulk upgrade reports its outcome.
 */
export async function followUpInThread(
  bot: BotContext,
  action: PendingAction,
  result: unknown,
  conversation: Conversation & { threadTs: string },
): Promise<void> {
  const operation = bot.catalog.require(action.operation);
  if (operation.toolset !== 'upgrades') return;
  const post = (reply: Reply) =>
    bot.pacer.run(conversation.channelId, () =>
      conversation.client.chat.postMessage({
        channel: conversation.channelId,
        thread_ts: conversation.threadTs,
        ...reply,
      }),
    );
  try {
    if (isUpgradeStatus(result)) {
      const label = escapeMrkdwn(
        result.collectorName
          ? `${result.collectorName} (${result.collectorId})`
          : `collector ${result.collectorId}`,
      );
      const final = result.done ? result : await waitForTask(bot, result.taskId);
      await post(upgradeOutcome(label, final ?? result, final === undefined));
    } else {
      await post({
        text: `${operation.title}: finished`,
        blocks: [section(`*${operation.title}* — outcome`), ...resultBlocks(operation, result).slice(1, 30)],
      });
    }
  } catch (error) {
    bot.logger.warn('could not report the upgrade in the thread', { error: describeError(error) });
  }
}

async function waitForTask(bot: BotContext, taskId: string): Promise<UpgradeStatus | undefined> {
  const giveUpAt = Date.now() + bot.upgrades.timeoutMs;
  while (Date.now() < giveUpAt) {
    await sleep(bot.upgrades.pollIntervalMs);
    const input = bot.catalog.parseInput(STATUS_OPERATION, { taskId });
    const status = await bot.catalog.run(STATUS_OPERATION, operationContext(bot, STATUS_OPERATION), input);
    if (isUpgradeStatus(status) && status.done) return status;
  }
  return undefined;
}

export function upgradeOutcome(label: string, status: UpgradeStatus, gaveUp: boolean): Reply {
  let line: string;
  if (gaveUp) {
    line = `:hourglass: Stopped watching the upgrade of ${label} (task ${status.taskId}); it is still ${status.statusName}. Check with \`/sumo upgrade-status ${status.taskId}\`.`;
  } else if (status.statusName === 'succeeded') {
    line = `:white_check_mark: The upgrade of ${label} to ${status.toVersion} succeeded (task ${status.taskId}).`;
  } else {
    const reason = status.message ? `: ${escapeMrkdwn(status.message)}` : '.';
    line = `:x: The upgrade of ${label} to ${status.toVersion} ${status.statusName}${reason} (task ${status.taskId})`;
  }
  return { text: line, blocks: [section(line)] };
}
