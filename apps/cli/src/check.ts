import { checkConnection, checkSumoSettings, createLogger, formatCheckReport } from '@sumo-ops/core';
import { connect } from './connect.js';
import { EXIT } from './exit.js';
import { stringFlag, takeGlobalFlags, UsageError } from './flags.js';
import { writeOut } from './output.js';
import { activeProfile, withProfile } from './profiles.js';
import type { Io } from './run.js';

export const CHECK_USAGE = 'sumo-ops check [--demo] [--profile <name>] [--quiet]';

/**
 * `sumo-ops check`: the settings, one authenticated Sumo call and, with SUMO_OPS_REDIS_URL, a
 * Redis PING, with the same checks and wording as the servers' --check. Exit 0 when all pass.
 * It takes the global flags like every command; --org and --output mean nothing to it (it checks
 * every org and prints its report as text), so it says it ignores them.
 */
export async function runCheckCommand(args: readonly string[], io: Io): Promise<number> {
  const { globals, rest } = takeGlobalFlags(args, ['demo', 'profile', 'quiet', 'org', 'output']);
  if (rest.length > 0)
    throw new UsageError(
      `check takes only --demo, --profile <name> and the global flags, not ${rest.join(' ')}: ${CHECK_USAGE}.`,
    );
  const ignored = (['org', 'output'] as const).filter((flag) => globals[flag] !== undefined);
  if (ignored.length > 0 && globals.quiet !== true)
    io.stderr.write(
      `sumo-ops: check ignores ${ignored.map((flag) => `--${flag}`).join(' and ')}: it checks every org of the orgs file and prints its report as text.\n`,
    );
  const demo = globals.demo === true;
  // Every org of the orgs file (SUMO_OPS_ORGS, else the profile's) is checked, each on its own
  // line; the demo is its own one org, so a profile's file means nothing to it.
  const profile = demo ? {} : await activeProfile(io.env, stringFlag(globals.profile));
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
