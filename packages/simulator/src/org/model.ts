import type { BadBuild } from './bad-builds.js';
/** Wire shapes, exactly as the Collector Management API sends them. */

export interface SimLink {
  rel: string;
  href: string;
}

export interface SimCollector {
  id: number;
  name: string;
  collectorType: 'Installable' | 'Hosted';
  /** Empty for hosted collectors. */
  collectorVersion: string;
  alive: boolean;
  ephemeral: boolean;
  links: SimLink[];
  lastSeenAlive?: number;
  description?: string;
  category?: string;
  hostName?: string;
  timeZone?: string;
  fields?: Record<string, string>;
  cutoffTimestamp?: number;
  cutoffRelativeTime?: string;
  targetCpu?: number;
  /** Installed collectors only. */
  sourceSyncMode?: 'UI' | 'Json';
  osName?: string;
  osVersion?: string;
  osArch?: string;
  osTime?: number;
}

/** Sources carry type-specific fields (pathExpression, protocol, url, thirdPartyRef…). */
export interface SimSource {
  id: number;
  name: string;
  sourceType: string;
  alive: boolean;
  [field: string]: unknown;
}

/** 0 not started, 1 pending (awaiting the collector), 6 progressing, 2 succeeded, 3 failed. */
export type UpgradeStatus = 0 | 1 | 2 | 3 | 6;

export interface SimUpgradeTask {
  id: number;
  collectorId: number;
  toVersion: string;
  /**
   * The field table of the upgrade doc calls it `requestedTime`; the sample response — what
   * the service sends — says `requestTime`. The simulator sends what the service sends.
   */
  requestTime: number;
  status: UpgradeStatus;
  message: string;
}

/** How an upgrade of a given collector ends; seeded per collector, settable by tests. */
export type UpgradeOutcome = 'succeed' | 'fail' | 'timeout';

export interface OrgOptions {
  /** Number of seeded collectors (installed and hosted). Default 40. */
  collectors?: number;
  /**
   * Seed the rest of the fleet: OpenTelemetry collectors, ingest budgets (one Exceeded, one
   * Approaching) and health incidents (an S3 source denied access). Default true.
   */
  fleet?: boolean;
  /** Builds that break a share of the collectors upgraded to them (see `BadBuild`). */
  badBuilds?: BadBuild[];
}

export type CollectorFilter = 'all' | 'installed' | 'hosted' | 'alive' | 'dead';

export interface OrgCounts {
  collectors: number;
  installed: number;
  hosted: number;
  alive: number;
  dead: number;
  jsonManaged: number;
  ephemeral: number;
  sources: number;
  upgradesInProgress: number;
}
