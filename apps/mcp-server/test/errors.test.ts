import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { META_ERROR, META_SOURCE } from '../src/render.js';
import { errorCode, type Harness, type HarnessOptions, startHarness, textOf } from './support/harness.js';

let harness: Harness | undefined;
let redirector: Server | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  await new Promise((resolve) => (redirector ? redirector.close(resolve) : resolve(undefined)));
  redirector = undefined;
});

async function call(
  options: HarnessOptions,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  harness = await startHarness(options);
  return (await harness.client.callTool({ name, arguments: args })) as CallToolResult;
}

describe('errors come back as isError results that say how to recover', () => {
  it('names the argument that is wrong, before any API call', async () => {
    const result = await call({}, 'list_collectors', { limit: 5000 });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/limit/);
    expect(harness?.sumo.sim.counters.total).toBe(0);
  });

  it('uses the operation’s own words for an argument it refuses', async () => {
    const result = await call({}, 'list_offline_collectors', { aliveBeforeDays: 0 });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/aliveBeforeDays must be at least 1/);
  });

  it('passes on an operation’s own input check, naming the field, before any search job exists', async () => {
    const result = await call({}, 'run_search', { query: 'error', from: 'the day before yesterday' });
    expect(result.isError).toBe(true);
    expect(errorCode(result)).toBe('invalid.input');
    expect(textOf(result)).toMatch(/- from: /);
    expect(harness?.sumo.sim.counters.total).toBe(0);
  });

  it('says how to find the right collector when it does not exist', async () => {
    const result = await call({}, 'get_collector', { collector: 999_999_999 });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/list_collectors/);
  });

  it('tells the model to wait and retry when the rate limit holds after retries', async () => {
    harness = await startHarness();
    harness.sumo.sim.setFaults({ rate429: 1 });
    const result = (await harness.client.callTool({
      name: 'list_upgrade_targets',
      arguments: {},
    })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(errorCode(result)).toBe('rate.limit.exceeded');
    expect(textOf(result)).toMatch(/Wait .* and call the tool again/);
  });

  it('points at the credentials, and never shows the key, when Sumo refuses them', async () => {
    const accessKey = 'wrong-secret-key-that-must-not-leak';
    const result = await call({ simulator: { client: { accessKey } } }, 'list_collectors', {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/SUMO_ACCESS_ID and SUMO_ACCESS_KEY/);
    expect(JSON.stringify(result)).not.toContain(accessKey);
    expect(JSON.stringify(result)).not.toContain(
      Buffer.from(`sim-access-id:${accessKey}`).toString('base64'),
    );
  });

  it('names the deployment setting to change when the API redirects to another deployment', async () => {
    redirector = createServer((_request, response) => {
      response.writeHead(301, { location: 'https://api.eu.sumologic.com/api/v1/collectors' }).end();
    });
    await new Promise<void>((resolve) => redirector?.listen(0, '127.0.0.1', resolve));
    const { port } = redirector.address() as AddressInfo;
    const result = await call(
      { simulator: { client: { apiUrl: `http://127.0.0.1:${port}/api` } } },
      'list_collectors',
      {},
    );
    expect(result.isError).toBe(true);
    expect(errorCode(result)).toBe('client.wrong.deployment');
    expect(textOf(result)).toMatch(/SUMO_DEPLOYMENT=eu/);
    expect(textOf(result)).toMatch(/restart/);
  });

  it('says to start the search again, with the job id, when the job is unknown', async () => {
    const result = await call({}, 'get_search_status', { jobId: 'NO-SUCH-JOB' });
    expect(result.isError).toBe(true);
    expect(errorCode(result)).toBe('search.job.unknown');
    expect(textOf(result)).toMatch(/Start a new search with run_search/);
    expect(result._meta?.[META_ERROR]).toMatchObject({ details: { jobId: 'NO-SUCH-JOB' } });
  });
});

describe('results from the demo simulator', () => {
  it('say where they come from, in the text and in _meta', async () => {
    const ok = await call({ sourceNote: 'simulator (demo)' }, 'list_upgrade_targets', {});
    expect(textOf(ok).split('\n')[0]).toBe('[source: simulator (demo)]');
    expect(ok._meta?.[META_SOURCE]).toBe('simulator (demo)');
    const failed = (await harness?.client.callTool({
      name: 'get_collector',
      arguments: { collector: 999_999_999 },
    })) as CallToolResult;
    expect(textOf(failed)).toMatch(/^\[source: simulator \(demo\)\]/);
    expect(failed._meta?.[META_SOURCE]).toBe('simulator (demo)');
  });
});
