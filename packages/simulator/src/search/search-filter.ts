import type { SearchCorpus } from './corpus.js';
import type { SearchNode } from './query-parser.js';
import type { ScanRow } from './scan-row.js';
import { termTest, wildcardRegExp } from './text-match.js';

export const NEVER = 0;
export const ALWAYS = 1;
export const CHECK_TEXT = 2;

/** The search expression bound to one corpus. */
export interface BoundSearch {
  /**
   * Per origin: NEVER, ALWAYS, or CHECK_TEXT. Metadata is fixed per origin, so most messages are
   * decided from this table without generating their text.
   */
  readonly verdicts: Uint8Array;
  /** The full expression, for origins whose verdict depends on the text. */
  readonly test: (row: ScanRow) => boolean;
}

type Tri = 0 | 1 | 2;

export function bindSearch(node: SearchNode, corpus: Pick<SearchCorpus, 'origins'>): BoundSearch {
  const selectorCache = new Map<SearchNode, Uint8Array>();
  const selectorTable = (meta: Extract<SearchNode, { kind: 'meta' }>): Uint8Array => {
    let table = selectorCache.get(meta);
    if (table === undefined) {
      const pattern = wildcardRegExp(meta.pattern, true);
      table = Uint8Array.from(corpus.origins, (origin) => (pattern.test(origin[meta.key]) ? 1 : 0));
      selectorCache.set(meta, table);
    }
    return table;
  };

  // Kleene three-valued logic with text terms as "unknown" gives each origin's verdict.
  const verdict = (n: SearchNode, origin: number): Tri => {
    switch (n.kind) {
      case 'all':
        return ALWAYS;
      case 'term':
        return CHECK_TEXT;
      case 'meta':
        return selectorTable(n)[origin] === 1 ? ALWAYS : NEVER;
      case 'not': {
        const inner = verdict(n.item, origin);
        return inner === CHECK_TEXT ? CHECK_TEXT : inner === ALWAYS ? NEVER : ALWAYS;
      }
      case 'and': {
        let result: Tri = ALWAYS;
        for (const item of n.items) {
          const v = verdict(item, origin);
          if (v === NEVER) return NEVER;
          if (v === CHECK_TEXT) result = CHECK_TEXT;
        }
        return result;
      }
      case 'or': {
        let result: Tri = NEVER;
        for (const item of n.items) {
          const v = verdict(item, origin);
          if (v === ALWAYS) return ALWAYS;
          if (v === CHECK_TEXT) result = CHECK_TEXT;
        }
        return result;
      }
    }
  };

  const compile = (n: SearchNode): ((row: ScanRow) => boolean) => {
    switch (n.kind) {
      case 'all':
        return () => true;
      case 'term': {
        const test = termTest(n.text, !n.phrase);
        return (row) => test(row.lowerRaw());
      }
      case 'meta': {
        const table = selectorTable(n);
        return (row) => table[row.origin] === 1;
      }
      case 'not': {
        const inner = compile(n.item);
        return (row) => !inner(row);
      }
      case 'and':
      case 'or': {
        // Selectors first: they are table look-ups and may spare generating the text.
        const items = [...n.items].sort((a, b) => cost(a) - cost(b)).map(compile);
        return n.kind === 'and'
          ? (row) => items.every((item) => item(row))
          : (row) => items.some((item) => item(row));
      }
    }
  };

  return {
    verdicts: Uint8Array.from(corpus.origins, (_, origin) => verdict(node, origin)),
    test: compile(node),
  };
}

function cost(node: SearchNode): number {
  switch (node.kind) {
    case 'all':
    case 'meta':
      return 0;
    case 'term':
      return 1;
    case 'not':
      return cost(node.item);
    default:
      return Math.max(...node.items.map(cost));
  }
}
