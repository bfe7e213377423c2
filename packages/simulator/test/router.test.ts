import { describe, expect, it } from 'vitest';
import { isRouteMatch, Router } from '../src/router.js';

const ok = () => ({ status: 200 });

describe('Router', () => {
  it('prefers literal segments to parameters whatever the registration order', () => {
    const router = new Router();
    router.add('GET', '/v1/collectors/:id', ok);
    router.add('GET', '/v1/collectors/offline', ok);
    router.add('GET', '/v1/collectors/upgrades/:taskId', ok);
    router.add('GET', '/v1/collectors/upgrades/targets', ok);
    router.add('GET', '/v1/collectors/:collectorId/sources', ok);
    expect(router.match('GET', '/v1/collectors/offline').routeName).toBe('GET /v1/collectors/offline');
    expect(router.match('GET', '/v1/collectors/42').routeName).toBe('GET /v1/collectors/:id');
    expect(router.match('GET', '/v1/collectors/upgrades/targets').routeName).toBe(
      'GET /v1/collectors/upgrades/targets',
    );
    expect(router.match('GET', '/v1/collectors/upgrades/7').routeName).toBe(
      'GET /v1/collectors/upgrades/:taskId',
    );
    expect(router.match('GET', '/v1/collectors/42/sources').routeName).toBe(
      'GET /v1/collectors/:collectorId/sources',
    );
  });

  it('decodes parameters and ignores one trailing slash', () => {
    const router = new Router();
    router.add('GET', '/v1/collectors/name/:name', ok);
    const match = router.match('GET', '/v1/collectors/name/Staging%20Area/');
    expect(isRouteMatch(match) && match.params).toEqual({ name: 'Staging Area' });
  });

  it('tells an unknown path (404) from a known path with another method (405)', () => {
    const router = new Router();
    router.add('GET', '/v1/collectors', ok);
    const wrongMethod = router.match('DELETE', '/v1/collectors');
    const unknown = router.match('GET', '/v1/nothing');
    expect(!isRouteMatch(wrongMethod) && wrongMethod.error.status).toBe(405);
    expect(wrongMethod.routeName).toBe('DELETE /v1/collectors');
    expect(!isRouteMatch(unknown) && unknown.error.status).toBe(404);
    expect(unknown.routeName).toBe('GET (unmatched)');
  });

  it('refuses to register the same route twice', () => {
    const router = new Router();
    router.add('GET', '/v1/collectors', ok);
    expect(() => router.add('get', '/v1/collectors', ok)).toThrow(/already registered/);
  });
});
