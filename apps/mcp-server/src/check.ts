import {
  type CheckResult,
  checkConnection,
  checkSumoSettings,
  createLogger,
  formatCheckReport,
} from '@sumo-ops/core';
import { OAuthSettingsError, readOAuthSettings } from './auth/settings.js';
import { connectSumo } from './runtime.js';

/**
 * `sumo-ops-mcp --check`: the settings, one authenticated Sumo call and, with Redis configured, a
 * PING — one line each with what to fix. Returns the exit code.
 */
export async function runCheck(options: {
  demo: boolean;
  env: Record<string, string | undefined>;
  write: (text: string) => void;
}): Promise<number> {
  const { demo, env } = options;
  const results = checkSumoSettings(env, { demo });
  if (results.every((result) => result.status === 'ok')) {
    // The report is the output; a Redis outage would otherwise also be logged.
    const connection = await connectSumo({ demo, env, logger: createLogger({ level: 'silent' }) });
    try {
      results.push(...(await checkConnection(connection.orgs, connection.stores)));
    } finally {
      await connection.close();
    }
  }
  results.push(...(await checkOAuth(env)));
  const report = formatCheckReport(results);
  options.write(report.text);
  return report.passed ? 0 : 1;
}

/** With MCP_OAUTH_ISSUER set: the OAuth settings, and that the issuer's metadata and keys can be fetched. */
async function checkOAuth(env: Record<string, string | undefined>): Promise<CheckResult[]> {
  try {
    const settings = readOAuthSettings(env);
    if (!settings) return [];
    const { TokenVerifier } = await import('./auth/verifier.js');
    return new TokenVerifier(settings).check();
  } catch (error) {
    if (!(error instanceof OAuthSettingsError)) throw error;
    return [{ name: 'oauth', status: 'fail', detail: error.message }];
  }
}
