import { type Freshness, freshnessNote, redactText, truncateText } from '@sumo-ops/core';
import type { ExplainedError } from './errors.js';
import type { ToolOutcome } from './tool-types.js';

/**
 * Characters of text a single result may put into a model's context. Lists are paged and search
 * answers are summaries, so this only bites on unusually large objects; when it does, the text
 * says so and how to get the rest.
 */
export const TEXT_BUDGET = 24_000;

export const META_SOURCE = 'sumo-ops/source';
/** The org an answer came from, when the server has an orgs file. */
export const META_ORG = 'sumo-ops/org';
export const META_ERROR = 'sumo-ops/error';
export const META_TRUNCATED = 'sumo-ops/truncated';
/** On shared reads: `{ source: own|joined|reused, readAt (ISO), ageSeconds }`, outside the output schema. */
export const META_FRESHNESS = 'sumo-ops/freshness';

export interface RenderOptions {
  /** Said on every result when the server is not talking to a real Sumo Logic org (demo mode). */
  sourceNote?: string | undefined;
  textBudget?: number | undefined;
  /** How a shared read's answer came; a reused one is said in the text too. */
  freshness?: Freshness | undefined;
  /** The org the answer came from (several orgs): said in the text, `org` of the answer and meta. */
  org?: string | undefined;
}

/** A successful result: the structured answer, and the same answer as compact JSON text. */
export function renderSuccess(answer: Record<string, unknown>, options: RenderOptions = {}): ToolOutcome {
  const structured = options.org ? { org: options.org, ...answer } : answer;
  // One redaction pass over the serialised answer instead of a walk over every string: the
  // rules never match across JSON string boundaries, so a changed text still parses.
  const raw = JSON.stringify(structured);
  const json = redactText(raw);
  const safe = json === raw ? structured : (JSON.parse(json) as Record<string, unknown>);
  const { text, truncated } = truncateText(json, options.textBudget ?? TEXT_BUDGET);
  const note = freshnessNote(options.freshness);
  const lines = [...sourceLine(options), ...(note ? [`[${note}]`] : []), text];
  if (truncated) {
    lines.push(
      `[truncated: the answer is ${json.length} characters and only the first ${text.length} are shown here. Ask for a smaller page (limit/offset) or a narrower query to see the rest.]`,
    );
  }
  const meta = {
    ...sourceMeta(options),
    ...(truncated ? { [META_TRUNCATED]: true } : {}),
    ...(options.freshness ? { [META_FRESHNESS]: freshnessMeta(options.freshness) } : {}),
  };
  return { structuredContent: safe, text: lines.join('\n'), ...(Object.keys(meta).length ? { meta } : {}) };
}

export function renderError(error: ExplainedError, options: RenderOptions = {}): ToolOutcome {
  return {
    isError: true,
    text: [...sourceLine(options), error.text].join('\n'),
    meta: {
      ...sourceMeta(options),
      [META_ERROR]: { code: error.code, ...(error.details ? { details: redactStrings(error.details) } : {}) },
    },
  };
}

function freshnessMeta({ source, readAt, ageMs }: Freshness): Record<string, unknown> {
  return { source, readAt: new Date(readAt).toISOString(), ageSeconds: Math.round(ageMs / 100) / 10 };
}

function sourceLine(options: RenderOptions): string[] {
  return [
    ...(options.sourceNote ? [`[source: ${options.sourceNote}]`] : []),
    ...(options.org ? [`[org: ${options.org}]`] : []),
  ];
}

function sourceMeta(options: RenderOptions): Record<string, unknown> {
  return {
    ...(options.sourceNote ? { [META_SOURCE]: options.sourceNote } : {}),
    ...(options.org ? { [META_ORG]: options.org } : {}),
  };
}

/**
 * Redacts every string in a value without touching its shape, so the result still matches the
 * tool's output schema.
 */
export function redactStrings(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map(redactStrings);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactStrings(item)]));
  }
  return value;
}
