import type { OperationCatalog } from '@sumo-ops/core';
import { GRAMMAR, HELP_EXAMPLE, inputFields, type SubcommandSpec, usageLine } from '../grammar.js';
import type { Block } from './limits.js';
import { code, codeBlock, context, escapeMrkdwn, header, section } from './text.js';

export interface Reply {
  text: string;
  blocks: Block[];
}

const KIND_MARK = { read: '', write: ' ✎', destructive: ' ⚠' } as const;

/** Digests are the bot's own subcommand, not a catalog operation: their grammar is written here. */
export const DIGEST_USAGE = [
  '/sumo digest add "<query>" every <1m…7d> [from=-1h] ✎',
  '/sumo digest list',
  '/sumo digest remove <id> ⚠',
] as const;

/** The whole grammar: one usage line per subcommand, each with what it does. */
export function helpMessage(
  specs: readonly SubcommandSpec[],
  catalog: OperationCatalog,
  notes: string[] = [],
): Reply {
  const line = (spec: SubcommandSpec) => {
    const operation = catalog.require(spec.operation);
    return `${usageLine(spec)}${KIND_MARK[operation.kind]}\n    ${operation.title}`;
  };
  // Two blocks, so the grammar can grow without a section's 3,000 characters cutting it short.
  const named = specs.filter((spec) => GRAMMAR.some((entry) => entry.name === spec.name));
  const byName = specs.filter((spec) => !named.includes(spec));
  const blocks: Block[] = [
    header('/sumo — Sumo Logic from Slack'),
    codeBlock([
      '/sumo help [subcommand]',
      ...named.map(line),
      ...DIGEST_USAGE.map((usage) => `${usage}\n    Scheduled search digests`),
    ]),
    ...(byName.length > 0
      ? [section('*Every other operation*, by its name with `key=value` words:'), codeBlock(byName.map(line))]
      : []),
    section(
      `*Example:* ${code(specs[0]?.example ?? HELP_EXAMPLE)}   *More:* ${code(HELP_EXAMPLE)}\n` +
        'Collectors by id or name, typed as you see them. ✎ and ⚠ commands ask for confirmation and need SUMO_OPS_ADMINS.',
    ),
  ];
  if (notes.length > 0) blocks.push(context(...notes));
  return { text: 'How to use /sumo', blocks };
}

/** One subcommand: usage, what it does, every option with its description from the schema. */
export function topicHelp(spec: SubcommandSpec, catalog: OperationCatalog, problem?: string): Reply {
  const operation = catalog.require(spec.operation);
  const aliasesByField = new Map<string, string[]>();
  for (const [alias, field] of Object.entries(spec.aliases ?? {})) {
    aliasesByField.set(field, [...(aliasesByField.get(field) ?? []), alias]);
  }
  const options = Object.entries(inputFields(operation)).map(([field, schema]) => {
    const names = [...(aliasesByField.get(field) ?? []), field].map((name) => `${name}=`).join(' / ');
    return `${names}  ${schema.description ?? ''}`;
  });
  const blocks: Block[] = [];
  if (problem) blocks.push(section(`:warning: ${escapeMrkdwn(problem)}`));
  blocks.push(
    section(`*${escapeMrkdwn(operation.title)}*\n${code(usageLine(spec))}`),
    section(`*Example:* ${code(spec.example)}`),
  );
  if (options.length > 0) blocks.push(codeBlock(options));
  blocks.push(
    context(
      `Runs \`${operation.name}\` (${operation.kind}). ${code(HELP_EXAMPLE.replace('upgrade', spec.name))}`,
    ),
  );
  return { text: problem ? `/sumo ${spec.name}: ${escapeMrkdwn(problem)}` : `/sumo ${spec.name}`, blocks };
}

/** A usage error: what is wrong, then the grammar (of the subcommand, or all of it) with an example. */
export function usageMessage(
  problem: string,
  spec: SubcommandSpec | undefined,
  specs: readonly SubcommandSpec[],
  catalog: OperationCatalog,
): Reply {
  if (spec) return topicHelp(spec, catalog, problem);
  const help = helpMessage(specs, catalog);
  return {
    text: escapeMrkdwn(problem),
    blocks: [section(`:warning: ${escapeMrkdwn(problem)}`), ...help.blocks],
  };
}
