/**
 * bench/slack-ack — does every /sumo command get its acknowledgement well inside Slack's 3 s, and
 * its answer soon when many people ask the same question?
 *
 * The built bot (`apps/slack-bot/dist/bin.js`, HTTP mode) runs in its own process, as deployed,
 * with its Web API pointed at a fake Slack (in this process: it only receives posts) and Sumo at a
 * simulator with Sumo's real rate limits (4 requests/s, 10 in flight), each bot's in a process of
 * its own (bench/slack-ack-sumo.ts; its counters and collector ids asked for over IPC). Here, on the
 * event loop that also runs the fake Slack and sends 200 requests at once, a stall on a loaded
 * machine could stamp requests' arrivals closer together than the bot had sent them: 429s (each a
 * retry and a 5 % wider window for that bot) the product did not cause. (The shared bot's 429s in
 * the different round came from elsewhere: it went into the round with cold connections after
 * idling while the other bot was busy; both now rest before it — BENCHMARKS.md.) Rounds of 100 correctly signed requests
 * sent at once: 100 identical `/sumo collectors` (an incident: everyone asks the same), 100
 * different `/sumo collector <id>` (nothing to share), then — default bot only — a mix of 60
 * commands, 20 clicks on a search summary's button and 20 App Home opens (`app_home_opened`).
 * The first two rounds run on two bots, each on its own simulator: the default (reads shared) and
 * one with SUMO_OPS_SHARED_READS=off (every read its own call, as before sharing) — the identical
 * round on one bot after the other (acknowledgements measured alone), the different round on both
 * at the same time (the comparison meets the same machine load).
 * The acknowledgement is the HTTP response; the answer is the later post to the command's
 * response_url, after the Sumo call went through the rate limiter.
 *
 * Printed: p99 acknowledgement ÷ 3,000 ms (Slack's budget), target ≤ 0.1; p99 answer to the
 * identical round ÷ 2,000 ms, target ≤ 1; the different round's answers, shared ÷ off, target no
 * slower; p99 acknowledgement of the commands sent (in waves, until the last chart is uploaded)
 * while ten searches' charts are drawn and uploaded (issue 19), ÷ 3,000 ms, target ≤ 0.1; and the Sumo calls the App Home opens caused
 * (three routes no command uses, plus its installed and OT collector lists), target ≤
 * HOME_SUMO_CALLS (7) a minute.
 * Run: `pnpm bench:slack-ack` (compiled JavaScript, as in production).
 */

import { type ChildProcess, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@sumo-ops/simulator';
import { HOME_SUMO_CALLS, signedRequestHeaders } from '@sumo-ops/slack-bot';
import { reply } from './ipc.js';
import type { SumoCounters, SumoReady } from './slack-ack-sumo.js';

const COMMANDS = 100;
/** Longer than an idle connection to Sumo is kept (undici's keep-alive: 4 s). */
const REST_BEFORE_DIFFERENT_MS = 10_000;
const WARM_UP = 3;
const SLACK_BUDGET_MS = 3_000;
const TARGET_RATIO = 0.1;
/** 100 people asking the same question get the answer within this, at p99 (issue 21). */
const IDENTICAL_ANSWER_TARGET_MS = 2_000;
const SIGNING_SECRET = 'bench-signing-secret-5a4b3c2d';
const BIN = join(repositoryRoot(), 'apps/slack-bot/dist/bin.js');
/** Each bot's simulator, a process of its own (bench/slack-ack-sumo.ts). */
const SUMO = fileURLToPath(new URL('./slack-ack-sumo.js', import.meta.url));
/** Collectors in each simulated org: the different round's 100 ids and the mixed round's 100 more. */
const ORG_COLLECTORS = 200;

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
  let threadReplies = 0;
  let charts = 0;
  const server = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      if (path.startsWith('/respond/')) answeredAt.set(path, Date.now());
      if (path === '/api/views.publish') published += 1;
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      sequence += 1;
      // Search threads: posts answered with a timestamp, and the three steps of a chart's upload.
      let body: Record<string, unknown> = { ok: true };
      if (path === '/api/auth.test') body = { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' };
      if (path === '/api/chat.postMessage') {
        if (form.get('thread_ts')) threadReplies += 1;
        body = {
          ok: true,
          channel: form.get('channel'),
          ts: `1700000000.${String(sequence).padStart(6, '0')}`,
        };
      }
      if (path === '/api/users.info')
        body = { ok: true, user: { id: form.get('user'), tz: 'Europe/Berlin' } };
      if (path === '/api/files.getUploadURLExternal') {
        body = { ok: true, upload_url: `${url}/upload/F${sequence}`, file_id: `F${sequence}` };
      }
      if (path === '/api/files.completeUploadExternal') {
        charts += 1;
        body = { ok: true, files: [] };
      }
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
    threadReplies: () => threadReplies,
    charts: () => charts,
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
async function postCommand(
  url: string,
  text: string,
  userId: string,
  responseUrl: string,
  channelId = 'CBENCH',
) {
  const body = new URLSearchParams({
    command: '/sumo',
    text,
    user_id: userId,
    user_name: 'bench',
    channel_id: channelId,
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

interface Round {
  ackMs: number[];
  answerMs: number[];
  /** Sumo API calls the round caused. */
  calls: number;
}

interface ChartsRound {
  ackMs: number[];
  searchAckMs: number[];
  /** Charts uploaded when the first command was sent, and when the last was acknowledged. */
  chartsAtFirst: number;
  chartsWhenAcked: number;
  charts: number;
  waves: number;
}

/** Searches whose summaries (and charts) are drawn while the commands of the charts round arrive. */
const CHART_SEARCHES = 10;
/** At least this many waves of commands; more until every chart is uploaded. */
const CHART_WAVES = 10;
const CHART_WAVE_SIZE = 10;

interface Mixed {
  ackMs: number[];
  opens: number;
  published: number;
  homeCalls: number;
  homeOnly: number[];
}

const HOME_ROUTES = [
  'GET /v1/collectors/offline',
  'GET /v1/collectors/upgrades/targets',
  'GET /v1/collectors/upgrades/collectors',
  'GET /v1/healthEvents',
];
/** Lists the App Home shares with `/sumo collectors` (none of the mixed round's commands lists). */
const HOME_LIST_ROUTES = ['GET /v1/collectors', 'POST /v1/otCollectors'];

/** A bot's simulator in its own process; `counters()` asks it what it has counted so far. */
async function startSumo() {
  const sumo = fork(SUMO, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, SLACK_ACK_SUMO: JSON.stringify({ collectors: ORG_COLLECTORS }) },
  });
  const { apiUrl, collectorIds } = await reply<SumoReady>(sumo, 'ready');
  return {
    apiUrl,
    collectorIds,
    /** One question at a time per simulator: its answer is the next `counters` message. */
    async counters(): Promise<SumoCounters> {
      const answer = reply<SumoCounters>(sumo, 'counters');
      sumo.send({ type: 'counters' });
      return answer;
    },
    async close(): Promise<void> {
      if (sumo.exitCode !== null || sumo.signalCode !== null) return;
      const exited = once(sumo, 'exit');
      sumo.disconnect();
      await exited;
    },
  };
}

/**
 * One bot process on its own simulator (its own rate budget); `env` tells the variant
 * (SUMO_OPS_SHARED_READS=off is how every read worked before reads were shared).
 */
async function startBot(slack: Awaited<ReturnType<typeof startFakeSlack>>, env: Record<string, string>) {
  const sim = await startSumo();
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
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const close = async () => {
    child.kill('SIGTERM');
    await sim.close();
  };
  const base = `http://127.0.0.1:${port}`;
  const events = `${base}/slack/events`;
  try {
    await waitForHealth(`${base}/healthz`, child, () => stderr);
  } catch (error) {
    await close();
    throw error;
  }
  const send = async (text: string, index: number) => {
    const responseUrl = slack.responseUrl();
    const sentAt = Date.now();
    const ack = await postCommand(events, text, `U${index}`, responseUrl);
    return { ack, responseUrl, sentAt };
  };
  const allAnswered = (batch: Array<{ responseUrl: string }>) =>
    batch.every(({ responseUrl }) => slack.answeredAt(responseUrl) !== undefined);
  const routeCount = (counters: SumoCounters, route: string) =>
    Object.values(counters.byRoute[route] ?? {}).reduce((a, b) => a + b, 0);
  const ids = sim.collectorIds;

  return {
    sim,
    ids,
    close,
    async warmUp(): Promise<void> {
      // Other arguments than the rounds', so nothing it read is there to be reused.
      const sent = await Promise.all(
        Array.from({ length: WARM_UP }, (_, index) => send('collectors dead', index)),
      );
      await waitUntil(() => allAnswered(sent), 30_000, 'the warm-up answers');
    },
    async round(texts: string[]): Promise<Round> {
      const callsBefore = (await sim.counters()).total;
      const sent = await Promise.all(texts.map((text, index) => send(text, index)));
      const refused = sent.filter(({ ack }) => ack.status !== 200).length;
      if (refused > 0)
        throw new Error(`${refused} of ${texts.length} commands were not acknowledged with 200.`);
      await waitUntil(() => allAnswered(sent), 90_000, 'the answers on the response_urls');
      return {
        ackMs: sent.map(({ ack }) => ack.ms),
        answerMs: sent.map(
          ({ responseUrl, sentAt }) => (slack.answeredAt(responseUrl) ?? Number.NaN) - sentAt,
        ),
        calls: (await sim.counters()).total - callsBefore,
      };
    },
    /**
     * Ten searches, each in its own channel (Slack's one post a second per channel), then waves of
     * ten commands 100 ms apart from the moment the first summary is posted until the tenth chart
     * is uploaded (at least ten waves): every chart is drawn (Vega + resvg, in the bot's process)
     * and uploaded while commands arrive, none after the last of them.
     */
    async chartsRound(): Promise<ChartsRound> {
      const chartsBefore = slack.charts();
      const repliesBefore = slack.threadReplies();
      const searches = await Promise.all(
        Array.from({ length: CHART_SEARCHES }, (_, index) =>
          postCommand(events, 'search error from=-1h', `US${index}`, slack.responseUrl(), `CCHART${index}`),
        ),
      );
      await waitUntil(() => slack.threadReplies() > repliesBefore, 60_000, 'the first search summary');
      const sent: Array<Awaited<ReturnType<typeof send>>> = [];
      const chartsAtFirst = slack.charts() - chartsBefore;
      let wave = 0;
      for (; wave < CHART_WAVES || slack.charts() - chartsBefore < CHART_SEARCHES; wave += 1) {
        if (wave > 600)
          throw new Error(
            `the charts were not all uploaded within a minute of waves (${slack.charts() - chartsBefore} of ${CHART_SEARCHES}); the bot said:\n${stderr.slice(-3000)}`,
          );
        const texts = Array.from({ length: CHART_WAVE_SIZE }, (_, index) => {
          const id = ids[(wave * CHART_WAVE_SIZE + index) % ids.length];
          return `collector ${id}`;
        });
        sent.push(
          ...(await Promise.all(texts.map((text, index) => send(text, wave * CHART_WAVE_SIZE + index)))),
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const chartsWhenAcked = slack.charts() - chartsBefore;
      await waitUntil(
        () => slack.charts() - chartsBefore >= CHART_SEARCHES && allAnswered(sent),
        120_000,
        'the charts and the answers',
      );
      return {
        ackMs: sent.map(({ ack }) => ack.ms),
        searchAckMs: searches.map((ack) => ack.ms),
        chartsAtFirst,
        chartsWhenAcked,
        charts: slack.charts() - chartsBefore,
        waves: wave,
      };
    },
    /**
     * Commands (each another collector: no list route) mixed with button clicks and App Home
     * opens, all at once; the list calls are then the App Home's alone.
     */
    async mixedRound(): Promise<Mixed> {
      const before = await sim.counters();
      const listsBefore = HOME_LIST_ROUTES.map((route) => routeCount(before, route));
      const homeBefore = HOME_ROUTES.map((route) => routeCount(before, route));
      const publishedBefore = slack.published();
      const mixed = await Promise.all(
        Array.from({ length: COMMANDS }, async (_, index) => {
          if (index % 5 === 1) {
            const responseUrl = slack.responseUrl();
            return { kind: 'click', responseUrl, ack: await postClick(events, `UC${index}`, responseUrl) };
          }
          if (index % 5 === 3)
            return { kind: 'home', responseUrl: undefined, ack: await postHomeOpened(events, `UH${index}`) };
          const { ack, responseUrl } = await send(`collector ${ids[COMMANDS + index] ?? ids[index]}`, index);
          return { kind: 'command', responseUrl, ack };
        }),
      );
      const refused = mixed.filter(({ ack }) => ack.status !== 200).length;
      if (refused > 0)
        throw new Error(`${refused} of ${COMMANDS} mixed requests were not acknowledged with 200.`);
      const opens = mixed.filter(({ kind }) => kind === 'home').length;
      await waitUntil(
        () =>
          slack.published() - publishedBefore >= opens &&
          allAnswered(
            mixed.filter(
              (item): item is typeof item & { responseUrl: string } => item.responseUrl !== undefined,
            ),
          ),
        90_000,
        'the mixed answers and App Home views',
      );
      const after = await sim.counters();
      const homeOnly = HOME_ROUTES.map((route, index) => routeCount(after, route) - (homeBefore[index] ?? 0));
      return {
        ackMs: mixed.map(({ ack }) => ack.ms),
        opens,
        published: slack.published() - publishedBefore,
        homeCalls:
          homeOnly.reduce((a, b) => a + b, 0) +
          HOME_LIST_ROUTES.reduce(
            (sum, route, index) => sum + routeCount(after, route) - (listsBefore[index] ?? 0),
            0,
          ),
        homeOnly,
      };
    },
  };
}

async function main(): Promise<void> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run pnpm build first.`);
  const slack = await startFakeSlack();
  const bots: Array<Awaited<ReturnType<typeof startBot>>> = [];
  try {
    const shared = await startBot(slack, {});
    bots.push(shared);
    const alone = await startBot(slack, { SUMO_OPS_SHARED_READS: 'off' });
    bots.push(alone);
    await Promise.all(bots.map((bot) => bot.warmUp()));
    // Identical commands one bot after the other: each bot's acknowledgements measured alone.
    const identicalTexts = Array.from({ length: COMMANDS }, () => 'collectors');
    const sharedIdentical = await shared.round(identicalTexts);
    const aloneIdentical = await alone.round(identicalTexts);
    // Both bots rest first, so both start the round as after a quiet spell, their connections to
    // Sumo closed by idling: the shared bot's identical round ends in a blink and the other's takes
    // a minute, and a bot whose connections are still warm drew none of the round's stray 429s
    // (a burst on cold connections draws one or two: BENCHMARKS.md).
    await new Promise((resolve) => setTimeout(resolve, REST_BEFORE_DIFFERENT_MS));
    // Different commands on both at the same time: the comparison meets the same machine load.
    const [sharedDifferent, aloneDifferent] = await Promise.all(
      bots.map((bot) => bot.round(bot.ids.slice(0, COMMANDS).map((id) => `collector ${id}`))),
    );
    const mixed = await shared.mixedRound();
    const charted = await shared.chartsRound();
    if (!sharedDifferent || !aloneDifferent) throw new Error('a round gave no result');

    const cell = (values: number[]) =>
      `${percentile(values, 50).toFixed(0)} / ${percentile(values, 99).toFixed(0)} / ${Math.max(...values).toFixed(0)}`;
    const rows = [
      ['measure (100 requests at once)', 'shared reads (default)', 'SUMO_OPS_SHARED_READS=off'],
      ['', 'p50 / p99 / max ms', 'p50 / p99 / max ms'],
      ['ack, identical /sumo collectors', cell(sharedIdentical.ackMs), cell(aloneIdentical.ackMs)],
      ['answer, identical /sumo collectors', cell(sharedIdentical.answerMs), cell(aloneIdentical.answerMs)],
      ['  Sumo calls', String(sharedIdentical.calls), String(aloneIdentical.calls)],
      ['ack, different /sumo collector <id>', cell(sharedDifferent.ackMs), cell(aloneDifferent.ackMs)],
      [
        'answer, different /sumo collector <id>',
        cell(sharedDifferent.answerMs),
        cell(aloneDifferent.answerMs),
      ],
      ['  Sumo calls', String(sharedDifferent.calls), String(aloneDifferent.calls)],
      ['ack, mixed: 60 commands + 20 clicks + 20 Home', cell(mixed.ackMs), '—'],
      [
        `ack, ${charted.ackMs.length} /sumo collector <id> while ${CHART_SEARCHES} search charts are drawn`,
        cell(charted.ackMs),
        '—',
      ],
      [`ack, the ${CHART_SEARCHES} /sumo search`, cell(charted.searchAckMs), '—'],
    ];
    const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((r) => r[column]?.length ?? 0)));
    console.log(
      '\nslack-ack: two built bots in their own processes, HTTP mode, fake Slack + a simulator each (4 requests/s, 10 in flight)\n',
    );
    for (const r of rows) console.log(r.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  '));

    const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
    const ackRatio = percentile(sharedIdentical.ackMs, 99) / SLACK_BUDGET_MS;
    const mixedRatio = percentile(mixed.ackMs, 99) / SLACK_BUDGET_MS;
    const identicalP99 = percentile(sharedIdentical.answerMs, 99);
    const differentP50 = percentile(sharedDifferent.answerMs, 50) / percentile(aloneDifferent.answerMs, 50);
    const differentP99 = percentile(sharedDifferent.answerMs, 99) / percentile(aloneDifferent.answerMs, 99);
    console.log(
      `\np99 ack ÷ Slack's ${SLACK_BUDGET_MS} ms budget = ${ackRatio.toFixed(4)}  (target ≤ ${TARGET_RATIO}: ${verdict(ackRatio <= TARGET_RATIO)})`,
    );
    console.log(
      `mixed p99 ack ÷ ${SLACK_BUDGET_MS} ms = ${mixedRatio.toFixed(4)}  (target ≤ ${TARGET_RATIO}: ${verdict(mixedRatio <= TARGET_RATIO)})`,
    );
    const chartsRatio = percentile(charted.ackMs, 99) / SLACK_BUDGET_MS;
    console.log(
      `with charts drawn: p99 ack ÷ ${SLACK_BUDGET_MS} ms = ${chartsRatio.toFixed(4)}  (target ≤ ${TARGET_RATIO}: ${verdict(chartsRatio <= TARGET_RATIO)}); ÷ the same bot's p99 ack for different commands without charts = ${(percentile(charted.ackMs, 99) / percentile(sharedDifferent.ackMs, 99)).toFixed(2)}; ${charted.ackMs.length} commands in ${charted.waves} waves; charts uploaded: ${charted.chartsAtFirst} when the first command was sent, ${charted.chartsWhenAcked} of ${charted.charts} when the last was acknowledged`,
    );
    console.log(
      `identical /sumo collectors: p99 answer ${identicalP99.toFixed(0)} ms ÷ ${IDENTICAL_ANSWER_TARGET_MS} ms = ${(identicalP99 / IDENTICAL_ANSWER_TARGET_MS).toFixed(3)}  (target ≤ 1: ${verdict(identicalP99 <= IDENTICAL_ANSWER_TARGET_MS)}); without sharing ${percentile(aloneIdentical.answerMs, 99).toFixed(0)} ms`,
    );
    console.log(
      `different commands, shared ÷ off: p50 answer ${differentP50.toFixed(3)}, p99 answer ${differentP99.toFixed(3)}  (target: no slower, ≤ 1 within the run's noise)`,
    );
    console.log(
      `App Home: ${mixed.opens} opens, ${mixed.published} views published, ${mixed.homeCalls} Sumo API calls (${HOME_ROUTES.map((route, index) => `${route} ${mixed.homeOnly[index]}`).join(', ')}, and its collector lists) — target ≤ ${HOME_SUMO_CALLS} a minute: ${verdict(mixed.homeCalls <= HOME_SUMO_CALLS)}`,
    );
    const [sharedSumo, aloneSumo] = await Promise.all([shared.sim.counters(), alone.sim.counters()]);
    console.log(
      `simulators: ${sharedSumo.total} API calls (${sharedSumo.rateLimited} answered 429) with shared reads; ${aloneSumo.total} (${aloneSumo.rateLimited} answered 429) without`,
    );
  } finally {
    await Promise.all(bots.map((bot) => bot.close()));
    await slack.close();
  }
}

main().catch((error: unknown) => {
  console.error(`slack-ack could not run: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
