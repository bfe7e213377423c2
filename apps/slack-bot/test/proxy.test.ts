import { type LocalHttpProxy, startHttpProxy } from '@sumo-ops/simulator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness } from './support/harness.js';

let proxy: LocalHttpProxy;
let harness: Harness | undefined;

beforeEach(async () => {
  proxy = await startHttpProxy();
});

afterEach(async () => {
  await harness?.close();
  harness = undefined;
  await proxy.close();
});

describe('calls to Slack honour the proxy settings', () => {
  it('sends auth.test and the response_url reply through HTTP_PROXY', async () => {
    harness = await Harness.start({ bot: { env: { HTTP_PROXY: proxy.url } } });
    const slackHost = new URL(harness.slack.apiUrl).host;
    // auth.test at start-up went through it.
    expect(proxy.requests.map(({ target }) => target)).toContain(slackHost);
    expect(harness.slack.calls.map(({ method }) => method)).toContain('auth.test');

    const { reply } = await harness.ask('help');
    expect(JSON.stringify(reply)).toContain('/sumo');
    expect(proxy.requests.every(({ target }) => target === slackHost)).toBe(true);
  });

  it('goes direct to hosts in NO_PROXY', async () => {
    harness = await Harness.start({ bot: { env: { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' } } });
    await harness.ask('help');
    expect(harness.slack.calls.map(({ method }) => method)).toContain('auth.test');
    expect(proxy.requests).toEqual([]);
  });
});
