import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';
import {
  ALL_ORGS,
  type AnyOperation,
  answerAcrossOrgs,
  createCatalog,
  createLogger,
  explainApiError,
  freshnessNote,
  isOutcomeUnknown,
  type Logger,
  type OperationCatalog,
  type OperationContext,
  OperationInputError,
  PreviewChangedError,
  redactText,
  rolloutRunner,
  SumoConfigError,
  searchJobRegistry,
} from '@sumo-ops/core';
import { runCheckCommand } from './check.js';
import { buildCommands, type CommandSpec, findCommand } from './commands.js';
import { bashCompletion, SHELLS, zshCompletion } from './completion.js';
import { type Connection, connect } from './connect.js';
import { EXIT } from './exit.js';
import {
  globalFlagsLast,
  inputErrorText,
  isPaged,
  OUTPUT_FORMATS,
  type OutputFormat,
  type PageCursor,
  pageCursor,
  parseCommandArgs,
  stringFlag,
  takeGlobalFlags,
  UsageError,
  validateInput,
} from './flags.js';
import { commandHelp, mainHelp, SEARCH_FLAGS, searchHelp } from './help.js';
import { ItemWriter, renderItems, renderObject, renderResult, renderTable, writeOut } from './output.js';
import { activeProfile, runConfigCommand, withProfile } from './profiles.js';
import { runSearchCommand } from './search.js';

/** The process's streams and settings; the bin passes the real ones. */
export interface Io {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** Aborted on SIGINT/SIGTERM and when stdout is closed by its reader. */
  signal: AbortSignal;
  version: string;
}

/** What a command needs once its input is known to be good. */
export interface CommandRun {
  io: Io;
  catalog: OperationCatalog;
  logger: Logger;
  format: OutputFormat;
  quiet: boolean;
  /** Progress and notes go to stderr only for a person watching it. */
  chatty: boolean;
  connect(): Promise<Connection>;
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const catalog = createCatalog();
  const commands = buildCommands(catalog);
  const say = (text: string) => io.stderr.write(`sumo-ops: ${text}\n`);
  try {
    return await dispatch(argv, io, catalog, commands);
  } catch (error) {
    if (error instanceof UsageError) {
      say(error.message);
      return EXIT.usage;
    }
    if (error instanceof SumoConfigError) {
      say(`${error.message}\nSet these in the environment, or add --demo to try the built-in simulator.`);
      return EXIT.usage;
    }
    if (io.signal.aborted) return EXIT.interrupted;
    if (error instanceof OperationInputError) {
      say(inputErrorText(error));
      return EXIT.usage;
    }
    // A change whose outcome is unknown is said to be unknown, with how to check, never "failed".
    const explained = isOutcomeUnknown(error) ? explainApiError(error) : error;
    say(redactText(explained instanceof Error ? explained.message : String(explained)));
    return EXIT.failed;
  }
}

async function dispatch(
  argv: readonly string[],
  io: Io,
  catalog: OperationCatalog,
  commands: CommandSpec[],
): Promise<number> {
  argv = globalFlagsLast(argv);
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' && rest.length > 0 ? findCommand(commands, rest) : undefined;
    await writeOut(io.stdout, topic ? commandHelp(topic.spec) : mainHelp(commands));
    return EXIT.ok;
  }
  if (first === '--version') {
    await writeOut(io.stdout, `${io.version}\n`);
    return EXIT.ok;
  }
  if (first === 'check') return runCheckCommand(rest, io);
  if (first === 'config') {
    // `config set` has an --org of its own (the profile's org); elsewhere the global flags mean
    // nothing to profiles, so they are taken and said to be ignored.
    const ownOrg = rest[0] === 'set';
    const { globals, rest: configArgs } = takeGlobalFlags(rest, [
      'demo',
      'profile',
      'quiet',
      'output',
      ...(ownOrg ? [] : ['org']),
    ]);
    const ignored = Object.keys(globals).filter((flag) => flag !== 'quiet');
    if (ignored.length > 0 && globals.quiet !== true)
      io.stderr.write(
        `sumo-ops: config ignores ${ignored.map((flag) => `--${flag}`).join(', ')}: it reads and writes profiles only.\n`,
      );
    await writeOut(io.stdout, await runConfigCommand(configArgs, io.env));
    return EXIT.ok;
  }
  if (first === 'completion') {
    const shell = rest[0];
    if (shell !== 'bash' && shell !== 'zsh') {
      throw new UsageError(`completion needs a shell: sumo-ops completion ${SHELLS.join('|')}.`);
    }
    await writeOut(io.stdout, shell === 'bash' ? bashCompletion(commands) : zshCompletion(commands));
    return EXIT.ok;
  }
  const found = findCommand(commands, argv);
  const searchSpec = commands.find((spec) => spec.operation.name === 'run_search');
  if (!found && first === 'search' && searchSpec) {
    const parsed = parseCommandArgs(searchSpec, rest, SEARCH_FLAGS);
    if (parsed.help) {
      await writeOut(io.stdout, searchHelp(searchSpec, commands));
      return EXIT.ok;
    }
    return runSearchCommand(searchSpec, parsed, prepare(parsed.globals, io, catalog));
  }
  if (!found) throw new UsageError(unknownCommand(argv, commands));
  const { spec, used } = found;
  const parsed = parseCommandArgs(spec, argv.slice(used));
  if (parsed.help) {
    await writeOut(io.stdout, commandHelp(spec));
    return EXIT.ok;
  }
  const run = prepare(parsed.globals, io, catalog, spec.operation);
  const input = validateInput(catalog, spec, parsed.raw);
  const connection = await run.connect();
  try {
    return await runOperation(spec, input, parsed.globals, run, connection);
  } finally {
    await searchJobRegistry.shutdown();
    // A rollout this process drove and did not finish is handed back for a replica or the next run.
    await rolloutRunner.shutdown();
    await connection.close();
  }
}

function unknownCommand(argv: readonly string[], commands: readonly CommandSpec[]): string {
  const [first, second] = argv;
  const verbs = commands.filter((spec) => spec.toolset === first);
  if (verbs.length > 0) {
    const names = verbs.flatMap((spec) => [spec.verb, ...spec.aliases]).join(', ');
    return second === undefined
      ? `${first} needs a verb: ${names}.`
      : `${first} has no verb "${second}"; its verbs are ${names}.`;
  }
  return `unknown command "${first}"; run sumo-ops --help for every command.`;
}

/** Settles the flags every command shares; connecting waits until the input is known to be good. */
export function prepare(
  globals: Record<string, string | boolean | undefined>,
  io: Io,
  catalog: OperationCatalog,
  /** The command's operation; `--org '*'` only for those that answer per org (acrossOrgs). */
  operation?: AnyOperation,
): CommandRun {
  if (globals.org === ALL_ORGS && !operation?.acrossOrgs) {
    throw new UsageError(
      `--org '*' (every org at once) works only with ${catalog
        .list()
        .filter((candidate) => candidate.acrossOrgs)
        .map((candidate) => candidate.name)
        .join(', ')}; name one org.`,
    );
  }
  const output = globals.output;
  if (typeof output === 'string' && !(OUTPUT_FORMATS as readonly string[]).includes(output)) {
    throw new UsageError(`--output: "${output}" is not a format; use ${OUTPUT_FORMATS.join(', ')}.`);
  }
  const format = (output as OutputFormat | undefined) ?? (io.stdout.isTTY ? 'table' : 'json');
  const quiet = globals.quiet === true;
  const logger = createLogger({
    level: io.env.LOG_LEVEL ?? 'warn',
    write: (line) => io.stderr.write(line),
  }).child({ component: 'cli' });
  return {
    io,
    catalog,
    logger,
    format,
    quiet,
    chatty: !quiet && io.stderr.isTTY === true,
    connect: async () => {
      const demo = globals.demo === true;
      // The demo is its own one org: a profile's orgs file and org are about real ones.
      const profile = demo ? {} : await activeProfile(io.env, stringFlag(globals.profile));
      const env = withProfile(io.env, profile);
      const connection = await connect({ demo, env, logger });
      if (globals.org === ALL_ORGS) return { ...connection, allOrgs: true };
      const typed = stringFlag(globals.org);
      let org: ReturnType<Connection['orgs']['resolve']>;
      try {
        org = connection.orgs.resolve(typed ?? profile.org, 'sumo-ops');
      } catch (error) {
        await connection.close();
        if (!(error instanceof OperationInputError)) throw error;
        const problem = error.problems[0]?.message ?? '';
        // Said after where the org came from: the person may never have typed --org.
        throw new UsageError(
          typed === undefined && profile.name !== undefined
            ? `the current profile '${profile.name}' sets org '${profile.org}', which ${problem.replace(/^"[^"]*" /, '')} Change it with sumo-ops config set ${profile.name} --org <name>, or give --org.`
            : `--org: ${problem}`,
        );
      }
      if (connection.sourceNote && !quiet) io.stderr.write(`[source: ${connection.sourceNote}]\n`);
      const named = connection.orgs.named ? org.name : undefined;
      if (named && !quiet) io.stderr.write(`[org: ${named}]\n`);
      // Every command (search too) works through `client`: the chosen org's, and no other.
      return { ...connection, client: org.client, org: named };
    },
  };
}

/**
 * Rollouts run for many minutes, wave after wave: each step is printed as a line of its own, for
 * a person and for a CI log alike, rather than redrawn in place.
 */
const LINE_PROGRESS = new Set(['rollout_collector_upgrade', 'get_rollout_status', 'cancel_rollout']);

function contextFor(run: CommandRun, connection: Connection, operation: string): OperationContext {
  return {
    client: connection.client,
    org: connection.org,
    logger: run.logger.child({ operation }),
    signal: run.io.signal,
    reads: connection.stores.reads,
    onProgress: LINE_PROGRESS.has(operation)
      ? run.quiet
        ? undefined
        : (update) => run.io.stderr.write(`${update.message ?? ''}\n`)
      : run.chatty
        ? (update) =>
            run.io.stderr.write(
              `\r\x1b[2K${update.message ?? ''}${update.total ? ` (${update.progress}/${update.total})` : ''}`,
            )
        : undefined,
  };
}

async function runOperation(
  spec: CommandSpec,
  input: unknown,
  globals: Record<string, string | boolean | undefined>,
  run: CommandRun,
  connection: Connection,
): Promise<number> {
  const { operation } = spec;
  const { catalog, io, format } = run;
  const ctx = contextFor(run, connection, operation.name);
  if (connection.allOrgs) {
    // Every org at once, each with its own client and budget: one page, items tagged with their org.
    const answer = await answerAcrossOrgs(
      connection.orgs.all(),
      input as Record<string, number>,
      async (org) => {
        const own = { ...connection, client: org.client, org: org.name };
        return (await catalog.answer(operation.name, contextFor(run, own, operation.name), input)).result;
      },
    );
    await writeOut(io.stdout, renderAny(answer, format, true));
    return EXIT.ok;
  }
  if (operation.kind === 'read') {
    if (globals.all === true && isPaged(operation)) return pageAll(spec, input, run, ctx);
    const { result, freshness } = await catalog.answer(operation.name, ctx, input);
    const age = freshnessNote(freshness);
    if (age && run.chatty) io.stderr.write(`sumo-ops: ${age}\n`);
    await writeOut(io.stdout, renderAny(result, format, isPaged(operation)));
    return LINE_PROGRESS.has(operation.name) ? exitFor(result) : EXIT.ok;
  }

  const preview = await catalog.preview(operation.name, ctx, input);
  if (globals['dry-run'] === true) {
    await writeOut(io.stdout, format === 'table' ? previewText(preview) : renderResult(preview, format));
    return EXIT.ok;
  }
  if (!preview.willChange) {
    if (!run.quiet) io.stderr.write(`Nothing to do: ${preview.summary}\n`);
    await writeOut(io.stdout, renderResult({ changed: false, preview }, format));
    return EXIT.ok;
  }
  if (globals.yes !== true) {
    io.stderr.write(previewText(preview));
    if (!io.stdin.isTTY) {
      io.stderr.write(
        `sumo-ops: not confirmed, nothing changed: stdin is not a terminal, so there is no one to ask. Add --yes to go ahead, or --dry-run to preview only.\n`,
      );
      return EXIT.usage;
    }
    if (!(await ask(io, `${operation.title}${connection.org ? ` in ${connection.org}` : ''}? [y/N] `))) {
      io.stderr.write('Not confirmed; nothing changed.\n');
      return EXIT.usage;
    }
  } else if (!run.quiet) io.stderr.write(previewText(preview));
  let result: unknown;
  try {
    result = await catalog.run(operation.name, contextFor(run, connection, operation.name), input, {
      confirmed: true,
      confirmedPreview: preview,
    });
  } catch (error) {
    if (!(error instanceof PreviewChangedError)) throw error;
    io.stderr.write(
      `sumo-ops: ${error.message}\n${previewText(error.preview)}Run the command again to confirm this.\n`,
    );
    return EXIT.usage;
  }
  if (run.chatty && !LINE_PROGRESS.has(operation.name)) io.stderr.write('\n');
  await writeOut(io.stdout, renderResult(result, format));
  return exitFor(result);
}

/** A rollout: 0 once done, 3 when halted by a gate or cancelled, 1 when it failed; else by its counts. */
function exitFor(result: unknown): number {
  const state = (result as { state?: unknown } | null)?.state;
  if (state === 'failed') return EXIT.failed;
  if (state === 'halted' || state === 'cancelled') return EXIT.partial;
  return partial(result) ? EXIT.partial : EXIT.ok;
}

/** A bulk run where some items failed, were refused, or have an unknown outcome. */
function partial(result: unknown): boolean {
  const counts = (result as { counts?: Record<string, unknown> } | null)?.counts;
  return ['failed', 'refused', 'unknown'].some((outcome) => Number(counts?.[outcome] ?? 0) > 0);
}

async function ask(io: Io, question: string): Promise<boolean> {
  const prompt = createInterface({ input: io.stdin, output: io.stderr, terminal: true });
  // The terminal is raw while readline reads, so Ctrl-C arrives as a key, not as a signal: make
  // it the signal, so it stops the run like Ctrl-C anywhere else.
  prompt.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
  try {
    const answer = await prompt.question(question, { signal: io.signal });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}

/** The preview for a person: what would happen, warnings, and the affected objects. */
export function previewText(preview: { summary: string; warnings?: string[]; details?: unknown }): string {
  const lines = [preview.summary, ...(preview.warnings ?? []).map((warning) => `warning: ${warning}`)];
  const { details: shown } = preview;
  const details = Array.isArray(shown)
    ? listTable(shown)
    : shown && typeof shown === 'object'
      ? objectText(shown)
      : '';
  return `${lines.join('\n')}\n${details}`;
}

function listTable(items: readonly unknown[]): string {
  return renderTable(items.slice(0, 20)) + (items.length > 20 ? `… and ${items.length - 20} more\n` : '');
}

/**
 * An object for a person: its plain fields, then each object inside it as an indented block and
 * each list as a table of its own (a list of words as lines).
 */
function objectText(object: object): string {
  const entries = Object.entries(object as Record<string, unknown>);
  const nested = (value: unknown) => typeof value === 'object' && value !== null;
  const plain = entries.filter(([, value]) => !nested(value));
  let text = plain.length > 0 ? renderObject(Object.fromEntries(plain)) : '';
  for (const [key, value] of entries) {
    if (Array.isArray(value) && value.length > 0)
      text += value.every(nested)
        ? `${key}:\n${listTable(value)}`
        : `${key}:\n${value.map((item) => `  - ${String(item)}\n`).join('')}`;
    else if (nested(value) && !Array.isArray(value))
      text += `${key}:\n${renderObject(value).replace(/^/gm, '  ').trimEnd()}\n`;
  }
  return text;
}

const PAGE_FIELDS = new Set(['items', 'offset', 'limit', 'total', 'nextOffset', 'next']);

/**
 * A page answer shows its items in row formats; JSON keeps the whole page (nextOffset included).
 * A table also shows what the page says beside its items (offline OT collectors beside installed ones).
 */
function renderAny(result: unknown, format: OutputFormat, paged: boolean): string {
  if (!paged && format === 'table' && result && typeof result === 'object') return objectText(result);
  if (!paged || format === 'json') return renderResult(result, format);
  const page = result as { items: unknown[] } & Record<string, unknown>;
  const table = renderItems(page.items, format);
  if (format !== 'table') return table;
  const beside = Object.entries(page).filter(
    ([key, value]) => !PAGE_FIELDS.has(key) && typeof value === 'object' && value !== null,
  );
  return table + beside.map(([key, value]) => `\n${key}:\n${objectText(value as object)}`).join('');
}

/** Every page, written as it arrives: memory holds one page. */
async function pageAll(
  spec: CommandSpec,
  input: unknown,
  run: CommandRun,
  ctx: OperationContext,
): Promise<number> {
  const cursor = pageCursor(spec.operation) as PageCursor;
  const writer = new ItemWriter(run.io.stdout, run.format);
  let position: number | string | null | undefined = (input as Record<string, unknown>)[cursor.input] as
    | number
    | string
    | undefined;
  let count = 0;
  do {
    const page = (await run.catalog.run(spec.operation.name, ctx, {
      ...(input as Record<string, unknown>),
      [cursor.input]: position ?? undefined,
    })) as { items: unknown[]; total?: number } & Record<string, unknown>;
    await writer.page(page.items);
    count += page.items.length;
    if (run.chatty) run.io.stderr.write(`\r\x1b[2K${count}${page.total ? `/${page.total}` : ''} items`);
    position = page[cursor.output] as number | string | null;
  } while (position !== null && position !== undefined);
  if (run.chatty) run.io.stderr.write('\n');
  await writer.end();
  return EXIT.ok;
}
