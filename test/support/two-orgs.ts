import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Simulator, type SimulatorOptions, startSimulator } from '@sumo-ops/simulator';

export const PROD_KEY = { accessId: 'suProdAccessId', accessKey: 'prod-access-key-kept-secret' };
export const STAGING_KEY = { accessId: 'suStagingAccessId', accessKey: 'staging-access-key-kept-secret' };

export interface TwoOrgs {
  prod: Simulator;
  staging: Simulator;
  /** The SUMO_OPS_ORGS file naming both (default prod). */
  file: string;
  /** SUMO_OPS_ORGS and the four variables it names. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Two simulated orgs, each with its own key (the other one refuses it) and its own data: prod
 * with `prodCollectors`, staging with `stagingCollectors`, seeded alike so the same collector ids
 * exist in both — the case where acting on the wrong org would hurt most. Shared by the MCP,
 * Slack and CLI suites, so each proves the org binding against the same setup.
 */
export async function startTwoOrgs(
  options: {
    prodCollectors?: number;
    stagingCollectors?: number;
    simulator?: Partial<SimulatorOptions>;
  } = {},
): Promise<TwoOrgs> {
  const rateLimit = { perSecond: 500, concurrent: 10 };
  const prod = await startSimulator({
    rateLimit,
    ...options.simulator,
    credentials: [PROD_KEY],
    org: { collectors: options.prodCollectors ?? 12 },
  });
  const staging = await startSimulator({
    rateLimit,
    ...options.simulator,
    credentials: [STAGING_KEY],
    org: { collectors: options.stagingCollectors ?? 7 },
  });
  const dir = await mkdtemp(join(tmpdir(), 'sumo-ops-orgs-'));
  const file = join(dir, 'orgs.json');
  await writeFile(
    file,
    JSON.stringify({
      default: 'prod',
      orgs: {
        prod: {
          apiUrl: prod.apiUrl,
          accessIdEnv: 'PROD_SUMO_ACCESS_ID',
          accessKeyEnv: 'PROD_SUMO_ACCESS_KEY',
        },
        staging: {
          apiUrl: staging.apiUrl,
          accessIdEnv: 'STG_SUMO_ACCESS_ID',
          accessKeyEnv: 'STG_SUMO_ACCESS_KEY',
        },
      },
    }),
  );
  return {
    prod,
    staging,
    file,
    env: {
      SUMO_OPS_ORGS: file,
      PROD_SUMO_ACCESS_ID: PROD_KEY.accessId,
      PROD_SUMO_ACCESS_KEY: PROD_KEY.accessKey,
      STG_SUMO_ACCESS_ID: STAGING_KEY.accessId,
      STG_SUMO_ACCESS_KEY: STAGING_KEY.accessKey,
    },
    async close() {
      await Promise.all([prod.close(), staging.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
