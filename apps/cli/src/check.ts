import { checkConnection, checkSumoSettings, createLogger, formatCheckReport } from '@sumo-ops/core';
import { connect } from './connect.js';
import { EXIT } from './exit.js';
import { UsageError } from './flags.js';
import { writeOut } from './output.js';
import { activeProfile, withProfile } from './profiles.js';
import type { Io } from './run.js';

export const CHECK_USAGE = 'sumo-ops check [--demo] [--profile <name>]';

/**
 * `sumo-ops check`: the settings, one authenticated Sumo call and, with SUMO_OPS_REDIS_URL, a
 * Redis PING, with the same checks and wording as the servers' --check. Exit 0 when all pass.
 */
export async function runCheckCommand(args: readonly string[], io: Io): Promise<number> {
  const at = args.indexOf('--profile');
  const profileName = at >= 0 ? args[at + 1] : undefined;
  const unknown = args.filter(
    (arg, index) => arg !== '--demo' && (at < 0 || (index !== at && index !== at + 1)),
  );
  if (unknown.length > 0 || (at >= 0 && profileName === undefined))
    throw new UsageError(
      `check takes only --demo and --profile <name>, not ${unknown.join(' ')}: ${CHECK_USAGE}.`,
    );
  const demo = args.includes('--demo');
  // Every org of the orgs file (SUMO_OPS_ORGS, else the profile's) is checked, each on its own line.
  const profile = await activeProfile(io.env, profileName);
  const env = withProfile(io.env, profile);
  const results = checkSumoSettings(env, { demo });
  if (results.every((result) => result.status === 'ok')) {
    const connection = await connect({ demo, env, logger: createLogger({ level: 'silent' }) });
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
