import { z } from 'zod';

export const HEALTH_SEVERITIES = ['Error', 'Warning'] as const;
export const HEALTH_RESOURCE_TYPES = ['Collector', 'Source', 'IngestBudget', 'Organisation'] as const;

/**
 * Who an event is about (`ResourceIdentity` and its Source/IngestBudget variants). A source's
 * identity names its collector, which is how a source event leads to the collector to fix.
 */
export const ResourceIdentitySchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  name: z.string().nullish(),
  collectorId: z.string().nullish(),
  collectorName: z.string().nullish(),
  scope: z.string().nullish(),
});
export type ResourceIdentity = z.infer<typeof ResourceIdentitySchema>;

/** An unresolved health event (`HealthEvent`); `details.error` is Sumo's reason in words. */
export const HealthEventSchema = z.looseObject({
  eventId: z.string(),
  eventName: z.string(),
  eventTime: z.string(),
  subsystem: z.string(),
  severityLevel: z.string().describe('Error or Warning.'),
  resourceIdentity: ResourceIdentitySchema,
  details: z.looseObject({
    trackerId: z.string().nullish(),
    error: z.string().nullish(),
    description: z.string().nullish(),
  }),
});
export type HealthEvent = z.infer<typeof HealthEventSchema>;

/** `ListHealthEventResponse`: a page and the continuation token (absent or null on the last). */
export const HealthEventPageSchema = z.looseObject({
  data: z.array(HealthEventSchema),
  next: z.string().nullish(),
});
