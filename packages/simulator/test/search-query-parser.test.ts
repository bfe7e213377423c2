import { describe, expect, it } from 'vitest';
import { compileQuery, SearchQueryError } from '../src/index.js';
import { parseQuery } from '../src/search/query-parser.js';

function queryError(text: string): SearchQueryError {
  try {
    compileQuery(text);
  } catch (error) {
    if (error instanceof SearchQueryError) return error;
    throw error;
  }
  throw new Error(`expected '${text}' to be rejected`);
}

describe('search expression', () => {
  it('reads keywords with an implicit AND, phrases, OR, NOT and parentheses', () => {
    expect(parseQuery('error "read timed out" (fail* OR timeout) NOT staging').search).toEqual({
      kind: 'and',
      items: [
        { kind: 'term', text: 'error', phrase: false, position: 0 },
        { kind: 'term', text: 'read timed out', phrase: true, position: 6 },
        {
          kind: 'or',
          items: [
            { kind: 'term', text: 'fail*', phrase: false, position: 24 },
            { kind: 'term', text: 'timeout', phrase: false, position: 33 },
          ],
        },
        { kind: 'not', item: { kind: 'term', text: 'staging', phrase: false, position: 46 } },
      ],
    });
  });

  it('reads metadata selectors case-insensitively, with wildcards and quoted values', () => {
    expect(
      parseQuery('_SourceCategory=prod/* and _collector="prod-web" or _sourceHost=web-0?').search,
    ).toEqual({
      kind: 'or',
      items: [
        {
          kind: 'and',
          items: [
            { kind: 'meta', key: 'sourceCategory', pattern: 'prod/*', position: 0 },
            { kind: 'meta', key: 'collector', pattern: 'prod-web', position: 27 },
          ],
        },
        { kind: 'meta', key: 'sourceHost', pattern: 'web-0?', position: 52 },
      ],
    });
    expect(parseQuery('_sourceName=/var/log/auth.log').search).toMatchObject({ key: 'sourceName' });
  });

  it('treats an empty search expression and a lone * as every message', () => {
    expect(parseQuery('| count').search).toEqual({ kind: 'all' });
    expect(parseQuery('*').search).toEqual({ kind: 'all' });
  });
});

describe('operators', () => {
  const stage = (text: string) => parseQuery(text).stages[0];

  it('count, count by and the shorthand count field', () => {
    expect(stage('| count')).toEqual({ op: 'count', alias: '_count', by: [], position: 2 });
    expect(stage('| count by _sourceCategory, _sourceHost')).toMatchObject({
      by: ['_sourceCategory', '_sourceHost'],
    });
    expect(stage('| count _sourceCategory')).toMatchObject({ by: ['_sourceCategory'] });
    expect(stage('| count as hits by level')).toMatchObject({ alias: 'hits', by: ['level'] });
  });

  it('where with comparisons, and/or/not, numbers, strings and matches', () => {
    expect(stage('| where status >= 500 and (level = "ERROR" or not host matches "web-*")')).toEqual({
      op: 'where',
      position: 2,
      expr: {
        kind: 'and',
        left: {
          kind: 'compare',
          op: '>=',
          left: { kind: 'field', name: 'status', position: 8 },
          right: { kind: 'literal', value: '500' },
        },
        right: {
          kind: 'or',
          left: {
            kind: 'compare',
            op: '=',
            left: { kind: 'field', name: 'level', position: 27 },
            right: { kind: 'literal', value: 'ERROR' },
          },
          right: {
            kind: 'not',
            item: { kind: 'matches', left: { kind: 'field', name: 'host', position: 50 }, pattern: 'web-*' },
          },
        },
      },
    });
    expect(stage('| where a != 1 && b <> 2 || c == 3')).toMatchObject({ expr: { kind: 'or' } });
  });

  it('parse with one or more captures, field= and nodrop', () => {
    expect(stage('| parse "user=* ip=*" as user, ip')).toEqual({
      op: 'parse',
      field: '_raw',
      pattern: 'user=* ip=*',
      names: ['user', 'ip'],
      nodrop: false,
      position: 2,
    });
    expect(stage('| parse field=msg "took * ms" as took nodrop')).toMatchObject({
      field: 'msg',
      nodrop: true,
    });
  });

  it('json with and without field= and aliases', () => {
    expect(stage('| json "user.id" as user')).toMatchObject({
      field: '_raw',
      paths: ['user.id'],
      names: ['user'],
    });
    expect(stage('| json field=_raw "a.b", "c" as x, y')).toMatchObject({
      paths: ['a.b', 'c'],
      names: ['x', 'y'],
    });
    expect(stage('| json "level"')).toMatchObject({ names: ['level'] });
  });

  it('timeslice with its default name and an alias', () => {
    expect(stage('| timeslice 5m')).toEqual({
      op: 'timeslice',
      spanMs: 300_000,
      name: '_timeslice',
      position: 2,
    });
    expect(stage('| timeslice 1h as hour')).toMatchObject({ spanMs: 3_600_000, name: 'hour' });
    expect(stage('| timeslice by 30s')).toMatchObject({ spanMs: 30_000 });
  });

  it('sort (descending by default), limit and fields', () => {
    expect(stage('| sort by _count')).toEqual({
      op: 'sort',
      keys: [{ field: '_count', descending: true }],
      position: 2,
    });
    expect(stage('| sort a asc, b desc')).toMatchObject({
      keys: [
        { field: 'a', descending: false },
        { field: 'b', descending: true },
      ],
    });
    expect(stage('| limit 10')).toEqual({ op: 'limit', count: 10, position: 2 });
    expect(stage('| fields a, b')).toEqual({ op: 'fields', names: ['a', 'b'], exclude: false, position: 2 });
    expect(stage('| fields -a, b')).toMatchObject({ names: ['a', 'b'], exclude: true });
  });

  it('knows which queries aggregate', () => {
    expect(compileQuery('error | json "level" as level').isAggregate).toBe(false);
    expect(compileQuery('error | json "level" as level | count by level').isAggregate).toBe(true);
  });
});

describe('parse errors', () => {
  it('names an unsupported operator, lists the supported ones and gives the position', () => {
    const error = queryError('error | top 10 _sourceHost');
    expect(error.position).toBe(8);
    expect(error.message).toContain("Unsupported operator 'top'");
    expect(error.message).toContain('count, fields, json, limit, parse, sort, timeslice, where');
  });

  it.each([
    ['', 0, 'empty'],
    ['"unterminated', 0, 'Unterminated quoted string'],
    ['(error', 6, "Expected ')'"],
    ['_index=foo', 0, "Unknown metadata field '_index'"],
    ['error |', 6, 'Expected an operator'],
    ['| count by', 10, 'Expected a field to group by'],
    ['| count(x)', 7, 'count(field) is not supported'],
    ['| where', 7, 'Expected a condition'],
    ['| where status >', 16, 'Expected a field, number or quoted string'],
    ['| where status', 14, 'Expected a comparison'],
    ['| where isNull(x)', 8, "Function 'isNull' is not supported"],
    ['| parse "a * b * c" as x', 23, "2 '*' but 1 field names"],
    ['| parse "no wildcard" as x', 8, "at least one '*'"],
    ['| parse "a**b" as x, y', 8, 'next to each other'],
    ['| parse regex "(?<x>.*)"', 8, 'parse regex'],
    ['| json auto', 7, 'json auto'],
    ['| json "a", "b" as x', 19, 'json has 2 keys but 1 names'],
    ['| timeslice 7x', 12, 'Expected a time slice'],
    ['| limit 0', 8, 'positive whole number'],
    ['| limit ten', 8, 'positive whole number'],
    ['| fields', 8, 'Expected a field name'],
    ['| sort by _count', 2, "'sort' needs an aggregation"],
    ['| count by nosuch', 2, "Field 'nosuch' not found"],
    ['| where nosuch > 1', 8, "Field 'nosuch' not found"],
    ['| count | where level = "x"', 16, "Field 'level' not found"],
    ['| count | json "a"', 10, "'json' must come before the aggregation"],
    ['| limit 5 extra', 10, "Unexpected 'extra' in 'limit'"],
  ])('%j fails at position %i', (text, position, message) => {
    const error = queryError(text);
    expect(error.position).toBe(position);
    expect(error.message).toContain(message);
  });

  it('accepts fields extracted earlier in the pipeline', () => {
    expect(() =>
      compileQuery('| json "level" as level | parse "* " as first | where level = "ERROR" | count by first'),
    ).not.toThrow();
  });
});
