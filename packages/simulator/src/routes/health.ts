import type { Router } from '../router.js';

/**
 * Liveness for process supervisors and the demo scripts. It lives outside `/api` on purpose:
 * the real API has no health route, so nothing under `/api` may exist here that a client could
 * come to rely on; and it is neither authenticated, rate limited nor counted.
 */
export function registerHealthRoutes(router: Router): void {
  router.add('GET', '/healthz', () => ({ status: 200, body: { status: 'ok' } }));
}
