import { sleep } from '@sumo-ops/core';

/**
 * Slack allows about one message per second per channel. Posts to the same channel run one
 * after another, at least `intervalMs` apart; other channels are not held up.
 */
export class ChannelPacer {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly lastAt = new Map<string, number>();

  constructor(readonly intervalMs = 1000) {}

  run<T>(channel: string, post: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(channel) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        const due = (this.lastAt.get(channel) ?? Number.NEGATIVE_INFINITY) + this.intervalMs;
        // Timers may fire a little early; wait again for what is left rather than post too soon.
        while (performance.now() < due) await sleep(due - performance.now());
        try {
          return await post();
        } finally {
          this.lastAt.set(channel, performance.now());
        }
      });
    this.tails.set(channel, next);
    // Forget an idle channel's queue; its last post time is all that is needed to pace the next one.
    void next
      .catch(() => undefined)
      .then(() => {
        if (this.tails.get(channel) === next) this.tails.delete(channel);
      });
    return next;
  }
}
