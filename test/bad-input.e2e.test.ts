/**
 * Bad input through every front end, from one table: MCP over stdio (the built bin) and over
 * Streamable HTTP, the Slack bot (signed requests to the real Bolt receiver), and the CLI (the
 * built bin). Each case asserts a message naming the field and the fix, that no request reached
 * Sumo (the simulator's counters), that the front end still serves a good request afterwards,
 * and that no secret appears in anything it wrote.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { RunningHttpServer } from '@sumo-ops/mcp-server';
import { type Simulator, startSimulator } from '@sumo-ops/simulator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CliResult, runCli } from '../apps/cli/test/support/cli.js';
import { startMcpOverHttp } from '../apps/mcp-server/test/support/http-server.js';
import {
  initializeRequest,
  openSession,
  postMcp,
  postRawMcp,
} from '../apps/mcp-server/test/support/raw-mcp-http.js';
import { BOT_TOKEN, Harness, SIGNING_SECRET } from '../apps/slack-bot/test/support/harness.js';
import { expectNoSecrets, SUMO_ACCESS_ID, SUMO_ACCESS_KEY } from './support/secrets.js';
import type { SimulatedSumo } from './support/simulated-sumo.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MCP_BIN = `${ROOT}apps/mcp-server/dist/bin.js`;
const CLI_BIN = `${ROOT}apps/cli/dist/bin.js`;

type Front = 'mcp-stdio' | 'mcp-http' | 'slack' | 'cli';

interface BadInput {
  what: string;
  operation: string;
  args: Record<string, unknown>;
  /** The field the message must name (the CLI names it as its flag). */
  field: string;
  /** What the message must say about the fix. */
  fix: RegExp;
  /** Front ends that can carry this input at all (a lone surrogate survives only JSON). */
  only?: Front[];
}

const MENTION = '<!channel>';
const FORMULA = '=HYPERLINK("http://evil.example","x")';

const CASES: BadInput[] = [
  {
    what: 'offline days of 0',
    operation: 'list_offline_collectors',
    args: { aliveBeforeDays: 0 },
    field: 'aliveBeforeDays',
    fix: /at least 1/,
  },
  {
    what: 'offline days of -3',
    operation: 'list_offline_collectors',
    args: { aliveBeforeDays: -3 },
    field: 'aliveBeforeDays',
    fix: /at least 1/,
  },
  {
    what: 'offline days of 1.5',
    operation: 'list_offline_collectors',
    args: { aliveBeforeDays: 1.5 },
    field: 'aliveBeforeDays',
    fix: /whole number/,
  },
  {
    what: 'a misspelt filter argument',
    operation: 'list_collectors',
    args: { filtre: 'dead' },
    field: 'filtre',
    fix: /filter/,
  },
  {
    what: 'a filter outside its choices',
    operation: 'list_collectors',
    args: { filter: 'sleeping' },
    field: 'filter',
    fix: /dead.*alive|alive.*dead/,
  },
  {
    what: 'a page size of 0',
    operation: 'list_collectors',
    args: { limit: 0 },
    field: 'limit',
    fix: /at least 1|from 1/,
  },
  {
    what: 'a page size past the maximum',
    operation: 'list_collectors',
    args: { limit: 100_000 },
    field: 'limit',
    fix: /at most|to \d+/,
  },
  {
    what: 'a negative offset',
    operation: 'list_collectors',
    args: { offset: -1 },
    field: 'offset',
    fix: /0 or more|at least 0/,
  },
  {
    what: 'the collector name ..',
    operation: 'get_collector',
    args: { collector: '..' },
    field: 'collector',
    fix: /path segment/,
  },
  {
    what: 'the collector name .',
    operation: 'get_collector',
    args: { collector: '.' },
    field: 'collector',
    fix: /path segment/,
  },
  {
    what: 'a collector name with a lone surrogate',
    operation: 'get_collector',
    args: { collector: 'web\uD83D01' },
    field: 'collector',
    fix: /broken character/,
    only: ['mcp-stdio', 'mcp-http'],
  },
  {
    what: 'a collector id past 2^53',
    operation: 'get_collector',
    args: { collector: '9007199254740993' },
    field: 'collector',
    fix: /larger than 9007199254740991/,
  },
  {
    what: 'a search from 100000 days ago',
    operation: 'run_search',
    args: { query: 'error', from: '-100000d' },
    field: 'from',
    fix: /at most 3650 days/,
  },
  {
    what: 'a misspelt search from',
    operation: 'run_search',
    args: { query: 'error', form: '-1h' },
    field: 'form',
    fix: /from/,
  },
  {
    what: 'an unknown time zone',
    operation: 'run_search',
    args: { query: 'error', timeZone: 'Mars/Olympus_Mons' },
    field: 'timeZone',
    fix: /IANA|time zone/i,
  },
  {
    what: 'a collector name past 128 characters',
    operation: 'create_hosted_collector',
    args: { name: 'x'.repeat(200) },
    field: 'name',
    fix: /at most 128/,
  },
  {
    what: 'an update with no changes',
    operation: 'update_collector',
    args: { collector: 'web-01', changes: {} },
    field: 'changes',
    fix: /at least one field/,
  },
  {
    what: 'a source update that changes its type',
    operation: 'update_source',
    args: { collector: 'web-01', sourceId: 5, changes: { sourceType: 'HTTP' } },
    field: 'changes.sourceType',
    fix: /cannot be changed; create a new source/,
  },
  {
    what: 'delete-offline with 0 days',
    operation: 'delete_offline_collectors',
    args: { aliveBeforeDays: 0 },
    field: 'aliveBeforeDays',
    fix: /at least 1/,
  },
  {
    what: 'a bulk upgrade of a list and all at once',
    operation: 'upgrade_collectors',
    args: { collectors: ['web-01'], all: true },
    field: 'collectors',
    fix: /either collectors .* or all/,
  },
  {
    what: 'a mention where days go',
    operation: 'list_offline_collectors',
    args: { aliveBeforeDays: MENTION },
    field: 'aliveBeforeDays',
    fix: /whole number/,
  },
  {
    what: 'a formula where days go',
    operation: 'list_offline_collectors',
    args: { aliveBeforeDays: FORMULA },
    field: 'aliveBeforeDays',
    fix: /whole number/,
  },
  {
    what: 'a mention as a filter',
    operation: 'list_collectors',
    args: { filter: '<!here>' },
    field: 'filter',
    fix: /dead.*alive|alive.*dead/,
  },
];

const casesFor = (front: Front) => CASES.filter((c) => !c.only || c.only.includes(front));

const kebab = (name: string) => name.replace(/_/g, '-').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** How each front end spells a field in its messages: the CLI by its flag, `--changes (sourceType)`. */
function fieldAsShown(front: Front, field: string): string {
  if (front !== 'cli') return field;
  const [top = '', ...inner] = field.split('.');
  return `--${kebab(top)}${inner.length > 0 ? ` (${inner.join('.')})` : ''}`;
}

/** Slack's `/sumo` words for an operation: its catalog name and `field=value` words. */
function slashText({ operation, args }: BadInput): string {
  const words = Object.entries(args).map(([field, value]) => {
    if (typeof value === 'object') return `${field}=${JSON.stringify(value)}`;
    const text = String(value);
    return /[\s"]/.test(text) ? `${field}="${text.replace(/"/g, "'")}"` : `${field}=${text}`;
  });
  return [operation, ...words].join(' ');
}

/** The CLI's words: the operation as a command, `--field value` flags. */
function cliArgs({ operation, args }: BadInput): string[] {
  const argv = [kebab(operation)];
  for (const [field, value] of Object.entries(args)) {
    if (value === true) argv.push(`--${kebab(field)}`);
    else argv.push(`--${kebab(field)}`, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return argv;
}

/** Only what an operator would export, pointing at `sim`. */
function sumoEnv(sim: Simulator): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    SUMO_ACCESS_ID,
    SUMO_ACCESS_KEY,
    SUMO_API_URL: sim.apiUrl,
    LOG_LEVEL: 'debug',
  };
}

function requireBuilt(bin: string): void {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run pnpm build first.`);
}

interface ToolAnswer {
  isError?: boolean;
  content?: Array<{ type: string; text?: string }>;
}
const textOf = (answer: ToolAnswer | undefined) =>
  (answer?.content ?? []).map((c) => c.text ?? '').join('\n');

describe('MCP over stdio (the built bin)', () => {
  let sim: Simulator;
  let client: Client;
  let stderr = '';
  const answers: string[] = [];

  beforeAll(async () => {
    requireBuilt(MCP_BIN);
    sim = await startSimulator({ rateLimit: { perSecond: 500, concurrent: 20 }, org: { collectors: 8 } });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [MCP_BIN],
      env: sumoEnv(sim),
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    client = new Client({ name: 'bad-input', version: '0.0.0' });
    await client.connect(transport);
    // The server answers before its start-up check of Sumo is done; that one call must be behind
    // us before each case asserts that a refusal reached Sumo zero times.
    await vi.waitFor(() => expect(stderr).toMatch(/Sumo Logic connection check/), { timeout: 20_000 });
  }, 30_000);
  afterAll(async () => {
    await client?.close();
    await sim?.close();
  });

  it.each(casesFor('mcp-stdio'))('refuses $what', async (bad) => {
    const before = sim.counters.total;
    const answer = (await client.callTool({ name: bad.operation, arguments: bad.args })) as ToolAnswer;
    const text = textOf(answer);
    answers.push(text);
    expect(answer.isError, text).toBe(true);
    expect(text).toContain(fieldAsShown('mcp-stdio', bad.field));
    expect(text).toMatch(bad.fix);
    expect(sim.counters.total).toBe(before);
    const good = (await client.callTool({ name: 'list_collectors', arguments: { limit: 1 } })) as ToolAnswer;
    expect(good.isError, textOf(good)).toBeFalsy();
  });

  it('wrote no secret in any answer or log line', () => {
    expect(stderr.length).toBeGreaterThan(0);
    expectNoSecrets([...answers, stderr]);
  });
});

describe('MCP over Streamable HTTP', () => {
  let sumo: SimulatedSumo;
  let http: RunningHttpServer;
  let session: Awaited<ReturnType<typeof openSession>>;
  const answers: string[] = [];

  beforeAll(async () => {
    ({ sumo, http } = await startMcpOverHttp({ collectors: 8 }));
    session = await openSession(http.url);
  });
  afterAll(async () => {
    await http?.close();
    await sumo?.close();
  });

  async function serves(): Promise<void> {
    const { result } = await session.request('tools/call', {
      name: 'list_collectors',
      arguments: { limit: 1 },
    });
    expect(result?.isError).toBeFalsy();
  }

  it.each(casesFor('mcp-http'))('refuses $what', async (bad) => {
    const before = sumo.sim.counters.total;
    const { result, reply } = await session.request('tools/call', {
      name: bad.operation,
      arguments: bad.args,
    });
    const text = textOf(result as ToolAnswer);
    answers.push(reply.body);
    expect(result?.isError, reply.body).toBe(true);
    expect(text).toContain(fieldAsShown('mcp-http', bad.field));
    expect(text).toMatch(bad.fix);
    expect(sumo.sim.counters.total).toBe(before);
    await serves();
  });

  it.each([
    ['a body that is not JSON', {}, '{"jsonrpc": "2.0", "method": ', 400, /not valid JSON/],
    [
      'a text/plain initialize',
      { 'content-type': 'text/plain' },
      JSON.stringify(initializeRequest),
      415,
      /Content-Type must be application\/json/,
    ],
    [
      'a 5 MB body',
      {},
      JSON.stringify({ ...initializeRequest, pad: 'x'.repeat(5 << 20) }),
      413,
      /100 kB limit/,
    ],
  ] as const)(
    'answers %s with a JSON-RPC error naming the fix',
    async (_what, headers, body, status, fix) => {
      const before = sumo.sim.counters.total;
      const reply = await postRawMcp(http.url, headers, body);
      answers.push(reply.body);
      expect(reply.status).toBe(status);
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
      expect(String((reply.messages[0]?.error as { message?: string } | undefined)?.message)).toMatch(fix);
      expect(reply.body).not.toMatch(/<html|node_modules|\bat \S+ \(/i);
      expect(sumo.sim.counters.total).toBe(before);
      await serves();
    },
  );

  it('wrote no secret in any answer or log line', async () => {
    const init = await postMcp(http.url, {}, initializeRequest);
    expect(init.status).toBe(200);
    expectNoSecrets([...answers, ...sumo.logLines]);
  });
});

describe('the Slack bot (signed requests to the real receiver)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start();
  });
  afterAll(async () => h?.close());

  it.each(casesFor('slack'))('refuses $what', async (bad) => {
    const before = h.sim.counters.total;
    const { reply } = await h.ask(slashText(bad));
    const text = String(reply.text);
    expect(reply.response_type).toBe('ephemeral');
    expect(text).toContain(fieldAsShown('slack', bad.field));
    expect(text).toMatch(bad.fix);
    // Text from the request is shown as text: never a live mention or link.
    expect(JSON.stringify(reply)).not.toMatch(/<[!#]|<@(?!UADMIN>)/);
    expect(h.sim.counters.total).toBe(before);
    const good = await h.ask('collectors limit=1');
    expect(String(good.reply.text)).toMatch(/done/);
  });

  it('wrote no secret in any reply, call or log line', () => {
    expectNoSecrets([h.everythingSent()], [SIGNING_SECRET, BOT_TOKEN]);
  });
});

describe('the CLI (the built bin)', () => {
  let sim: Simulator;
  const outputs: string[] = [];

  beforeAll(async () => {
    requireBuilt(CLI_BIN);
    sim = await startSimulator({ rateLimit: { perSecond: 500, concurrent: 20 }, org: { collectors: 8 } });
  });
  afterAll(async () => sim?.close());

  async function cli(argv: string[]): Promise<CliResult> {
    const result = await runCli(argv, sumoEnv(sim));
    outputs.push(result.stdout, result.stderr);
    return result;
  }

  it.each(casesFor('cli'))('refuses $what', async (bad) => {
    const before = sim.counters.total;
    const result = await cli([...cliArgs(bad), '--output', 'csv']);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(fieldAsShown('cli', bad.field));
    expect(result.stderr).toMatch(bad.fix);
    // Nothing went to the CSV stream, so no cell a spreadsheet would run.
    expect(result.stdout).toBe('');
    expect(sim.counters.total).toBe(before);
  });

  it('still serves a good command, and wrote no secret anywhere', async () => {
    const good = await cli(['list-collectors', '--limit', '1', '--output', 'json']);
    expect(good.code, good.stderr).toBe(0);
    expectNoSecrets(outputs);
  });
});
