import {
  loadOrgsConfig,
  loadStateConfig,
  type OrgsConfig,
  registerSecret,
  type SharedStateConfig,
  type SumoConfig,
  SumoConfigError,
} from '@sumo-ops/core';
import { parseIdList } from './access.js';
import {
  DEFAULT_DIGEST_BUDGET_SHARE,
  DIGEST_BUDGET_VARIABLE,
  parseDigestBudgetShare,
} from './digest-budget.js';

export interface SlackSettings {
  botToken: string;
  /** Required in HTTP mode; Socket Mode connections are authenticated by the app token instead. */
  signingSecret: string | undefined;
  /** Set → Socket Mode. */
  appToken: string | undefined;
  /** Another Web API base URL (a fake in tests and demos), ending in `/`. */
  slackApiUrl: string | undefined;
  port: number;
  /** Socket Mode: where /healthz, /readyz and /metrics are served; unset, nowhere. */
  healthPort: number | undefined;
  admins: string[];
  channels: string[];
  demo: boolean;
  /** Absent in demo mode, where the embedded simulator provides the connection. The default org's. */
  sumo: SumoConfig | undefined;
  /** Every org (SUMO_OPS_ORGS, or the one of SUMO_* settings); absent in demo mode. */
  orgs: OrgsConfig | undefined;
  /** SUMO_OPS_REDIS_URL and friends: without a Redis URL, state stays in this process. */
  state: SharedStateConfig;
  /** SUMO_OPS_DIGEST_BUDGET_SHARE as a fraction: what all digests together may spend of the rate budget. */
  digestBudgetShare: number;
}

/** Settings are missing or malformed: every problem names the variable and the fix. */
export class SlackSettingsError extends Error {
  override readonly name = 'SlackSettingsError';
  constructor(readonly problems: string[]) {
    super(`The Slack bot cannot start:\n- ${problems.join('\n- ')}`);
  }
}

const USER_OR_GROUP = /^[UWS][A-Z0-9]{2,}$/;
const CHANNEL = /^[CGD][A-Z0-9]{2,}$/;

/**
 * Reads every setting at once and reports every problem together, so one restart fixes them all.
 * Secrets are registered with the redactor as they are read.
 */
export function loadSlackSettings(
  env: Record<string, string | undefined> = process.env,
  argv: readonly string[] = [],
): SlackSettings {
  const problems: string[] = [];
  const get = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const botToken = get('SLACK_BOT_TOKEN');
  const signingSecret = get('SLACK_SIGNING_SECRET');
  const appToken = get('SLACK_APP_TOKEN');
  for (const secret of [botToken, signingSecret, appToken]) registerSecret(secret);

  if (!botToken)
    problems.push(
      'SLACK_BOT_TOKEN is not set: set it to the app\'s Bot User OAuth Token (xoxb-…), from "OAuth & Permissions".',
    );
  if (appToken && !appToken.startsWith('xapp-'))
    problems.push(
      'SLACK_APP_TOKEN does not start with xapp-: use an app-level token with the connections:write scope, or unset it for HTTP mode.',
    );
  if (!appToken && !signingSecret)
    problems.push(
      'SLACK_SIGNING_SECRET is not set: set it to the Signing Secret from "Basic Information" (HTTP mode), or set SLACK_APP_TOKEN for Socket Mode.',
    );

  let slackApiUrl: string | undefined;
  const rawApiUrl = get('SLACK_API_URL');
  if (rawApiUrl) {
    try {
      const url = new URL(rawApiUrl);
      if (!/^https?:$/.test(url.protocol)) throw new Error('not http');
      slackApiUrl = url.href.endsWith('/') ? url.href : `${url.href}/`;
    } catch {
      problems.push(`SLACK_API_URL is "${rawApiUrl}": give an http(s) URL such as https://slack.com/api/.`);
    }
  }

  const rawPort = get('PORT') ?? '3000';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65_535)
    problems.push(`PORT is "${rawPort}": give a TCP port number (0–65535).`);
  const rawHealthPort = get('HEALTH_PORT');
  const healthPort = rawHealthPort === undefined ? undefined : Number(rawHealthPort);
  if (rawHealthPort !== undefined && (!/^\d+$/.test(rawHealthPort) || (healthPort ?? 0) > 65_535))
    problems.push(
      `HEALTH_PORT is "${rawHealthPort}": give a TCP port number (0–65535) for /healthz, /readyz and /metrics in Socket Mode.`,
    );

  const ids = (name: string, pattern: RegExp) => {
    try {
      return parseIdList(name, get(name), pattern);
    } catch (error) {
      problems.push((error as Error).message);
      return [];
    }
  };
  const admins = ids('SUMO_OPS_ADMINS', USER_OR_GROUP);
  const channels = ids('SUMO_OPS_CHANNELS', CHANNEL);
  let digestBudgetShare = DEFAULT_DIGEST_BUDGET_SHARE;
  try {
    digestBudgetShare = parseDigestBudgetShare(get(DIGEST_BUDGET_VARIABLE));
  } catch (error) {
    problems.push((error as Error).message);
  }

  const demo = argv.includes('--demo') || /^(1|true|yes)$/i.test(get('SUMO_OPS_DEMO') ?? '');
  let sumo: SumoConfig | undefined;
  let orgs: OrgsConfig | undefined;
  if (!demo) {
    try {
      orgs = loadOrgsConfig(env);
      sumo = orgs.orgs.get(orgs.defaultOrg);
    } catch (error) {
      if (!(error instanceof SumoConfigError)) throw error;
      problems.push(
        ...error.problems,
        'Or start with --demo (SUMO_OPS_DEMO=1) to use the embedded simulator.',
      );
    }
  }

  let state: SharedStateConfig | undefined;
  try {
    state = loadStateConfig(env);
  } catch (error) {
    if (!(error instanceof SumoConfigError)) throw error;
    problems.push(...error.problems);
  }

  if (problems.length > 0 || !state) throw new SlackSettingsError(problems);
  return {
    botToken: botToken as string,
    signingSecret,
    appToken,
    slackApiUrl,
    port,
    healthPort,
    admins,
    channels,
    demo,
    sumo,
    orgs,
    state,
    digestBudgetShare,
  };
}
