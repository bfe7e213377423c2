import type { z } from 'zod';
import { metrics } from '../metrics.js';
import { type Freshness, readScope, SharedReads } from '../state/shared-reads.js';
import {
  type AnyOperation,
  type OperationContext,
  type OperationPreview,
  PreviewSchema,
  type Toolset,
} from './define.js';
import { ConfirmationRequiredError, OperationInputError, PreviewChangedError } from './errors.js';
import { isOutcomeUnknown } from './explain.js';

/** An operation's answer, and for shared reads how it came and how old it is. */
export interface OperationAnswer {
  result: unknown;
  /** Only for operations with `sharedRead`: front ends say how old a reused answer is. */
  freshness?: Freshness | undefined;
}

export interface CatalogFilter {
  toolsets?: readonly Toolset[] | undefined;
  /** Only `read` operations. */
  readOnly?: boolean | undefined;
}

/** The operations every front end is generated from, by name. */
export class OperationCatalog {
  private readonly byName = new Map<string, AnyOperation>();
  /** For contexts without `reads` of their own: shared within this process. */
  readonly #reads = new SharedReads();

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
   * remembering to ask. An operation that binds its preview runs only while the preview taken now
   * matches the one confirmed (`confirmedPreview`).
   */
  async run(
    name: string,
    ctx: OperationContext,
    input: unknown,
    options: { confirmed?: boolean; confirmedPreview?: { stateDigest?: string | undefined } } = {},
  ) {
    return (await this.answer(name, ctx, input, options)).result;
  }

  /**
   * `run`, with how the answer came: a read with `sharedRead` shares one call with identical
   * calls in flight and may hand out a recent answer (its `freshness` says how old); a confirmed
   * change makes every answer read before it unusable, whatever its outcome.
   */
  async answer(
    name: string,
    ctx: OperationContext,
    input: unknown,
    options: { confirmed?: boolean; confirmedPreview?: { stateDigest?: string | undefined } } = {},
  ): Promise<OperationAnswer> {
    const operation = this.require(name);
    if (operation.kind !== 'read' && options.confirmed !== true) throw new ConfirmationRequiredError(name);
    let runContext = ctx;
    if (operation.bindsPreview) {
      const now = await this.preview(name, ctx, input);
      // A front end that kept no preview confirmed nothing in particular: it gets one to confirm.
      const confirmed = options.confirmedPreview?.stateDigest;
      if (confirmed === undefined || now.stateDigest !== confirmed) throw new PreviewChangedError(name, now);
      runContext = { ...ctx, confirmedPreview: now };
    }
    const stopTimer = metrics.operationSeconds.startTimer({ operation: name });
    const once = async (context: OperationContext) =>
      operation.output.parse(await operation.run(context, input)) as unknown;
    try {
      const answer: OperationAnswer = operation.sharedRead
        ? await this.#sharedAnswer(operation.name, operation.sharedRead.reuseSeconds, runContext, input, once)
        : { result: await once(runContext) };
      metrics.operations.inc({ operation: name, outcome: 'ok' });
      return answer;
    } catch (error) {
      metrics.operations.inc({ operation: name, outcome: isOutcomeUnknown(error) ? 'unknown' : 'error' });
      throw error;
    } finally {
      stopTimer();
      if (operation.kind !== 'read') await (ctx.reads ?? this.#reads).invalidate(readScope(ctx.client));
    }
  }

  async #sharedAnswer(
    name: string,
    reuseSeconds: number,
    ctx: OperationContext,
    input: unknown,
    once: (context: OperationContext) => Promise<unknown>,
  ): Promise<OperationAnswer> {
    const { value, freshness } = await (ctx.reads ?? this.#reads).read({
      scope: readScope(ctx.client),
      operation: name,
      input,
      reuseMs: reuseSeconds * 1_000,
      signal: ctx.signal,
      // The first caller's client, logger and deadline serve them all; progress is nobody's alone.
      read: (signal) => once({ ...ctx, signal, onProgress: undefined }),
    });
    metrics.sharedReads.inc({ operation: name, source: freshness.source });
    return { result: value, freshness };
  }
}

export type { OperationPreview };
