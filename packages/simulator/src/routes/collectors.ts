import type { FeatureRegistration } from '../feature.js';
import type { CollectorFilter } from '../org/model.js';
import { orgErrors } from '../org/org-errors.js';
import type { RouteContext } from '../router.js';
import { genericErrors } from '../sim-error.js';
import { collectorIdParam, headerValue, integerParam, pageParams } from './request-params.js';

const LIST_DEFAULT_LIMIT = 1000;
const OFFLINE_DEFAULT_DAYS = 100;
const FILTERS: readonly CollectorFilter[] = ['installed', 'hosted', 'dead', 'alive'];
/** "Names with special characters are not supported, such as ; / % \ even if they are URL encoded." */
const UNSUPPORTED_NAME_CHARACTERS = /[;/%\\]/;

export const registerCollectorRoutes: FeatureRegistration = (router, { org }) => {
  router.add('GET', '/v1/collectors', ({ query }) => {
    const filter = query.get('filter') ?? 'all';
    if (filter !== 'all' && !FILTERS.includes(filter as CollectorFilter)) {
      throw orgErrors.invalidParameter('filter', `expected one of ${FILTERS.join(', ')}`);
    }
    const { offset, limit } = pageParams(query, LIST_DEFAULT_LIMIT);
    return {
      status: 200,
      body: { collectors: org.listCollectors(filter as CollectorFilter, offset, limit) },
    };
  });

  router.add('POST', '/v1/collectors', ({ body }) => {
    const { collector, etag } = org.createHostedCollector(body);
    return { status: 201, body: { collector }, headers: { etag } };
  });

  router.add('GET', '/v1/collectors/offline', ({ query }) => {
    const aliveBeforeDays = integerParam(query, 'aliveBeforeDays', OFFLINE_DEFAULT_DAYS, 1);
    const { offset, limit } = pageParams(query, LIST_DEFAULT_LIMIT);
    return { status: 200, body: { collectors: org.listOfflineCollectors(aliveBeforeDays, offset, limit) } };
  });

  // The doc: "no response body, only a 200 OK response with the message" — sent as plain text.
  router.add('DELETE', '/v1/collectors/offline', ({ query }) => {
    org.scheduleOfflineDeletion(integerParam(query, 'aliveBeforeDays', OFFLINE_DEFAULT_DAYS, 1));
    return { status: 200, body: 'The delete task has been initiated.' };
  });

  router.add('GET', '/v1/collectors/name/:name', (ctx) => {
    const { collector, etag } = org.getCollectorByName(collectorNameFromPath(ctx));
    return { status: 200, body: { collector }, headers: { etag } };
  });

  router.add('GET', '/v1/collectors/:id', (ctx) => {
    const { collector, etag } = org.getCollector(collectorIdParam(ctx, 'id'));
    return { status: 200, body: { collector }, headers: { etag } };
  });

  router.add('PUT', '/v1/collectors/:id', (ctx) => {
    const { collector, etag } = org.updateCollector(
      collectorIdParam(ctx, 'id'),
      headerValue(ctx, 'if-match'),
      ctx.body,
    );
    return { status: 200, body: { collector }, headers: { etag } };
  });

  router.add('DELETE', '/v1/collectors/:id', (ctx) => {
    org.deleteCollector(collectorIdParam(ctx, 'id'));
    return { status: 200 };
  });
};

/**
 * The service treats whatever follows the last `.` of the final path segment as a file
 * extension and drops it, so `name/Staging.Area` looks up `Staging`; the documented work-around
 * is a trailing slash (`name/Staging.Area/`). The simulator reproduces both halves.
 */
function collectorNameFromPath(ctx: RouteContext): string {
  const name = ctx.param('name');
  if (UNSUPPORTED_NAME_CHARACTERS.test(name)) throw genericErrors.notFound();
  const hasTrailingSlash = ctx.path.endsWith('/');
  const lastDot = name.lastIndexOf('.');
  return hasTrailingSlash || lastDot <= 0 ? name : name.slice(0, lastDot);
}
