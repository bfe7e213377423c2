import { z } from 'zod';

export const USAGE_STATUSES = ['Normal', 'Approaching', 'Exceeded', 'Unknown'] as const;
export type UsageStatus = (typeof USAGE_STATUSES)[number];

/** An ingest budget v2 (`IngestBudgetV2`): what it limits (scope), how much, and what happens at the limit. */
export const IngestBudgetSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  scope: z.string().describe('E.g. _sourceCategory=*prod*nginx*.'),
  capacityBytes: z.number(),
  action: z.string().describe('stopCollecting or keepCollecting.'),
  usageBytes: z.number().nullish(),
  usageStatus: z.string().nullish(),
  budgetType: z.string().nullish(),
  timezone: z.string().nullish(),
  resetTime: z.string().nullish(),
  description: z.string().nullish(),
  auditThreshold: z.number().nullish(),
});
export type IngestBudget = z.infer<typeof IngestBudgetSchema>;

export const IngestBudgetPageSchema = z.looseObject({
  data: z.array(IngestBudgetSchema),
  next: z.string().nullish(),
});
