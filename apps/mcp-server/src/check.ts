import { checkConnection, checkSumoSettings, createLogger, formatCheckReport } from '@sumo-ops/core';
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
      results.push(...(await checkConnection(connection.client, connection.stores)));
    } finally {
      await connection.close();
    }
  }
  const report = formatCheckReport(results);
  options.write(report.text);
  return report.passed ? 0 : 1;
}
