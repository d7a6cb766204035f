/**
 * Obtaining a platform's OAuth tokens once, by the operator's consent in a browser
 * (`npm run connect -- youtube|tiktok|instagram`, scripts/connect.ts): the consent URL
 * (state, and PKCE where the platform takes it), a loopback HTTP server on 127.0.0.1
 * that receives the redirect, the code exchange, the account's name, the vault.
 *
 * - Google, installed apps: a "Desktop app" OAuth client accepts http://127.0.0.1:<any port>
 *   without registration; PKCE S256 (base64url); access_type=offline + prompt=consent for a refresh token.
 * - TikTok Login Kit for Desktop: the redirect URI must be registered; loopback hosts and a wildcard
 *   port are allowed (http://127.0.0.1:*\/callback/). PKCE is required and its challenge is the
 *   HEX sha256 of the verifier (not base64url, unlike RFC 7636).
 * - Instagram API with Instagram Login: Meta accepts only https redirect URIs registered in the app
 *   dashboard, so the redirect usually cannot reach this machine: the operator pastes the address
 *   the browser ended on (or passes --code / --redirected-url). Code → short-lived token
 *   (api.instagram.com/oauth/access_token) → long-lived token (graph.instagram.com/access_token,
 *   grant_type=ig_exchange_token, 60 days; the publisher renews it with refresh_access_token).
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { PlatformName } from '../../config.js';
import type { StoredToken, TokenVault } from './types.js';

export const CONNECT_PLATFORMS = ['youtube', 'tiktok', 'instagram'] as const;
export type ConnectPlatform = (typeof CONNECT_PLATFORMS)[number];

export const PLATFORM_OF: Record<ConnectPlatform, PlatformName> = { youtube: 'YOUTUBE', tiktok: 'TIKTOK', instagram: 'INSTAGRAM' };
const LABEL: Record<ConnectPlatform, string> = { youtube: 'YouTube', tiktok: 'TikTok', instagram: 'Instagram' };

export const SCOPES: Record<ConnectPlatform, readonly string[]> = {
  youtube: [
    'https://www.googleapis.com/auth/youtube.upload',
    'https://www.googleapis.com/auth/youtube.readonly',
    'https://www.googleapis.com/auth/yt-analytics.readonly',
  ],
  tiktok: ['user.info.basic', 'video.publish', 'video.upload', 'video.list'],
  instagram: ['instagram_business_basic', 'instagram_business_content_publish', 'instagram_business_manage_insights'],
};

export const DEFAULT_URLS = {
  googleAuthorize: 'https://accounts.google.com/o/oauth2/v2/auth',
  googleToken: 'https://oauth2.googleapis.com/token',
  youtubeApi: 'https://www.googleapis.com',
  tiktokAuthorize: 'https://www.tiktok.com/v2/auth/authorize/',
  tiktokApi: 'https://open.tiktokapis.com',
  instagramAuthorize: 'https://www.instagram.com/oauth/authorize',
  instagramToken: 'https://api.instagram.com/oauth/access_token',
  instagramGraph: 'https://graph.instagram.com',
} as const;

/** A failure the operator can act on; the message never holds a token. */
export class ConnectError extends Error {
  override name = 'ConnectError';
}

export interface OAuthClient {
  /** Google client_id, TikTok client_key, Instagram app id. */
  clientId: string;
  clientSecret: string;
}

export interface ConnectEndpoints {
  authorize: string; // the consent page
  /** Where the code is exchanged: Google's token URL, TikTok's /v2/oauth/token/, Instagram's short-lived exchange. */
  token: string;
  /** The API that names the account: YouTube, TikTok or Instagram Graph base URL. */
  api: string;
  /** Instagram: where the short-lived token becomes a long-lived one (grant_type=ig_exchange_token). */
  longLived?: string;
}

/** The settings the publishers use for the same hosts (unset: the real services). */
export interface EndpointSettings {
  GOOGLE_OAUTH_TOKEN_URL?: string;
  YOUTUBE_API_URL?: string;
  TIKTOK_API_URL?: string;
  INSTAGRAM_GRAPH_URL?: string;
}

const trimSlash = (u: string) => u.replace(/\/+$/, '');

export function connectEndpoints(platform: ConnectPlatform, s: EndpointSettings, authorizeOverride?: string): ConnectEndpoints {
  if (platform === 'youtube') {
    return {
      authorize: authorizeOverride ?? DEFAULT_URLS.googleAuthorize,
      token: s.GOOGLE_OAUTH_TOKEN_URL ?? DEFAULT_URLS.googleToken,
      api: trimSlash(s.YOUTUBE_API_URL ?? DEFAULT_URLS.youtubeApi),
    };
  }
  if (platform === 'tiktok') {
    const api = trimSlash(s.TIKTOK_API_URL ?? DEFAULT_URLS.tiktokApi);
    return { authorize: authorizeOverride ?? DEFAULT_URLS.tiktokAuthorize, token: `${api}/v2/oauth/token/`, api };
  }
  // Tokens from Instagram Login work on graph.instagram.com only (graph.facebook.com takes Facebook-Login tokens):
  // a Meta host in INSTAGRAM_GRAPH_URL becomes graph.instagram.com with the same version; any other host (a local
  // fake) serves everything, the unversioned OAuth paths at its origin as Meta does.
  const configured = new URL(trimSlash(s.INSTAGRAM_GRAPH_URL ?? DEFAULT_URLS.instagramGraph));
  const meta = /(^|\.)(facebook|instagram)\.com$/.test(configured.hostname);
  const origin = meta ? DEFAULT_URLS.instagramGraph : configured.origin;
  return {
    authorize: authorizeOverride ?? DEFAULT_URLS.instagramAuthorize,
    token: meta ? DEFAULT_URLS.instagramToken : `${origin}/oauth/access_token`,
    longLived: `${origin}/access_token`,
    api: trimSlash(`${origin}${configured.pathname}`),
  };
}

export type Pkce = { verifier: string; challenge: string };

/** RFC 7636 S256 (base64url of the sha256), or TikTok's variant (hex of the sha256). */
export function createPkce(encoding: 'base64url' | 'hex'): Pkce {
  const verifier = randomBytes(48).toString('base64url'); // 64 unreserved characters
  const digest = createHash('sha256').update(verifier).digest();
  return { verifier, challenge: digest.toString(encoding) };
}

const PKCE_ENCODING: Record<ConnectPlatform, 'base64url' | 'hex' | null> = { youtube: 'base64url', tiktok: 'hex', instagram: null };
/** Google takes the bare loopback origin; TikTok wants a static registered path. */
const REDIRECT_PATH: Record<ConnectPlatform, string> = { youtube: '', tiktok: '/callback/', instagram: '/callback/' };

export interface AuthorizeParams {
  clientId: string;
  redirectUri: string;
  state: string;
  pkce?: Pkce;
}

export function authorizeUrl(platform: ConnectPlatform, base: string, p: AuthorizeParams): string {
  const params: Record<string, string> = {
    [platform === 'tiktok' ? 'client_key' : 'client_id']: p.clientId,
    redirect_uri: p.redirectUri,
    response_type: 'code',
    scope: SCOPES[platform].join(platform === 'youtube' ? ' ' : ','),
    ...(platform === 'youtube' ? { access_type: 'offline', prompt: 'consent' } : {}),
    state: p.state,
    ...(p.pkce ? { code_challenge: p.pkce.challenge, code_challenge_method: 'S256' } : {}),
  };
  const url = new URL(base);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

export interface ExchangeParams {
  fetch: typeof fetch;
  endpoints: ConnectEndpoints;
  client: OAuthClient;
  code: string;
  redirectUri: string;
  codeVerifier?: string;
}

export interface ConnectedAccount {
  /** Every field, so that saving it replaces whatever the platform's row held. */
  token: Required<StoredToken>;
  /** The platform's id of the account (channel id, open_id, Instagram user id). */
  userId: string | null;
  grantedScopes: string[];
}

/** Exchanges the code for tokens and names the account they belong to. */
export const exchangeCode = (platform: ConnectPlatform, p: ExchangeParams): Promise<ConnectedAccount> =>
  ({ youtube: exchangeGoogle, tiktok: exchangeTikTok, instagram: exchangeInstagram })[platform](p);

const nonEmpty = z.string().min(1);
const optNum = z.number().optional();
const optStr = z.string().optional();

/** Names come from the platform: no control characters into the terminal or the table. */
const printable = (name: string) => name.replace(/\p{Cc}/gu, '').trim();
const expiresAt = (seconds: number | undefined) => (seconds ? new Date(Date.now() + seconds * 1000) : null);

/** The authorization_code grant's form; TikTok names the client id `client_key`. */
function codeGrant(p: ExchangeParams, idField: 'client_id' | 'client_key'): RequestInit {
  const { clientId, clientSecret } = p.client;
  return form({
    grant_type: 'authorization_code',
    code: p.code,
    redirect_uri: p.redirectUri,
    [idField]: clientId,
    client_secret: clientSecret,
    code_verifier: p.codeVerifier,
  });
}

async function exchangeGoogle(p: ExchangeParams): Promise<ConnectedAccount> {
  const t = parse(
    'Google token answer',
    z.object({ access_token: nonEmpty, expires_in: optNum, refresh_token: optStr, scope: optStr }),
    await callJson(p.fetch, 'Exchanging the code with Google', p.endpoints.token, codeGrant(p, 'client_id')),
  );
  if (!t.refresh_token) {
    throw new ConnectError(
      'Google returned no refresh token: remove the app at https://myaccount.google.com/permissions and run the command again (the consent must be given anew).',
    );
  }
  const channels = parse(
    'YouTube channels.list answer',
    z.object({ items: z.array(z.object({ id: z.string(), snippet: z.object({ title: z.string() }).partial().optional() })).optional() }),
    await callJson(p.fetch, 'Reading the YouTube channel', `${p.endpoints.api}/youtube/v3/channels?part=snippet&mine=true`, bearer(t.access_token)),
  );
  const channel = channels.items?.[0];
  if (!channel) throw new ConnectError('This Google account has no YouTube channel: create one at https://www.youtube.com, then run the command again.');
  const title = printable(channel.snippet?.title ?? '') || channel.id;
  return {
    token: { refreshToken: t.refresh_token, accessToken: t.access_token, accessExpiresAt: expiresAt(t.expires_in), scope: t.scope ?? null, account: title },
    userId: channel.id,
    grantedScopes: t.scope?.split(/\s+/).filter(Boolean) ?? [],
  };
}

async function exchangeTikTok(p: ExchangeParams): Promise<ConnectedAccount> {
  const t = parse(
    'TikTok token answer',
    z.object({ access_token: nonEmpty, refresh_token: nonEmpty, open_id: z.string(), expires_in: optNum, scope: optStr }),
    await callJson(p.fetch, 'Exchanging the code with TikTok', p.endpoints.token, codeGrant(p, 'client_key')),
  );
  const info = parse(
    'TikTok user info answer',
    z.object({ data: z.object({ user: z.object({ open_id: optStr, display_name: optStr }) }) }),
    await callJson(p.fetch, 'Reading the TikTok user', `${p.endpoints.api}/v2/user/info/?fields=open_id,display_name`, bearer(t.access_token)),
  );
  const name = printable(info.data.user.display_name ?? '');
  const account = name ? `${name} (open_id ${t.open_id})` : `open_id ${t.open_id}`;
  return {
    token: { refreshToken: t.refresh_token, accessToken: t.access_token, accessExpiresAt: expiresAt(t.expires_in), scope: t.scope ?? null, account },
    userId: t.open_id,
    grantedScopes: t.scope?.split(',').map((s) => s.trim()) ?? [],
  };
}

const igUserId = z.union([z.string(), z.number()]).optional();
const igShortToken = z.object({ access_token: nonEmpty, user_id: igUserId, permissions: z.union([z.string(), z.array(z.string())]).optional() });

async function exchangeInstagram(p: ExchangeParams): Promise<ConnectedAccount> {
  // Business Login documents {data:[{access_token, user_id, permissions}]}; the older reference a flat object.
  const short = parse(
    'Instagram token answer',
    z.union([igShortToken, z.object({ data: z.array(igShortToken).min(1) }).transform((d) => d.data[0]!)]),
    await callJson(p.fetch, 'Exchanging the code with Instagram', p.endpoints.token, codeGrant(p, 'client_id')),
  );
  const exchange = { grant_type: 'ig_exchange_token', client_secret: p.client.clientSecret, access_token: short.access_token };
  const longUrl = `${p.endpoints.longLived ?? `${DEFAULT_URLS.instagramGraph}/access_token`}?${new URLSearchParams(exchange)}`;
  const long = parse(
    'Instagram long-lived token answer',
    z.object({ access_token: nonEmpty, expires_in: optNum }),
    await callJson(p.fetch, 'Exchanging for a long-lived Instagram token', longUrl, { method: 'GET' }),
  );
  const meUrl = `${p.endpoints.api}/me?${new URLSearchParams({ fields: 'user_id,username', access_token: long.access_token })}`;
  const me = parse(
    'Instagram /me answer',
    z.object({ user_id: igUserId, id: optStr, username: optStr }),
    await callJson(p.fetch, 'Reading the Instagram account', meUrl, { method: 'GET' }),
  );
  const userId = String(me.user_id ?? short.user_id ?? me.id ?? '') || null;
  const scopes = typeof short.permissions === 'string' ? short.permissions.split(',').map((s) => s.trim()) : (short.permissions ?? []);
  const [scope, account] = [scopes.length ? scopes.join(',') : null, me.username ? `@${printable(me.username)}` : `user ${userId ?? 'unknown'}`];
  return {
    token: { refreshToken: null, accessToken: long.access_token, accessExpiresAt: expiresAt(long.expires_in), scope, account },
    userId,
    grantedScopes: scopes,
  };
}

function form(fields: Record<string, string | undefined>): RequestInit {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) body.set(k, v);
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body };
}

const bearer = (token: string): RequestInit => ({ method: 'GET', headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });

/** One call with a deadline; a refusal is reported by the provider's own error fields, never by echoing the request. */
async function callJson(fetchFn: typeof fetch, what: string, url: string, init: RequestInit): Promise<unknown> {
  let res: Response;
  try {
    res = await fetchFn(url, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    throw new ConnectError(`${what}: ${new URL(url).origin} could not be reached (${(err as Error).message}).`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const refusal = providerError(body);
  if (!res.ok || refusal) throw new ConnectError(`${what} failed: HTTP ${res.status}${refusal ? `, ${refusal}` : ''}.`);
  if (body === undefined) throw new ConnectError(`${what}: the answer was not JSON (HTTP ${res.status}).`);
  return body;
}

/** The error of Google/TikTok OAuth ({error, error_description}), the Graph API ({error:{message}}), api.instagram.com ({error_message}) or TikTok's envelope. */
function providerError(body: unknown): string | null {
  if (!body || typeof body !== 'object') return null;
  const b = body as Record<string, unknown>;
  const clip = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…` : s);
  if (typeof b.error === 'string') return clip(`${b.error}${typeof b.error_description === 'string' ? `: ${b.error_description}` : ''}`);
  if (b.error && typeof b.error === 'object') {
    const e = b.error as Record<string, unknown>;
    if (e.code === 'ok') return null; // TikTok's success envelope
    return clip([e.code, e.type, e.message].filter((x) => x !== undefined && x !== '').join(' '));
  }
  if (typeof b.error_message === 'string') return clip(`${String(b.error_type ?? 'error')}: ${b.error_message}`);
  return null;
}

function parse<T>(what: string, schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) {
    const fields = [...new Set(r.error.issues.map((i) => i.path.join('.') || '(root)'))].join(', ');
    throw new ConnectError(`The ${what} had an unexpected shape (fields: ${fields}).`);
  }
  return r.data;
}

/**
 * The code in what the operator pasted: the address the browser ended on (its state is checked
 * when `expectedState` is given) or the bare code. Instagram appends "#_" to the redirect: not part of the code.
 */
export function codeFromPaste(pasted: string, expectedState: string | null, platform: ConnectPlatform): string {
  const text = pasted.trim();
  if (/^https?:\/\//i.test(text) || /[?&](code|error|state)=/.test(text)) {
    const url = new URL(/^https?:\/\//i.test(text) ? text : `http://paste.invalid/${text.startsWith('?') ? '' : '?'}${text}`);
    const q = url.searchParams;
    if (q.has('error')) throw new ConnectError(refusalMessage(platform, q));
    if (expectedState !== null && q.get('state') !== expectedState) {
      throw new ConnectError('The pasted address does not carry the state of this run: paste the address from the consent started by this command.');
    }
    const code = q.get('code');
    if (!code) throw new ConnectError('The pasted address has no code parameter: paste the whole address the browser shows after you consented.');
    return code.replace(/#_$/, '');
  }
  const code = text.replace(/#_$/, '');
  if (!code || /\s/.test(code)) throw new ConnectError('That is neither an address nor a code: paste the whole address the browser shows after you consented.');
  return code;
}

function refusalMessage(platform: ConnectPlatform, q: URLSearchParams): string {
  const error = q.get('error') ?? 'error';
  const detail = q.get('error_description') ?? q.get('error_reason');
  const declined = error === 'access_denied' ? ' (consent was declined)' : '';
  return `${LABEL[platform]} refused the authorization: ${error}${declined}${detail ? `: ${detail}` : ''}. Nothing was stored; run the command again to retry.`;
}

export interface RunConnectOptions {
  platform: ConnectPlatform;
  client: OAuthClient;
  endpoints: ConnectEndpoints;
  vault: TokenVault;
  fetch?: typeof fetch;
  /** The loopback server's port; 0 (default) takes a free one. */
  port?: number;
  /** Instead of the loopback URL (Instagram: an https URL registered with Meta; a tunnel to `port` still reaches the server). */
  redirectUri?: string;
  /** How long to wait for the consent; default 5 minutes. */
  timeoutMs?: number;
  /** A code or redirected address obtained earlier (Instagram only): no consent step, no state check. */
  manual?: string;
  /** Called with the consent URL once the server listens (the CLI prints it and opens the browser). */
  onAuthorizeUrl?: (url: string, redirectUri: string) => void | Promise<void>;
  /** Resolves with a line the operator pasted (the address the browser ended on, or the code). */
  readPasted?: () => Promise<string>;
  /** Notices for the operator (a refused redirect, for instance). */
  log?: (line: string) => void;
}

export interface ConnectResult {
  platform: PlatformName;
  account: string;
  userId: string | null;
  redirectUri: string;
  scope: string | null;
  accessExpiresAt: Date | null;
  hasRefreshToken: boolean;
  /** Requested scopes the operator did not grant (publishing may fail without them). */
  missingScopes: string[];
}

export async function runConnect(o: RunConnectOptions): Promise<ConnectResult> {
  const pkceEncoding = PKCE_ENCODING[o.platform];
  const exchange = (code: string, redirectUri: string, codeVerifier?: string) =>
    exchangeCode(o.platform, { fetch: o.fetch ?? globalThis.fetch, endpoints: o.endpoints, client: o.client, code, redirectUri, codeVerifier });
  if (o.manual !== undefined) {
    if (pkceEncoding)
      throw new ConnectError(`A pasted code works for Instagram only: ${LABEL[o.platform]} needs the PKCE verifier of the run that started the consent.`);
    if (!o.redirectUri) throw new ConnectError('A pasted code needs the redirect URI the consent was started with (--redirect-uri).');
    return store(o, await exchange(codeFromPaste(o.manual, null, o.platform), o.redirectUri), o.redirectUri);
  }

  const state = randomBytes(24).toString('base64url');
  const pkce = pkceEncoding ? createPkce(pkceEncoding) : undefined;
  const server = await listenLoopback(o.port ?? 0);
  try {
    const redirectUri = o.redirectUri ?? `http://127.0.0.1:${(server.address() as AddressInfo).port}${REDIRECT_PATH[o.platform]}`;
    const waiting = waitForRedirect(server, state, o, o.timeoutMs ?? 5 * 60_000);
    await o.onAuthorizeUrl?.(authorizeUrl(o.platform, o.endpoints.authorize, { clientId: o.client.clientId, redirectUri, state, pkce }), redirectUri);
    const redirect = await waiting;
    try {
      const result = await store(o, await exchange(redirect.code, redirectUri, pkce?.verifier), redirectUri);
      redirect.respond(200, `Connected ${LABEL[o.platform]}: ${result.account}. You can close this tab and return to the terminal.`);
      return result;
    } catch (err) {
      redirect.respond(502, `Connecting ${LABEL[o.platform]} failed: ${(err as Error).message} See the terminal.`);
      throw err;
    }
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function store(o: RunConnectOptions, c: ConnectedAccount, redirectUri: string): Promise<ConnectResult> {
  const platform = PLATFORM_OF[o.platform];
  await o.vault.save(platform, c.token);
  return {
    platform,
    account: c.token.account ?? '',
    userId: c.userId,
    redirectUri,
    scope: c.token.scope,
    accessExpiresAt: c.token.accessExpiresAt,
    hasRefreshToken: Boolean(c.token.refreshToken),
    missingScopes: c.grantedScopes.length ? SCOPES[o.platform].filter((s) => !c.grantedScopes.includes(s)) : [],
  };
}

function listenLoopback(port: number): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    const server = http.createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new ConnectError(
          err.code === 'EADDRINUSE' ? `Port ${port} on 127.0.0.1 is in use: choose another with --port.` : `The loopback server failed: ${err.message}`,
        ),
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

interface Redirect {
  code: string;
  /** Answers the browser once the exchange is done (a no-op for a pasted address). */
  respond(status: number, message: string): void;
}

function waitForRedirect(server: http.Server, state: string, o: RunConnectOptions, timeoutMs: number): Promise<Redirect> {
  return new Promise<Redirect>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const span = timeoutMs < 120_000 ? `${timeoutMs / 1000} seconds` : `${Math.round(timeoutMs / 60_000)} minutes`;
    const timeout = `No answer from the consent page within ${span}: nothing was stored. Run the command again and finish the consent in time.`;
    const timer = setTimeout(() => settle(() => reject(new ConnectError(timeout))), timeoutMs);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const q = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams;
      if (!q.has('code') && !q.has('error')) return page(res, 404, `This address waits for ${LABEL[o.platform]}'s redirect after the consent.`);
      if (settled) return page(res, 409, 'This consent was already handled: see the terminal.');
      if (q.get('state') !== state) {
        o.log?.('Refused a redirect whose state does not match this run (not started by this command); still waiting.');
        return page(res, 400, 'Refused: the state of this redirect does not match the consent started by the command. Nothing was stored.');
      }
      if (q.has('error')) {
        const message = refusalMessage(o.platform, q);
        page(res, 400, message);
        return settle(() => reject(new ConnectError(message)));
      }
      const code = q.get('code');
      if (!code) return page(res, 400, 'The redirect has no code.');
      settle(() => resolve({ code, respond: (status, message) => page(res, status, message) }));
    });
    o.readPasted?.().then(
      (line) => {
        if (settled) return;
        try {
          const code = codeFromPaste(line, state, o.platform);
          settle(() => resolve({ code, respond: () => {} }));
        } catch (err) {
          settle(() => reject(err as Error));
        }
      },
      () => {},
    );
  });
}

function page(res: http.ServerResponse, status: number, message: string): void {
  const escaped = message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
  res.end(`<!doctype html><meta charset="utf-8"><title>affiliate-empire connect</title><p style="font:16px sans-serif;margin:3em">${escaped}</p>\n`);
}
