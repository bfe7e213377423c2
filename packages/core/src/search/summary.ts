import { z } from 'zod';
import type { SearchRow } from '../schemas/search-job.js';
import { compactHistogram } from './histogram.js';
import type { SearchJobSnapshot } from './search-job.js';
import type { ResolvedSearchRequest } from './time.js';

/** What `run_search` hands a model must fit comfortably in its context: hard cap on the JSON text. */
export const MAX_SUMMARY_BYTES = 4096;
/** Metadata fields whose most common values tell where matching logs come from. */
export const SUMMARY_FACETS = ['_sourceCategory', '_sourceHost', '_collector'] as const;
const TOP_VALUES = 5;
const SAMPLE_MESSAGES = 3;
const SAMPLE_TEXT = 240;
const TOP_RECORDS = 10;
const RECORD_VALUE_TEXT = 80;
const NOTES_KEPT = 3;
const NOTE_TEXT = 200;
/** Distinct values tracked per facet; beyond it new values are counted as "other". */
const MAX_TRACKED_VALUES = 10_000;

const ValueCountSchema = z.object({ value: z.string(), count: z.number().int() });

export const SearchSummarySchema = z.object({
  jobId: z.string().describe('The search job id.'),
  state: z.string().describe('The job state when the summary was made.'),
  complete: z
    .boolean()
    .describe('True when the search covered the whole range; false while running or when FORCE PAUSED.'),
  query: z.string().describe('The query, trimmed to 200 characters.'),
  from: z.string().describe('Start of the searched range (ISO 8601, UTC).'),
  to: z.string().describe('End of the searched range (ISO 8601, UTC).'),
  timeZone: z.string(),
  messageCount: z.number().int(),
  recordCount: z.number().int(),
  aggregate: z.boolean().describe('True when the query aggregates (it has records).'),
  histogram: z
    .object({ start: z.string(), stepMs: z.number().int(), counts: z.array(z.number().int()) })
    .describe('Messages per step across the range, oldest first.'),
  topValues: z
    .record(z.string(), z.array(ValueCountSchema))
    .optional()
    .describe('Most common values of _sourceCategory, _sourceHost and _collector among sampledMessages.'),
  sampledMessages: z.number().int().optional().describe('How many (newest) messages topValues counts.'),
  samples: z
    .array(
      z.object({ time: z.string(), sourceCategory: z.string(), raw: z.string(), truncated: z.boolean() }),
    )
    .optional()
    .describe('A few of the newest messages, text trimmed.'),
  records: z
    .object({
      fields: z.array(z.string()),
      orderedBy: z.string().describe('"_count descending" or "query order".'),
      top: z.array(z.record(z.string(), z.string())),
      truncated: z.boolean().describe('True when values were trimmed or records left out.'),
    })
    .optional(),
  errors: z.array(z.string()).describe('Errors Sumo reported for the query (first few, trimmed).'),
  warnings: z.array(z.string()).describe('Warnings Sumo reported for the query (first few, trimmed).'),
  note: z.string().optional().describe('What a reader must know to interpret the numbers.'),
});
export type SearchSummary = z.infer<typeof SearchSummarySchema>;

/**
 * Builds the short account of a search that a person or a model reads: counts, range, histogram,
 * where the messages come from, a few samples, or the top records. It consumes rows as they are
 * paged, so a full export can summarise everything it streamed in bounded memory.
 */
export class SearchSummaryBuilder {
  readonly #facets = new Map<string, Map<string, number>>(SUMMARY_FACETS.map((facet) => [facet, new Map()]));
  readonly #samples: SearchRow[] = [];
  #messagesSeen = 0;
  #records: SearchRow[] = [];
  #recordFields: string[] = [];

  addMessages(rows: readonly SearchRow[]): void {
    for (const row of rows) {
      this.#messagesSeen += 1;
      if (this.#samples.length < SAMPLE_MESSAGES) this.#samples.push(row);
      for (const [facet, counts] of this.#facets) {
        const value = row[facet] ?? row[facet.toLowerCase()];
        if (value === undefined) continue;
        const known = counts.get(value);
        if (known !== undefined) counts.set(value, known + 1);
        else if (counts.size < MAX_TRACKED_VALUES) counts.set(value, 1);
        else counts.set('(other)', (counts.get('(other)') ?? 0) + 1);
      }
    }
  }

  /** Records to rank; only the top ones are kept. */
  addRecords(rows: readonly SearchRow[], fields: readonly string[]): void {
    if (this.#recordFields.length === 0) this.#recordFields = [...fields];
    const countField = this.#countField();
    this.#records.push(...rows);
    if (countField) this.#records.sort((a, b) => Number(b[countField] ?? 0) - Number(a[countField] ?? 0));
    this.#records.length = Math.min(this.#records.length, TOP_RECORDS);
  }

  build(snapshot: SearchJobSnapshot, request: ResolvedSearchRequest): SearchSummary {
    const aggregate = snapshot.recordCount > 0 || this.#records.length > 0;
    const base: SearchSummary = {
      jobId: snapshot.id,
      state: snapshot.state,
      complete: snapshot.state === 'DONE GATHERING RESULTS',
      query: trim(request.query, 200).text,
      from: new Date(request.from).toISOString(),
      to: new Date(request.to).toISOString(),
      timeZone: request.timeZone,
      messageCount: snapshot.messageCount,
      recordCount: snapshot.recordCount,
      aggregate,
      histogram: compactHistogram(snapshot.histogram, request.from, request.to),
      errors: notes(snapshot.errors),
      warnings: notes(snapshot.warnings),
      ...noteFor(snapshot),
    };
    if (aggregate) {
      const countField = this.#countField();
      let truncated = snapshot.recordCount > this.#records.length;
      const top = this.#records.map((record) =>
        Object.fromEntries(
          Object.entries(record).map(([name, value]) => {
            const cut = trim(value, RECORD_VALUE_TEXT);
            truncated ||= cut.truncated;
            return [name, cut.text];
          }),
        ),
      );
      base.records = {
        fields: this.#recordFields,
        orderedBy: countField ? `${countField} descending` : 'query order',
        top,
        truncated,
      };
    } else if (this.#messagesSeen > 0) {
      base.sampledMessages = this.#messagesSeen;
      base.topValues = Object.fromEntries(
        [...this.#facets].map(([facet, counts]) => [
          facet,
          [...counts]
            .sort((a, b) => b[1] - a[1])
            .slice(0, TOP_VALUES)
            .map(([value, count]) => ({ value: trim(value, 80).text, count })),
        ]),
      );
      base.samples = this.#samples.map((row) => {
        const raw = trim(row._raw ?? '', SAMPLE_TEXT);
        const time = Number(row._messagetime ?? row._messageTime);
        return {
          time: Number.isFinite(time) ? new Date(time).toISOString() : '',
          sourceCategory: row._sourceCategory ?? row._sourcecategory ?? '',
          raw: raw.text,
          truncated: raw.truncated,
        };
      });
    }
    return shrinkToFit(base);
  }

  #countField(): string | undefined {
    return this.#recordFields.find((name) => name === '_count');
  }
}

function noteFor(snapshot: SearchJobSnapshot): { note?: string } {
  if (snapshot.state === 'FORCE PAUSED') {
    return {
      note: `Sumo paused the query at ${snapshot.messageCount} messages (its limit for non-aggregate searches): results are partial. Narrow the query or the time range, or aggregate.`,
    };
  }
  if (!snapshot.done) return { note: 'The search is still running: counts and histogram are partial.' };
  return {};
}

function notes(list: readonly string[]): string[] {
  const kept = list.slice(0, NOTES_KEPT).map((note) => trim(note, NOTE_TEXT).text);
  if (list.length > NOTES_KEPT) kept.push(`(${list.length - NOTES_KEPT} more)`);
  return kept;
}

function trim(text: string, max: number): { text: string; truncated: boolean } {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return { text: flat, truncated: false };
  return { text: `${flat.slice(0, max - 1)}…`, truncated: true };
}

/**
 * The size bound is a promise to the reader's context window, so it is enforced rather than
 * hoped for: detail goes first (samples, records, values), counts and the histogram stay.
 */
function shrinkToFit(summary: SearchSummary): SearchSummary {
  const size = () => Buffer.byteLength(JSON.stringify(summary));
  while (size() > MAX_SUMMARY_BYTES) {
    if (summary.samples && summary.samples.length > 0) {
      const last = summary.samples[summary.samples.length - 1];
      if (last && last.raw.length > 60) {
        last.raw = `${last.raw.slice(0, Math.floor(last.raw.length / 2))}…`;
        last.truncated = true;
      } else summary.samples.pop();
    } else if (summary.records && summary.records.top.length > 1) {
      summary.records.top.pop();
      summary.records.truncated = true;
    } else if (summary.topValues && Object.values(summary.topValues).some((values) => values.length > 1)) {
      for (const values of Object.values(summary.topValues)) if (values.length > 1) values.pop();
    } else if (summary.errors.length + summary.warnings.length > 0) {
      if (summary.errors.length > 0) summary.errors.pop();
      else summary.warnings.pop();
    } else if (summary.histogram.counts.length > 6) {
      summary.histogram = halve(summary.histogram);
    } else {
      // Only long record values or field names are left: cut them hard.
      summary.records = undefined;
      summary.query = trim(summary.query, 60).text;
      break;
    }
  }
  return summary;
}

function halve(histogram: SearchSummary['histogram']): SearchSummary['histogram'] {
  const counts: number[] = [];
  for (let index = 0; index < histogram.counts.length; index += 2) {
    counts.push((histogram.counts[index] ?? 0) + (histogram.counts[index + 1] ?? 0));
  }
  return { start: histogram.start, stepMs: histogram.stepMs * 2, counts };
}
