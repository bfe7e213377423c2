import type { FeatureRegistration } from '../feature.js';
import type { OtCollectorQuery } from '../org/ot-collectors.js';
import { DEFAULT_PAGE_LIMIT, pageOf } from './continuation.js';

/** `PaginatedOTCollectorsRequest`, as the request validator has already checked it. */
interface PaginatedOtCollectorsRequest extends OtCollectorQuery {
  next?: string;
  limit?: number;
  includeCount?: boolean | null;
}

/**
 * `/v1/otCollectors`: list (POST, filters in the body, paged by `next`), get, by name, count,
 * delete one, delete every offline one. Bodies and parameters reach these handlers only after
 * they validate against the OpenAPI document (see server.ts).
 */
export const registerOtCollectorRoutes: FeatureRegistration = (router, { org }) => {
  router.add('POST', '/v1/otCollectors', ({ body }) => {
    const request = (body ?? {}) as PaginatedOtCollectorsRequest;
    const matching = org.otCollectors.list(request);
    const page = pageOf(matching, request.limit ?? DEFAULT_PAGE_LIMIT, request.next, 'next');
    // `count` ("count of filtered otCollectors") is sent when asked for with includeCount.
    return { status: 200, body: request.includeCount === true ? { ...page, count: matching.length } : page };
  });

  router.add('GET', '/v1/otCollectors/totalCount', () => ({
    status: 200,
    body: { totalCount: org.otCollectors.count() },
  }));

  router.add('GET', '/v1/otCollectors/otCollectorsByName', ({ query }) => ({
    status: 200,
    body: { data: org.otCollectors.byNames(query.getAll('names')) },
  }));

  router.add('DELETE', '/v1/otCollectors/offline', () => {
    org.otCollectors.deleteOffline();
    return { status: 204 };
  });

  router.add('GET', '/v1/otCollectors/:id', (ctx) => ({
    status: 200,
    body: org.otCollectors.get(ctx.param('id')),
  }));

  router.add('DELETE', '/v1/otCollectors/:id', (ctx) => {
    org.otCollectors.delete(ctx.param('id'));
    return { status: 204 };
  });
};
