import {
  createLogger,
  createOpsEndpoints,
  metrics,
  redactText,
  SumoConfigError,
  warnIfSumoUnreachable,
} from '@sumo-ops/core';
import { type OAuthSettings, OAuthSettingsError, readOAuthSettings } from './auth/settings.js';
import { runCheck } from './check.js';
import { createConfirmationTokens } from './confirmation.js';
import type { RunningHttpServer } from './http.js';
import { HELP_TEXT, parseServerOptions, type ServerOptions, UsageError } from './options.js';
import { connectSumo, createSumoOpsMcp, SERVER_VERSION, type SumoConnection } from './runtime.js';
import { SHUTDOWN_DEADLINE_MS, type ShutdownSteps, shutDown } from './shutdown.js';
import { startStdio } from './stdio.js';
import { readToolSchemas } from './tool-schemas.js';

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

  if (options.check) {
    return runCheck({ demo: options.demo, env, write: (text) => process.stdout.write(text) });
  }

  const logger = createLogger().child({ component: 'mcp-server' });
  const bearerToken = env.MCP_HTTP_TOKEN?.trim() || undefined;
  let oauthSettings: OAuthSettings | undefined;
  try {
    // OAuth is for HTTP; over stdio the caller is whoever started the process.
    oauthSettings = options.transport === 'http' ? readOAuthSettings(env) : undefined;
  } catch (error) {
    if (!(error instanceof OAuthSettingsError)) throw error;
    process.stderr.write(`sumo-ops-mcp cannot start. ${error.message}\n`);
    return 1;
  }
  let connection: SumoConnection;
  try {
    connection = await connectSumo({ demo: options.demo, env, logger });
  } catch (error) {
    if (!(error instanceof SumoConfigError)) throw error;
    process.stderr.write(
      `sumo-ops-mcp cannot start. ${error.message}\nSet these in the environment (for MCP clients: the "env" block of the server's entry)${options.demo ? '' : ', or run with --demo to try it against the built-in simulator'}.\n`,
    );
    return 1;
  }

  let allowedOrgs: string[] | undefined;
  try {
    allowedOrgs = options.orgs ? connection.orgs.narrow(options.orgs, '--orgs') : undefined;
  } catch (error) {
    await connection.close();
    process.stderr.write(`sumo-ops-mcp: ${(error as Error).message}\n`);
    return 2;
  }

  const stopRequested = new Promise<string>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
  });

  const mcp = createSumoOpsMcp({
    client: connection.client,
    orgs: connection.orgs,
    allowedOrgs,
    logger,
    reads: connection.stores.reads,
    toolsets: options.toolsets,
    tools: options.tools,
    readOnly: options.readOnly,
    timeBudgetMs: options.timeBudgetMs,
    sourceNote: connection.sourceNote,
    toolSchemas: readToolSchemas(),
    tokens: await createConfirmationTokens(connection.stores, logger),
    // On stdio, stdout is the MCP channel.
    audit: (line) => (options.transport === 'http' ? process.stdout : process.stderr).write(line),
    ...(oauthSettings
      ? {
          scopes: oauthSettings.scopes,
          // Loaded only by a server configured for OAuth, like the token checks below.
          clientFor: (await import('./auth/fair-share.js')).createFairShare({
            maxInFlight: oauthSettings.maxInFlightPerCaller,
            store: connection.stores.rateLimitStore,
          }),
        }
      : {}),
  });
  if (mcp.tools.length === 0) {
    await connection.close();
    process.stderr.write(
      'sumo-ops-mcp: no tool matches --toolsets and --read-only together; widen --toolsets or drop --read-only.\n',
    );
    return 2;
  }
  logger.info('tools registered', {
    tools: mcp.tools.map((tool) => tool.name),
    toolsets: options.toolsets ?? 'all',
    readOnly: options.readOnly,
    sharedState: connection.stores.backend.description,
  });

  // A wrong key or deployment shows in the log now, not at the first user's first call; nothing
  // waits for it: `initialize` and `tools/list` need nothing from Sumo, and a tool call goes to
  // Sumo on its own (a slow or unreachable API answered it no sooner for the check having waited).
  // A session that ends first stops it: a Sumo that never answers must not hold up the exit.
  const startUpCheck = new AbortController();
  const checkSumo = () => {
    for (const { name, client } of connection.orgs.all())
      void warnIfSumoUnreachable(
        client,
        connection.orgs.named ? logger.child({ org: name }) : logger,
        startUpCheck.signal,
      );
  };
  const shutDownWhen = async (
    stop: Promise<string>,
    transport: Pick<ShutdownSteps, 'stopAccepting' | 'closeTransport'>,
  ) => {
    const reason = await stop;
    startUpCheck.abort();
    await shutDownWithin(SHUTDOWN_DEADLINE_MS, { reason, mcp, connection, logger, ...transport });
  };

  if (options.transport === 'stdio') {
    const stdio = await startStdio(mcp.createServer());
    checkSumo();
    await shutDownWhen(Promise.race([stdio.ended.then(() => 'stdin closed'), stopRequested]), {
      // New calls are refused by the drain; answers to calls in flight still go out on stdout.
      stopAccepting: () => undefined,
      closeTransport: () => stdio.close(),
    });
    return 0;
  }

  // Loaded only for this transport: the HTTP stack (express, the SDK's auth) and Prometheus metrics.
  const { HttpSecurityError, MCP_PATH, startHttpServer } = await import('./http.js');
  await metrics.enable();
  // jose and the token checks are loaded only by a server configured for OAuth.
  const oauth = oauthSettings
    ? (await import('./auth/resource-server.js')).createResourceServer({
        settings: oauthSettings,
        logger,
        tools: mcp.tools,
      })
    : undefined;
  if (oauth) {
    // Not awaited: the server serves meanwhile, and /readyz reports the same check.
    void oauth.check().then((results) => {
      for (const result of results.filter((check) => check.status !== 'ok')) {
        logger.warn('OAuth issuer check failed', { detail: result.detail, fix: result.fix });
      }
    });
  }
  let http: RunningHttpServer;
  try {
    http = await startHttpServer({
      host: options.host,
      port: options.port,
      bearerToken,
      allowedHosts: options.allowedHosts,
      createServer: mcp.createServer,
      logger,
      stateless: connection.stores.shared,
      ops: createOpsEndpoints({
        client: connection.client,
        orgs: connection.orgs,
        stores: connection.stores,
        extraChecks: oauth ? () => oauth.check() : undefined,
      }),
      oauth,
    });
  } catch (error) {
    await connection.close();
    if (!(error instanceof HttpSecurityError)) throw error;
    process.stderr.write(`sumo-ops-mcp cannot start. ${error.message}\n`);
    return 1;
  }
  process.stderr.write(`sumo-ops-mcp listening on ${http.url}${MCP_PATH}\n`);
  checkSumo();
  await shutDownWhen(stopRequested, {
    stopAccepting: () => http.stopListening(),
    closeTransport: () => http.close(),
  });
  return 0;
}

/** A shutdown that hangs (a dependency that never answers) must still end the process. */
async function shutDownWithin(ms: number, steps: ShutdownSteps): Promise<void> {
  const timer = setTimeout(() => {
    process.stderr.write(`sumo-ops-mcp: shutdown did not finish within ${ms / 1000} s; exiting anyway.\n`);
    process.exit(1);
  }, ms);
  timer.unref();
  await shutDown(steps);
  clearTimeout(timer);
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
