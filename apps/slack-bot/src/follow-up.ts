import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { webApi } from '@slack/bolt';
import {
  type UpgradeStatus as CoreUpgradeStatus,
  claimWithToken,
  isSharedStateUnavailable,
  Lease,
  type StateBackend,
} from '@sumo-ops/core';
import { describeError } from './blocks/errors.js';
import type { Reply } from './blocks/help.js';
import { resultBlocks } from './blocks/result.js';
import { escapeMrkdwn, section } from './blocks/text.js';
import { type BotContext, type Conversation, operationContext } from './context.js';
import { forOrg } from './orgs/channel-orgs.js';
import type { PendingAction } from './pending-actions.js';

/** `upgrade_collector` answers a task status plus the collector's name. */
type UpgradeStatus = CoreUpgradeStatus & { collectorName?: string | undefined };

const STATUS_OPERATION = 'get_upgrade_status';
/** A record outlives its give-up time by this much, so a late sweeper can still say it gave up. */
const RECORD_MARGIN_MS = 60 * 60_000;
/** The step that ends a follow-up: its outcome is posted, and nobody watches it any more. */
export const FINAL_STEP = 'end';

/** What any replica needs to carry a follow-up on in its thread. */
export interface FollowUpRecord {
  id: string;
  channelId: string;
  threadTs: string;
  /** Epoch ms after which the thread is told the bot stopped watching. */
  giveUpAt: number;
  /** The step last posted, for a follow-up that posts several (a rollout's waves). */
  posted?: string | undefined;
  /** The org it runs in (with an orgs file): it is asked about there and nowhere else. */
  org?: string | undefined;
}

/** An upgrade task followed until it ends. */
export interface UpgradeFollowUpRecord extends FollowUpRecord {
  taskId: string;
  /** The collector, already escaped for mrkdwn. */
  label: string;
}

/** One watch of a follow-up, as its kind sees it. */
export interface FollowUpWatch<R extends FollowUpRecord> {
  record: R;
  signal: AbortSignal;
  /**
   * Posts `reply` in the thread for `step`, unless a watcher on any replica already has (then
   * false); `before` runs only when this one posts. FINAL_STEP ends the follow-up.
   */
  say(step: string, reply: Reply, before?: () => Promise<void>): Promise<boolean>;
}

/** What differs between the things a thread follows: where they are kept and how one is watched. */
export interface FollowUpKind<R extends FollowUpRecord> {
  /** Keys in the state backend start `slack:<name>`. */
  name: string;
  /** For the log: `upgrade follow-up`. */
  noun: string;
  /** Where a user looks for themselves when no replica can carry a follow-up on. */
  checkWith: string;
  /** Watches until FINAL_STEP is said; a throw (not an abort) drops the follow-up. */
  watch(watch: FollowUpWatch<R>): Promise<void>;
}

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
  try {
    if (isUpgradeStatus(result)) {
      const label = escapeMrkdwn(
        `${
          result.collectorName
            ? `${result.collectorName} (${result.collectorId})`
            : `collector ${result.collectorId}`
        }${action.org ? ` in ${action.org}` : ''}`,
      );
      await bot.upgradeLog.record({
        id: result.taskId,
        label,
        toVersion: result.toVersion,
        status: result.done ? result.statusName : 'running',
        by: action.userId,
      });
      if (result.done) {
        await postInThread(bot, conversation.client, conversation, upgradeOutcome(label, result, false));
        return;
      }
      await bot.followUps.follow({
        id: `${conversation.channelId}:${conversation.threadTs}:${result.taskId}`,
        channelId: conversation.channelId,
        threadTs: conversation.threadTs,
        taskId: result.taskId,
        label,
        giveUpAt: Date.now() + bot.upgrades.timeoutMs,
        ...(action.org ? { org: action.org } : {}),
      });
    } else {
      await bot.upgradeLog.record({
        id: `${action.id}`,
        label: escapeMrkdwn(action.preview.summary),
        status: 'finished',
        by: action.userId,
      });
      await postInThread(bot, conversation.client, conversation, {
        text: `${operation.title}: finished`,
        blocks: [section(`*${operation.title}* — outcome`), ...resultBlocks(operation, result).slice(1, 30)],
      });
    }
  } catch (error) {
    bot.logger.warn('could not report the upgrade in the thread', { error: describeError(error) });
  }
}

export type FollowUpBot = Pick<
  BotContext,
  'catalog' | 'sumo' | 'orgs' | 'notes' | 'logger' | 'pacer' | 'upgrades'
>;

function postInThread(
  bot: Pick<BotContext, 'pacer'>,
  client: webApi.WebClient,
  where: { channelId: string; threadTs: string },
  reply: Reply,
) {
  return bot.pacer.run(where.channelId, () =>
    client.chat.postMessage({ channel: where.channelId, thread_ts: where.threadTs, ...reply }),
  );
}

interface Watch<R extends FollowUpRecord> {
  record: R;
  /** False when shared state was down at the start: nobody else knows of it. */
  recorded: boolean;
  abort: AbortController;
  done: Promise<void>;
}

/**
 * Thread follow-ups that survive the replica watching them: an upgrade task until it ends, a
 * rollout until its last wave. Each is recorded in the state backend (an index plus a record
 * with the thread, what is followed, the give-up time and the step last posted) and watched under
 * a lease the watcher keeps renewing. Every replica sweeps the index now and then: a follow-up
 * whose lease is free lost its watcher (a crash, a restart, a shutdown that handed it back), so
 * the sweeper takes the lease and carries it on in the thread. Two replicas can still end up
 * watching one follow-up (a watcher cut off from Redis loses its lease but not its loop), so each
 * step is posted only by the watcher whose token the step's claim key holds (`claimWithToken`):
 * a fencing token, which a watcher whose claim went unanswered can look up again, so a lost
 * answer makes neither two posts nor none.
 */
export class ThreadFollowUps<R extends FollowUpRecord> {
  readonly #watching = new Map<string, Watch<R>>();
  #sweeper: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  #stopped = false;

  constructor(
    private readonly bot: FollowUpBot,
    private readonly backend: StateBackend,
    /** The bot's own Web API client: a picked-up follow-up has no request to answer. */
    private readonly client: webApi.WebClient,
    private readonly kind: FollowUpKind<R>,
  ) {}

  get #index(): string {
    return `slack:${this.kind.name}s`;
  }

  #recordKey(id: string): string {
    return `slack:${this.kind.name}:${id}`;
  }

  #leaseKey(id: string): string {
    return `slack:${this.kind.name}-lease:${id}`;
  }

  /** Holds the token of the one watcher that posts the step (see #claim). */
  #postedKey(id: string, step = FINAL_STEP): string {
    const key = `slack:${this.kind.name}-posted:${id}`;
    return step === FINAL_STEP ? key : `${key}:${step}`;
  }

  /** Starts the periodic sweep for orphaned follow-ups. */
  start(): void {
    if (this.#sweeper || this.#stopped) return;
    this.#sweeper = setInterval(() => void this.sweep(), this.bot.upgrades.sweepIntervalMs);
    this.#sweeper.unref();
  }

  /** Records a follow-up and watches it here, or hands it straight to other replicas when stopping. */
  async follow(record: R): Promise<void> {
    let lease: Lease | undefined;
    let listing = false;
    try {
      await this.#save(record);
      // The lease is held before the follow-up is listed, so no sweeper can take it in between.
      lease = new Lease(this.backend, this.#leaseKey(record.id), this.bot.upgrades.leaseMs);
      await lease.acquire();
      listing = true;
      await this.backend.indexPut(this.#index, record.id, record.giveUpAt);
    } catch (error) {
      if (!isSharedStateUnavailable(error)) throw error;
      if (listing && error.mayHaveApplied) {
        // Redis may have listed it without saying so: other replicas can find it, so it is
        // watched as shared (lease kept, steps posted only through their claims), never alone.
        this.bot.logger.warn(
          `${this.kind.noun}: shared state did not answer whether it was listed; watched here as shared`,
          { followUp: record.id },
        );
        await this.#watch(record, lease, true);
        return;
      }
      // Shared state is down and nothing listed it: watch here without a record, as a single process would.
      await lease?.release();
      this.bot.logger.warn(
        `${this.kind.noun} not recorded (shared state unreachable): only this replica watches it`,
        { followUp: record.id },
      );
      await this.#watch(record, undefined, false);
      return;
    }
    await this.#watch(record, lease, true);
  }

  /** Picks up follow-ups whose watcher is gone. */
  sweep(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#sweeping ??= this.#sweepOnce().finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  async #sweepOnce(): Promise<void> {
    try {
      for (const id of await this.backend.indexRange(this.#index)) {
        if (this.#stopped) return;
        if (this.#watching.has(id)) continue;
        const lease = new Lease(this.backend, this.#leaseKey(id), this.bot.upgrades.leaseMs);
        if (!(await lease.acquire())) continue;
        const stored = await this.backend.get(this.#recordKey(id));
        if (stored === undefined || (await this.backend.get(this.#postedKey(id))) !== undefined) {
          // Finished by someone else (who could not tidy up), or expired long after its give-up time.
          await this.#forget(id);
          await lease.release();
          continue;
        }
        const record = JSON.parse(stored) as R;
        this.bot.logger.info(`picked up a ${this.kind.noun} whose watcher is gone`, { followUp: record.id });
        await this.#watch(record, lease, true);
      }
    } catch (error) {
      // An outage is logged once by the backend; the next sweep tries again.
      if (!isSharedStateUnavailable(error))
        this.bot.logger.warn(`${this.kind.noun} sweep failed`, { error: describeError(error) });
    }
  }

  /**
   * Stops watching. Leases are released so another replica carries the follow-ups on; without
   * shared state nobody can, and the log says which ones were abandoned.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#sweeper);
    await this.#sweeping;
    const watches = [...this.#watching.values()];
    for (const watch of watches) watch.abort.abort();
    await Promise.all(watches.map((watch) => watch.done));
    for (const recorded of [true, false]) {
      const records = watches.filter((watch) => watch.recorded === recorded).map((watch) => watch.record);
      this.#handedBack(records, recorded);
    }
  }

  /** Follow-ups being watched by this replica, for tests and logs. */
  get watching(): R[] {
    return [...this.#watching.values()].map((watch) => watch.record);
  }

  #handedBack(records: R[], recorded: boolean): void {
    if (records.length === 0) return;
    const followUps = records.map(({ id, channelId, threadTs }) => ({ id, channelId, threadTs }));
    if (this.backend.kind === 'memory' || !recorded) {
      this.bot.logger.warn(
        `${this.kind.noun}s abandoned at shutdown: they are not in shared state (no SUMO_OPS_REDIS_URL, or Redis was down when they began), so no other replica can finish them; check with ${this.kind.checkWith}`,
        { followUps },
      );
    } else {
      this.bot.logger.info(`${this.kind.noun}s handed back for another replica to finish`, { followUps });
    }
  }

  /** Starts watching; once stopping, releases the lease instead, for another replica to take. */
  async #watch(record: R, lease: Lease | undefined, recorded: boolean): Promise<void> {
    if (this.#stopped) {
      await lease?.release();
      this.#handedBack([record], recorded);
      return;
    }
    const abort = new AbortController();
    const watch: Watch<R> = { record, recorded, abort, done: Promise.resolve() };
    this.#watching.set(record.id, watch);
    watch.done = this.#run(record, recorded, abort.signal)
      .catch((error: unknown) => {
        if (abort.signal.aborted) return;
        this.bot.logger.warn(`could not report the ${this.kind.noun} in the thread`, {
          error: describeError(error),
        });
      })
      .finally(async () => {
        this.#watching.delete(record.id);
        await lease?.release();
      });
  }

  async #run(record: R, recorded: boolean, signal: AbortSignal): Promise<void> {
    const say = async (step: string, reply: Reply, before?: () => Promise<void>) => {
      const mine = !recorded || (await this.#claim(record, step, signal));
      record.posted = step;
      if (!mine) return false;
      await before?.();
      await postInThread(this.bot, this.client, record, reply);
      // What a watcher that takes over reads first; the final step's claim says the rest.
      if (recorded && step !== FINAL_STEP) await this.#save(record).catch(() => undefined);
      return true;
    };
    try {
      await this.kind.watch({ record, signal, say });
    } catch (error) {
      // Nobody else should keep asking either; an abort is a hand-back, not an end.
      if (!signal.aborted && recorded) await this.#forget(record.id).catch(() => undefined);
      throw error;
    }
  }

  /**
   * True for the one watcher, on any replica, that gets to post the step. A claim whose answer is
   * lost is asked again with the same token, which settles it; an outage of shared state is
   * waited out. Once the final step is claimed, whoever wins, the record and its listing are done with.
   */
  async #claim(record: R, step: string, signal: AbortSignal): Promise<boolean> {
    const token = randomBytes(12).toString('base64url');
    const ttlMs = Math.max(0, record.giveUpAt - Date.now()) + RECORD_MARGIN_MS;
    for (;;) {
      try {
        const won = await claimWithToken(this.backend, this.#postedKey(record.id, step), token, ttlMs);
        if (step === FINAL_STEP) await this.#forget(record.id).catch(() => undefined);
        return won;
      } catch (error) {
        if (!isSharedStateUnavailable(error)) throw error;
        await sleep(this.bot.upgrades.pollIntervalMs, undefined, { signal });
      }
    }
  }

  async #save(record: R): Promise<void> {
    await this.backend.set(this.#recordKey(record.id), JSON.stringify(record), {
      ttlMs: record.giveUpAt - Date.now() + RECORD_MARGIN_MS,
    });
  }

  async #forget(id: string): Promise<void> {
    await this.backend.delete(this.#recordKey(id));
    await this.backend.indexRemove(this.#index, id);
  }
}

/** Upgrade tasks, each followed until it succeeds or fails, its outcome posted once. */
export function upgradeFollowUps(
  bot: FollowUpBot & Pick<BotContext, 'upgradeLog'>,
  backend: StateBackend,
  client: webApi.WebClient,
): ThreadFollowUps<UpgradeFollowUpRecord> {
  const status = async (taskId: string, org: string | undefined): Promise<UpgradeStatus> => {
    const input = bot.catalog.parseInput(STATUS_OPERATION, { taskId });
    const answer = await bot.catalog.run(
      STATUS_OPERATION,
      operationContext(forOrg(bot, org), STATUS_OPERATION),
      input,
    );
    if (!isUpgradeStatus(answer))
      throw new Error(`${STATUS_OPERATION} answered something that is not a task status`);
    return answer;
  };
  return new ThreadFollowUps(bot, backend, client, {
    name: 'follow-up',
    noun: 'upgrade follow-up',
    checkWith: '/sumo upgrade-status <task>',
    async watch({ record, signal, say }) {
      let last: UpgradeStatus;
      do {
        await sleep(bot.upgrades.pollIntervalMs, undefined, { signal });
        last = await status(record.taskId, record.org);
      } while (!last.done && Date.now() < record.giveUpAt);
      const outcome = last;
      await say(FINAL_STEP, upgradeOutcome(record.label, outcome, !outcome.done), () =>
        bot.upgradeLog.record({
          id: record.taskId,
          label: record.label,
          status: outcome.done ? outcome.statusName : 'still running',
        }),
      );
    },
  });
}

export function upgradeOutcome(label: string, status: UpgradeStatus, gaveUp: boolean): Reply {
  let line: string;
  if (gaveUp) {
    line = `:hourglass: Stopped watching the upgrade of ${label} (task ${status.taskId}); it is still ${status.statusName}. Check with \`/sumo upgrade-status ${status.taskId}\`.`;
  } else if (status.statusName === 'succeeded') {
    line = `:white_check_mark: The upgrade of ${label} to ${escapeMrkdwn(status.toVersion)} succeeded (task ${status.taskId}).`;
  } else {
    const reason = status.message ? `: ${escapeMrkdwn(status.message)}` : '.';
    line = `:x: The upgrade of ${label} to ${escapeMrkdwn(status.toVersion)} ${status.statusName}${reason} (task ${status.taskId})`;
  }
  return { text: line, blocks: [section(line)] };
}
