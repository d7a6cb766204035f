// A local fake of Discord for tests: the REST API under /api/v10 and a gateway
// WebSocket on the same port, speaking the real protocol (HELLO → IDENTIFY →
// READY, heartbeats acked), so discord.js itself is exercised end to end.
// Message bodies are checked against Discord's limits and refused the way
// Discord refuses them (400 50035 "Invalid Form Body" with nested errors,
// 50006 for an empty message, 413 40005 for files over the upload limit);
// multipart uploads become attachments whose bytes tests can read back.
// Sources are cited next to each rule; error codes or messages no source
// shows verbatim are marked [guessed].
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. /api/v10/channels/1/messages. */
  path: string;
  query: string;
  headers: http.IncomingHttpHeaders;
  /** JSON body; for multipart, `payload_json` (or the plain form fields). */
  body: any;
  /** The file parts of a multipart request. */
  files?: RecordedFile[];
  status: number;
  /** The JSON the fake answered with an error status. */
  error?: any;
  at: number;
}

export interface RecordedFile {
  /** The form field, e.g. files[0]. */
  field: string;
  /** n of files[n] (null for another field name). */
  index: number | null;
  filename: string;
  contentType: string;
  size: number;
}

/** Discord's attachment object (https://discord.com/developers/docs/resources/message#attachment-object). */
export interface FakeAttachment {
  id: string;
  filename: string;
  size: number;
  content_type: string;
  url: string;
  proxy_url: string;
  description?: string;
  title?: string;
}

export interface FakeDiscordOptions {
  applicationId?: string;
  /**
   * Per-file upload limit. "The file upload size limit applies to each file in a request. The
   * default limit is `10 MiB`" (https://discord.com/developers/docs/reference#uploading-files;
   * 25 MiB → 10 MiB on 2024-12-16 for users and bots, on 2025-01-16 for webhooks and interaction
   * responses: discord/discord-api-docs PR #7312). Discord raised the free client limit to
   * 20 MB in August 2026 and the docs followed (discord/discord-api-docs PR #8578, 2026-09-04)
   * after the bot API had still refused > 10 MiB on 2026-09-01 (issue #8572); the fake keeps the
   * stricter 10 MiB. Set 20 MiB here to model the newer limit.
   */
  maxUploadBytes?: number;
  /** "The maximum request size when sending a message is 25 MiB" (…/resources/message#create-message). */
  maxRequestBytes?: number;
}

export interface FakeMessage {
  id: string;
  channel_id: string;
  content: string;
  embeds: any[];
  components: any[];
  /** FakeAttachment[] once stored (read it with attachmentsOf); loosely typed so tests may pass partial messages. */
  attachments?: unknown;
  flags: number;
  edits: number;
  [k: string]: unknown;
}

export interface FakeUser {
  id: string;
  username: string;
}

interface FailRule {
  method: string;
  path: RegExp;
  status: number;
  retryAfter?: number;
  remaining: number;
}

const DISCORD_EPOCH = 1420070400000n;
let seq = 0n;
export function snowflake(): string {
  seq = (seq + 1n) % 4096n;
  return String(((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | seq);
}

export class FakeDiscord {
  readonly requests: RecordedRequest[] = [];
  readonly gatewayFrames: { dir: 'in' | 'out'; payload: any; at: number }[] = [];
  /** Messages by id: channel messages and interaction (webhook) messages. */
  readonly messages = new Map<string, FakeMessage>();
  readonly applicationId: string;
  readonly botUser = { id: '900000000000000001', username: 'affiliate-bot', discriminator: '0', global_name: 'Affiliate Bot', avatar: null, bot: true };
  readonly commands = new Map<string, any[]>();
  /** Per-file upload limit in bytes (see FakeDiscordOptions.maxUploadBytes). */
  maxUploadBytes: number;
  /** Whole-request limit in bytes (see FakeDiscordOptions.maxRequestBytes). */
  maxRequestBytes: number;
  /** Things Discord accepts silently but a test may want to know (e.g. an unresolved attachment:// image). */
  readonly warnings: string[] = [];
  private readonly sockets = new Set<WebSocket>();
  private readonly rules: FailRule[] = [];
  /** Webhook @original message per interaction token. */
  private readonly originals = new Map<string, string>();
  /** Bytes of every attachment by attachment id. */
  private readonly attachmentData = new Map<string, Buffer>();
  private server!: http.Server;
  private wss!: WebSocketServer;
  port = 0;

  private constructor(opts: FakeDiscordOptions) {
    this.applicationId = opts.applicationId ?? '123456789012345678';
    this.maxUploadBytes = opts.maxUploadBytes ?? 10 * 1024 * 1024;
    this.maxRequestBytes = opts.maxRequestBytes ?? 25 * 1024 * 1024;
  }

  static async start(opts: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const f = new FakeDiscord(opts);
    f.server = http.createServer((req, res) => void f.onHttp(req, res));
    f.wss = new WebSocketServer({ server: f.server });
    f.wss.on('connection', (ws) => f.onSocket(ws));
    await new Promise<void>((resolve) => f.server.listen(0, '127.0.0.1', resolve));
    f.port = (f.server.address() as AddressInfo).port;
    return f;
  }

  /** The DISCORD_API_URL for the code under test (the REST client appends /v10). */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  private outageMode: 'none' | '503' | 'refuse' | { status: 429; retryAfter: number } = 'none';

  /**
   * Discord down until `outage('none')`:
   * - '503': every REST request is answered HTTP 503 ("502 GATEWAY UNAVAILABLE ... Wait a bit
   *   and retry" and "5xx: The server had an error processing your request (these are rare)":
   *   https://discord.com/developers/docs/topics/opcodes-and-status-codes#http; Cloudflare in
   *   front of discord.com answers 503 pages during incidents);
   * - 'refuse': the listening socket (REST and gateway) is closed: connections are refused;
   * - { status: 429, retryAfter }: every REST request is rate limited with `retry_after` in
   *   the body and the Retry-After header (https://discord.com/developers/docs/topics/rate-limits).
   */
  async outage(mode: 'none' | '503' | 'refuse' | { status: 429; retryAfter: number }): Promise<void> {
    const wasRefusing = this.outageMode === 'refuse';
    this.outageMode = mode;
    if (mode === 'refuse' && !wasRefusing) {
      for (const ws of this.sockets) ws.terminate();
      await new Promise<void>((r) => (this.server.closeAllConnections(), this.server.close(() => r())));
    }
    if (mode !== 'refuse' && wasRefusing) await new Promise<void>((r) => this.server.listen(this.port, '127.0.0.1', r));
  }

  /** The next `times` requests matching method+path fail with `status` (429: with retry_after seconds). */
  failNext(method: string, path: RegExp, status: number, opts: { retryAfter?: number; times?: number } = {}): void {
    this.rules.push({ method: method.toUpperCase(), path, status, retryAfter: opts.retryAfter, remaining: opts.times ?? 1 });
  }

  find(method: string, path: RegExp | string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method.toUpperCase() && (typeof path === 'string' ? r.path === path : path.test(r.path)));
  }

  async waitFor<T>(fn: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = fn();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`fake discord: condition not met within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Connected (identified) gateway sessions. */
  get identified(): number {
    return this.gatewayFrames.filter((f) => f.dir === 'in' && f.payload.op === 2).length;
  }

  // ---- interactions ----------------------------------------------------------

  /** Sends op 0 INTERACTION_CREATE to every identified gateway session. */
  dispatchInteraction(d: Record<string, unknown>): void {
    for (const ws of this.sockets) this.send(ws, { op: 0, t: 'INTERACTION_CREATE', d });
  }

  private base(user: FakeUser, roles: string[], channelId: string, guildId: string) {
    return {
      id: snowflake(),
      application_id: this.applicationId,
      token: `itok-${randomBytes(24).toString('hex')}`,
      version: 1,
      guild_id: guildId,
      channel_id: channelId,
      channel: { id: channelId, type: 0, guild_id: guildId, name: 'ops' },
      member: {
        user: { id: user.id, username: user.username, discriminator: '0', global_name: user.username, avatar: null },
        roles,
        permissions: '2248473465835073',
        joined_at: new Date(0).toISOString(),
        deaf: false,
        mute: false,
        flags: 0,
        nick: null,
        avatar: null,
        pending: false,
      },
      app_permissions: '2248473465835073',
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': guildId },
      context: 0,
    };
  }

  /** A slash command: `/name sub option:value …`. Returns the interaction's id and token. */
  slashCommand(p: {
    name: string;
    sub?: string;
    options?: Record<string, string | number | boolean>;
    user: FakeUser;
    roles?: string[];
    channelId?: string;
    guildId?: string;
  }): { id: string; token: string } {
    const typeOf = (v: unknown) => (typeof v === 'boolean' ? 5 : typeof v === 'number' ? 4 : 3);
    const opts = Object.entries(p.options ?? {}).map(([name, value]) => ({ name, type: typeOf(value), value }));
    const d = {
      ...this.base(p.user, p.roles ?? [], p.channelId ?? '700000000000000001', p.guildId ?? '600000000000000001'),
      type: 2,
      data: {
        id: snowflake(),
        name: p.name,
        type: 1,
        guild_id: p.guildId ?? '600000000000000001',
        options: p.sub ? [{ type: 1, name: p.sub, options: opts }] : opts,
      },
    };
    this.dispatchInteraction(d);
    return { id: d.id, token: d.token };
  }

  /** A button click on `message` (a message the fake recorded, or a made-up one). */
  buttonClick(p: { customId: string; user: FakeUser; roles?: string[]; message?: Partial<FakeMessage>; channelId?: string; guildId?: string }): {
    id: string;
    token: string;
  } {
    const channelId = p.message?.channel_id ?? p.channelId ?? '700000000000000001';
    const message = this.messageObject({ id: snowflake(), channel_id: channelId, content: '', embeds: [], components: [], flags: 0, ...p.message });
    const d = {
      ...this.base(p.user, p.roles ?? [], channelId, p.guildId ?? '600000000000000001'),
      type: 3,
      data: { custom_id: p.customId, component_type: 2 },
      message,
    };
    // The clicked message is the interaction's @original.
    this.originals.set(d.token, message.id as string);
    if (!this.messages.has(message.id as string)) this.messages.set(message.id as string, { ...(message as FakeMessage), edits: 0 });
    this.dispatchInteraction(d);
    return { id: d.id, token: d.token };
  }

  /** What the interaction with this token produced (accepted requests only): callback, edits of @original, follow-ups. */
  interaction(id: string, token: string) {
    const accepted = (r: RecordedRequest) => r.status > 0 && r.status < 300;
    const callbacks = this.find('POST', `/api/v10/interactions/${id}/${token}/callback`).filter(accepted);
    const edits = this.find('PATCH', `/api/v10/webhooks/${this.applicationId}/${token}/messages/@original`).filter(accepted);
    const followUps = this.find('POST', `/api/v10/webhooks/${this.applicationId}/${token}`).filter(accepted);
    const deletes = this.find('DELETE', `/api/v10/webhooks/${this.applicationId}/${token}/messages/@original`).filter(accepted);
    return { callbacks, edits, followUps, deletes };
  }

  /** The bytes of the attachment `filename` of message `messageId` (as stored: Discord's cleaned file name). */
  attachmentBytes(messageId: string, filename: string): Buffer | undefined {
    const a = attachmentsOf(this.messages.get(messageId)).find((x) => x.filename === filename || x.filename === cleanFilename(filename));
    return a ? this.attachmentData.get(a.id) : undefined;
  }

  // ---- gateway ---------------------------------------------------------------

  private send(ws: WebSocket, payload: any): void {
    this.gatewayFrames.push({ dir: 'out', payload, at: Date.now() });
    const s = ws as WebSocket & { seq?: number };
    if (payload.op === 0) payload.s = s.seq = (s.seq ?? 0) + 1;
    ws.send(JSON.stringify(payload));
  }

  private onSocket(ws: WebSocket): void {
    this.send(ws, { op: 10, d: { heartbeat_interval: 41250 } });
    ws.on('message', (data) => {
      let p: any;
      try {
        p = JSON.parse(String(data));
      } catch {
        ws.close(4002, 'Decode error');
        return;
      }
      this.gatewayFrames.push({ dir: 'in', payload: p, at: Date.now() });
      if (p.op === 1) this.send(ws, { op: 11 });
      else if (p.op === 2) {
        this.sockets.add(ws);
        this.send(ws, {
          op: 0,
          t: 'READY',
          d: {
            v: 10,
            user: this.botUser,
            guilds: [],
            session_id: randomBytes(16).toString('hex'),
            resume_gateway_url: this.gatewayUrl,
            shard: p.d?.shard ?? [0, 1],
            application: { id: this.applicationId, flags: 0 },
            user_settings: {},
            relationships: [],
            private_channels: [],
            presences: [],
            guild_join_requests: [],
            geo_ordered_rtc_regions: [],
          },
        });
      } else if (p.op === 6) {
        this.sockets.add(ws);
        this.send(ws, { op: 0, t: 'RESUMED', d: {} });
      }
    });
    ws.on('close', () => this.sockets.delete(ws));
  }

  // ---- REST ------------------------------------------------------------------

  private messageObject(m: Partial<FakeMessage> & { id: string; channel_id: string }): Record<string, unknown> {
    return {
      type: 0,
      content: '',
      embeds: [],
      components: [],
      attachments: [],
      mentions: [],
      mention_roles: [],
      mention_everyone: false,
      pinned: false,
      tts: false,
      flags: 0,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      author: this.botUser,
      ...m,
      edits: undefined,
    };
  }

  /** Discord's CDN address of an attachment (its bytes are served on the fake's port: see localAttachmentUrl). */
  private attachmentUrl(host: 'cdn.discordapp.com' | 'media.discordapp.net', channelId: string, id: string, filename: string): string {
    return `https://${host}/attachments/${channelId}/${id}/${encodeURIComponent(filename)}`;
  }

  /** Where the fake serves the bytes behind an attachment's `url` or `proxy_url`. */
  localAttachmentUrl(url: string): string {
    return url.replace(/^https:\/\/(cdn\.discordapp\.com|media\.discordapp\.net)/, `http://127.0.0.1:${this.port}`);
  }

  /**
   * Validates a message body and builds the message it makes (a new one, or `prev` edited).
   * Returns the HTTP refusal Discord would answer, or the message.
   */
  private compose(
    input: any,
    uploads: Upload[],
    o: { channelId: string; prev?: FakeMessage; errorPrefix?: string; id: string },
  ): { refusal: { status: number; json: any } } | { message: FakeMessage } {
    const body = input && typeof input === 'object' ? input : {};
    const errors = validateDiscordMessage(body);
    if (errors)
      return { refusal: { status: 400, json: { code: 50035, message: 'Invalid Form Body', errors: o.errorPrefix ? { [o.errorPrefix]: errors } : errors } } };

    // Attachments. New files become attachments; `attachments` in the body lists what to keep
    // (on an edit, "the `attachments` array must contain all attachments that should be present
    // after edit, including retained and new"; without it "any provided files will be appended",
    // https://discord.com/developers/docs/resources/message#edit-message). Placeholder ids are
    // the n of files[n] (…/reference#uploading-files).
    const fresh = uploads.map((u, i) => {
      const id = snowflake();
      const filename = cleanFilename(u.filename);
      this.attachmentData.set(id, u.data);
      const att: FakeAttachment = {
        id,
        filename,
        size: u.data.length,
        content_type: u.contentType || contentTypeFor(filename),
        url: this.attachmentUrl('cdn.discordapp.com', o.channelId, id, filename),
        proxy_url: this.attachmentUrl('media.discordapp.net', o.channelId, id, filename),
      };
      return { index: u.index ?? i, att, used: false };
    });
    let attachments: FakeAttachment[];
    if (Array.isArray(body.attachments)) {
      attachments = [];
      for (const a of body.attachments) {
        const keep = attachmentsOf(o.prev).find((x) => x.id === String(a?.id));
        if (keep) {
          attachments.push({ ...keep, ...(a.description !== undefined ? { description: a.description } : {}) });
          continue;
        }
        const n = fresh.find((x) => String(x.index) === String(a?.id));
        if (n) {
          n.used = true;
          attachments.push({
            ...n.att,
            ...(a.filename ? { filename: cleanFilename(String(a.filename)) } : {}),
            ...(a.description !== undefined ? { description: a.description } : {}),
            ...(a.title !== undefined ? { title: a.title } : {}),
          });
        }
      }
      // On a create, files[n] are attached whether or not `attachments` describes them.
      if (!o.prev) for (const n of fresh) if (!n.used) attachments.push(n.att);
    } else {
      attachments = [...attachmentsOf(o.prev), ...fresh.map((n) => n.att)];
    }

    const has = (k: string) => Object.prototype.hasOwnProperty.call(body, k);
    const content = has('content') ? (body.content ?? '') : (o.prev?.content ?? '');
    let embeds = has('embeds') ? (body.embeds ?? []) : (o.prev?.embeds ?? []);
    const components = has('components') ? (body.components ?? []) : (o.prev?.components ?? []);
    const flags = has('flags') ? (body.flags ?? 0) : (o.prev?.flags ?? 0);

    // "Images can also be referenced in embeds using the `attachment://filename` URL"
    // (…/reference#uploading-files): Discord looks for an attachment of that name in the message.
    // A name that matches nothing is not an error: the embed simply shows no image and the file
    // shows as a plain attachment (discordjs/discord.js#7253, bwmarrin/discordgo#810). The fake
    // drops that image and notes it in `warnings`. Names are compared after Discord's cleaning,
    // on both sides (discord/discord-api-docs#7754, fixed 2025-11). A resolved reference is kept
    // as sent (Discord also fills in proxy_url/width/height there [unverified; not modelled]).
    if (has('embeds') || uploads.length || Array.isArray(body.attachments)) {
      embeds = embeds.map((e: any, i: number) => {
        if (!e || typeof e !== 'object') return e;
        const out = { ...e };
        const check = (holder: string, key: string) => {
          const h = out[holder];
          const v = h?.[key];
          if (typeof v !== 'string' || !v.startsWith('attachment://')) return;
          const name = cleanFilename(v.slice('attachment://'.length));
          if (attachments.some((x) => x.filename === name)) return;
          this.warnings.push(`embeds[${i}].${holder}.${key}: ${v} matches no attachment of the message; Discord shows no image`);
          if (key === 'url') delete out[holder];
          else {
            const { [key]: _drop, ...rest } = h;
            out[holder] = rest;
          }
        };
        check('image', 'url');
        check('thumbnail', 'url');
        check('author', 'icon_url');
        check('footer', 'icon_url');
        return out;
      });
    }

    // "At least one of `content`, `embeds`, `sticker_ids`, `components`, `files[n]`, `poll` … is
    // required" (…/resources/message#create-message); otherwise 400 {code: 50006, message:
    // "Cannot send an empty message"} (discord-php/DiscordPHP#797; also answered to an
    // editReply that would empty a message, Mephisto5558/Teufelsbot#267).
    const empty =
      String(content).trim() === '' &&
      embeds.length === 0 &&
      components.length === 0 &&
      attachments.length === 0 &&
      !(Array.isArray(body.sticker_ids) && body.sticker_ids.length) &&
      !body.poll;
    if (empty) return { refusal: { status: 400, json: { code: 50006, message: 'Cannot send an empty message' } } };

    const { attachments: _a, payload_json: _p, ...rest } = body;
    const base: FakeMessage = o.prev
      ? { ...o.prev }
      : ({ id: o.id, channel_id: o.channelId, content: '', embeds: [], components: [], flags: 0, edits: 0 } as FakeMessage);
    const message: FakeMessage = {
      ...base,
      ...rest,
      id: base.id,
      channel_id: base.channel_id,
      content,
      embeds,
      components,
      flags,
      attachments,
      edits: o.prev ? o.prev.edits + 1 : 0,
      ...(o.prev ? { edited_timestamp: new Date().toISOString() } : {}),
    };
    return { message };
  }

  private async onHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const text = raw.toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    const method = (req.method ?? 'GET').toUpperCase();

    // Attachment bytes (the fake's CDN, see localAttachmentUrl): no authentication, like cdn.discordapp.com.
    const cdn = /^\/attachments\/[^/]+\/(\d+)\/[^/]+$/.exec(path);
    if (cdn && method === 'GET') {
      const data = this.attachmentData.get(cdn[1]);
      if (!data) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      return void res.writeHead(200, { 'content-type': contentTypeFor(path) }).end(data);
    }

    let body: any = text;
    let uploads: Upload[] = [];
    let badJson = false;
    const ct = String(req.headers['content-type'] ?? '');
    if (ct.includes('application/json') && text) {
      try {
        body = JSON.parse(text);
      } catch {
        badJson = true;
      }
    } else if (ct.includes('multipart/form-data')) {
      try {
        const form = await new Request('http://fake.invalid/', { method: 'POST', headers: { 'content-type': ct }, body: new Uint8Array(raw) }).formData();
        const fields: Record<string, any> = {};
        let payload: any;
        for (const [name, v] of form as unknown as Iterable<[string, string | File]>) {
          if (typeof v === 'string') {
            if (name === 'payload_json') payload = JSON.parse(v);
            else fields[name] = v;
          } else {
            const m = /^files\[(\d+)\]$/.exec(name);
            uploads.push({
              field: name,
              index: m ? Number(m[1]) : null,
              filename: v.name || 'unknown',
              contentType: v.type,
              data: Buffer.from(await v.arrayBuffer()),
            });
          }
        }
        // Without payload_json the JSON params travel as plain form fields (…/reference#uploading-files).
        body = payload ?? fields;
      } catch {
        badJson = true;
        uploads = [];
      }
    }
    const rec: RecordedRequest = {
      method,
      path,
      query: url.search,
      headers: req.headers,
      body,
      ...(uploads.length
        ? { files: uploads.map((u) => ({ field: u.field, index: u.index, filename: u.filename, contentType: u.contentType, size: u.data.length })) }
        : {}),
      status: 0,
      at: Date.now(),
    };
    this.requests.push(rec);

    const reply = (status: number, json?: unknown, headers: Record<string, string> = {}) => {
      rec.status = status;
      if (status >= 400 && json !== undefined) rec.error = json;
      // A 204 must carry no JSON content-type: discord.js would try to parse the empty body.
      if (json === undefined) res.writeHead(status, headers).end();
      else res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(json));
    };

    const down = this.outageMode;
    if (down === '503') return reply(503, { message: '503: Service Unavailable', code: 0 });
    const rule =
      typeof down === 'object'
        ? { status: 429, retryAfter: down.retryAfter, remaining: Infinity }
        : this.rules.find((r) => r.remaining > 0 && r.method === method && r.path.test(path));
    if (rule) {
      rule.remaining--;
      if (rule.status === 429) {
        const ra = rule.retryAfter ?? 0.2;
        return reply(
          429,
          { message: 'You are being rate limited.', retry_after: ra, global: false },
          {
            'retry-after': String(ra),
            'x-ratelimit-limit': '5',
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset-after': String(ra),
            'x-ratelimit-bucket': 'fake-bucket',
            'x-ratelimit-scope': 'user',
          },
        );
      }
      return reply(rule.status, { code: 0, message: `${rule.status}: injected failure` });
    }

    const m = (re: RegExp) => re.exec(path);
    let g: RegExpExecArray | null;
    const unauthenticated = /^\/api\/v10\/(interactions|webhooks)\//.test(path);
    if (!unauthenticated && !/^Bot \S{20,}$/.test(String(req.headers.authorization ?? ''))) return reply(401, { code: 0, message: '401: Unauthorized' });

    // 413 {"message": "Request entity too large", "code": 40005} for a file over the limit
    // (discord/discord-api-docs#8572, #6058) or a request over 25 MiB.
    if (uploads.some((u) => u.data.length > this.maxUploadBytes) || raw.length > this.maxRequestBytes)
      return reply(413, { code: 40005, message: 'Request entity too large' });
    // 50109 "The request body contains invalid JSON." (…/topics/opcodes-and-status-codes#json).
    if (badJson) return reply(400, { code: 50109, message: 'The request body contains invalid JSON.' });
    const rl = { 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '4', 'x-ratelimit-reset-after': '1', 'x-ratelimit-bucket': 'fake-bucket' };

    if (method === 'GET' && path === '/api/v10/gateway/bot') {
      return reply(200, { url: this.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 } });
    }
    if (method === 'GET' && path === '/api/v10/gateway') return reply(200, { url: this.gatewayUrl });
    if (method === 'GET' && path === '/api/v10/users/@me') return reply(200, this.botUser);
    if (method === 'GET' && path === '/api/v10/applications/@me') return reply(200, { id: this.applicationId, name: 'fake', flags: 0 });

    if ((g = m(/^\/api\/v10\/interactions\/(\d+)\/([^/]+)\/callback$/)) && method === 'POST') {
      const token = g[2];
      const type = body?.type;
      if (type === 4) {
        // CHANNEL_MESSAGE_WITH_SOURCE: the reply is the interaction's @original. Errors are
        // reported under `data` (discord/discord-api-docs#5837: {"errors": {"data": {"embeds": …}}}).
        const id = snowflake();
        const r = this.compose(body.data, uploads, { channelId: 'interaction', id, errorPrefix: 'data' });
        if ('refusal' in r) return reply(r.refusal.status, r.refusal.json);
        this.originals.set(token, id);
        this.messages.set(id, { ...(this.messageObject(r.message) as FakeMessage), edits: 0 });
      } else if (type === 5) {
        const id = snowflake();
        this.originals.set(token, id);
        this.messages.set(id, {
          ...(this.messageObject({ id, channel_id: 'interaction', ...(body.data ?? {}) }) as FakeMessage),
          flags: body.data?.flags ?? 0,
          edits: 0,
        });
      } else if (type === 7) {
        // UPDATE_MESSAGE edits the message the component is on.
        const prev = this.messages.get(this.originals.get(token) ?? '');
        if (prev) {
          const r = this.compose(body.data ?? {}, uploads, { channelId: prev.channel_id, prev, id: prev.id, errorPrefix: 'data' });
          if ('refusal' in r) return reply(r.refusal.status, r.refusal.json);
          this.messages.set(prev.id, r.message);
        } else {
          const errors = validateDiscordMessage(body.data ?? {});
          if (errors) return reply(400, { code: 50035, message: 'Invalid Form Body', errors: { data: errors } });
        }
      }
      return reply(204);
    }
    if ((g = m(/^\/api\/v10\/webhooks\/(\d+)\/([^/]+)\/messages\/@original$/))) {
      const token = g[2];
      const id = this.originals.get(token);
      if (!id) return reply(404, { code: 10015, message: 'Unknown Webhook' });
      if (method === 'DELETE') {
        this.messages.delete(id);
        return reply(204);
      }
      if (method === 'PATCH') {
        const prev = this.messages.get(id) ?? ({ id, channel_id: 'interaction', content: '', embeds: [], components: [], flags: 0, edits: 0 } as FakeMessage);
        const r = this.compose(body, uploads, { channelId: prev.channel_id, prev, id });
        if ('refusal' in r) return reply(r.refusal.status, r.refusal.json);
        this.messages.set(id, r.message);
        return reply(200, this.messageObject(r.message));
      }
      if (method === 'GET') return reply(200, this.messageObject(this.messages.get(id)!));
    }
    if ((g = m(/^\/api\/v10\/webhooks\/(\d+)\/([^/]+)$/)) && method === 'POST') {
      const id = snowflake();
      const r = this.compose(body, uploads, { channelId: 'interaction', id });
      if ('refusal' in r) return reply(r.refusal.status, r.refusal.json);
      const msg = { ...(this.messageObject(r.message) as FakeMessage), flags: r.message.flags ?? 0, edits: 0 };
      this.messages.set(id, msg);
      return reply(200, this.messageObject(msg));
    }
    if ((g = m(/^\/api\/v10\/channels\/(\d+)\/messages$/)) && method === 'POST') {
      const id = snowflake();
      const r = this.compose(body, uploads, { channelId: g[1], id });
      if ('refusal' in r) return reply(r.refusal.status, r.refusal.json);
      const msg = { ...(this.messageObject(r.message) as FakeMessage), edits: 0 };
      this.messages.set(id, msg);
      return reply(200, this.messageObject(msg), rl);
    }
    if ((g = m(/^\/api\/v10\/channels\/(\d+)\/messages\/(\d+)$/))) {
      const prev = this.messages.get(g[2]);
      if (!prev || prev.channel_id !== g[1]) return reply(404, { code: 10008, message: 'Unknown Message' });
      if (method === 'PATCH') {
        const r = this.compose(body, uploads, { channelId: g[1], prev, id: g[2] });
        if ('refusal' in r) return reply(r.refusal.status, r.refusal.json);
        this.messages.set(g[2], r.message);
        return reply(200, this.messageObject(r.message), rl);
      }
      if (method === 'DELETE') {
        this.messages.delete(g[2]);
        return reply(204);
      }
      if (method === 'GET') return reply(200, this.messageObject(prev));
    }
    if ((g = m(/^\/api\/v10\/applications\/(\d+)\/(?:guilds\/(\d+)\/)?commands$/)) && (method === 'PUT' || method === 'GET')) {
      const key = g[2] ? `guild:${g[2]}` : 'global';
      if (method === 'PUT') {
        const list = (Array.isArray(body) ? body : []).map((c: any) => ({
          id: snowflake(),
          application_id: g![1],
          version: snowflake(),
          ...(g![2] ? { guild_id: g![2] } : {}),
          ...c,
        }));
        this.commands.set(key, list);
        return reply(200, list);
      }
      return reply(200, this.commands.get(key) ?? []);
    }
    return reply(404, { code: 0, message: '404: Not Found' });
  }

  /** Channel messages the fake holds for a channel (what a user would see). */
  channelMessages(channelId: string): FakeMessage[] {
    return [...this.messages.values()].filter((x) => x.channel_id === channelId);
  }

  async stop(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------------------
// Message validation: what Discord refuses with 400 {code: 50035, message: "Invalid Form Body",
// errors: {<path>: {_errors: [{code, message}]}}}, e.g.
// {"code": 50035, "errors": {"embeds": {"0": {"title": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH",
//  "message": "Must be 256 or fewer in length."}]}}}}, "message": "Invalid Form Body"}
// (shape: discord/discord-api-docs#3013, #5837; member-gentei/member-gentei PR #127).

interface Upload {
  field: string;
  index: number | null;
  filename: string;
  contentType: string;
  data: Buffer;
}

type ErrorTree = { _errors?: { code: string; message: string }[]; [k: string]: any };

const IS_COMPONENTS_V2 = 1 << 15;

/** Length as Discord counts it: Unicode code points. */
const len = (s: string) => [...s].length;

/** Returns the nested `errors` object of a 50035 answer, or null when the body is valid. */
export function validateDiscordMessage(m: any): ErrorTree | null {
  const errors: ErrorTree = {};
  const add = (path: (string | number)[], code: string, message: string) => {
    let node = errors;
    for (const k of path) node = node[String(k)] ??= {};
    (node._errors ??= []).push({ code, message });
  };
  const maxLen = (v: unknown, max: number, path: (string | number)[], trim = false) => {
    if (typeof v === 'string' && len(trim ? v.trim() : v) > max) add(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
  };
  const url = (v: unknown, path: (string | number)[], o: { attachment?: boolean; schemes?: string[] } = {}) => {
    if (v === undefined || v === null) return;
    const s = String(v);
    if (o.attachment && s.startsWith('attachment://')) return;
    const schemes = o.schemes ?? ['http', 'https'];
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(s)?.[1]?.toLowerCase() ?? '';
    // 'Scheme "" is not supported. Scheme must be one of (\'http\', \'https\').' with code
    // URL_TYPE_INVALID_SCHEME (discord/discord-api-docs#5837; discordjs/discord.js#3646 for steam://).
    if (!schemes.includes(scheme))
      return add(path, 'URL_TYPE_INVALID_SCHEME', `Scheme "${scheme}" is not supported. Scheme must be one of (${schemes.map((x) => `'${x}'`).join(', ')}).`);
    // "embeds[0].thumbnail.url[URL_TYPE_INVALID_URL]: Not a well formed URL." (alexemanuelol/rustplusplus#255).
    let parsed: URL | undefined;
    try {
      parsed = new URL(s);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (scheme !== 'discord' && !parsed.hostname) || /\s/.test(s)) add(path, 'URL_TYPE_INVALID_URL', 'Not a well formed URL.');
  };

  // content: "up to 2000 characters" (https://discord.com/developers/docs/resources/message#create-message).
  maxLen(m.content, 2000, ['content']);

  // Embed limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits):
  // title 256, description 4096, up to 25 fields, field.name 256, field.value 1024, footer.text 2048,
  // author.name 256; leading and trailing whitespace is not counted; "the combined sum of characters
  // in all title, description, field.name, field.value, footer.text, and author.name fields across
  // all embeds attached to a message must not exceed 6000 characters"; up to 10 embeds.
  if (Array.isArray(m.embeds)) {
    if (m.embeds.length > 10) add(['embeds'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
    let total = 0;
    const count = (v: unknown) => (typeof v === 'string' ? len(v.trim()) : 0);
    m.embeds.forEach((e: any, i: number) => {
      if (!e || typeof e !== 'object') return add(['embeds', i], 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType'); // [guessed]
      const p = ['embeds', i];
      maxLen(e.title, 256, [...p, 'title'], true);
      maxLen(e.description, 4096, [...p, 'description'], true);
      url(e.url, [...p, 'url']);
      if (Array.isArray(e.fields)) {
        if (e.fields.length > 25) add([...p, 'fields'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
        e.fields.forEach((f: any, j: number) => {
          // name and value are required (embed field structure).
          if (f?.name === undefined || f?.name === null) add([...p, 'fields', j, 'name'], 'BASE_TYPE_REQUIRED', 'This field is required');
          if (f?.value === undefined || f?.value === null) add([...p, 'fields', j, 'value'], 'BASE_TYPE_REQUIRED', 'This field is required');
          maxLen(f?.name, 256, [...p, 'fields', j, 'name'], true);
          maxLen(f?.value, 1024, [...p, 'fields', j, 'value'], true);
          total += count(f?.name) + count(f?.value);
        });
      }
      if (e.footer) {
        maxLen(e.footer.text, 2048, [...p, 'footer', 'text'], true);
        url(e.footer.icon_url, [...p, 'footer', 'icon_url'], { attachment: true });
      }
      if (e.author) {
        maxLen(e.author.name, 256, [...p, 'author', 'name'], true);
        url(e.author.url, [...p, 'author', 'url']);
        url(e.author.icon_url, [...p, 'author', 'icon_url'], { attachment: true });
      }
      // Images may name an uploaded file: "attachment://filename" (…/reference#uploading-files).
      if (e.image) url(e.image.url, [...p, 'image', 'url'], { attachment: true });
      if (e.thumbnail) url(e.thumbnail.url, [...p, 'thumbnail', 'url'], { attachment: true });
      total += count(e.title) + count(e.description) + count(e.footer?.text) + count(e.author?.name);
    });
    // {"embeds": {"_errors": [{"code": "MAX_EMBED_SIZE_EXCEEDED", "message": "Embed size exceeds maximum size of 6000"}]}}
    // (NelsonDane/auto-rsa PR #451).
    if (total > 6000) add(['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
  }

  // Components (https://discord.com/developers/docs/components/reference): a (non-V2) message has up
  // to 5 action rows; a row holds 1-5 buttons or a single select; button label max 80; custom_id
  // 1-100 characters, required on non-link buttons and unique in the message; link buttons (style 5)
  // "must have a url, and cannot have a custom_id", url max 512.
  const flags = Number(m.flags ?? 0);
  if (Array.isArray(m.components) && !(flags & IS_COMPONENTS_V2)) {
    if (m.components.length > 5) add(['components'], 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.');
    const seen = new Set<string>();
    m.components.forEach((row: any, i: number) => {
      const rp = ['components', i];
      if (!row || row.type !== 1) return add([...rp, 'type'], 'UNION_TYPE_CHOICES', `Value of field "type" must be one of (1,).`); // [guessed]
      const kids = row.components;
      // Six buttons in a row: "Must be between 1 and 5 in length." [code BASE_TYPE_BAD_LENGTH as for other bounded arrays]
      if (!Array.isArray(kids) || kids.length < 1 || kids.length > 5) add([...rp, 'components'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 5 in length.');
      if (!Array.isArray(kids)) return;
      const selects = kids.filter((c: any) => [3, 5, 6, 7, 8].includes(c?.type)).length;
      if (selects && kids.length > 1) add([...rp, 'components'], 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', 'The specified component exceeds the maximum width'); // [guessed message]
      kids.forEach((c: any, j: number) => {
        const p = [...rp, 'components', j];
        if (!c || typeof c !== 'object') return;
        const customId = (required: boolean) => {
          if (c.custom_id === undefined || c.custom_id === null) {
            if (required) add([...p, 'custom_id'], 'BASE_TYPE_REQUIRED', 'This field is required');
            return;
          }
          const id = String(c.custom_id);
          if (len(id) < 1 || len(id) > 100) add([...p, 'custom_id'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
          // Discord rejects the whole message with COMPONENT_CUSTOM_ID_DUPLICATED when two
          // components share a custom_id ("must be unique per component", components reference).
          if (seen.has(id)) add([...p, 'custom_id'], 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated'); // [message guessed]
          seen.add(id);
        };
        if (c.type === 2) {
          maxLen(c.label, 80, [...p, 'label']);
          if (c.style === 5) {
            if (c.url === undefined || c.url === null || c.url === '') add([...p, 'url'], 'BASE_TYPE_REQUIRED', 'This field is required');
            else {
              maxLen(c.url, 512, [...p, 'url']);
              url(c.url, [...p, 'url'], { schemes: ['http', 'https', 'discord'] });
            }
            if (c.custom_id !== undefined && c.custom_id !== null)
              add([...p, 'custom_id'], 'BUTTON_COMPONENT_CUSTOM_ID_URL_MUTUALLY_EXCLUSIVE', 'A custom id and url cannot both be specified'); // [guessed]
          } else if (c.style === 6) {
            if (!c.sku_id) add([...p, 'sku_id'], 'BASE_TYPE_REQUIRED', 'This field is required');
          } else {
            customId(true);
            if (c.url !== undefined && c.url !== null)
              add([...p, 'url'], 'BUTTON_COMPONENT_CUSTOM_ID_URL_MUTUALLY_EXCLUSIVE', 'A custom id and url cannot both be specified'); // [guessed]
          }
        } else if ([3, 4, 5, 6, 7, 8].includes(c.type)) {
          customId(true);
        }
      });
    });
  }
  return Object.keys(errors).length ? errors : null;
}

/**
 * The file name Discord stores: cleaned like werkzeug's secure_filename (ASCII only, whitespace
 * runs → "_", only [A-Za-z0-9_.-], no leading/trailing "." or "_") (discord/discord-api-docs#7754;
 * spaces become underscores, discordjs/discord.js#7253).
 */
export function cleanFilename(name: string): string {
  let s = name.normalize('NFKD').replace(/[^ -~\t\n\r]/g, '');
  s = s.replace(/[/\\]/g, ' ');
  s = s.trim().split(/\s+/).join('_');
  s = s.replace(/[^A-Za-z0-9_.-]/g, '');
  s = s.replace(/^[._]+|[._]+$/g, '');
  return s || 'unknown';
}

/** The attachments of a stored message. */
export function attachmentsOf(m: { attachments?: unknown; [k: string]: unknown } | undefined): FakeAttachment[] {
  return Array.isArray(m?.attachments) ? (m.attachments as FakeAttachment[]) : [];
}

function contentTypeFor(name: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? '';
  const types: Record<string, string> = {
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    gif: 'image/gif',
    webp: 'image/webp',
    mp4: 'video/mp4',
    mov: 'video/quicktime',
    webm: 'video/webm',
    txt: 'text/plain; charset=utf-8',
    json: 'application/json',
    pdf: 'application/pdf',
  };
  return types[ext] ?? 'application/octet-stream';
}
