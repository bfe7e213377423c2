import { parseArgs } from 'node:util';

export interface SlackFlags {
  help: boolean;
  version: boolean;
  /** Test every setting and the connections they name, print one line per check, exit 0 or 1. */
  check: boolean;
  demo: boolean;
}

/** A command line the bot cannot act on; the message names the flag. */
export class SlackUsageError extends Error {
  override readonly name = 'SlackUsageError';
}

export const SLACK_HELP_TEXT = `sumo-ops-slack — /sumo slash commands for Sumo Logic collectors, sources, upgrades and search.

Usage: sumo-ops-slack [--demo] [--check]

Options:
  --demo      Use an embedded Sumo Logic simulator instead of a real org (also SUMO_OPS_DEMO=1).
  --check     Check every setting, Sumo Logic with the access key, Slack's auth.test and, when
              configured, Redis; print one line per check with what to fix; exit 0 or 1.
  --help      Show this help.
  --version   Show the version.

Environment:
  SLACK_BOT_TOKEN           Bot User OAuth Token (xoxb-…). Required.
  SLACK_SIGNING_SECRET      Signing Secret, for HTTP mode.
  SLACK_APP_TOKEN           App-level token (xapp-…): Socket Mode instead of HTTP.
  PORT                      HTTP mode port (default 3000): POST /slack/events, GET /healthz,
                            /readyz, /metrics.
  HEALTH_PORT               Socket Mode: port for /healthz, /readyz and /metrics (unset: none).
  SLACK_API_URL             Another Slack Web API base URL.
  SUMO_ACCESS_ID            Access ID of a Sumo Logic access key (required unless --demo).
  SUMO_ACCESS_KEY           Its secret (required unless --demo).
  SUMO_DEPLOYMENT           au, ca, ch, de, esc, eu, fed, in, jp, kr, us1 (default) or us2.
  SUMO_API_URL              Full API base URL ending in /api; overrides SUMO_DEPLOYMENT.
  SUMO_OPS_ORGS             Instead, a JSON file of several orgs (org=NAME on a command,
                            /sumo org set NAME for a channel's default).
  SUMO_OPS_ADMINS           Slack user and user group ids allowed to change things.
  SUMO_OPS_CHANNELS         Channel ids where /sumo answers (default: everywhere).
  SUMO_OPS_DIGEST_BUDGET_SHARE  Percent of the rate budget all digests may spend (default 20).
  SUMO_OPS_REDIS_URL        redis://… to share state with other replicas (default: in memory).
  SUMO_OPS_REDIS_SENTINELS  Or Redis through Sentinel: host:port,… with SUMO_OPS_REDIS_MASTER
                            and as needed SUMO_OPS_REDIS_USERNAME, SUMO_OPS_REDIS_PASSWORD,
                            SUMO_OPS_REDIS_DB, SUMO_OPS_REDIS_TLS=true, and
                            SUMO_OPS_REDIS_SENTINEL_USERNAME / SUMO_OPS_REDIS_SENTINEL_PASSWORD
                            for sentinels that require AUTH.
  SUMO_OPS_KEY_PREFIX       Prefix of every Redis key (default sumo-ops:).
  SUMO_OPS_RATE_KEY         Name of the shared rate budget (default: the access id).
  SUMO_OPS_SHARED_READS     on (default): identical reads share one Sumo call; off: never.
  HTTPS_PROXY, HTTP_PROXY   Proxy for calls to Sumo Logic and Slack; NO_PROXY lists hosts to
  NO_PROXY                  reach directly.
  LOG_LEVEL                 debug, info (default), warn, error or silent. Logs go to stderr.

Every variable is described in the package README; .env.example lists them with examples.
`;

export function parseSlackFlags(argv: readonly string[]): SlackFlags {
  try {
    const { values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        demo: { type: 'boolean' },
        check: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
    return {
      help: values.help ?? false,
      version: values.version ?? false,
      check: values.check ?? false,
      demo: values.demo ?? false,
    };
  } catch (error) {
    throw new SlackUsageError((error as Error).message);
  }
}
