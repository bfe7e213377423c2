#!/usr/bin/env node
import { createRequire } from 'node:module';
import {
  checkSumoAtStart,
  connectSumo,
  createCatalog,
  createLogger,
  rolloutRunner,
  searchJobRegistry,
} from '@sumo-ops/core';
import { createSlackBot } from './app.js';
import { runSlackCheck } from './check.js';
import { parseSlackFlags, SLACK_HELP_TEXT, SlackUsageError } from './flags.js';
import { loadSlackSettings, SlackSettingsError } from './settings.js';

/** A stop must end within 10 s; this leaves a second to spare. */
const HARD_STOP_MS = 9_000;
const SLACK_VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
const DEMO_NOTE = 'Demo mode: answers come from the embedded Sumo Logic simulator, not a real organisation.';

async function main(): Promise<void> {
  let flags: ReturnType<typeof parseSlackFlags>;
  try {
    flags = parseSlackFlags(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof SlackUsageError)) throw error;
    process.stderr.write(`sumo-ops-slack: ${error.message}\nRun sumo-ops-slack --help for every flag.\n`);
    process.exit(2);
  }
  if (flags.help || flags.version) {
    process.stdout.write(flags.help ? SLACK_HELP_TEXT : `${SLACK_VERSION}\n`);
    return;
  }
  if (flags.check) {
    const code = await runSlackCheck({
      env: process.env,
      argv: process.argv.slice(2),
      write: (text) => process.stdout.write(text),
    });
    process.stdout.write('', () => process.exit(code));
    return;
  }
  let settings: ReturnType<typeof loadSlackSettings>;
  try {
    settings = loadSlackSettings(process.env, process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof SlackSettingsError)) throw error;
    process.stderr.write(`${error.message}\n\nSee apps/slack-bot/README.md for every variable.\n`);
    process.exit(2);
  }
  const logger = createLogger();
  // The same connection as every bin: SUMO_* settings (validated above) or the shared demo org, and
  // the team's rate budget and kept search jobs in Redis when SUMO_OPS_REDIS_URL is set.
  const connection = await connectSumo({
    env: process.env,
    logger,
    // Loaded only for --demo: a real bot neither starts nor carries the simulator.
    demo: settings.demo
      ? () => import('@sumo-ops/simulator').then(({ startDemoSumo }) => startDemoSumo())
      : undefined,
    shareSearchJobs: true,
  });
  const { client: sumo, stores } = connection;

  const bot = createSlackBot({
    catalog: createCatalog(),
    sumo,
    orgs: connection.orgs,
    botToken: settings.botToken,
    signingSecret: settings.signingSecret,
    appToken: settings.appToken,
    slackApiUrl: settings.slackApiUrl,
    port: settings.port,
    healthPort: settings.healthPort,
    access: { admins: settings.admins, channels: settings.channels },
    logger,
    notes: settings.demo ? [DEMO_NOTE] : [],
    stores,
    digestBudgetShare: settings.digestBudgetShare,
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    // Whatever is still pending when the orchestrator's patience (usually 10 s) runs out is cut off here instead.
    setTimeout(() => {
      logger.warn('shutdown took too long; exiting anyway');
      process.exit(0);
    }, HARD_STOP_MS).unref();
    await bot
      .stop()
      .catch((error: unknown) => logger.warn('stopping the bot failed', { error: String(error) }));
    // Searches still running here have nobody left to read them: their jobs are deleted on Sumo.
    // Kept jobs in shared state stay for other replicas. Before closing the stores: it needs them.
    const searches = await searchJobRegistry.shutdown().catch((error: unknown) => {
      logger.warn('could not clean up search jobs', { error: String(error) });
      return undefined;
    });
    if (searches) logger.info('search jobs cleaned up', { ...searches });
    // A rollout's lease is handed back so another replica (or the next start) carries it on.
    await rolloutRunner.shutdown();
    await connection.close();
    logger.info('stopped');
    process.exit(0);
  };
  // Before the start-up check: a signal that arrives while it runs still cleans up and exits 0.
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  // A wrong key or deployment shows in the log now, not at the first user's first command.
  await Promise.all(
    connection.orgs
      .all()
      .map(({ name, client }) =>
        checkSumoAtStart(client, connection.orgs.named ? logger.child({ org: name }) : logger),
      ),
  );
  if (stopping) return;
  await bot.start();
  if (settings.admins.length === 0) {
    logger.warn('SUMO_OPS_ADMINS is not set: write and destructive commands are refused until it is.');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `sumo-ops-slack failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
