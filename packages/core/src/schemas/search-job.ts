import { z } from 'zod';

/** The documented job states; note the API's spelling of CANCELLED. */
export const SEARCH_JOB_STATES = [
  'NOT STARTED',
  'GATHERING RESULTS',
  'GATHERING RESULTS FROM SUBQUERIES',
  'FORCE PAUSED',
  'DONE GATHERING RESULTS',
  'DONE GATHERING HISTOGRAM',
  'CANCELLED',
] as const;
export const SearchJobStateSchema = z.enum(SEARCH_JOB_STATES);
export type SearchJobState = z.infer<typeof SearchJobStateSchema>;

export const AUTO_PARSING_MODES = ['AutoParse', 'Manual'] as const;

/** The body of `POST /v1/search/jobs`, after our time parsing: times are epoch-millisecond strings. */
export const CreateSearchJobBodySchema = z.object({
  query: z.string(),
  from: z.string(),
  to: z.string(),
  timeZone: z.string(),
  byReceiptTime: z.boolean().optional(),
  autoParsingMode: z.enum(AUTO_PARSING_MODES).optional(),
});
export type CreateSearchJobBody = z.infer<typeof CreateSearchJobBodySchema>;

export const CreatedSearchJobSchema = z.looseObject({
  id: z.string().min(1),
});
export type CreatedSearchJob = z.infer<typeof CreatedSearchJobSchema>;

export const HistogramBucketSchema = z.looseObject({
  startTimestamp: z.number(),
  length: z.number(),
  count: z.number(),
});
export type HistogramBucket = z.infer<typeof HistogramBucketSchema>;

/**
 * `GET /v1/search/jobs/{id}`. Buckets, errors and warnings are only what is new since the
 * previous status call: the runner accumulates them.
 */
export const SearchJobStatusSchema = z.looseObject({
  state: SearchJobStateSchema,
  messageCount: z.number().int().nonnegative(),
  recordCount: z.number().int().nonnegative().default(0),
  histogramBuckets: z.array(HistogramBucketSchema).default([]),
  pendingErrors: z.array(z.string()).default([]),
  pendingWarnings: z.array(z.string()).default([]),
});
export type SearchJobStatus = z.infer<typeof SearchJobStatusSchema>;

export const SearchFieldSchema = z.looseObject({
  name: z.string(),
  fieldType: z.string(),
  keyField: z.boolean(),
});
export type SearchField = z.infer<typeof SearchFieldSchema>;

/** Every value arrives as a string, numbers included; field names are lower case except metadata. */
export const SearchRowSchema = z.record(z.string(), z.string());
export type SearchRow = z.infer<typeof SearchRowSchema>;
