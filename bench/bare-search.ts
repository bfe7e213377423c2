/**
 * The bare undici loop the search benchmarks measure sumo-ops against: create a job with its
 * cookie, poll, page 10,000 messages at a time, JSON.parse, serialise NDJSON and write to a file
 * with backpressure — the same work with nothing of ours (bench/search-paging, bench/cli-export).
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Agent, request } from 'undici';

export const ACCESS_ID = 'sim-access-id';
export const ACCESS_KEY = 'sim-access-key';
export const PAGE = 10_000;

export interface SearchSpec {
  apiUrl: string;
  query: string;
  from: number;
  to: number;
}

export interface BareOptions {
  /** Time spent waiting for the simulator's page answers is added here. */
  wait: { ms: number };
  /**
   * Requests per second the server allows (a sliding one-second window), so the loop does not
   * draw 429s: only what Sumo's documented limit demands, none of our limiter. Default: unpaced.
   */
  perSecond?: number | undefined;
}

/** Starts a request no sooner than the server's sliding window allows: the bare minimum of pacing. */
function pacer(perSecond: number | undefined): () => Promise<void> {
  if (perSecond === undefined) return async () => undefined;
  // 25 ms over the second, for the jitter between our clock and the server's arrival times.
  const windowMs = 1_025;
  const starts: number[] = [];
  return async () => {
    const oldest = starts.length >= perSecond ? (starts[starts.length - perSecond] ?? 0) : 0;
    const wait = oldest + windowMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    starts.push(performance.now());
  };
}

export async function viaBareUndici(
  spec: SearchSpec,
  output: Writable,
  options: BareOptions,
): Promise<number> {
  const { wait } = options;
  const paced = pacer(options.perSecond);
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 4 });
  const headers = {
    authorization: `Basic ${Buffer.from(`${ACCESS_ID}:${ACCESS_KEY}`).toString('base64')}`,
    accept: 'application/json',
    'content-type': 'application/json',
    cookie: '',
  };
  await paced();
  const created = await request(`${spec.apiUrl}/v1/search/jobs`, {
    method: 'POST',
    headers,
    dispatcher,
    body: JSON.stringify({
      query: spec.query,
      from: String(spec.from),
      to: String(spec.to),
      timeZone: 'UTC',
    }),
  });
  const setCookie = created.headers['set-cookie'];
  headers.cookie = (Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [])
    .map((cookie) => cookie.split(';')[0])
    .join('; ');
  const { id } = (await created.body.json()) as { id: string };
  const jobUrl = `${spec.apiUrl}/v1/search/jobs/${id}`;
  const get = async <T>(url: string): Promise<T> => {
    await paced();
    const response = await request(url, { headers, dispatcher });
    if (response.statusCode !== 200)
      throw new Error(`GET ${url} → ${response.statusCode}: ${await response.body.text()}`);
    return JSON.parse(await response.body.text()) as T;
  };
  let delay = 250;
  let status = await get<{ state: string; messageCount: number }>(jobUrl);
  while (status.state !== 'DONE GATHERING RESULTS' && status.state !== 'FORCE PAUSED') {
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 2_000);
    status = await get(jobUrl);
  }
  let written = 0;
  for (let offset = 0; offset < status.messageCount; offset += PAGE) {
    const asked = performance.now();
    const page = await get<{ messages: { map: Record<string, string> }[] }>(
      `${jobUrl}/messages?offset=${offset}&limit=${Math.min(PAGE, status.messageCount - offset)}`,
    );
    wait.ms += performance.now() - asked;
    for (let start = 0; start < page.messages.length; start += 1_000) {
      let text = '';
      for (const message of page.messages.slice(start, start + 1_000))
        text += `${JSON.stringify(message.map)}\n`;
      if (!output.write(text)) await once(output, 'drain');
    }
    written += page.messages.length;
  }
  await paced();
  await request(jobUrl, { method: 'DELETE', headers, dispatcher }).then((response) => response.body.dump());
  await dispatcher.close();
  return written;
}
