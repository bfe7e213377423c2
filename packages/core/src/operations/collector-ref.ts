import { z } from 'zod';
import { collectorRefProblem, describeRef, resolveCollector, toCollectorRef } from '../api/collector-ref.js';
import type { CollectorWithEtag } from '../api/collectors.js';
import type { OperationContext } from './define.js';
import { explainApiError } from './explain.js';

/**
 * The one way operations accept a collector: id or exact name, checked against the name rules
 * before any call.
 */
export function collectorRefInput(description = 'The collector') {
  return z
    .union([
      z
        .number()
        .int(
          `collector ids are whole numbers up to ${Number.MAX_SAFE_INTEGER}; a larger one cannot be sent exactly (list_collectors shows the ids)`,
        )
        .positive(),
      z.string().min(1).max(128),
    ])
    .superRefine((value, ctx) => {
      const problem = collectorRefProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .describe(
      `${description}: its numeric id (e.g. 100000123) or its exact, case-sensitive name. A string of digits is taken as an id.`,
    );
}

/** One GET, by id or by name; an unknown collector becomes an error that says so. */
export async function resolveCollectorInput(
  ctx: OperationContext,
  value: number | string,
): Promise<CollectorWithEtag> {
  const ref = toCollectorRef(value);
  try {
    return await resolveCollector(ctx.client, ref, { signal: ctx.signal });
  } catch (error) {
    throw explainApiError(error, { collector: `Collector ${describeRef(ref)}` });
  }
}
