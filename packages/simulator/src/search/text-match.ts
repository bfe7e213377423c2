/** Tests text that has already been lower-cased (once per message, shared by every term). */
export type TextTest = (lower: string) => boolean;

function isWordCode(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 95 || (code >= 65 && code <= 90)
  );
}

function startsWord(text: string): boolean {
  return text.length > 0 && isWordCode(text.charCodeAt(0));
}

function endsWord(text: string): boolean {
  return text.length > 0 && isWordCode(text.charCodeAt(text.length - 1));
}

function boundaryBefore(text: string, index: number): boolean {
  return index === 0 || !isWordCode(text.charCodeAt(index - 1));
}

function boundaryAfter(text: string, index: number): boolean {
  return index >= text.length || !isWordCode(text.charCodeAt(index));
}

function isSpaceCode(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13;
}

/**
 * Search terms match whole words, as Sumo's indexed search does: `error` finds "ERROR:" but not
 * "errors". A `*` stands for any run of non-blank characters, so `error*` finds "errors" and
 * `time*out` finds "timed-out" but not "time to checkout". indexOf scans instead of a regular
 * expression per message keep the filter path fast.
 */
export function termTest(term: string, wildcards: boolean): TextTest {
  const lower = term.toLowerCase();
  if (!wildcards || !lower.includes('*')) return exactTerm(lower);
  const parts = lower.split('*').filter((part) => part !== '');
  if (parts.length === 0) return () => true;
  const [head, ...tail] = parts as [string, ...string[]];
  const checkStart = !lower.startsWith('*') && startsWord(head);
  const checkEnd = !lower.endsWith('*') && endsWord(lower);
  return (text) => {
    for (let index = text.indexOf(head); index >= 0; index = text.indexOf(head, index + 1)) {
      if (checkStart && !boundaryBefore(text, index)) continue;
      let blank = index + head.length;
      while (blank < text.length && !isSpaceCode(text.charCodeAt(blank))) blank++;
      if (restMatches(text, index + head.length, blank, tail, checkEnd)) return true;
    }
    return false;
  };
}

/** Matches the remaining parts in order inside text[at, end), the last one ending a word if asked. */
function restMatches(text: string, at: number, end: number, parts: string[], checkEnd: boolean): boolean {
  if (parts.length === 0) return !checkEnd || boundaryAfter(text, at);
  let from = at;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    const index = text.indexOf(part, from);
    if (index < 0 || index + part.length > end) return false;
    from = index + part.length;
  }
  const last = parts[parts.length - 1] as string;
  for (
    let index = text.indexOf(last, from);
    index >= 0 && index + last.length <= end;
    index = text.indexOf(last, index + 1)
  ) {
    if (!checkEnd || boundaryAfter(text, index + last.length)) return true;
  }
  return false;
}

function exactTerm(term: string): TextTest {
  const checkStart = startsWord(term);
  const checkEnd = endsWord(term);
  if (!checkStart && !checkEnd) return (text) => text.includes(term);
  return (text) => {
    let index = text.indexOf(term);
    while (index >= 0) {
      if (
        (!checkStart || boundaryBefore(text, index)) &&
        (!checkEnd || boundaryAfter(text, index + term.length))
      ) {
        return true;
      }
      index = text.indexOf(term, index + 1);
    }
    return false;
  };
}

/** A whole-value `*` wildcard pattern, for metadata selectors and `matches`. */
export function wildcardRegExp(pattern: string, ignoreCase: boolean): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
}
