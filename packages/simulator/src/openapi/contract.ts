import { existsSync, readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

/**
 * Sumo Logic's published OpenAPI document (sumologic-api.yaml, 2025-02-19 copy), cut down to the
 * fleet APIs and otherwise unchanged; see openapi/README.md. Two levels up from both src/openapi
 * and dist/openapi is the package root. A bin that bundles the simulator (the MCP server's and the
 * CLI's `--demo`) runs this code from its own dist/, so there the package's export is resolved.
 */
export const BUNDLED_OPENAPI_DOCUMENT = locateDocument();

function locateDocument(): URL {
  const beside = new URL('../../openapi/sumologic-openapi-subset.yaml', import.meta.url);
  if (existsSync(beside)) return beside;
  return new URL(import.meta.resolve('@sumo-ops/simulator/openapi/sumologic-openapi-subset.yaml'));
}

/** One operation of the document: what a request was matched to. */
export interface OpenApiOperation {
  method: string;
  /** As the document writes it: `/v1/otCollectors/{id}`. */
  pathTemplate: string;
  operationId: string;
}

export interface ContractRequest {
  method: string;
  /** Below the API base (`/v1/otCollectors`), without the query. */
  path: string;
  query?: URLSearchParams | string;
  /** Parsed JSON, or undefined when the request has no body. */
  body?: unknown;
}

export interface ContractResponse {
  status: number;
  /** Parsed JSON, undefined for an empty body, or the raw text when it is not JSON. */
  body?: unknown;
}

export interface ContractViolation {
  /** Which part of the exchange breaks the document. */
  location: 'operation' | 'path' | 'query' | 'body' | 'response';
  /** JSON pointer into that part (`/filters/alive`, `/limit`), or '' for the whole of it. */
  pointer: string;
  message: string;
  /**
   * Valid by the schema as written (which allows unknown properties), but the field or
   * parameter is not one the document declares: almost always a misspelt name, which the
   * service would silently ignore.
   */
  undeclared?: true;
}

interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Record<string, unknown>;
}

interface OperationObject {
  operationId: string;
  parameters?: ParameterObject[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

interface PathTemplate {
  template: string;
  segments: string[];
  operations: Map<string, OperationObject>;
}

const DOCUMENT_ID = 'sumo-openapi';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
/**
 * OpenAPI 3.0 keywords that are not JSON Schema: known to the validator, asserting nothing.
 * `discriminator` among them: ajv checks it only beside `oneOf`, which this document never
 * uses; its one mapping (ResourceIdentity → the Source and IngestBudget forms) only adds
 * optional fields, so validating against the base schema loses no required check.
 */
const OPENAPI_ANNOTATIONS = ['example', 'discriminator', 'x-pattern-message', 'x-visibility'];
const DOCUMENT_ROOT_KEYWORDS = ['openapi', 'info', 'paths', 'components', 'servers', 'security', 'tags'];

/**
 * Checks requests and responses against an OpenAPI 3.0 document with ajv, compiling the
 * document's own schemas (`$ref`s resolved inside it), so what is checked is what Sumo
 * publishes rather than a copy written by hand. Query parameters are coerced from their text
 * form as the document types them (ajv `coerceTypes: 'array'`). Unknown request fields and
 * query parameters are reported as `undeclared` (found with ajv's `removeAdditional`).
 */
export class OpenApiContract {
  static #bundled: OpenApiContract | undefined;
  readonly #paths: PathTemplate[];
  readonly #areas: Set<string>;
  readonly #ajv: Ajv;
  readonly #coercing: Ajv;
  readonly #stripping: Ajv;
  readonly #compiled = new Map<string, ValidateFunction>();

  /** The copy of Sumo's document that ships with the simulator, parsed and compiled once per process. */
  static bundled(): OpenApiContract {
    OpenApiContract.#bundled ??= new OpenApiContract(
      parseYaml(readFileSync(BUNDLED_OPENAPI_DOCUMENT, 'utf8')),
    );
    return OpenApiContract.#bundled;
  }

  constructor(document: unknown) {
    const root = document as { paths?: Record<string, Record<string, OperationObject>> };
    this.#paths = Object.entries(root.paths ?? {}).map(([template, item]) => ({
      template,
      segments: splitPath(template),
      operations: new Map(
        HTTP_METHODS.filter((method) => item[method]).map((method) => [
          method.toUpperCase(),
          item[method] as OperationObject,
        ]),
      ),
    }));
    this.#areas = new Set(this.#paths.map(({ segments }) => areaOf(segments)));
    const newAjv = (extra: { coerceTypes?: 'array'; removeAdditional?: 'all' }) => {
      // Sumo's document types objects inside allOf without `type` and requires IngestBudgetV2's
      // `version` without declaring it: valid JSON Schema that ajv's strictest checks refuse.
      const ajv = new Ajv({
        strict: true,
        strictTypes: false,
        strictRequired: false,
        allErrors: true,
        ...extra,
      });
      addFormats.default(ajv);
      for (const keyword of [...OPENAPI_ANNOTATIONS, ...DOCUMENT_ROOT_KEYWORDS]) ajv.addKeyword(keyword);
      ajv.addSchema({ ...(document as object), $id: DOCUMENT_ID });
      return ajv;
    };
    this.#ajv = newAjv({});
    this.#coercing = newAjv({ coerceTypes: 'array' });
    this.#stripping = newAjv({ removeAdditional: 'all' });
  }

  operations(): OpenApiOperation[] {
    return this.#paths.flatMap(({ template, operations }) =>
      [...operations].map(([method, operation]) => ({
        method,
        pathTemplate: template,
        operationId: operation.operationId,
      })),
    );
  }

  /** Whether a path belongs to an API area of the document (`/v1/otCollectors/...`), known route or not. */
  covers(path: string): boolean {
    return this.#areas.has(areaOf(splitPath(path)));
  }

  findOperation(method: string, path: string): OpenApiOperation | undefined {
    const match = this.#match(method, path);
    return (
      match && {
        method: method.toUpperCase(),
        pathTemplate: match.path.template,
        operationId: match.operation.operationId,
      }
    );
  }

  validateRequest(request: ContractRequest): ContractViolation[] {
    const match = this.#match(request.method, request.path);
    if (!match) return [this.#unknownOperation(request.method, request.path)];
    const { path, operation, pointer } = match;
    const violations: ContractViolation[] = [];
    const parameters = operation.parameters ?? [];

    const pathValues = Object.fromEntries(
      path.segments.flatMap((segment, index) => {
        const name = parameterName(segment);
        const value = splitPath(request.path)[index];
        return name === undefined || value === undefined ? [] : [[name, safeDecode(value)]];
      }),
    );
    violations.push(...this.#checkParameters('path', parameters, pathValues, `${pointer}/parameters`));

    const query =
      request.query instanceof URLSearchParams ? request.query : new URLSearchParams(request.query ?? '');
    const queryValues: Record<string, string | string[]> = {};
    for (const name of new Set(query.keys())) {
      const declared = parameters.find((parameter) => parameter.in === 'query' && parameter.name === name);
      if (!declared) {
        violations.push({
          location: 'query',
          pointer: `/${name}`,
          message: `query parameter '${name}' is not declared for ${operation.operationId}`,
          undeclared: true,
        });
        continue;
      }
      const values = query.getAll(name);
      queryValues[name] = declared.schema?.type === 'array' || values.length > 1 ? values : (values[0] ?? '');
    }
    violations.push(...this.#checkParameters('query', parameters, queryValues, `${pointer}/parameters`));

    violations.push(...this.#checkRequestBody(operation, pointer, request.body));
    return violations;
  }

  validateResponse(method: string, path: string, response: ContractResponse): ContractViolation[] {
    const match = this.#match(method, path);
    if (!match) return [this.#unknownOperation(method, path)];
    const { operation, pointer } = match;
    const statusKey = String(response.status);
    const declared = operation.responses[statusKey] ?? operation.responses.default;
    const declaredKey = operation.responses[statusKey] ? statusKey : 'default';
    if (!declared)
      return [
        {
          location: 'response',
          pointer: '',
          message: `status ${response.status} is not documented for ${operation.operationId}`,
        },
      ];
    const json = declared.content?.['application/json'];
    if (!json) {
      if (response.body === undefined || response.body === '') return [];
      return [
        {
          location: 'response',
          pointer: '',
          message: `status ${response.status} of ${operation.operationId} has no body in the document, but one was sent`,
        },
      ];
    }
    if (response.body === undefined)
      return [{ location: 'response', pointer: '', message: `status ${response.status} needs a JSON body` }];
    const schemaPointer = `${pointer}/responses/${escapePointer(declaredKey)}/content/application~1json/schema`;
    return this.#check(this.#ajv, schemaPointer, response.body).map((error) =>
      violationOf('response', error),
    );
  }

  #checkParameters(
    location: 'path' | 'query',
    parameters: readonly ParameterObject[],
    values: Record<string, string | string[]>,
    parametersPointer: string,
  ): ContractViolation[] {
    const violations: ContractViolation[] = [];
    parameters.forEach((parameter, index) => {
      if (parameter.in !== location) return;
      const value = values[parameter.name];
      if (value === undefined) {
        if (parameter.required)
          violations.push({
            location,
            pointer: `/${parameter.name}`,
            message: `'${parameter.name}' is required`,
          });
        return;
      }
      if (!parameter.schema) return;
      // Parameters arrive as text; the coercing validator reads '50' as 50 and 'a' as ['a'] where the schema says so.
      const schemaPointer = `${parametersPointer}/${index}/schema`;
      for (const error of this.#check(this.#coercing, schemaPointer, value)) {
        violations.push({
          location,
          pointer: `/${parameter.name}${error.instancePath}`,
          message: `'${parameter.name}' ${error.message ?? 'is invalid'}`,
        });
      }
    });
    return violations;
  }

  #checkRequestBody(operation: OperationObject, pointer: string, body: unknown): ContractViolation[] {
    const requestBody = operation.requestBody;
    if (!requestBody) {
      return body === undefined
        ? []
        : [{ location: 'body', pointer: '', message: `${operation.operationId} takes no request body` }];
    }
    if (body === undefined) {
      return requestBody.required
        ? [{ location: 'body', pointer: '', message: `${operation.operationId} needs a JSON request body` }]
        : [];
    }
    const schemaPointer = `${pointer}/requestBody/content/application~1json/schema`;
    const errors = this.#check(this.#ajv, schemaPointer, body).map((error) => violationOf('body', error));
    if (errors.length > 0) return errors;
    const stripped = structuredClone(body);
    this.#check(this.#stripping, schemaPointer, stripped);
    return undeclaredFields(body, stripped, '').map((field) => ({
      location: 'body',
      pointer: field,
      message: `field '${fieldName(field)}' is not declared by ${operation.operationId}'s request schema`,
      undeclared: true,
    }));
  }

  /** Validates `data` against a schema inside the document (compiled once per validator and schema). */
  #check(ajv: Ajv, schemaPointer: string, data: unknown): ErrorObject[] {
    const key = `${ajv === this.#ajv ? 'plain' : ajv === this.#coercing ? 'coercing' : 'stripping'}:${schemaPointer}`;
    let validate = this.#compiled.get(key);
    if (!validate) {
      validate = ajv.compile({ $ref: `${DOCUMENT_ID}#${schemaPointer}` });
      this.#compiled.set(key, validate);
    }
    return validate(data) ? [] : [...(validate.errors ?? [])];
  }

  #match(
    method: string,
    path: string,
  ): { path: PathTemplate; operation: OperationObject; pointer: string } | undefined {
    const candidate = this.#matchPath(path);
    const operation = candidate?.operations.get(method.toUpperCase());
    if (!candidate || !operation) return undefined;
    return {
      path: candidate,
      operation,
      pointer: `/paths/${escapePointer(candidate.template)}/${method.toLowerCase()}`,
    };
  }

  /** A literal segment beats a template parameter, as OpenAPI says concrete paths match first. */
  #matchPath(path: string): PathTemplate | undefined {
    const segments = splitPath(path);
    let best: { path: PathTemplate; literals: number } | undefined;
    for (const candidate of this.#paths) {
      if (candidate.segments.length !== segments.length) continue;
      let literals = 0;
      const matches = candidate.segments.every((segment, index) => {
        if (parameterName(segment) !== undefined) return (segments[index] ?? '') !== '';
        literals += 1;
        return segment === segments[index];
      });
      if (matches && (!best || literals > best.literals)) best = { path: candidate, literals };
    }
    return best?.path;
  }

  #unknownOperation(method: string, path: string): ContractViolation {
    const known = this.#matchPath(path);
    return {
      location: 'operation',
      pointer: '',
      message: known
        ? `${method.toUpperCase()} is not an operation of ${known.template} (the document has ${[...known.operations.keys()].join(', ')})`
        : `no path of the document matches ${path}`,
    };
  }
}

function violationOf(location: 'body' | 'response', error: ErrorObject): ContractViolation {
  const property = (error.params as { additionalProperty?: string }).additionalProperty;
  const subject = error.instancePath === '' ? `the ${location}` : `'${fieldName(error.instancePath)}'`;
  return {
    location,
    pointer: error.instancePath,
    message: `${subject} ${error.message ?? 'is invalid'}${property === undefined ? '' : ` ('${property}')`}`,
  };
}

/** `/filters/collectorVersionRange/minVersion` → `filters.collectorVersionRange.minVersion`, as a person names it. */
function fieldName(pointer: string): string {
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .join('.');
}

/** Pointers to the properties ajv removed as undeclared: present in `original`, gone from `stripped`. */
function undeclaredFields(original: unknown, stripped: unknown, pointer: string): string[] {
  if (Array.isArray(original) && Array.isArray(stripped))
    return original.flatMap((item, index) => undeclaredFields(item, stripped[index], `${pointer}/${index}`));
  if (!isObject(original) || !isObject(stripped)) return [];
  return Object.keys(original).flatMap((key) =>
    key in stripped
      ? undeclaredFields(original[key], stripped[key], `${pointer}/${escapePointer(key)}`)
      : [`${pointer}/${escapePointer(key)}`],
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function splitPath(path: string): string[] {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.split('/').filter((part, index) => index > 0 || part !== '');
}

/** `/v1/otCollectors/...` → `v1/otCollectors`: the API areas the document covers. */
function areaOf(segments: readonly string[]): string {
  return segments.slice(0, 2).join('/');
}

function parameterName(segment: string): string | undefined {
  return segment.startsWith('{') && segment.endsWith('}') ? segment.slice(1, -1) : undefined;
}

function escapePointer(text: string): string {
  return text.replaceAll('~', '~0').replaceAll('/', '~1');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
