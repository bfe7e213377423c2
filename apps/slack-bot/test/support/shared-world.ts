import { type LocalRedis, type Simulator, startRedisServer, startSimulator } from '@sumo-ops/simulator';
import { FakeSlack } from './fake-slack.js';

/** What bots sharing state across replicas or restarts all talk to: one Redis, one Slack, one Sumo. */
export interface SharedWorld {
  redis: LocalRedis;
  slack: FakeSlack;
  sim: Simulator;
  close(): Promise<void>;
}

export async function startSharedWorld(): Promise<SharedWorld> {
  const redis = await startRedisServer();
  let slack: FakeSlack | undefined;
  try {
    slack = await new FakeSlack().start();
    // Real-time simulated clock: an upgrade keeps running until a test moves the clock on or stops a bot.
    const sim = await startSimulator({
      rateLimit: { perSecond: 500, concurrent: 20 },
      org: { collectors: 16 },
    });
    return {
      redis,
      slack,
      sim,
      async close() {
        await sim.close();
        await slack?.close();
        await redis.stop();
      },
    };
  } catch (error) {
    // A half-started world would leave a redis-server behind the test run.
    await slack?.close();
    await redis.stop();
    throw error;
  }
}

/** Live installable collectors not yet on the latest version, in the org's order. */
export function upgradableCollectors(sim: Simulator) {
  return sim.org
    .collectors()
    .filter(
      (c) => c.alive && c.collectorType === 'Installable' && c.collectorVersion !== sim.org.latestVersion,
    );
}
