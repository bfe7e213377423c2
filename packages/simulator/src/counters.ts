/** What the simulator saw, for tests and benchmarks to assert on. */
export class SimulatorCounters {
  /** Every request under `/api`, answered or not. */
  total = 0;
  /**
   * Route name (`GET /v1/collectors/:id`) → HTTP status → count. Unknown paths count under
   * `METHOD (unmatched)`; an injected connection reset counts as status 0.
   */
  byRoute: Record<string, Record<number, number>> = {};
  /** Per access id, the most requests ever in flight at once. */
  maxInFlight: Record<string, number> = {};
  /** 429s sent by the rate limiter (injected 429s count as faults instead). */
  rateLimited = 0;
  /** Injected 429/500/503 responses and connection resets. */
  faultsInjected = 0;

  recordResponse(routeName: string, status: number): void {
    this.total += 1;
    const statuses = this.byRoute[routeName] ?? {};
    statuses[status] = (statuses[status] ?? 0) + 1;
    this.byRoute[routeName] = statuses;
  }

  recordInFlight(accessId: string, inFlight: number): void {
    this.maxInFlight[accessId] = Math.max(this.maxInFlight[accessId] ?? 0, inFlight);
  }

  reset(): void {
    this.total = 0;
    this.byRoute = {};
    this.maxInFlight = {};
    this.rateLimited = 0;
    this.faultsInjected = 0;
  }
}
