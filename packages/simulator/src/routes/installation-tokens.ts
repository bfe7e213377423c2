import type { FeatureRegistration } from '../feature.js';
import type { TokenDefinition } from '../org/installation-tokens.js';

/** `/v1/tokens`: the token library's installation (collector registration) tokens. */
export const registerInstallationTokenRoutes: FeatureRegistration = (router, { org }) => {
  router.add('GET', '/v1/tokens', () => ({ status: 200, body: { data: org.installationTokens.list() } }));

  router.add('POST', '/v1/tokens', ({ body }) => ({
    status: 200,
    body: org.installationTokens.create(body as TokenDefinition),
  }));

  router.add('GET', '/v1/tokens/:id', (ctx) => ({
    status: 200,
    body: org.installationTokens.get(ctx.param('id')),
  }));

  router.add('PUT', '/v1/tokens/:id', (ctx) => ({
    status: 200,
    body: org.installationTokens.update(ctx.param('id'), ctx.body as TokenDefinition),
  }));

  router.add('DELETE', '/v1/tokens/:id', (ctx) => {
    org.installationTokens.delete(ctx.param('id'));
    return { status: 204 };
  });
};
