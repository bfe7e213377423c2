import { redactText } from '@sumo-ops/core';
import { describe, expect, it } from 'vitest';
import { loadSlackSettings, SlackSettingsError } from '../src/settings.js';

const SUMO = { SUMO_ACCESS_ID: 'suABCDEF', SUMO_ACCESS_KEY: 'settings-test-sumo-key-123' };

function problems(env: Record<string, string>, argv: string[] = []): string[] {
  try {
    loadSlackSettings(env, argv);
  } catch (error) {
    if (error instanceof SlackSettingsError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadSlackSettings', () => {
  it('refuses to start without settings and names every variable to set', () => {
    const found = problems({}).join('\n');
    for (const name of [
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'SUMO_ACCESS_ID',
      'SUMO_ACCESS_KEY',
      '--demo',
    ]) {
      expect(found).toContain(name);
    }
  });

  it('reads HTTP mode settings, admins and channels', () => {
    const settings = loadSlackSettings({
      ...SUMO,
      SLACK_BOT_TOKEN: 'xoxb-settings-test-token',
      SLACK_SIGNING_SECRET: 'settings-test-signing-secret',
      SUMO_OPS_ADMINS: 'U0123ABC, S0456DEF',
      SUMO_OPS_CHANNELS: 'C0789GHI',
      PORT: '8080',
      SLACK_API_URL: 'http://127.0.0.1:9999/api',
    });
    expect(settings).toMatchObject({
      port: 8080,
      admins: ['U0123ABC', 'S0456DEF'],
      channels: ['C0789GHI'],
      appToken: undefined,
      slackApiUrl: 'http://127.0.0.1:9999/api/',
      demo: false,
    });
    expect(settings.sumo?.accessId).toBe('suABCDEF');
  });

  it('reads the digest budget share as a percentage, 20 by default, and refuses anything else naming the variable', () => {
    const base = { ...SUMO, SLACK_BOT_TOKEN: 'xoxb-a-b', SLACK_SIGNING_SECRET: 'digest-budget-secret' };
    expect(loadSlackSettings(base).digestBudgetShare).toBe(0.2);
    expect(loadSlackSettings({ ...base, SUMO_OPS_DIGEST_BUDGET_SHARE: '5%' }).digestBudgetShare).toBe(0.05);
    expect(loadSlackSettings({ ...base, SUMO_OPS_DIGEST_BUDGET_SHARE: '0' }).digestBudgetShare).toBe(0);
    for (const bad of ['150', '-5', 'twenty', '0.2.1']) {
      const found = problems({ ...base, SUMO_OPS_DIGEST_BUDGET_SHARE: bad }).join('\n');
      expect(found, bad).toContain(`SUMO_OPS_DIGEST_BUDGET_SHARE is "${bad}"`);
      expect(found, bad).toContain('from 0 to 100');
    }
  });

  it('needs no signing secret in Socket Mode, but an xapp- token', () => {
    expect(problems({ ...SUMO, SLACK_BOT_TOKEN: 'xoxb-a-b', SLACK_APP_TOKEN: 'xapp-1-abc' })).toEqual([]);
    expect(problems({ ...SUMO, SLACK_BOT_TOKEN: 'xoxb-a-b', SLACK_APP_TOKEN: 'nope' }).join()).toContain(
      'xapp-',
    );
  });

  it('needs no Sumo credentials in demo mode (flag or variable)', () => {
    const env = { SLACK_BOT_TOKEN: 'xoxb-a-b', SLACK_SIGNING_SECRET: 'demo-signing-secret' };
    expect(loadSlackSettings(env, ['--demo']).demo).toBe(true);
    expect(loadSlackSettings({ ...env, SUMO_OPS_DEMO: '1' }, []).demo).toBe(true);
  });

  it('refuses malformed ids and ports', () => {
    const found = problems({
      ...SUMO,
      SLACK_BOT_TOKEN: 'xoxb-a-b',
      SLACK_SIGNING_SECRET: 's3cr3t-s',
      SUMO_OPS_ADMINS: 'alice',
      PORT: 'http',
    });
    expect(found.join('\n')).toContain('SUMO_OPS_ADMINS has "alice"');
    expect(found.join('\n')).toContain('PORT is "http"');
  });

  it('registers the Slack secrets with the redactor as it reads them', () => {
    loadSlackSettings({
      ...SUMO,
      SLACK_BOT_TOKEN: 'xoxb-registered-token',
      SLACK_SIGNING_SECRET: 'registered-signing-secret',
    });
    expect(redactText('a registered-signing-secret b')).not.toContain('registered-signing-secret');
  });

  it('reads the shared-state settings, in memory without SUMO_OPS_REDIS_URL', () => {
    const base = { ...SUMO, SLACK_BOT_TOKEN: 'xoxb-a-b', SLACK_SIGNING_SECRET: 'shared-state-secret' };
    expect(loadSlackSettings(base).state).toMatchObject({ redisUrl: undefined, keyPrefix: 'sumo-ops:' });
    expect(
      loadSlackSettings({
        ...base,
        SUMO_OPS_REDIS_URL: 'redis://127.0.0.1:6379/2',
        SUMO_OPS_KEY_PREFIX: 'team-a:',
        SUMO_OPS_RATE_KEY: 'ops-user',
      }).state,
    ).toMatchObject({ redisUrl: 'redis://127.0.0.1:6379/2', keyPrefix: 'team-a:', rateKey: 'ops-user' });
  });

  it('refuses bad SUMO_OPS_* settings with the other problems, naming each variable, never the Redis password', () => {
    const found = problems({
      ...SUMO,
      SLACK_SIGNING_SECRET: 'shared-state-secret',
      SUMO_OPS_REDIS_URL: 'http://ops:redis-pass-word-9@127.0.0.1:6379',
      SUMO_OPS_KEY_PREFIX: 'has space',
      SUMO_OPS_CONFIRMATION_SECRET: 'short',
    }).join('\n');
    for (const name of [
      'SLACK_BOT_TOKEN',
      'SUMO_OPS_REDIS_URL',
      'SUMO_OPS_KEY_PREFIX',
      'SUMO_OPS_CONFIRMATION_SECRET',
    ])
      expect(found).toContain(name);
    expect(found).not.toContain('redis-pass-word-9');
  });
});
