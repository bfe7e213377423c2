import { webApi } from '@slack/bolt';
import {
  type CheckResult,
  checkConnection,
  checkRedis,
  createLogger,
  createStores,
  formatCheckReport,
  type OrgsConfig,
  redactText,
  SumoClient,
  SumoOrgs,
} from '@sumo-ops/core';
import { createHttpDispatcher, fetchThrough } from '@sumo-ops/core/http-dispatcher';
import { DIGEST_BUDGET_VARIABLE, formatShare } from './digest-budget.js';
import { loadSlackSettings, type SlackSettings, SlackSettingsError } from './settings.js';

/**
 * `sumo-ops-slack --check`: every setting, one authenticated Sumo call, Slack's auth.test with the
 * bot token and, with Redis configured, a PING — one line each with what to fix. Returns the exit
 * code. Nothing listens and nothing is posted.
 */
export async function runSlackCheck(options: {
  env: Record<string, string | undefined>;
  argv: readonly string[];
  write: (text: string) => void;
}): Promise<number> {
  let settings: SlackSettings | undefined;
  const results: CheckResult[] = [];
  try {
    settings = loadSlackSettings(options.env, options.argv);
    results.push({ name: 'settings', status: 'ok', detail: 'every setting is present and well-formed' });
    results.push({
      name: 'digest budget',
      status: 'ok',
      detail: `scheduled digests together may spend ${formatShare(settings.digestBudgetShare)} of the rate budget (${DIGEST_BUDGET_VARIABLE})`,
    });
  } catch (error) {
    if (!(error instanceof SlackSettingsError)) throw error;
    for (const problem of error.problems) {
      const at = problem.indexOf(': ');
      results.push(
        at < 0
          ? { name: 'settings', status: 'fail', detail: problem }
          : { name: 'settings', status: 'fail', detail: problem.slice(0, at), fix: problem.slice(at + 2) },
      );
    }
  }
  if (settings) {
    results.push(...(await checkSumoFor(settings)));
    results.push(await checkSlackToken(settings, options.env));
    const stores = createStores(settings.state, { logger: createLogger({ level: 'silent' }) });
    try {
      const redis = await checkRedis(stores);
      if (redis) results.push(redis);
    } finally {
      await stores.close();
    }
  }
  const report = formatCheckReport(results);
  options.write(report.text);
  return report.passed ? 0 : 1;
}

/** One line per org (named `sumo:<org>` with an orgs file), or the demo's simulator. */
async function checkSumoFor(settings: SlackSettings): Promise<CheckResult[]> {
  const logger = createLogger({ level: 'silent' });
  // Settings that loaded without --demo always carry the orgs (SUMO_OPS_ORGS, or SUMO_* as one).
  if (!settings.demo) return checkOrgs(SumoOrgs.fromConfig(settings.orgs as OrgsConfig, { logger }));
  const simulator = await import('@sumo-ops/simulator').then(({ startSimulator }) => startSimulator({}));
  const client = new SumoClient({
    accessId: 'sim-access-id',
    accessKey: 'sim-access-key',
    apiUrl: simulator.apiUrl,
    env: {},
    logger,
  });
  try {
    return await checkOrgs(SumoOrgs.single(client));
  } finally {
    await simulator.close();
  }
}

async function checkOrgs(orgs: SumoOrgs): Promise<CheckResult[]> {
  try {
    return await checkConnection(orgs);
  } finally {
    await orgs.close();
  }
}

/** auth.test with the bot token, through the same proxy settings the bot uses. */
async function checkSlackToken(
  settings: SlackSettings,
  env: Record<string, string | undefined>,
): Promise<CheckResult> {
  const dispatcher = createHttpDispatcher(env);
  const where = settings.slackApiUrl ?? 'https://slack.com/api/';
  const client = new webApi.WebClient(settings.botToken, {
    ...(settings.slackApiUrl ? { slackApiUrl: settings.slackApiUrl } : {}),
    fetch: fetchThrough(dispatcher),
    retryConfig: { retries: 0 },
    logLevel: webApi.LogLevel.ERROR,
  });
  try {
    const answer = await client.auth.test();
    return {
      name: 'slack',
      status: 'ok',
      detail: `auth.test accepted SLACK_BOT_TOKEN: bot ${answer.user ?? '?'} in workspace ${answer.team ?? '?'}`,
    };
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    if (code) {
      return {
        name: 'slack',
        status: 'fail',
        detail: `Slack refused SLACK_BOT_TOKEN (auth.test: ${code})`,
        fix: 'Copy the Bot User OAuth Token (xoxb-…) again from "OAuth & Permissions"; if it was revoked, reinstall the app to the workspace.',
      };
    }
    return {
      name: 'slack',
      status: 'fail',
      detail: `could not reach the Slack Web API at ${where} (${redactText((error as Error).message)})`,
      fix: 'Check DNS and firewalls (and SLACK_API_URL if set). If this machine reaches the internet through a proxy, set HTTPS_PROXY (and NO_PROXY for hosts reached directly).',
    };
  } finally {
    await dispatcher.close();
  }
}
