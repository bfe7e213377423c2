import { checkConnection, checkSumoSettings, createLogger, formatCheckReport } from '@sumo-ops/core';
import { connect } from './connect.js';
import { EXIT } from './exit.js';
import { UsageError } from './flags.js';
import { writeOut } from './output.js';
import type { Io } from './run.js';

export const CHECK_USAGE = 'sumo-ops check [--demo]';

/**
 * `sumo-ops check`: the settings, one authenticated Sumo call and, with SUMO_OPS_REDIS_URL, a
 * Redis PING, with the same checks and wording as the servers' --check. Exit 0 when all pass.
 */
export async function runCheckCommand(args: readonly string[], io: Io): Promise<number> {
  const unknown = args.filter((arg) => arg !== '--demo');
  if (unknown.length > 0)
    throw new UsageError(`check takes only --demo, not ${unknown.join(' ')}: ${CHECK_USAGE}.`);
  const demo = args.includes('--demo');
  const results = checkSumoSettings(io.env, { demo });
  if (results.every((result) => result.status === 'ok')) {
    const connection = await connect({ demo, env: io.env, logger: createLogger({ level: 'silent' }) });
    try {
      results.push(...(await checkConnection(connection.orgs, connection.stores)));
    } finally {
      await connection.close();
    }
  }
  const report = formatCheckReport(results);
  await writeOut(io.stdout, report.text);
  return report.passed ? EXIT.ok : EXIT.failed;
}
