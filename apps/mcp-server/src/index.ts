export {
  CONFIRMATION_TTL_MS,
  ConfirmationTokens,
  canonicalJson,
  createConfirmationTokens,
  type RedeemResult,
} from './confirmation.js';
export { type ExplainedError, explainError, ServerShuttingDownError } from './errors.js';
export {
  HEALTH_PATH,
  HttpSecurityError,
  type HttpServerOptions,
  isLoopback,
  MCP_PATH,
  type RunningHttpServer,
  startHttpServer,
} from './http.js';
export { HELP_TEXT, parseServerOptions, type ServerOptions, UsageError } from './options.js';
export {
  META_ERROR,
  META_FRESHNESS,
  META_SOURCE,
  META_TRUNCATED,
  renderError,
  renderSuccess,
  TEXT_BUDGET,
} from './render.js';
export {
  connectSumo,
  createSumoOpsMcp,
  DEMO_SOURCE_NOTE,
  type DrainResult,
  SERVER_NAME,
  SERVER_VERSION,
  type SumoConnection,
  type SumoOpsMcp,
  type SumoOpsMcpOptions,
} from './runtime.js';
export type { SdkServer } from './sdk-adapter.js';
export { SHUTDOWN_DEADLINE_MS, SHUTDOWN_GRACE_MS, type ShutdownSteps, shutDown } from './shutdown.js';
export { type StdioSession, serveStdio, startStdio } from './stdio.js';
export type * from './tool-types.js';
export { CONFIRMATION_TOKEN_FIELD } from './tool-types.js';
export {
  annotationsFor,
  buildTools,
  DEFAULT_TIME_BUDGET_MS,
  WRITE_STATUSES,
} from './tools.js';
