import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessPolicy, HOW_TO_ALLOW_WRITES } from '../src/access.js';
import { FakeSlack } from './support/fake-slack.js';

let slack: FakeSlack;
let client: webApi.WebClient;
beforeAll(async () => {
  slack = await new FakeSlack().start();
  slack.userGroups.set('SONCALL', ['UMEMBER']);
  client = new webApi.WebClient('xoxb-access-test', { slackApiUrl: slack.apiUrl });
});
afterAll(async () => slack?.close());

describe('AccessPolicy', () => {
  it('refuses every write when no admin is configured, saying how to allow them', async () => {
    const policy = new AccessPolicy({ admins: [] });
    expect(await policy.checkWrite(client, 'UANY')).toEqual({ allowed: false, reason: HOW_TO_ALLOW_WRITES });
  });

  it('allows listed users and members of listed user groups, and caches a group briefly', async () => {
    let now = 0;
    const policy = new AccessPolicy({ admins: ['UBOSS', 'SONCALL'], groupCacheMs: 60_000, now: () => now });
    expect((await policy.checkWrite(client, 'UBOSS')).allowed).toBe(true);
    expect((await policy.checkWrite(client, 'UMEMBER')).allowed).toBe(true);
    expect((await policy.checkWrite(client, 'USTRANGER')).allowed).toBe(false);
    expect(slack.callsTo('usergroups.users.list')).toHaveLength(1);

    slack.userGroups.set('SONCALL', ['USTRANGER']);
    now += 61_000;
    expect((await policy.checkWrite(client, 'USTRANGER')).allowed).toBe(true);
    expect((await policy.checkWrite(client, 'UMEMBER')).allowed).toBe(false);
    expect(slack.callsTo('usergroups.users.list')).toHaveLength(2);
  });

  it('answers only in the configured channels, and everywhere when none are', () => {
    expect(new AccessPolicy({ admins: [], channels: ['COPS'] }).checkChannel('CRANDOM').allowed).toBe(false);
    expect(new AccessPolicy({ admins: [], channels: ['COPS'] }).checkChannel('COPS').allowed).toBe(true);
    expect(new AccessPolicy({ admins: [] }).checkChannel('CRANDOM').allowed).toBe(true);
  });
});
