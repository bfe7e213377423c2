import type { webApi } from '@slack/bolt';

export interface AccessSettings {
  /** Slack user ids (`U…`, `W…`) and user group ids (`S…`) allowed to run write and destructive commands. */
  admins: readonly string[];
  /** When set, commands are answered only in these channels. */
  channels?: readonly string[] | undefined;
  /** How long a user group's member list is trusted before asking Slack again. */
  groupCacheMs?: number;
  now?: () => number;
}

export type AccessDecision = { allowed: true } | { allowed: false; reason: string };

const GROUP_CACHE_MS = 60_000;

export const HOW_TO_ALLOW_WRITES =
  'Write and destructive commands are switched off: set SUMO_OPS_ADMINS to a comma-separated list of ' +
  'Slack user ids (U…) and/or user group ids (S…) and restart the bot.';

/** Who may run what, and where. Read commands are open to everyone in the allowed channels. */
export class AccessPolicy {
  private readonly users: Set<string>;
  private readonly groups: string[];
  private readonly channels: Set<string> | undefined;
  private readonly cache = new Map<string, { members: Set<string>; at: number }>();
  private readonly groupCacheMs: number;
  private readonly now: () => number;

  constructor(settings: AccessSettings) {
    this.users = new Set(settings.admins.filter((id) => !id.startsWith('S')));
    this.groups = settings.admins.filter((id) => id.startsWith('S'));
    this.channels =
      settings.channels && settings.channels.length > 0 ? new Set(settings.channels) : undefined;
    this.groupCacheMs = settings.groupCacheMs ?? GROUP_CACHE_MS;
    this.now = settings.now ?? Date.now;
  }

  get writesEnabled(): boolean {
    return this.users.size > 0 || this.groups.length > 0;
  }

  checkChannel(channelId: string): AccessDecision {
    if (!this.channels || this.channels.has(channelId)) return { allowed: true };
    return {
      allowed: false,
      reason: `/sumo is not enabled in this channel. It answers in: ${[...this.channels].map((id) => `<#${id}>`).join(', ')}.`,
    };
  }

  async checkWrite(client: webApi.WebClient, userId: string): Promise<AccessDecision> {
    if (!this.writesEnabled) return { allowed: false, reason: HOW_TO_ALLOW_WRITES };
    if (this.users.has(userId)) return { allowed: true };
    for (const group of this.groups) {
      if ((await this.members(client, group)).has(userId)) return { allowed: true };
    }
    return {
      allowed: false,
      reason: `<@${userId}> may not run write or destructive commands. Ask an admin to add you (or your user group) to SUMO_OPS_ADMINS.`,
    };
  }

  private async members(client: webApi.WebClient, group: string): Promise<Set<string>> {
    const cached = this.cache.get(group);
    if (cached && this.now() - cached.at < this.groupCacheMs) return cached.members;
    const answer = await client.usergroups.users.list({ usergroup: group });
    const members = new Set(answer.users ?? []);
    this.cache.set(group, { members, at: this.now() });
    return members;
  }
}

/** `U1, S2 ,U3` → ids; anything else is a typo worth refusing at start-up. */
export function parseIdList(name: string, value: string | undefined, pattern: RegExp): string[] {
  const ids = (value ?? '')
    .split(/[\s,]+/)
    .map((id) => id.trim())
    .filter((id) => id !== '');
  const bad = ids.filter((id) => !pattern.test(id));
  if (bad.length > 0)
    throw new Error(
      `${name} has ${bad.map((id) => `"${id}"`).join(', ')}: expected ids like ${pattern.source}.`,
    );
  return ids;
}
