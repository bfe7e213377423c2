import type { FeatureRegistration } from '../feature.js';
import type { RouteContext } from '../router.js';
import { searchErrors } from '../search/search-errors.js';
import { type NewSearchJob, SESSION_COOKIE, type SearchJob } from '../search/search-service.js';
import { isKnownTimeZone, readTime, toEpochMs } from '../search/time-range.js';

/** The documented page-size maximum for messages and records. */
const MAX_RESULT_PAGE = 10_000;

const JOB_ID = /^[0-9A-F]{16}$/;
const AUTO_PARSING_MODES = new Set(['autoparse', 'manual', 'performance', 'intelligent', 'verbose']);

export const registerSearchJobRoutes: FeatureRegistration = (router, { search }) => {
  const jobFor = (ctx: RouteContext): SearchJob =>
    search.job(ctx.accessId, ctx.param('id'), ctx.cookies[SESSION_COOKIE]);

  router.add('POST', '/v1/search/jobs', (ctx) => {
    const job = search.create(ctx.accessId, readCreateRequest(ctx.body));
    const href = `${apiBase(ctx)}/v1/search/jobs/${job.id}`;
    return {
      status: 202,
      body: { id: job.id, link: { rel: 'self', href } },
      headers: {
        location: href,
        // The session cookie routes follow-ups to the node running the job; the load balancer's
        // stickiness cookie rides along as it does on the real service.
        'set-cookie': [
          `${SESSION_COOKIE}=${job.sessionId}; Path=/api; HttpOnly`,
          `AWSALB=${job.sessionId.slice(0, 24)}; Path=/`,
        ],
      },
    };
  });

  router.add('GET', '/v1/search/jobs/:id', (ctx) => ({ status: 200, body: jobFor(ctx).status() }));

  for (const results of ['messages', 'records'] as const) {
    router.add('GET', `/v1/search/jobs/:id/${results}`, (ctx) => {
      requireWellFormedId(ctx);
      const job = jobFor(ctx);
      const { offset, limit } = readPage(ctx.query);
      return { status: 200, body: job[results](offset, limit) };
    });
  }

  router.add('DELETE', '/v1/search/jobs/:id', (ctx) => {
    const id = ctx.param('id');
    search.delete(ctx.accessId, id, ctx.cookies[SESSION_COOKIE]);
    return { status: 200, body: { id } };
  });
};

/** Where the client reached the API, so `Location` points back at this simulator. */
function apiBase(ctx: RouteContext): string {
  return `http://${ctx.headers.host ?? '127.0.0.1'}/api`;
}

/** The paging table documents a 400 for an id that cannot be a job id at all. */
function requireWellFormedId(ctx: RouteContext): void {
  if (!JOB_ID.test(ctx.param('id'))) throw searchErrors.jobIdInvalid(400);
}

function readPage(query: URLSearchParams): { offset: number; limit: number } {
  const offset = readInteger(query.get('offset'), searchErrors.offsetMissing, 'Offset');
  if (offset < 0) throw searchErrors.offsetNegative();
  const limit = readInteger(query.get('limit'), searchErrors.limitMissing, 'Limit');
  if (limit === 0) throw searchErrors.limitZero();
  if (limit < 0) throw searchErrors.limitNegative();
  // Larger requests get at most a full page, as the doc's "may return less" allows.
  return { offset, limit: Math.min(limit, MAX_RESULT_PAGE) };
}

function readInteger(raw: string | null, missing: () => Error, name: string): number {
  if (raw === null || raw.trim() === '') throw missing();
  if (!/^\s*-?\d+\s*$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw searchErrors.generic(`${name} must be an integer, got '${raw}'.`);
  }
  return Number(raw);
}

/** Validates the create body, answering each problem with the code the doc's error table gives it. */
function readCreateRequest(body: unknown): NewSearchJob {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw searchErrors.generic('The request body must be a JSON object with query, from, to and timeZone.');
  }
  const input = body as Record<string, unknown>;
  if (typeof input.query !== 'string' || input.query.trim() === '') throw searchErrors.noQuery();
  const zoneValue = input.timeZone ?? input.timezone;
  let zone: string | undefined;
  if (zoneValue !== undefined && zoneValue !== null) {
    if (typeof zoneValue !== 'string') throw searchErrors.unknownTimezone(String(zoneValue));
    if (zoneValue.trim() === '') throw searchErrors.emptyTimezone();
    if (!isKnownTimeZone(zoneValue.trim())) throw searchErrors.unknownTimezone(zoneValue);
    zone = zoneValue.trim();
  }
  const from = readTime(input.from);
  if (from === undefined) throw searchErrors.invalidTimestampFrom();
  const to = readTime(input.to);
  if (to === undefined) throw searchErrors.invalidTimestampTo();
  // ISO local times mean nothing without a zone; epoch milliseconds need none.
  if (zone === undefined && (from.kind === 'local' || to.kind === 'local'))
    throw searchErrors.emptyTimezone();
  const fromMs = toEpochMs(from, zone);
  const toMs = toEpochMs(to, zone);
  if (fromMs > toMs) throw searchErrors.toSmallerThanFrom();
  const byReceiptTime = readReceiptTimeFlag(input.byReceiptTime);
  const mode = input.autoParsingMode;
  if (mode !== undefined && (typeof mode !== 'string' || !AUTO_PARSING_MODES.has(mode.toLowerCase()))) {
    throw searchErrors.generic(`Unknown autoParsingMode '${String(mode)}'; use AutoParse or Manual.`);
  }
  return { query: input.query, from: fromMs, to: toMs, byReceiptTime };
}

function readReceiptTimeFlag(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw searchErrors.unknownTimeType();
}
