import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SLACK_HELP_TEXT } from '../src/flags.js';

const names = (text: string) => new Set(text.match(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/g));

describe('.env.example', () => {
  const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');

  it('names every variable --help lists, and none it does not', () => {
    expect([...names(example)].sort()).toEqual([...names(SLACK_HELP_TEXT)].sort());
  });

  it('leaves every secret empty', () => {
    for (const secret of ['SLACK_SIGNING_SECRET', 'SUMO_ACCESS_KEY'])
      expect(example).toMatch(new RegExp(`^${secret}=$`, 'm'));
    expect(example).toMatch(/^SLACK_BOT_TOKEN=xoxb-$/m);
  });
});
