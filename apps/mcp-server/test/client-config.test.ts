/**
 * What users copy: server.json for the MCP registry and the README's configuration snippets for
 * each client. Each is checked against the shape its consumer documents, strictly at the levels
 * we write (a misspelt key such as `is_secret` or `mcpservers` fails), and against our package:
 * the name it runs, the variables the server reads, the access key never written in clear where
 * the client can keep it elsewhere.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HELP_TEXT } from '../src/options.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  name: string;
  version: string;
  mcpName?: string;
  bin: Record<string, string>;
};
const README = read('README.md');

/** The code block that follows `<!-- snippet: name -->` in the README. */
function snippet(name: string): string {
  const match = README.match(new RegExp(`<!-- snippet: ${name} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``));
  if (!match?.[1]) throw new Error(`README has no snippet "${name}"`);
  return match[1];
}

// server.json, as schema 2025-12-11 defines it (docs/reference/server-json in modelcontextprotocol/registry).
const VERSION = z
  .string()
  .min(1)
  .max(255)
  .refine((value) => value !== 'latest' && !/[\^~<>=*x]|\.x/.test(value), 'a specific version, not a range');
const KeyValueInput = z.strictObject({
  name: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
  description: z.string().min(1),
  isRequired: z.boolean().optional(),
  isSecret: z.boolean().optional(),
  format: z.enum(['string', 'number', 'boolean', 'filepath']).optional(),
  default: z.string().optional(),
  placeholder: z.string().optional(),
  choices: z.array(z.string()).optional(),
  value: z.string().optional(),
});
const ServerJson = z.strictObject({
  $schema: z.literal('https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json'),
  name: z
    .string()
    .min(3)
    .max(200)
    .regex(/^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/),
  title: z.string().min(1).max(100).optional(),
  description: z.string().min(1).max(100),
  version: VERSION,
  repository: z
    .strictObject({ url: z.url(), source: z.string(), subfolder: z.string().optional() })
    .optional(),
  packages: z
    .array(
      z.strictObject({
        registryType: z.string(),
        registryBaseUrl: z.url().optional(),
        identifier: z.string(),
        version: VERSION,
        runtimeHint: z.string().optional(),
        transport: z.strictObject({ type: z.literal('stdio') }),
        environmentVariables: z.array(KeyValueInput).optional(),
      }),
    )
    .min(1),
});

const Env = z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), z.string());
const NpxServer = {
  command: z.literal('npx'),
  args: z.array(z.string()).refine((args) => args[0] === '-y' && args[1] === pkg.name, 'npx -y <package>'),
  env: Env,
};
const ClaudeDesktop = z.strictObject({ mcpServers: z.record(z.string(), z.strictObject(NpxServer)) });
const ClaudeCodeProject = z.strictObject({
  mcpServers: z.record(z.string(), z.strictObject({ type: z.literal('stdio'), ...NpxServer })),
});
const Cursor = ClaudeDesktop;
const VsCodeInput = z.strictObject({
  type: z.literal('promptString'),
  id: z.string().regex(/^[\w-]+$/),
  description: z.string().min(1),
  password: z.boolean().optional(),
});
const VsCode = z.strictObject({
  inputs: z.array(VsCodeInput),
  servers: z.record(z.string(), z.strictObject({ type: z.literal('stdio'), ...NpxServer })),
});

/** Variables the server reads, as its --help lists them. */
const KNOWN_VARIABLES = new Set(HELP_TEXT.match(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/g));

describe('server.json for the MCP registry', () => {
  const server = ServerJson.parse(JSON.parse(read('server.json')));
  const [npm] = server.packages;

  it('has the 2025-12-11 shape and names this npm package at its version, over stdio', () => {
    expect(npm).toMatchObject({ registryType: 'npm', identifier: pkg.name, version: pkg.version });
    expect(server.version).toBe(pkg.version);
    expect(npm?.transport).toEqual({ type: 'stdio' });
  });

  it('matches the package.json mcpName, which the registry checks on npm', () => {
    expect(pkg.mcpName).toBe(server.name);
  });

  it('requires the access id and key, marks the key (and the Redis URL) secret, and lists only variables the server reads', () => {
    const variables = new Map(npm?.environmentVariables?.map((variable) => [variable.name, variable]));
    expect(variables.get('SUMO_ACCESS_ID')).toMatchObject({ isRequired: true, isSecret: false });
    expect(variables.get('SUMO_ACCESS_KEY')).toMatchObject({ isRequired: true, isSecret: true });
    expect(variables.get('SUMO_OPS_REDIS_URL')).toMatchObject({ isSecret: true });
    for (const name of variables.keys()) expect(KNOWN_VARIABLES, name).toContain(name);
    expect(variables.get('SUMO_DEPLOYMENT')?.choices).toContain('us1');
  });

  it('is runnable: the package has exactly one bin, which npx runs', () => {
    expect(Object.keys(pkg.bin)).toEqual(['sumo-ops-mcp']);
  });
});

describe('.env.example', () => {
  const example = read('.env.example');

  it('names every variable --help lists, and none it does not', () => {
    const names = (text: string) => [...new Set(text.match(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/g))].sort();
    expect(names(example)).toEqual([...KNOWN_VARIABLES].sort());
  });

  it('leaves the access key empty', () => {
    expect(example).toMatch(/^SUMO_ACCESS_KEY=$/m);
  });
});

describe('README configuration snippets', () => {
  it('Claude Desktop: mcpServers with npx, the package and the settings in env', () => {
    const config = ClaudeDesktop.parse(JSON.parse(snippet('claude-desktop')));
    expect(Object.keys(config.mcpServers)).toEqual(['sumo-ops']);
    expect(config.mcpServers['sumo-ops']?.env).toHaveProperty('SUMO_ACCESS_KEY');
  });

  it('Claude Code: a claude mcp add command whose key comes from the shell, and a .mcp.json that expands variables', () => {
    const command = snippet('claude-code').replace(/\\\n\s*/g, ' ');
    const words: string[] = command.match(/"[^"]*"|\S+/g) ?? [];
    expect(words.slice(0, 4)).toEqual(['claude', 'mcp', 'add', 'sumo-ops']);
    const separator = words.indexOf('--');
    expect(words.slice(separator + 1)).toEqual(['npx', '-y', pkg.name]);
    const { values } = parseArgs({
      args: words.slice(4, separator),
      options: { scope: { type: 'string' }, env: { type: 'string', multiple: true } },
      strict: true,
    });
    expect(values.scope).toMatch(/^(local|project|user)$/);
    const env = Object.fromEntries((values.env ?? []).map((pair) => pair.split(/=(.*)/s).slice(0, 2)));
    expect(env.SUMO_ACCESS_KEY).toBe('"$SUMO_ACCESS_KEY"');
    for (const name of Object.keys(env)) expect(KNOWN_VARIABLES, name).toContain(name);

    const project = ClaudeCodeProject.parse(JSON.parse(snippet('claude-code-project')));
    expect(project.mcpServers['sumo-ops']?.env.SUMO_ACCESS_KEY).toBe(`\${SUMO_ACCESS_KEY}`);
  });

  it('VS Code: servers with type stdio, the key from a promptString input with password true', () => {
    const config = VsCode.parse(JSON.parse(snippet('vscode')));
    const server = config.servers['sumo-ops'];
    const reference = server?.env.SUMO_ACCESS_KEY?.match(/^\$\{input:([\w-]+)\}$/)?.[1];
    const input = config.inputs.find(({ id }) => id === reference);
    expect(input).toMatchObject({ type: 'promptString', password: true });
    // Every ${input:…} used is declared.
    for (const value of Object.values(server?.env ?? {})) {
      const id = value.match(/^\$\{input:([\w-]+)\}$/)?.[1];
      if (id) expect(config.inputs.map((declared) => declared.id)).toContain(id);
    }
  });

  it('Cursor: mcpServers with the key from the environment (env: interpolation)', () => {
    const config = Cursor.parse(JSON.parse(snippet('cursor')));
    expect(config.mcpServers['sumo-ops']?.env.SUMO_ACCESS_KEY).toBe(`\${env:SUMO_ACCESS_KEY}`);
  });

  it('every snippet sets only variables the server reads', () => {
    for (const name of ['claude-desktop', 'claude-code-project', 'vscode', 'cursor']) {
      const servers = JSON.parse(snippet(name)) as {
        mcpServers?: Record<string, { env: object }>;
        servers?: Record<string, { env: object }>;
      };
      for (const server of Object.values(servers.mcpServers ?? servers.servers ?? {})) {
        for (const variable of Object.keys(server.env))
          expect(KNOWN_VARIABLES, `${name} ${variable}`).toContain(variable);
      }
    }
  });
});
