import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@sumo-ops/core';

/** Slack's v0 request signature: HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret. */
function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/**
 * The headers Slack sends with a form-encoded request to the app, so that a client standing in
 * for Slack (tests, the benchmark) is verified by the bot exactly as Slack is.
 */
export function signedRequestHeaders(
  secret: string,
  body: string,
  timestamp: number = Math.floor(Date.now() / 1000),
): Record<string, string> {
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(secret, timestamp, body),
  };
}

/** How far a request's timestamp may be from this machine's clock, either way (Slack's own rule). */
export const SIGNATURE_WINDOW_SECONDS = 300;

/**
 * Why a request's `X-Slack-Request-Timestamp` is refused, or undefined when it is within the
 * window. A missing or non-numeric header is left to Bolt, which refuses it (or lets Slack's
 * unsigned `ssl_check` through).
 */
export function timestampProblem(header: string | string[] | undefined, nowMs: number): string | undefined {
  const seconds = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : undefined;
  if (seconds === undefined) return undefined;
  const skew = seconds - Math.floor(nowMs / 1000);
  if (Math.abs(skew) <= SIGNATURE_WINDOW_SECONDS) return undefined;
  return `timestamp ${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} this server's clock (at most ${SIGNATURE_WINDOW_SECONDS} s either way)`;
}

/**
 * Bolt refuses requests signed more than five minutes ago but accepts any dated ahead, so a
 * signature captured with a future timestamp would stay valid until that time. This refuses
 * both directions on the events path, before Bolt reads the body.
 */
export function refuseOutOfWindowRequests(
  receiver: { requestListener: (request: IncomingMessage, response: ServerResponse) => void },
  options: { path: string; logger: Logger },
): void {
  const listen = receiver.requestListener;
  receiver.requestListener = (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const problem =
      request.method === 'POST' && path === options.path
        ? timestampProblem(request.headers['x-slack-request-timestamp'], Date.now())
        : undefined;
    if (problem === undefined) {
      listen(request, response);
      return;
    }
    options.logger.warn('refused a Slack request outside the signature window', { problem });
    // Bolt answers a request that fails verification the same way: 401 and no body.
    response.writeHead(401).end();
    request.resume();
  };
}
