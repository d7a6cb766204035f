// A local fake of Discord for tests: the REST API under /api/v10 and a gateway
// WebSocket on the same port, speaking the real protocol (HELLO → IDENTIFY →
// READY, heartbeats acked), so discord.js itself is exercised end to end.
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
  body: any;
  status: number;
  at: number;
}

export interface FakeMessage {
  id: string;
  channel_id: string;
  content: string;
  embeds: any[];
  components: any[];
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
  private readonly sockets = new Set<WebSocket>();
  private readonly rules: FailRule[] = [];
  /** Webhook @original message per interaction token. */
  private readonly originals = new Map<string, string>();
  private server!: http.Server;
  private wss!: WebSocketServer;
  port = 0;

  private constructor(opts: { applicationId?: string }) {
    this.applicationId = opts.applicationId ?? '123456789012345678';
  }

  static async start(opts: { applicationId?: string } = {}): Promise<FakeDiscord> {
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
      member: { user: { id: user.id, username: user.username, discriminator: '0', global_name: user.username, avatar: null }, roles, permissions: '2248473465835073', joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0, nick: null, avatar: null, pending: false },
      app_permissions: '2248473465835073',
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': guildId },
      context: 0,
    };
  }

  /** A slash command: `/name sub option:value …`. Returns the interaction's id and token. */
  slashCommand(p: { name: string; sub?: string; options?: Record<string, string | number | boolean>; user: FakeUser; roles?: string[]; channelId?: string; guildId?: string }): { id: string; token: string } {
    const typeOf = (v: unknown) => (typeof v === 'boolean' ? 5 : typeof v === 'number' ? 4 : 3);
    const opts = Object.entries(p.options ?? {}).map(([name, value]) => ({ name, type: typeOf(value), value }));
    const d = {
      ...this.base(p.user, p.roles ?? [], p.channelId ?? '700000000000000001', p.guildId ?? '600000000000000001'),
      type: 2,
      data: { id: snowflake(), name: p.name, type: 1, guild_id: p.guildId ?? '600000000000000001', options: p.sub ? [{ type: 1, name: p.sub, options: opts }] : opts },
    };
    this.dispatchInteraction(d);
    return { id: d.id, token: d.token };
  }

  /** A button click on `message` (a message the fake recorded, or a made-up one). */
  buttonClick(p: { customId: string; user: FakeUser; roles?: string[]; message?: Partial<FakeMessage>; channelId?: string; guildId?: string }): { id: string; token: string } {
    const channelId = p.message?.channel_id ?? p.channelId ?? '700000000000000001';
    const message = this.messageObject({ id: snowflake(), channel_id: channelId, content: '', embeds: [], components: [], flags: 0, ...p.message });
    const d = { ...this.base(p.user, p.roles ?? [], channelId, p.guildId ?? '600000000000000001'), type: 3, data: { custom_id: p.customId, component_type: 2 }, message };
    // The clicked message is the interaction's @original.
    this.originals.set(d.token, message.id as string);
    if (!this.messages.has(message.id as string)) this.messages.set(message.id as string, { ...(message as FakeMessage), edits: 0 });
    this.dispatchInteraction(d);
    return { id: d.id, token: d.token };
  }

  /** What the interaction with this token produced: callback, edits of @original, follow-ups. */
  interaction(id: string, token: string) {
    const callbacks = this.find('POST', `/api/v10/interactions/${id}/${token}/callback`).filter((r) => r.status < 300);
    const edits = this.find('PATCH', `/api/v10/webhooks/${this.applicationId}/${token}/messages/@original`);
    const followUps = this.find('POST', `/api/v10/webhooks/${this.applicationId}/${token}`);
    const deletes = this.find('DELETE', `/api/v10/webhooks/${this.applicationId}/${token}/messages/@original`);
    return { callbacks, edits, followUps, deletes };
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
          d: { v: 10, user: this.botUser, guilds: [], session_id: randomBytes(16).toString('hex'), resume_gateway_url: this.gatewayUrl, shard: p.d?.shard ?? [0, 1], application: { id: this.applicationId, flags: 0 }, user_settings: {}, relationships: [], private_channels: [], presences: [], guild_join_requests: [], geo_ordered_rtc_regions: [] },
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

  private async onHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: any = text;
    const ct = String(req.headers['content-type'] ?? '');
    if (ct.includes('application/json') && text) body = JSON.parse(text);
    else if (ct.includes('multipart/form-data')) {
      const m = /name="payload_json"[^]*?\r\n\r\n([^]*?)\r\n--/.exec(text);
      body = m ? JSON.parse(m[1]) : text;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    const method = (req.method ?? 'GET').toUpperCase();
    const rec: RecordedRequest = { method, path, query: url.search, headers: req.headers, body, status: 0, at: Date.now() };
    this.requests.push(rec);

    const reply = (status: number, json?: unknown, headers: Record<string, string> = {}) => {
      rec.status = status;
      // A 204 must carry no JSON content-type: discord.js would try to parse the empty body.
      if (json === undefined) res.writeHead(status, headers).end();
      else res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(json));
    };

    const rule = this.rules.find((r) => r.remaining > 0 && r.method === method && r.path.test(path));
    if (rule) {
      rule.remaining--;
      if (rule.status === 429) {
        const ra = rule.retryAfter ?? 0.2;
        return reply(429, { message: 'You are being rate limited.', retry_after: ra, global: false }, { 'retry-after': String(ra), 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': String(ra), 'x-ratelimit-bucket': 'fake-bucket', 'x-ratelimit-scope': 'user' });
      }
      return reply(rule.status, { code: 0, message: `${rule.status}: injected failure` });
    }

    const m = (re: RegExp) => re.exec(path);
    let g: RegExpExecArray | null;
    const unauthenticated = /^\/api\/v10\/(interactions|webhooks)\//.test(path);
    if (!unauthenticated && !/^Bot \S{20,}$/.test(String(req.headers.authorization ?? ''))) return reply(401, { code: 0, message: '401: Unauthorized' });
    const rl = { 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '4', 'x-ratelimit-reset-after': '1', 'x-ratelimit-bucket': 'fake-bucket' };

    if (method === 'GET' && path === '/api/v10/gateway/bot') {
      return reply(200, { url: this.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 } });
    }
    if (method === 'GET' && path === '/api/v10/gateway') return reply(200, { url: this.gatewayUrl });
    if (method === 'GET' && path === '/api/v10/users/@me') return reply(200, this.botUser);
    if (method === 'GET' && path === '/api/v10/applications/@me') return reply(200, { id: this.applicationId, name: 'fake', flags: 0 });

    if ((g = m(/^\/api\/v10\/interactions\/(\d+)\/([^/]+)\/callback$/)) && method === 'POST') {
      const token = g[2];
      if (body?.type === 4 || body?.type === 5) {
        const id = snowflake();
        this.originals.set(token, id);
        this.messages.set(id, { ...(this.messageObject({ id, channel_id: 'interaction', ...(body.data ?? {}) }) as FakeMessage), flags: body.data?.flags ?? 0, edits: 0 });
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
        const prev = this.messages.get(id);
        const next = { ...(prev ?? {}), ...body, id, edits: (prev?.edits ?? 0) + 1 } as FakeMessage;
        this.messages.set(id, next);
        return reply(200, this.messageObject(next));
      }
      if (method === 'GET') return reply(200, this.messageObject(this.messages.get(id)!));
    }
    if ((g = m(/^\/api\/v10\/webhooks\/(\d+)\/([^/]+)$/)) && method === 'POST') {
      const id = snowflake();
      const msg = { ...(this.messageObject({ id, channel_id: 'interaction', ...body }) as FakeMessage), flags: body?.flags ?? 0, edits: 0 };
      this.messages.set(id, msg);
      return reply(200, this.messageObject(msg));
    }
    if ((g = m(/^\/api\/v10\/channels\/(\d+)\/messages$/)) && method === 'POST') {
      const id = snowflake();
      const msg = { ...(this.messageObject({ id, channel_id: g[1], ...body }) as FakeMessage), edits: 0 };
      this.messages.set(id, msg);
      return reply(200, this.messageObject(msg), rl);
    }
    if ((g = m(/^\/api\/v10\/channels\/(\d+)\/messages\/(\d+)$/))) {
      const prev = this.messages.get(g[2]);
      if (!prev || prev.channel_id !== g[1]) return reply(404, { code: 10008, message: 'Unknown Message' });
      if (method === 'PATCH') {
        const next = { ...prev, ...body, id: g[2], edits: prev.edits + 1 } as FakeMessage;
        this.messages.set(g[2], next);
        return reply(200, this.messageObject(next), rl);
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
        const list = (Array.isArray(body) ? body : []).map((c: any) => ({ id: snowflake(), application_id: g![1], version: snowflake(), ...(g![2] ? { guild_id: g![2] } : {}), ...c }));
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
