import type { webApi } from '@slack/bolt';
import type { ChartSpec, Logger } from '@sumo-ops/core';
import type { FetchFunction } from '@sumo-ops/core/http-dispatcher';
import { renderChart } from '@sumo-ops/core/render-chart';
import { describeError } from '../blocks/errors.js';
import type { ChannelPacer } from '../pacer.js';

/** A person's zone rarely changes; asking Slack once an hour per person is plenty. */
const ZONE_CACHE_MS = 3_600_000;
/** A failed lookup (Slack down, a rate limit) is tried again soon: the next chart should have the zone. */
const FAILED_ZONE_CACHE_MS = 60_000;
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
  let cacheMs = ZONE_CACHE_MS;
  try {
    const answer = await client.users.info({ user: userId });
    zone = answer.user?.tz || undefined;
  } catch (error) {
    cacheMs = FAILED_ZONE_CACHE_MS;
    logger.warn('could not read the time zone of a Slack user; the chart keeps the search zone', {
      error: describeError(error),
    });
  }
  zones.set(userId, { zone, until: Date.now() + cacheMs });
  return zone;
}

/** Where a chart goes: a channel (and thread), paced like every other post there. */
export interface ChartTarget {
  client: webApi.WebClient;
  /** The Web API client's own fetch (proxy settings): the PNG's bytes go to Slack's upload URL with it. */
  httpFetch: FetchFunction;
  channelId: string;
  threadTs?: string | undefined;
  pacer: ChannelPacer;
  logger: Logger;
}

/** Slack refuses a longer `alt_txt` (`alt_txt_too_large`), and the whole upload with it. */
export const SLACK_ALT_TEXT_MAX = 1_000;

/**
 * Alt text within Slack's limit: whole sentences while they fit, else whole words, and "…" to say
 * something was left out. The chart's message says everything in full.
 */
export function altTextForSlack(alt: string): string {
  if (alt.length <= SLACK_ALT_TEXT_MAX) return alt;
  const room = alt.slice(0, SLACK_ALT_TEXT_MAX - 1);
  const sentence = room.lastIndexOf('. ');
  const cut = sentence > SLACK_ALT_TEXT_MAX / 2 ? sentence + 1 : room.lastIndexOf(' ');
  return `${room.slice(0, cut > 0 ? cut : room.length).trimEnd()}…`;
}

/**
 * Draws the chart and uploads it as a PNG, shown inline in the thread with its alt text. Runs after
 * the text answer is posted, never before an ack; a picture that cannot be drawn or uploaded is
 * logged and left out, the text answer already said everything.
 *
 * The three steps of a Slack upload are made here rather than with `filesUploadV2`: the Web API
 * client (8.2) sends the alt text as `alt_text`, but files.getUploadURLExternal takes it as
 * `alt_txt`, so with `filesUploadV2` no image would ever have a description for screen readers.
 */
export async function postChart(target: ChartTarget, chart: ChartSpec, filename: string): Promise<boolean> {
  try {
    const drawn = await renderChart(chart);
    const png = Buffer.from(drawn.png);
    const { client, channelId, threadTs } = target;
    await target.pacer.run(channelId, async () => {
      const asked = (await client.apiCall('files.getUploadURLExternal', {
        filename,
        length: png.length,
        alt_txt: altTextForSlack(chart.alt),
      })) as webApi.FilesGetUploadURLExternalResponse;
      if (!asked.upload_url || !asked.file_id) {
        throw new Error('Slack gave no upload URL for the chart (files.getUploadURLExternal).');
      }
      const form = new FormData();
      form.append('file', new Blob([png], { type: 'image/png' }), filename);
      const uploaded = await target.httpFetch(asked.upload_url, { method: 'POST', body: form });
      if (!uploaded.ok) throw new Error(`Slack's upload URL answered HTTP ${uploaded.status} for the chart.`);
      await client.files.completeUploadExternal({
        files: [
          { id: asked.file_id, title: chart.alt.length > 200 ? `${chart.alt.slice(0, 199)}…` : chart.alt },
        ],
        channel_id: channelId,
        ...(threadTs ? { thread_ts: threadTs } : {}),
      });
    });
    return true;
  } catch (error) {
    target.logger.warn('could not post a chart', { error: describeError(error), chart: chart.kind });
    return false;
  }
}
