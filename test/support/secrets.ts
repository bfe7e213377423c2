import { expect } from 'vitest';

/** The simulator's credentials as every suite's client uses them (test/support/simulated-sumo.ts). */
export const SUMO_ACCESS_ID = 'sim-access-id';
export const SUMO_ACCESS_KEY = 'sim-access-key';

/**
 * No secret in any of the texts: each given secret, the Sumo access key, and the Basic
 * credentials header built from it (what a careless log of a request would show).
 */
export function expectNoSecrets(texts: readonly string[], secrets: readonly string[] = []): void {
  const all = texts.join('\n');
  for (const secret of [
    SUMO_ACCESS_KEY,
    Buffer.from(`${SUMO_ACCESS_ID}:${SUMO_ACCESS_KEY}`).toString('base64'),
    ...secrets,
  ]) {
    expect(all).not.toContain(secret);
  }
}
