export { SimClock } from './clock.js';
export { SimulatorCounters } from './counters.js';
export { type DemoSumo, startDemoSumo } from './demo.js';
export type { FaultOptions } from './faults.js';
export type { FeatureEnvironment, FeatureRegistration } from './feature.js';
export { type LocalHttpProxy, type ProxiedRequest, startHttpProxy } from './http-proxy.js';
export type { ConformanceExchange, RecordedViolation } from './openapi/conformance-log.js';
export { ConformanceLog } from './openapi/conformance-log.js';
export type {
  ContractRequest,
  ContractResponse,
  ContractViolation,
  OpenApiOperation,
} from './openapi/contract.js';
export { BUNDLED_OPENAPI_DOCUMENT, OpenApiContract } from './openapi/contract.js';
export { type BadBuild, breaksCollector } from './org/bad-builds.js';
export type { DataOrigin, Span } from './org/data-origins.js';
export type {
  HealthSeverity,
  OtCollectorInit,
  SimHealthEvent,
  SimIngestBudget,
  SimInstallationToken,
  SimOtCollector,
  SimResourceIdentity,
  UsageStatus,
} from './org/fleet-model.js';
export {
  HEALTH_INCIDENTS,
  type HealthIncident,
  type HealthResource,
  SimHealthEvents,
} from './org/health-events.js';
export { hexId, parseHexId } from './org/hex-id.js';
export { type IngestBudgetDefinition, SimIngestBudgets } from './org/ingest-budgets.js';
export { SimInstallationTokens } from './org/installation-tokens.js';
export type {
  CollectorFilter,
  OrgCounts,
  OrgOptions,
  SimCollector,
  SimLink,
  SimSource,
  SimUpgradeTask,
  UpgradeOutcome,
  UpgradeStatus,
} from './org/model.js';
export { type OtCollectorFilters, type OtCollectorQuery, SimOtCollectors } from './org/ot-collectors.js';
export { LATEST_OT_VERSION, SEEDED_BUDGETS, SEEDED_OT_COLLECTORS } from './org/seed-fleet.js';
export { SimOrg } from './org/sim-org.js';
export { COLLECTOR_VERSIONS } from './org/versions.js';
export { createRandom, type Random } from './prng.js';
export type { RateLimitOptions } from './rate-limiter.js';
export { REAL_RATE_LIMIT } from './rate-limiter.js';
export type { LocalRedis, LocalSentinels, RedisServerOptions } from './redis-server.js';
export { freePort, startRedisSentinels, startRedisServer } from './redis-server.js';
export type { RouteContext, RouteHandler, RouteMatch, RouteMiss, RouteResult } from './router.js';
export { Router } from './router.js';
export type { FieldDescriptor, MessageMap } from './search/corpus.js';
export { LogCorpus } from './search/corpus.js';
export type { RecordMap, SearchRange } from './search/execution.js';
export { FleetLogs } from './search/fleet-logs.js';
export type { CompiledQuery } from './search/query.js';
export { compileQuery } from './search/query.js';
export { SearchQueryError } from './search/query-error.js';
export { SEARCH_ERROR_CODES } from './search/search-errors.js';
export type { SearchJobState, SearchJobStatus, SearchOptions } from './search/search-service.js';
export { SearchService } from './search/search-service.js';
export type { Credentials, ReceivedRequest, Simulator, SimulatorOptions } from './server.js';
export { DEFAULT_CREDENTIALS, startSimulator } from './server.js';
export type { SumoErrorBody, SumoErrorResponse } from './sim-error.js';
export { genericErrors, SimError } from './sim-error.js';
