import type { z } from 'zod';
import { metrics } from '../metrics.js';
import {
  type AnyOperation,
  type OperationContext,
  type OperationPreview,
  PreviewSchema,
  type Toolset,
} from './define.js';
import { ConfirmationRequiredError, OperationInputError } from './errors.js';
import { isOutcomeUnknown } from './explain.js';

export interface CatalogFilter {
  toolsets?: readonly Toolset[] | undefined;
  /** Only `read` operations. */
  readOnly?: boolean | undefined;
}

/** The operations every front end is generated from, by name. */
export class OperationCatalog {
  private readonly byName = new Map<string, AnyOperation>();

  constructor(operations: readonly AnyOperation[]) {
    for (const operation of operations) {
      if (this.byName.has(operation.name)) throw new Error(`Duplicate operation name: ${operation.name}`);
      this.byName.set(operation.name, operation);
    }
  }

  get(name: string): AnyOperation | undefined {
    return this.byName.get(name);
  }

  require(name: string): AnyOperation {
    const operation = this.byName.get(name);
    if (!operation)
      throw new Error(`Unknown operation "${name}". Known: ${[...this.byName.keys()].join(', ')}.`);
    return operation;
  }

  list(filter: CatalogFilter = {}): AnyOperation[] {
    return [...this.byName.values()].filter(
      (operation) =>
        (!filter.toolsets || filter.toolsets.includes(operation.toolset)) &&
        (!filter.readOnly || operation.kind === 'read'),
    );
  }

  /** Validates raw input against the operation's schema before anything reaches the API. */
  parseInput(name: string, raw: unknown): unknown {
    const operation = this.require(name);
    const parsed = operation.input.safeParse(raw ?? {});
    if (!parsed.success) throw OperationInputError.fromZod(name, parsed.error, operation.input);
    return parsed.data;
  }

  async preview(
    name: string,
    ctx: OperationContext,
    input: unknown,
  ): Promise<z.output<typeof PreviewSchema>> {
    const operation = this.require(name);
    if (!operation.preview) {
      return PreviewSchema.parse({ summary: `${operation.title} (read-only).`, willChange: false });
    }
    return PreviewSchema.parse(await operation.preview(ctx, input));
  }

  /**
   * Runs an operation on already-parsed input. Write and destructive operations refuse to run
   * unless the front end says the person confirmed: safety does not depend on each front end
   * remembering to ask.
   */
  async run(name: string, ctx: OperationContext, input: unknown, options: { confirmed?: boolean } = {}) {
    const operation = this.require(name);
    if (operation.kind !== 'read' && options.confirmed !== true) throw new ConfirmationRequiredError(name);
    const stopTimer = metrics.operationSeconds.startTimer({ operation: name });
    try {
      const result = await operation.run(ctx, input);
      const parsed = operation.output.parse(result) as unknown;
      metrics.operations.inc({ operation: name, outcome: 'ok' });
      return parsed;
    } catch (error) {
      metrics.operations.inc({ operation: name, outcome: isOutcomeUnknown(error) ? 'unknown' : 'error' });
      throw error;
    } finally {
      stopTimer();
    }
  }
}

export type { OperationPreview };
