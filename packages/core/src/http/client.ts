import type { CookieJar } from 'tough-cookie';
import type { Dispatcher } from 'undici';
import { deploymentForUrl, loadConfig, type SumoConfig, type SumoConfigInput } from '../config.js';
import { createLogger, type Logger } from '../logger.js';
import { metrics, routeTemplate } from '../metrics.js';
import { SumoApiError } from './errors.js';
import { checkProxySettings, describeProxy, proxySettings } from './proxy.js';
import { type RateLimiter, type RateLimitStore, type RateLimits, sharedRateLimiter } from './rate-limiter.js';
import { registerSecret } from './redact.js';
import { DEFAULT_RETRY, mayHaveActed, parseRetryAfter, type RetryOptions, retryDelay } from './retry.js';
import { sleep } from './sleep.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
/** An array is sent as the parameter repeated (OpenAPI's default `form` style, exploded). */
export type QueryValue = string | number | boolean | undefined | readonly string[];

export interface SumoRequest {
  method: HttpMethod;
  /** Path under the API base URL, starting with `/v1/…`; segments already encoded. */
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** Per-attempt timeout; defaults to the client's. */
  timeoutMs?: number;
  /** Search jobs are routed by cookie: the job's own jar is read before and updated after every request. */
  cookieJar?: CookieJar | undefined;
  /**
   * A POST that only reads (a listing whose filters travel in the body): replayed like a GET,
   * and a lost answer leaves no doubt about what happened.
   */
  readOnly?: boolean | undefined;
  /**
   * false: a replay could act on more than was confirmed (a DELETE of every offline OT collector
   * deletes those that went offline since), so only refusals (429, 503) are retried.
   */
  replayable?: boolean | undefined;
  /** Override retry settings for this request, or `false` to make exactly one attempt. */
  retry?: Partial<RetryOptions> | false;
}

export interface SumoResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  etag: string | undefined;
  location: string | undefined;
  attempts: number;
}

export interface SumoClientOptions extends SumoConfigInput {
  /** A resolved configuration; when absent it is read from options and the environment. */
  config?: SumoConfig;
  env?: Record<string, string | undefined>;
  /**
   * An undici dispatcher (MockAgent in tests). Not closed by `close()`. Default: one that honours
   * HTTPS_PROXY, HTTP_PROXY and NO_PROXY from `env`.
   */
  dispatcher?: Dispatcher;
  rateLimiter?: RateLimiter;
  rateLimits?: Partial<RateLimits>;
  /** Where the budget is kept: this process by default, Redis for replicas (`createStores`). */
  rateLimitStore?: RateLimitStore;
  /** The budget's name: the access id by default; SUMO_OPS_RATE_KEY lets several keys of one user share it. */
  rateKey?: string | undefined;
  retry?: Partial<RetryOptions>;
  logger?: Logger;
  timeoutMs?: number;
  userAgent?: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** Methods that change nothing: their lost answers leave no doubt about what happened. */
const SAFE_METHODS = new Set<HttpMethod>(['GET']);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** undici's `request` and the dispatcher it sends through, loaded together (`SumoClient.transport`). */
interface Transport {
  request: typeof import('undici').request;
  dispatcher: Dispatcher;
}

/**
 * The one door to the Sumo Logic API: Basic auth on every request, a shared rate limiter per
 * access id, bounded retries that never replay an unsafe request, and typed errors with the
 * credentials taken out.
 */
export class SumoClient {
  readonly config: SumoConfig;
  readonly logger: Logger;
  readonly rateLimiter: RateLimiter;
  readonly rateKey: string;
  private readonly env: Record<string, string | undefined>;
  private readonly injectedDispatcher: Dispatcher | undefined;
  #transport: Promise<Transport> | undefined;
  private readonly authorization: string;
  private readonly retry: RetryOptions;
  private readonly timeoutMs: number;
  private readonly userAgent: string;

  constructor(options: SumoClientOptions = {}) {
    this.config = options.config ?? loadConfig(options, options.env);
    const basic = Buffer.from(`${this.config.accessId}:${this.config.accessKey}`).toString('base64');
    registerSecret(this.config.accessKey);
    registerSecret(basic);
    this.authorization = `Basic ${basic}`;
    this.logger = (options.logger ?? createLogger()).child({ component: 'sumo-client' });
    this.rateKey = options.rateKey ?? this.config.accessId;
    this.rateLimiter =
      options.rateLimiter ?? sharedRateLimiter(this.rateKey, options.rateLimits, options.rateLimitStore);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.userAgent = options.userAgent ?? 'sumo-ops';
    this.injectedDispatcher = options.dispatcher;
    this.env = options.env ?? process.env;
    if (!options.dispatcher) {
      const settings = proxySettings(this.env);
      checkProxySettings(settings);
      const proxy = describeProxy(settings);
      if (proxy) this.logger.info('calls to Sumo Logic go through a proxy', { proxy });
    }
  }

  get apiUrl(): string {
    return this.config.apiUrl;
  }

  /** The full URL of an API path (used for cookie scoping). */
  url(path: string, query?: Record<string, QueryValue>): string {
    const url = new URL(`${this.config.apiUrl}${path.startsWith('/') ? path : `/${path}`}`);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (Array.isArray(value)) for (const item of value) url.searchParams.append(name, item);
      else if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  async request<T = unknown>(req: SumoRequest): Promise<SumoResponse<T>> {
    const retry = req.retry === false ? { ...this.retry, maxAttempts: 1 } : { ...this.retry, ...req.retry };
    const headers = { ...req.headers };
    const started = Date.now();
    const changesThings = !SAFE_METHODS.has(req.method) && req.readOnly !== true;
    let earlierMayHaveActed = false;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const response = await this.attempt<T>(req, headers);
        return { ...response, attempts: attempt };
      } catch (caught) {
        if (!(caught instanceof SumoApiError)) throw caught;
        // Whatever this attempt answers, an earlier one may already have done the work (a retried
        // DELETE answering 404, a PUT answering 412 to its own ETag): the caller must know.
        const error =
          changesThings && (earlierMayHaveActed || mayHaveActed(caught))
            ? caught.withUnknownOutcome()
            : caught;
        earlierMayHaveActed ||= mayHaveActed(caught);
        if (error.status === 429 && error.code === 'rate.limit.exceeded') {
          this.rateLimiter.penalize(this.rateKey);
        }
        if (error.status === 429) metrics.rateLimited.inc();
        const delay = retryDelay(
          error,
          {
            method: req.replayable === false ? 'POST' : changesThings ? req.method : 'GET',
            headers,
            attempt,
            elapsedMs: Date.now() - started,
          },
          retry,
        );
        if (delay === undefined) throw error.withAttempts(attempt);
        metrics.retries.inc({ status: String(error.status) });
        this.logger.warn('retrying Sumo Logic request', {
          method: req.method,
          path: req.path,
          status: error.status,
          code: error.code,
          attempt,
          delayMs: delay,
        });
        await sleep(delay, req.signal);
      }
    }
  }

  get<T = unknown>(path: string, query?: Record<string, QueryValue>, extra: Partial<SumoRequest> = {}) {
    return this.request<T>({ ...extra, method: 'GET', path, ...(query ? { query } : {}) });
  }

  post<T = unknown>(path: string, body: unknown, extra: Partial<SumoRequest> = {}) {
    return this.request<T>({ ...extra, method: 'POST', path, body });
  }

  put<T = unknown>(path: string, body: unknown, extra: Partial<SumoRequest> = {}) {
    return this.request<T>({ ...extra, method: 'PUT', path, body });
  }

  delete<T = unknown>(path: string, query?: Record<string, QueryValue>, extra: Partial<SumoRequest> = {}) {
    return this.request<T>({ ...extra, method: 'DELETE', path, ...(query ? { query } : {}) });
  }

  async close(): Promise<void> {
    if (this.injectedDispatcher || !this.#transport) return;
    const transport = await this.#transport.catch(() => undefined);
    await transport?.dispatcher.close();
  }

  /**
   * undici and the dispatcher, loaded at the first request rather than with the package: a
   * process that never calls Sumo (an MCP server answering `tools/list`, `--help`) never pays
   * for them (bench/cold-start). HTTPS_PROXY / HTTP_PROXY / NO_PROXY apply below the limiter
   * and the retry policy.
   */
  private transport(): Promise<Transport> {
    this.#transport ??= import('./dispatcher.js').then((http) => ({
      request: http.request,
      dispatcher:
        this.injectedDispatcher ??
        http.createHttpDispatcher(this.env, { keepAliveTimeout: 30_000, connections: 32 }),
    }));
    return this.#transport;
  }

  private async attempt<T>(
    req: SumoRequest,
    extraHeaders: Record<string, string>,
  ): Promise<Omit<SumoResponse<T>, 'attempts'>> {
    const url = this.url(req.path, req.query);
    const pathForErrors = url.slice(this.config.apiUrl.length);
    const headers: Record<string, string> = {
      accept: 'application/json',
      'content-type': 'application/json',
      'user-agent': this.userAgent,
      ...extraHeaders,
      authorization: this.authorization,
    };
    if (req.cookieJar) {
      const cookie = await req.cookieJar.getCookieString(url);
      if (cookie) headers.cookie = cookie;
    }

    const route = routeTemplate(req.path);
    const transport = await this.transport();
    const waited = metrics.rateLimiterWait.startTimer();
    const release = await this.rateLimiter.acquire(this.rateKey, req.signal);
    waited();
    // The gauge counted up is the one counted down, should metrics be enabled in between.
    const inFlight = metrics.inFlight;
    inFlight.inc();
    let status = 0;
    const timeout = AbortSignal.timeout(req.timeoutMs ?? this.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const began = Date.now();
    try {
      let response: Dispatcher.ResponseData;
      try {
        response = await transport.request(url, {
          method: req.method,
          headers,
          body: req.body === undefined ? undefined : JSON.stringify(req.body),
          dispatcher: transport.dispatcher,
          signal,
        });
      } catch (error) {
        throw this.transportError(error, req, pathForErrors, timeout);
      }
      status = response.statusCode;

      let text: string;
      try {
        text = await readText(response.body);
      } catch (error) {
        throw this.transportError(error, req, pathForErrors, timeout);
      }
      if (req.cookieJar) await this.storeCookies(req.cookieJar, url, response.headers['set-cookie']);
      const body = parseBody(text, response.headers['content-type']);
      if (body === MALFORMED && response.statusCode < 300) {
        // A transfer cut short (or garbled) on the way: transient, like a reset, not a bug of ours.
        throw new SumoApiError({
          status: 0,
          code: 'client.response.malformed',
          message: `${req.method} ${pathForErrors} answered ${response.statusCode} but its JSON body was cut off or garbled (${text.length} bytes).`,
          method: req.method,
          path: pathForErrors,
          requestId: header(response.headers, 'x-sumo-request-id'),
          details: { httpStatus: response.statusCode },
        });
      }
      this.logger.debug('sumo request', {
        method: req.method,
        path: pathForErrors,
        status: response.statusCode,
        ms: Date.now() - began,
      });

      if (REDIRECT_STATUSES.has(response.statusCode)) {
        throw wrongDeploymentError(
          req.method,
          pathForErrors,
          response.statusCode,
          header(response.headers, 'location'),
          this.config,
        );
      }
      if (response.statusCode >= 400) {
        throw apiError(
          req.method,
          pathForErrors,
          response.statusCode,
          response.headers,
          body === MALFORMED ? text : body,
        );
      }
      return {
        status: response.statusCode,
        headers: response.headers,
        body: body as T,
        etag: header(response.headers, 'etag'),
        location: header(response.headers, 'location'),
      };
    } finally {
      release();
      inFlight.dec();
      metrics.apiRequests.inc({ method: req.method, route, status: String(status) });
    }
  }

  private async storeCookies(jar: CookieJar, url: string, setCookie: string | string[] | undefined) {
    const values = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie];
    for (const value of values) await jar.setCookie(value, url, { ignoreError: true });
  }

  private transportError(error: unknown, req: SumoRequest, path: string, timeout: AbortSignal): unknown {
    // The caller's own cancellation is not a failure to retry or wrap: hand back their reason.
    if (req.signal?.aborted) return req.signal.reason;
    const code = (error as { code?: string }).code;
    if (timeout.aborted) {
      return new SumoApiError({
        status: 0,
        code: 'client.timeout',
        message: `${req.method} ${path} got no answer within ${req.timeoutMs ?? this.timeoutMs} ms.`,
        method: req.method,
        path,
        cause: error,
      });
    }
    const reason = (error as Error)?.message ?? String(error);
    return new SumoApiError({
      status: 0,
      code: code && /^[A-Z_]+$/.test(code) ? code : 'client.network.error',
      message: `${req.method} ${path} failed before an answer arrived: ${reason}`,
      method: req.method,
      path,
      details: { networkCode: code },
      cause: error,
    });
  }
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The body as text, decoded chunk by chunk as it arrives. undici's `body.text()` keeps every chunk
 * until the end and then copies them into one buffer before decoding: for a 10,000-row search page
 * (~7 MB) that is twice the page outside the heap on top of the string, and it is what pushed a
 * 1,000,000-message export past 200 MB of RSS. Here each chunk is garbage as soon as it is decoded.
 */
async function readText(body: AsyncIterable<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of body) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/** A body that says it is JSON (by type or by its first character) and does not parse. */
const MALFORMED = Symbol('malformed JSON');

function parseBody(text: string, contentType: string | string[] | undefined): unknown {
  if (text === '') return undefined;
  const type = Array.isArray(contentType) ? contentType[0] : contentType;
  if (type?.includes('json') || /^[[{]/.test(text.trimStart())) {
    try {
      return JSON.parse(text);
    } catch {
      return MALFORMED;
    }
  }
  return text;
}

function apiError(
  method: string,
  path: string,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: unknown,
): SumoApiError {
  const fields = errorFields(body);
  const code = typeof fields.code === 'string' ? fields.code : `http.${status}`;
  const serverMessage =
    typeof fields.message === 'string'
      ? fields.message
      : typeof body === 'string' && body
        ? body.slice(0, 300)
        : '';
  const requestId =
    (typeof fields.id === 'string' ? fields.id : undefined) ??
    header(headers, 'x-sumo-request-id') ??
    header(headers, 'x-request-id');
  return new SumoApiError({
    status,
    code,
    message: `${method} ${path} failed with ${status} ${code}${serverMessage ? `: ${serverMessage}` : ''}`,
    method,
    path,
    requestId,
    retryAfterMs: parseRetryAfter(header(headers, 'retry-after')),
    body,
  });
}

/**
 * The error's own fields: the Collector Management and Search Job APIs answer `{code, message}`,
 * the APIs of Sumo's OpenAPI document an `ErrorResponse` `{id, errors: [{code, message, detail}]}`
 * whose first cause is the one to report.
 */
function errorFields(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null) return {};
  const fields = body as Record<string, unknown>;
  const [first] = Array.isArray(fields.errors) ? (fields.errors as unknown[]) : [];
  if (typeof first !== 'object' || first === null) return fields;
  const cause = first as Record<string, unknown>;
  const detail = typeof cause.detail === 'string' && cause.detail ? ` (${cause.detail})` : '';
  return {
    id: fields.id,
    code: cause.code,
    message: typeof cause.message === 'string' ? `${cause.message}${detail}` : undefined,
  };
}

function wrongDeploymentError(
  method: string,
  path: string,
  status: number,
  location: string | undefined,
  config: SumoConfig,
): SumoApiError {
  const target = location ? deploymentForUrl(location) : undefined;
  const current = config.deployment ?? config.apiUrl;
  let advice: string;
  if (target) {
    advice = `Your account is in deployment "${target}", not "${current}". Set SUMO_DEPLOYMENT=${target} (and unset SUMO_API_URL if it is set).`;
  } else if (location) {
    const base = location.includes('/api/')
      ? `${location.slice(0, location.indexOf('/api/'))}/api`
      : location;
    advice = `The API moved to ${base}. Set SUMO_API_URL=${base}.`;
  } else {
    advice = 'Check SUMO_DEPLOYMENT (or SUMO_API_URL): the access key belongs to another deployment.';
  }
  return new SumoApiError({
    status,
    code: 'client.wrong.deployment',
    message: `${method} ${path} was redirected (${status}): the access key belongs to another Sumo Logic deployment. ${advice}`,
    method,
    path,
    details: { location, deployment: target },
  });
}
