import { signedRequestHeaders } from '../../src/signing.js';

export interface SignOptions {
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  /** Sign with another secret (a forged request). */
  secret?: string;
}

export interface PostResult {
  status: number;
  body: string;
  /** Time until the response (the acknowledgement) arrived. */
  ms: number;
}

export async function postSigned(
  url: string,
  secret: string,
  body: string,
  options: SignOptions = {},
): Promise<PostResult> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: signedRequestHeaders(options.secret ?? secret, body, timestamp),
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text, ms: performance.now() - started };
}

export interface CommandFields {
  text: string;
  userId?: string;
  channelId?: string;
  responseUrl: string;
}

/** A slash command exactly as Slack posts it: form-encoded. */
export function slashCommandBody(fields: CommandFields): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T1',
    team_domain: 'example',
    channel_id: fields.channelId ?? 'C1',
    channel_name: 'ops',
    user_id: fields.userId ?? 'UADMIN',
    user_name: 'someone',
    command: '/sumo',
    text: fields.text,
    api_app_id: 'A1',
    is_enterprise_install: 'false',
    response_url: fields.responseUrl,
    trigger_id: '1.2.3',
  }).toString();
}

export interface ClickFields {
  actionId: string;
  value: string;
  userId?: string;
  channelId?: string;
  responseUrl: string;
  messageTs?: string;
}

/** A button click as Slack posts it: `payload=<JSON>` with `type: block_actions`. */
export function blockActionBody(fields: ClickFields): string {
  const messageTs = fields.messageTs ?? '1700000000.000100';
  const payload = {
    type: 'block_actions',
    user: { id: fields.userId ?? 'UADMIN', username: 'someone', team_id: 'T1' },
    api_app_id: 'A1',
    token: 'deprecated-verification-token',
    container: {
      type: 'message',
      message_ts: messageTs,
      channel_id: fields.channelId ?? 'C1',
      is_ephemeral: false,
    },
    trigger_id: '1.2.3',
    team: { id: 'T1', domain: 'example' },
    channel: { id: fields.channelId ?? 'C1', name: 'ops' },
    message: { type: 'message', ts: messageTs, text: 'confirmation' },
    response_url: fields.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: fields.actionId,
        block_id: 'sumo_confirmation',
        value: fields.value,
        text: { type: 'plain_text', text: 'Confirm' },
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** An Events API callback (`app_home_opened`, …) as Slack posts it: JSON, signed like the rest. */
export async function postSignedEvent(
  url: string,
  secret: string,
  event: Record<string, unknown>,
): Promise<PostResult> {
  const body = JSON.stringify({
    token: 'deprecated-verification-token',
    team_id: 'T1',
    api_app_id: 'A1',
    event: { event_ts: String(Date.now() / 1000), ...event },
    type: 'event_callback',
    event_id: `Ev${Math.random().toString(36).slice(2, 12)}`,
    event_time: Math.floor(Date.now() / 1000),
  });
  const timestamp = Math.floor(Date.now() / 1000);
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...signedRequestHeaders(secret, body, timestamp), 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text, ms: performance.now() - started };
}

/** A button clicked on the App Home tab: no channel and no response_url, a `view` container. */
export function homeActionBody(fields: { actionId: string; value: string; userId?: string }): string {
  const payload = {
    type: 'block_actions',
    user: { id: fields.userId ?? 'UADMIN', username: 'someone', team_id: 'T1' },
    api_app_id: 'A1',
    token: 'deprecated-verification-token',
    container: { type: 'view', view_id: 'VHOME' },
    trigger_id: '1.2.3',
    team: { id: 'T1', domain: 'example' },
    view: { id: 'VHOME', type: 'home', blocks: [] },
    actions: [
      {
        type: 'button',
        action_id: fields.actionId,
        block_id: 'sumo_home_actions',
        value: fields.value,
        text: { type: 'plain_text', text: 'button' },
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A message shortcut ("Search in Sumo" on a message) as Slack posts it. */
export function messageShortcutBody(fields: {
  callbackId: string;
  text: string;
  messageTs: string;
  userId?: string;
  channelId?: string;
  responseUrl: string;
}): string {
  const payload = {
    type: 'message_action',
    callback_id: fields.callbackId,
    trigger_id: '13345224609.738474920.8088930838d88f008e0',
    action_ts: String(Date.now() / 1000),
    team: { id: 'T1', domain: 'example' },
    user: { id: fields.userId ?? 'UADMIN', name: 'someone', team_id: 'T1' },
    channel: { id: fields.channelId ?? 'C1', name: 'ops' },
    message: { type: 'message', user: 'UAUTHOR', ts: fields.messageTs, text: fields.text },
    message_ts: fields.messageTs,
    response_url: fields.responseUrl,
    token: 'deprecated-verification-token',
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A modal submitted: `view_submission` with the values typed, keyed by block and action id. */
export function viewSubmissionBody(fields: {
  callbackId: string;
  privateMetadata: string;
  values: Record<string, Record<string, string>>;
  userId?: string;
}): string {
  const values = Object.fromEntries(
    Object.entries(fields.values).map(([block, actions]) => [
      block,
      Object.fromEntries(
        Object.entries(actions).map(([action, value]) => [action, { type: 'plain_text_input', value }]),
      ),
    ]),
  );
  const payload = {
    type: 'view_submission',
    team: { id: 'T1', domain: 'example' },
    user: { id: fields.userId ?? 'UADMIN', username: 'someone', name: 'someone', team_id: 'T1' },
    api_app_id: 'A1',
    token: 'deprecated-verification-token',
    trigger_id: '1.2.3',
    view: {
      id: 'VMODAL',
      team_id: 'T1',
      type: 'modal',
      callback_id: fields.callbackId,
      private_metadata: fields.privateMetadata,
      blocks: [],
      state: { values },
      hash: '1.abc',
      app_id: 'A1',
      bot_id: 'BBOT',
    },
    response_urls: [],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
