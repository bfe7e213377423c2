import { createCatalog } from '@sumo-ops/core';
import { describe, expect, it } from 'vitest';
import { GRAMMAR, inputFields, subcommandsFor, usageLine } from '../src/grammar.js';
import { parseCommand, tokenize } from '../src/parse-command.js';

const catalog = createCatalog();

function invoke(text: string) {
  const parsed = parseCommand(text, catalog);
  if (parsed.kind !== 'invoke')
    throw new Error(`expected an operation for "${text}", got ${JSON.stringify(parsed)}`);
  return parsed;
}

function usage(text: string) {
  const parsed = parseCommand(text, catalog);
  if (parsed.kind !== 'usage') throw new Error(`expected a usage error for "${text}", got ${parsed.kind}`);
  return parsed;
}

describe('the grammar', () => {
  it('maps every subcommand onto an operation of the catalog and onto fields its input has', () => {
    for (const spec of GRAMMAR) {
      const operation = catalog.get(spec.operation);
      expect(operation, spec.name).toBeDefined();
      const fields = Object.keys(inputFields(operation as NonNullable<typeof operation>));
      for (const arg of spec.args) expect(fields, `${spec.name} <${arg.label}>`).toContain(arg.field);
      for (const field of Object.values(spec.aliases ?? {}))
        expect(fields, `${spec.name} alias`).toContain(field);
    }
  });

  it('reaches every catalog operation through some subcommand', () => {
    const reached = new Set(subcommandsFor(catalog).map((spec) => spec.operation));
    expect(catalog.list().filter((operation) => !reached.has(operation.name))).toEqual([]);
  });

  it('has an example for every subcommand that itself parses', () => {
    for (const spec of subcommandsFor(catalog)) {
      if (spec.example.includes('…')) continue;
      expect(parseCommand(spec.example.replace(/^\/sumo /, ''), catalog).kind, spec.example).toBe('invoke');
    }
  });

  it('shows optional words in brackets and required ones in angle brackets', () => {
    const upgrade = GRAMMAR.find((spec) => spec.name === 'upgrade');
    expect(upgrade && usageLine(upgrade)).toBe('/sumo upgrade <collector> [version] [key=value…]');
  });
});

describe('parseCommand', () => {
  it('answers help for an empty command, help, and help on one subcommand', () => {
    expect(parseCommand('', catalog)).toEqual({ kind: 'help' });
    expect(parseCommand('help', catalog)).toEqual({ kind: 'help' });
    const topic = parseCommand('help upgrade', catalog);
    expect(topic.kind === 'help' && topic.topic?.operation).toBe('upgrade_collector');
  });

  it('reads a collectors filter and paging options into the list_collectors input', () => {
    const parsed = invoke('collectors dead limit=5 offset=10');
    expect(parsed.operation.name).toBe('list_collectors');
    expect(parsed.input).toMatchObject({ filter: 'dead', limit: 5, offset: 10 });
  });

  it('takes a collector by id or by a quoted name with spaces (straight or curly quotes)', () => {
    expect(invoke('collector 108').input).toEqual({ collector: 108 });
    expect(invoke('collector "web prod 01"').input).toEqual({ collector: 'web prod 01' });
    expect(invoke('sources \u201cweb prod 01\u201d').input).toMatchObject({ collector: 'web prod 01' });
  });

  it('reads upgrade with and without a version', () => {
    expect(invoke('upgrade web-01').input).toMatchObject({ collector: 'web-01' });
    expect(invoke('upgrade 42 19.470-4').input).toMatchObject({ collector: 42, toVersion: '19.470-4' });
    expect(invoke('upgrade 42 version=19.470-4').input).toMatchObject({ toVersion: '19.470-4' });
  });

  it('reads upgrade-many as a list of collectors or all, with a version anywhere', () => {
    expect(invoke('upgrade-many web-01 "db 3" 19.470-4').input).toMatchObject({
      collectors: ['web-01', 'db 3'],
      toVersion: '19.470-4',
    });
    expect(invoke('upgrade-many all').input).toMatchObject({ all: true });
    expect(invoke('upgrade-many all wait=false').input).toMatchObject({ all: true, wait: false });
  });

  it('reads the rest of the line as the collector name where a name is the only word expected', () => {
    for (const [text, operation] of [
      ['collector Staging Area', 'get_collector'],
      ['sources Staging Area', 'list_sources'],
      ['delete-collector Staging Area', 'delete_collector'],
      ['upgrade Staging Area', 'upgrade_collector'],
    ] as const) {
      const parsed = invoke(text);
      expect(parsed.operation.name).toBe(operation);
      expect(parsed.input).toMatchObject({ collector: 'Staging Area' });
      expect(parsed.reading).toBe('Read `Staging Area` as one collector name.');
    }
    // Spaces are kept as typed; options may come anywhere.
    expect(invoke('sources limit=5 web  prod 01').input).toMatchObject({
      collector: 'web  prod 01',
      limit: 5,
    });
    expect(invoke('collector web prod 01 ').input).toEqual({ collector: 'web prod 01' });
  });

  it('still recognises a version at the end of upgrade, and says how it read the words', () => {
    const parsed = invoke('upgrade Staging Area 19.470-4');
    expect(parsed.input).toMatchObject({ collector: 'Staging Area', toVersion: '19.470-4' });
    expect(parsed.reading).toBe(
      'Read `Staging Area` as one collector name and `19.470-4` as the version. If `19.470-4` is part of the name, quote the whole name.',
    );
    // A version-like word in the middle is part of the name; a lone one names a collector.
    expect(invoke('upgrade web 19.470-4 prod').input).toMatchObject({ collector: 'web 19.470-4 prod' });
    expect(invoke('upgrade web 19.470-4 prod').input).not.toHaveProperty('toVersion');
    expect(invoke('upgrade 19.470-4').input).toMatchObject({ collector: '19.470-4' });
    expect(invoke('upgrade "Staging Area 19.470-4"').input).toMatchObject({
      collector: 'Staging Area 19.470-4',
    });
    expect(invoke('upgrade Staging Area version=19.470-4').input).toMatchObject({
      collector: 'Staging Area',
      toVersion: '19.470-4',
    });
  });

  it('leaves quoted names, ids and single words unannotated', () => {
    expect(invoke('collector "Staging Area"').reading).toBeUndefined();
    expect(invoke('collector 108').reading).toBeUndefined();
    expect(invoke('upgrade 42 19.470-4').reading).toBeUndefined();
    expect(invoke('delete-collector collector="Staging Area"').input).toEqual({ collector: 'Staging Area' });
  });

  it('reads offline days, delete-offline days and upgrade-status task ids', () => {
    expect(invoke('offline 30').input).toMatchObject({ aliveBeforeDays: 30 });
    expect(invoke('delete-offline days=45').input).toMatchObject({ aliveBeforeDays: 45 });
    expect(invoke('upgrade-status 4012').input).toMatchObject({ taskId: 4012 });
  });

  it('reads the fleet health words: a collector named as typed, liveness and status words', () => {
    expect(invoke('health').input).toMatchObject({ offset: 0 });
    expect(invoke('health').input).not.toHaveProperty('collector');
    const named = invoke('health Cloud Syslog dev 1');
    expect(named.operation.name).toBe('list_health_events');
    expect(named.input).toMatchObject({ collector: 'Cloud Syslog dev 1' });
    expect(invoke('health 100000006 severity=Error').input).toMatchObject({
      collector: 100000006,
      severity: 'Error',
    });
    const why = invoke('why web prod 01');
    expect(why.operation.name).toBe('diagnose_collector');
    expect(why.input).toEqual({ collector: 'web prod 01' });
    expect(why.reading).toBe('Read `web prod 01` as one collector name.');
    expect(invoke('why 0000000005F5E10E').input).toEqual({ collector: '0000000005F5E10E' });
    // An OT id whose hex digits happen to be decimal ones is still that id, not a number.
    expect(invoke('health 0000000005123456').input).toMatchObject({ collector: '0000000005123456' });
    expect(invoke('list-ot-collectors offline').input).toMatchObject({ alive: false });
    expect(invoke('list-ot-collectors alive').input).toMatchObject({ alive: true });
    expect(invoke('list-ot-collectors').input).not.toHaveProperty('alive');
    expect(invoke('delete-ot-collector otel prod db 01').input).toEqual({ collector: 'otel prod db 01' });
    expect(invoke('list-ingest-budgets Exceeded').input).toEqual({ status: 'Exceeded' });
    // The operations' own names keep working beside the short words.
    expect(invoke('list-health-events severity=Error').operation.name).toBe('list_health_events');
    expect(invoke('diagnose-collector collector=web-01').input).toEqual({ collector: 'web-01' });
    expect(invoke('diagnose_collector web prod 01').input).toEqual({ collector: 'web prod 01' });
    expect(usage('why').message).toContain('`collector` is missing');
    expect(usage('list-ingest-budgets Huge').message).toContain('status');
  });

  it('keeps a search query as typed, quotes and = included, and takes only known options out of it', () => {
    const parsed = invoke(
      'search _sourceCategory=prod/web "connection refused" | count by _sourceHost from=-1h tz=Europe/Berlin',
    );
    expect(parsed.operation.name).toBe('run_search');
    expect(parsed.input).toMatchObject({
      query: '_sourceCategory=prod/web "connection refused" | count by _sourceHost',
      from: '-1h',
      to: 'now',
      timeZone: 'Europe/Berlin',
    });
  });

  it('undoes the HTML escaping Slack applies to command text', () => {
    expect(invoke('search error &amp;&amp; status&gt;499').input).toMatchObject({
      query: 'error && status>499',
    });
  });

  it('reaches operations without a grammar entry by name with key=value words, JSON included', () => {
    const parsed = invoke(
      'update-collector collector=108 changes={"category": "prod web", "ephemeral": true}',
    );
    expect(parsed.operation.name).toBe('update_collector');
    expect(parsed.input).toMatchObject({
      collector: 108,
      changes: { category: 'prod web', ephemeral: true },
    });
  });

  it('explains a missing argument with the subcommand it belongs to', () => {
    const parsed = usage('collector');
    expect(parsed.message).toContain('`id|name` is missing');
    expect(parsed.spec?.name).toBe('collector');
  });

  it('names the field when the schema refuses a value, before any API call', () => {
    const parsed = usage('collectors sideways');
    expect(parsed.message).toMatch(/^<filter>: /);
    expect(usage('offline soon').message).toMatch(/^days must be a whole number/);
  });

  it('refuses unknown subcommands, unknown options, extra words and unclosed quotes', () => {
    expect(usage('frobnicate').message).toContain('no subcommand `frobnicate`');
    expect(usage('collectors dead colour=red').message).toContain('`colour` is not an option');
    expect(usage('collector "web prod" 01').message).toContain('Unexpected `01`');
    expect(usage('targets now').message).toContain('Unexpected `now`');
    expect(usage('collector "web prod').message).toContain('not closed');
  });
});

describe('tokenize', () => {
  it('splits outside quotes and remembers where each word was', () => {
    const tokens = tokenize('a "b c" d=e');
    expect(tokens.map((token) => token.value)).toEqual(['a', 'b c', 'd=e']);
    expect(tokens[2]).toMatchObject({ key: 'd', keyValue: 'e' });
  });
});

describe('number words', () => {
  it.each(['0', '-3', '1.5', 'ten'])(
    'refuses offline %s with the rule, by the name the person typed',
    (word) => {
      expect(usage(`offline ${word}`).message).toBe(
        `days must be a whole number of at least 1, not \`${word}\`.`,
      );
      expect(usage(`delete-offline days=${word}`).message).toContain(
        'days must be a whole number of at least 1',
      );
      expect(usage(`offline aliveBeforeDays=${word}`).message).toContain(
        'aliveBeforeDays must be a whole number of at least 1',
      );
    },
  );

  it('states the range of a bounded number option', () => {
    expect(usage('collectors limit=0').message).toMatch(
      /^limit must be a whole number from 1 to \d+, not `0`\.$/,
    );
    expect(usage('collectors offset=-1').message).toBe(
      'offset must be a whole number of at least 0, not `-1`.',
    );
    expect(usage('offline days=').message).toBe('days must be a whole number of at least 1.');
  });
});

describe('values no reading fits', () => {
  it('pass on the reading of the field’s type, so the message is the field’s rule', () => {
    expect(usage('update-collector collector=web-01 changes={}').message).toBe(
      'changes: name at least one field to change',
    );
    expect(
      usage('update-source collector=web-01 sourceId=5 changes={"sourceType":"HTTP"}').message,
    ).toContain('changes.sourceType: sourceType cannot be changed');
    expect(usage('collector 9007199254740993').message).toContain('9007199254740993 is larger');
  });

  it('refuses words beside an explicit query= instead of dropping them', () => {
    expect(usage('search query=error form=-1h').message).toContain('Unexpected `form=-1h`');
  });
});
