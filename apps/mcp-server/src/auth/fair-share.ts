import { createHash } from 'node:crypto';
import { RateLimiter, type RateLimitStore, type SumoClient, type SumoRequest } from '@sumo-ops/core';
import type { Caller } from './caller.js';

/**
 * Each caller gets, per org, a client that holds one of at most `maxInFlight` slots of its own while a Sumo
 * request (its wait for the shared budget included) is under way: one person's burst cannot take
 * all ten in-flight slots of the key, and their queued requests wait here, not ahead of everyone
 * else in the key's queue. The slots are counted in the shared rate-limit store when there is one
 * (Redis), so the cap holds across replicas; core's limiter does the queueing and the leases.
 */
export function createFairShare(options: {
  maxInFlight: number;
  store?: RateLimitStore | undefined;
}): (client: SumoClient, caller: Caller | undefined) => SumoClient {
  const limiter = new RateLimiter({
    // The per-second budget stays the key's limiter's business; only the in-flight gate is ours.
    limits: { concurrent: options.maxInFlight, perSecond: 1_000_000 },
    ...(options.store ? { store: options.store } : {}),
  });
  return (client, caller) => {
    if (!caller) return client;
    // Per caller and org (the org's rate key, its access id): each org's key has its own ten
    // slots, so a caller busy in staging keeps their share of production. A digest, so neither a
    // subject (an email address at some issuers) nor an access id is a Redis key name.
    const key = `caller:${createHash('sha256').update(`${caller.subject}\n${client.rateKey}`).digest('base64url').slice(0, 22)}`;
    // Everything else of the client is the shared one's: its limiter, dispatcher and settings.
    const own = Object.create(client) as SumoClient;
    own.request = <T>(request: SumoRequest) =>
      limiter.schedule(key, () => client.request<T>(request), request.signal);
    return own;
  };
}
