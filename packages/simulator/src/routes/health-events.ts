import type { FeatureRegistration } from '../feature.js';
import { limitParam, pageOf, tokenParam } from './continuation.js';

/** `/v1/healthEvents`: every unresolved event, or those of given resources; paged by `token`. */
export const registerHealthEventRoutes: FeatureRegistration = (router, { org }) => {
  router.add('GET', '/v1/healthEvents', ({ query }) => ({
    status: 200,
    body: pageOf(org.healthEvents.unresolved(), limitParam(query), tokenParam(query), 'token'),
  }));

  router.add('POST', '/v1/healthEvents/resources', ({ query, body }) => {
    const { data } = body as { data: Array<{ id: string; type: string }> };
    return {
      status: 200,
      body: pageOf(org.healthEvents.forResources(data), limitParam(query), tokenParam(query), 'token'),
    };
  });
};
