import type { SimClock } from './clock.js';
import type { SimOrg } from './org/sim-org.js';
import type { Router } from './router.js';
import type { SearchService } from './search/search-service.js';

/** What a feature module gets to build its routes on. */
export interface FeatureEnvironment {
  clock: SimClock;
  org: SimOrg;
  seed: number;
  search: SearchService;
}

/** A feature module registers its API routes (patterns relative to `/api`). */
export type FeatureRegistration = (router: Router, environment: FeatureEnvironment) => void;
