import { SimError } from '../sim-error.js';

/**
 * Errors of the APIs in Sumo's OpenAPI document, sent as its `ErrorResponse`. The document
 * names no codes for them; these follow the `area:snake_case` form of its own example
 * (`auth:password_too_short`) and stay few, so a client has little to special-case.
 */
export const fleetErrors = {
  /** A request that breaks the document's schema (a missing field, `limit` out of 1..1000, …). */
  invalidRequest: (message: string, detail?: string) =>
    new SimError(400, 'api:invalid_request', message, {}, detail),
  invalidContinuationToken: (name: 'token' | 'next') =>
    new SimError(
      400,
      'api:invalid_continuation_token',
      `Parameter '${name}' is not a token this API issued.`,
    ),
  invalidParameter: (name: string, rule: string) =>
    new SimError(400, 'api:invalid_parameter', `Parameter '${name}' is invalid: ${rule}.`),
  otCollectorNotFound: (id: string) =>
    new SimError(404, 'otCollector:not_found', `OT Collector with id '${id}' does not exist.`),
  ingestBudgetNotFound: (id: string) =>
    new SimError(404, 'ingestBudget:not_found', `Ingest budget with id '${id}' does not exist.`),
  duplicateBudgetName: (name: string) =>
    new SimError(400, 'ingestBudget:duplicate_name', `An ingest budget named '${name}' already exists.`),
  invalidTimezone: (timezone: string) =>
    new SimError(400, 'ingestBudget:invalid_timezone', `'${timezone}' is not an IANA time zone.`),
  invalidResetTime: (resetTime: string) =>
    new SimError(400, 'ingestBudget:invalid_reset_time', `Reset time '${resetTime}' is not HH:MM.`),
  tokenNotFound: (id: string) =>
    new SimError(404, 'token:not_found', `Token with id '${id}' does not exist.`),
  tokenVersionStale: () =>
    new SimError(409, 'token:version_conflict', 'The token has changed since the given version.'),
  duplicateTokenName: (name: string) =>
    new SimError(400, 'token:duplicate_name', `A token named '${name}' already exists.`),
} as const;
