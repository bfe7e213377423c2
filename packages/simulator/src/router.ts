import type { IncomingHttpHeaders } from 'node:http';
import type { SimClock } from './clock.js';
import { genericErrors, type SimError } from './sim-error.js';

export interface RouteContext {
  method: string;
  /** The request path below the router's mount point (for the API: without `/api`), as sent. */
  path: string;
  /** Decoded path parameters, e.g. `{ id: '42' }` for `/v1/collectors/:id`. */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when the request had none. */
  body: unknown;
  rawBody: string;
  /** The authenticated access id (empty for unauthenticated root routes). */
  accessId: string;
  cookies: Readonly<Record<string, string>>;
  clock: SimClock;
  requestId: string;
  /** A path parameter that the route pattern guarantees to be present. */
  param(name: string): string;
}

export interface RouteResult {
  status: number;
  /** Objects are sent as JSON, strings as text/plain, undefined as an empty body. */
  body?: unknown;
  /** A string[] value sends the header once per entry (e.g. several `Set-Cookie`). */
  headers?: Record<string, string | string[]>;
}

export type RouteHandler = (ctx: RouteContext) => RouteResult | Promise<RouteResult>;

export interface RouteMatch {
  /** `METHOD pattern`, the key of the per-route counters. */
  routeName: string;
  handler: RouteHandler;
  params: Record<string, string>;
}

/** A request no route answers: 404 for an unknown path, 405 for a known path and another method. */
export interface RouteMiss {
  routeName: string;
  error: SimError;
}

type Segment = { kind: 'literal'; value: string } | { kind: 'param'; name: string };

interface PatternEntry {
  pattern: string;
  segments: Segment[];
  handlers: Map<string, RouteHandler>;
}

/**
 * Routes are matched by specificity, not registration order: at the first segment where two
 * patterns differ a literal beats a parameter, so `/v1/collectors/offline` and
 * `/v1/collectors/upgrades/targets` are never captured by `/v1/collectors/:id`. The method is
 * checked after the path, so a known path with the wrong method is a 405 rather than a 404.
 */
export class Router {
  readonly #patterns: PatternEntry[] = [];

  add(method: string, pattern: string, handler: RouteHandler): void {
    const upperMethod = method.toUpperCase();
    let entry = this.#patterns.find((candidate) => candidate.pattern === pattern);
    if (!entry) {
      entry = { pattern, segments: parsePattern(pattern), handlers: new Map() };
      this.#patterns.push(entry);
      this.#patterns.sort((a, b) => compareSpecificity(a.segments, b.segments));
    }
    if (entry.handlers.has(upperMethod))
      throw new Error(`route ${upperMethod} ${pattern} is already registered`);
    entry.handlers.set(upperMethod, handler);
  }

  match(method: string, path: string): RouteMatch | RouteMiss {
    const upperMethod = method.toUpperCase();
    const pathSegments = splitPath(path);
    for (const entry of this.#patterns) {
      const params = matchSegments(entry.segments, pathSegments);
      if (!params) continue;
      const handler = entry.handlers.get(upperMethod);
      if (!handler)
        return { routeName: `${upperMethod} ${entry.pattern}`, error: genericErrors.methodUnsupported() };
      return { routeName: `${upperMethod} ${entry.pattern}`, handler, params };
    }
    return { routeName: `${upperMethod} (unmatched)`, error: genericErrors.notFound() };
  }
}

function parsePattern(pattern: string): Segment[] {
  return splitPath(pattern).map((part) =>
    part.startsWith(':') ? { kind: 'param', name: part.slice(1) } : { kind: 'literal', value: part },
  );
}

/** One trailing slash is insignificant for matching (handlers can still see it in `ctx.path`). */
function splitPath(path: string): string[] {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.split('/').filter((part, index) => index > 0 || part !== '');
}

function matchSegments(segments: Segment[], pathSegments: string[]): Record<string, string> | undefined {
  if (segments.length !== pathSegments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    const actual = pathSegments[index] ?? '';
    if (segment.kind === 'literal') {
      if (segment.value !== actual) return undefined;
      continue;
    }
    if (actual === '') return undefined;
    try {
      params[segment.name] = decodeURIComponent(actual);
    } catch {
      return undefined;
    }
  }
  return params;
}

function compareSpecificity(a: Segment[], b: Segment[]): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index += 1) {
    const left = a[index]?.kind;
    const right = b[index]?.kind;
    if (left !== right) return left === 'literal' ? -1 : 1;
  }
  return 0;
}

export function isRouteMatch(match: RouteMatch | RouteMiss): match is RouteMatch {
  return 'handler' in match;
}
