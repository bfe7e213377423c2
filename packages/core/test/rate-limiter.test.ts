import { afterEach, describe, expect, it, vi } from 'vitest';
import { InMemoryRateLimitStore, RateLimiter, sharedRateLimiter, sleep } from '../src/index.js';

/** Largest number of starts that fall inside any window of `windowMs`. */
export function maxStartsInWindow(starts: number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let best = 0;
  let low = 0;
  for (let high = 0; high < sorted.length; high += 1) {
    while ((sorted[high] as number) - (sorted[low] as number) >= windowMs) low += 1;
    best = Math.max(best, high - low + 1);
  }
  return best;
}

/** Runs `work` on fake timers (the limiter's clock included) until it settles. */
async function onFakeTimers<T>(work: () => Promise<T>): Promise<T> {
  vi.useFakeTimers();
  const settled = work();
  await vi.runAllTimersAsync();
  return settled;
}

describe('RateLimiter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never starts more than perSecond requests in any sliding window, and keeps the pace', async () => {
    const starts: number[] = [];
    await onFakeTimers(() => {
      const limiter = new RateLimiter({ limits: { perSecond: 5, concurrent: 100, windowMs: 200 } });
      return Promise.all(
        Array.from({ length: 23 }, (_, index) =>
          limiter.schedule('key', async () => {
            starts.push(Date.now());
            await sleep(index % 10);
          }),
        ),
      );
    });
    expect(starts).toHaveLength(23);
    expect(maxStartsInWindow(starts, 200)).toBeLessThanOrEqual(5);
    // 23 requests at 5 per 200 ms: four full windows, and the last three start as the fifth opens.
    expect((starts.at(-1) as number) - (starts[0] as number)).toBe(800);
  });

  it('never lets more than `concurrent` requests be in flight', async () => {
    const limiter = new RateLimiter({ limits: { perSecond: 1000, concurrent: 3 } });
    let inFlight = 0;
    let maxInFlight = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        limiter.schedule('key', async () => {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await sleep(5 + Math.random() * 10);
          inFlight -= 1;
        }),
      ),
    );
    expect(maxInFlight).toBe(3);
  });

  it('settles the next waiter when the store fails while the head was being aborted', async () => {
    let fail: (() => void) | undefined;
    const store = {
      tryAcquire: () =>
        new Promise<never>((_resolve, reject) => {
          fail = () => reject(new Error('store failed'));
        }),
      release: async () => undefined,
      widen: async () => undefined,
      wideningMs: () => 0,
    };
    const limiter = new RateLimiter({ store });
    const controller = new AbortController();
    const head = limiter.acquire('k', controller.signal);
    const next = limiter.acquire('k');
    await sleep(10);
    controller.abort(new Error('caller gave up'));
    await expect(head).rejects.toThrow('caller gave up');
    fail?.();
    // Without the guard the pump dropped `next` from the queue unsettled: this would hang.
    await sleep(10);
    fail?.();
    await expect(next).rejects.toThrow('store failed');
  });

  it('keeps separate budgets per key', async () => {
    const limiter = new RateLimiter({ limits: { perSecond: 2, concurrent: 10, windowMs: 10_000 } });
    const releases = await Promise.all([
      limiter.acquire('a'),
      limiter.acquire('a'),
      limiter.acquire('b'),
      limiter.acquire('b'),
    ]);
    expect(releases).toHaveLength(4);
    for (const release of releases) release();
  });

  it('serves waiters first come, first served', async () => {
    const limiter = new RateLimiter({ limits: { perSecond: 100, concurrent: 1 } });
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4].map((n) =>
        limiter.schedule('key', async () => {
          order.push(n);
          await sleep(2);
        }),
      ),
    );
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('drops an aborted waiter without leaking its slot', async () => {
    const store = new InMemoryRateLimitStore();
    const limiter = new RateLimiter({ store, limits: { perSecond: 100, concurrent: 1 } });
    const first = await limiter.acquire('key');
    const controller = new AbortController();
    const waiting = limiter.acquire('key', controller.signal);
    controller.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    first();
    const next = await limiter.acquire('key');
    expect(store.inFlight('key')).toBe(1);
    next();
    await sleep(1);
    expect(store.inFlight('key')).toBe(0);
  });

  it('makes release idempotent so a double release cannot open the gate wider', async () => {
    const store = new InMemoryRateLimitStore();
    const limiter = new RateLimiter({ store, limits: { perSecond: 100, concurrent: 2 } });
    const a = await limiter.acquire('key');
    await limiter.acquire('key');
    a();
    a();
    await sleep(1);
    expect(store.inFlight('key')).toBe(1);
  });

  it('shares one limiter between all clients of an access id', () => {
    expect(sharedRateLimiter('id-1')).toBe(sharedRateLimiter('id-1'));
    expect(sharedRateLimiter('id-1')).not.toBe(sharedRateLimiter('id-2'));
    expect(sharedRateLimiter('id-1', { perSecond: 20 })).not.toBe(sharedRateLimiter('id-1'));
  });

  it('refuses nonsensical limits', () => {
    expect(() => new RateLimiter({ limits: { perSecond: 0 } })).toThrow(RangeError);
  });
});

describe('RateLimiter learning from 429s', () => {
  it('widens the window after a 429 and lets the widening wear off', () => {
    let now = 0;
    const limiter = new RateLimiter({ limits: { windowMs: 1000 }, now: () => now, recoveryMs: 10_000 });
    expect(limiter.windowFor('key')).toBe(1000);
    limiter.penalize('key');
    expect(limiter.windowFor('key')).toBe(1050);
    for (let i = 0; i < 10; i += 1) limiter.penalize('key');
    expect(limiter.windowFor('key')).toBe(1250);
    expect(limiter.windowFor('other')).toBe(1000);
    now += 10_000;
    expect(limiter.windowFor('key')).toBe(1200);
    now += 40_000;
    expect(limiter.windowFor('key')).toBe(1000);
  });

  it('spaces starts by the widened window', async () => {
    const starts: number[] = [];
    await onFakeTimers(() => {
      const limiter = new RateLimiter({
        limits: { perSecond: 2, concurrent: 10, windowMs: 100 },
        penaltyStepMs: 100,
        maxPenaltyMs: 100,
      });
      limiter.penalize('key');
      return Promise.all(
        Array.from({ length: 4 }, () => limiter.schedule('key', async () => void starts.push(Date.now()))),
      );
    });
    expect(maxStartsInWindow(starts, 200)).toBeLessThanOrEqual(2);
    expect((starts.at(-1) as number) - (starts[0] as number)).toBe(200);
  });
});
