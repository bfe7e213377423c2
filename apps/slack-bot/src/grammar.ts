import { type AnyOperation, type OperationCatalog, USAGE_STATUSES } from '@sumo-ops/core';

/** One positional word of a subcommand and the operation input field it fills. */
export interface ArgumentSpec {
  /** As shown in the usage line: `collector` → `<collector>` (or `[collector]` when optional). */
  label: string;
  field: string;
  optional?: boolean;
  /** Takes every remaining positional word, as typed (a search query keeps its quotes). */
  rest?: boolean;
  /** The words accepted, shown in the usage line as `[alive|dead]`. */
  choices?: readonly string[];
  /** Takes every remaining positional word as a list (`web-01 web-02 "db 3"`). */
  list?: boolean;
  /** Words that stand for other input when given alone: `all` → `{ all: true }`. */
  words?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Claims the last positional word of this shape, wherever it is (a version among names). */
  match?: RegExp;
  /** With `match`: only the last positional word is claimed (a version after a name typed with spaces). */
  atEnd?: boolean;
  /**
   * A collector or source name: the rest of the positional words, as typed, so `Staging Area`
   * needs no quotes. People type names the way they see them.
   */
  name?: boolean;
}

export interface SubcommandSpec {
  name: string;
  operation: string;
  args: readonly ArgumentSpec[];
  /** Short option names for `key=value` words: `tz` → `timeZone`. Field names always work too. */
  aliases?: Readonly<Record<string, string>>;
  /** A complete command someone can copy. */
  example: string;
}

/** Collector builds look like `19.470-4`; names and ids (digits only) do not. */
const VERSION = /^\d+(\.\d+)+(-\d+)?$/;

/**
 * `/sumo <subcommand>` → catalog operation. This table is the whole grammar: parsing, usage lines
 * and help are derived from it, and the input is validated by the operation's own schema.
 * Operations without an entry are still reachable by their kebab-case name with `key=value` words.
 */
export const GRAMMAR: readonly SubcommandSpec[] = [
  {
    name: 'collectors',
    operation: 'list_collectors',
    args: [
      { label: 'filter', field: 'filter', optional: true, choices: ['alive', 'dead', 'installed', 'hosted'] },
    ],
    example: '/sumo collectors dead',
  },
  {
    name: 'offline',
    operation: 'list_offline_collectors',
    args: [{ label: 'days', field: 'aliveBeforeDays', optional: true }],
    aliases: { days: 'aliveBeforeDays' },
    example: '/sumo offline 30',
  },
  {
    name: 'collector',
    operation: 'get_collector',
    args: [{ label: 'id|name', field: 'collector', name: true }],
    example: '/sumo collector web prod 01',
  },
  {
    name: 'sources',
    operation: 'list_sources',
    args: [{ label: 'collector', field: 'collector', name: true }],
    example: '/sumo sources 108',
  },
  { name: 'targets', operation: 'list_upgrade_targets', args: [], example: '/sumo targets' },
  {
    name: 'health',
    operation: 'list_health_events',
    args: [{ label: 'collector', field: 'collector', optional: true, name: true }],
    example: '/sumo health web prod 01',
  },
  {
    name: 'why',
    operation: 'diagnose_collector',
    args: [{ label: 'collector', field: 'collector', name: true }],
    example: '/sumo why web prod 01',
  },
  // OpenTelemetry collectors keep their operations' kebab-case names, with the collector (or the
  // liveness) as a positional word like the installed ones.
  {
    name: 'list-ot-collectors',
    operation: 'list_ot_collectors',
    args: [
      {
        label: 'alive|offline',
        field: 'alive',
        optional: true,
        choices: ['alive', 'offline'],
        words: { alive: { alive: true }, offline: { alive: false } },
      },
    ],
    example: '/sumo list-ot-collectors offline',
  },
  {
    name: 'get-ot-collector',
    operation: 'get_ot_collector',
    args: [{ label: 'id|name', field: 'collector', name: true }],
    example: '/sumo get-ot-collector otel prod web 01',
  },
  {
    name: 'delete-ot-collector',
    operation: 'delete_ot_collector',
    args: [{ label: 'collector', field: 'collector', name: true }],
    example: '/sumo delete-ot-collector otel prod db 01',
  },
  {
    name: 'delete-offline-ot-collectors',
    operation: 'delete_offline_ot_collectors',
    args: [],
    example: '/sumo delete-offline-ot-collectors',
  },
  {
    name: 'list-ingest-budgets',
    operation: 'list_ingest_budgets',
    args: [{ label: 'status', field: 'status', optional: true, choices: USAGE_STATUSES }],
    example: '/sumo list-ingest-budgets Exceeded',
  },

  {
    name: 'upgrade',
    operation: 'upgrade_collector',
    args: [
      { label: 'collector', field: 'collector', name: true },
      { label: 'version', field: 'toVersion', optional: true, match: VERSION, atEnd: true },
    ],
    aliases: { version: 'toVersion' },
    example: '/sumo upgrade web prod 01 19.470-4',
  },
  {
    name: 'upgrade-status',
    operation: 'get_upgrade_status',
    args: [{ label: 'task', field: 'taskId' }],
    aliases: { task: 'taskId' },
    example: '/sumo upgrade-status 4012',
  },
  {
    name: 'upgrade-many',
    operation: 'upgrade_collectors',
    args: [
      { label: 'collector…|all', field: 'collectors', list: true, words: { all: { all: true } } },
      { label: 'version', field: 'toVersion', optional: true, match: VERSION },
    ],
    aliases: { version: 'toVersion' },
    example: '/sumo upgrade-many web-01 web-02 "db 3" 19.470-4',
  },
  {
    name: 'rollout',
    operation: 'rollout_collector_upgrade',
    args: [
      { label: 'collector…|all', field: 'collectors', list: true, words: { all: { all: true } } },
      { label: 'version', field: 'toVersion', optional: true, match: VERSION },
    ],
    aliases: { version: 'toVersion', soak: 'soakSeconds' },
    example: '/sumo rollout all waves=1,10%,100% soak=10m',
  },
  {
    name: 'rollout-status',
    operation: 'get_rollout_status',
    args: [{ label: 'rollout', field: 'rolloutId', optional: true }],
    example: '/sumo rollout-status',
  },
  {
    name: 'rollout-cancel',
    operation: 'cancel_rollout',
    args: [{ label: 'rollout', field: 'rolloutId', optional: true }],
    example: '/sumo rollout-cancel',
  },
  {
    name: 'rollback',
    operation: 'rollback_collector_rollout',
    args: [{ label: 'rollout', field: 'rolloutId', optional: true }],
    example: '/sumo rollback ro-1a2b3c4d5e6f',
  },
  {
    name: 'delete-collector',
    operation: 'delete_collector',
    args: [{ label: 'collector', field: 'collector', name: true }],
    example: '/sumo delete-collector old host 7',
  },
  {
    name: 'delete-offline',
    operation: 'delete_offline_collectors',
    args: [{ label: 'days', field: 'aliveBeforeDays' }],
    aliases: { days: 'aliveBeforeDays' },
    example: '/sumo delete-offline 30',
  },
  {
    name: 'search',
    operation: 'run_search',
    args: [{ label: 'query', field: 'query', rest: true }],
    aliases: { tz: 'timeZone' },
    example: '/sumo search _sourceCategory=prod/web error | count by _sourceHost from=-1h',
  },
];

export const HELP_EXAMPLE = '/sumo help upgrade';

/** Field names of an operation's input object (empty for non-object inputs). */
export function inputFields(operation: AnyOperation): Record<string, { description?: string | undefined }> {
  const shape = (operation.input as unknown as { shape?: Record<string, { description?: string }> }).shape;
  return shape ?? {};
}

export function kebabCase(operationName: string): string {
  return operationName.replaceAll('_', '-');
}

/**
 * The subcommands this catalog supports: the grammar's entries whose operation exists, then a
 * generic `key=value` subcommand for every other operation, so nothing in the catalog is out of reach.
 */
export function subcommandsFor(catalog: OperationCatalog): SubcommandSpec[] {
  const specs = GRAMMAR.filter((spec) => catalog.get(spec.operation));
  const covered = new Set(specs.map((spec) => spec.operation));
  for (const operation of catalog.list()) {
    if (covered.has(operation.name)) continue;
    const fields = Object.keys(inputFields(operation));
    const sample = fields.length > 0 ? ` ${fields[0]}=…` : '';
    specs.push({
      name: kebabCase(operation.name),
      operation: operation.name,
      args: [],
      example: `/sumo ${kebabCase(operation.name)}${sample}`,
    });
  }
  return specs;
}

export function usageLine(spec: SubcommandSpec): string {
  const words = spec.args.map((arg) => {
    const inner = arg.choices ? arg.choices.join('|') : arg.label;
    const shown = arg.rest && !inner.includes('…') ? `${inner}…` : inner;
    return arg.optional ? `[${shown}]` : `<${shown}>`;
  });
  return ['/sumo', spec.name, ...words, '[key=value…]'].join(' ');
}
