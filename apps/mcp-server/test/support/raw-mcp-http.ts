import { request as httpRequest } from 'node:http';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';

/**
 * MCP over Streamable HTTP spoken by hand. The SDK's HTTP client cannot load under this
 * workspace's vitest config: vitest starts workers with `--conditions source` (so tests run our
 * TypeScript unbuilt), and eventsource-parser, which that client imports, publishes raw
 * TypeScript under the same condition. Speaking the wire protocol directly also pins exactly what
 * an HTTP client sees.
 */
export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** JSON-RPC messages, from a JSON body or from the `data:` lines of an SSE stream. */
  messages: Array<Record<string, unknown>>;
}

/** node:http rather than fetch, because fetch will not let a caller choose the Host header. */
export function postMcp(
  url: string,
  headers: Record<string, string | undefined>,
  body: unknown,
): Promise<HttpReply> {
  return postRawMcp(url, headers, JSON.stringify(body));
}

/** A POST whose body is sent exactly as given: malformed JSON, oversized bodies, other media types. */
export function postRawMcp(
  url: string,
  headers: Record<string, string | undefined>,
  body: string | Buffer,
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const target = new URL(`${url}/mcp`);
    const sent: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    // An undefined header is left out, defaults included: a request without a Content-Type.
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) delete sent[name];
      else sent[name] = value;
    }
    const req = httpRequest(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: sent },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text,
            messages: parseMessages(text),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function parseMessages(text: string): Array<Record<string, unknown>> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return [JSON.parse(trimmed) as Record<string, unknown>];
  return text
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice('data:'.length).trim())
    .filter(Boolean)
    .map((data) => JSON.parse(data) as Record<string, unknown>);
}

export const initializeRequest = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: LATEST_PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: 'raw', version: '0' },
  },
};

/** Opens a session and returns a function that sends requests on it. */
export async function openSession(
  url: string,
  headers: Record<string, string> = {},
  capabilities: Record<string, unknown> = {},
) {
  const init = await postMcp(url, headers, {
    ...initializeRequest,
    params: { ...initializeRequest.params, capabilities },
  });
  if (init.status !== 200) throw new Error(`initialize answered ${init.status}: ${init.body}`);
  const sessionId = String(init.headers['mcp-session-id']);
  const sessionHeaders = {
    ...headers,
    'mcp-session-id': sessionId,
    'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
  };
  await postMcp(url, sessionHeaders, { jsonrpc: '2.0', method: 'notifications/initialized' });
  let nextId = 2;
  return {
    sessionId,
    headers: sessionHeaders,
    async request(method: string, params: Record<string, unknown> = {}) {
      const reply = await postMcp(url, sessionHeaders, { jsonrpc: '2.0', id: nextId++, method, params });
      const response = reply.messages.find((message) => 'result' in message || 'error' in message);
      return { reply, result: response?.result as Record<string, unknown> | undefined };
    },
  };
}

/**
 * Sends one request on a session and reads its SSE stream as it arrives, answering any request
 * the server makes on it (elicitation) with `answer`, until the response to our request comes.
 */
export function requestWithServerRequests(
  url: string,
  headers: Record<string, string>,
  body: { id: number; method: string; params: Record<string, unknown> },
  answer: (request: Record<string, unknown>) => Record<string, unknown>,
): Promise<{ serverRequests: Array<Record<string, unknown>>; result: Record<string, unknown> | undefined }> {
  return new Promise((resolve, reject) => {
    const target = new URL(`${url}/mcp`);
    const serverRequests: Array<Record<string, unknown>> = [];
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
      },
      (res) => {
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          const lines = buffer.split('\n');
          buffer = lines.pop() ?? '';
          for (const line of lines) {
            if (!line.startsWith('data:')) continue;
            const message = JSON.parse(line.slice('data:'.length)) as Record<string, unknown>;
            if ('method' in message && 'id' in message) {
              serverRequests.push(message);
              void postMcp(url, headers, { jsonrpc: '2.0', id: message.id, result: answer(message) }).catch(
                reject,
              );
            } else if (message.id === body.id) {
              resolve({ serverRequests, result: message.result as Record<string, unknown> | undefined });
              res.destroy();
            }
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ jsonrpc: '2.0', ...body }));
  });
}
