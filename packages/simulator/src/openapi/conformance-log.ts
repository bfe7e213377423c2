import type { ContractViolation } from './contract.js';

/** One request on a path of the OpenAPI document and what the simulator answered. */
export interface ConformanceExchange {
  method: string;
  /** Below the API base, e.g. `/v1/otCollectors/0000000005F5E100`. */
  path: string;
  /** The raw query string, without `?`. */
  query: string;
  /** The document's operation, when the request matched one. */
  operationId?: string;
  requestBody?: unknown;
  /** 0 when no answer was sent (an injected reset or lost answer). */
  status: number;
  responseBody?: unknown;
  /** Set when an injected fault shaped the answer; a truncated body is then not checked. */
  fault?: string;
  /** What the client sent that breaks the document. */
  requestViolations: ContractViolation[];
  /** What the simulator answered that breaks the document. */
  responseViolations: ContractViolation[];
}

export interface RecordedViolation extends ContractViolation {
  side: 'request' | 'response';
  method: string;
  path: string;
}

/**
 * Every exchange on the document's paths, kept while `enabled` (the `conformance` option of
 * `startSimulator`), so a client's tests can exercise the client and then assert that neither
 * side broke Sumo's OpenAPI document: `expect(sim.conformance.violations()).toEqual([])`.
 */
export class ConformanceLog {
  enabled: boolean;
  readonly exchanges: ConformanceExchange[] = [];

  constructor(enabled = false) {
    this.enabled = enabled;
  }

  record(exchange: ConformanceExchange): void {
    if (this.enabled) this.exchanges.push(exchange);
  }

  /** Every violation recorded so far, request and response side, flattened. */
  violations(): RecordedViolation[] {
    return this.exchanges.flatMap(({ method, path, requestViolations, responseViolations }) => [
      ...requestViolations.map((violation) => ({ ...violation, side: 'request' as const, method, path })),
      ...responseViolations.map((violation) => ({ ...violation, side: 'response' as const, method, path })),
    ]);
  }

  /** The operations exercised so far, by operationId, with the statuses seen. */
  coverage(): Record<string, number[]> {
    const seen: Record<string, Set<number>> = {};
    for (const { operationId, status } of this.exchanges) {
      if (operationId === undefined) continue;
      const statuses = seen[operationId] ?? new Set<number>();
      statuses.add(status);
      seen[operationId] = statuses;
    }
    return Object.fromEntries(
      Object.entries(seen).map(([operationId, statuses]) => [
        operationId,
        [...statuses].sort((a, b) => a - b),
      ]),
    );
  }

  clear(): void {
    this.exchanges.length = 0;
  }
}
