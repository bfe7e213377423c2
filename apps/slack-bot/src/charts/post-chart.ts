import type { webApi } from '@slack/bolt';
import { type ChartSpec, type Logger, renderChart } from '@sumo-ops/core';
import { describeError } from '../blocks/errors.js';
import type { ChannelPacer } from '../pacer.js';

/** A person's zone rarely changes; asking Slack once an hour per person is plenty. */
const ZONE_CACHE_MS = 3_600_000;
const zones = new Map<string, { zone: string | undefined; until: number }>();

/**
 * The zone a person's Slack profile is set to (users.info `tz`), so a chart's axis reads on their
 * clock; undefined when Slack does not say (the caller then keeps the search's zone).
 */
export async function readerTimeZone(
  client: webApi.WebClient,
  userId: string,
  logger: Logger,
): Promise<string | undefined> {
  const known = zones.get(userId);
  if (known && known.until > Date.now()) return known.zone;
  let zone: string | undefined;
  try {
    const answer = await client.users.info({ user: userId });
    zone = answer.user?.tz || undefined;
  } catch (error) {
    logger.warn('could not read the time zone of a Slack user; the chart keeps the search zone', {
      error: describeError(error),
    });
  }
  zones.set(userId, { zone, until: Date.now() + ZONE_CACHE_MS });
  return zone;
}

/** Where a chart goes: a channel (and thread), paced like every other post there. */
export interface ChartTarget {
  client: webApi.WebClient;
  channelId: string;
  threadTs?: string | undefined;
  pacer: ChannelPacer;
  logger: Logger;
}

/**
 * Draws the chart and uploads it as a PNG (files.getUploadURLExternal, then the bytes, then
 * files.completeUploadExternal: what `filesUploadV2` does), shown inline in the thread with its
 * alt text. Runs after the text answer is posted, never before an ack; a picture that cannot be
 * drawn or uploaded is logged and left out, the text answer already said everything.
 */
export async function postChart(target: ChartTarget, chart: ChartSpec, filename: string): Promise<boolean> {
  try {
    const drawn = await renderChart(chart);
    const file = {
      filename,
      title: chart.alt.length > 200 ? `${chart.alt.slice(0, 199)}…` : chart.alt,
      alt_text: chart.alt,
      file: Buffer.from(drawn.png),
    };
    const { client, channelId, threadTs } = target;
    await target.pacer.run(channelId, () =>
      threadTs
        ? client.filesUploadV2({ channel_id: channelId, thread_ts: threadTs, ...file })
        : client.filesUploadV2({ channel_id: channelId, ...file }),
    );
    return true;
  } catch (error) {
    target.logger.warn('could not post a chart', { error: describeError(error), chart: chart.kind });
    return false;
  }
}
