import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  answerAcrossOrgs,
  loadOrgsConfig,
  OperationInputError,
  SumoClient,
  SumoConfigError,
  SumoOrgs,
} from '../src/index.js';

const secrets = {
  PROD_SUMO_ACCESS_ID: 'suProdId123',
  PROD_SUMO_ACCESS_KEY: 'prod-secret-key-never-printed',
  STG_SUMO_ACCESS_ID: 'suStgId456',
  STG_SUMO_ACCESS_KEY: 'staging-secret-key-never-printed',
};

const twoOrgs = {
  default: 'prod',
  orgs: {
    prod: { deployment: 'us2', accessIdEnv: 'PROD_SUMO_ACCESS_ID', accessKeyEnv: 'PROD_SUMO_ACCESS_KEY' },
    staging: {
      apiUrl: 'https://api.eu.sumologic.com/api/',
      accessIdEnv: 'STG_SUMO_ACCESS_ID',
      accessKeyEnv: 'STG_SUMO_ACCESS_KEY',
    },
  },
};

function load(file: unknown, env: Record<string, string> = secrets) {
  return loadOrgsConfig({ SUMO_OPS_ORGS: '/etc/sumo-ops/orgs.json', ...env }, () =>
    typeof file === 'string' ? file : JSON.stringify(file),
  );
}

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof SumoConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a SumoConfigError');
}

describe('loadOrgsConfig', () => {
  it('keeps one org from the SUMO_* variables when SUMO_OPS_ORGS is not set', () => {
    const config = loadOrgsConfig({ SUMO_ACCESS_ID: 'suId', SUMO_ACCESS_KEY: 'key', SUMO_DEPLOYMENT: 'eu' });
    expect(config.file).toBeUndefined();
    expect([...config.orgs.keys()]).toEqual(['default']);
    expect(config.orgs.get('default')?.apiUrl).toBe('https://api.eu.sumologic.com/api');
  });

  it('reads each org from the file, its secrets from the variables it names', () => {
    const config = load(twoOrgs);
    expect(config.defaultOrg).toBe('prod');
    expect([...config.orgs.keys()]).toEqual(['prod', 'staging']);
    expect(config.orgs.get('prod')).toMatchObject({
      accessId: 'suProdId123',
      accessKey: 'prod-secret-key-never-printed',
      apiUrl: 'https://api.us2.sumologic.com/api',
    });
    expect(config.orgs.get('staging')?.apiUrl).toBe('https://api.eu.sumologic.com/api');
  });

  it('takes the only org as the default when the file names none', () => {
    const { prod } = twoOrgs.orgs;
    expect(load({ orgs: { prod } }).defaultOrg).toBe('prod');
  });

  it('reports every problem of a bad file on its own line, naming the field and the fix, never a key', () => {
    const problems = problemsOf(() =>
      load(
        {
          default: 'production',
          extra: true,
          orgs: {
            Prod_1: { deployment: 'us9', accessIdEnv: 'PROD_SUMO_ACCESS_ID', accessKeyEnv: 'MISSING_KEY' },
            staging: {
              apiUrl: 'ftp://x',
              accessIdEnv: 'STG_SUMO_ACCESS_ID',
              accessKey: 'inline-secret-value',
            },
            dev: { accessIdEnv: 'STG_SUMO_ACCESS_ID', accessKeyEnv: 'STG_SUMO_ACCESS_KEY' },
            both: {
              deployment: 'eu',
              apiUrl: 'https://api.eu.sumologic.com/api',
              accessIdEnv: 'STG_SUMO_ACCESS_ID',
              accessKeyEnv: 'STG_SUMO_ACCESS_KEY',
            },
          },
        },
        { ...secrets, SUMO_OPS_RATE_KEY: 'shared' },
      ),
    );
    expect(problems).toEqual([
      '"extra" is not a field of the orgs file: the fields are default and orgs.',
      'SUMO_OPS_RATE_KEY is set beside SUMO_OPS_ORGS: each org spends the budget of its own access id; remove SUMO_OPS_RATE_KEY.',
      'orgs.Prod_1: an org name is 1 to 32 lower-case letters, digits or "-" (it is typed in commands): rename it, e.g. "prod-1".',
      'MISSING_KEY (orgs.Prod_1.accessKeyEnv) is not set: set it to the secret of that access key.',
      'orgs.Prod_1.deployment is "us9": use one of au, ca, ch, de, esc, eu, fed, in, jp, kr, us1, us2.',
      'orgs.staging.accessKey: secrets never go in the orgs file; put the value in an environment variable and name that variable in accessIdEnv or accessKeyEnv.',
      'orgs.staging.accessKeyEnv is missing: set it to the name of the variable holding the secret of that access key, e.g. "STAGING_SUMO_ACCESS_KEY".',
      'orgs.staging.apiUrl is "ftp://x": must start with http:// or https:// (for example https://api.eu.sumologic.com/api).',
      'orgs.dev names no Sumo Logic: set deployment (e.g. "us2") or apiUrl.',
      'orgs.both: set deployment or apiUrl, not both.',
      // Prod_1 is not a name that can be chosen: it is not offered.
      'default is "production": set it to the org that applies when none is named, one of staging, dev, both.',
    ]);
    expect(problems.join('\n')).not.toContain('inline-secret-value');
    expect(problems.join('\n')).not.toContain('never-printed');
  });

  it('says which file cannot be read or parsed', () => {
    expect(
      problemsOf(() =>
        loadOrgsConfig({ SUMO_OPS_ORGS: '/nonexistent/orgs.json' }, (path) => readFileSync(path, 'utf8')),
      ),
    ).toEqual([
      'SUMO_OPS_ORGS names /nonexistent/orgs.json, which cannot be read (ENOENT): set it to the path of the orgs JSON file.',
    ]);
    const [notJson] = problemsOf(() => load('{ "orgs": '));
    expect(notJson).toMatch(/^\/etc\/sumo-ops\/orgs\.json is not JSON \(line 1, column 11: .+\): write it/);
    // Node's own message quotes the text around the error, which may be a pasted key.
    const pasted = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrStUvWx1234';
    const [broken] = problemsOf(() => load(`{\n  "orgs": { "prod": ${pasted} }\n}`));
    expect(broken).toContain('(line 2, column 21: ');
    for (let start = 0; start + 6 <= pasted.length; start += 1)
      expect(broken).not.toContain(pasted.slice(start, start + 6));
  });
});

describe('SumoOrgs', () => {
  const clientOf = (accessId: string) =>
    new SumoClient({ accessId, accessKey: 'k', apiUrl: 'http://127.0.0.1:9/api', env: {} });
  const orgs = new SumoOrgs(
    new Map([
      ['prod', clientOf('a')],
      ['staging', clientOf('b')],
      ['dev', clientOf('c')],
    ]),
    { defaultOrg: 'prod', named: true },
  );

  it('acts on the org named, else the default, and gives each org its own budget', () => {
    expect(orgs.resolve('staging', 'list_collectors').name).toBe('staging');
    expect(orgs.resolve(undefined, 'list_collectors').name).toBe('prod');
    expect(orgs.get('prod').client.rateLimiter).not.toBe(orgs.get('staging').client.rateLimiter);
  });

  it('refuses an org that is not configured or beyond the ceiling, naming org and the choices', () => {
    expect(() => orgs.resolve('qa', 'list_collectors')).toThrow(OperationInputError);
    expect(() => orgs.resolve('qa', 'list_collectors')).toThrow(
      'org: "qa" is not a configured org: use one of prod, staging, dev.',
    );
    expect(() => orgs.resolve('prod', 'list_collectors', ['staging'])).toThrow(
      'org: "prod" is not one of the orgs this client may use: use one of staging.',
    );
  });

  it('never falls back to an org beyond the ceiling when none is named', () => {
    expect(orgs.resolve(undefined, 'x', ['staging']).name).toBe('staging');
    expect(() => orgs.resolve(undefined, 'x', ['staging', 'dev'])).toThrow(
      'name the org: one of staging, dev (the default, prod, is not allowed here).',
    );
  });

  it('checks a ceiling against the configured orgs', () => {
    expect(orgs.narrow(['dev', 'prod'], '--orgs')).toEqual(['prod', 'dev']);
    expect(() => orgs.narrow(['qa'], 'X-MCP-Orgs')).toThrow(
      'X-MCP-Orgs names "qa", which is not a configured org: use a comma-separated list of prod, staging, dev.',
    );
  });
});

describe('answerAcrossOrgs', () => {
  it('tags every item and row with the org it came from, whatever `org` the item had', async () => {
    const client = new SumoClient({ accessId: 'suX', accessKey: 'k', apiUrl: 'http://127.0.0.1:9/api' });
    const answer = await answerAcrossOrgs(
      [
        { name: 'prod', client },
        { name: 'staging', client },
      ],
      {},
      async (org) => ({ org: 'forged', items: [{ id: 1, org: 'forged' }], nextOffset: null, note: org.name }),
    );
    expect(answer.items.map((item) => item.org)).toEqual(['prod', 'staging']);
    expect(answer.orgs.map((row) => row.org)).toEqual(['prod', 'staging']);
  });
});
