import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timestampProblem } from '../src/signing.js';
import { Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start();
});
afterAll(async () => {
  await h.close();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('the signature window, through the real receiver', () => {
  it.each([
    ['six minutes ahead', 6 * 60],
    ['a year ahead', 365 * 86_400],
    ['six minutes behind', -6 * 60],
  ])('refuses a correctly signed request dated %s, and never answers it', async (_when, skew) => {
    const before = h.sim.counters.total;
    const { ack, responseUrl } = await h.command('collectors', {}, { timestamp: nowSeconds() + skew });
    expect(ack.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.slack.responsesTo(responseUrl)).toEqual([]);
    expect(h.sim.counters.total).toBe(before);
  });

  it('accepts a request dated within five minutes either way (clocks drift)', async () => {
    for (const skew of [-4 * 60, 4 * 60]) {
      const { ack, responseUrl } = await h.command('help', {}, { timestamp: nowSeconds() + skew });
      expect(ack.status).toBe(200);
      await h.slack.waitFor(() => h.slack.responsesTo(responseUrl)[0]);
    }
  });

  it('logs the refusal without the signature or the secret', () => {
    const logged = h.logLines.filter((line) => line.includes('outside the signature window'));
    expect(logged.length).toBeGreaterThanOrEqual(3);
    expect(logged.join('\n')).toContain('ahead of');
    expect(logged.join('\n')).not.toMatch(/v0=|harness-signing-secret/);
  });
});

describe('timestampProblem', () => {
  const now = 1_800_000_000_000;
  it('allows exactly 300 s either way and refuses 301', () => {
    expect(timestampProblem(String(now / 1000 + 300), now)).toBeUndefined();
    expect(timestampProblem(String(now / 1000 - 300), now)).toBeUndefined();
    expect(timestampProblem(String(now / 1000 + 301), now)).toMatch(/301 s ahead/);
    expect(timestampProblem(String(now / 1000 - 301), now)).toMatch(/301 s behind/);
  });

  it('leaves missing and malformed headers to Bolt, which refuses them', () => {
    expect(timestampProblem(undefined, now)).toBeUndefined();
    expect(timestampProblem('soon', now)).toBeUndefined();
    expect(timestampProblem(['1', '2'], now)).toBeUndefined();
  });
});
