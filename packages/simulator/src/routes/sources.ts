import type { FeatureRegistration } from '../feature.js';
import { orgErrors } from '../org/org-errors.js';
import { toDownloadForm } from '../org/source-types.js';
import type { RouteContext } from '../router.js';
import { collectorIdParam, headerValue, idParam } from './request-params.js';

/** `?download=true` gives the ready-to-use JSON configuration form, versioned `api.version: v1`. */
export const registerSourceRoutes: FeatureRegistration = (router, { org }) => {
  router.add('GET', '/v1/collectors/:collectorId/sources', (ctx) => {
    const sources = org.listSources(collectorIdParam(ctx, 'collectorId'));
    if (isDownload(ctx))
      return { status: 200, body: { 'api.version': 'v1', sources: sources.map(toDownloadForm) } };
    return { status: 200, body: { sources } };
  });

  router.add('POST', '/v1/collectors/:collectorId/sources', (ctx) => {
    const { source, etag } = org.createSource(collectorIdParam(ctx, 'collectorId'), ctx.body);
    return { status: 201, body: { source }, headers: { etag } };
  });

  router.add('GET', '/v1/collectors/:collectorId/sources/:sourceId', (ctx) => {
    const { source, etag } = org.getSource(collectorIdParam(ctx, 'collectorId'), sourceId(ctx));
    if (isDownload(ctx))
      return { status: 200, body: { 'api.version': 'v1', source: toDownloadForm(source) } };
    return { status: 200, body: { source }, headers: { etag } };
  });

  router.add('PUT', '/v1/collectors/:collectorId/sources/:sourceId', (ctx) => {
    const { source, etag } = org.updateSource(
      collectorIdParam(ctx, 'collectorId'),
      sourceId(ctx),
      headerValue(ctx, 'if-match'),
      ctx.body,
    );
    return { status: 200, body: { source }, headers: { etag } };
  });

  router.add('DELETE', '/v1/collectors/:collectorId/sources/:sourceId', (ctx) => {
    org.deleteSource(collectorIdParam(ctx, 'collectorId'), sourceId(ctx));
    return { status: 200 };
  });
};

function sourceId(ctx: RouteContext): number {
  return idParam(ctx.param('sourceId'), orgErrors.sourceNotFound);
}

function isDownload(ctx: RouteContext): boolean {
  return ctx.query.get('download') === 'true';
}
