import {
  isOutcomeUnknown,
  OperationError,
  OperationInputError,
  OUTCOME_UNKNOWN,
  redactText,
  SearchJobError,
  SearchRequestError,
  SharedStateUnavailableError,
  SUMO_RATE_LIMITS,
  SumoApiError,
  SumoConfigError,
  unknownOutcomeCause,
} from '@sumo-ops/core';

/** A failure explained for the model: what went wrong, and what to do about it. */
export interface ExplainedError {
  /** Stable code for clients and tests (a Sumo code such as `rate.limit.exceeded`, or one of ours). */
  code: string;
  text: string;
  /** Ids the caller can continue with (e.g. a search job), when the failure left one. */
  details?: Record<string, unknown> | undefined;
}

/** The reason tool calls are aborted with when the server stops, so their answer says so. */
export class ServerShuttingDownError extends Error {
  override readonly name = 'ServerShuttingDownError';
  constructor() {
    super('the server is shutting down');
  }
}

const RETRY_LATER = 'This is usually temporary: wait a minute and call the tool again.';

/**
 * Translates anything a tool call can throw into text a model can act on. Every message passes
 * through the redactor, so no error path can carry a credential into a reply.
 */
export function explainError(error: unknown, tool: string, signal?: AbortSignal): ExplainedError {
  const explained = explain(error, tool, signal);
  return {
    code: explained.code,
    text: redactText(explained.text),
    ...(explained.details ? { details: explained.details } : {}),
  };
}

function explain(error: unknown, tool: string, signal: AbortSignal | undefined): ExplainedError {
  if (signal?.reason instanceof ServerShuttingDownError) {
    return {
      code: 'server.shutting.down',
      text: `${tool} was stopped because this sumo-ops server is shutting down. Work already sent to Sumo Logic was cleaned up where possible (a search job it started is deleted); call the tool again in a moment.`,
    };
  }
  if (signal?.aborted || (error instanceof Error && error.name === 'AbortError')) {
    return {
      code: 'cancelled',
      text: `${tool} was cancelled by the client. Work already sent to Sumo Logic was cleaned up where possible; call the tool again to start over.`,
    };
  }
  if (error instanceof OperationInputError) {
    const fields = error.problems.map((problem) =>
      problem.field ? `- ${problem.field}: ${problem.message}` : `- ${problem.message}`,
    );
    return {
      code: 'invalid.input',
      text: `Invalid arguments for ${tool}; nothing was sent to Sumo Logic.\n${fields.join('\n')}\nFix the named argument(s) and call ${tool} again.`,
    };
  }
  if (error instanceof SearchRequestError) {
    return explain(new OperationInputError(tool, error.problems), tool, signal);
  }
  if (error instanceof SearchJobError) {
    return explainCode(error.code, error.message, error.jobId ? { jobId: error.jobId } : {});
  }
  if (error instanceof SumoApiError) return explainApi(error);
  // Its message already says nothing was changed and what to check.
  if (error instanceof SharedStateUnavailableError) return { code: error.code, text: error.message };
  if (error instanceof OperationError) return explainCode(error.code, error.message, error.details);
  if (error instanceof SumoConfigError) {
    return {
      code: 'config.invalid',
      text: `${error.message}\nThe person running this server must fix these settings and restart it; retrying will not help.`,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: 'internal.error',
    text: `${tool} failed unexpectedly: ${message}\nThis looks like a bug in sumo-ops rather than a problem with the arguments; retrying is unlikely to help.`,
  };
}

/** Operations' messages already say what to do next; the details carry ids to continue with. */
function explainCode(code: string, message: string, details: Record<string, unknown>): ExplainedError {
  const hasDetails = Object.values(details).some((value) => value !== undefined);
  return {
    code,
    text: hasDetails ? `${message}\nDetails: ${JSON.stringify(details)}` : message,
    ...(hasDetails ? { details } : {}),
  };
}

function explainApi(error: SumoApiError): ExplainedError {
  const base = error.requestId ? `${error.message} (request id ${error.requestId})` : error.message;
  const withHint = (hint: string) => ({ code: error.code, text: `${base}\n${hint}` });
  if (isOutcomeUnknown(error)) {
    return {
      code: OUTCOME_UNKNOWN,
      text: `${base}\nThe request reached Sumo Logic, but ${unknownOutcomeCause(error)}, so whether it took effect is UNKNOWN. Do not simply call the tool again, or it may happen twice: first check with a read tool (get_… or list_…) whether the change is there.`,
      details: { outcome: 'unknown', apiCode: error.code },
    };
  }
  if (error.code === 'client.wrong.deployment') {
    return withHint(
      'This is a server setting, not an argument: the person running this server must change SUMO_DEPLOYMENT (or SUMO_API_URL) as described and restart it. Retrying will not help.',
    );
  }
  if (error.status === 429 || error.code === 'rate.limit.exceeded') {
    const wait = error.retryAfterMs ? `${Math.ceil(error.retryAfterMs / 1000)} seconds` : 'a few seconds';
    return withHint(
      `Sumo Logic's rate limit (${SUMO_RATE_LIMITS.perSecond} requests a second, ${SUMO_RATE_LIMITS.concurrent} at once per access key) was still exceeded after retries. Wait ${wait} and call the tool again; other clients may share the key.`,
    );
  }
  if (error.status === 401) {
    return withHint(
      'Sumo Logic did not accept the access key. The person running this server must check SUMO_ACCESS_ID and SUMO_ACCESS_KEY (and that SUMO_DEPLOYMENT is the account’s deployment). Retrying will not help.',
    );
  }
  if (error.status === 403) {
    return withHint(
      'The access key is not allowed to do this (its role lacks the capability, or the object is managed elsewhere, e.g. by local JSON configuration). Retrying will not help; choose another object or ask an administrator.',
    );
  }
  if (error.status === 404) {
    return withHint('Nothing has that id or name. Use a list tool to find the right one, then call again.');
  }
  if (error.status === 409 || error.status === 412) {
    return withHint(
      'Someone changed the object at the same time. Read it again, check the change still makes sense, and retry.',
    );
  }
  if (error.status === 400) {
    return withHint('Sumo Logic refused the request as sent: check the arguments named in the message.');
  }
  return withHint(RETRY_LATER);
}
