import { z } from 'zod';

/** The docs call the task id "an opaque string" but send it as a string on create and a number on status. */
export const UpgradeTaskIdSchema = z.union([z.string().min(1), z.number().int()]).transform(String);

export const UPGRADE_STATUS_NAMES = {
  0: 'not started',
  1: 'pending',
  2: 'succeeded',
  3: 'failed',
  6: 'progressing',
} as const;
export type UpgradeStatusName = (typeof UPGRADE_STATUS_NAMES)[keyof typeof UPGRADE_STATUS_NAMES] | 'unknown';

/** Succeeded and failed are final; the service fails a task itself after 30 minutes. */
export function isFinalUpgradeStatus(status: number): boolean {
  return status === 2 || status === 3;
}

export function upgradeStatusName(status: number): UpgradeStatusName {
  return UPGRADE_STATUS_NAMES[status as keyof typeof UPGRADE_STATUS_NAMES] ?? 'unknown';
}

/** `GET /collectors/upgrades/{id}` → `upgrade`. */
export const UpgradeTaskSchema = z.looseObject({
  id: UpgradeTaskIdSchema,
  collectorId: z.number().int(),
  toVersion: z.string(),
  status: z.number().int(),
  // The field table says `requestedTime`, the sample response `requestTime`: accept either.
  requestTime: z.number().optional(),
  requestedTime: z.number().optional(),
  message: z.string().nullish(),
});
export type UpgradeTask = z.infer<typeof UpgradeTaskSchema>;

/** `POST /collectors/upgrades` → the new task's id and link. */
export const CreatedUpgradeTaskSchema = z.looseObject({
  id: UpgradeTaskIdSchema,
  link: z.looseObject({ rel: z.string(), href: z.string() }).optional(),
});
export type CreatedUpgradeTask = z.infer<typeof CreatedUpgradeTaskSchema>;
