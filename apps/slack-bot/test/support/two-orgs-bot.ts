import { connectSumo, createLogger } from '@sumo-ops/core';
import { startTwoOrgs, type TwoOrgs } from '../../../../test/support/two-orgs.js';
import { Harness } from './harness.js';

/** A bot over two simulated orgs (production the default), connected through SUMO_OPS_ORGS as a deployment is. */
export async function startTwoOrgsBot(): Promise<{ orgs: TwoOrgs; h: Harness; close(): Promise<void> }> {
  const orgs = await startTwoOrgs({ prodCollectors: 12, stagingCollectors: 6 });
  const connection = await connectSumo({ env: orgs.env, logger: createLogger({ level: 'silent' }) });
  const h = await Harness.start({ bot: { sumo: connection.client, orgs: connection.orgs } });
  return {
    orgs,
    h,
    async close() {
      await h.close();
      await connection.close();
      await orgs.close();
    },
  };
}
