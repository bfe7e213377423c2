/**
 * `sumo-ops-mcp` run as a process with SUMO_OPS_ORGS naming two simulated orgs: --check covers
 * each org, a bad orgs file is one line per problem, --orgs is checked at start, and over HTTP a
 * client's X-MCP-Orgs keeps it within the orgs it names.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBin, runCheck, startSourceBin } from '../../../test/support/run-bin.js';
import { startTwoOrgs, type TwoOrgs } from '../../../test/support/two-orgs.js';
import { textOf } from './support/harness.js';

const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));

let orgs: TwoOrgs;
beforeAll(async () => {
  orgs = await startTwoOrgs();
});
afterAll(async () => orgs?.close());

async function until<T>(find: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('sumo-ops-mcp with SUMO_OPS_ORGS', () => {
  it('checks every org on its own line', async () => {
    const { code, output } = await runCheck(BIN, orgs.env);
    expect(output).toContain(`ok   sumo:prod: ${orgs.prod.apiUrl} accepted access id suProdAccessId`);
    expect(output).toContain(
      `ok   sumo:staging: ${orgs.staging.apiUrl} accepted access id suStagingAccessId`,
    );
    expect(code).toBe(0);
  });

  it('refuses a bad orgs file with one line per problem, naming the field and the fix, and no key', async () => {
    const bad = `${orgs.file}.bad.json`;
    await writeFile(
      bad,
      JSON.stringify({
        default: 'qa',
        orgs: {
          prod: {
            deployment: 'us9',
            accessIdEnv: 'PROD_SUMO_ACCESS_ID',
            accessKeyEnv: 'PROD_SUMO_ACCESS_KEY',
          },
          staging: {
            apiUrl: orgs.staging.apiUrl,
            accessIdEnv: 'STG_SUMO_ACCESS_ID',
            accessKey: 'inline-secret',
          },
        },
      }),
    );
    const { code, output } = await runCheck(BIN, { ...orgs.env, SUMO_OPS_ORGS: bad });
    const failures = output.split('\n').filter((line) => line.startsWith('FAIL'));
    expect(failures).toEqual([
      'FAIL settings: orgs.prod.deployment is "us9"',
      'FAIL settings: orgs.staging.accessKey',
      'FAIL settings: orgs.staging.accessKeyEnv is missing',
      'FAIL settings: default is "qa"',
    ]);
    expect(output).toContain('fix: use one of au, ca, ch, de, esc, eu, fed, in, jp, kr, us1, us2.');
    expect(output).not.toContain('inline-secret');
    expect(output).not.toContain('kept-secret');
    expect(code).toBe(1);
  });

  it('refuses --orgs naming an org that is not configured', async () => {
    const run = startSourceBin(BIN, orgs.env, ['--orgs', 'prod,qa']);
    run.child.stdin?.end();
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain(
      '--orgs names "qa", which is not a configured org: use a comma-separated list of prod, staging.',
    );
  });

  describe('over HTTP', () => {
    let server: RunningBin;
    let url: string;
    beforeAll(async () => {
      server = startSourceBin(BIN, orgs.env, ['--transport', 'http', '--port', '0']);
      url = await until(
        () => server.output().match(/listening on (http:\/\/\S+\/mcp)/)?.[1],
        'the server to listen',
      );
    });
    afterAll(async () => {
      server?.child.kill('SIGTERM');
      await server?.exited;
    });

    const connect = async (headers: Record<string, string> = {}) => {
      const client = new Client({ name: 'orgs-bin-test', version: '0.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
      return client;
    };

    it('tells a client the orgs its X-MCP-Orgs leaves it, in the instructions and the org enum', async () => {
      const everyOrg = await connect();
      expect(everyOrg.getInstructions()).toContain(
        '- org: the Sumo Logic org a tool acts on, one of prod, staging (left out, prod).',
      );
      const all = (await everyOrg.listTools()).tools;
      expect(all.find((tool) => tool.name === 'list_collectors')?.inputSchema.properties?.org).toEqual({
        enum: ['prod', 'staging'],
      });
      await everyOrg.close();

      // Narrowed to staging, nothing is left to choose: no prod, no default of prod, no org.
      const staging = await connect({ 'X-MCP-Orgs': 'staging' });
      expect(staging.getInstructions()).not.toContain('- org:');
      expect(staging.getInstructions()).not.toContain('prod, staging');
      const narrowed = (await staging.listTools()).tools;
      expect(narrowed.map((tool) => tool.name)).toEqual(all.map((tool) => tool.name));
      for (const tool of narrowed) expect(tool.inputSchema.properties?.org, tool.name).toBeUndefined();
      // The rest of each definition is the shared one.
      const { org: _org, ...others } = all[0]?.inputSchema.properties ?? {};
      expect(narrowed[0]?.inputSchema.properties).toEqual(others);
      await staging.close();

      const both = await connect({ 'X-MCP-Orgs': 'staging,prod' });
      expect(both.getInstructions()).toBe(everyOrg.getInstructions());
      await both.close();
    });

    it('keeps a client that sends X-MCP-Orgs within those orgs, and names the org of each answer', async () => {
      const client = await connect({ 'X-MCP-Orgs': 'staging' });
      const answer = (await client.callTool({
        name: 'list_collectors',
        arguments: { limit: 100 },
      })) as CallToolResult;
      expect(answer.structuredContent).toMatchObject({ org: 'staging' });
      expect((answer.structuredContent?.items as unknown[] | undefined)?.length).toBe(
        orgs.staging.org.collectors().length,
      );
      const beyond = (await client.callTool({
        name: 'list_collectors',
        arguments: { org: 'prod' },
      })) as CallToolResult;
      expect(beyond.isError).toBe(true);
      expect(textOf(beyond)).toContain('"prod" is not one of the orgs this client may use');
      await client.close();

      const everyOrg = await connect();
      const prod = (await everyOrg.callTool({
        name: 'list_collectors',
        arguments: { limit: 100 },
      })) as CallToolResult;
      expect(prod.structuredContent).toMatchObject({ org: 'prod' });
      await everyOrg.close();
    });
  });
});
