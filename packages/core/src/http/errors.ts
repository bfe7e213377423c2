import { redactText, redactValue } from './redact.js';

/** Settings are missing or malformed; every problem names the variable and the fix. */
export class SumoConfigError extends Error {
  override readonly name = 'SumoConfigError';
  constructor(
    readonly problems: string[],
    what = 'Sumo Logic connection is not configured',
  ) {
    super(redactText(`${what}:\n- ${problems.join('\n- ')}`));
  }
}

export interface SumoApiErrorDetails {
  status: number;
  /** Sumo's error code (`rate.limit.exceeded`, `collector.not.alive`, …) or one of ours for transport failures. */
  code: string;
  message: string;
  method: string;
  /** Path and query relative to the API base URL; never carries credentials. */
  path: string;
  requestId?: string | undefined;
  attempts?: number | undefined;
  retryAfterMs?: number | undefined;
  /** The parsed response body, when there was one. */
  body?: unknown;
  /** Extra context (e.g. the deployment a 301 points to). */
  details?: Record<string, unknown> | undefined;
  /**
   * `unknown`: a request that changes things may have been carried out although no answer says
   * so (a reset or timeout after sending, a cut-off body, a 5xx other than 503 after Sumo received
   * it, or an earlier attempt that ended one of those ways). Front ends must then say so and how
   * to check, never "call again".
   */
  outcome?: 'unknown' | undefined;
  cause?: unknown;
}

/**
 * One error class for everything the API (or the road to it) can answer. Codes we invent for
 * failures that never got a Sumo answer are prefixed `client.`.
 */
export class SumoApiError extends Error {
  override readonly name = 'SumoApiError';
  readonly status: number;
  readonly code: string;
  readonly method: string;
  readonly path: string;
  readonly requestId: string | undefined;
  readonly attempts: number;
  readonly retryAfterMs: number | undefined;
  readonly body: unknown;
  readonly details: Record<string, unknown>;
  readonly outcome: 'unknown' | undefined;

  constructor(info: SumoApiErrorDetails) {
    super(redactText(info.message), info.cause === undefined ? undefined : { cause: info.cause });
    this.status = info.status;
    this.code = info.code;
    this.method = info.method;
    this.path = redactText(info.path);
    this.requestId = info.requestId;
    this.attempts = info.attempts ?? 1;
    this.retryAfterMs = info.retryAfterMs;
    this.body = redactValue(info.body);
    this.details = info.details ?? {};
    this.outcome = info.outcome;
  }

  /** A copy that records how many attempts were made before giving up. */
  withAttempts(attempts: number): SumoApiError {
    if (attempts <= 1) return this;
    const suffix = ` (gave up after ${attempts} attempts)`;
    return new SumoApiError({
      ...this.toDetails(),
      message: this.message.endsWith(suffix) ? this.message : `${this.message}${suffix}`,
      attempts,
    });
  }

  toDetails(): SumoApiErrorDetails {
    return {
      status: this.status,
      code: this.code,
      message: this.message,
      method: this.method,
      path: this.path,
      requestId: this.requestId,
      attempts: this.attempts,
      retryAfterMs: this.retryAfterMs,
      body: this.body,
      details: this.details,
      outcome: this.outcome,
      cause: this.cause,
    };
  }

  /** A copy marked: the request may have been carried out, and no answer says whether it was. */
  withUnknownOutcome(): SumoApiError {
    return this.outcome === 'unknown' ? this : new SumoApiError({ ...this.toDetails(), outcome: 'unknown' });
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      status: this.status,
      code: this.code,
      message: this.message,
      method: this.method,
      path: this.path,
      requestId: this.requestId,
      attempts: this.attempts,
      details: this.details,
      ...(this.outcome ? { outcome: this.outcome } : {}),
    };
  }
}

export function isSumoApiError(error: unknown, code?: string): error is SumoApiError {
  return error instanceof SumoApiError && (code === undefined || error.code === code);
}
