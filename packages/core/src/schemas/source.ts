import { z } from 'zod';

/**
 * A source as the API sends it. Every sourceType carries its own fields (pathExpression,
 * protocol, url, thirdPartyRef…), so the object is loose: only what every source has is checked.
 */
export const SourceSchema = z.looseObject({
  id: z.number().int().describe('Source id.'),
  name: z.string().describe('Source name, unique on its collector.'),
  sourceType: z.string().describe('LocalFile, HTTP, Syslog, … — decides the other fields.'),
  alive: z.boolean().optional(),
  category: z.string().nullish(),
  hostName: z.string().nullish(),
});
export type Source = z.infer<typeof SourceSchema>;

/**
 * A source as `download=true` sends it: a ready-to-use definition without id or state, fit for
 * registering a new collector or creating the source elsewhere.
 */
export const SourceDefinitionSchema = z.looseObject({
  name: z.string(),
  sourceType: z.string(),
});
export type SourceDefinition = z.infer<typeof SourceDefinitionSchema>;

/** Fields the service owns: a create or update never sets them. */
export const SERVER_OWNED_SOURCE_FIELDS = ['id', 'alive'] as const;
