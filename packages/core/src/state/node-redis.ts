/**
 * node-redis, in a module of its own so that `RedisBackend` loads it with `import()` only when
 * Redis is configured. Re-exported from an ES module rather than imported directly: a bundled
 * bin's chunk of a CommonJS package exports only `default`, an ES module's chunk its names.
 */
export {
  ClientClosedError,
  ClientOfflineError,
  createClient,
  createSentinel,
  ErrorReply,
} from '@redis/client';
