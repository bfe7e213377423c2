/**
 * The built `sumo-ops` bin as a child process, configured only by SUMO_* variables, against a
 * simulator over HTTP. stdin/stdout are pipes here (no terminal); tty.test.ts covers the terminal.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createCatalog,
  createStores,
  loadStateConfig,
  type RedisBackend,
  silentLogger,
} from '@sumo-ops/core';
import { type LocalRedis, type Simulator, startRedisServer, startSimulator } from '@sumo-ops/simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodePng, keepArtifact, paintedRuns } from '../../../test/support/pictures.js';
import { buildCommands } from '../src/index.js';
import {
  calls,
  envFor,
  finished,
  requireBuiltBin,
  runCli,
  runShell,
  spawnCli,
  until,
} from './support/cli.js';

const SEARCH_DELETE = 'DELETE /v1/search/jobs/:id';
const SEARCH_CREATE = 'POST /v1/search/jobs';

let sim: Simulator;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  requireBuiltBin();
  sim = await startSimulator({ rateLimit: { perSecond: 500, concurrent: 20 }, org: { collectors: 60 } });
  env = envFor(sim);
  dir = await mkdtemp(join(tmpdir(), 'sumo-ops-cli-'));
});
afterAll(async () => {
  await sim?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});
beforeEach(() => sim.counters.reset());

const catalog = createCatalog();

function offlineIds(days: number): number[] {
  const cutoff = sim.clock.now() - days * 86_400_000;
  return sim.org
    .collectors()
    .filter((c) => c.collectorType === 'Installable' && !c.alive && (c.lastSeenAlive ?? 0) < cutoff)
    .map((c) => c.id);
}

describe('every catalog operation is a command', () => {
  it('generates one command per operation, each reachable by name and by toolset verb', async () => {
    const commands = buildCommands(catalog);
    expect(commands.map((spec) => spec.operation.name).sort()).toEqual(
      catalog
        .list()
        .map((operation) => operation.name)
        .sort(),
    );
    const help = await runCli(['--help'], env);
    expect(help.code).toBe(0);
    for (const spec of commands) expect(help.stdout).toContain(`sumo-ops ${spec.name}`);
    expect(help.stdout).toMatch(/Exit codes:[\s\S]*2 +usage[\s\S]*3 +partial/);

    for (const spec of commands) {
      const byVerb = await runCli([spec.toolset, spec.verb, '--help'], env);
      expect(byVerb.code, `${spec.toolset} ${spec.verb}`).toBe(0);
      expect(byVerb.stdout).toContain(`sumo-ops ${spec.name}`);
      expect(byVerb.stdout).toContain(spec.operation.title);
    }
    expect(sim.counters.total).toBe(0);
  }, 90_000);

  it('runs an operation by its kebab-case name and by its short alias, JSON when stdout is a pipe', async () => {
    const expected = offlineIds(30).length;
    const byName = await runCli(
      ['list-offline-collectors', '--alive-before-days', '30', '--limit', '1000'],
      env,
    );
    expect(byName.code, byName.stderr).toBe(0);
    const page = JSON.parse(byName.stdout) as { items: Array<{ id: number }>; nextOffset: number | null };
    expect(page.items).toHaveLength(expected);
    expect(page.nextOffset).toBeNull();

    const byAlias = await runCli(['collectors', 'offline', '--days', '30', '--limit', '1000'], env);
    expect(JSON.parse(byAlias.stdout)).toEqual(page);
  });

  it('pages through everything with --all, as NDJSON or formula-safe CSV', async () => {
    const all = await runCli(['collectors', 'list', '--limit', '7', '--all', '--output', 'ndjson'], env);
    expect(all.code, all.stderr).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines).toHaveLength(sim.org.collectors().length);
    expect(new Set(lines.map((line) => (JSON.parse(line) as { id: number }).id)).size).toBe(lines.length);
    expect(calls(sim, 'GET /v1/collectors')).toBe(
      Math.ceil(lines.length / 7) + (lines.length % 7 === 0 ? 1 : 0),
    );

    // A name a spreadsheet would run as a formula is written as text.
    sim.org.createHostedCollector({ collector: { collectorType: 'Hosted', name: '=HYPERLINK("http://x")' } });
    const csv = await runCli(['collectors', 'list', '--all', '-o', 'csv'], env);
    const [header, ...rows] = csv.stdout.trim().split('\n');
    expect(header).toMatch(/^id,name,collectorType,alive/);
    expect(rows).toHaveLength(sim.org.collectors().length);
    expect(rows.some((row) => row.includes(`"'=HYPERLINK(""http://x"")"`))).toBe(true);
    expect(rows.some((row) => /(^|,)=/.test(row))).toBe(false);
  });
});

describe('refusals before any API call', () => {
  it('refuses an unknown flag naming it, exit 2, and sends nothing', async () => {
    const result = await runCli(['collectors', 'offline', '--dayz', '30'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--dayz');
    expect(result.stderr).toContain('--alive-before-days');
    expect(result.stdout).toBe('');
    expect(sim.counters.total).toBe(0);
  });

  it('refuses a bad value naming the flag, exit 2, and sends nothing', async () => {
    const words = await runCli(['collectors', 'offline', '--days', 'abc'], env);
    expect(words.code).toBe(2);
    expect(words.stderr).toMatch(/--alive-before-days: .*"abc"/);
    const choice = await runCli(['collectors', 'list', '--filter', 'sleeping'], env);
    expect(choice.code).toBe(2);
    expect(choice.stderr).toContain('--filter');
    const twice = await runCli(['collectors', 'list', '--limit', '1', '--limit', '2'], env);
    expect(twice.code).toBe(2);
    const missing = await runCli(['sources', 'get', '--source-id', '1'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--collector');
    const time = await runCli(['search', 'error', '--from', '-1h', '--to', '-2h'], env);
    expect(time.code).toBe(2);
    expect(time.stderr).toMatch(/--from|--to/);
    expect(sim.counters.total).toBe(0);
  });

  it('refuses a bad SUMO_* setting naming the variable, exit 2, without echoing the key', async () => {
    const result = await runCli(['collectors', 'list'], {
      ...env,
      SUMO_API_URL: 'http://x',
      SUMO_ACCESS_KEY: 'secret-key-123',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('SUMO_API_URL');
    expect(result.stderr).not.toContain('secret-key-123');
  });

  it('reports a Sumo error with exit 1', async () => {
    const result = await runCli(['collectors', 'get', '999999999'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/999999999/);
  });
});

describe('confirmation of changes without a terminal', () => {
  const victim = () => {
    const collector = sim.org.collectors().find((c) => c.collectorType === 'Installable' && !c.alive);
    if (!collector) throw new Error('the seeded org has no offline collector');
    return collector;
  };

  it('refuses a destructive command without --yes (exit 2), shows the preview, deletes nothing', async () => {
    const { id } = victim();
    const result = await runCli(['collectors', 'delete', String(id)], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(String(id));
    expect(result.stderr).toMatch(/--yes/);
    expect(calls(sim, 'DELETE /v1/collectors/:id')).toBe(0);
    expect(sim.org.collectorById(id)).toBeDefined();
  });

  it('--dry-run prints the preview and deletes nothing', async () => {
    const { id } = victim();
    const result = await runCli(['delete-collector', '--collector', String(id), '--dry-run'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ willChange: true });
    expect(calls(sim, 'DELETE /v1/collectors/:id')).toBe(0);
    expect(sim.org.collectorById(id)).toBeDefined();
  });

  it('--yes deletes exactly once', async () => {
    const { id, name } = victim();
    const result = await runCli(['collectors', 'delete', name, '--yes'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(calls(sim, 'DELETE /v1/collectors/:id')).toBe(1);
    expect(sim.org.collectorById(id)).toBeUndefined();
  });
});

describe('a change Sumo carried out but answered 500', () => {
  it('is reported as an unknown outcome with how to check, never as temporary', async () => {
    // A simulator of its own: the search job this leaves behind must not count in other tests.
    const faulty = await startSimulator({
      rateLimit: { perSecond: 500, concurrent: 20 },
      faults: { actThen500Rate: 1, routes: ['POST /v1/collectors', SEARCH_CREATE] },
    });
    try {
      const created = await runCli(
        ['create-hosted-collector', '--name', 'cli-acted-500', '--yes'],
        envFor(faulty),
      );
      expect(created.code).toBe(1);
      expect(created.stderr).toContain('answered 500 internal.error after receiving it');
      expect(created.stderr).toContain('UNKNOWN');
      expect(created.stderr).not.toMatch(/usually temporary|try again/i);
      expect(faulty.org.collectors().filter((c) => c.name === 'cli-acted-500')).toHaveLength(1);
      const search = await runCli(['start-search', '--query', 'error', '--from', '-1h'], envFor(faulty));
      expect(search.code).toBe(1);
      expect(search.stderr).toContain('answered 500 internal.error after receiving it');
      expect(search.stderr).toContain('UNKNOWN');
      expect(search.stderr).not.toMatch(/usually temporary|try again/i);
      expect(calls(faulty, SEARCH_CREATE)).toBe(1);
    } finally {
      await faulty.close();
    }
  });
});

describe('values', () => {
  it('--changes category=null clears a nullable field rather than setting the word "null"', async () => {
    const collector = sim.org
      .collectors()
      .find((c) => c.category !== undefined && c.category !== null && c.sourceSyncMode !== 'Json');
    if (!collector) throw new Error('the seeded org has no UI-managed collector with a category');
    const result = await runCli(
      ['collectors', 'update', String(collector.id), '--changes', 'category=null', '--yes'],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(sim.org.collectorById(collector.id)?.category ?? null).toBeNull();
  });
});

describe('search', () => {
  it('prints the summary (from a value that starts with a dash) and deletes its job', async () => {
    const result = await runCli(['search', 'error', '--from', '-1h', '--tz', 'UTC'], env);
    expect(result.code, result.stderr).toBe(0);
    const answer = JSON.parse(result.stdout) as { summary: { messageCount: number; query: string } };
    expect(answer.summary.query).toBe('error');
    expect(answer.summary.messageCount).toBeGreaterThan(0);
    expect(calls(sim, SEARCH_CREATE)).toBe(1);
    expect(calls(sim, SEARCH_DELETE)).toBe(1);
    expect(sim.search.activeJobCount()).toBe(0);
  });

  it('--chart writes the histogram as a PNG with a bar for every step that has messages; stdout keeps the answer', async () => {
    const file = join(dir, 'chart.png');
    const result = await runCli(
      ['search', 'error', '--from', '-1h', '--tz', 'Asia/Tokyo', '--chart', file],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    const answer = JSON.parse(result.stdout) as { summary: { histogram: { counts: number[] } } };
    const png = await readFile(file);
    keepArtifact('cli-search-chart.png', png);
    const picture = decodePng(png);
    expect(picture.width).toBeGreaterThanOrEqual(1440);
    const drawnSteps = answer.summary.histogram.counts.filter((count) => count > 0).length;
    expect(drawnSteps).toBeGreaterThan(0);
    // Adjacent bars are drawn apart, so each step with messages is one run of painted columns.
    expect(paintedRuns(picture.columns('#1f77b4'))).toHaveLength(drawnSteps);
    expect(sim.search.activeJobCount()).toBe(0);

    const refused = await runCli(['search', 'error', '--messages', '--chart', file], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--chart');
  });

  it('--messages streams every message as NDJSON to --out, as many as the job found', async () => {
    const to = Date.now() - 60_000;
    const range = ['--from', String(to - 20 * 60_000), '--to', String(to)];
    const counted = await runCli(['search', '*', ...range], env);
    expect(counted.code, counted.stderr).toBe(0);
    const expected = (JSON.parse(counted.stdout) as { summary: { messageCount: number } }).summary
      .messageCount;
    expect(expected).toBeGreaterThan(10_000);

    const file = join(dir, 'messages.ndjson');
    const result = await runCli(['search', '*', ...range, '--messages', '--out', file], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(expected);
    expect(JSON.parse(lines[0] as string)).toHaveProperty('_raw');
    expect(sim.search.activeJobCount()).toBe(0);
  });

  it('deletes the job when the reader closes the pipe (| head -1)', async () => {
    const result = await runShell(
      'sumo-ops search "*" --from=-3h --messages | head -1; echo "sumo-ops exited $PIPESTATUS" >&2',
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('sumo-ops exited 0');
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    // It stopped paging when the reader left: about 100,000 messages would take 10 pages.
    const pages = calls(sim, 'GET /v1/search/jobs/:id/messages');
    expect(pages).toBeGreaterThanOrEqual(1);
    expect(pages).toBeLessThanOrEqual(3);
    expect(calls(sim, SEARCH_CREATE)).toBe(1);
    expect(calls(sim, SEARCH_DELETE)).toBe(1);
    expect(sim.search.activeJobCount()).toBe(0);
  });
});

describe('stopping', () => {
  let slow: Simulator;
  beforeAll(async () => {
    // Gathering crawls, so the search is still running when the signal comes.
    slow = await startSimulator({
      rateLimit: { perSecond: 500, concurrent: 20 },
      search: { gatheringSpeed: 2_000 },
    });
  });
  afterAll(async () => slow?.close());

  for (const [signal, args] of [
    ['SIGINT', ['--messages', '--output', 'csv']],
    ['SIGTERM', []],
  ] as const) {
    it(`deletes the running search job on ${signal} and exits 130`, async () => {
      const child = spawnCli(['search', 'error', '--from', '-2h', ...args], envFor(slow));
      const done = finished(child);
      await until(
        () => calls(slow, SEARCH_CREATE) === 1 && slow.search.activeJobCount() === 1,
        'the search job',
      );
      child.kill(signal);
      const result = await done;
      expect(result.code, result.stderr).toBe(130);
      expect(calls(slow, SEARCH_DELETE)).toBe(1);
      expect(slow.search.activeJobCount()).toBe(0);
      slow.counters.reset();
    });
  }
});

describe('bulk runs', () => {
  let fast: Simulator;
  beforeAll(async () => {
    // Upgrades take minutes of simulated time; at 600× they end within a second.
    fast = await startSimulator({
      rateLimit: { perSecond: 500, concurrent: 20 },
      clockSpeed: 600,
      org: { collectors: 30 },
    });
  });
  afterAll(async () => fast?.close());

  it('exits 3 when some collectors of a bulk upgrade fail, with every outcome in the output', async () => {
    const [good, bad] = fast.org
      .collectors()
      .filter(
        (c) => c.collectorType === 'Installable' && c.alive && c.collectorVersion !== fast.org.latestVersion,
      );
    if (!good || !bad) throw new Error('the seeded org has too few upgradable collectors');
    fast.org.setUpgradeOutcome(good.id, 'succeed');
    fast.org.setUpgradeOutcome(bad.id, 'fail');
    const result = await runCli(
      ['upgrades', 'upgrade-many', '--collectors', `${good.id},${bad.id}`, '--yes', '-o', 'json'],
      envFor(fast),
    );
    expect(result.code, result.stderr).toBe(3);
    const answer = JSON.parse(result.stdout) as { counts: { succeeded: number; failed: number } };
    expect(answer.counts).toMatchObject({ succeeded: 1, failed: 1 });
  }, 60_000);
});

describe('shared state', () => {
  let redis: LocalRedis;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => redis?.stop());

  it('waits for the team budget in Redis when SUMO_OPS_REDIS_URL is set, and exits when done', async () => {
    const settings = { SUMO_OPS_REDIS_URL: redis.url, SUMO_OPS_RATE_KEY: 'cli-team' };
    // Another member of the team holds every in-flight slot of the shared budget.
    const team = createStores(loadStateConfig(settings), { logger: silentLogger });
    await (team.backend as RedisBackend).ready();
    const store = team.rateLimitStore;
    if (!store) throw new Error('createStores gave no rate-limit store for Redis');
    const leases: string[] = [];
    for (let slot = 0; slot < 10; slot += 1) {
      const decision = await store.tryAcquire(
        'cli-team',
        { perSecond: 100, concurrent: 10, windowMs: 1_000 },
        Date.now(),
      );
      if (decision.granted) leases.push(decision.lease);
    }
    expect(leases).toHaveLength(10);
    try {
      const child = spawnCli(['collectors', 'list', '--limit', '2'], envFor(sim, settings));
      const done = finished(child);
      const queued = () =>
        Number(
          spawnSync('redis-cli', ['-p', String(redis.port), 'ZCARD', 'sumo-ops:rate:{cli-team}:queue'], {
            encoding: 'utf8',
          }).stdout.trim(),
        );
      await until(() => queued() === 1, 'the CLI to queue for the shared budget');
      expect(sim.counters.total).toBe(0);
      for (const lease of leases) await store.release('cli-team', lease);
      const result = await done;
      expect(result.code, result.stderr).toBe(0);
      expect((JSON.parse(result.stdout) as { items: unknown[] }).items).toHaveLength(2);
      expect(result.stderr).not.toContain(redis.url);
    } finally {
      await team.close();
    }
  });
});
