#!/usr/bin/env node
import { createCatalog, createLogger, SumoClient } from '@sumo-ops/core';
import { type Simulator, startSimulator } from '@sumo-ops/simulator';
import { createSlackBot } from './app.js';
import { loadSlackSettings, SlackSettingsError } from './settings.js';

const DEMO_NOTE = 'Demo mode: answers come from the embedded Sumo Logic simulator, not a real organisation.';

async function main(): Promise<void> {
  let settings: ReturnType<typeof loadSlackSettings>;
  try {
    settings = loadSlackSettings(process.env, process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof SlackSettingsError)) throw error;
    process.stderr.write(`${error.message}\n\nSee apps/slack-bot/README.md for every variable.\n`);
    process.exit(2);
  }
  const logger = createLogger();
  let simulator: Simulator | undefined;
  let sumo: SumoClient;
  if (settings.demo) {
    // Simulated time runs faster so upgrades started from Slack finish while someone watches.
    simulator = await startSimulator({ clockSpeed: 30 });
    sumo = new SumoClient({
      accessId: 'sim-access-id',
      accessKey: 'sim-access-key',
      apiUrl: simulator.apiUrl,
      env: {},
      logger,
    });
    logger.info('demo mode: using the embedded simulator', { apiUrl: simulator.apiUrl });
  } else {
    sumo = new SumoClient({ config: settings.sumo, logger });
  }

  const bot = createSlackBot({
    catalog: createCatalog(),
    sumo,
    botToken: settings.botToken,
    signingSecret: settings.signingSecret,
    appToken: settings.appToken,
    slackApiUrl: settings.slackApiUrl,
    port: settings.port,
    access: { admins: settings.admins, channels: settings.channels },
    logger,
    notes: settings.demo ? [DEMO_NOTE] : [],
  });
  await bot.start();
  if (settings.admins.length === 0) {
    logger.warn('SUMO_OPS_ADMINS is not set: write and destructive commands are refused until it is.');
  }

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await bot.stop().catch(() => undefined);
    await sumo.close();
    await simulator?.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(
    `sumo-ops-slack failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
