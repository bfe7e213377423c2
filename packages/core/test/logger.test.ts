import { describe, expect, it } from 'vitest';
import { createLogger, registerSecret } from '../src/index.js';

function capture(level = 'debug') {
  const lines: string[] = [];
  const logger = createLogger({ level, write: (line) => lines.push(line) });
  return { logger, lines, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('logger', () => {
  it('writes one JSON object per line with level, message and bindings', () => {
    const { logger, lines, entries } = capture();
    logger.child({ component: 'test' }).info('hello', { count: 2 });
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect(entries()[0]).toMatchObject({ level: 'info', msg: 'hello', component: 'test', count: 2 });
  });

  it('drops entries below LOG_LEVEL and defaults unknown levels to info', () => {
    const warnOnly = capture('warn');
    warnOnly.logger.info('quiet');
    warnOnly.logger.error('loud');
    expect(warnOnly.entries().map((entry) => entry.msg)).toEqual(['loud']);
    const unknown = capture('chatty');
    unknown.logger.debug('hidden');
    unknown.logger.info('shown');
    expect(unknown.entries().map((entry) => entry.msg)).toEqual(['shown']);
  });

  it('redacts registered secrets, credential-shaped strings and sensitive keys wherever they appear', () => {
    const secret = 'k3y-th4t-must-n0t-leak';
    registerSecret(secret);
    const { logger, lines } = capture();
    logger.error(`failed with ${secret}`, {
      nested: { note: `key=${secret}`, authorization: 'Basic abc', accessKey: 'x' },
      header: 'Authorization: Basic c3VBYmM6ZGVm',
      slack: 'xoxb-1234-5678-abcdef',
      error: new Error(`boom ${secret}`),
    });
    const text = lines.join('');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('c3VBYmM6ZGVm');
    expect(text).not.toContain('xoxb-1234');
    expect(text).toContain('[REDACTED]');
    expect(JSON.parse(lines[0] as string).nested.authorization).toBe('[REDACTED]');
  });
});
