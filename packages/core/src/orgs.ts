import { readFileSync } from 'node:fs';
import {
  ApiUrlSchema,
  apiUrlForDeployment,
  DEPLOYMENT_CODES,
  type Deployment,
  DeploymentSchema,
  loadConfig,
  type SumoConfig,
} from './config.js';
import { SumoClient, type SumoClientOptions } from './http/client.js';
import { SumoConfigError } from './http/errors.js';
import { jsonSyntaxProblem } from './json-syntax.js';
import type { Logger } from './logger.js';
import { OperationInputError } from './operations/errors.js';

/** `[a-z0-9-]{1,32}`: short enough for a Slack button and an MCP enum, safe in a Redis key. */
export const ORG_NAME_PATTERN = /^[a-z0-9-]{1,32}$/;
/** Every org at once, where an answer can be given per org (`list_offline_collectors`, the App Home). */
export const ALL_ORGS = '*';
/** The one org of a process configured with today's SUMO_* variables (no SUMO_OPS_ORGS). */
export const SINGLE_ORG = 'default';

export interface OrgsConfig {
  /** The SUMO_OPS_ORGS file; undefined when the one org comes from SUMO_* variables as before. */
  file: string | undefined;
  /** The org that applies when a caller names none. */
  defaultOrg: string;
  /** In the file's order. */
  orgs: ReadonlyMap<string, SumoConfig>;
}

const ORG_FIELDS = ['deployment', 'apiUrl', 'accessIdEnv', 'accessKeyEnv'] as const;
/**
 * An environment variable's name as people write them. Only such a name is ever quoted back: a
 * value that is not one may be the key itself, pasted where its variable's name belongs (a Sumo
 * access key is 64 letters and digits, so one of those is refused even in capitals).
 */
const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,63}$/;
const looksLikeVariableName = (value: string) => ENV_NAME.test(value) && !/^[A-Z0-9]{64}$/.test(value);

/**
 * SUMO_OPS_ORGS names a JSON file of orgs (`{ default, orgs: { name: { deployment | apiUrl,
 * accessIdEnv, accessKeyEnv } } }`); without it, the one org of SUMO_ACCESS_ID and friends, as
 * before. Secrets stay in the environment: the file only names the variables that hold them.
 * Every problem is one line naming the field and the fix; a key is never quoted.
 */
export function loadOrgsConfig(
  env: Record<string, string | undefined> = process.env,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): OrgsConfig {
  const file = env.SUMO_OPS_ORGS?.trim();
  if (!file) {
    return { file: undefined, defaultOrg: SINGLE_ORG, orgs: new Map([[SINGLE_ORG, loadConfig({}, env)]]) };
  }
  const problems: string[] = [];
  const fail = (): never => {
    throw new SumoConfigError(problems, `The orgs file ${file} (SUMO_OPS_ORGS) is not usable`);
  };
  let parsed: unknown;
  let text = '';
  try {
    text = readFile(file);
    parsed = JSON.parse(text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problems.push(
      code
        ? `SUMO_OPS_ORGS names ${file}, which cannot be read (${code}): set it to the path of the orgs JSON file.`
        : `${file} is not JSON (${jsonSyntaxProblem(text)}): write it as { "default": "prod", "orgs": { "prod": { "deployment": "us2", "accessIdEnv": "PROD_SUMO_ACCESS_ID", "accessKeyEnv": "PROD_SUMO_ACCESS_KEY" } } }.`,
    );
    fail();
  }
  if (!isObject(parsed)) {
    problems.push(`${file} is not a JSON object: write it as { "default": "prod", "orgs": { … } }.`);
    fail();
  }
  const root = parsed as Record<string, unknown>;
  for (const key of Object.keys(root)) {
    if (key !== 'default' && key !== 'orgs')
      problems.push(`"${key}" is not a field of the orgs file: the fields are default and orgs.`);
  }
  if (env.SUMO_OPS_RATE_KEY?.trim()) {
    problems.push(
      'SUMO_OPS_RATE_KEY is set beside SUMO_OPS_ORGS: each org spends the budget of its own access id; remove SUMO_OPS_RATE_KEY.',
    );
  }
  const orgs = new Map<string, SumoConfig>();
  if (!isObject(root.orgs) || Object.keys(root.orgs).length === 0) {
    problems.push(
      'orgs is missing or empty: name at least one org, e.g. "orgs": { "prod": { "deployment": "us2", "accessIdEnv": "PROD_SUMO_ACCESS_ID", "accessKeyEnv": "PROD_SUMO_ACCESS_KEY" } }.',
    );
  } else {
    for (const [name, entry] of Object.entries(root.orgs)) {
      const org = loadOrg(name, entry, env, problems);
      if (org) orgs.set(name, org);
    }
  }
  const names = isObject(root.orgs) ? Object.keys(root.orgs) : [];
  let defaultOrg = root.default;
  if (defaultOrg === undefined && names.length === 1) defaultOrg = names[0];
  if (typeof defaultOrg !== 'string' || !names.includes(defaultOrg)) {
    // Only names that can be chosen: one refused above would lead to another refusal.
    const valid = names.filter((name) => ORG_NAME_PATTERN.test(name));
    problems.push(
      `default is ${defaultOrg === undefined ? 'not set' : JSON.stringify(defaultOrg)}: set it to the org that applies when none is named, one of ${valid.join(', ') || '(no valid orgs)'}.`,
    );
  }
  if (problems.length > 0) fail();
  return { file, defaultOrg: defaultOrg as string, orgs };
}

function loadOrg(
  name: string,
  entry: unknown,
  env: Record<string, string | undefined>,
  problems: string[],
): SumoConfig | undefined {
  const at = `orgs.${name}`;
  const before = problems.length;
  if (!ORG_NAME_PATTERN.test(name)) {
    problems.push(
      `${at}: an org name is 1 to 32 lower-case letters, digits or "-" (it is typed in commands): rename it, e.g. "${
        name
          .toLowerCase()
          .replace(/[^a-z0-9-]+/g, '-')
          .slice(0, 32) || 'prod'
      }".`,
    );
  }
  if (!isObject(entry)) {
    problems.push(`${at} is not an object: give it accessIdEnv, accessKeyEnv and deployment or apiUrl.`);
    return undefined;
  }
  for (const key of Object.keys(entry)) {
    if ((ORG_FIELDS as readonly string[]).includes(key)) continue;
    problems.push(
      /^access(id|key)$/i.test(key) || /secret|password|token/i.test(key)
        ? `${at}.${key}: secrets never go in the orgs file; put the value in an environment variable and name that variable in accessIdEnv or accessKeyEnv.`
        : `${at}.${key} is not a field of an org: the fields are ${ORG_FIELDS.join(', ')}.`,
    );
  }
  const secretFrom = (field: 'accessIdEnv' | 'accessKeyEnv', what: string) => {
    const variable = entry[field];
    const example = `${name.toUpperCase().replace(/-/g, '_')}_SUMO_${field === 'accessIdEnv' ? 'ACCESS_ID' : 'ACCESS_KEY'}`;
    if (variable === undefined) {
      problems.push(
        `${at}.${field} is missing: set it to the name of the variable holding ${what}, e.g. "${example}".`,
      );
      return undefined;
    }
    if (typeof variable !== 'string' || !looksLikeVariableName(variable)) {
      problems.push(
        `${at}.${field} must name an environment variable (NAME_LIKE_THIS), not hold the key itself: put ${what} in a variable and set ${field} to its name, e.g. "${example}".`,
      );
      return undefined;
    }
    const value = env[variable]?.trim();
    if (!value) problems.push(`${variable} (${at}.${field}) is not set: set it to ${what}.`);
    return value;
  };
  const accessId = secretFrom('accessIdEnv', `the access ID of ${name}'s Sumo Logic access key`);
  const accessKey = secretFrom('accessKeyEnv', 'the secret of that access key');

  let deployment: Deployment | undefined;
  if (entry.deployment !== undefined) {
    const parsed = DeploymentSchema.safeParse(entry.deployment);
    if (parsed.success) deployment = parsed.data;
    else
      problems.push(
        `${at}.deployment is ${JSON.stringify(entry.deployment)}: use one of ${DEPLOYMENT_CODES.join(', ')}.`,
      );
  }
  let apiUrl: string | undefined;
  if (entry.apiUrl !== undefined) {
    const parsed = ApiUrlSchema.safeParse(entry.apiUrl);
    if (parsed.success) apiUrl = parsed.data;
    else
      problems.push(
        `${at}.apiUrl is ${JSON.stringify(entry.apiUrl)}: ${parsed.error.issues[0]?.message ?? 'invalid'} (for example https://api.eu.sumologic.com/api).`,
      );
  }
  if (entry.deployment === undefined && entry.apiUrl === undefined) {
    problems.push(`${at} names no Sumo Logic: set deployment (e.g. "us2") or apiUrl.`);
  }
  // Both would leave one of them silently unused, and which one is a guess.
  if (entry.deployment !== undefined && entry.apiUrl !== undefined) {
    problems.push(`${at}: set deployment or apiUrl, not both.`);
  }
  if (problems.length > before) return undefined;
  return {
    accessId: accessId as string,
    accessKey: accessKey as string,
    deployment,
    apiUrl: apiUrl ?? apiUrlForDeployment(deployment as Deployment),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface SumoOrg {
  name: string;
  client: SumoClient;
}

/**
 * The one client (and so the one rate budget, search-job registry entry and shared-read scope,
 * all keyed by the org's API URL and access id) per configured org. Front ends ask it which org a
 * call acts on; operations only ever see the chosen org's client.
 */
export class SumoOrgs {
  readonly names: readonly string[];
  readonly defaultOrg: string;
  /** True with an orgs file: answers then say which org they came from. */
  readonly named: boolean;
  readonly #clients: ReadonlyMap<string, SumoClient>;

  constructor(clients: ReadonlyMap<string, SumoClient>, options: { defaultOrg: string; named: boolean }) {
    if (!clients.has(options.defaultOrg))
      throw new Error(`The default org ${options.defaultOrg} has no client.`);
    this.#clients = clients;
    this.names = [...clients.keys()];
    this.defaultOrg = options.defaultOrg;
    this.named = options.named;
  }

  /**
   * The one place an orgs configuration becomes clients: one per org, each with its budget keyed
   * by its own access id (in `options.rateLimitStore` when shared), logging with its org's name
   * when the orgs come from a file.
   */
  static fromConfig(
    config: OrgsConfig,
    options: Omit<SumoClientOptions, 'config'> & { logger: Logger },
  ): SumoOrgs {
    const named = config.file !== undefined;
    const clients = new Map(
      [...config.orgs].map(([name, org]) => [
        name,
        new SumoClient({
          ...options,
          config: org,
          logger: named ? options.logger.child({ org: name }) : options.logger,
        }),
      ]),
    );
    return new SumoOrgs(clients, { defaultOrg: config.defaultOrg, named });
  }

  /** One org, its client as given: for a process (or a test) that speaks to one org. */
  static single(client: SumoClient, name = SINGLE_ORG, named = false): SumoOrgs {
    return new SumoOrgs(new Map([[name, client]]), { defaultOrg: name, named });
  }

  /** More than one org: callers may name one (MCP's `org`, Slack's `org=`, the CLI's `--org`). */
  get several(): boolean {
    return this.names.length > 1;
  }

  get(name: string): SumoOrg {
    const client = this.#clients.get(name);
    if (!client) throw new Error(`Org ${name} is not configured.`);
    return { name, client };
  }

  all(): SumoOrg[] {
    return this.names.map((name) => this.get(name));
  }

  /**
   * The org a call acts on: the one named, else the default — never another. `allowed` is a
   * ceiling set by the operator for a client (X-MCP-Orgs, --orgs): without the default in it, a
   * call names its org unless only one is allowed. Refusals are input errors naming `org`.
   */
  resolve(
    requested: string | undefined,
    operation: string,
    allowed: readonly string[] = this.names,
  ): SumoOrg {
    const refuse = (message: string): never => {
      throw new OperationInputError(operation, [{ field: 'org', message }]);
    };
    if (requested !== undefined) {
      if (!this.#clients.has(requested))
        refuse(`"${requested}" is not a configured org: use one of ${allowed.join(', ')}.`);
      if (!allowed.includes(requested))
        refuse(
          `"${requested}" is not one of the orgs this client may use: use one of ${allowed.join(', ')}.`,
        );
      return this.get(requested);
    }
    if (allowed.includes(this.defaultOrg)) return this.get(this.defaultOrg);
    if (allowed.length === 1) return this.get(allowed[0] as string);
    return refuse(
      `name the org: one of ${allowed.join(', ')} (the default, ${this.defaultOrg}, is not allowed here).`,
    );
  }

  /** A ceiling's names checked against the configured orgs; the error lists the valid ones. */
  narrow(names: readonly string[], what: string): string[] {
    const unknown = names.filter((name) => !this.#clients.has(name));
    if (names.length === 0 || unknown.length > 0) {
      throw new Error(
        `${what} ${unknown.length ? `names ${unknown.map((name) => `"${name}"`).join(', ')}, which is not a configured org` : 'names no org'}: use a comma-separated list of ${this.names.join(', ')}.`,
      );
    }
    return this.names.filter((name) => names.includes(name));
  }

  async close(): Promise<void> {
    await Promise.all([...this.#clients.values()].map((client) => client.close()));
  }
}

/** One org's part of an answer across orgs: what its page said beside its items, or why it failed. */
export interface OrgRow {
  org: string;
  /** Items of this org on the page (they are in the answer's `items`, each with `org`). */
  count: number;
  nextOffset?: number | null | undefined;
  /** The org's answer could not be had: the others still answer. */
  error?: string | undefined;
  [field: string]: unknown;
}

export interface AcrossOrgsAnswer {
  org: typeof ALL_ORGS;
  items: Array<Record<string, unknown>>;
  offset: number;
  limit: number;
  /** Each org pages on its own (see `orgs[].nextOffset`): there is no next page of the whole. */
  nextOffset: null;
  /** One row per org. */
  orgs: OrgRow[];
}

const PAGE_FIELDS = new Set(['items', 'offset', 'limit', 'total', 'nextOffset']);

/**
 * A page-of-items read (`acrossOrgs` operations) in every org at once: each org with its own
 * client, so its own budget — a saturated org slows only its own row — and the answer as one page
 * whose items say their org, with one row per org for what its page said beside them. An org
 * that fails is a row with its error; the others still answer.
 */
export async function answerAcrossOrgs(
  orgs: readonly SumoOrg[],
  input: { offset?: number | undefined; limit?: number | undefined },
  answer: (org: SumoOrg) => Promise<unknown>,
): Promise<AcrossOrgsAnswer> {
  const rows = await Promise.all(
    orgs.map(async (org) => {
      try {
        const page = (await answer(org)) as { items: Array<Record<string, unknown>> } & Record<
          string,
          unknown
        >;
        const beside = Object.fromEntries(Object.entries(page).filter(([key]) => !PAGE_FIELDS.has(key)));
        return {
          // The org's name comes first (tables show it first) and is set last, so an item's or a
          // page's own `org` field can never pass for the tag.
          items: page.items.map((item) => Object.assign({ org: org.name }, item, { org: org.name })),
          row: {
            ...Object.assign({ org: org.name }, beside, { org: org.name }),
            count: page.items.length,
            nextOffset: page.nextOffset as number | null,
          },
        };
      } catch (error) {
        return {
          items: [],
          row: { org: org.name, count: 0, error: error instanceof Error ? error.message : String(error) },
        };
      }
    }),
  );
  const items = rows.flatMap((row) => row.items);
  return {
    org: ALL_ORGS,
    items,
    offset: input.offset ?? 0,
    limit: input.limit ?? items.length,
    nextOffset: null,
    orgs: rows.map((row) => row.row),
  };
}
