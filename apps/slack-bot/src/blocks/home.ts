import { FLEET_PICTURE_ACTION_ID } from '../charts/fleet-picture.js';
import { FLEET_CACHE_MS, type FleetSnapshot, HOME_SUMO_CALLS, OFFLINE_DAYS } from '../fleet-overview.js';
import { fleetHealthBlocks } from '../health/home-health.js';
import type { UpgradeLogEntry } from '../upgrade-log.js';
import { type Block, clip } from './limits.js';
import { code, context, escapeMrkdwn, fieldsSection, header, section, slackTime } from './text.js';

export const HOME_ACTION_ID = 'sumo_home_action';
/** What a home button asks for: the same subcommands people type, so the same preview → Confirm. */
export const HOME_ACTIONS = {
  'upgrade-all': 'upgrade-many all',
  'delete-offline': `delete-offline ${OFFLINE_DAYS}`,
} as const;
export type HomeAction = keyof typeof HOME_ACTIONS;

export interface HomeView {
  type: 'home';
  blocks: Block[];
}

const STATUS_ICONS: Readonly<Record<string, string>> = {
  running: ':hourglass_flowing_sand:',
  'still running': ':hourglass_flowing_sand:',
  succeeded: ':white_check_mark:',
  finished: ':white_check_mark:',
};

const count = (value: number) => value.toLocaleString('en-US');

/**
 * The App Home tab: collectors by state, long-offline installed collectors, what can be upgraded
 * and to which build, upgrades from this app in the last 24 hours, and, for admins, buttons that
 * ask for the same preview as the commands (nothing happens on the first click).
 */
export function homeView(
  fleet: FleetSnapshot | undefined,
  upgrades: readonly UpgradeLogEntry[],
  options: {
    admin: boolean;
    notes?: readonly string[];
    /** The org shown (several orgs): its buttons act there, and the view says so. */
    org?: string | undefined;
    /** The org's running rollout, if any, at the top of the tab. */
    rollout?: readonly Block[];
  },
): HomeView {
  const blocks: Block[] = [header('Sumo Logic collectors at a glance'), ...(options.rollout ?? [])];
  if (!fleet) {
    blocks.push(section(':hourglass: The fleet is being read; open the tab again in a moment.'));
  } else if (fleet.error) {
    blocks.push(section(`:x: Could not read the fleet: ${escapeMrkdwn(fleet.error)}`));
  } else {
    const { collectors, offline, upgrades: upgradable } = fleet;
    blocks.push(
      fieldsSection([
        ['Collectors', count(collectors.total)],
        ['Alive / dead', `${count(collectors.alive)} / ${count(collectors.dead)}`],
        ['Installed / hosted', `${count(collectors.installed)} / ${count(collectors.hosted)}`],
        [`Installed, offline ≥ ${OFFLINE_DAYS} days`, count(offline.count)],
        [
          'Can be upgraded',
          upgradable.latest
            ? `${count(upgradable.upgradable)} to ${code(upgradable.latest)} (latest)`
            : `${count(upgradable.upgradable)} (no build is marked latest)`,
        ],
      ]),
    );
    if (fleet.fleetHealth) blocks.push(...fleetHealthBlocks(fleet.fleetHealth));
    if (offline.longest.length > 0) {
      const lines = offline.longest.map(
        (item) =>
          `• ${escapeMrkdwn(item.name)} (id ${item.id})${item.days === undefined ? '' : ` — ${count(item.days)} days`}`,
      );
      blocks.push(section(clip(`*Offline longest*\n${lines.join('\n')}`, 2_000)));
    }
    if (options.admin) {
      const buttons = [];
      if (upgradable.upgradable > 0 && upgradable.latest) {
        buttons.push(
          homeButton(
            'upgrade-all',
            `Upgrade ${count(upgradable.upgradable)} to ${upgradable.latest}${inOrg(options.org)}…`,
            options.org,
          ),
        );
      }
      if (offline.count > 0) {
        buttons.push(
          homeButton(
            'delete-offline',
            `Delete ${count(offline.count)} offline ≥ ${OFFLINE_DAYS} days${inOrg(options.org)}…`,
            options.org,
          ),
        );
      }
      if (buttons.length > 0) {
        blocks.push(
          { type: 'actions', block_id: 'sumo_home_actions', elements: buttons },
          context('A button shows the preview in a message to you; nothing changes until you confirm there.'),
        );
      }
    }
    blocks.push({
      type: 'actions',
      block_id: 'sumo_home_pictures',
      elements: [
        {
          type: 'button' as const,
          action_id: FLEET_PICTURE_ACTION_ID,
          text: { type: 'plain_text' as const, text: 'Fleet picture' },
          // `fleet@staging`: the org the tab showed, which the picture then draws.
          value: options.org ? `fleet@${options.org}` : 'fleet',
        },
      ],
    });
    const cut = fleet.partial ? ' Counts are of the first 1,000 of each list.' : '';
    blocks.push(
      context(
        `Read at ${slackTime(fleet.at)} with ${HOME_SUMO_CALLS} Sumo Logic API calls (one more per further 1,000 health events); ` +
          `refreshed at most once every ${FLEET_CACHE_MS / 1000} s for everyone, so opening the tab in between costs none.${cut}`,
      ),
    );
  }
  blocks.push({ type: 'divider' }, section('*Upgrades from this app, last 24 hours*'));
  if (upgrades.length === 0) blocks.push(context('None.'));
  else {
    const lines = upgrades.slice(0, 20).map((entry) => {
      const icon = STATUS_ICONS[entry.status] ?? ':x:';
      const version = entry.toVersion ? ` → ${code(entry.toVersion)}` : '';
      const by = entry.by ? ` by <@${entry.by}>` : '';
      return `${icon} ${entry.label}${version}: ${escapeMrkdwn(entry.status)}${by}, ${slackTime(entry.at)}`;
    });
    blocks.push(section(clip(lines.join('\n'), 2_900)));
    if (upgrades.length > 20) blocks.push(context(`… and ${upgrades.length - 20} more.`));
  }
  if (options.notes && options.notes.length > 0) blocks.push(context(...options.notes.map(escapeMrkdwn)));
  return { type: 'home', blocks };
}

const inOrg = (org: string | undefined) => (org ? ` in ${org}` : '');

/** With several orgs the value carries the org shown (`delete-offline@staging`): the click acts there. */
function homeButton(action: HomeAction, text: string, org: string | undefined) {
  return {
    type: 'button' as const,
    action_id: `${HOME_ACTION_ID}:${action}`,
    text: { type: 'plain_text' as const, text: clip(text, 75) },
    value: org ? `${action}@${org}` : action,
  };
}
