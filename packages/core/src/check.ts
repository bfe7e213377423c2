import { loadStateConfig } from './config.js';
import type { SumoClient } from './http/client.js';
import { SumoApiError, SumoConfigError } from './http/errors.js';
import { redactText } from './http/redact.js';
import type { Logger } from './logger.js';
import { loadOrgsConfig, SumoOrgs } from './orgs.js';
import { RedisBackend } from './state/redis-backend.js';
import type { Stores } from './state/stores.js';

/**
 * What `--check` reports and what /readyz and the start-up warning are built on, in one place for
 * every front end: each check answers one question with what was found and, when it failed,
 * what to change.
 */
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  /** Short and stable: `settings`, `sumo`, `redis`, `slack`. */
  name: string;
  status: CheckStatus;
  /** What was found, for a person. Never carries a secret. */
  detail: string;
  /** What to change when it is not ok. */
  fix?: string | undefined;
}

/**
 * Every loader runs (so one restart fixes every problem); each problem a SumoConfigError names
 * becomes its own failed line.
 */
export function checkSettings(name: string, ...loaders: Array<() => unknown>): CheckResult[] {
  const problems: string[] = [];
  for (const load of loaders) {
    try {
      load();
    } catch (error) {
      if (!(error instanceof SumoConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length === 0)
    return [{ name, status: 'ok', detail: 'every setting is present and well-formed' }];
  return problems.map((problem) => {
    const [what, fix] = splitFix(problem);
    return { name, status: 'fail', detail: what, fix };
  });
}

/**
 * SUMO_* and SUMO_OPS_* settings as every front end reads them (every org of SUMO_OPS_ORGS when
 * set); with `demo`, no Sumo key is needed.
 */
export function checkSumoSettings(
  env: Record<string, string | undefined>,
  options: { demo?: boolean | undefined } = {},
): CheckResult[] {
  return checkSettings(
    'settings',
    () => loadStateConfig(env),
    ...(options.demo ? [] : [() => loadOrgsConfig(env)]),
  );
}

/**
 * What a configured process depends on: Sumo Logic with its key — every org's, each its own line
 * (`sumo:staging`) when they are named — and Redis when configured.
 */
export async function checkConnection(sumo: SumoClient | SumoOrgs, stores?: Stores): Promise<CheckResult[]> {
  const orgs = sumo instanceof SumoOrgs ? sumo : SumoOrgs.single(sumo);
  const results = await Promise.all(
    orgs.all().map(async ({ name, client }) => {
      const result = await checkSumo(client);
      return orgs.named ? { ...result, name: `sumo:${name}` } : result;
    }),
  );
  const redis = stores ? await checkRedis(stores) : undefined;
  if (redis) results.push(redis);
  return results;
}

/** "X is not set: set it to Y" → ["X is not set", "set it to Y"]. */
function splitFix(problem: string): [string, string | undefined] {
  const at = problem.indexOf(': ');
  return at < 0 ? [problem, undefined] : [problem.slice(0, at), problem.slice(at + 2)];
}

const CHECK_TIMEOUT_MS = 10_000;

/**
 * One cheap authenticated call (the first collector) that proves the URL is reachable, the key is
 * accepted and belongs to this deployment. One attempt beyond the limiter's wait: a check that
 * retried for a minute would hide the problem it is for.
 */
export async function checkSumo(client: SumoClient, signal?: AbortSignal): Promise<CheckResult> {
  const where = client.apiUrl;
  try {
    await client.get('/v1/collectors', { limit: 1 }, { retry: false, timeoutMs: CHECK_TIMEOUT_MS, signal });
    return {
      name: 'sumo',
      status: 'ok',
      detail: `${where} accepted access id ${client.config.accessId}`,
    };
  } catch (error) {
    if (!(error instanceof SumoApiError)) {
      if (signal?.aborted) throw error;
      return { name: 'sumo', status: 'fail', detail: redactText(String(error)) };
    }
    return { name: 'sumo', ...explainSumoFailure(error, where, client.config.accessId) };
  }
}

function explainSumoFailure(error: SumoApiError, where: string, accessId: string): Omit<CheckResult, 'name'> {
  if (error.code === 'client.wrong.deployment') {
    return {
      status: 'fail',
      detail: `${where} redirected (${error.status}): the key belongs to another deployment`,
      fix: error.message.slice(error.message.indexOf('redirected')).replace(/^[^.]*\.\s*/, ''),
    };
  }
  if (error.status === 401) {
    return {
      status: 'fail',
      detail: `${where} refused access id ${accessId} (401 Unauthorized)`,
      fix: 'SUMO_ACCESS_ID and SUMO_ACCESS_KEY must be the two halves of one access key that is enabled and not expired (Administration → Security → Access Keys); a key made in another deployment is unknown here, so check SUMO_DEPLOYMENT too.',
    };
  }
  if (error.status === 403) {
    return {
      status: 'fail',
      detail: `${where} accepted the key but refused to list collectors (403 ${error.code})`,
      fix: "Give the key's user a role with the Manage Collectors capability (View Collectors at least for read-only use).",
    };
  }
  if (error.status === 429) {
    return {
      status: 'warn',
      detail: `${where} answered 429 (rate limit): the key could not be checked right now`,
      fix: 'Other processes are using this key heavily; try again, or share the budget with SUMO_OPS_REDIS_URL.',
    };
  }
  if (error.status === 0) {
    const proxyHint =
      'If this machine reaches the internet through a proxy, set HTTPS_PROXY (and NO_PROXY for hosts reached directly).';
    return {
      status: 'fail',
      detail:
        error.code === 'client.timeout'
          ? `no answer from ${where} within ${CHECK_TIMEOUT_MS / 1000} s`
          : `could not reach ${where} (${error.code})`,
      fix: `Check SUMO_DEPLOYMENT or SUMO_API_URL (the URL tried is ${where}), DNS and firewalls. ${proxyHint}`,
    };
  }
  return {
    status: 'fail',
    detail: `${where} answered ${error.status} ${error.code}`,
    fix: error.status >= 500 ? 'Sumo Logic had a problem; try again in a minute.' : error.message,
  };
}

/** With Redis configured, a PING; without, nothing to check (state stays in the process). */
export async function checkRedis(stores: Stores): Promise<CheckResult | undefined> {
  const backend = stores.backend;
  if (!(backend instanceof RedisBackend)) return undefined;
  await backend.settled();
  try {
    await backend.ping();
    const primary = backend.primary ? ` (primary now ${backend.primary})` : '';
    return { name: 'redis', status: 'ok', detail: `${backend.description} answered PING${primary}` };
  } catch {
    return {
      name: 'redis',
      status: 'fail',
      detail: `${backend.description} did not answer PING`,
      fix: stores.config.redisSentinel
        ? 'Check that the sentinels in SUMO_OPS_REDIS_SENTINELS are reachable from here and monitor SUMO_OPS_REDIS_MASTER, that the primary they name is reachable, and SUMO_OPS_REDIS_PASSWORD (SUMO_OPS_REDIS_USERNAME), SUMO_OPS_REDIS_DB and SUMO_OPS_REDIS_TLS.'
        : 'Check that Redis is running and reachable from here, and SUMO_OPS_REDIS_URL (host, port, password, database).',
    };
  }
}

/** One line per check, then what to fix; the caller exits 0 when `passed`. */
export function formatCheckReport(results: readonly CheckResult[]): { text: string; passed: boolean } {
  const mark: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };
  const lines = results.map(
    (result) =>
      `${mark[result.status]} ${result.name}: ${result.detail}${result.fix ? `\n     fix: ${result.fix}` : ''}`,
  );
  const passed = results.every((result) => result.status !== 'fail');
  lines.push(passed ? 'All checks passed.' : 'Some checks failed; fix them and run --check again.');
  return { text: `${redactText(lines.join('\n'))}\n`, passed };
}

/**
 * The start-up check of a bin: waits for it at most `waitMs` (it goes on in the background after
 * that, and still logs). Made before the bin takes work, while nothing else runs: its request
 * reaches Sumo the moment the shared budget grants it, so it cannot bunch up with the first calls.
 */
export async function checkSumoAtStart(client: SumoClient, logger: Logger, waitMs = 3_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    warnIfSumoUnreachable(client, logger),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
    }),
  ]);
  clearTimeout(timer);
}

/**
 * At start-up: one Sumo call whose failure is logged as a warning saying what
 * to fix, so a wrong key shows in the logs before the first user meets it. `signal` ends it
 * unlogged (a process that stops before Sumo answered).
 */
export function warnIfSumoUnreachable(
  client: SumoClient,
  logger: Logger,
  signal?: AbortSignal,
): Promise<CheckResult> {
  return checkSumo(client, signal).then(
    (result) => {
      if (result.status === 'ok') logger.info('Sumo Logic connection checked', { detail: result.detail });
      else
        logger.warn('Sumo Logic connection check failed; calls will fail until this is fixed', {
          detail: result.detail,
          fix: result.fix,
        });
      return result;
    },
    (error: unknown) => {
      if (!signal?.aborted) logger.warn('Sumo Logic connection check failed', { error: String(error) });
      return { name: 'sumo', status: 'fail', detail: String(error) };
    },
  );
}
