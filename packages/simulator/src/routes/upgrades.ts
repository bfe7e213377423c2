import type { FeatureRegistration } from '../feature.js';
import { upgradeErrors } from '../org/org-errors.js';
import { idParam, pageParams } from './request-params.js';

const UPGRADABLE_DEFAULT_LIMIT = 50;

export const registerUpgradeRoutes: FeatureRegistration = (router, { org }) => {
  router.add('GET', '/v1/collectors/upgrades/collectors', ({ query }) => {
    const { offset, limit } = pageParams(query, UPGRADABLE_DEFAULT_LIMIT);
    const toVersion = query.get('toVersion') ?? undefined;
    return { status: 200, body: { collectors: org.upgradableCollectors(toVersion, offset, limit) } };
  });

  router.add('GET', '/v1/collectors/upgrades/targets', () => ({
    status: 200,
    body: { targets: org.upgradeTargets() },
  }));

  // The create response carries the id as a string; the status response as a number. Both as documented.
  router.add('POST', '/v1/collectors/upgrades', ({ body }) => {
    const input = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const task = org.startUpgrade(input.collectorId, input.toVersion ?? undefined);
    const href = `/v1/collectors/upgrades/${task.id}`;
    return { status: 202, body: { id: String(task.id), link: { rel: 'self', href } } };
  });

  router.add('GET', '/v1/collectors/upgrades/:upgradeTaskId', (ctx) => {
    const task = org.upgradeTask(idParam(ctx.param('upgradeTaskId'), upgradeErrors.taskNotFound));
    if (!task) throw upgradeErrors.taskNotFound();
    return { status: 200, body: { upgrade: task } };
  });
};
