import { describe, expect, it } from 'vitest';
import { SimClock } from '../src/index.js';

function manualRealTime() {
  let now = 0;
  return { realNow: () => now, pass: (ms: number) => (now += ms) };
}

describe('SimClock', () => {
  it('starts at the given epoch and follows real time at speed 1', () => {
    const real = manualRealTime();
    const clock = new SimClock(1_000_000, 1, real.realNow);
    expect(clock.now()).toBe(1_000_000);
    real.pass(250);
    expect(clock.now()).toBe(1_000_250);
  });

  it('jumps forward on advance and runs faster after setSpeed, without a discontinuity', () => {
    const real = manualRealTime();
    const clock = new SimClock(0, 1, real.realNow);
    real.pass(100);
    clock.advance(60_000);
    expect(clock.now()).toBe(60_100);
    clock.setSpeed(10);
    expect(clock.now()).toBe(60_100);
    real.pass(100);
    expect(clock.now()).toBe(61_100);
    expect(clock.speed).toBe(10);
  });

  it('refuses going backwards or a negative speed', () => {
    const clock = new SimClock(0);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.setSpeed(-2)).toThrow(RangeError);
  });
});
