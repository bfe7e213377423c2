import { connectSumo, type Logger, type SumoConnection } from '@sumo-ops/core';

/** `client` is the org's the run acts on; `org` names it when the orgs come from a file. */
export type Connection = SumoConnection & {
  org?: string | undefined;
  /** `--org '*'`: the command runs in every org (`orgs`), not through `client`. */
  allOrgs?: boolean | undefined;
};

/**
 * Core's `connectSumo`, as the other bins use it: SUMO_* settings (or, with --demo, the embedded
 * simulator, loaded only then so a real run neither starts nor carries it) and the shared state
 * from SUMO_OPS_*. Search jobs are not shared: a CLI run deletes its jobs before it exits.
 */
export function connect(options: {
  demo: boolean;
  env: Record<string, string | undefined>;
  logger: Logger;
}): Promise<Connection> {
  return connectSumo({
    env: options.env,
    logger: options.logger,
    demo: options.demo
      ? () => import('@sumo-ops/simulator').then(({ startDemoSumo }) => startDemoSumo())
      : undefined,
  });
}
