const DEFAULT_HINT = 'Check that Redis is running and that SUMO_OPS_REDIS_URL points at it, then try again.';

/**
 * Shared state (Redis) cannot be reached right now. Thrown by anything whose safety needs shared
 * state — redeeming a confirmation, a Confirm click — so it is refused instead of risking running
 * twice; the message says what to check. Reads keep working on a local share of the budget.
 */
export class SharedStateUnavailableError extends Error {
  override readonly name = 'SharedStateUnavailableError';
  readonly code = 'state.unavailable';
  /**
   * False when the command was refused before it was sent (Redis known to be down, the client
   * closed): it certainly did nothing. True when it was sent and no answer came (a timeout, a
   * connection lost on the way): Redis may have applied it, and a writer must act as if it had.
   */
  readonly mayHaveApplied: boolean;
  /** What to check or wait for, e.g. a Sentinel failover; part of the message. */
  readonly hint: string;
  constructor(
    where: string,
    cause?: unknown,
    {
      mayHaveApplied = true,
      hint = DEFAULT_HINT,
    }: { mayHaveApplied?: boolean; hint?: string | undefined } = {},
  ) {
    super(
      `Shared state (${where}) is unreachable, so this was refused rather than risk doing it twice. Nothing was changed. ${hint} Reads keep working meanwhile.`,
      cause === undefined ? undefined : { cause },
    );
    this.mayHaveApplied = mayHaveApplied;
    this.hint = hint;
  }
}

export function isSharedStateUnavailable(error: unknown): error is SharedStateUnavailableError {
  return error instanceof SharedStateUnavailableError;
}
