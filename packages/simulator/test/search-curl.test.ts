import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { Simulator } from '../src/index.js';
import { ACCESS_ID, ACCESS_KEY, useSimulator } from './helpers.js';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./fixtures/bash-this-search-job.sh', import.meta.url));

const missing = ['curl', 'bash', 'perl'].filter((tool) => spawnSync(tool, ['--version']).error !== undefined);
const skipReason = missing.length > 0 ? ` (skipped: ${missing.join(', ')} not installed)` : '';

const start = useSimulator();
const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** A working directory holding the doc's createSearchJob.json, its range moved onto the corpus. */
function workingDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'search-curl-'));
  directories.push(directory);
  // The corpus spans the day before START (UTC); the doc's request reads its times in IST (+05:30).
  const createSearchJob = {
    query: '| count _sourceCategory',
    from: '2026-10-31T05:30:00',
    to: '2026-11-01T05:30:00',
    timeZone: 'IST',
    byReceiptTime: true,
  };
  writeFileSync(join(directory, 'createSearchJob.json'), JSON.stringify(createSearchJob, null, 2));
  return directory;
}

function searchRouteStatuses(sim: Simulator): number[] {
  return Object.entries(sim.counters.byRoute)
    .filter(([route]) => route.includes('/v1/search/jobs'))
    .flatMap(([, statuses]) => Object.keys(statuses).map(Number));
}

describe.skipIf(missing.length > 0)(`the doc's curl sessions against the simulator${skipReason}`, () => {
  it('drive a whole search with curl -b cookies.txt -c cookies.txt', async () => {
    const sim = await start({ clockSpeed: 0, search: { corpusSize: 20_000 } });
    const cwd = workingDirectory();
    const curl = async (...args: string[]) => {
      const { stdout } = await run('curl', ['--silent', '-b', 'cookies.txt', '-c', 'cookies.txt', ...args], {
        cwd,
      });
      return JSON.parse(stdout);
    };
    const user = ['--user', `${ACCESS_ID}:${ACCESS_KEY}`];
    const accept = ['-H', 'Accept: application/json'];
    const created = await curl(
      '-H',
      'Content-type: application/json',
      ...accept,
      '-X',
      'POST',
      '-T',
      'createSearchJob.json',
      ...user,
      `${sim.apiUrl}/v1/search/jobs`,
    );
    expect(readFileSync(join(cwd, 'cookies.txt'), 'utf8')).toMatch(/\tJSESSIONID\t[0-9A-F]{32}/);
    const job = `${sim.apiUrl}/v1/search/jobs/${created.id}`;
    expect((await curl(...accept, ...user, job)).state).toBe('NOT STARTED');
    sim.clock.advance(5_000);
    const status = await curl(...accept, ...user, job);
    expect(status).toMatchObject({ state: 'DONE GATHERING RESULTS', recordCount: 8 });
    expect(status.messageCount).toBeGreaterThan(19_000);
    const messages = await curl(...accept, ...user, `${job}/messages?offset=0&limit=10`);
    expect(messages.messages).toHaveLength(10);
    const records = await curl(...accept, ...user, `${job}/records?offset=0&limit=1`);
    expect(records.records[0].map).toHaveProperty('_sourceCategory');
    expect(await curl('-X', 'DELETE', ...accept, ...user, job)).toEqual({ id: created.id });
    expect(sim.search.activeJobCount()).toBe(0);
    expect(searchRouteStatuses(sim).every((code) => code < 400)).toBe(true);
  });

  it('run the mended "Bash this Search Job" script to the end', { timeout: 60_000 }, async () => {
    const sim = await start({ clockSpeed: 1, search: { corpusSize: 20_000 } });
    const cwd = workingDirectory();
    const host = new URL(sim.apiUrl).host;
    // The script polls until DONE GATHERING RESULTS and never gives up: the timeout is the test's.
    const { stdout } = await run('bash', [SCRIPT, 'http', host, ACCESS_ID, ACCESS_KEY], {
      cwd,
      timeout: 45_000,
    });
    const id = /Search job created, id: ([0-9A-F]{16})\n/.exec(stdout)?.[1];
    expect(id, stdout).toBeDefined();
    expect(stdout).toMatch(/Search job state: DONE GATHERING RESULTS, message count: \d+, record count: 8\n/);
    expect(stdout).toMatch(/Messages:\n\{"fields":\[.*"messages":\[\{"map":/);
    expect(stdout).toMatch(
      /Records:\n\{"fields":\[\{"name":"_sourceCategory","fieldType":"string","keyField":true\}/,
    );
    expect(stdout).toContain(`Search job deleted, id: ${id}\n`);
    expect(sim.search.activeJobCount()).toBe(0);
    // Every follow-up carried the job's cookie: none was turned away.
    expect(searchRouteStatuses(sim).every((code) => code < 400)).toBe(true);
  });
});
