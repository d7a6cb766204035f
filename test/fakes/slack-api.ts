// A local fake of Slack's Web API and response_url endpoint, on 127.0.0.1:<random>.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  body: Record<string, any>;
  status: number;
  authorization?: string;
}

export interface RecordedResponse {
  id: string;
  body: Record<string, any>;
}

export interface FakeSlackApi {
  url: string;
  calls: RecordedCall[];
  responses: RecordedResponse[];
  /** Calls of a Web API method that were answered ok (i.e. delivered). */
  delivered(method: string): RecordedCall[];
  /** The next call of `method` is answered HTTP 429 with Retry-After: `seconds`. */
  rateLimitOnce(method: string, seconds: number): void;
  responseUrl(id: string): string;
  close(): Promise<void>;
}

export async function startFakeSlackApi(): Promise<FakeSlackApi> {
  const calls: RecordedCall[] = [];
  const responses: RecordedResponse[] = [];
  const rateLimits = new Map<string, number>();
  let tsCounter = 0;
  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++tsCounter).padStart(6, '0')}`;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://x');
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        res.end(JSON.stringify(body));
      };

      const resp = /^\/response\/([^/]+)$/.exec(url.pathname);
      if (resp && req.method === 'POST') {
        responses.push({ id: resp[1], body: raw ? JSON.parse(raw) : {} });
        return send(200, { ok: true });
      }

      const api = /^\/api\/([a-zA-Z.]+)$/.exec(url.pathname);
      if (!api || req.method !== 'POST') return send(404, { ok: false, error: 'unknown_url' });
      const method = api[1];
      const body = parseWebApiBody(raw, String(req.headers['content-type'] ?? ''));
      const authorization = req.headers.authorization;
      const record = (status: number) => calls.push({ method, body, status, authorization });

      const limit = rateLimits.get(method);
      if (limit !== undefined) {
        rateLimits.delete(method);
        record(429);
        return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(limit) });
      }
      if (!authorization?.startsWith('Bearer xox')) {
        record(200);
        return send(200, { ok: false, error: 'not_authed' });
      }
      record(200);
      switch (method) {
        case 'auth.test':
          return send(200, { ok: true, url: 'https://fake.slack.com/', team: 'Fake', user: 'affiliate-bot', team_id: 'TFAKE', user_id: 'UBOT', bot_id: 'BBOT' });
        case 'chat.postMessage': {
          const ts = nextTs();
          return send(200, { ok: true, channel: body.channel, ts, message: { type: 'message', user: 'UBOT', bot_id: 'BBOT', text: body.text, blocks: body.blocks, ts, ...(body.thread_ts ? { thread_ts: body.thread_ts } : {}) } });
        }
        case 'chat.update':
          return send(200, { ok: true, channel: body.channel, ts: body.ts, text: body.text, message: { text: body.text, blocks: body.blocks } });
        case 'chat.postEphemeral':
          return send(200, { ok: true, message_ts: nextTs() });
        default:
          return send(200, { ok: false, error: 'unknown_method' });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    calls,
    responses,
    delivered: (method) => calls.filter((c) => c.method === method && c.status === 200),
    rateLimitOnce: (method, seconds) => void rateLimits.set(method, seconds),
    responseUrl: (id) => `${url}/response/${id}`,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** WebClient posts form-encoded fields, with objects/arrays as JSON strings. */
function parseWebApiBody(raw: string, contentType: string): Record<string, any> {
  if (!raw) return {};
  if (contentType.includes('application/json')) return JSON.parse(raw);
  const out: Record<string, any> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    out[k] = /^[[{]/.test(v) ? safeJson(v) : v;
  }
  return out;
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

// ---------------------------------------------------------------------------
// What Slack sends us: signed requests.

export function slackSignature(secret: string, timestamp: number | string, rawBody: string): string {
  return 'v0=' + createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex');
}

export interface SignedRequestOptions {
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Sign with this secret instead (a forgery). */
  forgeWith?: string;
  retryNum?: number;
  contentType?: string;
}

/** POSTs `rawBody` to `url` signed like Slack does; returns status, body and the time taken. */
export async function postSignedToSlackEndpoint(url: string, secret: string, rawBody: string, opts: SignedRequestOptions = {}): Promise<{ status: number; text: string; ms: number }> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': slackSignature(opts.forgeWith ?? secret, ts, rawBody),
  };
  if (opts.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(opts.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  const started = Date.now();
  const r = await fetch(url, { method: 'POST', headers, body: rawBody });
  const text = await r.text();
  return { status: r.status, text, ms: Date.now() - started };
}

/** A slash command body as Slack form-encodes it. */
export function slashCommandBody(o: { command: string; text: string; userId: string; userName?: string; channelId?: string; responseUrl: string }): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'TFAKE',
    team_domain: 'fake',
    channel_id: o.channelId ?? 'C_OPS',
    channel_name: 'ops',
    user_id: o.userId,
    user_name: o.userName ?? o.userId.toLowerCase(),
    command: o.command,
    text: o.text,
    api_app_id: 'AFAKE',
    is_enterprise_install: 'false',
    response_url: o.responseUrl,
    trigger_id: `trigger-${Date.now()}`,
  }).toString();
}

/** A block_actions interaction for a button click, form-encoded as `payload=<json>`. */
export function buttonClickBody(o: { actionId: string; userId: string; userName?: string; channelId: string; messageTs: string; responseUrl: string; message?: Record<string, unknown> }): string {
  const payload = {
    type: 'block_actions',
    user: { id: o.userId, username: o.userName ?? o.userId.toLowerCase(), name: o.userName ?? o.userId.toLowerCase(), team_id: 'TFAKE' },
    api_app_id: 'AFAKE',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: o.messageTs, channel_id: o.channelId, is_ephemeral: false },
    trigger_id: `trigger-${Date.now()}`,
    team: { id: 'TFAKE', domain: 'fake' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: o.channelId, name: 'approvals' },
    message: { type: 'message', ts: o.messageTs, user: 'UBOT', bot_id: 'BBOT', ...(o.message ?? {}) },
    state: { values: {} },
    response_url: o.responseUrl,
    actions: [{ type: 'button', action_id: o.actionId, block_id: 'b1', value: o.actionId, text: { type: 'plain_text', text: 'button' }, action_ts: `${Date.now() / 1000}` }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
