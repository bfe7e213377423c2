/**
 * The OAuth resource server, as its own entry point (`@sumo-ops/mcp-server/auth`): importing the
 * package's main entry does not load jose, only this one does.
 */
export { type Caller, mayUse, STATIC_TOKEN_CALLER, scopeFor } from './caller.js';
export { createFairShare } from './fair-share.js';
export {
  createResourceServer,
  PRM_PATH,
  PRM_ROOT_PATH,
  type ResourceServer,
  type ResourceServerOptions,
} from './resource-server.js';
export {
  DEFAULT_SCOPES,
  type OAuthSettings,
  OAuthSettingsError,
  readOAuthSettings,
  type ScopeNames,
} from './settings.js';
export {
  type AuthFailureReason,
  TokenRefusedError,
  TokenVerifier,
  type TokenVerifierOptions,
  type VerifiedToken,
} from './verifier.js';
