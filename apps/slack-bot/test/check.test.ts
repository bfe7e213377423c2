import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type LocalRedis, type Simulator, startRedisServer, startSimulator } from '@sumo-ops/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck, startSourceBin } from '../../../test/support/run-bin.js';
import { startTwoOrgs } from '../../../test/support/two-orgs.js';
import { FakeSlack } from './support/fake-slack.js';

const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const BOT_TOKEN = 'xoxb-check-test-bot-token-1234';
const WRONG_KEY = 'wrong-Access-Key-0123456789abcdef';

let sim: Simulator;
let slack: FakeSlack;
let redis: LocalRedis;

beforeAll(async () => {
  sim = await startSimulator({ rateLimit: { perSecond: 500, concurrent: 10 } });
  slack = await new FakeSlack().start();
  redis = await startRedisServer();
});
afterAll(async () => {
  await sim.close();
  await slack.close();
  await redis.stop();
});

const check = (env: Record<string, string>) => runCheck(BIN, env);

const goodEnv = () => ({
  SLACK_BOT_TOKEN: BOT_TOKEN,
  SLACK_SIGNING_SECRET: 'check-test-signing-secret',
  SLACK_API_URL: slack.apiUrl,
  SUMO_API_URL: sim.apiUrl,
  SUMO_ACCESS_ID: 'sim-access-id',
  SUMO_ACCESS_KEY: 'sim-access-key',
});

describe('sumo-ops-slack --check', () => {
  it('checks every org of SUMO_OPS_ORGS on its own line', async () => {
    const orgs = await startTwoOrgs();
    try {
      const { SUMO_API_URL: _url, SUMO_ACCESS_ID: _id, SUMO_ACCESS_KEY: _key, ...slackOnly } = goodEnv();
      const { code, output } = await check({ ...slackOnly, ...orgs.env });
      expect(output).toMatch(/^ok {3}sumo:prod: .*accepted access id suProdAccessId/m);
      expect(output).toMatch(/^ok {3}sumo:staging: .*accepted access id suStagingAccessId/m);
      expect(code).toBe(0);

      const broken = await check({ ...slackOnly, ...orgs.env, STG_SUMO_ACCESS_ID: '' });
      expect(broken.output).toMatch(
        /^FAIL settings: STG_SUMO_ACCESS_ID \(orgs\.staging\.accessIdEnv\) is not set/m,
      );
      expect(broken.code).toBe(1);
    } finally {
      await orgs.close();
    }
  });

  it('never prints a key pasted where its variable belongs in the orgs file', async () => {
    const orgs = await startTwoOrgs();
    const pastedKey = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrStUvWx1234';
    const pastedCapitals = pastedKey.toUpperCase();
    try {
      const file = JSON.parse(await readFile(orgs.file, 'utf8'));
      file.orgs.prod.accessKeyEnv = pastedKey;
      file.orgs.staging.accessKeyEnv = pastedCapitals;
      file.orgs.staging.accessIdEnv = 'suStagingAbc12';
      await writeFile(orgs.file, JSON.stringify(file));
      const { SUMO_API_URL: _url, SUMO_ACCESS_ID: _id, SUMO_ACCESS_KEY: _key, ...slackOnly } = goodEnv();
      const { code, output } = await check({ ...slackOnly, ...orgs.env });
      expect(output).toMatch(
        /orgs\.prod\.accessKeyEnv must name an environment variable \(NAME_LIKE_THIS\), not hold the key itself/,
      );
      expect(output).toMatch(/orgs\.staging\.accessKeyEnv must name an environment variable/);
      expect(output).toMatch(/orgs\.staging\.accessIdEnv must name an environment variable/);
      for (const secret of [pastedKey, pastedCapitals, 'suStagingAbc12'])
        expect(output).not.toContain(secret);
      expect(code).toBe(1);
    } finally {
      await orgs.close();
    }
  });

  it('checks settings, Sumo and auth.test, and Redis when configured; exit 0', async () => {
    const { code, output } = await check({ ...goodEnv(), SUMO_OPS_REDIS_URL: redis.url });
    expect(output).toMatch(/^ok {3}settings: /m);
    expect(output).toMatch(/^ok {3}digest budget: .*may spend 20 % of the rate budget/m);
    expect(output).toMatch(/^ok {3}sumo: .*accepted access id sim-access-id/m);
    expect(output).toMatch(/^ok {3}slack: auth.test accepted SLACK_BOT_TOKEN/m);
    expect(output).toMatch(/^ok {3}redis: .*answered PING/m);
    expect(code).toBe(0);
    expect(slack.calls.map(({ method }) => method)).toContain('auth.test');
    // A check posts nothing.
    expect(slack.calls.filter(({ method }) => method !== 'auth.test')).toEqual([]);
  });

  it('says which token Slack refused and how to get a good one; exit 1', async () => {
    slack.rejectedTokens.add(BOT_TOKEN);
    try {
      const { code, output } = await check(goodEnv());
      expect(output).toMatch(/^FAIL slack: Slack refused SLACK_BOT_TOKEN \(auth.test: invalid_auth\)/m);
      expect(output).toMatch(/fix: Copy the Bot User OAuth Token/);
      expect(output).not.toContain(BOT_TOKEN);
      expect(code).toBe(1);
    } finally {
      slack.rejectedTokens.delete(BOT_TOKEN);
    }
  });

  it('explains a refused Sumo key without printing it; exit 1', async () => {
    const { code, output } = await check({ ...goodEnv(), SUMO_ACCESS_KEY: WRONG_KEY });
    expect(output).toMatch(/^FAIL sumo: .*401/m);
    expect(output).not.toContain(WRONG_KEY);
    expect(code).toBe(1);
  });

  it('names a bad SUMO_OPS_DIGEST_BUDGET_SHARE with the fix; exit 1', async () => {
    const { code, output } = await check({ ...goodEnv(), SUMO_OPS_DIGEST_BUDGET_SHARE: '0.2.1' });
    expect(output).toMatch(/^FAIL settings: SUMO_OPS_DIGEST_BUDGET_SHARE is "0.2.1"/m);
    expect(output).toMatch(/fix: give the percentage of Sumo's rate budget/);
    expect(code).toBe(1);
  });

  it('lists every missing setting without any setting at all; exit 1', async () => {
    const { code, output } = await check({});
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SUMO_ACCESS_ID', 'SUMO_ACCESS_KEY'])
      expect(output).toMatch(new RegExp(`^FAIL settings: ${name}`, 'm'));
    expect(code).toBe(1);
  });
});

describe('sumo-ops-slack start-up', () => {
  it('logs a warning with the fix when Sumo refuses the key, and keeps serving', async () => {
    const run = startSourceBin(BIN, { ...goodEnv(), SUMO_ACCESS_KEY: WRONG_KEY, PORT: '0' }, []);
    try {
      await expect.poll(run.output, { timeout: 15_000 }).toContain('Sumo Logic connection check failed');
      expect(run.output()).toContain('SUMO_ACCESS_KEY must be');
      expect(run.output()).not.toContain(WRONG_KEY);
      expect(run.child.exitCode).toBeNull();
    } finally {
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    }
  });
});
