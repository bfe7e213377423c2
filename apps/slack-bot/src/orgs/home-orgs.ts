import { ALL_ORGS, type StateBackend } from '@sumo-ops/core';
import type { Block } from '../blocks/limits.js';
import { context, escapeMrkdwn, header, section } from '../blocks/text.js';
import type { BotContext } from '../context.js';
import { OFFLINE_DAYS } from '../fleet-overview.js';

export const HOME_ORG_ACTION_ID = 'sumo_home_org';
const homeOrgKey = (userId: string) => `slack:home-org:${userId}`;
/** A person's choice of org on App Home is remembered like a preference: a month from the last switch. */
const HOME_ORG_MS = 30 * 24 * 3_600_000;

/** Which org (or `*`, all of them) each person's App Home shows. */
export class HomeOrgs {
  constructor(private readonly backend: StateBackend) {}

  async get(userId: string): Promise<string | undefined> {
    return this.backend.get(homeOrgKey(userId));
  }

  async set(userId: string, org: string): Promise<void> {
    await this.backend.set(homeOrgKey(userId), org, { ttlMs: HOME_ORG_MS });
  }
}

/** One button per org and one for all of them; the one shown is primary. */
export function orgSwitcher(names: readonly string[], shown: string): Block {
  return {
    type: 'actions',
    block_id: 'sumo_home_orgs',
    elements: [...names, ALL_ORGS].map((name) => ({
      type: 'button',
      action_id: `${HOME_ORG_ACTION_ID}:${name === ALL_ORGS ? 'all' : name}`,
      text: { type: 'plain_text', text: name === ALL_ORGS ? 'All orgs' : name },
      value: name,
      ...(name === shown ? { style: 'primary' } : {}),
    })),
  };
}

/**
 * Every org at once, one row each, each read by that org's own overview (its own budget and
 * once-a-minute refresh).
 */
export async function allOrgsBlocks(bot: BotContext): Promise<Block[]> {
  const rows = await Promise.all(
    bot.orgs.names.map(async (name) => {
      const fleet = await bot.fleets.get(name)?.get();
      const label = `*${escapeMrkdwn(name)}*`;
      if (!fleet) return `${label}: being read; open the tab again in a moment.`;
      if (fleet.error) return `${label}: :x: ${escapeMrkdwn(fleet.error)}`;
      const { collectors, offline, upgrades } = fleet;
      return `${label}: ${collectors.total} collectors (${collectors.alive} alive, ${collectors.dead} dead), ${offline.count} installed offline ≥ ${OFFLINE_DAYS} days, ${upgrades.upgradable} can be upgraded`;
    }),
  );
  return [
    header('Sumo Logic collectors in every org'),
    ...rows.map((row) => section(row)),
    context('Pick an org above for its details and buttons.'),
  ];
}
