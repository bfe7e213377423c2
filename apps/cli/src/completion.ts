import type { CommandSpec } from './commands.js';
import { fieldFlags, GLOBAL_FLAGS, OUTPUT_FORMATS } from './flags.js';
import { SEARCH_FLAGS } from './help.js';

export const SHELLS = ['bash', 'zsh'] as const;

function flagsOf(spec: CommandSpec): string[] {
  const fields = fieldFlags(spec).flatMap((flag) => [
    ...[flag.flag, ...flag.aliases].map((name) => `--${name}`),
    ...(flag.kind === 'boolean' ? [`--no-${flag.flag}`] : []),
  ]);
  const globals = GLOBAL_FLAGS.filter((flag) => flag.appliesTo(spec)).map((flag) => `--${flag.flag}`);
  return [...new Set([...fields, ...globals])];
}

/** Values offered after a flag that takes one of a few words (enums, --output). */
function choicesByFlag(commands: readonly CommandSpec[]): Map<string, Set<string>> {
  const choices = new Map<string, Set<string>>([
    ['--output', new Set(OUTPUT_FORMATS)],
    ['-o', new Set(OUTPUT_FORMATS)],
  ]);
  for (const spec of commands) {
    for (const flag of fieldFlags(spec)) {
      if (!/^[\w-]+(\|[\w-]+)+$/.test(flag.valueHint) || flag.kind !== 'value') continue;
      for (const name of [flag.flag, ...flag.aliases]) {
        const set = choices.get(`--${name}`) ?? new Set<string>();
        for (const choice of flag.valueHint.split('|')) set.add(choice);
        choices.set(`--${name}`, set);
      }
    }
  }
  return choices;
}

const words = (list: Iterable<string>) => [...list].join(' ');

/** A bash completion function for every command, verb and flag of the catalog. */
export function bashCompletion(commands: readonly CommandSpec[]): string {
  const toolsets = [...new Set(commands.map((spec) => spec.toolset))];
  const top = [
    ...new Set([
      ...toolsets,
      ...commands.flatMap((spec) => [spec.name, ...spec.shortcuts]),
      'completion',
      'help',
    ]),
  ];
  const runSearch = commands.find((spec) => spec.operation.name === 'run_search');
  // `sumo-ops search "<query>"` takes run_search's flags and its own.
  const searchFlags = runSearch
    ? words([...flagsOf(runSearch), ...SEARCH_FLAGS.map((flag) => `--${flag.flag}`)])
    : undefined;
  const toolsetCases = toolsets.map((toolset) => {
    const specs = commands.filter((spec) => spec.toolset === toolset);
    const verbs = specs.flatMap((spec) => [spec.verb, ...spec.aliases]);
    const verbCases = specs.map(
      (spec) => `        ${[spec.verb, ...spec.aliases].join('|')}) flags="${words(flagsOf(spec))}" ;;`,
    );
    const query = toolset === 'search' && searchFlags !== undefined;
    return `    ${toolset})
      if [[ $COMP_CWORD -eq 2 && $cur != -* ]]; then
        COMPREPLY=($(compgen -W "${words(verbs)}" -- "$cur"))
        return
      fi
      case "$w2" in
${verbCases.join('\n')}
${query ? `        *) flags="${searchFlags}" ;;\n` : ''}      esac ;;`;
  });
  const nameCases = commands.map(
    (spec) =>
      `    ${[spec.name, ...spec.shortcuts.filter((word) => !toolsets.includes(word))].join('|')}) flags="${words(flagsOf(spec))}" ;;`,
  );
  const valueCases = [...choicesByFlag(commands)].map(
    ([flag, values]) => `    ${flag}) COMPREPLY=($(compgen -W "${words(values)}" -- "$cur")); return ;;`,
  );
  return `# sumo-ops completion for bash. Load it with: source <(sumo-ops completion bash)
_sumo_ops() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local w1=\${COMP_WORDS[1]} w2=\${COMP_WORDS[2]} flags=""
  COMPREPLY=()
  case "$prev" in
${valueCases.join('\n')}
  esac
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "${words(top)} --help" -- "$cur"))
    return
  fi
  case "$w1" in
${toolsetCases.join('\n')}
${nameCases.join('\n')}
    completion) COMPREPLY=($(compgen -W "${words(SHELLS)}" -- "$cur")); return ;;
  esac
  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$flags" -- "$cur")); fi
}
complete -F _sumo_ops sumo-ops
`;
}

/** zsh runs the same function through its bash compatibility layer. */
export function zshCompletion(commands: readonly CommandSpec[]): string {
  return `#compdef sumo-ops
# sumo-ops completion for zsh. Load it with: source <(sumo-ops completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(commands).split('\n').slice(1).join('\n')}`;
}
