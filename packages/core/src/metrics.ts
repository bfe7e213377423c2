import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus metrics, in one registry that core reports into (the client, the
 * catalog, the search runner) and front ends only expose on /metrics. Label values are bounded by
 * construction: operation names from the catalog, routes as templates with ids taken out, status
 * codes, fixed event names — never a collector name, a query or a user.
 */
export class SumoOpsMetrics {
  readonly registry = new Registry();
  readonly operations = new Counter({
    name: 'sumo_ops_operations_total',
    help: 'Catalog operations run, by operation name and outcome (ok, error, unknown: the change may have happened but its answer was lost).',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly operationSeconds = new Histogram({
    name: 'sumo_ops_operation_duration_seconds',
    help: 'Time to run a catalog operation, by operation name.',
    labelNames: ['operation'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly apiRequests = new Counter({
    name: 'sumo_ops_api_requests_total',
    help: 'Sumo Logic API requests (each attempt), by method, route template and HTTP status (0: no answer).',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'sumo_ops_api_rate_limited_total',
    help: 'Answers 429 (rate limit) received from Sumo Logic.',
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: 'sumo_ops_api_retries_total',
    help: 'Sumo Logic API requests retried, by the status that caused the retry (0: no answer).',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly rateLimiterWait = new Histogram({
    name: 'sumo_ops_rate_limiter_wait_seconds',
    help: 'Time a request waited for the rate limiter (4/s and 10 in flight per key) before it was sent.',
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: 'sumo_ops_api_requests_in_flight',
    help: 'Sumo Logic API requests sent and not yet answered.',
    registers: [this.registry],
  });
  readonly searchJobs = new Gauge({
    name: 'sumo_ops_search_jobs_active',
    help: 'Search jobs this process created on Sumo Logic and has not deleted yet.',
    registers: [this.registry],
  });
  readonly sharedReads = new Counter({
    name: 'sumo_ops_shared_reads_total',
    help: 'Reads that may share one Sumo Logic call, by operation and how the answer came (own: read for this call; joined: an identical read in flight; reused: a recent answer).',
    labelNames: ['operation', 'source'] as const,
    registers: [this.registry],
  });
  readonly confirmations = new Counter({
    name: 'sumo_ops_confirmations_total',
    help: 'Confirmations of changes, by front end (mcp, slack) and event (issued, redeemed, expired).',
    labelNames: ['front_end', 'event'] as const,
    registers: [this.registry],
  });
  #processMetrics = false;

  /** CPU, memory, event-loop lag and the like, for a long-running process that exposes /metrics. */
  collectProcessMetrics(): void {
    if (this.#processMetrics) return;
    this.#processMetrics = true;
    collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text for /metrics. */
  text(): Promise<string> {
    return this.registry.metrics();
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
