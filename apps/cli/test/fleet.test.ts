/**
 * The fleet and health commands of the built `sumo-ops` bin against a simulator over HTTP that
 * checks every request and answer on Sumo's OpenAPI paths.
 */
import { type Simulator, startSimulator } from '@sumo-ops/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, envFor, requireBuiltBin, runCli } from './support/cli.js';

let sim: Simulator;
let env: Record<string, string>;

beforeAll(async () => {
  requireBuiltBin();
  sim = await startSimulator({
    rateLimit: { perSecond: 500, concurrent: 20 },
    org: { collectors: 30 },
    conformance: true,
  });
  env = envFor(sim);
});
afterAll(async () => {
  expect(sim.conformance.violations()).toEqual([]);
  await sim.close();
});

describe('sumo-ops why and health', () => {
  it('why <collector> answers the diagnosis: causes ranked, each with its next step', async () => {
    const result = await runCli(['why', 'otel-staging-api-01'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const diagnosis = JSON.parse(result.stdout);
    expect(diagnosis.collector).toMatchObject({ kind: 'ot', name: 'otel-staging-api-01' });
    expect(diagnosis.causes[0]).toMatchObject({ cause: expect.stringMatching(/ExporterFailing/) });
    expect(diagnosis.causes[0].nextStep).toBeTruthy();
  });

  it('health lists the unresolved events errors first; its toolset verbs still work', async () => {
    const result = await runCli(['health', '--severity', 'Error', '-o', 'ndjson'], env);
    expect(result.code).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.length).toBe(
      sim.org.healthEvents.unresolved().filter((e) => e.severityLevel === 'Error').length,
    );
    expect(events.every((event: { severity: string }) => event.severity === 'Error')).toBe(true);
    const verb = await runCli(['health', 'budgets', '--status', 'Exceeded'], env);
    expect(JSON.parse(verb.stdout).items).toHaveLength(1);
  });
});

describe('OT collectors', () => {
  it('--all follows the next token through every page', async () => {
    const before = calls(sim, 'POST /v1/otCollectors');
    const result = await runCli(['fleet', 'list', '--limit', '2', '--all', '-o', 'ndjson'], env);
    expect(result.code).toBe(0);
    const names = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).name);
    expect(names.sort()).toEqual(
      sim.org.otCollectors
        .all()
        .map((collector) => collector.name)
        .sort(),
    );
    expect(calls(sim, 'POST /v1/otCollectors') - before).toBe(Math.ceil(sim.org.otCollectors.count() / 2));
  });

  it('delete-offline without --yes shows every offline OT collector and deletes nothing; --yes deletes them once', async () => {
    const offline = sim.org.otCollectors.all().filter((collector) => !collector.alive);
    const refused = await runCli(['fleet', 'delete-offline'], env);
    expect(refused.code).toBe(2);
    for (const collector of offline) expect(refused.stderr).toContain(collector.name);
    expect(calls(sim, 'DELETE /v1/otCollectors/offline')).toBe(0);

    const done = await runCli(['fleet', 'delete-offline', '--yes'], env);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ deleted: offline.length });
    expect(calls(sim, 'DELETE /v1/otCollectors/offline')).toBe(1);
    expect(sim.org.otCollectors.all().some((collector) => !collector.alive)).toBe(false);
  });
});
