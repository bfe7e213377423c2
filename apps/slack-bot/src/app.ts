import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import {
  createLogger,
  createOpsEndpoints,
  createStores,
  type Logger,
  loadStateConfig,
  metrics,
  OPS_PATHS,
  type OperationCatalog,
  type RunningOpsServer,
  registerSecret,
  type Stores,
  type SumoClient,
  SumoOrgs,
  startOpsServer,
} from '@sumo-ops/core';
import { createHttpDispatcher, fetchThrough } from '@sumo-ops/core/http-dispatcher';
import { AccessPolicy, type AccessSettings } from './access.js';
import { AuditLog } from './audit.js';
import { boltLogger } from './bolt-logger.js';
import type { BotContext, SearchThreadSettings, UpgradeFollowUpSettings } from './context.js';
import { DEFAULT_DIGEST_BUDGET_SHARE } from './digest-budget.js';
import { BackendDigestStore, DigestScheduler, FileDigestStore } from './digests.js';
import { FleetOverview } from './fleet-overview.js';
import { upgradeFollowUps } from './follow-up.js';
import { subcommandsFor } from './grammar.js';
import { registerActions } from './listeners/actions.js';
import { registerCommand } from './listeners/command.js';
import { registerDigestActions } from './listeners/digest.js';
import { registerHome } from './listeners/home.js';
import { registerShortcut } from './listeners/shortcut.js';
import { ChannelOrgs, forOrg } from './orgs/channel-orgs.js';
import { HomeOrgs } from './orgs/home-orgs.js';
import { ChannelPacer } from './pacer.js';
import { CONFIRMATION_TTL_MS, PendingActions } from './pending-actions.js';
import { rolloutThreads } from './rollouts/rollout-thread.js';
import { registerSearchActions, StoredSearches } from './search-actions.js';
import { refuseOutOfWindowRequests } from './signing.js';
import { UpgradeLog } from './upgrade-log.js';

export interface SlackBotOptions {
  catalog: OperationCatalog;
  /** The default org's client. */
  sumo: SumoClient;
  /** Every org of SUMO_OPS_ORGS; absent, the one org of `sumo`. */
  orgs?: SumoOrgs | undefined;
  botToken: string;
  /** HTTP mode: required. */
  signingSecret?: string | undefined;
  /** Set → Socket Mode. */
  appToken?: string | undefined;
  /** Web API base URL, e.g. a fake Slack in tests (`http://127.0.0.1:PORT/api/`). */
  slackApiUrl?: string | undefined;
  /** HTTP mode; 0 picks a free port. Default 3000. */
  port?: number | undefined;
  /** Default 127.0.0.1 would hide the bot from Slack; default is all interfaces. */
  host?: string | undefined;
  access: AccessSettings;
  logger?: Logger | undefined;
  /** Where audit lines go; stdout by default. */
  auditWriter?: ((line: string) => void) | undefined;
  /** The clock confirmations expire by (tests move it forward). */
  now?: (() => number) | undefined;
  confirmationTtlMs?: number | undefined;
  /** Minimum gap between posts to one channel. Default 1000 ms (Slack's pace). */
  channelIntervalMs?: number | undefined;
  search?: Partial<SearchThreadSettings> | undefined;
  upgrades?: Partial<UpgradeFollowUpSettings> | undefined;
  /** Shown under replies, e.g. that answers come from the simulator. */
  notes?: string[] | undefined;
  /**
   * Where pending confirmations and thread follow-ups live (`createStores`): Redis shares them
   * with other replicas. The caller keeps ownership and closes them. Default: this process's memory.
   */
  stores?: Stores | undefined;
  /** Without Redis, digests are kept in `digests.json` here. Default SUMO_OPS_DATA_DIR, else `./.sumo-ops`. */
  dataDir?: string | undefined;
  /** How often due digests are looked for. Default 15 s. */
  digestTickMs?: number | undefined;
  /** The fraction of the rate budget all digests together may spend (SUMO_OPS_DIGEST_BUDGET_SHARE). Default 0.2. */
  digestBudgetShare?: number | undefined;
  /** At `stop()`, how long requests already acknowledged may take to finish. Default 5 s. */
  drainMs?: number | undefined;
  /** Socket Mode: serve /healthz, /readyz and /metrics on this port (HTTP mode serves them on `port`). */
  healthPort?: number | undefined;
  /** Where HTTPS_PROXY, HTTP_PROXY and NO_PROXY for calls to Slack are read. Default: process.env. */
  env?: Record<string, string | undefined> | undefined;
}

export interface SlackBot {
  app: App;
  context: BotContext;
  /** Starts listening; in HTTP mode resolves with the port. */
  start(): Promise<{ port: number | undefined }>;
  /**
   * Stops taking requests, hands thread follow-ups back (another replica finishes them), and lets
   * requests already acknowledged finish for at most `drainMs`.
   */
  stop(): Promise<void>;
}

export const EVENTS_PATH = '/slack/events';
const DEFAULT_DATA_DIR = '.sumo-ops';

/** Wires the listeners onto a Bolt app: HTTP (`/slack/events`, `/healthz`) or Socket Mode. */
export function createSlackBot(options: SlackBotOptions): SlackBot {
  // Registered here as well as in the settings loader, so a bot built in code is just as safe.
  for (const secret of [options.botToken, options.signingSecret, options.appToken]) registerSecret(secret);
  const logger = (options.logger ?? createLogger()).child({ component: 'slack-bot' });
  const socketMode = options.appToken !== undefined;
  // Web API calls, response_url posts and the Socket Mode connection all honour the proxy settings.
  const dispatcher = createHttpDispatcher(options.env ?? process.env);
  const httpFetch = fetchThrough(dispatcher);
  const common = {
    token: options.botToken,
    logger: boltLogger(logger),
    clientOptions: {
      ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
      fetch: httpFetch,
    },
    // Token verification stays on, even against a fake API: with it off, Bolt calls auth.test on
    // every incoming request before the listener runs, so each ack waits for a Web API round
    // trip. On, auth.test runs once in `init()` (below, in start) and its answer is reused.
    tokenVerificationEnabled: true,
    deferInitialization: true,
    // No listener reads conversation state; the store would only add work before every ack.
    convoStore: false as const,
  };
  let receiver: HTTPReceiver | undefined;
  let app: App;
  if (socketMode) {
    const socketReceiver = new SocketModeReceiver({
      appToken: options.appToken as string,
      dispatcher,
      logger: common.logger,
      installerOptions: { clientOptions: common.clientOptions },
    });
    app = new App({ ...common, appToken: options.appToken, socketMode: true, receiver: socketReceiver });
  } else {
    if (!options.signingSecret) throw new Error('HTTP mode needs a signing secret (SLACK_SIGNING_SECRET).');
    receiver = new HTTPReceiver({
      signingSecret: options.signingSecret,
      endpoints: EVENTS_PATH,
      logger: common.logger,
      // /healthz, /readyz and /metrics; `ops` is made below, once the stores exist.
      customRoutes: OPS_PATHS.map((path) => ({
        path,
        method: ['GET'],
        handler: (request, response) => void ops.handle(request, response),
      })),
    });
    // Bolt's own clock check only looks back; the real clock, as Slack signs by it.
    refuseOutOfWindowRequests(receiver, { path: EVENTS_PATH, logger });
    app = new App({ ...common, receiver });
  }

  const now = options.now ?? Date.now;
  // Without stores from the caller, state lives in this process, exactly as a single bot needs.
  const ownStores =
    options.stores === undefined ? createStores(loadStateConfig({}), { logger, now }) : undefined;
  const stores = options.stores ?? (ownStores as Stores);
  const orgs = options.orgs ?? SumoOrgs.single(options.sumo);
  const fleets = new Map(
    orgs
      .all()
      .map(({ name, client }) => [
        name,
        new FleetOverview(
          { catalog: options.catalog, sumo: client, logger, reads: stores.reads },
          stores.backend,
          now,
          orgs.named ? name : undefined,
        ),
      ]),
  );
  const ops = createOpsEndpoints({ client: options.sumo, orgs, stores });
  let opsServer: RunningOpsServer | undefined;
  const upgrades = {
    pollIntervalMs: 5_000,
    timeoutMs: 35 * 60_000,
    leaseMs: 15_000,
    sweepIntervalMs: 5_000,
    ...options.upgrades,
  };
  const pacer = new ChannelPacer(options.channelIntervalMs ?? 1000);
  const catalog = options.catalog;
  const upgradeLog = new UpgradeLog(stores.backend, logger, now);
  const anyOrgContext: BotContext = {
    catalog,
    specs: subcommandsFor(catalog),
    sumo: options.sumo,
    orgs,
    channelOrgs: new ChannelOrgs(stores.backend),
    homeOrgs: new HomeOrgs(stores.backend),
    reads: stores.reads,
    access: new AccessPolicy({ ...options.access, ...(options.now ? { now: options.now } : {}) }),
    pending: new PendingActions(stores.backend, now, options.confirmationTtlMs ?? CONFIRMATION_TTL_MS),
    followUps: upgradeFollowUps(
      { catalog, sumo: options.sumo, orgs, notes: options.notes ?? [], logger, pacer, upgrades, upgradeLog },
      stores.backend,
      app.client,
    ),
    rolloutThreads: rolloutThreads(
      {
        catalog,
        sumo: options.sumo,
        orgs,
        notes: options.notes ?? [],
        logger,
        pacer,
        upgrades,
        reads: stores.reads,
      },
      stores.backend,
      app.client,
    ),
    upgradeLog,
    fleet: fleets.get(orgs.defaultOrg) as FleetOverview,
    fleets,
    audit: new AuditLog(options.auditWriter, options.now),
    logger,
    pacer,
    httpFetch,
    notes: options.notes ?? [],
    search: { fileThresholdRows: 50, fileMaxRows: 5_000, progressIntervalMs: 2_000, ...options.search },
    searches: new StoredSearches(stores.backend, logger),
    digests: new DigestScheduler(
      { catalog, sumo: options.sumo, orgs, logger, pacer, httpFetch, notes: options.notes ?? [] },
      stores.backend.kind === 'redis'
        ? new BackendDigestStore(stores.backend)
        : new FileDigestStore(
            options.dataDir ?? (options.env ?? process.env).SUMO_OPS_DATA_DIR ?? DEFAULT_DATA_DIR,
          ),
      stores.backend,
      app.client,
      {
        tickMs: options.digestTickMs ?? 15_000,
        now,
        share: options.digestBudgetShare ?? DEFAULT_DIGEST_BUDGET_SHARE,
      },
    ),
    upgrades,
  };
  // Every request's handler, counted until it finishes (it runs on after the ack), so a shutdown
  // can let acknowledged work end instead of cutting it off.
  const inFlight = new Set<Promise<void>>();
  app.use(async ({ next }) => {
    const handled = next();
    inFlight.add(handled);
    try {
      await handled;
    } finally {
      inFlight.delete(handled);
    }
  });
  // With an orgs file, even of one org, everything is made in a named org and stores its name
  // (pending actions, digests, follow-ups): were a second org added later and made the default,
  // what was stored would stay with the org it was made in instead of moving to the new default.
  const context = orgs.named ? forOrg(anyOrgContext, orgs.defaultOrg) : anyOrgContext;
  registerCommand(app, context);
  registerActions(app, context);
  registerHome(app, context);
  registerSearchActions(app, context);
  registerShortcut(app, context);
  registerDigestActions(app, context);
  app.error(async (error) => {
    logger.error('unhandled Slack error', { error: error.message, code: error.code });
  });

  return {
    app,
    context,
    async start() {
      // Counting from the first request on, where /metrics is served (Socket Mode: on HEALTH_PORT).
      if (!socketMode || options.healthPort !== undefined) await metrics.enable();
      try {
        await app.init();
      } catch (error) {
        throw new Error(
          `Slack did not accept SLACK_BOT_TOKEN (auth.test: ${error instanceof Error ? error.message : String(error)}).`,
        );
      }
      context.followUps.start();
      context.rolloutThreads.start();
      context.digests.start();
      if (socketMode) {
        await app.start();
        logger.info('connected to Slack in Socket Mode');
        if (options.healthPort === undefined) return { port: undefined };
        opsServer = await startOpsServer(ops, { port: options.healthPort, host: options.host });
        logger.info('serving /healthz, /readyz and /metrics', { port: opsServer.port });
        return { port: opsServer.port };
      }
      const server = (await app.start({ port: options.port ?? 3000, host: options.host })) as Server;
      const { port } = server.address() as AddressInfo;
      logger.info('listening for Slack requests', { port, path: EVENTS_PATH });
      return { port };
    },
    async stop() {
      const deadline = sleep(options.drainMs ?? 5_000).then(() => 'timeout' as const);
      // Closing the listener waits for open connections; it must not hold up the rest.
      await Promise.race([app.stop().catch(() => undefined), deadline]);
      await Promise.all([context.followUps.stop(), context.rolloutThreads.stop()]);
      await context.digests.stop();
      const drained = await Promise.race([
        Promise.allSettled([...inFlight]).then(() => 'drained' as const),
        deadline,
      ]);
      if (drained === 'timeout') {
        logger.warn('stopped with requests still in flight', { requests: inFlight.size });
      }
      await ownStores?.close();
      await opsServer?.close();
      await dispatcher.close().catch(() => undefined);
    },
  };
}
