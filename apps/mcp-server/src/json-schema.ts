import { z } from 'zod';
import { CONFIRMATION_TTL_TEXT } from './confirmation.js';
import { CONFIRMATION_TOKEN_FIELD } from './tool-types.js';

/**
 * The JSON schemas a model reads in `tools/list`, made once per tool. A model pays for every byte
 * of them in every conversation, so they carry what it needs and nothing the schema already says
 * or that no client reads:
 * - no `$schema` (the protocol fixes the dialect), no `propertyNames: {type: string}` (JSON keys
 *   are strings), no `type` beside an `enum`, no `minLength: 1`, no ±2^53−1 bounds that zod puts
 *   on every integer, and a `type` list instead of an `anyOf` of scalar types (see `unionType`);
 * - output schemas name the fields of the answer with their types and which are always there,
 *   one level deep: nested objects are `{type: object}` (the answer itself shows their fields,
 *   and the tool's description says what they hold). Descriptions of fields are for people
 *   (Slack and the CLI read them from the zod schema); defaults and `additionalProperties` say
 *   nothing about an answer a model receives.
 */
export type JsonSchema = Record<string, unknown>;

/**
 * Parameters that mean the same in every tool that has them, by name. The server's instructions
 * describe them once (`SHARED_PARAMETERS_TEXT`); repeating that in each tool would cost a model
 * the same words up to ten times over. A new parameter that reuses one of these names must mean
 * the same thing (or be named differently).
 */
export const SHARED_PARAMETERS = [
  CONFIRMATION_TOKEN_FIELD,
  'collector',
  'sourceId',
  'limit',
  'offset',
  'next',
  'query',
  'from',
  'to',
  'byReceiptTime',
  'autoParsingMode',
  'maxTextLength',
  'jobId',
  'toVersion',
  'etag',
];

export const SHARED_PARAMETERS_TEXT = `Parameters that mean the same in every tool that has them:
- confirmationToken: tools that change things never act on their first call: it returns a preview and this token (or, in clients that support it, asks the user in a form). Show the preview to the user and, only if they agree, repeat the call with the same arguments plus the token (single use, valid ${CONFIRMATION_TTL_TEXT}).
- collector: a collector's numeric id (16 hex digits for OpenTelemetry ones) or its exact, case-sensitive name (a string of digits is an id). sourceId: from list_sources.
- limit, offset: how many items, and how many to skip; pass the answer's nextOffset for the next page (null: no more). next: the answer's next, for the following page.
- query: Sumo Logic search query, e.g. "_sourceCategory=prod/web error" or "error | count by _sourceHost".
- from, to: relative (-15m, -2h, -7d), ISO 8601 (2026-11-23T14:00:00, optionally with Z or +01:00) or epoch ms; to may be "now".
- byReceiptTime: select messages by receipt time instead of message time. autoParsingMode: AutoParse extracts JSON fields, Manual (default) does not.
- maxTextLength: longer values are cut and marked truncated.
- jobId: the search job id from run_search or start_search.
- toVersion: a build from list_upgrade_targets; left out, the latest.
- etag: details.etag of the preview; the write is then refused if the object changed since, instead of overwriting it.`;

export function inputJsonSchema(schema: z.ZodType): JsonSchema {
  const json = compact(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }), undefined);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  for (const name of SHARED_PARAMETERS) {
    if (properties[name]) delete properties[name].description;
  }
  return json;
}

export function outputJsonSchema(schema: z.ZodType): JsonSchema {
  return compact(z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }), 0);
}

const OUTPUT_DEPTH = 1;
/**
 * Longer enums in answers (the seven search-job states) are named by their type: the answer's
 * own `done` or `message` says what to do next, and a model reads the value when it comes.
 */
const OUTPUT_ENUM_MAX = 4;

/** `depth`: how many object levels of an output schema are above this one; undefined for inputs. */
function compact(schema: JsonSchema, depth: number | undefined): JsonSchema {
  const output = depth !== undefined;
  const union = unionType(schema);
  if (union) return compact(union, depth);
  const result: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$schema' || key === 'propertyNames') continue;
    if (key === 'type' && Array.isArray(schema.enum)) continue;
    if (output && key === 'enum' && (value as unknown[]).length > OUTPUT_ENUM_MAX) {
      result.type = typeof (value as unknown[])[0];
      continue;
    }
    if (key === 'minLength' && value === 1) continue;
    if ((key === 'maximum' || key === 'minimum') && Math.abs(value as number) === Number.MAX_SAFE_INTEGER)
      continue;
    if (output && (key === 'description' || key === 'default' || key === 'additionalProperties')) continue;
    if (output && (key === 'properties' || key === 'required') && depth >= OUTPUT_DEPTH) continue;
    if (key === 'properties') {
      // Property names are data: a field called `description` or `default` stays.
      result[key] = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([name, property]) => [
          name,
          compact(property, output ? depth + 1 : undefined),
        ]),
      );
    } else if (key === 'items' || key === 'additionalProperties') {
      result[key] = typeof value === 'object' && value !== null ? compact(value as JsonSchema, depth) : value;
    } else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf') {
      result[key] = (value as JsonSchema[]).map((item) => compact(item, depth));
    } else {
      result[key] = value;
    }
  }
  return result;
}

/**
 * `anyOf` of plain scalar types (an id or a name, a value or null) as one `type` list. The
 * branches' length and range checks are left to the server, which names the field when it
 * refuses a value; the model learns what the value is from the types and the description.
 */
function unionType(schema: JsonSchema): JsonSchema | undefined {
  const branches = schema.anyOf;
  if (!Array.isArray(branches)) return undefined;
  const types = (branches as JsonSchema[]).map((branch) => branch.type);
  if (!types.every((type) => typeof type === 'string' && SCALARS.has(type))) return undefined;
  const { anyOf: _anyOf, ...rest } = schema;
  return { ...rest, type: types };
}

const SCALARS = new Set(['string', 'number', 'integer', 'boolean', 'null']);
