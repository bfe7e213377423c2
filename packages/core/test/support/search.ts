/** Shared settings of the search-runner suites. */
export const HOUR = 3_600_000;

/** Polls and keep-alives fast enough for tests, while still exercising the same code paths. */
export const FAST = { poll: { initialMs: 20, maxMs: 100 }, keepAliveMs: 100 };
