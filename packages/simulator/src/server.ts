import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SimClock } from './clock.js';
import { SimulatorCounters } from './counters.js';
import { type FaultDecision, FaultInjector, type FaultOptions } from './faults.js';
import type { FeatureEnvironment, FeatureRegistration } from './feature.js';
import { ConformanceLog } from './openapi/conformance-log.js';
import { type ContractViolation, OpenApiContract } from './openapi/contract.js';
import { fleetErrors } from './org/fleet-errors.js';
import type { OrgOptions } from './org/model.js';
import { SimOrg } from './org/sim-org.js';
import { RateLimiter, type RateLimitOptions } from './rate-limiter.js';
import { isRouteMatch, type RouteContext, type RouteResult, Router } from './router.js';
import { registerCollectorRoutes } from './routes/collectors.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerHealthEventRoutes } from './routes/health-events.js';
import { registerIngestBudgetRoutes } from './routes/ingest-budgets.js';
import { registerInstallationTokenRoutes } from './routes/installation-tokens.js';
import { registerOtCollectorRoutes } from './routes/ot-collectors.js';
import { registerSearchJobRoutes } from './routes/search-jobs.js';
import { registerSourceRoutes } from './routes/sources.js';
import { registerUpgradeRoutes } from './routes/upgrades.js';
import { type SearchOptions, SearchService } from './search/search-service.js';
import { genericErrors, newRequestId, SimError } from './sim-error.js';

/** The Sumo Logic API feature modules. Adding an API area is one line here. */
const FEATURES: readonly FeatureRegistration[] = [
  registerCollectorRoutes,
  registerSourceRoutes,
  registerUpgradeRoutes,
  registerSearchJobRoutes,
  registerOtCollectorRoutes,
  registerHealthEventRoutes,
  registerIngestBudgetRoutes,
  registerInstallationTokenRoutes,
];

const API_PREFIX = '/api';
const DEFAULT_ORG_SIZE = 40;

export interface Credentials {
  accessId: string;
  accessKey: string;
}

export const DEFAULT_CREDENTIALS: readonly Credentials[] = [
  { accessId: 'sim-access-id', accessKey: 'sim-access-key' },
];

export interface SimulatorOptions {
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  credentials?: Credentials[];
  /** Defaults are the real limits: 4 requests/s and 10 in flight per access id. */
  rateLimit?: RateLimitOptions;
  faults?: FaultOptions;
  /** Seeds the org and the fault sequence. Default 1. */
  seed?: number;
  /** Simulated time runs this many times faster than real time. Default 1. */
  clockSpeed?: number;
  /** Simulated epoch ms at start-up. Default: the real current time. Fix it for byte-stable orgs. */
  startTime?: number;
  org?: OrgOptions;
  /** The log corpus and search-job lifecycle (sizes, speeds, limits). */
  search?: SearchOptions;
  /**
   * Record every exchange on the paths of Sumo's OpenAPI document (OT collectors, health
   * events, ingest budgets v2, tokens) with its violations of the document, in
   * `simulator.conformance`. Default false; tests turn it on.
   */
  conformance?: boolean;
  /**
   * Called with every request as it arrived, before anything checks it: for tests that assert
   * what a client sent, such as that only the Sumo credentials travel in its headers.
   */
  onRequest?: (request: ReceivedRequest) => void;
}

/** A request exactly as the simulator received it. */
export interface ReceivedRequest {
  method: string;
  /** Path and query, as sent (`/api/v1/collectors?limit=50`). */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Simulator {
  /** `http://host:port` */
  url: string;
  /** `http://host:port/api`: the base URL a client is configured with. */
  apiUrl: string;
  port: number;
  clock: SimClock;
  counters: SimulatorCounters;
  org: SimOrg;
  /** Search jobs and the log corpus they search. */
  search: SearchService;
  /** Exchanges on the OpenAPI document's paths and their violations, while enabled. */
  conformance: ConformanceLog;
  setFaults(faults: FaultOptions): void;
  /** Changes only the given settings. */
  setRateLimit(rateLimit: RateLimitOptions): void;
  /** Closes the server and every keep-alive socket. */
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const seed = options.seed ?? 1;
  const clock = new SimClock(options.startTime ?? Date.now(), options.clockSpeed ?? 1);
  const counters = new SimulatorCounters();
  const rateLimiter = new RateLimiter(options.rateLimit);
  const faults = new FaultInjector(options.faults, seed);
  const org = new SimOrg(clock, {
    seed,
    collectors: options.org?.collectors ?? DEFAULT_ORG_SIZE,
    ...(options.org?.fleet === undefined ? {} : { fleet: options.org.fleet }),
  });
  for (const build of options.org?.badBuilds ?? []) org.setBadBuild(build);
  const credentials = options.credentials ?? DEFAULT_CREDENTIALS;
  const shutdown = new AbortController();

  const search = new SearchService(clock, options.search, { seed, org });
  const environment: FeatureEnvironment = { clock, org, seed, search };
  const apiRouter = new Router();
  for (const registerFeature of FEATURES) registerFeature(apiRouter, environment);
  const rootRouter = new Router();
  registerHealthRoutes(rootRouter);

  const conformance = new ConformanceLog(options.conformance ?? false);
  const pipeline: Pipeline = {
    contract: OpenApiContract.bundled(),
    conformance,
    apiRouter,
    rootRouter,
    clock,
    counters,
    rateLimiter,
    faults,
    credentials,
    shutdown,
    onRequest: options.onRequest,
  };
  const server = createServer((request, response) => {
    handleRequest(pipeline, request, response).catch((error: unknown) => {
      // Only a bug in the simulator gets here; answer rather than leave the client hanging.
      if (!response.headersSent) sendError(response, newRequestId(), genericErrors.internalError());
      else response.destroy(error instanceof Error ? error : undefined);
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    apiUrl: `${url}${API_PREFIX}`,
    port,
    clock,
    counters,
    org,
    search,
    conformance,
    setFaults: (next) => faults.set(next),
    setRateLimit: (next) => rateLimiter.configure(next),
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        shutdown.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

interface Pipeline {
  /** Sumo's OpenAPI document: its paths answer with `ErrorResponse` and are checked against it. */
  contract: OpenApiContract;
  conformance: ConformanceLog;
  apiRouter: Router;
  rootRouter: Router;
  clock: SimClock;
  counters: SimulatorCounters;
  rateLimiter: RateLimiter;
  faults: FaultInjector;
  credentials: readonly Credentials[];
  shutdown: AbortController;
  onRequest: ((request: ReceivedRequest) => void) | undefined;
}

/**
 * The order mirrors the service: authentication, then the rate limiter (which needs the access
 * id), then injected latency and faults (inside the in-flight slot, so slow requests count
 * against the concurrency limit), then routing, content-type and body checks (on the OpenAPI
 * document's paths: the request against the document), then the handler.
 */
async function handleRequest(
  pipeline: Pipeline,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const requestId = newRequestId();
  const rawBody = await readBody(request);
  const url = new URL(request.url ?? '/', 'http://simulator.local');
  const method = request.method ?? 'GET';
  pipeline.onRequest?.({ method, url: request.url ?? '/', headers: request.headers, body: rawBody });

  if (url.pathname !== API_PREFIX && !url.pathname.startsWith(`${API_PREFIX}/`)) {
    const match = pipeline.rootRouter.match(method, url.pathname);
    if (!isRouteMatch(match)) return sendError(response, requestId, match.error);
    const result = await match.handler(
      routeContext(pipeline, request, { url, path: url.pathname, params: match.params, rawBody, requestId }),
    );
    return sendResult(response, requestId, result);
  }

  const path = url.pathname.slice(API_PREFIX.length);
  const match = pipeline.apiRouter.match(method, path);
  const { counters } = pipeline;
  const contract = pipeline.contract.covers(path)
    ? new ContractCheck(pipeline, { method, path, url, rawBody })
    : undefined;
  // The in-flight slot ends when the answer is handed over, not on the socket's later 'close':
  // on loopback the client can read the answer and send its next request before 'close' fires,
  // which a real service (whose network adds latency after it finishes) would never count.
  let releaseSlot: (() => void) | undefined;
  const respond = (result: RouteResult | SimError, fault?: FaultDecision) => {
    releaseSlot?.();
    counters.recordResponse(match.routeName, result.status);
    const answer =
      result instanceof SimError ? errorResult(result, requestId, contract !== undefined) : result;
    contract?.record(answer, fault);
    sendResult(response, requestId, answer);
  };
  const dropConnection = (fault: FaultDecision) => {
    counters.recordResponse(match.routeName, 0);
    contract?.record({ status: 0 }, fault);
    request.socket.destroy();
  };

  const accessId = authenticate(request, pipeline.credentials);
  if (accessId === undefined) return respond(genericErrors.unauthorized());

  const slot = pipeline.rateLimiter.tryAcquire(accessId);
  if (!slot.admitted) {
    counters.rateLimited += 1;
    return respond(genericErrors.rateLimitExceeded(retryAfterHeader(pipeline.faults)));
  }
  counters.recordInFlight(accessId, slot.inFlight);
  releaseSlot = slot.release;
  response.once('close', slot.release);

  const faultsApply = pipeline.faults.appliesTo(match.routeName);
  let afterwards: 'lost-answer' | 'truncate' | 'act-then-500' | undefined;
  if (faultsApply) {
    const latencyMs = pipeline.faults.latencyMs();
    if (latencyMs > 0) {
      try {
        await sleep(latencyMs, undefined, { signal: pipeline.shutdown.signal });
      } catch {
        return;
      }
    }
    const fault = pipeline.faults.decide();
    if (fault !== 'none') {
      counters.faultsInjected += 1;
      if (fault === 'reset') return dropConnection(fault);
      if (fault === 'lost-answer' || fault === 'truncate' || fault === 'act-then-500') afterwards = fault;
      else return respond(faultError(fault, pipeline.faults), fault);
    }
  }

  // The real service answers an empty path segment with a 500 (a client whose base URL ends in
  // `/` sends `/api//v1/collectors`; python SDK issue 38). Reproduced so tests catch that bug.
  if (path.includes('//')) return respond(genericErrors.internalError());
  if (!isRouteMatch(match)) return respond(match.error);
  try {
    const body = parseBody(method, request, rawBody);
    contract?.rejectInvalidRequest();
    const context = routeContext(pipeline, request, {
      url,
      path,
      params: match.params,
      rawBody,
      requestId,
      accessId,
      body,
    });
    const result = await match.handler(context);
    // The handler has acted (created, deleted, started an upgrade); only the answer goes wrong.
    if (afterwards === 'lost-answer') {
      releaseSlot?.();
      return dropConnection(afterwards);
    }
    if (afterwards === 'act-then-500') return respond(genericErrors.internalError(), afterwards);
    if (afterwards === 'truncate' && result.status < 300 && typeof result.body === 'object') {
      const text = JSON.stringify(result.body);
      return respond(
        {
          ...result,
          headers: { ...result.headers, 'content-type': 'application/json' },
          body: text.slice(0, Math.floor(text.length / 2)),
        },
        afterwards,
      );
    }
    respond(result);
  } catch (error) {
    if (error instanceof SimError) return respond(error);
    throw error;
  }
}

/**
 * One request on a path of the OpenAPI document: checked against it once, refused with the
 * documented 400 when it breaks the schema as written (undeclared fields are only recorded:
 * the service ignores them), and recorded with the answer while conformance recording is on.
 */
class ContractCheck {
  readonly #pipeline: Pipeline;
  readonly #request: { method: string; path: string; query: string; body: unknown };
  readonly #violations: ContractViolation[];

  constructor(pipeline: Pipeline, request: { method: string; path: string; url: URL; rawBody: string }) {
    this.#pipeline = pipeline;
    const body = request.rawBody === '' ? undefined : (tryParseJson(request.rawBody) ?? request.rawBody);
    this.#request = { method: request.method, path: request.path, query: request.url.search.slice(1), body };
    this.#violations = pipeline.contract.validateRequest({
      method: request.method,
      path: request.path,
      query: request.url.searchParams,
      body,
    });
  }

  rejectInvalidRequest(): void {
    const breaking = this.#violations.filter(
      (violation) => !violation.undeclared && violation.location !== 'operation',
    );
    const [first] = breaking;
    if (first) {
      throw fleetErrors.invalidRequest(
        first.message,
        breaking.map((violation) => `${violation.location} ${violation.message}`).join('; '),
      );
    }
  }

  record(answer: RouteResult, fault?: FaultDecision): void {
    const { conformance, contract } = this.#pipeline;
    if (!conformance.enabled) return;
    const { method, path, query, body } = this.#request;
    const operation = contract.findOperation(method, path);
    // A request for an operation the document lacks is the request's violation; its answer has no schema.
    const responseViolations =
      answer.status === 0 || fault === 'truncate' || !operation
        ? []
        : contract.validateResponse(method, path, { status: answer.status, body: answer.body });
    conformance.record({
      method,
      path,
      query,
      ...(operation ? { operationId: operation.operationId } : {}),
      ...(body === undefined ? {} : { requestBody: body }),
      status: answer.status,
      ...(answer.body === undefined ? {} : { responseBody: structuredClone(answer.body) }),
      ...(fault === undefined ? {} : { fault }),
      requestViolations: this.#violations,
      responseViolations,
    });
  }
}

/** The Collector Management and Search Job APIs answer `{status, id, code, message}`; the OpenAPI ones `ErrorResponse`. */
function errorResult(error: SimError, requestId: string, openApiPath: boolean): RouteResult {
  return {
    status: error.status,
    body: openApiPath ? error.toErrorResponse(requestId) : error.toBody(requestId),
    headers: error.headers,
  };
}

function routeContext(
  pipeline: Pipeline,
  request: IncomingMessage,
  parts: {
    url: URL;
    path: string;
    params: Record<string, string>;
    rawBody: string;
    requestId: string;
    accessId?: string;
    body?: unknown;
  },
): RouteContext {
  const { params } = parts;
  return {
    method: request.method ?? 'GET',
    path: parts.path,
    params,
    query: parts.url.searchParams,
    headers: request.headers,
    body: parts.body,
    rawBody: parts.rawBody,
    accessId: parts.accessId ?? '',
    cookies: parseCookies(request.headers.cookie),
    clock: pipeline.clock,
    requestId: parts.requestId,
    param: (name) => {
      const value = params[name];
      if (value === undefined) throw new Error(`route has no parameter '${name}'`);
      return value;
    },
  };
}

/** Returns the access id whose key matches, comparing keys in constant time. */
function authenticate(request: IncomingMessage, credentials: readonly Credentials[]): string | undefined {
  const header = request.headers.authorization;
  const match = header?.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator < 0) return undefined;
  const accessId = decoded.slice(0, separator);
  const accessKey = Buffer.from(decoded.slice(separator + 1));
  const known = credentials.find((candidate) => candidate.accessId === accessId);
  if (!known) return undefined;
  const expected = Buffer.from(known.accessKey);
  return expected.length === accessKey.length && timingSafeEqual(expected, accessKey) ? accessId : undefined;
}

function parseBody(method: string, request: IncomingMessage, rawBody: string): unknown {
  if (method !== 'POST' && method !== 'PUT') return rawBody === '' ? undefined : tryParseJson(rawBody);
  // A POST without a body (resetting a budget's usage) has no content to type.
  if (rawBody === '' && request.headers['content-type'] === undefined) return undefined;
  const mediaType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') throw genericErrors.contentTypeInvalid();
  if (rawBody.trim() === '') return undefined;
  const parsed = tryParseJson(rawBody);
  if (parsed === undefined) throw new SimError(400, 'generic', 'The request body is not valid JSON.');
  return parsed;
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const pair of header?.split(';') ?? []) {
    const separator = pair.indexOf('=');
    if (separator <= 0) continue;
    cookies[pair.slice(0, separator).trim()] = pair.slice(separator + 1).trim();
  }
  return cookies;
}

function retryAfterHeader(faults: FaultInjector): Record<string, string> {
  const seconds = faults.retryAfterSeconds;
  return seconds === undefined ? {} : { 'retry-after': String(seconds) };
}

function faultError(fault: '429' | '500' | '503', faults: FaultInjector): SimError {
  if (fault === '429') return genericErrors.rateLimitExceeded(retryAfterHeader(faults));
  if (fault === '503') return genericErrors.serviceUnavailable(retryAfterHeader(faults));
  return genericErrors.internalError();
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendError(response: ServerResponse, requestId: string, error: SimError): void {
  sendResult(response, requestId, errorResult(error, requestId, false));
}

function sendResult(response: ServerResponse, requestId: string, result: RouteResult): void {
  if (response.destroyed) return;
  response.statusCode = result.status;
  response.setHeader('x-sumo-request-id', requestId);
  for (const [name, value] of Object.entries(result.headers ?? {})) response.setHeader(name, value);
  if (result.body === undefined) {
    response.end();
  } else if (typeof result.body === 'string') {
    if (!response.hasHeader('content-type')) response.setHeader('content-type', 'text/plain; charset=utf-8');
    response.end(result.body);
  } else {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(result.body));
  }
}
