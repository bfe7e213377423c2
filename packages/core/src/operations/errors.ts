import type { z } from 'zod';
import type { PreviewSchema } from './define.js';
import { numberRule } from './number-rule.js';

export interface InputProblem {
  /** Dotted path of the field, e.g. `collector.name`; empty for the input as a whole. */
  field: string;
  message: string;
}

/** Input that failed validation: nothing was sent to the API. Names each field and the fix. */
export class OperationInputError extends Error {
  override readonly name = 'OperationInputError';
  constructor(
    readonly operation: string,
    readonly problems: InputProblem[],
  ) {
    super(
      `Invalid input for ${operation}: ${problems
        .map((problem) => (problem.field ? `${problem.field}: ${problem.message}` : problem.message))
        .join('; ')}`,
    );
  }

  /** `input` is the schema that refused: a number field's problem then states its rule. */
  static fromZod(operation: string, error: z.ZodError, input?: z.ZodType): OperationInputError {
    return new OperationInputError(
      operation,
      error.issues.map((issue) => ({
        // An unknown field has no path of its own: name it, so front ends can point at it.
        field: [...issue.path, ...(issue.code === 'unrecognized_keys' ? [issue.keys.join(', ')] : [])]
          .map(String)
          .join('.'),
        message: numberProblem(issue, input) ?? issue.message,
      })),
    );
  }
}

/** A write or destructive operation was asked to run without the confirmation it needs. */
export class ConfirmationRequiredError extends Error {
  override readonly name = 'ConfirmationRequiredError';
  constructor(readonly operation: string) {
    super(`${operation} changes things in Sumo Logic and needs an explicit confirmation before it runs.`);
  }
}

/** The operation is understood but cannot be done as asked; the message says what to do instead. */
export class OperationError extends Error {
  override readonly name = 'OperationError';
  constructor(
    message: string,
    readonly code: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * "expected number, received string" says what came but not what to send: a top-level number
 * field's wrong type is answered with its rule ("must be a whole number of at least 1").
 */
function numberProblem(issue: z.core.$ZodIssue, input: z.ZodType | undefined): string | undefined {
  if (issue.code !== 'invalid_type' || issue.expected !== 'number' || issue.path.length !== 1)
    return undefined;
  const field = (input as { shape?: Record<string, z.ZodType> } | undefined)?.shape?.[String(issue.path[0])];
  const rule = field ? numberRule(field) : undefined;
  return rule ? `must be ${rule}` : undefined;
}

/**
 * The objects a confirmed preview showed are no longer the ones the operation would act on: it
 * ran nothing, and `preview` is what it would do now, for the person to confirm again.
 */
export class PreviewChangedError extends OperationError {
  constructor(
    readonly operation: string,
    readonly preview: z.output<typeof PreviewSchema>,
  ) {
    super(
      `Nothing was done: what ${operation} would act on changed since the preview that was confirmed. Now: ${preview.summary}`,
      'preview.changed',
      { preview },
    );
  }
}
