import { type CommandSpec, kebabCase } from './commands.js';
import { commandLabel, fieldFlags, GLOBAL_FLAGS, type GlobalFlag } from './flags.js';

export const EXIT_CODES_TEXT = `Exit codes:
  0    done
  1    the operation failed (Sumo Logic answered with an error, or it could not be reached)
  2    usage: unknown command or flag, bad value, bad SUMO_* setting, or a change not confirmed
  3    partial: some items of a bulk run failed, were refused or have an unknown outcome (see the output)
  130  interrupted (Ctrl-C or SIGTERM); search jobs this run started are deleted first
`;

const SETTINGS_TEXT = `Settings (environment):
  SUMO_ACCESS_ID, SUMO_ACCESS_KEY   an access key of the organisation
  SUMO_DEPLOYMENT or SUMO_API_URL   e.g. us2, or https://api.us2.sumologic.com/api (default us1)
  SUMO_OPS_ORGS                     or a JSON file of several orgs (choose one with --org)
  SUMO_OPS_PROFILE                  the profile to use (see sumo-ops config), instead of the current one
  SUMO_OPS_REDIS_URL                share the team's rate budget with the other sumo-ops processes
  SUMO_OPS_REDIS_SENTINELS          or find Redis through Sentinel (host:port,…; with SUMO_OPS_REDIS_MASTER)
  LOG_LEVEL                         JSON logs on stderr (default warn)
`;

export const SEARCH_FLAGS: readonly GlobalFlag[] = [
  {
    flag: 'messages',
    type: 'boolean',
    description: 'Stream every message (ndjson or csv) instead of printing the summary.',
    appliesTo: () => true,
  },
  {
    flag: 'records',
    type: 'boolean',
    description: 'Stream every record of an aggregate query (ndjson or csv).',
    appliesTo: () => true,
  },
  {
    flag: 'out',
    type: 'string',
    description: 'Write the streamed rows to this file instead of stdout.',
    appliesTo: () => true,
  },
  {
    flag: 'chart',
    type: 'string',
    description:
      "Also draw messages over time as a PNG to this file (times in --tz, else this machine's zone).",
    appliesTo: () => true,
  },
];

function flagLines(flags: readonly GlobalFlag[]): string {
  return flags
    .map((flag) => {
      const names = `${flag.short ? `-${flag.short}, ` : '    '}--${flag.flag}${flag.type === 'string' ? ' <value>' : ''}`;
      return `  ${names.padEnd(24)} ${flag.description}`;
    })
    .join('\n');
}

const VERB_COLUMN = 28;

export function mainHelp(commands: readonly CommandSpec[]): string {
  const toolsets = [...new Set(commands.map((spec) => spec.toolset))];
  const sections = toolsets.map((toolset) => {
    const rows = commands
      .filter((spec) => spec.toolset === toolset)
      .map((spec) => {
        const verbs = [...spec.aliases, spec.verb].join(', ');
        const kind = spec.operation.kind === 'read' ? '' : ` [${spec.operation.kind}]`;
        const what = `${spec.operation.title}${kind}; also: ${[...spec.shortcuts, spec.name].map((name) => `sumo-ops ${name}`).join(', ')}`;
        return verbs.length < VERB_COLUMN
          ? `    ${verbs.padEnd(VERB_COLUMN)}${what}`
          : `    ${verbs}\n    ${''.padEnd(VERB_COLUMN)}${what}`;
      });
    return `  ${toolset}\n${rows.join('\n')}`;
  });
  return `sumo-ops: operate Sumo Logic from a terminal or a script.

Usage:
  sumo-ops <toolset> <verb> [word] [--flags]     sumo-ops collectors offline --days 30
  sumo-ops <operation-name> [--flags]            sumo-ops list-offline-collectors --alive-before-days 30
  sumo-ops search "<query>" [--from -1h] [--to now] [--tz UTC] [--messages|--records] [--out FILE] [--chart FILE.png]
  sumo-ops why <collector>                       why a collector is unwell: causes ranked, next steps
  sumo-ops health [--severity Error]             Sumo's unresolved health events, errors first
  sumo-ops check [--demo]                        check the settings, every org's key with Sumo Logic and Redis
  sumo-ops config list|use <p>|set <p> [--orgs-file <path>] [--org <name>]
                                                 named profiles: which orgs file, which org by default
  sumo-ops completion bash|zsh
  sumo-ops <command> --help                      every flag of a command, its type and default

Commands (toolset, then its verbs; every operation name works as a command too):
${sections.join('\n')}

Flags of every command:
${flagLines(GLOBAL_FLAGS)}
  Changes (write, destructive) show a preview and ask [y/N] on a terminal; without one they are
  refused unless --yes is given. --dry-run shows the preview only. Lists take --all.
  Output: a table on a terminal, JSON when stdout is a pipe or file; --output json|ndjson|csv|table.

${SETTINGS_TEXT}
${EXIT_CODES_TEXT}`;
}

/** `sumo-ops search --help`: the search command first, then run_search's flags it shares. */
export function searchHelp(spec: CommandSpec, commands: readonly CommandSpec[]): string {
  const verbs = commands
    .filter((candidate) => candidate.toolset === 'search')
    .flatMap((candidate) => [candidate.verb, ...candidate.aliases]);
  return `sumo-ops search "<query>" [--from -1h] [--to now] [--tz UTC] [--flags]
sumo-ops search "<query>" --messages|--records [--output ndjson|csv] [--out FILE]

Without --messages/--records: the summary (counts, histogram, top values, first rows) of run_search.
With them: every message (or record of an aggregate query) streamed as NDJSON (default) or CSV,
formula-safe, to stdout or --out FILE; progress on stderr when it is a terminal. The search job is
deleted however the run ends: done, an error, Ctrl-C, SIGTERM, or a reader that closes the pipe.
A value that starts with a dash is a value: --from -1h and --from=-1h both work.
A query that is exactly a verb of the search toolset (${verbs.join(', ')}) needs --query.

${commandHelp(spec, SEARCH_FLAGS)}`;
}

export function commandHelp(spec: CommandSpec, extra: readonly GlobalFlag[] = []): string {
  const { operation } = spec;
  const names = [
    ...spec.shortcuts.map((shortcut) => `sumo-ops ${shortcut}`),
    ...spec.aliases.map((alias) => `sumo-ops ${spec.toolset} ${alias}`),
    `sumo-ops ${spec.name}`,
  ];
  const kind =
    operation.kind === 'read'
      ? 'Reads only.'
      : `${operation.kind === 'destructive' ? 'Destructive' : 'Changes things'}: prints a preview and asks [y/N]; --yes to confirm without a terminal, --dry-run to preview only.`;
  const fields = fieldFlags(spec);
  const positional = spec.positional.map((field) => ` <${kebabCase(field)}>`).join('');
  const lines = fields.map((flag) => {
    const names = [flag.flag, ...flag.aliases].map((name) => `--${name}`).join(', ');
    const value =
      flag.kind === 'boolean'
        ? flag.defaultValue === true
          ? ` (--no-${flag.flag} to turn off)`
          : ''
        : ` <${flag.valueHint}>`;
    const notes = [
      flag.required ? 'required' : undefined,
      flag.defaultValue !== undefined && flag.kind !== 'boolean'
        ? `default ${JSON.stringify(flag.defaultValue)}`
        : undefined,
      spec.positional.includes(flag.field) ? 'or as a word' : undefined,
    ].filter(Boolean);
    return `  ${names}${value}\n      ${flag.description}${notes.length > 0 ? ` [${notes.join(', ')}]` : ''}`;
  });
  const globals = [...GLOBAL_FLAGS.filter((flag) => flag.appliesTo(spec)), ...extra];
  return `${commandLabel(spec)}${positional} [--flags]
  also: ${names.join(', ')}

${operation.title}. ${kind}

${operation.description}

Flags:
${lines.join('\n') || '  (none)'}

${flagLines(globals)}

${EXIT_CODES_TEXT}`;
}
