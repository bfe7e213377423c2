import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, requireBuiltBin, runCli } from './support/cli.js';

beforeAll(requireBuiltBin);

/** What bash offers after `words` (the last one being typed), with the generated completion loaded. */
function complete(words: readonly string[]): string[] {
  const script = `source <("$CLI_NODE" "$CLI_BIN" completion bash)
COMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_sumo_ops; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = spawnSync('bash', ['-c', script], {
    env: { PATH: process.env.PATH ?? '', CLI_NODE: process.execPath, CLI_BIN: BIN },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout.split('\n').filter((line) => line !== '');
}

describe('shell completion generated from the catalog', () => {
  it('completes toolsets, operation names, verbs, aliases, flags and enum values in bash', () => {
    expect(complete(['sumo-ops', 'list-off'])).toEqual(['list-offline-collectors']);
    expect(complete(['sumo-ops', 'collectors', 'of'])).toEqual(['offline']);
    expect(complete(['sumo-ops', 'collectors', 'offline', '--d'])).toEqual(
      expect.arrayContaining(['--days', '--demo']),
    );
    expect(complete(['sumo-ops', 'collectors', 'delete', '--'])).toEqual(
      expect.arrayContaining(['--collector', '--yes', '--dry-run']),
    );
    expect(complete(['sumo-ops', 'list-collectors', '--filter', '']).sort()).toEqual(
      ['alive', 'all', 'dead', 'hosted', 'installed'].sort(),
    );
    expect(complete(['sumo-ops', 'search', '--mes'])).toEqual(['--messages']);
  });

  it('prints a zsh script and refuses an unknown shell with exit 2', async () => {
    const zsh = await runCli(['completion', 'zsh'], { PATH: process.env.PATH ?? '' });
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toMatch(/^#compdef sumo-ops/);
    expect(zsh.stdout).toContain('complete -F _sumo_ops sumo-ops');
    const fish = await runCli(['completion', 'fish'], { PATH: process.env.PATH ?? '' });
    expect(fish.code).toBe(2);
    expect(fish.stderr).toContain('bash|zsh');
  });
});
