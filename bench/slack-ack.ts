/**
 * bench/slack-ack — does every /sumo command get its acknowledgement well inside Slack's 3 s?
 *
 * The built bot (`apps/slack-bot/dist/bin.js`, HTTP mode) runs in its own process, as deployed,
 * with its Web API pointed at a fake Slack and Sumo at the simulator (both in this process, with
 * Sumo's real rate limits: 4 requests/s, 10 in flight). Two rounds of 100 correctly signed
 * requests sent at once: 100 `/sumo collectors` commands, then a mix of 60 commands, 20 clicks on
 * a search summary's button and 20 App Home opens (`app_home_opened` events). The
 * acknowledgement is the HTTP response; the answer is the later post to the command's
 * response_url, after the collector list went through the rate limiter — so answers queue for
 * seconds while acknowledgements must not.
 *
 * Ratios printed: p99 time to acknowledgement ÷ 3,000 ms (Slack's budget), target ≤ 0.1, per
 * round; and the Sumo calls the App Home opens caused (their four routes no command uses, plus
 * the collector and OT collector lists they share with `/sumo collectors`), target ≤
 * HOME_SUMO_CALLS (7) a minute.
 * Run: `pnpm bench:slack-ack` (compiled JavaScript, as in production).
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startSimulator } from '@sumo-ops/simulator';
import { HOME_SUMO_CALLS, signedRequestHeaders } from '@sumo-ops/slack-bot';

const COMMANDS = 100;
const WARM_UP = 3;
const SLACK_BUDGET_MS = 3_000;
const TARGET_RATIO = 0.1;
const SIGNING_SECRET = 'bench-signing-secret-5a4b3c2d';
const BIN = join(repositoryRoot(), 'apps/slack-bot/dist/bin.js');

/** The benchmark runs from bench/ or, compiled, from bench/dist/: find the workspace root. */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root (pnpm-workspace.yaml)');
    dir = parent;
  }
  return dir;
}

/**
 * Just enough of Slack for this run: `auth.test` for the bot's start-up, and response_urls whose
 * posts are timed. (The tests' fuller fake lives in apps/slack-bot/test/support.)
 */
async function startFakeSlack() {
  const answeredAt = new Map<string, number>();
  let published = 0;
  let sequence = 0;
  const server = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      if (path.startsWith('/respond/')) answeredAt.set(path, Date.now());
      if (path === '/api/views.publish') published += 1;
      const body =
        path === '/api/auth.test'
          ? { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' }
          : { ok: true };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    apiUrl: `${url}/api/`,
    responseUrl: () => `${url}/respond/${++sequence}`,
    answeredAt: (responseUrl: string) => answeredAt.get(new URL(responseUrl).pathname),
    published: () => published,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function postSigned(url: string, body: string, contentType?: string) {
  const headers = {
    ...signedRequestHeaders(SIGNING_SECRET, body),
    ...(contentType ? { 'content-type': contentType } : {}),
  };
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers, body });
  await response.text();
  return { status: response.status, ms: performance.now() - started };
}

/** A click on a search summary's "Run again" button (a search no longer kept: answered privately). */
function postClick(url: string, userId: string, responseUrl: string) {
  const payload = {
    type: 'block_actions',
    user: { id: userId, username: 'bench', team_id: 'T1' },
    api_app_id: 'A1',
    token: 'unused',
    container: {
      type: 'message',
      message_ts: '1700000000.000100',
      channel_id: 'CBENCH',
      is_ephemeral: false,
    },
    trigger_id: '1.2.3',
    team: { id: 'T1', domain: 'bench' },
    channel: { id: 'CBENCH', name: 'bench' },
    message: { type: 'message', ts: '1700000000.000100', text: 'summary' },
    response_url: responseUrl,
    actions: [
      {
        type: 'button',
        action_id: 'sumo_search:again',
        block_id: 'sumo_search_actions',
        value: 'bench-search-id',
        text: { type: 'plain_text', text: 'Run again' },
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
  return postSigned(url, new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
}

/** The App Home tab opened: an Events API callback, JSON. */
function postHomeOpened(url: string, userId: string) {
  const body = JSON.stringify({
    token: 'unused',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: `Ev${userId}${Date.now()}`,
    event_time: Math.floor(Date.now() / 1000),
    event: {
      type: 'app_home_opened',
      user: userId,
      channel: `D${userId}`,
      tab: 'home',
      event_ts: String(Date.now() / 1000),
    },
  });
  return postSigned(url, body, 'application/json');
}

/** A slash command as Slack posts it: form-encoded, signed with the signing secret. */
async function postCommand(url: string, text: string, userId: string, responseUrl: string) {
  const body = new URLSearchParams({
    command: '/sumo',
    text,
    user_id: userId,
    user_name: 'bench',
    channel_id: 'CBENCH',
    channel_name: 'bench',
    team_id: 'T1',
    team_domain: 'bench',
    api_app_id: 'A1',
    response_url: responseUrl,
    trigger_id: '1.2.3',
    token: 'unused',
  }).toString();
  const headers = signedRequestHeaders(SIGNING_SECRET, body);
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers, body });
  await response.text();
  return { status: response.status, ms: performance.now() - started };
}

async function waitUntil(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the bot exited with ${child.exitCode}:\n${output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the bot did not become healthy:\n${output()}`);
}

async function main(): Promise<void> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run pnpm build first.`);
  const slack = await startFakeSlack();
  const sim = await startSimulator({ org: { collectors: 200 } });
  const port = await freePort();
  let stderr = '';
  const child = spawn(process.execPath, [BIN], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      SLACK_BOT_TOKEN: 'xoxb-bench-0000-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      SUMO_API_URL: sim.apiUrl,
      SUMO_ACCESS_ID: 'sim-access-id',
      SUMO_ACCESS_KEY: 'sim-access-key',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitForHealth(`${base}/healthz`, child, () => stderr);
    const send = async (index: number) => {
      const responseUrl = slack.responseUrl();
      const sentAt = Date.now();
      const ack = await postCommand(`${base}/slack/events`, 'collectors', `U${index}`, responseUrl);
      return { ack, responseUrl, sentAt };
    };
    const allAnswered = (batch: Array<{ responseUrl: string }>) =>
      batch.every(({ responseUrl }) => slack.answeredAt(responseUrl) !== undefined);

    const warmUp = await Promise.all(Array.from({ length: WARM_UP }, (_, index) => send(index)));
    await waitUntil(() => allAnswered(warmUp), 30_000, 'the warm-up answers');

    const sent = await Promise.all(Array.from({ length: COMMANDS }, (_, index) => send(index)));
    const refused = sent.filter(({ ack }) => ack.status !== 200).length;
    if (refused > 0) throw new Error(`${refused} of ${COMMANDS} commands were not acknowledged with 200.`);
    await waitUntil(() => allAnswered(sent), 90_000, 'the answers on the response_urls');
    const answerMs = sent.map(
      ({ responseUrl, sentAt }) => (slack.answeredAt(responseUrl) ?? Number.NaN) - sentAt,
    );
    const ackMs = sent.map(({ ack }) => ack.ms);

    // Round 2: commands mixed with button clicks and App Home opens, all at once.
    const events = `${base}/slack/events`;
    const homeRoutes = [
      'GET /v1/collectors/offline',
      'GET /v1/healthEvents',
      'GET /v1/collectors/upgrades/targets',
      'GET /v1/collectors/upgrades/collectors',
    ];
    // `/sumo collectors` lists installed and OT collectors too, once each per command. On these
    // routes only answered calls count: the commands' 429s and their retries would pass for the
    // tab's own calls.
    const sharedRoutes = ['GET /v1/collectors', 'POST /v1/otCollectors'];
    const routeCount = (route: string) =>
      Object.values(sim.counters.byRoute[route] ?? {}).reduce((a, b) => a + b, 0);
    const answeredCount = (route: string) =>
      Object.entries(sim.counters.byRoute[route] ?? {})
        .filter(([status]) => Number(status) < 400)
        .reduce((sum, [, count]) => sum + count, 0);
    const sharedBefore = sharedRoutes.map(answeredCount);
    const mixed = await Promise.all(
      Array.from({ length: COMMANDS }, async (_, index) => {
        if (index % 5 === 1) {
          const responseUrl = slack.responseUrl();
          return { kind: 'click', responseUrl, ack: await postClick(events, `UC${index}`, responseUrl) };
        }
        if (index % 5 === 3)
          return { kind: 'home', responseUrl: undefined, ack: await postHomeOpened(events, `UH${index}`) };
        const { ack, responseUrl } = await send(index);
        return { kind: 'command', responseUrl, ack };
      }),
    );
    const mixedRefused = mixed.filter(({ ack }) => ack.status !== 200).length;
    if (mixedRefused > 0)
      throw new Error(`${mixedRefused} of ${COMMANDS} mixed requests were not acknowledged with 200.`);
    const opens = mixed.filter(({ kind }) => kind === 'home').length;
    await waitUntil(
      () =>
        slack.published() >= opens &&
        allAnswered(
          mixed.filter(
            (item): item is typeof item & { responseUrl: string } => item.responseUrl !== undefined,
          ),
        ),
      90_000,
      'the mixed answers and App Home views',
    );
    const mixedAckMs = mixed.map(({ ack }) => ack.ms);
    const homeOnly = homeRoutes.map(routeCount);
    // The App Home's own calls on the shared routes are what is above one per command.
    const commandsSent = mixed.filter(({ kind }) => kind === 'command').length;
    const homeShared = sharedRoutes.map((route, index) =>
      Math.max(0, answeredCount(route) - (sharedBefore[index] ?? 0) - commandsSent),
    );
    const homeCalls = [...homeOnly, ...homeShared].reduce((a, b) => a + b, 0);

    const p99 = percentile(ackMs, 99);
    const ratio = p99 / SLACK_BUDGET_MS;
    const mixedRatio = percentile(mixedAckMs, 99) / SLACK_BUDGET_MS;
    const row = (name: string, values: number[]) => [
      name,
      percentile(values, 50).toFixed(1),
      percentile(values, 99).toFixed(1),
      Math.max(...values).toFixed(1),
    ];
    const rows = [
      ['measure (100 concurrent /sumo collectors)', 'p50 ms', 'p99 ms', 'max ms'],
      row('acknowledgement (HTTP 200 to Slack)', ackMs),
      row('answer on response_url (via 4 req/s limit)', answerMs),
      row('ack, mixed: 60 commands + 20 clicks + 20 Home', mixedAckMs),
    ];
    const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((r) => r[column]?.length ?? 0)));
    console.log('\nslack-ack: built bot in its own process, HTTP mode, fake Slack + simulator\n');
    for (const r of rows) console.log(r.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  '));
    console.log(
      `\np99 ack ÷ Slack's ${SLACK_BUDGET_MS} ms budget = ${ratio.toFixed(4)}  (target ≤ ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'met' : 'MISSED'})`,
    );
    console.log(
      `mixed p99 ack ÷ ${SLACK_BUDGET_MS} ms = ${mixedRatio.toFixed(4)}  (target ≤ ${TARGET_RATIO}: ${mixedRatio <= TARGET_RATIO ? 'met' : 'MISSED'})`,
    );
    console.log(
      `App Home: ${opens} opens, ${slack.published()} views published, ${homeCalls} Sumo API calls (${[...homeRoutes, ...sharedRoutes].map((route, index) => `${route} ${[...homeOnly, ...homeShared][index]}`).join(', ')}) — target ≤ ${HOME_SUMO_CALLS} a minute: ${homeCalls <= HOME_SUMO_CALLS ? 'met' : 'MISSED'}`,
    );
    console.log(`simulator: ${sim.counters.total} API calls, ${sim.counters.rateLimited} answered 429`);
  } finally {
    child.kill('SIGTERM');
    await sim.close();
    await slack.close();
  }
}

main().catch((error: unknown) => {
  console.error(`slack-ack could not run: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
