import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from './support/fake-slack.js';
import { postSigned, slashCommandBody } from './support/slack-requests.js';

const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SIGNING_SECRET = 'bin-test-signing-secret';

/** The bot's own entry point, from source (tsx), with only the given environment. */
function startBin(
  env: Record<string, string>,
  args: string[] = [],
): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions', '@sumo-ops/source', BIN, ...args],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return { child, output: () => output };
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('sumo-ops-slack', () => {
  it('refuses to start without settings and says what to set', async () => {
    const { child, output } = startBin({});
    expect(await exitCode(child)).toBe(2);
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SUMO_ACCESS_ID', '--demo'])
      expect(output()).toContain(name);
  });

  describe('with --demo', () => {
    let slack: FakeSlack;
    let bot: ReturnType<typeof startBin>;
    let base = '';
    beforeAll(async () => {
      slack = await new FakeSlack().start();
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      bot = startBin(
        {
          SLACK_BOT_TOKEN: 'xoxb-bin-test-token',
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_API_URL: slack.apiUrl,
          PORT: String(port),
        },
        ['--demo'],
      );
      const deadline = Date.now() + 15_000;
      for (;;) {
        const healthy = await fetch(`${base}/healthz`).then(
          (response) => response.ok,
          () => false,
        );
        if (healthy) break;
        if (Date.now() > deadline || bot.child.exitCode !== null)
          throw new Error(`the bot did not start:\n${bot.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    afterAll(async () => {
      if (bot?.child.exitCode === null) {
        const exited = exitCode(bot.child);
        bot.child.kill('SIGTERM');
        await exited;
      }
      await slack?.close();
    });

    it('answers from the embedded simulator and says so', async () => {
      const responseUrl = slack.responseUrl();
      const ack = await postSigned(
        `${base}/slack/events`,
        SIGNING_SECRET,
        slashCommandBody({ text: 'targets', responseUrl }),
      );
      expect(ack.status).toBe(200);
      const reply = await slack.waitFor(() => slack.responsesTo(responseUrl)[0]);
      expect(JSON.stringify(reply)).toContain('latest');
      expect(JSON.stringify(reply)).toContain('Demo mode');
    });

    it('refuses write commands because SUMO_OPS_ADMINS is not set, and logs no secret', async () => {
      const responseUrl = slack.responseUrl();
      await postSigned(
        `${base}/slack/events`,
        SIGNING_SECRET,
        slashCommandBody({ text: 'delete-offline 30', responseUrl }),
      );
      const reply = await slack.waitFor(() => slack.responsesTo(responseUrl)[0]);
      expect(JSON.stringify(reply)).toContain('SUMO_OPS_ADMINS');
      expect(bot.output()).not.toContain('xoxb-bin-test-token');
      expect(bot.output()).not.toContain(SIGNING_SECRET);
      expect(bot.output()).toContain('SUMO_OPS_ADMINS is not set');
    });
  });
});
