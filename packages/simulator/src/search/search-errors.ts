import { SimError } from '../sim-error.js';

/**
 * The search-job error codes. The doc's tables list them without a namespace; its one wire
 * example (`searchjob.invalid.timestamp.from`) shows the `searchjob.` prefix the service sends.
 */
export const SEARCH_ERROR_CODES = {
  generic: 'searchjob.generic',
  invalidTimestampTo: 'searchjob.invalid.timestamp.to',
  invalidTimestampFrom: 'searchjob.invalid.timestamp.from',
  toSmallerThanFrom: 'searchjob.to.smaller.than.from',
  unknownTimezone: 'searchjob.unknown.timezone',
  emptyTimezone: 'searchjob.empty.timezone',
  noQuery: 'searchjob.no.query',
  unknownTimeType: 'searchjob.unknown.time.type',
  parseError: 'searchjob.parse.error',
  jobIdInvalid: 'searchjob.jobid.invalid',
  offsetMissing: 'searchjob.offset.missing',
  offsetNegative: 'searchjob.offset.negative',
  limitMissing: 'searchjob.limit.missing',
  limitZero: 'searchjob.limit.zero',
  limitNegative: 'searchjob.limit.negative',
  notAnAggregation: 'searchjob.no.records.not.an.aggregation.query',
} as const;

const codes = SEARCH_ERROR_CODES;

export const searchErrors = {
  generic: (message: string) => new SimError(400, codes.generic, message),
  invalidTimestampTo: () =>
    new SimError(400, codes.invalidTimestampTo, "The 'to' field contains an invalid time."),
  invalidTimestampFrom: () =>
    new SimError(400, codes.invalidTimestampFrom, "The 'from' field contains an invalid time."),
  toSmallerThanFrom: () =>
    new SimError(400, codes.toSmallerThanFrom, "The 'from' time cannot be larger than the 'to' time."),
  unknownTimezone: (zone: string) =>
    new SimError(400, codes.unknownTimezone, `The 'timezone' value '${zone}' is not a known time zone.`),
  emptyTimezone: () => new SimError(400, codes.emptyTimezone, "The 'timezone' cannot be blank."),
  noQuery: () => new SimError(400, codes.noQuery, "No 'query' parameter was provided."),
  unknownTimeType: () =>
    new SimError(
      400,
      codes.unknownTimeType,
      "Time type is not correct: 'byReceiptTime' must be true or false.",
    ),
  parseError: (message: string) => new SimError(400, codes.parseError, `Unable to parse query: ${message}`),
  /** 404 when the job (or its routing cookie) is unknown; the paging table lists a 400 for malformed ids. */
  jobIdInvalid: (status: 400 | 404 = 404) => new SimError(status, codes.jobIdInvalid, 'Job ID is invalid.'),
  offsetMissing: () => new SimError(400, codes.offsetMissing, 'Offset is missing.'),
  offsetNegative: () => new SimError(400, codes.offsetNegative, 'Offset cannot be negative.'),
  limitMissing: () => new SimError(400, codes.limitMissing, 'Limit is missing.'),
  limitZero: () => new SimError(400, codes.limitZero, 'Limit cannot be 0.'),
  limitNegative: () => new SimError(400, codes.limitNegative, 'Limit cannot be negative.'),
  notAnAggregation: () =>
    new SimError(400, codes.notAnAggregation, 'No records; query is not an aggregation'),
  tooManyJobs: (limit: number) =>
    new SimError(
      429,
      'rate.limit.exceeded',
      `You have exceeded the limit of ${limit} active concurrent search jobs. Delete finished search jobs and try again.`,
    ),
} as const;
