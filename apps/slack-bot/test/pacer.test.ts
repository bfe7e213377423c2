import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChannelPacer } from '../src/pacer.js';

describe('ChannelPacer (fake timers)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('spaces posts to one channel by the interval and keeps their order', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const pacer = new ChannelPacer(40);
    const times: Array<[string, number]> = [];
    const posted = Promise.all(
      ['a', 'b', 'c'].map((label) =>
        pacer.run('C1', async () => {
          times.push([label, performance.now()]);
        }),
      ),
    );
    await vi.runAllTimersAsync();
    await posted;
    expect(times.map(([label]) => label)).toEqual(['a', 'b', 'c']);
    const gaps = times.slice(1).map(([, at], index) => at - (times[index]?.[1] ?? 0));
    expect(gaps).toEqual([40, 40]);
  });

  it('does not hold one channel up for another, and survives a failed post', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const pacer = new ChannelPacer(10_000);
    await pacer.run('C1', async () => undefined);
    // No time passes from here on: a post that waited for C1's interval would never run.
    await expect(pacer.run('C2', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await pacer.run('C3', async () => undefined);
    let second = false;
    const again = pacer.run('C1', async () => {
      second = true;
    });
    await vi.advanceTimersByTimeAsync(9_999);
    expect(second).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await again;
    expect(second).toBe(true);
  });
});
