import type { Counter, Gauge, Histogram, Registry } from 'prom-client';

type OperationLabels = 'operation' | 'outcome';

/** The instruments, made once prom-client is loaded; tests read them back through `enable()`. */
export interface MetricInstruments {
  registry: Registry;
  operations: Counter<OperationLabels>;
  operationSeconds: Histogram<'operation'>;
  apiRequests: Counter<'method' | 'route' | 'status'>;
  rateLimited: Counter;
  retries: Counter<'status'>;
  rateLimiterWait: Histogram;
  inFlight: Gauge;
  searchJobs: Gauge;
  sharedReads: Counter<'operation' | 'source'>;
  confirmations: Counter<'front_end' | 'event'>;
  authFailures: Counter<'reason'>;
}

/** What core and the front ends report through: counting, timing, nothing that reads back. */
type Counting<L extends string = string> = Pick<Counter<L>, 'inc'>;
type Gauging = Pick<Gauge, 'inc' | 'dec'>;
type Timing<L extends string = string> = Pick<Histogram<L>, 'startTimer'>;

/** Stands in for every instrument until metrics are enabled: a report then costs one call. */
const IGNORED = { inc() {}, dec() {}, startTimer: () => () => 0 };

/**
 * The process's Prometheus metrics, in one registry that core reports into (the client, the
 * catalog, the search runner) and front ends only expose on /metrics. Label values are bounded by
 * construction: operation names from the catalog, routes as templates with ids taken out, status
 * codes, fixed event names — never a collector name, a query or a user.
 *
 * prom-client is loaded only by `enable()`, which a front end that serves /metrics awaits before it
 * takes work: a CLI run or a stdio MCP server, which nobody scrapes, never loads it (start-up time,
 * bench/cold-start), and reports made before then are dropped.
 */
export class SumoOpsMetrics {
  #instruments: MetricInstruments | undefined;
  #enabling: Promise<MetricInstruments> | undefined;

  /** Loads prom-client, makes the instruments and collects process metrics (CPU, memory, event loop). */
  enable(): Promise<MetricInstruments> {
    this.#enabling ??= import('./prometheus.js').then((prom) => {
      const registry = new prom.Registry();
      const registers = [registry];
      this.#instruments = {
        registry,
        operations: new prom.Counter({
          name: 'sumo_ops_operations_total',
          help: 'Catalog operations run, by operation name and outcome (ok, error, unknown: the change may have happened but its answer was lost).',
          labelNames: ['operation', 'outcome'] as const,
          registers,
        }),
        operationSeconds: new prom.Histogram({
          name: 'sumo_ops_operation_duration_seconds',
          help: 'Time to run a catalog operation, by operation name.',
          labelNames: ['operation'] as const,
          buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
          registers,
        }),
        apiRequests: new prom.Counter({
          name: 'sumo_ops_api_requests_total',
          help: 'Sumo Logic API requests (each attempt), by method, route template and HTTP status (0: no answer).',
          labelNames: ['method', 'route', 'status'] as const,
          registers,
        }),
        rateLimited: new prom.Counter({
          name: 'sumo_ops_api_rate_limited_total',
          help: 'Answers 429 (rate limit) received from Sumo Logic.',
          registers,
        }),
        retries: new prom.Counter({
          name: 'sumo_ops_api_retries_total',
          help: 'Sumo Logic API requests retried, by the status that caused the retry (0: no answer).',
          labelNames: ['status'] as const,
          registers,
        }),
        rateLimiterWait: new prom.Histogram({
          name: 'sumo_ops_rate_limiter_wait_seconds',
          help: 'Time a request waited for the rate limiter (4/s and 10 in flight per key) before it was sent.',
          buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
          registers,
        }),
        inFlight: new prom.Gauge({
          name: 'sumo_ops_api_requests_in_flight',
          help: 'Sumo Logic API requests sent and not yet answered.',
          registers,
        }),
        searchJobs: new prom.Gauge({
          name: 'sumo_ops_search_jobs_active',
          help: 'Search jobs this process created on Sumo Logic and has not deleted yet.',
          registers,
        }),
        sharedReads: new prom.Counter({
          name: 'sumo_ops_shared_reads_total',
          help: 'Reads that may share one Sumo Logic call, by operation and how the answer came (own: read for this call; joined: an identical read in flight; reused: a recent answer).',
          labelNames: ['operation', 'source'] as const,
          registers,
        }),
        confirmations: new prom.Counter({
          name: 'sumo_ops_confirmations_total',
          help: 'Confirmations of changes, by front end (mcp, slack) and event (issued, redeemed, expired).',
          labelNames: ['front_end', 'event'] as const,
          registers,
        }),
        authFailures: new prom.Counter({
          name: 'sumo_ops_auth_failures_total',
          help: "Requests refused by the MCP server's OAuth resource server, by reason (missing_token, expired, wrong_audience, insufficient_scope …); never by subject.",
          labelNames: ['reason'] as const,
          registers,
        }),
      };
      prom.collectDefaultMetrics({ register: registry });
      return this.#instruments;
    });
    return this.#enabling;
  }

  get operations(): Counting<OperationLabels> {
    return this.#instruments?.operations ?? IGNORED;
  }
  get operationSeconds(): Timing<'operation'> {
    return this.#instruments?.operationSeconds ?? IGNORED;
  }
  get apiRequests(): Counting<'method' | 'route' | 'status'> {
    return this.#instruments?.apiRequests ?? IGNORED;
  }
  get rateLimited(): Counting {
    return this.#instruments?.rateLimited ?? IGNORED;
  }
  get retries(): Counting<'status'> {
    return this.#instruments?.retries ?? IGNORED;
  }
  get rateLimiterWait(): Timing {
    return this.#instruments?.rateLimiterWait ?? IGNORED;
  }
  get inFlight(): Gauging {
    return this.#instruments?.inFlight ?? IGNORED;
  }
  get searchJobs(): Gauging {
    return this.#instruments?.searchJobs ?? IGNORED;
  }
  get sharedReads(): Counting<'operation' | 'source'> {
    return this.#instruments?.sharedReads ?? IGNORED;
  }
  get confirmations(): Counting<'front_end' | 'event'> {
    return this.#instruments?.confirmations ?? IGNORED;
  }
  get authFailures(): Counting<'reason'> {
    return this.#instruments?.authFailures ?? IGNORED;
  }

  /** The exposition text for /metrics, and its content type. */
  async exposition(): Promise<{ contentType: string; text: string }> {
    const { registry } = await this.enable();
    return { contentType: registry.contentType, text: await registry.metrics() };
  }
}

/** One per process, as there is one rate budget per key per process. */
export const metrics = new SumoOpsMetrics();

/** Path segments that name a kind of thing, kept in route templates; every other segment is an id. */
const STATIC_SEGMENTS = new Set([
  'v1',
  'collectors',
  'offline',
  'name',
  'sources',
  'upgrades',
  'targets',
  'search',
  'jobs',
  'messages',
  'records',
]);

/**
 * `/v1/collectors/123/sources/456?x` → `/v1/collectors/:id/sources/:id`; a collector looked up by
 * name → `/v1/collectors/name/:name`. Keeps the route label's values few whatever the org holds.
 */
export function routeTemplate(path: string): string {
  const segments = (path.split('?')[0] ?? '').split('/').filter(Boolean);
  const out: string[] = [];
  for (const [index, segment] of segments.entries()) {
    if (segments[index - 1] === 'name' && out.at(-1) === 'name') {
      out.push(':name');
      break;
    }
    out.push(STATIC_SEGMENTS.has(segment) ? segment : ':id');
  }
  return `/${out.join('/')}`;
}
