import { isSumoApiError, type SumoApiError } from '../http/errors.js';
import { OperationError } from './errors.js';

/** What an explanation may mention about the call that failed. */
export interface ErrorContext {
  /** How to name the collector to a person: `"web-01" (id 100000123)`. */
  collector?: string | undefined;
  toVersion?: string | undefined;
  /** What was asked, for when its outcome is unknown: `Creating hosted collector "web"`. */
  action?: string | undefined;
  /** How to find out whether it happened, e.g. `get_collector "web" shows whether it exists`. */
  check?: string | undefined;
}

export const OUTCOME_UNKNOWN = 'outcome.unknown';

/**
 * Whether an error means "it may have happened": the request reached Sumo Logic but no usable
 * answer came back. Front ends say so and how to check, and never invite a plain retry.
 */
export function isOutcomeUnknown(error: unknown): boolean {
  if (isSumoApiError(error)) return error.outcome === 'unknown';
  return error instanceof OperationError && error.code === OUTCOME_UNKNOWN;
}

/**
 * Why a request's outcome is unknown, in words for people and models: its answer was lost, or
 * Sumo answered a server error after receiving it (which does not say that nothing was done).
 */
export function unknownOutcomeCause(error: SumoApiError): string {
  return error.status >= 500
    ? `Sumo Logic answered ${error.status} ${error.code} after receiving it, which does not say whether it was carried out (${error.message})`
    : `its answer was lost on the way back (${error.message})`;
}

function outcomeUnknownError(error: SumoApiError, context: ErrorContext): OperationError {
  const what = context.action ?? `${error.method} ${error.path}`;
  return new OperationError(
    `${what}: the request reached Sumo Logic, but ${unknownOutcomeCause(error)}. ` +
      'Whether it took effect is UNKNOWN. Do not simply run it again, or it may happen twice: ' +
      `${context.check ?? 'first read the object with a get or list tool to see whether the change is there'}.`,
    OUTCOME_UNKNOWN,
    { outcome: 'unknown', status: error.status, apiCode: error.code, requestId: error.requestId },
  );
}

/**
 * Why sources of a JSON-managed collector cannot be changed through the API, and what to do,
 * for the person who asked to change them.
 */
export function jsonManagedExplanation(collector: string): string {
  return (
    `Collector ${collector} manages its sources from a local JSON file on its host ` +
    '(sourceSyncMode "Json", set by `syncSources` in the collector\'s user.properties). Its sources ' +
    'can be read through the API but not created, changed or deleted. To change them, edit the ' +
    'JSON source file on that host; the collector applies the change itself. To manage them ' +
    'through the API again, remove `syncSources` from user.properties on the host and restart the ' +
    'collector, which switches it back to cloud (UI) management.'
  );
}

/** A person's reading of the upgrade API's refusal codes: what happened, and what to do. */
export function upgradeRefusalMessage(code: string, context: ErrorContext): string | undefined {
  const who = context.collector ?? 'The collector';
  switch (code) {
    case 'collector.invalid':
      return `${who} was not found, or this access key may not manage it. Check the id with list_collectors or get_collector.`;
    case 'collector.type.invalid':
      return `${who} is a Hosted Collector: it runs inside Sumo Logic and has no software to upgrade. Only Installed Collectors can be upgraded.`;
    case 'collector.not.alive':
      return `${who} is offline, and an upgrade is delivered to a running collector. Start the collector on its host (or wait until it sends heartbeats again), then start the upgrade again.`;
    case 'collector.in.upgrading':
      return `${who} already has an upgrade in progress. Wait for it to finish (get_upgrade_status, or the version in get_collector) before starting another.`;
    case 'collector.version.invalid':
      return `${context.toVersion ? `Version "${context.toVersion}"` : 'The requested version'} is not a build ${who} can move to: either it is not an available build or the collector already runs it. list_upgrade_targets shows the available builds; leave the version out for the latest.`;
    default:
      return undefined;
  }
}

/**
 * Turns a Sumo API error into an `OperationError` whose message says what happened and what to
 * do, for the codes a person can act on; anything else is returned unchanged.
 */
export function explainApiError(error: unknown, context: ErrorContext = {}): unknown {
  if (!isSumoApiError(error)) return error;
  if (error.outcome === 'unknown') return outcomeUnknownError(error, context);
  const who = context.collector ?? 'The collector';
  const details = { status: error.status, apiCode: error.code, requestId: error.requestId };
  const upgrade = upgradeRefusalMessage(error.code, context);
  if (upgrade) return new OperationError(upgrade, error.code, details);
  switch (error.code) {
    case 'CannotModifySources':
      return new OperationError(jsonManagedExplanation(who), error.code, details);
    case 'InvalidCollector':
      return new OperationError(
        `${who} does not exist (it may have been deleted). list_collectors shows the collectors there are.`,
        error.code,
        details,
      );
    case 'DuplicateResourceName':
      return new OperationError(
        'That name is already taken: collector names are unique in the org and source names on their collector. Choose another name.',
        error.code,
        details,
      );
    case 'InvalidSourceType':
    case 'EmptySourceType':
      return new OperationError(
        `The source type is missing or cannot run on ${who}: installed collectors run local sources (LocalFile, Syslog, …) and hosted collectors cloud ones (HTTP, Polling, …).`,
        error.code,
        details,
      );
  }
  if (error.status === 404) {
    return new OperationError(
      `Not found: ${error.message}. Check the ids (list_collectors, list_sources).`,
      'not.found',
      details,
    );
  }
  return error;
}
