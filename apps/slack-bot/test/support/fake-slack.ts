import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call to the fake Web API (or a post to a response_url), as the bot sent it. */
export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  /** The Authorization header, to check that the token went only where it belongs. */
  authorization: string | undefined;
  at: number;
  /** What the fake answered (Web API methods only). */
  response?: Record<string, unknown>;
}

export interface UploadedFile {
  fileId: string;
  filename: string;
  content: string;
  /** The file as uploaded, byte for byte (a chart's PNG). */
  bytes: Buffer;
  title?: string | undefined;
  /** What screen readers say for an image (files.getUploadURLExternal `alt_txt`). */
  altText?: string | undefined;
  channel?: string | undefined;
  threadTs?: string | undefined;
}

/**
 * A Slack Web API on loopback: records every call and answers the methods the bot uses the way
 * Slack does. `response_url`s point at it too, so what `respond()` posted is recorded as
 * `response_url` calls. File uploads follow Slack's three steps, with the upload URL on itself.
 */
export class FakeSlack {
  readonly calls: RecordedCall[] = [];
  readonly files: UploadedFile[] = [];
  /** User group id → member ids, for `usergroups.users.list`. */
  readonly userGroups = new Map<string, string[]>();
  /** Bot tokens answered with `invalid_auth`, as Slack answers a revoked token. */
  readonly rejectedTokens = new Set<string>();
  /** User id → the time zone of their profile (users.info `tz`); others are in Europe/London. */
  readonly userZones = new Map<string, string>();
  /** Users whose `users.info` fails (`user_not_visible`), as when Slack cannot be read for a while. */
  readonly unreadableUsers = new Set<string>();
  /** Channels where `chat.postMessage` answers `not_in_channel`. */
  readonly closedChannels = new Set<string>();
  private readonly server = createServer((request, response) => {
    this.handle(request, response).catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });
  private readonly pendingUploads = new Map<
    string,
    { filename: string; altText?: string | undefined; content?: string; bytes?: Buffer }
  >();
  private sequence = 0;
  private waiters: Array<() => void> = [];
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /** A fresh response_url; what is posted to it is recorded under that id. */
  responseUrl(): string {
    this.sequence += 1;
    return `${this.url}/respond/${this.sequence}`;
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  responsesTo(responseUrl: string): Record<string, unknown>[] {
    const id = responseUrl.slice(responseUrl.lastIndexOf('/') + 1);
    return this.calls.filter((call) => call.method === `response_url/${id}`).map((call) => call.args);
  }

  /** Waits until `predicate` holds after some call arrives (or throws after `timeoutMs`). */
  async waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = predicate();
      if (value) return value;
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new Error(
          `FakeSlack.waitFor timed out; calls so far: ${this.calls.map((c) => c.method).join(', ')}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private record(method: string, args: Record<string, unknown>, request: IncomingMessage) {
    this.calls.push({ method, args, authorization: request.headers.authorization, at: Date.now() });
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const path = new URL(request.url ?? '/', this.url).pathname;

    if (path.startsWith('/respond/')) {
      this.record(
        `response_url/${path.slice('/respond/'.length)}`,
        JSON.parse(raw.toString('utf8')),
        request,
      );
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (path.startsWith('/upload/')) {
      const fileId = path.slice('/upload/'.length);
      const pending = this.pendingUploads.get(fileId);
      if (!pending) {
        response.writeHead(404).end();
        return;
      }
      const form = await new Response(raw, {
        headers: { 'content-type': request.headers['content-type'] ?? '' },
      }).formData();
      const file = [...form.values()].find((value) => typeof value !== 'string');
      pending.bytes = typeof file === 'object' ? Buffer.from(await file.arrayBuffer()) : raw;
      pending.content = pending.bytes.toString('utf8');
      this.record('upload', { fileId, bytes: raw.length }, request);
      response.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${raw.length}`);
      return;
    }
    if (!path.startsWith('/api/')) {
      response.writeHead(404).end();
      return;
    }
    const method = path.slice('/api/'.length);
    const args = parseArgs(raw.toString('utf8'), request.headers['content-type']);
    this.record(method, args, request);
    const call = this.calls.at(-1) as RecordedCall;
    const reply = (body: Record<string, unknown>): void => {
      call.response = body;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const authorization = request.headers.authorization;
    if (!authorization?.startsWith('Bearer ')) return reply({ ok: false, error: 'not_authed' });
    if (this.rejectedTokens.has(authorization.slice('Bearer '.length))) {
      return reply({ ok: false, error: 'invalid_auth' });
    }

    switch (method) {
      case 'auth.test':
        return reply({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' });
      case 'chat.postMessage': {
        // A post to a user id goes to the app's direct messages with them: Slack answers with that channel.
        const channel = /^[UW]/.test(String(args.channel))
          ? `D${String(args.channel)}`
          : String(args.channel);
        if (this.closedChannels.has(channel)) return reply({ ok: false, error: 'not_in_channel' });
        this.sequence += 1;
        const ts = `1700000000.${String(this.sequence).padStart(6, '0')}`;
        return reply({ ok: true, channel, ts, message: { ts, text: args.text } });
      }
      case 'chat.update':
        return reply({ ok: true, channel: args.channel, ts: args.ts });
      case 'views.publish': {
        const view = (typeof args.view === 'string' ? JSON.parse(args.view) : args.view) as Record<
          string,
          unknown
        >;
        return reply({ ok: true, view: { id: `V${this.sequence}`, ...view } });
      }
      case 'views.open': {
        const view = (typeof args.view === 'string' ? JSON.parse(args.view) : args.view) as Record<
          string,
          unknown
        >;
        return args.trigger_id
          ? reply({ ok: true, view: { id: `V${this.sequence}`, ...view } })
          : reply({ ok: false, error: 'invalid_arguments' });
      }
      case 'chat.postEphemeral':
        return reply({ ok: true, message_ts: '1700000000.999999' });
      case 'users.info': {
        const user = String(args.user);
        if (this.unreadableUsers.has(user)) return reply({ ok: false, error: 'user_not_visible' });
        return reply({ ok: true, user: { id: user, tz: this.userZones.get(user) ?? 'Europe/London' } });
      }
      case 'usergroups.users.list': {
        const users = this.userGroups.get(String(args.usergroup));
        return users ? reply({ ok: true, users }) : reply({ ok: false, error: 'no_such_subteam' });
      }
      case 'files.getUploadURLExternal': {
        // Slack's argument is `alt_txt` (an `alt_text` is an unknown argument, ignored), at most 1,000 characters.
        const altText = args.alt_txt === undefined ? undefined : String(args.alt_txt);
        if (altText !== undefined && altText.length > 1_000)
          return reply({ ok: false, error: 'alt_txt_too_large' });
        this.sequence += 1;
        const fileId = `F${this.sequence}`;
        this.pendingUploads.set(fileId, { filename: String(args.filename), altText });
        return reply({ ok: true, upload_url: `${this.url}/upload/${fileId}`, file_id: fileId });
      }
      case 'files.completeUploadExternal': {
        const files = (typeof args.files === 'string' ? JSON.parse(args.files) : args.files) as Array<{
          id: string;
          title?: string;
        }>;
        for (const file of files) {
          const pending = this.pendingUploads.get(file.id);
          if (!pending || pending.content === undefined || pending.bytes === undefined) {
            return reply({ ok: false, error: 'file_not_found' });
          }
          this.files.push({
            fileId: file.id,
            filename: pending.filename,
            content: pending.content,
            bytes: pending.bytes,
            title: file.title,
            altText: pending.altText,
            channel: args.channel_id as string | undefined,
            threadTs: args.thread_ts as string | undefined,
          });
        }
        return reply({ ok: true, files: files.map((file) => ({ id: file.id, title: file.title })) });
      }
      default:
        return reply({ ok: false, error: 'unknown_method' });
    }
  }
}

/** The Web API client sends form fields, JSON-encoding objects such as `blocks`. */
function parseArgs(body: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes('application/json')) return JSON.parse(body) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    args[key] = /^[[{]/.test(value) ? tryJson(value) : value;
  }
  return args;
}

function tryJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
