/**
 * The built `sumo-ops` bin as a child process with two simulated orgs (SUMO_OPS_ORGS): --org
 * and profiles choose the org, global flags work before the command, and --check covers each org.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTwoOrgs, type TwoOrgs } from '../../../test/support/two-orgs.js';
import { configDirectory } from '../src/profiles.js';
import { calls, requireBuiltBin, runCli, runShell } from './support/cli.js';

let orgs: TwoOrgs;
let home: string;
let env: Record<string, string>;

beforeAll(async () => {
  requireBuiltBin();
  orgs = await startTwoOrgs();
});
afterAll(async () => {
  await orgs?.close();
});
beforeEach(async () => {
  if (home) await rm(home, { recursive: true, force: true });
  home = await mkdtemp(join(tmpdir(), 'sumo-ops-cli-home-'));
  // Only what an operator would export: the orgs file, the keys it names, and where config lives.
  env = { PATH: process.env.PATH ?? '', XDG_CONFIG_HOME: home, HOME: home, ...orgs.env };
  orgs.prod.counters.reset();
  orgs.staging.counters.reset();
});

const ids = (stdout: string) =>
  (JSON.parse(stdout) as { items: Array<{ id: number }> }).items.map((c) => c.id);
const LIST = 'GET /v1/collectors';

describe('sumo-ops with two orgs', () => {
  it('acts on the default org, or on the one --org names, and says which on stderr', async () => {
    const prod = await runCli(['collectors', 'list', '--limit', '100', '-o', 'json'], env);
    expect(prod.code).toBe(0);
    expect(ids(prod.stdout)).toHaveLength(orgs.prod.org.collectors().length);
    expect(prod.stderr).toContain('[org: prod]');

    const staging = await runCli(
      ['collectors', 'list', '--limit', '100', '-o', 'json', '--org', 'staging'],
      env,
    );
    expect(staging.code).toBe(0);
    expect(ids(staging.stdout)).toHaveLength(orgs.staging.org.collectors().length);
    expect(staging.stderr).toContain('[org: staging]');
    expect(calls(orgs.staging, LIST)).toBe(1);
    expect(calls(orgs.prod, LIST)).toBe(1);
  });

  it('takes the global flags before the command as well as after it', async () => {
    const before = await runCli(
      ['--org', 'staging', '--output', 'json', '--quiet', 'collectors', 'list', '--limit', '100'],
      env,
    );
    expect(before.code).toBe(0);
    expect(before.stderr).toBe('');
    expect(ids(before.stdout)).toHaveLength(orgs.staging.org.collectors().length);

    const equals = await runCli(['--org=staging', '-o', 'json', 'collectors', 'list', '--limit', '100'], env);
    expect(ids(equals.stdout)).toEqual(ids(before.stdout));

    const demo = await runCli(['--demo', '-q', '-o', 'json', 'collectors', 'offline'], {
      PATH: env.PATH as string,
    });
    expect(demo.code).toBe(0);
    expect(JSON.parse(demo.stdout)).toHaveProperty('items');
  });

  it('refuses an org that is not configured before any call to Sumo, naming the choices', async () => {
    const refused = await runCli(['--org', 'qa', 'collectors', 'list'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--org: "qa" is not a configured org: use one of prod, staging.');
    expect(orgs.prod.counters.total + orgs.staging.counters.total).toBe(0);
  });

  it('deletes only in the org named, asking in its name', async () => {
    const target = orgs.staging.org.collectors().find((collector) => collector.collectorType === 'Hosted');
    if (!target) throw new Error('the staging org has no hosted collector');
    expect(orgs.prod.org.collectorById(target.id)).toBeDefined();
    const deleted = await runCli(
      ['collectors', 'delete', String(target.id), '--org', 'staging', '--yes', '-o', 'json'],
      env,
    );
    expect(deleted.code).toBe(0);
    expect(orgs.staging.org.collectorById(target.id)).toBeUndefined();
    expect(orgs.prod.org.collectorById(target.id)).toBeDefined();
    expect(calls(orgs.prod, 'DELETE /v1/collectors/:id')).toBe(0);
  });

  it("lists offline collectors of every org with --org '*', and refuses '*' elsewhere", async () => {
    const offline = async (org: string) => {
      const answer = await runCli(['--org', org, '-o', 'json', 'collectors', 'offline', '--days', '1'], env);
      expect(answer.code, answer.stderr).toBe(0);
      return JSON.parse(answer.stdout) as { items: Array<{ id: number; org?: string }>; orgs?: unknown[] };
    };
    const prod = await offline('prod');
    const staging = await offline('staging');
    const all = await offline('*');
    expect(all.items).toEqual([
      ...prod.items.map((item) => ({ org: 'prod', ...item })),
      ...staging.items.map((item) => ({ org: 'staging', ...item })),
    ]);
    expect(all.orgs).toMatchObject([
      { org: 'prod', count: prod.items.length },
      { org: 'staging', count: staging.items.length },
    ]);
    const table = await runCli(['--org', '*', '-o', 'table', 'collectors', 'offline', '--days', '1'], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^org\b/m);

    const refused = await runCli(['--org', '*', 'collectors', 'list'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--org '*' (every org at once) works only with list_offline_collectors");
  });

  it('keeps named profiles in the platform config directory: set, list, use', async () => {
    const { file, env: secrets } = orgs;
    const bare = {
      PATH: env.PATH as string,
      XDG_CONFIG_HOME: home,
      HOME: home,
      ...secrets,
      SUMO_OPS_ORGS: '',
    };
    expect((await runCli(['config', 'set', 'work', '--orgs-file', file], bare)).code).toBe(0);
    expect((await runCli(['config', 'set', 'stg', '--orgs-file', file, '--org', 'staging'], bare)).code).toBe(
      0,
    );
    const saved = JSON.parse(await readFile(join(home, 'sumo-ops', 'config.json'), 'utf8'));
    expect(saved).toEqual({
      current: 'work',
      profiles: { work: { orgsFile: file }, stg: { orgsFile: file, org: 'staging' } },
    });
    expect(JSON.stringify(saved)).not.toContain('kept-secret');

    const viaWork = await runCli(['-o', 'json', 'collectors', 'list', '--limit', '100'], bare);
    expect(ids(viaWork.stdout)).toHaveLength(orgs.prod.org.collectors().length);

    expect((await runCli(['config', 'use', 'stg'], bare)).stdout).toBe('Now using profile stg.\n');
    const list = await runCli(['config', 'list'], bare);
    expect(list.stdout).toMatch(/^\* stg +org=staging/m);
    expect(list.stdout).toMatch(/^ {2}work +org=\(file default\)/m);
    const viaStg = await runCli(['-o', 'json', 'collectors', 'list', '--limit', '100'], bare);
    expect(ids(viaStg.stdout)).toHaveLength(orgs.staging.org.collectors().length);
    // A flag beats the profile.
    const overridden = await runCli(
      ['--profile', 'work', '--org', 'prod', '-o', 'json', 'collectors', 'list', '--limit', '100'],
      bare,
    );
    expect(ids(overridden.stdout)).toHaveLength(orgs.prod.org.collectors().length);

    const unknown = await runCli(['config', 'use', 'nope'], bare);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('profile "nope" is not in');
  });

  it('runs --demo whatever org the current profile sets, and says when a profile names a missing org', async () => {
    const bare = {
      PATH: env.PATH as string,
      XDG_CONFIG_HOME: home,
      HOME: home,
      ...orgs.env,
      SUMO_OPS_ORGS: '',
    };
    expect((await runCli(['config', 'set', 'old', '--orgs-file', orgs.file, '--org', 'qa'], bare)).code).toBe(
      0,
    );
    const demo = await runCli(['--demo', '-o', 'json', 'collectors', 'list'], bare);
    expect(demo.stderr).toContain('[source: simulator (demo)]');
    expect(demo.code).toBe(0);
    expect(calls(orgs.prod, LIST) + calls(orgs.staging, LIST)).toBe(0);

    const real = await runCli(['collectors', 'list'], bare);
    expect(real.code).toBe(2);
    expect(real.stderr).toContain(
      "the current profile 'old' sets org 'qa', which is not a configured org: use one of prod, staging.",
    );
    expect(real.stderr).not.toContain('--org:');
  });

  it('keeps words after -- as arguments when global flags come first', async () => {
    const search = await runCli(['--demo', '-o', 'json', 'search', '--', 'error | count'], env);
    expect(search.code).toBe(0);
    expect(JSON.parse(search.stdout).summary.query).toBe('error | count');
  });

  it('lets check and config take the global flags, saying which they ignore', async () => {
    const check = await runCli(['--org', 'staging', 'check'], env);
    expect(check.code).toBe(0);
    expect(check.stderr).toContain('check ignores --org: it checks every org');
    expect(check.stdout).toContain('ok   sumo:staging: ');
    const quiet = await runCli(['--quiet', 'check'], env);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    const list = await runCli(['--demo', 'config', 'list'], env);
    expect(list.code).toBe(0);
    expect(list.stderr).toContain('config ignores --demo: it reads and writes profiles only.');
    expect(list.stdout).toContain('No profiles in');
  });

  it('saves a relative --orgs-file as an absolute path, usable from any directory', async () => {
    const dir = join(home, 'work');
    await mkdir(dir, { recursive: true });
    const saved = await runShell(`cd '${dir}' && sumo-ops config set rel --orgs-file ../orgs.json`, env);
    expect(saved.code).toBe(0);
    const config = JSON.parse(await readFile(join(home, 'sumo-ops', 'config.json'), 'utf8'));
    expect(config.profiles.rel.orgsFile).toBe(join(home, 'orgs.json'));
  });

  it('says where a broken config file is broken, and nothing of what it holds', async () => {
    const pasted = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrStUvWx1234';
    await mkdir(join(home, 'sumo-ops'), { recursive: true });
    await writeFile(join(home, 'sumo-ops', 'config.json'), `{\n  "profiles": { "work": ${pasted} }\n}\n`);
    const broken = await runCli(['config', 'list'], env);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('config.json is not JSON (line 2, column 25: ');
    for (let start = 0; start + 6 <= pasted.length; start += 1)
      expect(broken.stderr).not.toContain(pasted.slice(start, start + 6));
  });

  it('checks every org on its own line', async () => {
    const checked = await runCli(['check'], env);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain(`ok   sumo:prod: ${orgs.prod.apiUrl} accepted access id suProdAccessId`);
    expect(checked.stdout).toContain(
      `ok   sumo:staging: ${orgs.staging.apiUrl} accepted access id suStagingAccessId`,
    );

    const broken = await runCli(['check'], { ...env, STG_SUMO_ACCESS_KEY: '' });
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(
      'FAIL settings: STG_SUMO_ACCESS_KEY (orgs.staging.accessKeyEnv) is not set',
    );
    expect(broken.stdout).not.toContain('kept-secret');
  });
});

describe('the config directory', () => {
  it('is the platform convention: XDG on Linux, Application Support on macOS, APPDATA on Windows', () => {
    expect(configDirectory({ XDG_CONFIG_HOME: '/x' }, 'linux', '/home/a')).toBe('/x/sumo-ops');
    expect(configDirectory({}, 'linux', '/home/a')).toBe('/home/a/.config/sumo-ops');
    expect(configDirectory({}, 'darwin', '/Users/a')).toBe('/Users/a/Library/Application Support/sumo-ops');
    expect(configDirectory({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32', 'C:\\Users\\a')).toBe(
      join('C:\\Users\\a\\AppData\\Roaming', 'sumo-ops'),
    );
  });
});
