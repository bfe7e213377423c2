import { describe, expect, it } from 'vitest';
import {
  DEPLOYMENT_CODES,
  deploymentForUrl,
  loadConfig,
  loadStateConfig,
  redactText,
  SumoConfigError,
} from '../src/index.js';

const creds = { SUMO_ACCESS_ID: 'suAbCdEf123456', SUMO_ACCESS_KEY: 'very-secret-access-key-value' };

describe('loadConfig', () => {
  it.each([
    ['au', 'https://api.au.sumologic.com/api'],
    ['ca', 'https://api.ca.sumologic.com/api'],
    ['ch', 'https://api.ch.sumologic.com/api'],
    ['de', 'https://api.de.sumologic.com/api'],
    ['esc', 'https://api.esc.sumologic.com/api'],
    ['eu', 'https://api.eu.sumologic.com/api'],
    ['fed', 'https://api.fed.sumologic.com/api'],
    ['in', 'https://api.in.sumologic.com/api'],
    ['jp', 'https://api.jp.sumologic.com/api'],
    ['kr', 'https://api.kr.sumologic.com/api'],
    ['us1', 'https://api.sumologic.com/api'],
    ['us2', 'https://api.us2.sumologic.com/api'],
  ])('resolves deployment %s to %s', (deployment, apiUrl) => {
    const config = loadConfig({}, { ...creds, SUMO_DEPLOYMENT: deployment });
    expect(config.apiUrl).toBe(apiUrl);
    expect(config.deployment).toBe(deployment);
    expect(deploymentForUrl(`${apiUrl}/v1/collectors`)).toBe(deployment);
  });

  it('covers all twelve deployments', () => {
    expect(DEPLOYMENT_CODES).toHaveLength(12);
  });

  it('defaults to us1 and reads deployments case-insensitively', () => {
    expect(loadConfig({}, creds).apiUrl).toBe('https://api.sumologic.com/api');
    expect(loadConfig({}, { ...creds, SUMO_DEPLOYMENT: ' EU ' }).apiUrl).toBe(
      'https://api.eu.sumologic.com/api',
    );
  });

  it('lets SUMO_API_URL override the deployment and drops a trailing slash', () => {
    const config = loadConfig(
      {},
      { ...creds, SUMO_DEPLOYMENT: 'eu', SUMO_API_URL: 'http://127.0.0.1:4000/api/' },
    );
    expect(config.apiUrl).toBe('http://127.0.0.1:4000/api');
  });

  it('prefers explicit options over the environment', () => {
    const config = loadConfig({ accessId: 'optionId', accessKey: 'optionKey1', deployment: 'jp' }, creds);
    expect(config).toMatchObject({
      accessId: 'optionId',
      accessKey: 'optionKey1',
      apiUrl: 'https://api.jp.sumologic.com/api',
    });
  });

  it('names every missing variable at once', () => {
    const error = (() => {
      try {
        loadConfig({}, {});
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(SumoConfigError);
    expect((error as SumoConfigError).problems).toHaveLength(2);
    expect((error as Error).message).toMatch(/SUMO_ACCESS_ID is not set/);
    expect((error as Error).message).toMatch(/SUMO_ACCESS_KEY is not set/);
  });

  it('explains a malformed deployment and API URL, naming the variable and the fix', () => {
    expect(() => loadConfig({}, { ...creds, SUMO_DEPLOYMENT: 'us3' })).toThrow(
      /SUMO_DEPLOYMENT is "us3": use one of au, ca, ch, de, esc, eu, fed, in, jp, kr, us1, us2/,
    );
    expect(() => loadConfig({}, { ...creds, SUMO_API_URL: 'https://api.sumologic.com/' })).toThrow(
      /SUMO_API_URL .* ending in \/api/,
    );
    expect(() => loadConfig({}, { ...creds, SUMO_API_URL: 'not a url' })).toThrow(/SUMO_API_URL/);
  });

  it('never puts the access key into a configuration error', () => {
    try {
      loadConfig({}, { SUMO_ACCESS_KEY: creds.SUMO_ACCESS_KEY, SUMO_DEPLOYMENT: 'nope' });
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain(creds.SUMO_ACCESS_KEY);
    }
  });
});

describe('loadStateConfig', () => {
  it('keeps state in memory when nothing is set', () => {
    expect(loadStateConfig({})).toEqual({
      redisUrl: undefined,
      redisSentinel: undefined,
      keyPrefix: 'sumo-ops:',
      rateKey: undefined,
      confirmationSecret: undefined,
      sharedReads: true,
    });
  });

  it('reads every shared-state setting', () => {
    const secret = 'a-confirmation-secret-of-at-least-32-chars';
    expect(
      loadStateConfig({
        SUMO_OPS_REDIS_URL: 'rediss://ops:pw-hunter22@redis.internal:6380/2',
        SUMO_OPS_KEY_PREFIX: 'team-a:',
        SUMO_OPS_RATE_KEY: 'sre-user',
        SUMO_OPS_CONFIRMATION_SECRET: secret,
        SUMO_OPS_SHARED_READS: 'off',
      }),
    ).toEqual({
      redisUrl: 'rediss://ops:pw-hunter22@redis.internal:6380/2',
      redisSentinel: undefined,
      keyPrefix: 'team-a:',
      rateKey: 'sre-user',
      confirmationSecret: secret,
      sharedReads: false,
    });
  });

  it('names every bad setting with its fix, and never echoes the Redis password', () => {
    let caught: unknown;
    try {
      loadStateConfig({
        SUMO_OPS_REDIS_URL: 'http://user:pw-never-shown-9@redis:6379/zero',
        SUMO_OPS_KEY_PREFIX: 'has space',
        SUMO_OPS_CONFIRMATION_SECRET: 'short',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SumoConfigError);
    const message = (caught as Error).message;
    expect(message).toMatch(/SUMO_OPS_REDIS_URL starts with "http:\/\/": use redis:\/\/ or rediss:\/\//);
    expect(message).toMatch(/SUMO_OPS_KEY_PREFIX must be/);
    expect(message).toMatch(/SUMO_OPS_CONFIRMATION_SECRET is too short/);
    expect(message).not.toContain('pw-never-shown-9');
  });

  it('refuses a database path that is not a number', () => {
    expect(() => loadStateConfig({ SUMO_OPS_REDIS_URL: 'redis://127.0.0.1:6379/cache' })).toThrow(
      /names database "cache": the path is a database number/,
    );
  });

  it('reads a primary found through Redis Sentinel, with the settings a URL would carry', () => {
    expect(
      loadStateConfig({
        SUMO_OPS_REDIS_SENTINELS: ' sentinel-1:26380, sentinel-2 ,[::1]:26381',
        SUMO_OPS_REDIS_MASTER: 'ops-primary',
        SUMO_OPS_REDIS_USERNAME: 'ops',
        SUMO_OPS_REDIS_PASSWORD: 'pw-sentinel-data-1',
        SUMO_OPS_REDIS_DB: '3',
        SUMO_OPS_REDIS_TLS: 'true',
        SUMO_OPS_REDIS_SENTINEL_PASSWORD: 'pw-sentinel-auth-2',
      }).redisSentinel,
    ).toEqual({
      sentinels: [
        { host: 'sentinel-1', port: 26380 },
        { host: 'sentinel-2', port: 26379 },
        { host: '::1', port: 26381 },
      ],
      masterName: 'ops-primary',
      username: 'ops',
      password: 'pw-sentinel-data-1',
      database: 3,
      tls: true,
      sentinelUsername: undefined,
      sentinelPassword: 'pw-sentinel-auth-2',
    });
    expect(redactText('pw-sentinel-data-1 pw-sentinel-auth-2')).not.toMatch(/pw-sentinel/);
  });

  it('names every bad Sentinel setting on its own line with its fix, quoting no password', () => {
    const problems = problemsOf({
      SUMO_OPS_REDIS_URL: 'redis://127.0.0.1:6379',
      SUMO_OPS_REDIS_SENTINELS: 'good:26379,host:99999,ops:pw-in-entry-3@sentinel:26379',
      SUMO_OPS_REDIS_DB: 'zero',
      SUMO_OPS_REDIS_TLS: 'maybe',
      SUMO_OPS_REDIS_PASSWORD: 'pw-never-echoed-4',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^SUMO_OPS_REDIS_URL and SUMO_OPS_REDIS_SENTINELS are both set: /),
      expect.stringMatching(/^SUMO_OPS_REDIS_SENTINELS has "host:99999": list the sentinels as host:port/),
      expect.stringMatching(
        /^SUMO_OPS_REDIS_SENTINELS has an entry with credentials in it: list host:port only/,
      ),
      expect.stringMatching(/^SUMO_OPS_REDIS_MASTER is not set: set it to the name the sentinels monitor/),
      expect.stringMatching(/^SUMO_OPS_REDIS_DB is "zero": use a database number/),
      expect.stringMatching(/^SUMO_OPS_REDIS_TLS is "maybe": use true/),
    ]);
    expect(problems.join('\n')).not.toMatch(/pw-in-entry-3|pw-never-echoed-4/);
  });

  it('refuses Sentinel-only settings without SUMO_OPS_REDIS_SENTINELS, saying where they belong', () => {
    expect(
      problemsOf({ SUMO_OPS_REDIS_URL: 'redis://127.0.0.1:6379', SUMO_OPS_REDIS_PASSWORD: 'x' }),
    ).toEqual([
      expect.stringMatching(
        /^SUMO_OPS_REDIS_PASSWORD is set without SUMO_OPS_REDIS_SENTINELS: .*put the user, password and database in the URL/,
      ),
    ]);
    expect(problemsOf({ SUMO_OPS_REDIS_MASTER: 'mymaster' })).toEqual([
      expect.stringMatching(
        /^SUMO_OPS_REDIS_MASTER is set without SUMO_OPS_REDIS_SENTINELS: .*set SUMO_OPS_REDIS_SENTINELS=host:port/,
      ),
    ]);
  });
});

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadStateConfig(env);
  } catch (error) {
    if (error instanceof SumoConfigError) return error.problems;
    throw error;
  }
  return [];
}
