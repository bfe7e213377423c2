import { describe, expect, it } from 'vitest';
import { sparkline } from '../src/index.js';

describe('sparkline', () => {
  it('scales bars to the peak and leaves empty steps blank', () => {
    expect(sparkline([0, 1, 2, 4, 8])).toBe(' ▁▂▄█');
    expect(sparkline([3, 3, 3])).toBe('███');
  });

  it('draws an all-zero series as a flat baseline and an empty series as nothing', () => {
    expect(sparkline([0, 0])).toBe('▁▁');
    expect(sparkline([])).toBe('');
  });

  it('gives a count far below the peak the lowest bar, not a blank', () => {
    expect(sparkline([1, 1000])).toBe('▁█');
  });
});
