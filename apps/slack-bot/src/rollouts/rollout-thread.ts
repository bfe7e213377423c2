import type { webApi } from '@slack/bolt';
import type { OperationContext, RolloutStatus } from '@sumo-ops/core';
import { describeError } from '../blocks/errors.js';
import type { Reply } from '../blocks/help.js';
import type { Block } from '../blocks/limits.js';
import { escapeMrkdwn, section } from '../blocks/text.js';
import { type BotContext, operationContext } from '../context.js';

const ROLLOUT = 'rollout_collector_upgrade';
/** Operations that answer with a rollout and may follow it: given a moment, then the thread takes over. */
const FOLLOWING = new Set([ROLLOUT, 'cancel_rollout', 'rollback_collector_rollout']);
/** How long a confirmed rollout operation runs before its message says what it started. */
const ANSWER_WITHIN_MS = 3_000;
/** Failing collectors a thread message names one by one. */
const FAILURES_SHOWN = 10;

/** Thread follows in flight, stopped with the bot. */
const following = new Set<AbortController>();

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
 * a halt with each collector that failed which gate and why, and the rollback to ask for. Follows
 * through `get_rollout_status`, so the record in the state backend is the one source.
 */
export function followRolloutInThread(
  bot: Pick<BotContext, 'catalog' | 'sumo' | 'logger' | 'pacer' | 'reads' | 'org'>,
  operation: string,
  status: RolloutStatus,
  where: { channelId: string; threadTs: string; client: webApi.WebClient },
): void {
  if (operation !== ROLLOUT) return;
  const post = (reply: Reply) =>
    bot.pacer.run(where.channelId, () =>
      where.client.chat.postMessage({ channel: where.channelId, thread_ts: where.threadTs, ...reply }),
    );
  const abort = new AbortController();
  following.add(abort);
  let wave = status.currentWave;
  const inOrg = bot.org ? ` in ${bot.org}` : '';
  void (async () => {
    try {
      await post(rolloutReply(status, bot.org));
      // Over within the confirmation's moment (a canary that failed at once): that post said it all.
      if (status.state !== 'running') return;
      const ended = (await bot.catalog.run(
        'get_rollout_status',
        operationContext(bot, 'get_rollout_status', {
          signal: abort.signal,
          onProgress: (update) => {
            // One post per wave: when the next wave starts.
            if (update.progress + 1 <= wave || update.progress >= (update.total ?? 0)) return;
            wave = update.progress + 1;
            void post({
              text: `Rollout ${status.rolloutId}${inOrg}: wave ${wave - 1} passed its gates; wave ${wave} started.`,
              blocks: [
                section(
                  `:arrow_forward: Rollout \`${status.rolloutId}\`${escapeMrkdwn(inOrg)}: wave ${wave - 1} passed its gates; wave ${wave} of ${update.total} started.`,
                ),
              ],
            }).catch(() => undefined);
          },
        }),
        { rolloutId: status.rolloutId, wait: true },
      )) as RolloutStatus;
      await post(rolloutReply(ended, bot.org));
    } catch (error) {
      if (!abort.signal.aborted)
        bot.logger.warn('could not follow the rollout in its thread', { error: describeError(error) });
    } finally {
      following.delete(abort);
    }
  })();
}

/** The bot stops: thread follows end (the rollouts themselves go on wherever their lease is held). */
export function stopRolloutThreads(): void {
  for (const abort of following) abort.abort();
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
