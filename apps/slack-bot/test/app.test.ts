import { createCatalog, SumoClient, silentLogger } from '@sumo-ops/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createSlackBot } from '../src/app.js';
import { FakeSlack } from './support/fake-slack.js';

const sumo = new SumoClient({
  accessId: 'id',
  accessKey: 'app-test-sumo-key',
  apiUrl: 'http://127.0.0.1:9/api',
  env: {},
});
afterAll(async () => sumo.close());

const base = {
  catalog: createCatalog(),
  sumo,
  botToken: 'xoxb-app-test-token',
  access: { admins: [] },
  logger: silentLogger,
};

describe('createSlackBot', () => {
  it('needs a signing secret in HTTP mode', () => {
    expect(() => createSlackBot(base)).toThrow('SLACK_SIGNING_SECRET');
  });

  it('builds a Socket Mode app from an app token, without a signing secret', () => {
    const bot = createSlackBot({ ...base, appToken: 'xapp-1-app-test-token' });
    expect(bot.app).toBeDefined();
  });

  it('refuses to start when Slack does not accept the bot token, saying which variable', async () => {
    const slack = await new FakeSlack().start();
    slack.rejectedTokens.add(base.botToken);
    try {
      const bot = createSlackBot({
        ...base,
        signingSecret: 'app-test-signing',
        slackApiUrl: slack.apiUrl,
        port: 0,
      });
      await expect(bot.start()).rejects.toThrow(/SLACK_BOT_TOKEN.*invalid_auth/);
    } finally {
      await slack.close();
    }
  });
});
