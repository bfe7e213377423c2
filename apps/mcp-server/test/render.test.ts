import { registerSecret } from '@sumo-ops/core';
import { describe, expect, it } from 'vitest';
import { META_TRUNCATED, renderSuccess } from '../src/render.js';

describe('renderSuccess', () => {
  it('gives the structured answer and the same answer as compact JSON', () => {
    const outcome = renderSuccess({ items: [{ id: 1 }], nextOffset: null });
    expect(outcome.text).toBe('{"items":[{"id":1}],"nextOffset":null}');
    expect(outcome.structuredContent).toEqual({ items: [{ id: 1 }], nextOffset: null });
    expect(outcome.meta).toBeUndefined();
  });

  it('trims text over the budget and says so, with how to get the rest', () => {
    const outcome = renderSuccess({ text: 'x'.repeat(500) }, { textBudget: 100 });
    const [shown, marker] = outcome.text.split('\n');
    expect(shown).toHaveLength(100);
    expect(marker).toMatch(/^\[truncated: the answer is 511 characters.*limit\/offset/);
    expect(outcome.meta).toEqual({ [META_TRUNCATED]: true });
  });

  it('takes registered secrets out of every string without changing the shape', () => {
    registerSecret('render-test-secret-value');
    const outcome = renderSuccess({
      note: 'key render-test-secret-value here',
      count: 2,
      nested: [{ s: 'render-test-secret-value' }],
    });
    expect(outcome.text).not.toContain('render-test-secret-value');
    expect(outcome.structuredContent).toEqual({
      note: 'key [REDACTED] here',
      count: 2,
      nested: [{ s: '[REDACTED]' }],
    });
  });
});
