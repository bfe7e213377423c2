import { randomInt as cryptoRandomInt } from 'node:crypto';

/** The error body of the Collector Management and Search Job APIs: `{ status, id, code, message }`. */
export interface SumoErrorBody {
  status: number;
  id: string;
  code: string;
  message: string;
}

/** The `ErrorResponse` of the APIs in Sumo's OpenAPI document: `{ id, errors: [{ code, message, detail? }] }`. */
export interface SumoErrorResponse {
  id: string;
  errors: Array<{ code: string; message: string; detail?: string }>;
}

/**
 * Thrown by route handlers (and the pipeline) to answer with a Sumo-shaped error.
 * The server fills in the request id, so handlers only say what went wrong.
 */
export class SimError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  /** The fuller explanation `ErrorResponse` carries; the older error body has no place for it. */
  readonly detail: string | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    headers: Record<string, string> = {},
    detail?: string,
  ) {
    super(message);
    this.name = 'SimError';
    this.status = status;
    this.code = code;
    this.headers = headers;
    this.detail = detail;
  }

  toBody(requestId: string): SumoErrorBody {
    return { status: this.status, id: requestId, code: this.code, message: this.message };
  }

  toErrorResponse(requestId: string): SumoErrorResponse {
    const error = { code: this.code, message: this.message };
    return { id: requestId, errors: [this.detail === undefined ? error : { ...error, detail: this.detail }] };
  }
}

const REQUEST_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Request ids look like the real ones (`IUUQI-DGH5I-TJ045`): three groups of five. */
export function newRequestId(): string {
  const group = () =>
    Array.from({ length: 5 }, () => REQUEST_ID_ALPHABET[cryptoRandomInt(REQUEST_ID_ALPHABET.length)]).join(
      '',
    );
  return `${group()}-${group()}-${group()}`;
}

/** The generic errors the API documents for every endpoint (search-job doc, "Errors"). */
export const genericErrors = {
  unauthorized: () => new SimError(401, 'unauthorized', 'Credential could not be verified.'),
  notFound: () => new SimError(404, 'notfound', 'Requested resource could not be found.'),
  methodUnsupported: () => new SimError(405, 'method.unsupported', 'Unsupported method for URL.'),
  contentTypeInvalid: () => new SimError(415, 'contenttype.invalid', 'Invalid content type.'),
  rateLimitExceeded: (headers?: Record<string, string>) =>
    new SimError(429, 'rate.limit.exceeded', 'Rate limit exceeded.', headers),
  internalError: () => new SimError(500, 'internal.error', 'Internal server error.'),
  serviceUnavailable: (headers?: Record<string, string>) =>
    new SimError(503, 'service.unavailable', 'Service is currently unavailable.', headers),
} as const;
