/**
 * What a person on a fresh machine gets: every workspace package packed with `pnpm pack` (which
 * builds it and rewrites `workspace:*`), the tarballs installed into an empty folder with plain
 * `npm install`, and the installed bins run from there with `npx` — nothing from this checkout on
 * the path. `pnpm release:check` runs this file alone. Nothing is published.
 *
 * It needs the npm registry for third-party dependencies (the packages' own come from the
 * tarballs) and takes about 17 s with a warm npm cache, so it runs on both of CI's Node versions.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS_CLIENT } from '../apps/mcp-server/test/support/apps-client.js';
import { decodePng } from './support/pictures.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const SETUP_TIMEOUT_MS = 240_000;

interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  bin?: Record<string, string>;
  files?: string[];
  engines?: Record<string, string>;
  repository?: { url?: string; directory?: string };
  exports?: Record<string, Record<string, string> | string>;
  dependencies?: Record<string, string>;
}

interface Packed {
  dir: string;
  manifest: PackageJson;
  tarball: string;
  /** package.json as it stands inside the tarball. */
  packedManifest: PackageJson;
  files: string[];
}

/**
 * Child processes get the machine's environment without what pnpm and vitest add (npm_config_*,
 * npm_package_*), so `npm install` behaves as it would in a user's shell, and without any
 * SUMO_* or SLACK_* setting, so the bins see a clean slate.
 */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || /^(npm_|pnpm_|SUMO_|SLACK_|VITEST)/i.test(name)) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

async function workspacePackages(): Promise<Array<{ dir: string; manifest: PackageJson }>> {
  const found = [];
  for (const parent of ['packages', 'apps']) {
    for (const entry of await readdir(join(ROOT, parent), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = join(ROOT, parent, entry.name);
      const text = await readFile(join(dir, 'package.json'), 'utf8').catch(() => undefined);
      if (text) found.push({ dir, manifest: JSON.parse(text) as PackageJson });
    }
  }
  return found;
}

let work: string;
let project: string;
const packed: Packed[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sumo-ops-pack-'));
  const tarballs = join(work, 'tarballs');
  project = join(work, 'project');
  await mkdir(tarballs);
  await mkdir(project);

  // One at a time: each pack builds its package first (prepack), and the machine is shared.
  for (const { dir, manifest } of await workspacePackages()) {
    const before = new Set(await readdir(tarballs));
    await run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: dir, env: cleanEnv() });
    const tarball = (await readdir(tarballs)).find((name) => !before.has(name));
    if (!tarball) throw new Error(`pnpm pack wrote no tarball for ${manifest.name}`);
    const path = join(tarballs, tarball);
    const { stdout: listing } = await run('tar', ['-tzf', path]);
    const { stdout: packedJson } = await run('tar', ['-xzOf', path, 'package/package.json']);
    packed.push({
      dir,
      manifest,
      tarball: path,
      packedManifest: JSON.parse(packedJson) as PackageJson,
      files: listing.split('\n').filter(Boolean),
    });
  }

  await writeFile(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'fresh-machine', private: true }, null, 2)}\n`,
  );
  await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--loglevel=error', ...packed.map(({ tarball }) => tarball)],
    { cwd: project, env: cleanEnv(), maxBuffer: 16 * 1024 * 1024 },
  );
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('every workspace package is publishable', () => {
  it('packs core, simulator, the MCP server and the Slack bot (and every other workspace package)', () => {
    const names = packed.map(({ manifest }) => manifest.name);
    expect(names).toEqual(
      expect.arrayContaining([
        '@sumo-ops/core',
        '@sumo-ops/simulator',
        '@sumo-ops/mcp-server',
        '@sumo-ops/slack-bot',
      ]),
    );
  });

  it('declares what a registry package needs: no private flag, license, files, engines, repository', () => {
    for (const { manifest } of packed) {
      expect(manifest.private, manifest.name).toBeUndefined();
      expect(manifest.license, manifest.name).toBe('MIT');
      expect(manifest.files, manifest.name).toContain('dist');
      expect(manifest.engines?.node, manifest.name).toMatch(/^>=20/);
      expect(manifest.repository?.url, manifest.name).toMatch(/^git\+https:\/\//);
      expect(manifest.repository?.directory, manifest.name).toMatch(/^(packages|apps)\//);
    }
  });

  it('ships built JavaScript with types, a README and the license, and no sources, tests or maps', () => {
    for (const { manifest, files } of packed) {
      expect(files, manifest.name).toEqual(
        expect.arrayContaining([
          'package/package.json',
          'package/README.md',
          'package/LICENSE',
          'package/dist/index.js',
          'package/dist/index.d.ts',
        ]),
      );
      const stray = files.filter((file) => /^package\/(src|test)\/|\.map$|\.test\./.test(file));
      expect(stray, manifest.name).toEqual([]);
      for (const bin of Object.values(manifest.bin ?? {})) {
        expect(files, `${manifest.name} bin`).toContain(`package/${bin.replace(/^\.\//, '')}`);
      }
      // The long-running bins ship an example of their settings.
      if (/mcp-server|slack-bot/.test(manifest.name))
        expect(files, manifest.name).toContain('package/.env.example');
    }
  });

  it('rewrites workspace:* to the version and exports only the built files', () => {
    const versions = new Map(packed.map(({ manifest }) => [manifest.name, manifest.version]));
    for (const { manifest, packedManifest } of packed) {
      for (const [name, range] of Object.entries(packedManifest.dependencies ?? {})) {
        expect(range, `${manifest.name} → ${name}`).not.toMatch(/^workspace:/);
        if (versions.has(name)) expect(range, `${manifest.name} → ${name}`).toBe(versions.get(name));
      }
      // The @sumo-ops/source condition points into src/, which is not in the tarball.
      expect(packedManifest.exports?.['.'], manifest.name).toEqual({
        types: './dist/index.d.ts',
        default: './dist/index.js',
      });
      // The OAuth resource server has an entry of its own, so the main one does not load jose.
      if (manifest.name === '@sumo-ops/mcp-server') {
        expect(packedManifest.exports?.['./auth'], manifest.name).toEqual({
          types: './dist/auth/index.d.ts',
          default: './dist/auth/index.js',
        });
      }
      for (const [entry, target] of Object.entries(packedManifest.exports ?? {})) {
        // Data shipped as is (the simulator's copy of Sumo's OpenAPI document) is exported by path.
        if (typeof target === 'string') {
          expect(target, `${manifest.name} ${entry}`).toMatch(/^\.\/openapi\//);
          continue;
        }
        expect(Object.keys(target), `${manifest.name} ${entry}`).toEqual(['types', 'default']);
        for (const file of Object.values(target))
          expect(file, `${manifest.name} ${entry}`).toMatch(/^\.\/dist\//);
      }
    }
  });
});

describe('installed from the tarballs with plain npm into an empty folder', () => {
  it('imports each library by its package name', async () => {
    const names = packed.map(({ manifest }) => manifest.name);
    const script = `for (const name of ${JSON.stringify(names)}) { const m = await import(name); console.log(name, Object.keys(m).length); }`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: project,
      env: cleanEnv(),
    });
    for (const name of names) expect(stdout).toMatch(new RegExp(`^${name} [1-9]\\d*$`, 'm'));
  });

  it('npx sumo-ops-mcp --demo answers tools/list to a real MCP client over stdio', async () => {
    const stderr: string[] = [];
    const transport = new StdioClientTransport({
      command: 'npx',
      args: ['--no', '--', 'sumo-ops-mcp', '--demo'],
      cwd: project,
      env: { ...getDefaultEnvironment(), LOG_LEVEL: 'warn' },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    // A client with MCP Apps: the view, built into the package, is served from the installed files.
    const client = new Client({ name: 'pack-install-test', version: '1.0.0' }, { capabilities: APPS_CLIENT });
    try {
      await client.connect(transport);
      const { tools } = await client.listTools();
      const names = tools.map((tool) => tool.name);
      expect(names).toEqual(expect.arrayContaining(['list_collectors', 'run_search', 'upgrade_collector']));
      const answer = await client.callTool({ name: 'list_collectors', arguments: { limit: 2 } });
      expect(answer.isError, stderr.join('')).toBeFalsy();
      expect(answer.structuredContent).toMatchObject({ items: expect.any(Array) });
      const view = tools.find((tool) => tool.name === 'run_search')?._meta?.ui as
        | { resourceUri: string }
        | undefined;
      expect(view?.resourceUri).toMatch(/^ui:\/\//);
      const uri = view?.resourceUri ?? '';
      const { contents } = await client.readResource({ uri });
      expect(contents[0]).toMatchObject({
        mimeType: 'text/html;profile=mcp-app',
        text: expect.stringContaining('<!doctype html>'),
      });
    } finally {
      await client.close();
    }
  });

  it('npx sumo-ops-mcp --check --demo checks the embedded simulator and exits 0', async () => {
    const { stdout } = await run('npx', ['--no', '--', 'sumo-ops-mcp', '--check', '--demo'], {
      cwd: project,
      env: cleanEnv(),
    });
    expect(stdout).toMatch(/^ok {3}sumo: /m);
    expect(stdout).toContain('All checks passed.');
  });

  it('npx sumo-ops-slack --help prints the usage without any setting', async () => {
    const { stdout } = await run('npx', ['--no', '--', 'sumo-ops-slack', '--help'], {
      cwd: project,
      env: cleanEnv(),
    });
    expect(stdout).toMatch(/^Usage: sumo-ops-slack/m);
    expect(stdout).toContain('SLACK_BOT_TOKEN');
  });

  it('npx sumo-ops-simulator --help prints the usage', async () => {
    const { stdout } = await run('npx', ['--no', '--', 'sumo-ops-simulator', '--help'], {
      cwd: project,
      env: cleanEnv(),
    });
    expect(stdout).toMatch(/^Usage: sumo-ops-simulator/m);
  });

  it('npx sumo-ops search --demo --chart draws the PNG with the installed resvg binary', async () => {
    const file = join(work, 'chart.png');
    await run(
      'npx',
      ['--no', '--', 'sumo-ops', 'search', 'error', '--from', '-1h', '--demo', '--chart', file],
      {
        cwd: project,
        env: cleanEnv(),
      },
    );
    const picture = decodePng(await readFile(file));
    expect(picture.width).toBeGreaterThanOrEqual(1440);
    expect(picture.count('#1f77b4')).toBeGreaterThan(1000);
  });

  it('npx sumo-ops --help (the command line) prints its usage', async () => {
    const { stdout } = await run('npx', ['--no', '--', 'sumo-ops', '--help'], {
      cwd: project,
      env: cleanEnv(),
    });
    expect(stdout).toMatch(/^Usage:/m);
  });
});
