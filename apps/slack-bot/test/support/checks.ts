import { expect } from 'vitest';
import { blockKitProblems, type SlackMessage } from '../../src/index.js';
import type { FakeSlack } from './fake-slack.js';
import { BOT_TOKEN, SIGNING_SECRET, SUMO_KEY } from './harness.js';

const MESSAGE_METHODS = /^(chat\.postMessage|chat\.update|chat\.postEphemeral|response_url\/.*)$/;

/** Every message the bot sent (Web API calls and response_url posts) fits Block Kit's limits. */
export function expectMessagesWithinLimits(slack: FakeSlack): void {
  const messages = slack.calls.filter((call) => MESSAGE_METHODS.test(call.method));
  expect(messages.length).toBeGreaterThan(0);
  for (const call of messages) {
    expect(
      blockKitProblems(call.args as SlackMessage),
      `${call.method}: ${JSON.stringify(call.args).slice(0, 300)}`,
    ).toEqual([]);
  }
}

/** No secret in any captured line. The bot token may only travel in the Authorization header. */
export function expectNoSecrets(text: string): void {
  for (const secret of [
    BOT_TOKEN,
    SIGNING_SECRET,
    SUMO_KEY,
    Buffer.from(`sim-access-id:${SUMO_KEY}`).toString('base64'),
  ]) {
    expect(text).not.toContain(secret);
  }
}
