import { z } from 'zod';

/**
 * A collector as the Collector Management API sends it, installed and hosted alike. Strict about
 * the fields the product relies on (identity, type, liveness, version); everything else is
 * optional and unknown fields pass through, because the API adds fields over time.
 */
export const CollectorSchema = z.looseObject({
  id: z.number().int().describe('Collector id.'),
  name: z.string().describe('Collector name, unique in the org.'),
  collectorType: z.string().describe('`Installable` (runs on a host) or `Hosted` (runs in Sumo Logic).'),
  alive: z.boolean().describe('False when no heartbeat arrived for 30 minutes.'),
  // Hosted collectors send an empty string; the create response of the docs leaves it out.
  collectorVersion: z.string().default('').describe('Installed software version; empty for hosted.'),
  ephemeral: z.boolean().optional().describe('Deleted after 12 hours offline when true.'),
  lastSeenAlive: z.number().nullish().describe('Last heartbeat, epoch ms.'),
  description: z.string().nullish(),
  category: z.string().nullish(),
  hostName: z.string().nullish(),
  timeZone: z.string().nullish(),
  fields: z.record(z.string(), z.unknown()).nullish(),
  cutoffTimestamp: z.number().nullish(),
  cutoffRelativeTime: z.string().nullish(),
  targetCpu: z.number().nullish(),
  sourceSyncMode: z.string().nullish().describe('Installed only: `UI` (API-managed) or `Json` (local file).'),
  osName: z.string().nullish(),
  osVersion: z.string().nullish(),
  osArch: z.string().nullish(),
  osTime: z.number().nullish(),
  links: z.array(z.looseObject({ rel: z.string(), href: z.string() })).optional(),
});
export type Collector = z.infer<typeof CollectorSchema>;

export const COLLECTOR_FILTERS = ['all', 'installed', 'hosted', 'dead', 'alive'] as const;
export type CollectorFilter = (typeof COLLECTOR_FILTERS)[number];

export const HOSTED = 'Hosted';
export const INSTALLED = 'Installable';

export function isHosted(collector: Pick<Collector, 'collectorType'>): boolean {
  return collector.collectorType === HOSTED;
}

/** The fields a PUT may change (the docs' "Modifiable" column, less `sourceSyncMode`; see update). */
export const MODIFIABLE_COLLECTOR_FIELDS = [
  'name',
  'description',
  'category',
  'hostName',
  'timeZone',
  'ephemeral',
  'fields',
  'cutoffTimestamp',
  'targetCpu',
] as const;
export type ModifiableCollectorField = (typeof MODIFIABLE_COLLECTOR_FIELDS)[number];
