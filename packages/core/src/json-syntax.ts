import { type ParseError, parse, printParseErrorCode } from 'jsonc-parser';

/**
 * Where a JSON text is broken, as "line L, column C (what)", and nothing of the text itself:
 * Node's own SyntaxError quotes the text around the error, and a config file may hold a key
 * pasted by mistake. jsonc-parser is used only to locate the error (comments and trailing
 * commas are refused here as JSON.parse refuses them).
 */
export function jsonSyntaxProblem(text: string): string {
  const errors: ParseError[] = [];
  parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (!first) return 'not valid JSON';
  const before = text.slice(0, first.offset).split('\n');
  const line = before.length;
  const column = (before.at(-1)?.length ?? 0) + 1;
  return `line ${line}, column ${column}: ${printParseErrorCode(first.error)}`;
}
