import { describe, expect, it } from 'vitest';
import { csvCell } from '../src/index.js';

describe('CSV cells that a spreadsheet would run as a formula', () => {
  it.each([
    ['=', '=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
    ['+', '+1+cmd|calc', "'+1+cmd|calc"],
    ['-', '-2+3+cmd|calc', "'-2+3+cmd|calc"],
    ['@', '@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['tab', '\t=1+1', "'\t=1+1"],
    ['carriage return', '\r=1+1', `"'\r=1+1"`],
  ])('are escaped with a leading quote when they start with %s', (_prefix, value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('keep plain numbers (negative ones too) and ordinary text as they are', () => {
    expect(csvCell('-5')).toBe('-5');
    expect(csvCell('-0.25')).toBe('-0.25');
    expect(csvCell('42')).toBe('42');
    expect(csvCell('a = b')).toBe('a = b');
    expect(csvCell('user@example.com')).toBe('user@example.com');
  });
});
