import {
  createCatalog,
  createLogger,
  createStores,
  loadStateConfig,
  type OperationCatalog,
  RateLimiter,
  readScope,
  type Stores,
  SumoClient,
} from '@sumo-ops/core';
import { type Simulator, type SimulatorOptions, startSimulator } from '@sumo-ops/simulator';
import { createSlackBot, type SlackBot, type SlackBotOptions } from '../../src/index.js';
import { FakeSlack } from './fake-slack.js';
import {
  blockActionBody,
  type ClickFields,
  type CommandFields,
  homeActionBody,
  messageShortcutBody,
  postSigned,
  postSignedEvent,
  type SignOptions,
  slashCommandBody,
  viewSubmissionBody,
} from './slack-requests.js';

export const BOT_TOKEN = 'xoxb-1111-2222-harness-bot-token';
export const SIGNING_SECRET = 'harness-signing-secret-0f9e8d7c';
export const SUMO_KEY = 'sim-access-key';

export interface HarnessOptions {
  admins?: string[];
  channels?: string[];
  simulator?: SimulatorOptions;
  bot?: Partial<SlackBotOptions>;
  catalog?: OperationCatalog;
  /** Replicas share one fake Slack and one simulator; a harness closes only what it started. */
  slack?: FakeSlack;
  sim?: Simulator;
}

/** A settable clock for confirmations; starts at the real time. */
export class TestClock {
  private offset = 0;
  readonly now = () => Date.now() + this.offset;
  advance(ms: number): void {
    this.offset += ms;
  }
}

/**
 * The real Bolt app in HTTP mode on an ephemeral port, talking to a fake Slack API and to the
 * simulator over loopback. Requests are signed exactly as Slack signs them.
 */
export class Harness {
  readonly logLines: string[] = [];
  readonly auditLines: string[] = [];
  readonly clock = new TestClock();
  slack!: FakeSlack;
  sim!: Simulator;
  sumo!: SumoClient;
  bot!: SlackBot;
  /** The bot's stores (a test's own when it passes `bot.stores`). */
  stores!: Stores;
  #ownStores = false;
  eventsUrl = '';
  baseUrl = '';

  static async start(options: HarnessOptions = {}): Promise<Harness> {
    const harness = new Harness();
    await harness.init(options);
    return harness;
  }

  private ownsSlackAndSim = true;

  private async init(options: HarnessOptions): Promise<void> {
    if (options.slack && options.sim) {
      this.ownsSlackAndSim = false;
      this.slack = options.slack;
      this.sim = options.sim;
    } else {
      this.slack = await new FakeSlack().start();
      this.sim = await startSimulator({
        rateLimit: { perSecond: 500, concurrent: 20 },
        org: { collectors: 12 },
        ...options.simulator,
      });
    }
    const logger = createLogger({ level: 'debug', write: (line) => this.logLines.push(line) });
    this.sumo = new SumoClient({
      accessId: 'sim-access-id',
      accessKey: SUMO_KEY,
      apiUrl: this.sim.apiUrl,
      env: {},
      logger,
      rateLimiter: new RateLimiter({ limits: { perSecond: 500, concurrent: 20 } }),
      retry: { baseDelayMs: 10, maxDelayMs: 200 },
    });
    this.#ownStores = options.bot?.stores === undefined;
    this.stores = options.bot?.stores ?? createStores(loadStateConfig({}), { logger, now: this.clock.now });
    this.bot = createSlackBot({
      stores: this.stores,
      catalog: options.catalog ?? createCatalog(),
      sumo: this.sumo,
      botToken: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      slackApiUrl: this.slack.apiUrl,
      port: 0,
      host: '127.0.0.1',
      access: { admins: options.admins ?? ['UADMIN'], channels: options.channels },
      logger,
      auditWriter: (line) => this.auditLines.push(line),
      now: this.clock.now,
      channelIntervalMs: 20,
      search: { progressIntervalMs: 100, fileThresholdRows: 20, fileMaxRows: 300 },
      upgrades: { pollIntervalMs: 50, timeoutMs: 20_000 },
      ...options.bot,
    });
    const { port } = await this.bot.start();
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.eventsUrl = `${this.baseUrl}/slack/events`;
  }

  /** Sends `/sumo <text>`; returns the acknowledgement and the response_url replies will go to. */
  async command(text: string, fields: Partial<CommandFields> = {}, sign: SignOptions = {}) {
    const responseUrl = fields.responseUrl ?? this.slack.responseUrl();
    const ack = await postSigned(
      this.eventsUrl,
      SIGNING_SECRET,
      slashCommandBody({ ...fields, text, responseUrl }),
      sign,
    );
    return { ack, responseUrl };
  }

  /** Sends `/sumo <text>` and waits for the first reply posted to its response_url. */
  async ask(text: string, fields: Partial<CommandFields> = {}) {
    const { ack, responseUrl } = await this.command(text, fields);
    if (ack.status !== 200) throw new Error(`command not acknowledged: ${ack.status} ${ack.body}`);
    const reply = await this.slack.waitFor(() => this.slack.responsesTo(responseUrl)[0]);
    return { reply, responseUrl, ack };
  }

  /** Waits for the top-level post a threaded answer (a search) starts with in `channelId`. */
  threadParent(channelId: string) {
    return this.slack.waitFor(() =>
      this.slack
        .callsTo('chat.postMessage')
        .find((call) => call.args.channel === channelId && !call.args.thread_ts),
    );
  }

  async click(fields: Omit<ClickFields, 'responseUrl'> & { responseUrl?: string }, sign: SignOptions = {}) {
    const responseUrl = fields.responseUrl ?? this.slack.responseUrl();
    const ack = await postSigned(
      this.eventsUrl,
      SIGNING_SECRET,
      blockActionBody({ ...fields, responseUrl }),
      sign,
    );
    return { ack, responseUrl };
  }

  /** Opens the App Home tab as `userId` (an `app_home_opened` event); returns the acknowledgement. */
  openHome(userId = 'UADMIN') {
    return postSignedEvent(this.eventsUrl, SIGNING_SECRET, {
      type: 'app_home_opened',
      user: userId,
      channel: `D${userId}`,
      tab: 'home',
    });
  }

  /** Clicks a button on the App Home tab. */
  clickHome(fields: { actionId: string; value: string; userId?: string }) {
    return postSigned(this.eventsUrl, SIGNING_SECRET, homeActionBody(fields));
  }

  /** Uses the "Search in Sumo" message shortcut on a message. */
  shortcut(fields: { text: string; messageTs: string; userId?: string; channelId?: string }) {
    const responseUrl = this.slack.responseUrl();
    const body = messageShortcutBody({ callbackId: 'sumo_search_message', ...fields, responseUrl });
    return postSigned(this.eventsUrl, SIGNING_SECRET, body).then((ack) => ({ ack, responseUrl }));
  }

  /** Submits a modal; the acknowledgement's body is Slack's answer to it (e.g. field errors). */
  submitView(fields: Parameters<typeof viewSubmissionBody>[0]) {
    return postSigned(this.eventsUrl, SIGNING_SECRET, viewSubmissionBody(fields));
  }

  /** Every line that left the bot: logs, audit lines, Slack calls and replies, as text. */
  everythingSent(): string {
    // The bot token itself goes to the Web API (header, and a `token` argument on auth.test): that
    // is where it belongs. Everything else that was sent is checked.
    const calls = this.slack.calls.map(({ args: { token: _token, ...args } }) => JSON.stringify(args));
    return [...this.logLines, ...this.auditLines, ...calls].join('\n');
  }

  /**
   * Forgets the lists read in the last seconds (shared reads), as a change made through the bot
   * would: for tests that change the simulated org behind the bot's back and ask again at once.
   */
  forgetRecentReads(): Promise<void> {
    return this.stores.reads.invalidate(readScope(this.sumo));
  }

  async close(): Promise<void> {
    await this.bot.stop();
    if (this.#ownStores) await this.stores.close();
    await this.sumo.close();
    if (!this.ownsSlackAndSim) return;
    await this.sim.close();
    await this.slack.close();
  }
}

/** The value of the Confirm button in a confirmation message. */
export function confirmationId(reply: Record<string, unknown>): string {
  const blocks = (reply.blocks ?? []) as Array<{
    type: string;
    elements?: Array<{ action_id?: string; value?: string }>;
  }>;
  const button = blocks
    .flatMap((block) => (block.type === 'actions' ? (block.elements ?? []) : []))
    .find((element) => element.action_id === 'sumo_confirm');
  if (!button?.value) throw new Error(`no confirm button in ${JSON.stringify(reply).slice(0, 400)}`);
  return button.value;
}

/** All text of a message, for assertions that do not care which block holds it. */
export function textOf(message: Record<string, unknown> | undefined): string {
  return JSON.stringify(message ?? {});
}
