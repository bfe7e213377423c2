import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { jsonSyntaxProblem, ORG_NAME_PATTERN } from '@sumo-ops/core';
import { UsageError } from './flags.js';

/**
 * A named profile, as aws-cli, gcloud and kubectl keep them: which orgs file to use and which of
 * its orgs by default. Never a secret: keys stay in the variables the orgs file names.
 */
export interface Profile {
  /** Used when SUMO_OPS_ORGS is not set. */
  orgsFile?: string | undefined;
  /** Used when --org is not given; absent, the orgs file's default. */
  org?: string | undefined;
}

export interface CliConfig {
  /** The profile used when neither --profile nor SUMO_OPS_PROFILE names one. */
  current?: string | undefined;
  profiles: Record<string, Profile>;
}

const PROFILE_FIELDS = ['orgsFile', 'org'] as const;

/**
 * The platform's place for a user's configuration: $XDG_CONFIG_HOME (else ~/.config) on Linux,
 * ~/Library/Application Support on macOS, %APPDATA% on Windows. Written here rather than taken
 * from env-paths, which puts macOS configuration under ~/Library/Preferences (Apple's place for
 * plists) and adds a "-nodejs" suffix elsewhere.
 */
export function configDirectory(
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'sumo-ops');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'sumo-ops');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'sumo-ops');
}

export function configFile(env: Record<string, string | undefined>): string {
  return join(configDirectory(env), 'config.json');
}

/** The file's profiles; none when it does not exist. Problems name the file and the fix. */
export async function readCliConfig(file: string): Promise<CliConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw new UsageError(`${file} cannot be read (${(error as NodeJS.ErrnoException).code}).`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(
      `${file} is not JSON (${jsonSyntaxProblem(text)}): fix it, or remove it and run sumo-ops config set again.`,
    );
  }
  const config = parsed as Partial<CliConfig> | null;
  const problems: string[] = [];
  if (
    !config ||
    typeof config !== 'object' ||
    (config.profiles !== undefined && typeof config.profiles !== 'object')
  )
    problems.push(
      'it must be { "current": "name", "profiles": { "name": { "orgsFile": "…", "org": "…" } } }',
    );
  for (const [name, profile] of Object.entries(config?.profiles ?? {})) {
    for (const key of Object.keys(profile ?? {})) {
      if (!(PROFILE_FIELDS as readonly string[]).includes(key))
        problems.push(
          `profiles.${name}.${key} is not a profile field (the fields are ${PROFILE_FIELDS.join(', ')}; secrets stay in the environment)`,
        );
    }
  }
  if (problems.length > 0) throw new UsageError(`${file}: ${problems.join('; ')}.`);
  return { current: config?.current, profiles: config?.profiles ?? {} };
}

/** Written whole, then renamed over the old file, so a crash never leaves half a file. */
async function writeCliConfig(file: string, config: CliConfig): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}

/** The profile a run uses: --profile, else SUMO_OPS_PROFILE, else the file's current one. */
export async function activeProfile(
  env: Record<string, string | undefined>,
  named: string | undefined,
): Promise<Profile & { name?: string }> {
  const file = configFile(env);
  const config = await readCliConfig(file);
  const name = named ?? (env.SUMO_OPS_PROFILE?.trim() || undefined) ?? config.current;
  if (name === undefined) return {};
  const profile = config.profiles[name];
  if (!profile) {
    throw new UsageError(
      `profile "${name}" is not in ${file}: ${Object.keys(config.profiles).length ? `use one of ${Object.keys(config.profiles).join(', ')}` : 'there are none yet'}, or make it with sumo-ops config set ${name} --orgs-file <path> [--org <name>].`,
    );
  }
  return { name, ...profile };
}

/** The environment a run connects with: SUMO_OPS_ORGS, when set, wins over the profile's file, as the environment does over a config file. */
export function withProfile(
  env: Record<string, string | undefined>,
  profile: Profile,
): Record<string, string | undefined> {
  return profile.orgsFile && !env.SUMO_OPS_ORGS ? { ...env, SUMO_OPS_ORGS: profile.orgsFile } : env;
}

export const CONFIG_USAGE =
  'sumo-ops config list | use <profile> | set <profile> [--orgs-file <path>] [--org <name>]';

/** `sumo-ops config …`: list the profiles, switch the current one, or make or change one. */
export async function runConfigCommand(
  args: readonly string[],
  env: Record<string, string | undefined>,
): Promise<string> {
  const [verb, name, ...rest] = args;
  const file = configFile(env);
  const config = await readCliConfig(file);
  if (verb === 'list' && name === undefined) {
    const names = Object.keys(config.profiles);
    if (names.length === 0)
      return `No profiles in ${file}. Make one with sumo-ops config set <profile> --orgs-file <path>.\n`;
    const rows = names.map((profile) => {
      const { orgsFile, org } = config.profiles[profile] as Profile;
      const marker = profile === config.current ? '*' : ' ';
      return `${marker} ${profile.padEnd(16)} org=${org ?? '(file default)'}  orgsFile=${orgsFile ?? '(SUMO_OPS_ORGS)'}`;
    });
    return `${rows.join('\n')}\n(${file}; * is the current profile)\n`;
  }
  if (verb === 'use' && name !== undefined && rest.length === 0) {
    if (!config.profiles[name]) {
      throw new UsageError(
        `profile "${name}" is not in ${file}: ${Object.keys(config.profiles).length ? `use one of ${Object.keys(config.profiles).join(', ')}` : 'there are none yet'}, or make it with sumo-ops config set ${name} --orgs-file <path>.`,
      );
    }
    await writeCliConfig(file, { ...config, current: name });
    return `Now using profile ${name}.\n`;
  }
  if (verb === 'set' && name !== undefined) {
    if (!ORG_NAME_PATTERN.test(name))
      throw new UsageError(`profile "${name}": use 1 to 32 lower-case letters, digits or "-".`);
    const profile: Profile = { ...config.profiles[name] };
    for (let index = 0; index < rest.length; index += 2) {
      const flag = rest[index];
      const value = rest[index + 1];
      if ((flag !== '--orgs-file' && flag !== '--org') || value === undefined || value.startsWith('--'))
        throw new UsageError(`config set takes --orgs-file <path> and --org <name>: ${CONFIG_USAGE}.`);
      if (flag === '--org') {
        if (!ORG_NAME_PATTERN.test(value))
          throw new UsageError(`--org "${value}": an org name is 1 to 32 lower-case letters, digits or "-".`);
        profile.org = value;
        // Kept absolute: the profile is used from whatever directory sumo-ops runs in next.
      } else profile.orgsFile = resolve(value);
    }
    const current = config.current ?? name;
    await writeCliConfig(file, { current, profiles: { ...config.profiles, [name]: profile } });
    return `Profile ${name} saved in ${file}${current === name ? ' (current)' : ''}.\n`;
  }
  throw new UsageError(`usage: ${CONFIG_USAGE}.`);
}
