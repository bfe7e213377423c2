import { z } from 'zod';

/** A collector build offered by `GET /collectors/upgrades/targets`. */
export const UpgradeTargetSchema = z.looseObject({
  version: z.string(),
  latest: z.boolean().default(false),
});
export type UpgradeTarget = z.infer<typeof UpgradeTargetSchema>;
