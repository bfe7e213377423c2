export interface SearchRequestProblem {
  /** The input field at fault (`from`, `to`, `timeZone`, `query`, …). */
  field: string;
  message: string;
}

/** A search request we refused before calling the API; each problem names the field and the fix. */
export class SearchRequestError extends Error {
  override readonly name = 'SearchRequestError';
  constructor(readonly problems: SearchRequestProblem[]) {
    super(`Invalid search: ${problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ')}`);
  }
}

export type SearchJobErrorCode =
  /** 404 on a job we created: it expired, was cancelled, or its cookie was not accepted. */
  | 'search.job.lost'
  /** The status said CANCELLED. */
  | 'search.job.cancelled'
  /** The organisation's 200 active search jobs are all in use. */
  | 'search.jobs.limit'
  /** The 8-hour ceiling Sumo puts on every query. */
  | 'search.job.too.long'
  /** A job id this process did not create or no longer tracks. */
  | 'search.job.unknown'
  /** A job this process does not hold, while the shared state that knows it cannot be reached. */
  | 'search.job.unreachable'
  /** The query has no aggregation, so it has no records. */
  | 'search.no.records';

/** A search job went somewhere the caller must hear about; the message says what to do next. */
export class SearchJobError extends Error {
  override readonly name = 'SearchJobError';
  constructor(
    readonly code: SearchJobErrorCode,
    message: string,
    readonly jobId: string | undefined,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}
