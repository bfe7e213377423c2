import { RedisBackend, silentLogger } from '@sumo-ops/core';
import { type LocalRedis, startRedisServer } from '@sumo-ops/simulator';
import { afterAll, beforeAll, expect } from 'vitest';

export interface BackendOptions {
  /** Another redis-server than the suite's (one a test stops and starts itself). */
  url?: string;
  /** Defaults to a fresh prefix, so tests on the shared server never see each other's keys. */
  prefix?: string;
}

export interface SuiteRedis {
  /** The suite's redis-server, started before its first test. */
  readonly url: string;
  /** A backend closed after the suite, for a test that expects it not to be ready yet. */
  connect(options?: BackendOptions): RedisBackend;
  /** A backend closed after the suite, once it is known to be ready. */
  open(options?: BackendOptions): Promise<RedisBackend>;
}

/**
 * A throwaway redis-server for the calling suite and RedisBackends on it: every backend is closed
 * before the server stops, so no reconnecting client outlives the suite. Call at a suite's top level.
 */
export function redisBackendsForSuite(): SuiteRedis {
  let redis: LocalRedis | undefined;
  const opened: RedisBackend[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await Promise.all(opened.map((backend) => backend.close()));
    await redis?.stop();
  });

  const suite: SuiteRedis = {
    get url() {
      if (!redis) throw new Error('The suite redis-server starts in beforeAll; use it from a test.');
      return redis.url;
    },
    connect({ url = suite.url, prefix = `t${Math.random().toString(36).slice(2)}:` } = {}) {
      // The product's command deadline: the suites' outages stop Redis or point at a closed port,
      // which fails a command at once, and a shorter deadline turned a loaded machine's stall into
      // an outage of its own.
      const backend = new RedisBackend({ url, keyPrefix: prefix, logger: silentLogger });
      opened.push(backend);
      return backend;
    },
    async open(options) {
      const backend = suite.connect(options);
      expect(await backend.ready()).toBe(true);
      return backend;
    },
  };
  return suite;
}
