import type { FeatureRegistration } from '../feature.js';
import type { IngestBudgetDefinition } from '../org/ingest-budgets.js';
import { limitParam, pageOf, tokenParam } from './continuation.js';
import { addCrudRoutes } from './crud.js';

/** `/v2/ingestBudgets`: list (paged by `token`), create, get, update, delete, reset usage. */
export const registerIngestBudgetRoutes: FeatureRegistration = (router, { org }) => {
  router.add('GET', '/v2/ingestBudgets', ({ query }) => ({
    status: 200,
    body: pageOf(org.ingestBudgets.list(), limitParam(query), tokenParam(query), 'token'),
  }));

  addCrudRoutes<IngestBudgetDefinition>(router, '/v2/ingestBudgets', org.ingestBudgets);

  // The document's 200 for a reset has no body.
  router.add('POST', '/v2/ingestBudgets/:id/usage/reset', (ctx) => {
    org.ingestBudgets.resetUsage(ctx.param('id'));
    return { status: 200 };
  });
};
