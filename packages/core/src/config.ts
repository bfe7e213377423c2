import { z } from 'zod';
import { SumoConfigError } from './http/errors.js';
import { registerSecret } from './http/redact.js';

/**
 * API hosts by deployment (Sumo docs, "Sumo Logic endpoints by deployment"). us1 is the only
 * deployment without its code in the host name.
 */
export const DEPLOYMENTS = {
  au: 'https://api.au.sumologic.com/api',
  ca: 'https://api.ca.sumologic.com/api',
  ch: 'https://api.ch.sumologic.com/api',
  de: 'https://api.de.sumologic.com/api',
  esc: 'https://api.esc.sumologic.com/api',
  eu: 'https://api.eu.sumologic.com/api',
  fed: 'https://api.fed.sumologic.com/api',
  in: 'https://api.in.sumologic.com/api',
  jp: 'https://api.jp.sumologic.com/api',
  kr: 'https://api.kr.sumologic.com/api',
  us1: 'https://api.sumologic.com/api',
  us2: 'https://api.us2.sumologic.com/api',
} as const;

export type Deployment = keyof typeof DEPLOYMENTS;
export const DEPLOYMENT_CODES = Object.keys(DEPLOYMENTS) as Deployment[];

export function apiUrlForDeployment(deployment: Deployment): string {
  return DEPLOYMENTS[deployment];
}

/** Which deployment an API URL belongs to, if it is one of Sumo's (used to explain a 301). */
export function deploymentForUrl(url: string): Deployment | undefined {
  let host: string;
  try {
    host = new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
  return DEPLOYMENT_CODES.find((code) => new URL(DEPLOYMENTS[code]).host === host);
}

export const DeploymentSchema = z
  .string()
  .trim()
  .transform((value) => value.toLowerCase())
  .pipe(z.enum(DEPLOYMENT_CODES as [Deployment, ...Deployment[]]));

export const ApiUrlSchema = z
  .string()
  .trim()
  .url()
  .refine((value) => /^https?:\/\//i.test(value), 'must start with http:// or https://')
  // A trailing slash would produce `//v1/...` paths, which the real API answers with a 500.
  .transform((value) => value.replace(/\/+$/, ''))
  .refine((value) => value.endsWith('/api'), 'must be the full base URL ending in /api');

export interface SumoConfig {
  accessId: string;
  accessKey: string;
  deployment: Deployment | undefined;
  /** Base URL ending in `/api`, without a trailing slash. */
  apiUrl: string;
}

export interface SumoConfigInput {
  accessId?: string | undefined;
  accessKey?: string | undefined;
  deployment?: string | undefined;
  apiUrl?: string | undefined;
}

const ENV_NAMES: Record<keyof SumoConfigInput, string> = {
  accessId: 'SUMO_ACCESS_ID',
  accessKey: 'SUMO_ACCESS_KEY',
  deployment: 'SUMO_DEPLOYMENT',
  apiUrl: 'SUMO_API_URL',
};

/**
 * Reads the connection settings from explicit options, falling back to the environment.
 * Every problem is reported at once, each naming the variable to set and how.
 */
export function loadConfig(
  options: SumoConfigInput = {},
  env: Record<string, string | undefined> = process.env,
): SumoConfig {
  const pick = (key: keyof SumoConfigInput) => {
    const value = options[key] ?? env[ENV_NAMES[key]];
    return value === undefined || value.trim() === '' ? undefined : value;
  };
  const problems: string[] = [];
  const accessId = pick('accessId');
  const accessKey = pick('accessKey');
  if (!accessId)
    problems.push('SUMO_ACCESS_ID is not set: set it to the access ID of a Sumo Logic access key.');
  if (!accessKey) problems.push('SUMO_ACCESS_KEY is not set: set it to the secret of that access key.');

  let deployment: Deployment | undefined;
  const rawDeployment = pick('deployment');
  if (rawDeployment !== undefined) {
    const parsed = DeploymentSchema.safeParse(rawDeployment);
    if (parsed.success) deployment = parsed.data;
    // The value is not a secret, but quoting it helps spot a typo.
    else
      problems.push(
        `SUMO_DEPLOYMENT is "${rawDeployment}": use one of ${DEPLOYMENT_CODES.join(', ')} (case-insensitive).`,
      );
  }

  let apiUrl: string | undefined;
  const rawApiUrl = pick('apiUrl');
  if (rawApiUrl !== undefined) {
    const parsed = ApiUrlSchema.safeParse(rawApiUrl);
    if (parsed.success) apiUrl = parsed.data;
    else
      problems.push(
        `SUMO_API_URL is "${rawApiUrl}": ${parsed.error.issues[0]?.message ?? 'invalid'} (for example https://api.sumologic.com/api).`,
      );
  }

  if (problems.length > 0) throw new SumoConfigError(problems);
  return {
    accessId: accessId as string,
    accessKey: accessKey as string,
    deployment: apiUrl ? deployment : (deployment ?? 'us1'),
    apiUrl: apiUrl ?? apiUrlForDeployment(deployment ?? 'us1'),
  };
}

/** Settings of the shared-state layer; everything is optional, and absent means in memory. */
export interface SharedStateConfig {
  /** `redis://` or `rediss://` URL; undefined keeps all state in this process (or in `redisSentinel`). */
  redisUrl: string | undefined;
  /** A primary found through Redis Sentinel, instead of `redisUrl`. */
  redisSentinel: RedisSentinelConfig | undefined;
  /** Prepended to every Redis key, so one Redis can serve several installs. */
  keyPrefix: string;
  /** The rate budget's name; undefined means the access id. */
  rateKey: string | undefined;
  /** Signs MCP confirmation tokens; with Redis and without it, one is generated once and kept there. */
  confirmationSecret: string | undefined;
  /** SUMO_OPS_SHARED_READS: false (`off`) makes every read its own Sumo call; default on. */
  sharedReads?: boolean | undefined;
}

/**
 * SUMO_OPS_REDIS_SENTINELS and friends: the sentinels to ask, the name they monitor the primary
 * by, and what a URL would otherwise carry (user, password, database, TLS) as separate settings.
 */
export interface RedisSentinelConfig {
  sentinels: Array<{ host: string; port: number }>;
  /** SUMO_OPS_REDIS_MASTER: the name in the sentinels' `sentinel monitor <name> …`. */
  masterName: string;
  username: string | undefined;
  password: string | undefined;
  database: number;
  /** TLS to the sentinels and to the primary alike. */
  tls: boolean;
  /** For sentinels that require their own AUTH (`requirepass` in sentinel.conf). */
  sentinelUsername: string | undefined;
  sentinelPassword: string | undefined;
}

export const DEFAULT_KEY_PREFIX = 'sumo-ops:';
const DEFAULT_SENTINEL_PORT = 26379;
/** Settings that only mean something with SUMO_OPS_REDIS_SENTINELS; a URL carries its own. */
const SENTINEL_ONLY_SETTINGS = [
  'SUMO_OPS_REDIS_MASTER',
  'SUMO_OPS_REDIS_USERNAME',
  'SUMO_OPS_REDIS_PASSWORD',
  'SUMO_OPS_REDIS_DB',
  'SUMO_OPS_REDIS_TLS',
  'SUMO_OPS_REDIS_SENTINEL_USERNAME',
  'SUMO_OPS_REDIS_SENTINEL_PASSWORD',
] as const;
const MIN_CONFIRMATION_SECRET_LENGTH = 32;

/**
 * Reads SUMO_OPS_REDIS_URL (or SUMO_OPS_REDIS_SENTINELS with its settings), SUMO_OPS_KEY_PREFIX,
 * SUMO_OPS_RATE_KEY, SUMO_OPS_CONFIRMATION_SECRET and SUMO_OPS_SHARED_READS. Every problem is reported at once with its
 * fix; every password is registered as a secret before anything could print it.
 */
export function loadStateConfig(env: Record<string, string | undefined> = process.env): SharedStateConfig {
  const pick = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const problems: string[] = [];

  const redisUrl = pick('SUMO_OPS_REDIS_URL');
  if (redisUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(redisUrl);
    } catch {
      problems.push(
        'SUMO_OPS_REDIS_URL is not a URL: use redis://[user:password@]host[:port][/db] (or rediss:// for TLS).',
      );
    }
    if (url) {
      registerSecret(decodeURIComponent(url.password));
      if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
        problems.push(
          `SUMO_OPS_REDIS_URL starts with "${url.protocol}//": use redis:// or rediss:// (TLS), e.g. redis://127.0.0.1:6379/0.`,
        );
      } else if (!url.hostname) {
        problems.push('SUMO_OPS_REDIS_URL has no host: e.g. redis://127.0.0.1:6379/0.');
      } else if (url.pathname.length > 1 && !/^\/\d{1,2}$/.test(url.pathname)) {
        problems.push(
          `SUMO_OPS_REDIS_URL names database "${url.pathname.slice(1)}": the path is a database number such as /0.`,
        );
      }
    }
  }

  let redisSentinel: RedisSentinelConfig | undefined;
  if (pick('SUMO_OPS_REDIS_SENTINELS') !== undefined) {
    if (redisUrl !== undefined) {
      problems.push(
        'SUMO_OPS_REDIS_URL and SUMO_OPS_REDIS_SENTINELS are both set: set SUMO_OPS_REDIS_URL for one Redis, or SUMO_OPS_REDIS_SENTINELS with SUMO_OPS_REDIS_MASTER for a primary found through Redis Sentinel, not both.',
      );
    }
    redisSentinel = loadSentinelConfig(pick, problems);
  } else {
    for (const name of SENTINEL_ONLY_SETTINGS) {
      if (pick(name) === undefined) continue;
      if (name.endsWith('PASSWORD')) registerSecret(pick(name) as string);
      problems.push(
        `${name} is set without SUMO_OPS_REDIS_SENTINELS: it only applies to Redis Sentinel; ${redisUrl === undefined ? 'set SUMO_OPS_REDIS_SENTINELS=host:port,host:port with it, or remove it.' : 'with SUMO_OPS_REDIS_URL put the user, password and database in the URL (rediss:// for TLS) and remove it.'}`,
      );
    }
  }

  const keyPrefix = pick('SUMO_OPS_KEY_PREFIX') ?? DEFAULT_KEY_PREFIX;
  if (/\s/.test(keyPrefix) || keyPrefix.length > 64) {
    problems.push(
      'SUMO_OPS_KEY_PREFIX must be at most 64 characters without spaces, e.g. "sumo-ops:" or "team-a:sumo-ops:".',
    );
  }

  const rateKey = pick('SUMO_OPS_RATE_KEY');
  if (rateKey !== undefined && (/\s/.test(rateKey) || rateKey.length > 128)) {
    problems.push(
      'SUMO_OPS_RATE_KEY must be at most 128 characters without spaces: a name every process sharing one Sumo user sets alike.',
    );
  }

  const confirmationSecret = pick('SUMO_OPS_CONFIRMATION_SECRET');
  if (confirmationSecret !== undefined) {
    registerSecret(confirmationSecret);
    if (confirmationSecret.length < MIN_CONFIRMATION_SECRET_LENGTH) {
      problems.push(
        `SUMO_OPS_CONFIRMATION_SECRET is too short: use at least ${MIN_CONFIRMATION_SECRET_LENGTH} random characters (e.g. openssl rand -base64 48), the same on every replica.`,
      );
    }
  }

  const sharedReads = pick('SUMO_OPS_SHARED_READS')?.toLowerCase() ?? 'on';
  if (sharedReads !== 'on' && sharedReads !== 'off') {
    problems.push(
      'SUMO_OPS_SHARED_READS must be "on" (the default: identical reads share one call, lists are reused for seconds) or "off" (every read is its own call).',
    );
  }

  if (problems.length > 0) throw new SumoConfigError(problems, 'Shared state is not configured');
  return {
    redisUrl,
    redisSentinel,
    keyPrefix,
    rateKey,
    confirmationSecret,
    sharedReads: sharedReads !== 'off',
  };
}

/** SUMO_OPS_REDIS_SENTINELS and the settings that go with it; problems are pushed, one line each. */
function loadSentinelConfig(
  pick: (name: string) => string | undefined,
  problems: string[],
): RedisSentinelConfig | undefined {
  const before = problems.length;
  // Passwords first: nothing below may quote one before it is known to the redactor.
  const password = pick('SUMO_OPS_REDIS_PASSWORD');
  const sentinelPassword = pick('SUMO_OPS_REDIS_SENTINEL_PASSWORD');
  for (const secret of [password, sentinelPassword]) if (secret) registerSecret(secret);

  const sentinels: RedisSentinelConfig['sentinels'] = [];
  for (const entry of (pick('SUMO_OPS_REDIS_SENTINELS') ?? '').split(',').map((part) => part.trim())) {
    const node = parseHostPort(entry);
    if (node) sentinels.push(node);
    else if (entry.includes('@'))
      // Never quoted: it may carry a password.
      problems.push(
        'SUMO_OPS_REDIS_SENTINELS has an entry with credentials in it: list host:port only, and set SUMO_OPS_REDIS_SENTINEL_PASSWORD (and SUMO_OPS_REDIS_SENTINEL_USERNAME) for sentinels that require AUTH.',
      );
    else
      problems.push(
        `SUMO_OPS_REDIS_SENTINELS has "${entry}": list the sentinels as host:port separated by commas, e.g. sentinel-1:26379,sentinel-2:26379,sentinel-3:26379 (port ${DEFAULT_SENTINEL_PORT} when left out).`,
      );
  }

  const masterName = pick('SUMO_OPS_REDIS_MASTER');
  if (masterName === undefined) {
    problems.push(
      'SUMO_OPS_REDIS_MASTER is not set: set it to the name the sentinels monitor the primary by (the <name> in "sentinel monitor <name> host port quorum"), e.g. mymaster.',
    );
  } else if (/\s/.test(masterName)) {
    problems.push(
      `SUMO_OPS_REDIS_MASTER is "${masterName}": a sentinel master name has no spaces (the <name> in "sentinel monitor <name> host port quorum").`,
    );
  }

  const rawDatabase = pick('SUMO_OPS_REDIS_DB');
  const database = rawDatabase === undefined ? 0 : Number(rawDatabase);
  if (rawDatabase !== undefined && !/^\d{1,2}$/.test(rawDatabase)) {
    problems.push(`SUMO_OPS_REDIS_DB is "${rawDatabase}": use a database number such as 0.`);
  }

  const rawTls = pick('SUMO_OPS_REDIS_TLS')?.toLowerCase();
  const tls = rawTls === 'true' || rawTls === '1' || rawTls === 'yes';
  if (rawTls !== undefined && !tls && !['false', '0', 'no'].includes(rawTls)) {
    problems.push(
      `SUMO_OPS_REDIS_TLS is "${rawTls}": use true (TLS to the sentinels and the primary, like rediss://) or false.`,
    );
  }

  if (problems.length > before || masterName === undefined) return undefined;
  return {
    sentinels,
    masterName,
    username: pick('SUMO_OPS_REDIS_USERNAME'),
    password,
    database,
    tls,
    sentinelUsername: pick('SUMO_OPS_REDIS_SENTINEL_USERNAME'),
    sentinelPassword,
  };
}

/** `host:port`, `host` (the sentinel port) or `[ipv6]:port`; undefined when it is none of these. */
function parseHostPort(entry: string): { host: string; port: number } | undefined {
  if (!entry || /[\s/@?#]/.test(entry)) return undefined;
  let url: URL;
  try {
    url = new URL(`redis://${entry}`);
  } catch {
    return undefined;
  }
  const port = url.port ? Number(url.port) : DEFAULT_SENTINEL_PORT;
  if (!url.hostname || port < 1) return undefined;
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}
