import type { FeatureRegistration } from '../feature.js';
import type { TokenDefinition } from '../org/installation-tokens.js';
import { addCrudRoutes } from './crud.js';

/** `/v1/tokens`: the token library's installation (collector registration) tokens. */
export const registerInstallationTokenRoutes: FeatureRegistration = (router, { org }) => {
  router.add('GET', '/v1/tokens', () => ({ status: 200, body: { data: org.installationTokens.list() } }));
  addCrudRoutes<TokenDefinition>(router, '/v1/tokens', org.installationTokens);
};
