import { DEFAULT_CREDENTIALS, type Simulator, startSimulator } from './server.js';

/** Simulated time runs this much faster in the demo, so a collector upgrade finishes in seconds. */
const DEMO_CLOCK_SPEED = 60;
/** Faster than Sumo's 4/s so a demo feels quick; the client is given the same limits. */
const DEMO_LIMITS = { perSecond: 20, concurrent: 10 };

export interface DemoSumo {
  apiUrl: string;
  accessId: string;
  accessKey: string;
  rateLimits: { perSecond: number; concurrent: number };
  simulator: Simulator;
  close(): Promise<void>;
}

/**
 * The org every bin's --demo runs against (core's `connectSumo({ demo: startDemoSumo })`): one
 * seed, 40 collectors, time at ×60, so the MCP server, the Slack bot and the CLI show the same.
 */
export async function startDemoSumo(): Promise<DemoSumo> {
  const simulator = await startSimulator({
    seed: 42,
    clockSpeed: DEMO_CLOCK_SPEED,
    rateLimit: DEMO_LIMITS,
    org: { collectors: 40 },
    // Searches follow the org, so a diagnosis finds which collectors send data.
    search: { fleetLogs: true },
  });
  const [credentials] = DEFAULT_CREDENTIALS as [(typeof DEFAULT_CREDENTIALS)[number]];
  return {
    apiUrl: simulator.apiUrl,
    accessId: credentials.accessId,
    accessKey: credentials.accessKey,
    rateLimits: DEMO_LIMITS,
    simulator,
    close: () => simulator.close(),
  };
}
