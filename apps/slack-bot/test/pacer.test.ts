import { describe, expect, it } from 'vitest';
import { ChannelPacer } from '../src/pacer.js';

describe('ChannelPacer', () => {
  it('spaces posts to one channel by the interval and keeps their order', async () => {
    const pacer = new ChannelPacer(40);
    const times: Array<[string, number]> = [];
    await Promise.all(
      ['a', 'b', 'c'].map((label) =>
        pacer.run('C1', async () => {
          times.push([label, performance.now()]);
        }),
      ),
    );
    expect(times.map(([label]) => label)).toEqual(['a', 'b', 'c']);
    for (let index = 1; index < times.length; index += 1) {
      expect((times[index]?.[1] ?? 0) - (times[index - 1]?.[1] ?? 0)).toBeGreaterThanOrEqual(40);
    }
  });

  it('does not hold one channel up for another, and survives a failed post', async () => {
    const pacer = new ChannelPacer(10_000);
    await pacer.run('C1', async () => undefined);
    const started = performance.now();
    await expect(pacer.run('C2', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await pacer.run('C3', async () => undefined);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
