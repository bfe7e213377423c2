import { z } from 'zod';

/**
 * An OpenTelemetry collector as `/v1/otCollectors` sends it (Sumo's OpenAPI `OTCollector`). Strict
 * about what the product relies on (id, name, liveness, version); the rest is optional and
 * unknown fields pass through, because the API adds fields over time. Unlike installed collectors
 * it has `alive` but no last-heartbeat time.
 */
export const OtCollectorSchema = z.looseObject({
  id: z.string().min(1).describe('16 hex digits, e.g. 0000000005F5E105.'),
  name: z.string(),
  version: z.looseObject({ currentVersion: z.string() }),
  alive: z.boolean().optional(),
  isRemotelyManaged: z.boolean().optional(),
  ephemeral: z.boolean().optional(),
  category: z.string().nullish(),
  description: z.string().nullish(),
  tags: z.record(z.string(), z.unknown()).nullish(),
  healthIncidentsTracker: z
    .looseObject({ errorsCount: z.number().int().optional(), warningsCount: z.number().int().optional() })
    .nullish(),
  systemInfo: z
    .looseObject({
      hostName: z.string().nullish(),
      hostOsName: z.string().nullish(),
      hostOsVersion: z.string().nullish(),
      hostIpAddress: z.string().nullish(),
      hostEnv: z.string().nullish(),
    })
    .nullish(),
  timeZone: z.string().nullish(),
  createdAt: z.string().nullish(),
  modifiedAt: z.string().nullish(),
});
export type OtCollector = z.infer<typeof OtCollectorSchema>;

/** `PaginatedOTCollectorsResponse`: a page and the token of the next (absent on the last). */
export const OtCollectorPageSchema = z.looseObject({
  data: z.array(OtCollectorSchema),
  next: z.string().nullish(),
  count: z.number().int().nullish(),
});

/** `OTCollectorListResponse`: the answer of a lookup by names. */
export const OtCollectorListSchema = z.looseObject({ data: z.array(OtCollectorSchema) });

/** The version filter's format (`VersionRange` in the OpenAPI document): `v0.104.0`, `v0.104.0-sumo-1`. */
export const OT_VERSION_PATTERN = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-sumo.+)?$/;
