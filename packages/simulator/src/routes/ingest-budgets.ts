import type { FeatureRegistration } from '../feature.js';
import type { IngestBudgetDefinition } from '../org/ingest-budgets.js';
import { limitParam, pageOf, tokenParam } from './continuation.js';

/** `/v2/ingestBudgets`: list (paged by `token`), create, get, update, delete, reset usage. */
export const registerIngestBudgetRoutes: FeatureRegistration = (router, { org }) => {
  router.add('GET', '/v2/ingestBudgets', ({ query }) => ({
    status: 200,
    body: pageOf(org.ingestBudgets.list(), limitParam(query), tokenParam(query), 'token'),
  }));

  router.add('POST', '/v2/ingestBudgets', ({ body }) => ({
    status: 200,
    body: org.ingestBudgets.create(body as IngestBudgetDefinition),
  }));

  router.add('GET', '/v2/ingestBudgets/:id', (ctx) => ({
    status: 200,
    body: org.ingestBudgets.get(ctx.param('id')),
  }));

  router.add('PUT', '/v2/ingestBudgets/:id', (ctx) => ({
    status: 200,
    body: org.ingestBudgets.update(ctx.param('id'), ctx.body as IngestBudgetDefinition),
  }));

  router.add('DELETE', '/v2/ingestBudgets/:id', (ctx) => {
    org.ingestBudgets.delete(ctx.param('id'));
    return { status: 204 };
  });

  // The document's 200 for a reset has no body.
  router.add('POST', '/v2/ingestBudgets/:id/usage/reset', (ctx) => {
    org.ingestBudgets.resetUsage(ctx.param('id'));
    return { status: 200 };
  });
};
