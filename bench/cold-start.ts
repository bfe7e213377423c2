/**
 * How long people and assistants wait for the bins to start, as ratios to `node -e 0` measured
 * side by side: every round runs `node -e 0` and each contender once, one after the other, so all
 * see the same machine load; medians over the rounds. The bins are the built ones run as users run
 * them (bench/start-up.ts). Contenders:
 * - `sumo-ops --version`, spawn → exit;
 * - the CLI's time to its first API call (`sumo-ops list-collectors`), spawn → the request
 *   reaching a loopback server;
 * - the MCP server over stdio, spawn → `initialize` answered → `tools/list` answered, against a
 *   Sumo API that answers at once (the simulator), one that answers in 1.5 s (the simulator with
 *   added latency: a far deployment, a slow proxy) and one that cannot be reached (TEST-NET-1,
 *   192.0.2.1, which nothing routes). Its start-up check of Sumo runs meanwhile in each case. The
 *   client side is raw JSON-RPC lines (the messages an SDK client sends) so that what is timed is
 *   the server; each answer is checked, and each server must exit once its stdin closes.
 * Run: `pnpm bench:cold-start`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { startSimulator } from '@sumo-ops/simulator';
import { CLI_BIN, FirstRequestServer, MCP_BIN, msToExit, userEnv } from './start-up.js';
import { median } from './stats.js';

const ROUNDS = 21;
const SLOW_SUMO_MS = 1_500;
const UNREACHABLE_API_URL = 'http://192.0.2.1/api';
const CREDENTIALS = { SUMO_ACCESS_ID: 'sim-access-id', SUMO_ACCESS_KEY: 'sim-access-key' };

interface Contender {
  name: string;
  target: number;
  run(): Promise<number>;
}

async function main(): Promise<void> {
  const quick = await startSimulator({ org: { collectors: 20 } });
  const slow = await startSimulator({ org: { collectors: 20 }, faults: { latencyMs: SLOW_SUMO_MS } });
  const firstRequest = await FirstRequestServer.start();
  const mcp = (apiUrl: string) => () => msToToolsList(userEnv({ ...CREDENTIALS, SUMO_API_URL: apiUrl }));
  const contenders: Contender[] = [
    { name: 'sumo-ops --version', target: 1.5, run: () => msToExit([CLI_BIN, '--version']) },
    {
      name: 'sumo-ops list-collectors: spawn → first API call',
      target: 4,
      run: () =>
        firstRequest.msToFirstRequest(
          [CLI_BIN, 'list-collectors'],
          userEnv({ ...CREDENTIALS, SUMO_API_URL: firstRequest.apiUrl }),
        ),
    },
    { name: 'sumo-ops-mcp: spawn → tools/list, Sumo answers at once', target: 4, run: mcp(quick.apiUrl) },
    {
      name: `sumo-ops-mcp: spawn → tools/list, Sumo answers in ${SLOW_SUMO_MS / 1000} s`,
      target: 4,
      run: mcp(slow.apiUrl),
    },
    {
      name: 'sumo-ops-mcp: spawn → tools/list, Sumo unreachable',
      target: 4,
      run: mcp(UNREACHABLE_API_URL),
    },
  ];
  const node: number[] = [];
  const bareNode: number[] = [];
  const times = contenders.map((): number[] => []);
  try {
    // One round first, uncounted: the files are read from disk once.
    for (let round = 0; round <= ROUNDS; round += 1) {
      const nodeMs = await msToExit(['-e', '0']);
      const bareNodeMs = CA_CERTS ? await msToExit(['-e', '0'], withoutCaCerts()) : nodeMs;
      const ms: number[] = [];
      for (const contender of contenders) ms.push(await contender.run());
      if (round === 0) continue;
      node.push(nodeMs);
      bareNode.push(bareNodeMs);
      for (const [index, value] of ms.entries()) times[index]?.push(value);
    }
  } finally {
    await firstRequest.close();
    await quick.close();
    await slow.close();
  }
  report(contenders, times, median(node), median(bareNode));
}

/**
 * This machine sets NODE_EXTRA_CA_CERTS, which Node 20 reads at every start (Node 24 only when TLS
 * is first used): `node -e 0` costs about twice as much with it. The targets are ratios to
 * `node -e 0` in the machine's environment, as the issue measured them; the ratios to a bare
 * `node -e 0` are printed beside them, so neither is mistaken for the other.
 */
const CA_CERTS = process.env.NODE_EXTRA_CA_CERTS;

function withoutCaCerts(): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _ignored, ...env } = userEnv();
  return env;
}

function report(contenders: Contender[], times: number[][], nodeMs: number, bareNodeMs: number): void {
  console.log(
    `cold start: medians of ${ROUNDS} rounds, each running node -e 0 and every contender once (${process.version}${CA_CERTS ? ', NODE_EXTRA_CA_CERTS set' : ''})`,
  );
  const bare = 'node -e 0 without NODE_EXTRA_CA_CERTS';
  const rows = contenders.map((contender, index) => {
    const ms = median(times[index] ?? []);
    const ratio = ms / nodeMs;
    return {
      contender: contender.name,
      'median ms': ms.toFixed(0),
      '÷ node -e 0': ratio.toFixed(2),
      target: `≤ ${contender.target}`,
      met: ratio <= contender.target ? 'yes' : 'NO',
      ...(CA_CERTS ? { [`÷ ${bare}`]: (ms / bareNodeMs).toFixed(2) } : {}),
    };
  });
  console.table([
    { contender: 'node -e 0', 'median ms': nodeMs.toFixed(0) },
    ...(CA_CERTS ? [{ contender: bare, 'median ms': bareNodeMs.toFixed(0) }] : []),
    ...rows,
  ]);
  const missed = rows.filter((row) => row.met !== 'yes').length;
  console.log(missed === 0 ? 'every target met' : `${missed} target(s) MISSED`);
}

/**
 * Spawn → the answer to `tools/list`, after `initialize` and `notifications/initialized` as a
 * client sends them; then stdin closes and the server must exit (it must not wait on Sumo).
 */
async function msToToolsList(env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [MCP_BIN], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit');
  const send = (message: object) => child.stdin?.write(`${JSON.stringify(message)}\n`);
  const answers = new Map<unknown, (result: unknown) => void>();
  jsonLines(child, (message) => answers.get(message.id)?.((message as { result?: unknown }).result));
  const answer = (id: number) =>
    Promise.race([
      new Promise<unknown>((resolve) => answers.set(id, resolve)),
      exited.then(() => Promise.reject(new Error(`sumo-ops-mcp exited early: ${stderr}`))),
    ]);

  send({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: LATEST_PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'bench-cold-start', version: '0.0.0' },
    },
  });
  const initialized = (await answer(1)) as { serverInfo?: { name?: string } };
  if (initialized.serverInfo?.name !== 'sumo-ops') throw new Error('initialize was not answered by sumo-ops');
  send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
  const listed = (await answer(2)) as { tools?: unknown[] };
  const ms = performance.now() - started;
  if (!listed.tools || listed.tools.length === 0) throw new Error('tools/list answered without tools');
  child.stdin?.end();
  const [code] = (await exited) as [number | null];
  if (code !== 0) throw new Error(`sumo-ops-mcp exited with ${code} after stdin closed: ${stderr}`);
  return ms;
}

/** The child's stdout as JSON-RPC messages, one a line (MCP's stdio framing). */
function jsonLines(child: ChildProcess, onMessage: (message: { id?: unknown }) => void): void {
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf('\n'); end !== -1; end = buffered.indexOf('\n')) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      if (line.trim()) onMessage(JSON.parse(line) as { id?: unknown });
    }
  });
}

await main();
