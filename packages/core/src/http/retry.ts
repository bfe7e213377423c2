import type { SumoApiError } from './errors.js';

export interface RetryOptions {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** No retry is started if it would end later than this after the first attempt began. */
  maxElapsedMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Injected for deterministic tests. */
  random: () => number;
}

export const DEFAULT_RETRY: Readonly<RetryOptions> = Object.freeze({
  maxAttempts: 5,
  maxElapsedMs: 60_000,
  baseDelayMs: 250,
  maxDelayMs: 20_000,
  random: Math.random,
});

/** Failures where the request provably never reached the server, so any method may be replayed. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'client.connect.failed',
]);

/**
 * Whether a request may have reached the server and been acted on although no usable answer
 * came back: a failure after sending (reset, timeout, cut-off body), not a refused connection.
 */
export function mayHaveReachedServer(error: SumoApiError): boolean {
  return error.status === 0 && !NOT_SENT_CODES.has(error.code);
}

/**
 * Whether a request that changes things may have been carried out although its answer does not
 * say so: no usable answer came back, or Sumo answered a 5xx after receiving it. A 500, 502 or
 * 504 reports a failure somewhere on the way, not that nothing was done, and Sumo gives no such
 * guarantee. 503 is the exception: the service refused to take the request (it is retried as a
 * refusal, like 429).
 */
export function mayHaveActed(error: SumoApiError): boolean {
  return mayHaveReachedServer(error) || (error.status >= 500 && !isRefusal(error));
}

export interface RetryContext {
  method: string;
  headers: Record<string, string>;
  attempt: number;
  elapsedMs: number;
}

/**
 * GET and DELETE are idempotent by definition; a PUT is only when it carries `If-Match`, because
 * then a replay after the first one landed fails with 412 instead of overwriting a newer change.
 */
export function isIdempotent(method: string, headers: Record<string, string>): boolean {
  const upper = method.toUpperCase();
  if (upper === 'GET' || upper === 'HEAD' || upper === 'OPTIONS' || upper === 'DELETE') return true;
  if (upper === 'PUT') return Object.keys(headers).some((name) => name.toLowerCase() === 'if-match');
  return false;
}

/** `Retry-After` as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function backoffDelay(attempt: number, options: RetryOptions): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  // Full jitter: spreads retries of many clients that failed together.
  return Math.floor(options.random() * ceiling);
}

/** Whether the server refused the request without acting on it, whatever the method. */
function isRefusal(error: SumoApiError): boolean {
  return error.status === 429 || error.status === 503;
}

/**
 * The delay before the next attempt, or undefined when the failure must not be retried.
 */
export function retryDelay(
  error: SumoApiError,
  context: RetryContext,
  options: RetryOptions,
): number | undefined {
  if (context.attempt >= options.maxAttempts) return undefined;
  let retryable: boolean;
  if (isRefusal(error)) retryable = true;
  else if (error.status === 0) {
    // A reset may come after the server acted: only replay what is safe to replay.
    retryable = !mayHaveReachedServer(error) || isIdempotent(context.method, context.headers);
  } else if (error.status >= 500) retryable = isIdempotent(context.method, context.headers);
  else retryable = false;
  if (!retryable) return undefined;

  const delay =
    error.retryAfterMs !== undefined ? error.retryAfterMs : backoffDelay(context.attempt, options);
  if (context.elapsedMs + delay > options.maxElapsedMs) return undefined;
  return delay;
}
