import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { connectSumo, createLogger, type SumoConnection, SumoOrgs } from '@sumo-ops/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTwoOrgs, type TwoOrgs } from '../../../test/support/two-orgs.js';
import { ConfirmationTokens } from '../src/confirmation.js';
import { META_ORG } from '../src/render.js';
import { createSumoOpsMcp, type SumoOpsMcp } from '../src/runtime.js';
import { ToolSelectionError } from '../src/tool-selection.js';
import { errorCode, textOf } from './support/harness.js';
import { callsTo, hostedCollector } from './support/org.js';

let orgs: TwoOrgs;
let connection: SumoConnection;
let mcp: SumoOpsMcp;
const audit: string[] = [];

beforeAll(async () => {
  orgs = await startTwoOrgs();
  connection = await connectSumo({ env: orgs.env, logger: createLogger({ level: 'silent' }) });
  mcp = createSumoOpsMcp({
    client: connection.client,
    orgs: connection.orgs,
    logger: createLogger({ level: 'silent' }),
    tokens: new ConfirmationTokens(),
    audit: (line) => audit.push(line),
  });
});
afterAll(async () => {
  await connection?.close();
  await orgs?.close();
});

async function connect(selection?: Parameters<SumoOpsMcp['createServer']>[0]): Promise<Client> {
  const server = mcp.createServer(selection);
  const client = new Client({ name: 'orgs-test', version: '0.0.0' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  // Listing first makes the client check every structured answer against its output schema.
  await client.listTools();
  return client;
}

const call = async (client: Client, name: string, args: Record<string, unknown>) =>
  (await client.callTool({ name, arguments: args })) as CallToolResult;
const structured = (result: CallToolResult) => result.structuredContent as Record<string, unknown>;
const count = (result: CallToolResult) => (structured(result).items as unknown[]).length;

describe('an MCP server with two orgs', () => {
  it('gives every tool an optional org of the configured names, described once in the instructions', async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    for (const tool of tools) {
      // The fleet's offline list can also answer for every org at once.
      const names = tool.name === 'list_offline_collectors' ? ['prod', 'staging', '*'] : ['prod', 'staging'];
      expect(tool.inputSchema.properties?.org, tool.name).toEqual({ enum: names });
      expect(tool.inputSchema.required ?? [], tool.name).not.toContain('org');
    }
    // Nothing else grows: without `org`, each tool is the single-org server's, byte for byte.
    const single = createSumoOpsMcp({ client: connection.client, logger: createLogger({ level: 'silent' }) });
    const singleClient = new Client({ name: 'orgs-test', version: '0.0.0' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await single.createServer().connect(serverSide);
    await singleClient.connect(clientSide);
    const singleTools = (await singleClient.listTools()).tools;
    const withoutOrg = tools.map((tool) => {
      const { org: _org, ...properties } = tool.inputSchema.properties ?? {};
      return JSON.stringify({ ...tool, inputSchema: { ...tool.inputSchema, properties } });
    });
    expect(withoutOrg).toEqual(singleTools.map((tool) => JSON.stringify(tool)));
    const instructions = client.getInstructions() ?? '';
    expect(instructions.match(/- org:/g)).toHaveLength(1);
    expect(instructions).toContain('one of prod, staging (left out, prod)');
  });

  it('answers from the default org when org is left out and from the named one otherwise, naming it', async () => {
    const client = await connect();
    const prod = await call(client, 'list_collectors', { limit: 100 });
    const staging = await call(client, 'list_collectors', { limit: 100, org: 'staging' });

    expect(structured(prod)).toMatchObject({ org: 'prod' });
    expect(count(prod)).toBe(orgs.prod.org.collectors().length);
    expect(structured(staging)).toMatchObject({ org: 'staging' });
    expect(count(staging)).toBe(orgs.staging.org.collectors().length);
    expect(orgs.prod.org.collectors().length).not.toBe(orgs.staging.org.collectors().length);
    expect(textOf(staging)).toContain('[org: staging]');
    expect(staging._meta?.[META_ORG]).toBe('staging');
  });

  it('refuses a confirmation token previewed in staging on production, and acts only in staging with it', async () => {
    const client = await connect();
    const target = hostedCollector(orgs.staging);
    // Seeded alike: the same id names a collector in production too.
    expect(orgs.prod.org.collectorById(target.id)).toBeDefined();

    const preview = structured(
      await call(client, 'delete_collector', { collector: target.id, org: 'staging' }),
    );
    expect(preview).toMatchObject({ status: 'confirmation_required', org: 'staging' });
    expect(preview.message).toContain('Nothing has been changed yet in staging');
    const token = preview.confirmationToken as string;

    for (const org of [undefined, 'prod']) {
      const refused = await call(client, 'delete_collector', {
        collector: target.id,
        confirmationToken: token,
        ...(org ? { org } : {}),
      });
      expect(refused.isError).toBe(true);
      expect(errorCode(refused)).toBe('confirmation.mismatch');
      expect(textOf(refused)).toContain('another org');
    }
    expect(callsTo(orgs.prod, 'DELETE /v1/collectors/:id')).toBe(0);
    expect(orgs.prod.org.collectorById(target.id)).toBeDefined();

    const done = await call(client, 'delete_collector', {
      collector: target.id,
      confirmationToken: token,
      org: 'staging',
    });
    expect(structured(done)).toMatchObject({ status: 'completed', org: 'staging' });
    expect(orgs.staging.org.collectorById(target.id)).toBeUndefined();
    expect(orgs.prod.org.collectorById(target.id)).toBeDefined();
    expect(audit.some((line) => JSON.parse(line).org === 'staging' && line.includes('"succeeded"'))).toBe(
      true,
    );
  });

  it('lists offline collectors of every org at once with org "*": items tagged with their org, one row per org', async () => {
    const client = await connect();
    const ids = async (org: string) =>
      (
        structured(await call(client, 'list_offline_collectors', { org, aliveBeforeDays: 1 }))
          .items as Array<{
          id: number;
        }>
      ).map((item) => item.id);
    const prod = await ids('prod');
    const staging = await ids('staging');
    expect(prod.length).toBeGreaterThan(0);
    expect(staging.length).toBeGreaterThan(0);

    const result = await call(client, 'list_offline_collectors', { org: '*', aliveBeforeDays: 1 });
    expect(result.isError, textOf(result)).toBeFalsy();
    const answer = structured(result) as {
      org: string;
      items: Array<{ org: string; id: number }>;
      orgs: Array<{ org: string; count: number }>;
    };
    expect(answer.org).toBe('*');
    expect(answer.orgs.map((row) => [row.org, row.count])).toEqual([
      ['prod', prod.length],
      ['staging', staging.length],
    ]);
    for (const [org, expected] of [
      ['prod', prod],
      ['staging', staging],
    ] as const) {
      expect(answer.items.filter((item) => item.org === org).map((item) => item.id)).toEqual(expected);
    }
    // '*' is for the reads that can answer per org, not for any tool.
    const refused = await call(client, 'list_collectors', { org: '*' });
    expect(refused.isError).toBe(true);
  });

  it('keeps a client within the orgs its X-MCP-Orgs names', async () => {
    const client = await connect({ orgs: ['staging'] });
    const unnamed = await call(client, 'list_collectors', {});
    expect(structured(unnamed)).toMatchObject({ org: 'staging' });

    const beyond = await call(client, 'list_collectors', { org: 'prod' });
    expect(beyond.isError).toBe(true);
    expect(textOf(beyond)).toContain(
      'org: "prod" is not one of the orgs this client may use: use one of staging.',
    );
    expect(() => mcp.createServer({ orgs: ['qa'] })).toThrow(ToolSelectionError);
    expect(() => mcp.createServer({ orgs: ['qa'] })).toThrow(
      'X-MCP-Orgs names "qa", which this server does not offer; use a comma-separated list of prod, staging.',
    );
  });

  it('lists in a narrowed session only the orgs its X-MCP-Orgs leaves, and says one must be named', async () => {
    // A third org (staging's API under another name) so that two are left beside the default.
    const threeOrgs = new SumoOrgs(
      new Map([
        ['prod', connection.orgs.get('prod').client],
        ['staging', connection.orgs.get('staging').client],
        ['qa', connection.orgs.get('staging').client],
      ]),
      { defaultOrg: 'prod', named: true },
    );
    const three = createSumoOpsMcp({
      client: connection.client,
      orgs: threeOrgs,
      logger: createLogger({ level: 'silent' }),
    });
    const server = three.createServer({ orgs: ['qa', 'staging'] });
    const client = new Client({ name: 'orgs-test', version: '0.0.0' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    await client.connect(clientSide);
    expect(client.getInstructions()).toContain(
      '- org: the Sumo Logic org a tool acts on, one of staging, qa (it must be named).',
    );
    const { tools } = await client.listTools();
    const orgOf = (name: string) => tools.find((tool) => tool.name === name)?.inputSchema.properties?.org;
    expect(orgOf('list_collectors')).toEqual({ enum: ['staging', 'qa'] });
    expect(orgOf('list_offline_collectors')).toEqual({ enum: ['staging', 'qa', '*'] });
    await client.close();
  });

  it('refuses an org that is not configured before any call to Sumo', async () => {
    const client = await connect();
    const before = orgs.prod.counters.total + orgs.staging.counters.total;
    const refused = await call(client, 'list_collectors', { org: 'qa' });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('org');
    expect(orgs.prod.counters.total + orgs.staging.counters.total).toBe(before);
  });

  it('serves only --orgs, with no org parameter when one is left', async () => {
    const narrowed = createSumoOpsMcp({
      client: connection.client,
      orgs: connection.orgs,
      allowedOrgs: ['staging'],
      logger: createLogger({ level: 'silent' }),
    });
    const server = narrowed.createServer();
    const client = new Client({ name: 'orgs-test', version: '0.0.0' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    await client.connect(clientSide);
    const { tools } = await client.listTools();
    expect(tools.every((tool) => tool.inputSchema.properties?.org === undefined)).toBe(true);
    const answer = (await client.callTool({ name: 'list_collectors', arguments: {} })) as CallToolResult;
    expect(structured(answer)).toMatchObject({ org: 'staging' });
    expect(count(answer)).toBe(orgs.staging.org.collectors().length);
  });
});
