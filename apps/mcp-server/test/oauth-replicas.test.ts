/**
 * Two replicas of the built `sumo-ops-mcp`, configured for OAuth against a real OpenID provider,
 * sharing Redis behind a round-robin load balancer: who previewed a change is known on every
 * replica, every write's audit line names the person, and the bins refuse, check and report as
 * an operator expects.
 */
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type LocalRedis, type Simulator, startRedisServer, startSimulator } from '@sumo-ops/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../../test/support/run-bin.js';
import {
  callTool,
  type HttpReplica,
  requireBuiltBin,
  spawnBin,
  startHttpReplica,
  sumoEnv,
} from './support/bin-process.js';
import { errorCode, textOf } from './support/harness.js';
import { clientCredentialsClient, freePort } from './support/oauth-server.js';
import { type LocalOidc, startOidc } from './support/oidc.js';
import { roundRobinProxy } from './support/round-robin-proxy.js';

const SOURCE_BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));

let sim: Simulator;
let redis: LocalRedis;
let oidc: LocalOidc;
let replicas: HttpReplica[] = [];
let proxy: Awaited<ReturnType<typeof roundRobinProxy>>;
let publicUrl: string;
let env: Record<string, string>;
/** What each replica wrote on stdout: nothing but audit lines. */
const stdout: string[] = ['', ''];
const clients: Client[] = [];

beforeAll(async () => {
  requireBuiltBin();
  sim = await startSimulator({ org: { collectors: 4 }, rateLimit: { perSecond: 50, concurrent: 10 } });
  redis = await startRedisServer();
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  oidc = await startOidc({ resource: `${publicUrl}/mcp` });
  env = sumoEnv(sim, {
    SUMO_OPS_REDIS_URL: redis.url,
    SUMO_OPS_KEY_PREFIX: 'oauth-replicas-test:',
    MCP_OAUTH_ISSUER: oidc.issuer,
    MCP_PUBLIC_URL: publicUrl,
  });
  replicas = await Promise.all([startHttpReplica(env), startHttpReplica(env)]);
  replicas.forEach((replica, index) => {
    replica.child.stdout?.setEncoding('utf8');
    replica.child.stdout?.on('data', (chunk: string) => {
      stdout[index] += chunk;
    });
  });
  proxy = await roundRobinProxy(
    replicas.map((replica) => replica.mcpUrl),
    port,
  );
}, 30_000);

afterAll(async () => {
  for (const client of clients) await client.close();
  await proxy?.close();
  for (const replica of replicas) {
    replica.child.kill('SIGTERM');
    await replica.exited(10_000).catch(() => replica.child.kill('SIGKILL'));
  }
  await oidc?.close();
  await redis?.stop();
  await sim?.close();
});

async function signIn(clientId: string): Promise<Client> {
  const client = await clientCredentialsClient({ url: publicUrl, oidc }, clientId);
  clients.push(client);
  return client;
}

function auditLines(): Array<Record<string, unknown>> {
  return stdout
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('sumo-ops-mcp replicas with OAuth and Redis', () => {
  it("refuses Alice's preview to Bob on either replica, lets Alice confirm it on the other, and audits both by name", async () => {
    const [alice, bob] = [await signIn('alice'), await signIn('bob')];
    const args = { name: 'alice-across-replicas' };
    const preview = await callTool(alice, 'create_hosted_collector', args);
    expect(preview.structuredContent, textOf(preview)).toMatchObject({ status: 'confirmation_required' });
    const { confirmationToken } = preview.structuredContent as { confirmationToken: string };

    for (let i = 0; i < 2; i += 1) {
      const byBob = await callTool(bob, 'create_hosted_collector', { ...args, confirmationToken });
      expect(errorCode(byBob)).toBe('confirmation.other_person');
    }
    const byAlice = await callTool(alice, 'create_hosted_collector', { ...args, confirmationToken });
    expect(byAlice.structuredContent, textOf(byAlice)).toMatchObject({ status: 'completed' });
    expect(sim.org.collectorByName(args.name)).toBeDefined();
    expect(proxy.served.every((count) => count > 0)).toBe(true);

    const lines = auditLines().filter((line) => line.tool === 'create_hosted_collector');
    expect(lines.map((line) => [(line.caller as { subject: string }).subject, line.outcome])).toEqual(
      expect.arrayContaining([
        ['bob', 'refused'],
        ['bob', 'refused'],
        ['alice', 'succeeded'],
      ]),
    );
    expect(stdout.join('')).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });

  it('reports the issuer in /readyz and auth failures by reason in /metrics', async () => {
    const base = new URL(replicas[0]?.mcpUrl as string).origin;
    await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const ready = (await (await fetch(`${base}/readyz`)).json()) as {
      checks: Array<{ name: string; status: string }>;
    };
    expect(ready.checks).toContainEqual(expect.objectContaining({ name: 'oauth', status: 'ok' }));
    const scraped = await (await fetch(`${base}/metrics`)).text();
    expect(scraped).toMatch(/sumo_ops_auth_failures_total\{reason="missing_token"\} [1-9]/);
    expect(scraped).not.toContain('alice');
  });
});

describe('sumo-ops-mcp OAuth settings', () => {
  it('refuses to start with both a static token and an issuer, saying why', async () => {
    const bin = spawnBin(['--transport', 'http', '--port', '0'], {
      ...env,
      MCP_HTTP_TOKEN: 'a-static-token-0123456789',
    });
    expect(await bin.exited(10_000)).toBe(1);
    expect(bin.stderr()).toContain('MCP_HTTP_TOKEN and MCP_OAUTH_ISSUER are both set');
  });

  it('refuses to start with an issuer but no public URL, naming the setting', async () => {
    const { MCP_PUBLIC_URL: _unset, ...rest } = env;
    const bin = spawnBin(['--transport', 'http', '--port', '0'], rest);
    expect(await bin.exited(10_000)).toBe(1);
    expect(bin.stderr()).toContain('MCP_PUBLIC_URL is not set');
  });

  it('--check verifies the issuer metadata and keys can be fetched, and fails naming the issuer when not', async () => {
    const good = await runCheck(SOURCE_BIN, env);
    expect(good.output).toMatch(/ok {3}oauth: issuer http:\/\/127\.0\.0\.1:\d+ answers/);
    expect(good.code).toBe(0);
    const bad = await runCheck(SOURCE_BIN, { ...env, MCP_OAUTH_ISSUER: 'http://127.0.0.1:9/nowhere' });
    expect(bad.output).toContain(
      'FAIL oauth: the metadata of issuer http://127.0.0.1:9/nowhere could not be read',
    );
    expect(bad.code).toBe(1);
  });
});
