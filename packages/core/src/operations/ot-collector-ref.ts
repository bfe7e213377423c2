import { z } from 'zod';
import { getOtCollector, getOtCollectorsByName, otCollectorNameProblem } from '../api/ot-collectors.js';
import { isHexId } from '../api/resource-id.js';
import { isSumoApiError } from '../http/errors.js';
import type { OtCollector } from '../schemas/ot-collector.js';
import type { OperationContext } from './define.js';
import { OperationError } from './errors.js';
import { explainApiError } from './explain.js';

/** The one way operations accept an OT collector: its 16-hex id or its exact name, checked before any call. */
export function otCollectorRefInput(description = 'The OT collector') {
  return z
    .string()
    .min(1)
    .max(255)
    .superRefine((value, ctx) => {
      const problem = isHexId(value.trim()) ? undefined : otCollectorNameProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: `OT collector name "${value}" ${problem}` });
    })
    .describe(`${description}: its id (16 hex digits) or exact name.`);
}

/**
 * One call: by id, or by exact name. Names are not unique among OT collectors, so a name that
 * several share is refused with their ids rather than guessed.
 */
export async function resolveOtCollector(ctx: OperationContext, ref: string): Promise<OtCollector> {
  const id = ref.trim();
  try {
    if (isHexId(id)) return await getOtCollector(ctx.client, id.toUpperCase(), { signal: ctx.signal });
    const found = await getOtCollectorsByName(ctx.client, [ref], { signal: ctx.signal });
    return onlyOne(ref, found);
  } catch (error) {
    if (isSumoApiError(error) && error.status === 404 && error.outcome === undefined)
      throw new OperationError(
        `There is no OT collector with id ${id} (it may have been deleted). list_ot_collectors shows the ids.`,
        'not.found',
      );
    throw explainApiError(error, { collector: `OT collector "${ref}"` });
  }
}

export function onlyOne(ref: string, found: readonly OtCollector[]): OtCollector {
  const [first, second] = found;
  if (!first)
    throw new OperationError(
      `No OT collector is named "${ref}" (names are exact and case-sensitive). list_ot_collectors with search finds it.`,
      'not.found',
    );
  if (second)
    throw new OperationError(
      `${found.length} OT collectors are named "${ref}" (ids ${found.map((collector) => collector.id).join(', ')}); name one by its id.`,
      'ambiguous.name',
    );
  return first;
}
