/** A query the engine cannot run; `position` is the 0-based character offset of the problem. */
export class SearchQueryError extends Error {
  override readonly name = 'SearchQueryError';

  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}
