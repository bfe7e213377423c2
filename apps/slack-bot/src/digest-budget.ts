import type { Digest } from './digests.js';

/**
 * Digests run unattended for ever, on the same Sumo rate budget as every person typing a command,
 * so all of them together may spend only a share of it (SUMO_OPS_DIGEST_BUDGET_SHARE). What a
 * digest spends is estimated, not measured: a run is two `run_search` calls (this period and the
 * one before), each counted at 7 API calls: create, the status polls of a search done within about
 * 4 s (a digest's search polls on a growing interval, 0.25, 0.75, 1.75 and 3.75 s after it starts,
 * as nobody waits for it), the summary page, delete. A longer search spends one more poll per
 * doubling of its run time.
 */
export const SEARCHES_PER_RUN = 2;
export const CALLS_PER_SEARCH = 7;
export const CALLS_PER_RUN = SEARCHES_PER_RUN * CALLS_PER_SEARCH;
export const DEFAULT_DIGEST_BUDGET_SHARE = 0.2;
export const DIGEST_BUDGET_VARIABLE = 'SUMO_OPS_DIGEST_BUDGET_SHARE';

const MINUTE_MS = 60_000;

export interface DigestBudget {
  /** The fraction of the rate budget all digests together may spend, 0…1. */
  share: number;
  /** The whole rate budget in API calls a minute (Sumo: 4 a second, 240 a minute). */
  callsPerMinute: number;
}

/** API calls a minute a digest spends on average: calls per run × runs per minute. */
export function digestCallsPerMinute(digest: Pick<Digest, 'everyMs'>): number {
  return (CALLS_PER_RUN * MINUTE_MS) / digest.everyMs;
}

export function allowedCallsPerMinute(budget: DigestBudget): number {
  return budget.share * budget.callsPerMinute;
}

export interface DigestPlan {
  /** Digests that fit in the budget, oldest first: these run. */
  running: Digest[];
  /** Digests that do not fit (the share was lowered, or adds on two replicas raced): kept, not run. */
  paused: Digest[];
  /** What the running digests spend, calls a minute. */
  spent: number;
  /** What every digest would spend if all ran, calls a minute. */
  wanted: number;
  allowed: number;
  budget: DigestBudget;
}

/**
 * Every org's digests planned against that org's own budget: an org's rate budget is its access
 * key's, so staging's digests never pause or refuse production's. `orgOf` is the org a digest
 * runs in (its own, else the default).
 */
export interface DigestPlans {
  running: Digest[];
  paused: Digest[];
  /** In the order the orgs first appear among the digests. */
  byOrg: Map<string, DigestPlan>;
}

export function planDigestsByOrg(
  digests: readonly Digest[],
  orgOf: (digest: Digest) => string,
  budgetOf: (org: string) => DigestBudget,
): DigestPlans {
  const groups = new Map<string, Digest[]>();
  for (const digest of digests) {
    const org = orgOf(digest);
    groups.set(org, [...(groups.get(org) ?? []), digest]);
  }
  const plans: DigestPlans = { running: [], paused: [], byOrg: new Map() };
  for (const [org, group] of groups) {
    const plan = planDigests(group, budgetOf(org));
    plans.byOrg.set(org, plan);
    plans.running.push(...plan.running);
    plans.paused.push(...plan.paused);
  }
  return plans;
}

/**
 * Which digests run. In the order they were added, each runs if it still fits beside the ones
 * before it; the rest wait, paused. Pausing rather than running them all: the share is the
 * operator's promise that people's commands keep the rest of the budget, and digests over it
 * would break that promise every minute; a paused digest loses only its posts, stays listed,
 * and runs again by itself once there is room (a removal, a larger share).
 */
export function planDigests(digests: readonly Digest[], budget: DigestBudget): DigestPlan {
  const allowed = allowedCallsPerMinute(budget);
  const ordered = [...digests].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  const plan: DigestPlan = { running: [], paused: [], spent: 0, wanted: 0, allowed, budget };
  for (const digest of ordered) {
    const cost = digestCallsPerMinute(digest);
    plan.wanted += cost;
    // A hair of tolerance: sums of thirds and sixtieths must not pause a digest that exactly fits.
    if (plan.spent + cost <= allowed + 1e-9) {
      plan.running.push(digest);
      plan.spent += cost;
    } else {
      plan.paused.push(digest);
    }
  }
  return plan;
}

/** `12`, `0.17`, `1,200`: calls a minute as people read them. */
export function formatCalls(calls: number): string {
  return calls.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** `20 %`, `0.5 %`. */
export function formatShare(share: number): string {
  return `${(share * 100).toLocaleString('en-US', { maximumFractionDigits: 2 })} %`;
}

/** `every 1h: 14 calls a run ÷ 60 min = 0.23 calls/min`, the arithmetic behind one digest's cost. */
export function costArithmetic(digest: Pick<Digest, 'every' | 'everyMs'>): string {
  return `${SEARCHES_PER_RUN} searches × ${CALLS_PER_SEARCH} calls = ${CALLS_PER_RUN} calls a run ÷ ${formatCalls(digest.everyMs / MINUTE_MS)} min (every ${digest.every}) = ${formatCalls(digestCallsPerMinute(digest))} calls/min`;
}

/** `48 calls/min (20 % of 240 calls/min, SUMO_OPS_DIGEST_BUDGET_SHARE)`. */
export function allowanceText(budget: DigestBudget): string {
  return `${formatCalls(allowedCallsPerMinute(budget))} calls/min (${formatShare(budget.share)} of the ${formatCalls(budget.callsPerMinute)} calls/min rate budget, ${DIGEST_BUDGET_VARIABLE})`;
}

export interface BudgetCheck {
  fits: boolean;
  /** The arithmetic, for the preview when it fits and for the refusal when it does not. */
  text: string;
}

/**
 * Whether one more digest fits beside every digest there is (in every channel, paused ones too:
 * they wait for room first), with the arithmetic either way.
 */
export function checkDigestFits(
  existing: readonly Digest[],
  candidate: Pick<Digest, 'every' | 'everyMs'>,
  budget: DigestBudget,
  /** The org whose digests `existing` are, named when there are several: each has its own budget. */
  org?: string | undefined,
): BudgetCheck {
  const already = existing.reduce((sum, digest) => sum + digestCallsPerMinute(digest), 0);
  const cost = digestCallsPerMinute(candidate);
  const total = already + cost;
  const allowed = allowedCallsPerMinute(budget);
  const sum = `${formatCalls(already)} + ${formatCalls(cost)} = ${formatCalls(total)}`;
  const digestsWord = `${existing.length} digest${existing.length === 1 ? '' : 's'}${org ? ` of ${org}` : ''} in all channels`;
  if (total <= allowed + 1e-9) {
    return {
      fits: true,
      text: `Cost: ${costArithmetic(candidate)}. With the ${digestsWord}: ${sum} of the ${allowanceText(budget)} digests may spend.`,
    };
  }
  return {
    fits: false,
    text: `This digest would cost ${costArithmetic(candidate)}; with the ${digestsWord}, ${sum} calls/min is more than the ${allowanceText(budget)} digests may spend. ${roomHint(allowed - already)}`,
  };
}

/** The shortest interval that would fit in `room` calls a minute, or what to do when none does. */
function roomHint(room: number): string {
  const remove = 'remove a digest first (`/sumo digest list` in each channel)';
  if (room <= 1e-9)
    return `Nothing more fits: ${remove}, or ask whoever runs the bot to raise ${DIGEST_BUDGET_VARIABLE}.`;
  // The same hair of tolerance as the plan's: 10 calls in 3.33… calls/min of room is 3 minutes.
  const minutes = Math.ceil((CALLS_PER_RUN / room) * (1 - 1e-9));
  if (minutes > 7 * 24 * 60) return `Even every 7d would not fit: ${remove}.`;
  return `It would fit at every ${readableMinutes(minutes)} or longer, or ${remove}.`;
}

function readableMinutes(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}

/** `SUMO_OPS_DIGEST_BUDGET_SHARE`: a percentage 0–100 (`20`, `20%`, `2.5`) → a fraction; unset → 20 %. */
export function parseDigestBudgetShare(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_DIGEST_BUDGET_SHARE;
  const match = /^(\d{1,3}(?:\.\d+)?)\s*%?$/.exec(value.trim());
  const percent = match ? Number(match[1]) : Number.NaN;
  if (!(percent >= 0 && percent <= 100))
    throw new Error(
      `${DIGEST_BUDGET_VARIABLE} is "${value}": give the percentage of Sumo's rate budget all scheduled digests together may spend, from 0 to 100 (e.g. 20 or 20%; 0 pauses every digest). Default 20.`,
    );
  return percent / 100;
}
