import type { webApi } from '@slack/bolt';
import { type FleetLists, fleetChart, fleetChartCollectors, OT_COLLECTOR_PAGE_MAX } from '@sumo-ops/core';
import { escapeMrkdwn, section } from '../blocks/text.js';
import { type BotContext, operationContext } from '../context.js';
import { postChart } from './post-chart.js';

export const FLEET_PICTURE_ACTION_ID = 'sumo_home_fleet_picture';
/** One page of each list, as App Home reads them; the picture says how many it counted. */
const PAGE = 1_000;

/**
 * The fleet as a picture, on request from App Home (the tab itself stays text): two shared reads
 * (list_collectors, list_ot_collectors; reused for a few seconds like the tab's), drawn and
 * posted in the app's direct messages with the person who asked.
 */
export async function postFleetPicture(
  /** `forOrg` of the org the App Home showed: the picture is of that org, and says so. */
  bot: Pick<BotContext, 'catalog' | 'sumo' | 'org' | 'logger' | 'reads' | 'pacer' | 'httpFetch'>,
  client: webApi.WebClient,
  userId: string,
): Promise<void> {
  const run = async <T>(operation: string, raw: unknown): Promise<T> =>
    (await bot.catalog.run(
      operation,
      operationContext(bot, operation),
      bot.catalog.parseInput(operation, raw),
    )) as T;
  const [installed, ot] = await Promise.all([
    run<{ items: NonNullable<FleetLists['installed']> }>('list_collectors', { limit: PAGE }),
    // A key without OT access still gets the installed fleet's picture.
    run<{ items: NonNullable<FleetLists['ot']> }>('list_ot_collectors', {
      limit: OT_COLLECTOR_PAGE_MAX,
    }).catch((error: unknown) => {
      bot.logger.warn('fleet picture without OT collectors', { error: String(error) });
      return { items: [] };
    }),
  ]);
  const drawn = fleetChart(fleetChartCollectors({ installed: installed.items, ot: ot.items }));
  const chart = bot.org ? { ...drawn, alt: `Fleet of org ${bot.org}: ${drawn.alt}` } : drawn;
  // Posting to a user id opens the app's direct messages; the answer names the channel to upload to.
  const posted = await bot.pacer.run(userId, () =>
    client.chat.postMessage({
      channel: userId,
      text: bot.org ? `Fleet picture of ${bot.org}` : 'Fleet picture',
      blocks: [section(`:bar_chart: *Fleet picture* — ${escapeMrkdwn(chart.alt)}`)],
    }),
  );
  if (!posted.channel) throw new Error('Slack did not say which channel the message went to.');
  await postChart(
    { client, httpFetch: bot.httpFetch, channelId: posted.channel, pacer: bot.pacer, logger: bot.logger },
    chart,
    'fleet.png',
  );
}
