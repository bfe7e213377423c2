/** Wire shapes of the APIs in Sumo's OpenAPI document (openapi/sumologic-openapi-subset.yaml). */

/** `OTCollector`. */
export interface SimOtCollector {
  id: string;
  name: string;
  version: { currentVersion: string };
  category?: string;
  description?: string;
  tags: Record<string, string>;
  /** Counted from the collector's unresolved health events. */
  healthIncidentsTracker: { errorsCount: number; warningsCount: number };
  ephemeral: boolean;
  alive: boolean;
  isRemotelyManaged: boolean;
  systemInfo: {
    hostName: string;
    hostOsName: string;
    hostOsVersion: string;
    hostIpAddress: string;
    hostEnv?: string;
  };
  timeZone: string;
  createdAt: string;
  createdBy: string;
  modifiedAt: string;
  modifiedBy: string;
  sourceTemplateLinkedCount: number;
}

/** What a test gives to add an OT collector; the rest is filled in (ids, times, system info). */
export interface OtCollectorInit {
  name: string;
  /** `v0.120.0-sumo-0` style, as the OpenAPI `VersionRange` pattern expects. */
  version: string;
  alive?: boolean;
  isRemotelyManaged?: boolean;
  ephemeral?: boolean;
  tags?: Record<string, string>;
  category?: string;
  description?: string;
  hostName?: string;
  hostOsName?: string;
  hostOsVersion?: string;
  hostIpAddress?: string;
  hostEnv?: string;
  timeZone?: string;
}

export type UsageStatus = 'Normal' | 'Approaching' | 'Exceeded' | 'Unknown';

/** `IngestBudgetV2`. */
export interface SimIngestBudget {
  id: string;
  name: string;
  scope: string;
  capacityBytes: number;
  timezone: string;
  resetTime: string;
  description?: string;
  action: 'stopCollecting' | 'keepCollecting';
  auditThreshold?: number;
  /** Absent while the usage is `Unknown`. */
  usageBytes?: number;
  usageStatus: UsageStatus;
  createdAt: string;
  createdBy: string;
  modifiedAt: string;
  modifiedBy: string;
  /** Required by the schema without a type; the simulator counts revisions from 1. */
  version: number;
  budgetVersion: number;
}

export type HealthSeverity = 'Error' | 'Warning';

/** `ResourceIdentity` and its Source / IngestBudget forms. */
export interface SimResourceIdentity {
  id: string;
  name: string;
  type: 'Collector' | 'Source' | 'IngestBudget' | 'Organisation';
  collectorId?: string;
  collectorName?: string;
  scope?: string;
  budgetType?: string;
}

/** `HealthEvent`. */
export interface SimHealthEvent {
  eventId: string;
  eventName: string;
  details: { trackerId: string; error: string; description: string };
  resourceIdentity: SimResourceIdentity;
  eventTime: string;
  subsystem: string;
  severityLevel: HealthSeverity;
}

/** `TokenBaseResponse` (installation tokens: `CollectorRegistration`). */
export interface SimInstallationToken {
  id: string;
  name: string;
  description: string;
  status: 'Active' | 'Inactive';
  type: 'CollectorRegistrationTokenResponse';
  version: number;
  createdAt: string;
  createdBy: string;
  modifiedAt: string;
  modifiedBy: string;
}
