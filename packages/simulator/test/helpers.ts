import { afterEach, expect } from 'vitest';
import { type SimCollector, type Simulator, type SimulatorOptions, startSimulator } from '../src/index.js';

export const ACCESS_ID = 'sim-access-id';
export const ACCESS_KEY = 'sim-access-key';

export function basicAuth(accessId = ACCESS_ID, accessKey = ACCESS_KEY): string {
  return `Basic ${Buffer.from(`${accessId}:${accessKey}`).toString('base64')}`;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response JSON
  json: any;
}

export interface ApiRequest {
  body?: unknown;
  headers?: Record<string, string>;
  /** Defaults to the default simulator credentials; `null` sends no Authorization header. */
  authorization?: string | null;
}

/** One request to the simulator API; `path` is relative to the API base (`/v1/...`). */
export async function api(
  sim: Simulator,
  method: string,
  path: string,
  request: ApiRequest = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...request.headers };
  const authorization = request.authorization === undefined ? basicAuth() : request.authorization;
  if (authorization !== null) headers.authorization = authorization;
  let body: string | undefined;
  if (request.body !== undefined) {
    body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${sim.apiUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Starts a simulator closed after the current test. Rate limiting is off unless asked for. */
export function useSimulator(): (options?: SimulatorOptions) => Promise<Simulator> {
  const started: Simulator[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((sim) => sim.close()));
  });
  return async (options = {}) => {
    const sim = await startSimulator({
      rateLimit: { enabled: false },
      startTime: Date.UTC(2026, 10, 1),
      ...options,
    });
    started.push(sim);
    return sim;
  };
}

export const SUMO_REQUEST_ID = /^[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}$/;

/** A Sumo error answer: the HTTP status, repeated in the body beside the error code. */
export function expectSumoError(response: ApiResponse, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.json).toMatchObject({ status, code });
}

/** The first seeded collector that fits; the seeded org is built to have every kind. */
export function collectorWhere(
  sim: Simulator,
  predicate: (collector: SimCollector) => boolean,
): SimCollector {
  const collector = sim.org.collectors().find(predicate);
  if (!collector) throw new Error('no such collector in the seeded org');
  return collector;
}

export interface FinishedSearch {
  messageCount: number;
  messages: Record<string, string>[];
  records: Record<string, string>[];
}

/**
 * Runs one search job over HTTP to the end, as a client does: create, poll with the job's
 * cookie until done, page every message (and record), delete. Moves the simulated clock by a
 * second per poll, so the simulator's search settings decide how many polls that takes.
 */
export async function runSearch(
  sim: Simulator,
  query: string,
  range: { from: number; to: number },
): Promise<FinishedSearch> {
  const created = await api(sim, 'POST', '/v1/search/jobs', {
    body: { query, from: String(range.from), to: String(range.to), timeZone: 'UTC' },
  });
  expect(created.status, created.text).toBe(202);
  const cookie = created.headers
    .getSetCookie()
    .map((header) => header.split(';')[0])
    .join('; ');
  const job = `/v1/search/jobs/${created.json.id}`;
  const get = (path: string) => api(sim, 'GET', `${job}${path}`, { headers: { cookie } });
  let status = (await get('')).json;
  for (let polls = 0; status.state !== 'DONE GATHERING RESULTS'; polls++) {
    if (polls === 30) throw new Error(`search still ${status.state} after 30 polls`);
    sim.clock.advance(1_000);
    status = (await get('')).json;
  }
  const messages: Record<string, string>[] = [];
  for (let offset = 0; offset < status.messageCount; offset += 10_000) {
    const page = (await get(`/messages?offset=${offset}&limit=10000`)).json;
    messages.push(...page.messages.map(({ map }: { map: Record<string, string> }) => map));
  }
  const records =
    status.recordCount > 0
      ? (await get(`/records?offset=0&limit=10000`)).json.records.map(
          ({ map }: { map: Record<string, string> }) => map,
        )
      : [];
  expect((await api(sim, 'DELETE', job, { headers: { cookie } })).status).toBe(200);
  return { messageCount: status.messageCount, messages, records };
}
