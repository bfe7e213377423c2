import type { RespondArguments, RespondFn, webApi } from '@slack/bolt';
import type {
  Logger,
  OperationCatalog,
  OperationContext,
  SharedReads,
  SumoClient,
  SumoOrgs,
} from '@sumo-ops/core';
import type { FetchFunction } from '@sumo-ops/core/http-dispatcher';
import type { AccessPolicy } from './access.js';
import type { AuditLog } from './audit.js';
import type { Reply } from './blocks/help.js';
import type { DigestScheduler } from './digests.js';
import type { FleetOverview } from './fleet-overview.js';
import type { ThreadFollowUps, UpgradeFollowUpRecord } from './follow-up.js';
import type { SubcommandSpec } from './grammar.js';
import type { ChannelOrgs } from './orgs/channel-orgs.js';
import type { HomeOrgs } from './orgs/home-orgs.js';
import type { ChannelPacer } from './pacer.js';
import type { PendingActions } from './pending-actions.js';
import type { RolloutThreadRecord } from './rollouts/rollout-thread.js';
import type { StoredSearches } from './search-actions.js';
import type { UpgradeLog } from './upgrade-log.js';

export interface SearchThreadSettings {
  /** Results with more rows than this also go into the thread as a file. */
  fileThresholdRows: number;
  /** At most this many rows go into the file. */
  fileMaxRows: number;
  /** The parent message is updated with progress at most this often. */
  progressIntervalMs: number;
}

/** How thread follow-ups (upgrades and rollouts alike) are watched. */
export interface UpgradeFollowUpSettings {
  pollIntervalMs: number;
  /** Stop watching an upgrade (and say so in the thread) after this long. */
  timeoutMs: number;
  /** A watcher's lease; a follow-up whose watcher died is picked up at most this long after. */
  leaseMs: number;
  /** How often this replica looks for follow-ups nobody is watching. */
  sweepIntervalMs: number;
}

/** Everything the listeners share; built once in `createSlackBot`. */
export interface BotContext {
  catalog: OperationCatalog;
  specs: readonly SubcommandSpec[];
  /** The client of the org this request acts on (`forOrg`); the default org's otherwise. */
  sumo: SumoClient;
  /** Every configured org; with several, a command names one (`org=`) or the channel's applies. */
  orgs: SumoOrgs;
  /** The org `sumo` belongs to, when orgs come from a file: said on answers and kept with actions. */
  org?: string | undefined;
  channelOrgs: ChannelOrgs;
  /** Which org each person's App Home shows. */
  homeOrgs: HomeOrgs;
  /** The stores' `reads`: identical reads meet other replicas' (with Redis), and changes say so. */
  reads: SharedReads;
  access: AccessPolicy;
  pending: PendingActions;
  followUps: ThreadFollowUps<UpgradeFollowUpRecord>;
  /** Threads of confirmed rollouts, told of each wave and the end by whichever replica holds them. */
  rolloutThreads: ThreadFollowUps<RolloutThreadRecord>;
  /** Upgrades started from this app in the last 24 hours, for App Home. */
  upgradeLog: UpgradeLog;
  /** The fleet at a glance, for App Home: shared and refreshed at most once a minute. */
  fleet: FleetOverview;
  /** Each org's fleet at a glance (the App Home's switcher), by org name. */
  fleets: ReadonlyMap<string, FleetOverview>;
  audit: AuditLog;
  logger: Logger;
  pacer: ChannelPacer;
  /** The Web API client's fetch (proxy settings), for what goes to Slack outside the Web API: a chart's bytes. */
  httpFetch: FetchFunction;
  /** Shown under replies, e.g. that answers come from the simulator. */
  notes: string[];
  search: SearchThreadSettings;
  /** Scheduled digests and where they are kept. */
  digests: DigestScheduler;
  /** Searches behind the buttons under their summaries. */
  searches: StoredSearches;
  upgrades: UpgradeFollowUpSettings;
}

/** What a listener needs to answer one request. */
export interface Conversation {
  userId: string;
  channelId: string;
  respond: RespondFn;
  client: webApi.WebClient;
}

export function operationContext(
  bot: Pick<BotContext, 'sumo' | 'logger'> & Partial<Pick<BotContext, 'reads' | 'org'>>,
  operation: string,
  extra: Partial<OperationContext> = {},
): OperationContext {
  return {
    client: bot.sumo,
    org: bot.org,
    logger: bot.logger.child({ operation, ...(bot.org ? { org: bot.org } : {}) }),
    reads: bot.reads,
    ...extra,
  };
}

export function ephemeral(reply: Reply): RespondArguments {
  return { response_type: 'ephemeral', text: reply.text, blocks: reply.blocks };
}
