import { createCatalog, sparkline } from '@sumo-ops/core';
import { describe, expect, it } from 'vitest';
import { confirmationMessage, outcomeMessage } from '../src/blocks/confirm.js';
import { helpMessage } from '../src/blocks/help.js';
import { blockKitProblems, LIMITS } from '../src/blocks/limits.js';
import { resultBlocks } from '../src/blocks/result.js';
import { searchSummaryMessage } from '../src/blocks/search.js';
import { escapeMrkdwn } from '../src/blocks/text.js';
import { subcommandsFor } from '../src/grammar.js';
import type { PendingAction } from '../src/pending-actions.js';

const catalog = createCatalog();
const long = (n: number) => 'x'.repeat(n);

describe('blockKitProblems', () => {
  it('finds each kind of limit broken', () => {
    const problems = blockKitProblems({
      text: 'fallback',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: long(151) } },
        { type: 'section', text: { type: 'mrkdwn', text: long(3001) } },
        {
          type: 'section',
          fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn' as const, text: 'f' })),
        },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              text: { type: 'plain_text', text: 'Go' },
              confirm: { text: { type: 'plain_text', text: 'Sure?' } },
            },
          ],
        },
        ...Array.from({ length: 50 }, () => ({ type: 'divider' as const })),
      ],
    });
    expect(problems.join('\n')).toMatch(/54 blocks/);
    expect(problems.join('\n')).toMatch(/header.*151/);
    expect(problems.join('\n')).toMatch(/3001 chars/);
    expect(problems.join('\n')).toMatch(/11 fields/);
    expect(problems.join('\n')).toMatch(/confirm dialog needs title, text, confirm and deny/);
  });

  it('counts the text of all blocks together', () => {
    const blocks = Array.from({ length: 5 }, () => ({
      type: 'section' as const,
      text: { type: 'mrkdwn' as const, text: long(2900) },
    }));
    expect(blockKitProblems({ blocks })).toEqual([
      `14500 chars of text in blocks (max ~${LIMITS.totalText})`,
    ]);
  });
});

describe('the builders stay within the limits', () => {
  it('help lists every subcommand', () => {
    const help = helpMessage(subcommandsFor(catalog), catalog);
    expect(blockKitProblems(help)).toEqual([]);
  });

  it('a result with hundreds of long rows is cut, saying how many were left out', () => {
    const items = Array.from({ length: 500 }, (_, index) => ({
      id: index,
      name: `collector ${long(60)} ${index}`,
    }));
    const blocks = resultBlocks(catalog.require('list_collectors'), {
      items,
      offset: 0,
      limit: 500,
      nextOffset: 500,
    });
    expect(blockKitProblems({ blocks })).toEqual([]);
    expect(JSON.stringify(blocks)).toMatch(/… \d+ more lines/);
    expect(JSON.stringify(blocks)).toContain('offset=500');
  });

  it('a confirmation of a huge preview keeps its buttons and a valid confirm dialog', () => {
    const operation = catalog.require('upgrade_collectors');
    const action: PendingAction = {
      id: 'abc',
      userId: 'U1',
      channelId: 'C1',
      subcommand: 'upgrade-many',
      commandText: `/sumo upgrade-many ${long(4000)}`,
      operation: operation.name,
      input: {},
      preview: {
        summary: long(5000),
        willChange: true,
        details: Array.from({ length: 900 }, (_, index) => ({ collectorId: index, name: long(40) })),
        warnings: Array.from({ length: 40 }, () => long(200)),
      },
      createdAt: Date.now(),
    };
    const message = confirmationMessage(operation, action, action.commandText, 600_000);
    expect(blockKitProblems(message)).toEqual([]);
    expect(JSON.stringify(message)).toContain('sumo_confirm');
    const outcome = outcomeMessage(operation, action, action.commandText, {
      status: 'failed',
      by: 'U1',
      reason: long(9000),
    });
    expect(blockKitProblems(outcome)).toEqual([]);
  });

  it('a search summary with long records, samples and notes fits', () => {
    const message = searchSummaryMessage({
      jobId: 'J',
      state: 'DONE GATHERING RESULTS',
      complete: true,
      query: 'q',
      from: 'a',
      to: 'b',
      timeZone: 'UTC',
      messageCount: 12_345,
      recordCount: 10,
      aggregate: true,
      histogram: { start: 'a', stepMs: 60_000, counts: [0, 1, 5, 9, 3] },
      records: {
        fields: ['host', '_count'],
        orderedBy: '_count descending',
        top: Array.from({ length: 10 }, () => ({ host: long(80), _count: '5' })),
        truncated: true,
      },
      samples: Array.from({ length: 3 }, () => ({
        time: 't',
        sourceCategory: 'c',
        raw: long(240),
        truncated: true,
      })),
      topValues: { _sourceHost: Array.from({ length: 5 }, () => ({ value: long(80), count: 3 })) },
      errors: [long(5000)],
      warnings: Array.from({ length: 3 }, () => long(200)),
    });
    expect(blockKitProblems(message)).toEqual([]);
  });
});

describe('results', () => {
  it('never let text from Sumo become a mention or a link', () => {
    const blocks = resultBlocks(catalog.require('get_collector'), {
      id: 1,
      name: 'web',
      description: '<!channel> see <http://x|here>',
    });
    const text = JSON.stringify(blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('&lt;!channel&gt;');
  });
});

describe('text helpers', () => {
  it('escapes what Slack would read as mentions or links', () => {
    expect(escapeMrkdwn('<!channel> & <@U1>')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt;');
  });

  it('draws a histogram as a sparkline scaled to its peak', () => {
    expect(sparkline([0, 1, 2, 4, 8])).toBe(' ▁▂▄█');
    expect(sparkline([0, 0])).toBe('▁▁');
  });
});
