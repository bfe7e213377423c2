import { setTimeout as sleep } from 'node:timers/promises';
import type { webApi } from '@slack/bolt';
import {
  isSharedStateUnavailable,
  type OperationContext,
  type RolloutStatus,
  type StateBackend,
} from '@sumo-ops/core';
import { describeError } from '../blocks/errors.js';
import type { Reply } from '../blocks/help.js';
import type { Block } from '../blocks/limits.js';
import { escapeMrkdwn, section } from '../blocks/text.js';
import { type BotContext, operationContext } from '../context.js';
import { FINAL_STEP, type FollowUpBot, type FollowUpRecord, ThreadFollowUps } from '../follow-up.js';
import { forOrg } from '../orgs/channel-orgs.js';

const ROLLOUT = 'rollout_collector_upgrade';
/** Operations that answer with a rollout and may follow it: given a moment, then the thread takes over. */
const FOLLOWING = new Set([ROLLOUT, 'cancel_rollout', 'rollback_collector_rollout']);
/** How long a confirmed rollout operation runs before its message says what it started. */
const ANSWER_WITHIN_MS = 3_000;
/** Failing collectors a thread message names one by one. */
const FAILURES_SHOWN = 10;
/** The longest a rollout runs: ten waves, each a day's soak plus its upgrades and gates. */
const FOLLOW_AT_MOST_MS = 10 * 25 * 3_600_000;

/** A confirmed rollout's thread, kept in the state backend so that any replica carries it on. */
export interface RolloutThreadRecord extends FollowUpRecord {
  rolloutId: string;
}

/**
 * A confirmed rollout operation answers soon (the rollout goes on in core, as for any caller)
 * and records who confirmed it: the Slack user, the only identity a Slack click carries.
 */
export function rolloutRunContext(operation: string, userId: string): Partial<OperationContext> {
  if (!FOLLOWING.has(operation)) return {};
  return { deadline: Date.now() + ANSWER_WITHIN_MS, auditSubject: { subject: `slack:${userId}` } };
}

export function isRolloutStatus(value: unknown): value is RolloutStatus {
  const status = value as RolloutStatus | null;
  return typeof status?.rolloutId === 'string' && Array.isArray(status.waves);
}

/**
 * The waves as lines: one per wave, with its step and how many got the build. `org` (named orgs)
 * goes into the rollback to type, which would otherwise act on the channel's org of the moment.
 */
export function rolloutBlocks(status: RolloutStatus, title: string, org?: string | undefined): Block[] {
  const waves = status.waves.map(
    (wave) =>
      `• Wave ${wave.wave}: ${wave.collectors} collector(s), ${wave.phase}${wave.upgraded ? ` — ${wave.upgraded} upgraded` : ''}${wave.gatePassed === false ? ' — *gate failed*' : ''}`,
  );
  const blocks = [section(`${title}\n${waves.join('\n')}`)];
  if (status.failures.length > 0) {
    const lines = status.failures
      .slice(0, FAILURES_SHOWN)
      .map(
        (failure) =>
          `• ${escapeMrkdwn(failure.name)} (${failure.collectorId}) — ${failure.gate}: ${escapeMrkdwn(failure.reason)}`,
      );
    const more =
      status.failures.length > FAILURES_SHOWN
        ? `\n… and ${status.failures.length - FAILURES_SHOWN} more`
        : '';
    blocks.push(section(`*Failed gates*\n${lines.join('\n')}${more}`.slice(0, 2_900)));
  }
  if (status.state === 'halted' && !status.rollback)
    blocks.push(
      section(
        `Roll the failed wave back with \`/sumo rollback ${status.rolloutId}${org ? ` org=${org}` : ''}\` (asks for confirmation).`,
      ),
    );
  return blocks;
}

function headline(status: RolloutStatus, org?: string | undefined): string {
  const id = `\`${status.rolloutId}\`${org ? ` in ${escapeMrkdwn(org)}` : ''}`;
  switch (status.state) {
    case 'running':
      return `:arrows_clockwise: *Rollout ${id}* to \`${status.toVersion}\`: wave ${status.currentWave} of ${status.waves.length}`;
    case 'done':
      return `:white_check_mark: *Rollout ${id} done*: ${escapeMrkdwn(status.reason ?? '')}`;
    case 'halted':
      return `:octagonal_sign: *Rollout ${id} halted*: ${escapeMrkdwn(status.reason ?? '')}`;
    default:
      return `:warning: *Rollout ${id} ${status.state}*: ${escapeMrkdwn(status.reason ?? '')}`;
  }
}

export function rolloutReply(status: RolloutStatus, org?: string | undefined): Reply {
  const title = headline(status, org);
  return { text: title.replaceAll('*', ''), blocks: rolloutBlocks(status, title, org) };
}

/**
 * After a confirmed rollout, its thread hears of each wave as the wave moves on, and of the end:
 * a halt with each collector that failed which gate and why, and the rollback to ask for. The
 * thread is a follow-up in the state backend, so another replica, or this one restarted, carries
 * it on, each step posted once.
 */
export async function followRolloutInThread(
  bot: Pick<BotContext, 'rolloutThreads' | 'logger'> & { org?: string | undefined },
  operation: string,
  status: RolloutStatus,
  where: { channelId: string; threadTs: string },
): Promise<void> {
  if (operation !== ROLLOUT) return;
  try {
    await bot.rolloutThreads.follow({
      id: `${where.channelId}:${where.threadTs}:${status.rolloutId}`,
      channelId: where.channelId,
      threadTs: where.threadTs,
      rolloutId: status.rolloutId,
      giveUpAt: Date.now() + FOLLOW_AT_MOST_MS,
      ...(bot.org ? { org: bot.org } : {}),
    });
  } catch (error) {
    bot.logger.warn('could not follow the rollout in its thread', { error: describeError(error) });
  }
}

/** The step a thread has heard of: each wave's start, then the end. */
function stepOf(status: RolloutStatus): string {
  return status.state === 'running' ? `wave-${status.currentWave}` : FINAL_STEP;
}

/** The thread's first post and its last show every wave; in between, a line per wave started. */
function stepReply(status: RolloutStatus, step: string, first: boolean, org: string | undefined): Reply {
  if (first || step === FINAL_STEP) return rolloutReply(status, org);
  const line = `Rollout \`${status.rolloutId}\`${org ? ` in ${escapeMrkdwn(org)}` : ''}: wave ${status.currentWave - 1} passed its gates; wave ${status.currentWave} of ${status.waves.length} started.`;
  return { text: line.replaceAll('`', ''), blocks: [section(`:arrow_forward: ${line}`)] };
}

/** Rollout threads: every replica's, watched by one at a time. */
export function rolloutThreads(
  bot: FollowUpBot & Pick<BotContext, 'reads'>,
  backend: StateBackend,
  client: webApi.WebClient,
): ThreadFollowUps<RolloutThreadRecord> {
  // In the org the rollout was confirmed in, whatever the channel's org is by now.
  const read = async (rolloutId: string, org: string | undefined, signal: AbortSignal) =>
    (await bot.catalog.run(
      'get_rollout_status',
      operationContext(forOrg(bot, org), 'get_rollout_status', { signal }),
      { rolloutId, wait: false },
    )) as RolloutStatus;
  return new ThreadFollowUps(bot, backend, client, {
    name: 'rollout-thread',
    noun: 'rollout thread',
    checkWith: '/sumo rollout-status <rollout>',
    async watch({ record, signal, say }) {
      for (; ; await sleep(bot.upgrades.pollIntervalMs, undefined, { signal })) {
        let status: RolloutStatus;
        try {
          status = await read(record.rolloutId, record.org, signal);
        } catch (error) {
          // The record is in shared state: an outage is waited out (the backend logs it once).
          if (isSharedStateUnavailable(error)) continue;
          throw error;
        }
        const step = stepOf(status);
        if (step !== record.posted)
          await say(step, stepReply(status, step, record.posted === undefined, record.org));
        if (step === FINAL_STEP) return;
        if (Date.now() >= record.giveUpAt) {
          const line = `:hourglass: Stopped following rollout \`${status.rolloutId}\` here; it is still running. \`/sumo rollout-status ${status.rolloutId}\` shows it.`;
          await say(FINAL_STEP, { text: line, blocks: [section(line)] });
          return;
        }
      }
    },
  });
}

/** The App Home's line about the org's running rollout; nothing when there is none. */
export async function runningRolloutBlocks(
  bot: Pick<BotContext, 'catalog' | 'sumo' | 'logger' | 'reads' | 'org'>,
): Promise<Block[]> {
  try {
    const status = (await bot.catalog.run('get_rollout_status', operationContext(bot, 'get_rollout_status'), {
      wait: false,
    })) as RolloutStatus;
    return status.state === 'running' ? rolloutBlocks(status, headline(status, bot.org), bot.org) : [];
  } catch {
    // No rollout yet in this org, or its state unreadable: the tab shows the rest.
    return [];
  }
}
