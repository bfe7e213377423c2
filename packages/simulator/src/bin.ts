#!/usr/bin/env node
import { parseCliArgs, USAGE } from './cli-options.js';
import { DEFAULT_CREDENTIALS, startSimulator } from './server.js';

async function main(): Promise<void> {
  let command: ReturnType<typeof parseCliArgs>;
  try {
    command = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (command.kind === 'help') {
    process.stdout.write(USAGE);
    return;
  }

  const simulator = await startSimulator(command.options);
  // The bin always serves the default credentials, so printing them reveals nothing secret.
  const [credentials] = DEFAULT_CREDENTIALS;
  const counts = simulator.org.counts();
  process.stdout.write(
    [
      `Sumo Logic API simulator listening on ${simulator.url}`,
      `export SUMO_API_URL=${simulator.apiUrl}`,
      `export SUMO_ACCESS_ID=${credentials?.accessId ?? ''}`,
      `export SUMO_ACCESS_KEY=${credentials?.accessKey ?? ''}`,
      `Org: ${counts.collectors} collectors (${counts.installed} installed, ${counts.hosted} hosted; ` +
        `${counts.alive} alive, ${counts.dead} offline; ${counts.jsonManaged} JSON-managed), ` +
        `${counts.sources} sources, seed ${command.options.seed ?? 1}`,
      `Logs: ${simulator.search.corpus.size.toLocaleString('en-US')} messages to search` +
        (command.options.search?.fleetLogs ? ", and what the org's collectors send" : ''),
      '',
    ].join('\n'),
  );

  const stop = (signal: NodeJS.Signals) => {
    process.stdout.write(`Received ${signal}, shutting down.\n`);
    simulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`sumo-ops-simulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
