#!/usr/bin/env node
import { createLogger, redactText, SumoConfigError } from '@sumo-ops/core';
import { HttpSecurityError, MCP_PATH, startHttpServer } from './http.js';
import { HELP_TEXT, parseServerOptions, type ServerOptions, UsageError } from './options.js';
import { connectSumo, createSumoOpsMcp, SERVER_VERSION } from './runtime.js';
import { serveStdio } from './stdio.js';

/**
 * stdout is the MCP channel on stdio, so everything meant for a person — refusals included —
 * goes to stderr, and a refusal exits non-zero before any transport starts.
 */
async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let options: ServerOptions;
  try {
    options = parseServerOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`sumo-ops-mcp: ${error.message}\nRun sumo-ops-mcp --help for every flag.\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(HELP_TEXT);
    return 0;
  }
  if (options.version) {
    process.stdout.write(`${SERVER_VERSION}\n`);
    return 0;
  }

  const logger = createLogger().child({ component: 'mcp-server' });
  const bearerToken = env.MCP_HTTP_TOKEN?.trim() || undefined;
  let connection: Awaited<ReturnType<typeof connectSumo>>;
  try {
    connection = await connectSumo({ demo: options.demo, env, logger });
  } catch (error) {
    if (!(error instanceof SumoConfigError)) throw error;
    process.stderr.write(
      `sumo-ops-mcp cannot start. ${error.message}\nSet these in the environment (for MCP clients: the "env" block of the server's entry), or run with --demo to try it against the built-in simulator.\n`,
    );
    return 1;
  }

  const mcp = createSumoOpsMcp({
    client: connection.client,
    logger,
    toolsets: options.toolsets,
    readOnly: options.readOnly,
    timeBudgetMs: options.timeBudgetMs,
    sourceNote: connection.sourceNote,
  });
  if (mcp.tools.length === 0) {
    await connection.close();
    process.stderr.write(
      'sumo-ops-mcp: no tool matches --toolsets and --read-only together; widen --toolsets or drop --read-only.\n',
    );
    return 2;
  }
  logger.info('tools registered', {
    tools: mcp.tools.length,
    toolsets: options.toolsets ?? 'all',
    readOnly: options.readOnly,
  });

  if (options.transport === 'stdio') {
    await serveStdio(mcp.createServer());
    await connection.close();
    return 0;
  }

  let http: Awaited<ReturnType<typeof startHttpServer>>;
  try {
    http = await startHttpServer({
      host: options.host,
      port: options.port,
      bearerToken,
      allowedHosts: options.allowedHosts,
      createServer: mcp.createServer,
      logger,
    });
  } catch (error) {
    await connection.close();
    if (!(error instanceof HttpSecurityError)) throw error;
    process.stderr.write(`sumo-ops-mcp cannot start. ${error.message}\n`);
    return 1;
  }
  process.stderr.write(`sumo-ops-mcp listening on ${http.url}${MCP_PATH}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await http.close();
  await connection.close();
  return 0;
}

main(process.argv.slice(2), process.env).then(
  // Exit explicitly (the demo simulator's sockets would keep the process up), after stdout drains.
  (code) => process.stdout.write('', () => process.exit(code)),
  (error: unknown) => {
    // Core errors are redacted when made; anything else (a dependency's error) is redacted here.
    process.stderr.write(
      `sumo-ops-mcp failed: ${redactText(error instanceof Error ? error.message : String(error))}\n`,
    );
    process.exit(1);
  },
);
