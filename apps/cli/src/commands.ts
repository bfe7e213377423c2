import type { AnyOperation, OperationCatalog } from '@sumo-ops/core';

/** One catalog operation as a command line command. */
export interface CommandSpec {
  operation: AnyOperation;
  /** `list-offline-collectors`: always works, for every operation. */
  name: string;
  /** `[toolset, verb]`: `collectors list-offline`. */
  toolset: string;
  verb: string;
  /** More `[toolset, verb]` pairs from the alias table: `collectors offline`. */
  aliases: string[];
  /** One-word commands from the shortcut table: `why`. */
  shortcuts: string[];
  /** Input fields that may be given as positional words, in order. */
  positional: string[];
}

/**
 * The only hand-written part of the command tree: shorter verbs for operations whose derived
 * verb is long. Keyed by operation name, so a renamed or removed operation is caught by the check
 * in `buildCommands`, and nothing here can make an operation unreachable.
 */
export const VERB_ALIASES: Readonly<Record<string, readonly string[]>> = {
  list_offline_collectors: ['offline'],
  list_upgradable_collectors: ['upgradable'],
  list_upgrade_targets: ['targets'],
  upgrade_collector: ['upgrade'],
  upgrade_collectors: ['upgrade-many'],
  get_upgrade_status: ['status'],
  get_search_status: ['status'],
  get_search_messages: ['messages'],
  get_search_records: ['records'],
  list_ot_collectors: ['list'],
  get_ot_collector: ['get'],
  delete_ot_collector: ['delete'],
  delete_offline_ot_collectors: ['delete-offline'],
  list_health_events: ['events'],
  list_ingest_budgets: ['budgets'],
  diagnose_collector: ['diagnose'],
  rollout_collector_upgrade: ['rollout'],
  get_rollout_status: ['rollout-status'],
  rollback_collector_rollout: ['rollback'],
};

/**
 * One-word commands for the questions asked most on call: `sumo-ops health`, `sumo-ops why
 * web-01`. A toolset's own verbs still win (`sumo-ops health list-events`).
 */
export const COMMAND_SHORTCUTS: Readonly<Record<string, string>> = {
  health: 'list_health_events',
  why: 'diagnose_collector',
};

/**
 * Short flag names, valid on every command whose input has the field. Field names in kebab-case
 * always work too.
 */
export const FLAG_ALIASES: Readonly<Record<string, string>> = {
  days: 'aliveBeforeDays',
  tz: 'timeZone',
  task: 'taskId',
  job: 'jobId',
  source: 'sourceId',
  soak: 'soakSeconds',
  rollout: 'rolloutId',
};

export function kebabCase(name: string): string {
  return name
    .replaceAll('_', '-')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
}

/**
 * The verb is the operation name without its toolset's noun: `list_offline_collectors` in
 * `collectors` → `list-offline`, `get_search_status` in `search` → `get-status`. When nothing is
 * left (the name is only the noun), the whole name is the verb.
 */
export function verbFor(operation: AnyOperation): string {
  const noun = operation.toolset.replace(/s$/, '');
  const words = operation.name.split('_');
  const rest = words.filter((word) => word !== noun && word !== `${noun}s`);
  return (rest.length > 0 ? rest : words).join('-');
}

/**
 * Required fields that can be given as words after the command: the first required field, when
 * it is the thing the command is about (a collector, a query, a job or task id).
 */
function positionalFields(operation: AnyOperation): string[] {
  const shape = inputShape(operation);
  const required = Object.entries(shape)
    .filter(([, field]) => !field.safeParse(undefined).success)
    .map(([name]) => name);
  const first = required[0];
  return first && ['collector', 'query', 'jobId', 'taskId'].includes(first) ? [first] : [];
}

export function inputShape(operation: AnyOperation): Record<string, import('zod').ZodType> {
  return (operation.input as unknown as { shape?: Record<string, import('zod').ZodType> }).shape ?? {};
}

/** Every operation of the catalog, each reachable by its kebab-case name and `toolset verb`. */
export function buildCommands(catalog: OperationCatalog): CommandSpec[] {
  const operations = catalog.list();
  for (const name of [...Object.keys(VERB_ALIASES), ...Object.values(COMMAND_SHORTCUTS)]) {
    if (!catalog.get(name)) throw new Error(`The command tables name ${name}, which is not in the catalog.`);
  }
  const specs = operations.map((operation) => ({
    operation,
    name: kebabCase(operation.name),
    toolset: operation.toolset,
    verb: verbFor(operation),
    aliases: [...(VERB_ALIASES[operation.name] ?? [])],
    shortcuts: Object.keys(COMMAND_SHORTCUTS).filter((word) => COMMAND_SHORTCUTS[word] === operation.name),
    positional: positionalFields(operation),
  }));
  const taken = new Map<string, string>();
  for (const spec of specs) {
    for (const verb of [spec.verb, ...spec.aliases]) {
      const key = `${spec.toolset} ${verb}`;
      const other = taken.get(key);
      if (other) throw new Error(`"${key}" would name both ${other} and ${spec.operation.name}.`);
      taken.set(key, spec.operation.name);
    }
  }
  return specs;
}

/** Finds the command the first words name; returns how many words it took. */
export function findCommand(
  commands: readonly CommandSpec[],
  words: readonly string[],
): { spec: CommandSpec; used: number } | undefined {
  const [first, second] = words;
  if (first === undefined) return undefined;
  const byName = commands.find((spec) => spec.name === first || spec.operation.name === first);
  if (byName) return { spec: byName, used: 1 };
  const byVerb =
    second === undefined
      ? undefined
      : commands.find(
          (spec) => spec.toolset === first && (spec.verb === second || spec.aliases.includes(second)),
        );
  if (byVerb) return { spec: byVerb, used: 2 };
  const byShortcut = commands.find((spec) => spec.shortcuts.includes(first));
  return byShortcut ? { spec: byShortcut, used: 1 } : undefined;
}
