// The HTTP side of the TikTok publisher: the user access token (refreshed with a rotating refresh
// token kept in the token vault), calls in TikTok's v2 envelope with retries, and chunk uploads.
// Sources: developers.tiktok.com/doc/tiktok-api-v2-error-handling (envelope and codes),
// /docs/en/oauth-refresh-a-user-access-token (refresh, rotation), /doc/oauth-error-handling.
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { PlatformAccountError, PlatformLimitError, type TokenVault } from './types.js';
import { parseRetryAfter, safeJson } from '../../net/http-util.js';

export const TIKTOK_API_URL = 'https://open.tiktokapis.com';

/** What a call may use from the publish attempt: cancellation and a heartbeat while it waits. */
export interface CallContext {
  signal?: AbortSignal;
  heartbeat?: () => void;
}

export interface TikTokApiOptions {
  clientKey: string;
  clientSecret: string;
  vault: TokenVault;
  apiUrl: string;
  timeoutMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  log?: (msg: string, data?: Record<string, unknown>) => void;
}

/** A TikTok answer that is neither retried nor one of the operator errors. */
export class TikTokApiError extends Error {
  constructor(
    readonly endpoint: string,
    readonly httpStatus: number,
    readonly code: string,
    message: string,
    readonly logId?: string,
  ) {
    super(message);
    this.name = 'TikTokApiError';
  }
}

const envelopeSchema = z.object({
  data: z.unknown().optional(),
  error: z.object({ code: z.string(), message: z.string().optional().default(''), log_id: z.string().optional() }),
});

const tokenSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number(),
  refresh_token: z.string().min(1),
  refresh_expires_in: z.number().optional(),
  open_id: z.string().optional(),
  scope: z.string().optional(),
});

/** Refresh the access token when it has less than this left. */
const EARLY_REFRESH_MS = 5 * 60_000;
const MAX_BACKOFF_MS = 30_000;
/** A Retry-After longer than this is not slept through: the attempt fails and Temporal retries later. */
const MAX_RETRY_AFTER_MS = 120_000;
const HEARTBEAT_EVERY_MS = 5_000;
/** The daily posting cap (spam_risk_too_many_posts) is per 24 h [guess: rolling window]: hold the platform that long. */
export const LIMIT_HOLD_MS = 24 * 60 * 60_000;

type HttpResult = { status: number; retryAfter: string | null; text: string };

export class TikTokApi {
  private refreshing?: Promise<string>;

  constructor(private readonly opts: TikTokApiOptions) {}

  /**
   * POST `path` (JSON body, Bearer token) and return the envelope's `data` parsed with `schema`, and the
   * raw text. 401 access_token_invalid: one refresh, then the call again. 429, 5xx and network errors:
   * backoff with jitter (Retry-After honoured) up to maxAttempts. Other errors are classified by code.
   */
  async call<T>(path: string, body: unknown, schema: z.ZodType<T>, cx: CallContext, query?: Record<string, string>): Promise<{ data: T; raw: string }> {
    const url = `${this.opts.apiUrl}${path}${query ? `?${new URLSearchParams(query)}` : ''}`;
    let refreshed = false;
    for (let attempt = 1; ;) {
      const token = await this.accessToken(cx);
      let res: HttpResult;
      try {
        res = await this.http(
          url,
          {
            method: 'POST',
            headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json; charset=UTF-8' },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          },
          cx,
        );
      } catch (err) {
        if (cx.signal?.aborted) throw err;
        if (attempt >= this.opts.maxAttempts) throw this.networkError(path, err, attempt);
        await this.backoff(attempt++, null, `${path} failed`, cx, { error: this.redact(describe(err)) });
        continue;
      }
      const env = envelopeSchema.safeParse(safeJson(res.text));
      const code = env.success ? env.data.error.code : res.status >= 500 ? 'internal_error' : `http_${res.status}`;
      if (res.status === 200 && code === 'ok') {
        const data = schema.safeParse(env.success ? env.data.data : undefined);
        if (!data.success) {
          const issue = data.error.issues[0];
          throw new TikTokApiError(
            path,
            200,
            'unexpected_response',
            `TikTok ${path} answered an unexpected shape (${issue.path.join('.') || 'data'}: ${issue.message})`,
          );
        }
        return { data: data.data, raw: res.text };
      }
      const message = env.success ? env.data.error.message : res.text.slice(0, 200);
      const logId = env.success ? env.data.error.log_id : undefined;
      if (code === 'access_token_invalid' && !refreshed) {
        refreshed = true;
        this.opts.log?.('tiktok: access token refused, refreshing once', { path, logId });
        await this.refresh(token, cx);
        continue;
      }
      if ((res.status === 429 || code === 'rate_limit_exceeded' || res.status >= 500) && attempt < this.opts.maxAttempts) {
        await this.backoff(attempt++, res.retryAfter, `${path} answered ${res.status} ${code}`, cx, { logId });
        continue;
      }
      throw tiktokError(path, res.status, code, this.redact(message), logId);
    }
  }

  /** One chunk PUT to the upload URL (no token: the URL carries its own); 5xx, 429 and network errors are retried. */
  async putChunk(uploadUrl: string, bytes: Buffer, range: { start: number; end: number }, total: number, cx: CallContext): Promise<number> {
    const contentRange = `bytes ${range.start}-${range.end}/${total}`;
    for (let attempt = 1; ;) {
      let res: HttpResult;
      try {
        // Content-Length comes from the body; Content-Type and Content-Range per the Media Transfer Guide.
        res = await this.http(
          uploadUrl,
          {
            method: 'PUT',
            headers: { 'Content-Type': 'video/mp4', 'Content-Range': contentRange },
            body: new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length),
          },
          cx,
          300_000,
        );
      } catch (err) {
        if (cx.signal?.aborted) throw err;
        if (attempt >= this.opts.maxAttempts) throw this.networkError('upload', err, attempt);
        await this.backoff(attempt++, null, `chunk ${contentRange} failed`, cx, { error: describe(err) });
        continue;
      }
      if (res.status >= 200 && res.status < 300) return res.status;
      if ((res.status === 429 || res.status >= 500) && attempt < this.opts.maxAttempts) {
        await this.backoff(attempt++, res.retryAfter, `chunk ${contentRange} answered ${res.status}`, cx);
        continue;
      }
      const env = envelopeSchema.safeParse(safeJson(res.text));
      const code = env.success ? env.data.error.code : `http_${res.status}`;
      throw new TikTokApiError(
        'upload',
        res.status,
        code,
        `TikTok refused the video chunk ${contentRange} with HTTP ${res.status}${env.success ? ` ${code}: ${env.data.error.message}` : ''}`,
      );
    }
  }

  // ---- the token ---------------------------------------------------------------

  /** The stored access token while it has a few minutes left, else a fresh one. */
  async accessToken(cx: CallContext): Promise<string> {
    const t = await this.opts.vault.get('TIKTOK');
    if (t?.accessToken && (!t.accessExpiresAt || t.accessExpiresAt.getTime() - Date.now() > EARLY_REFRESH_MS)) return t.accessToken;
    return this.refresh(undefined, cx);
  }

  /** One refresh at a time in this process: the refresh token rotates, so a second concurrent one would use a dead token. */
  private refresh(stale: string | undefined, cx: CallContext): Promise<string> {
    this.refreshing ??= this.doRefresh(stale, cx).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async doRefresh(stale: string | undefined, cx: CallContext, retriedAfterRotation = false): Promise<string> {
    const stored = await this.opts.vault.get('TIKTOK');
    // Another worker may have refreshed since our token was refused: use its token.
    if (stale && stored?.accessToken && stored.accessToken !== stale && (!stored.accessExpiresAt || stored.accessExpiresAt.getTime() > Date.now() + 60_000)) {
      return stored.accessToken;
    }
    const refreshToken = stored?.refreshToken;
    if (!refreshToken) {
      throw new PlatformAccountError(
        'TIKTOK',
        'no_refresh_token',
        'The token vault has no TikTok refresh token: authorize the app on the TikTok account (scopes video.publish and video.list) and set TIKTOK_REFRESH_TOKEN.',
      );
    }
    const form = new URLSearchParams({
      client_key: this.opts.clientKey,
      client_secret: this.opts.clientSecret,
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    const url = `${this.opts.apiUrl}/v2/oauth/token/`;
    for (let attempt = 1; ;) {
      let res: HttpResult;
      try {
        res = await this.http(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form.toString() }, cx);
      } catch (err) {
        if (cx.signal?.aborted) throw err;
        if (attempt >= this.opts.maxAttempts) throw this.networkError('/v2/oauth/token/', err, attempt);
        await this.backoff(attempt++, null, 'token refresh failed', cx, { error: this.redact(describe(err)) });
        continue;
      }
      const json = safeJson(res.text) as Record<string, unknown> | undefined;
      const ok = res.status === 200 ? tokenSchema.safeParse(json) : undefined;
      if (ok?.success) {
        const t = ok.data;
        // Saved before anything else: the refresh token we sent no longer works.
        await this.opts.vault.save('TIKTOK', {
          refreshToken: t.refresh_token,
          accessToken: t.access_token,
          accessExpiresAt: new Date(Date.now() + t.expires_in * 1000),
          ...(t.scope !== undefined ? { scope: t.scope } : {}),
          ...(t.open_id !== undefined ? { account: t.open_id } : {}),
        });
        this.opts.log?.('tiktok: access token refreshed (refresh token rotated and saved)', { expiresInSec: t.expires_in, scope: t.scope });
        return t.access_token;
      }
      if ((res.status === 429 || res.status >= 500) && attempt < this.opts.maxAttempts) {
        await this.backoff(attempt++, res.retryAfter, `token endpoint answered ${res.status}`, cx);
        continue;
      }
      const error = typeof json?.error === 'string' ? json.error : `http_${res.status}`;
      const description = this.redact(typeof json?.error_description === 'string' ? json.error_description : res.text.slice(0, 200));
      if (error === 'invalid_grant' && !retriedAfterRotation) {
        // Another process may have rotated the token meanwhile: retry once with the vault's newer one.
        const now = await this.opts.vault.get('TIKTOK');
        if (now?.refreshToken && now.refreshToken !== refreshToken) return this.doRefresh(stale, cx, true);
      }
      if (error === 'invalid_grant') {
        throw new PlatformAccountError(
          'TIKTOK',
          'invalid_grant',
          `TikTok refused the stored refresh token (invalid_grant: expired, revoked or already used: ${description}): authorize the app on the TikTok account again and set TIKTOK_REFRESH_TOKEN to the new refresh token.`,
        );
      }
      if (error === 'invalid_client' || error === 'unauthorized_client') {
        throw new PlatformAccountError(
          'TIKTOK',
          error,
          `TikTok refused the app credentials (${error}: ${description}): check TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET.`,
        );
      }
      throw new TikTokApiError('/v2/oauth/token/', res.status, error, `TikTok token refresh failed with HTTP ${res.status} ${error}: ${description}`);
    }
  }

  // ---- plumbing ------------------------------------------------------------------

  private async backoff(attempt: number, retryAfter: string | null, why: string, cx: CallContext, data: Record<string, unknown> = {}): Promise<void> {
    const fromHeader = parseRetryAfter(retryAfter);
    if (fromHeader !== undefined && fromHeader > MAX_RETRY_AFTER_MS) {
      throw new TikTokApiError(
        'retry',
        429,
        'rate_limit_exceeded',
        `TikTok asks to wait ${Math.round(fromHeader / 1000)} s (${why}): giving up this attempt; it will be retried later.`,
      );
    }
    const step = Math.min(MAX_BACKOFF_MS, this.opts.backoffBaseMs * 2 ** (attempt - 1));
    // Honour Retry-After (never less), with a little jitter so parallel workers do not return in step.
    const ms = fromHeader !== undefined ? fromHeader + Math.random() * Math.min(250, step / 2) : step / 2 + (Math.random() * step) / 2;
    this.opts.log?.(`tiktok: ${why}, retrying`, { ...data, attempt, waitMs: Math.round(ms), retryAfter });
    await sleep(ms, cx);
  }

  private async http(url: string, init: RequestInit, cx: CallContext, minTimeoutMs = 0): Promise<HttpResult> {
    const timeout = AbortSignal.timeout(Math.max(this.opts.timeoutMs, minTimeoutMs));
    const signal = cx.signal ? AbortSignal.any([cx.signal, timeout]) : timeout;
    const res = await fetch(url, { ...init, signal });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
  }

  private networkError(endpoint: string, err: unknown, attempt: number): Error {
    return new TikTokApiError(endpoint, 0, 'network_error', `TikTok ${endpoint} failed after ${attempt} attempt(s): ${this.redact(describe(err))}`);
  }

  /** Error text from outside must never carry the client secret back into logs. */
  private redact(s: string): string {
    return s.split(this.opts.clientSecret).join('[secret]');
  }
}

/**
 * TikTok's error code → the port's errors. Codes and statuses: v2 error handling page and the Direct Post
 * reference's error table [recalled: spam_risk_too_many_posts, reached_active_user_cap,
 * unaudited_client_can_only_post_to_private_accounts, privacy_level_option_mismatch as 403/400].
 */
export function tiktokError(endpoint: string, status: number, code: string, message: string, logId?: string): Error {
  const detail = `${message || code}${logId ? ` (log_id ${logId})` : ''}`;
  switch (code) {
    case 'spam_risk_too_many_posts':
      return new PlatformLimitError('TIKTOK', code, `TikTok's daily post cap for this account is reached (${detail}): posting resumes in 24 h.`, holdUntil());
    case 'reached_active_user_cap':
      return new PlatformLimitError(
        'TIKTOK',
        code,
        `The app's daily quota of active posting users is reached (${detail}): posting resumes in 24 h.`,
        holdUntil(),
      );
    case 'unaudited_client_can_only_post_to_private_accounts':
      return new PlatformAccountError(
        'TIKTOK',
        code,
        `The TikTok app is not audited, so it may only post SELF_ONLY to a private account (${detail}): set TIKTOK_PRIVACY_LEVEL=SELF_ONLY and make the account private, or have the app audited by TikTok.`,
      );
    case 'privacy_level_option_mismatch':
      return new PlatformAccountError('TIKTOK', code, `TikTok refused the privacy level (${detail}): set TIKTOK_PRIVACY_LEVEL to one the account offers.`);
    case 'access_token_invalid':
      return new PlatformAccountError(
        'TIKTOK',
        code,
        `TikTok refused a freshly refreshed access token (${detail}): authorize the app on the account again and set TIKTOK_REFRESH_TOKEN.`,
      );
    case 'scope_not_authorized':
    case 'scope_permission_missed':
      return new PlatformAccountError(
        'TIKTOK',
        code,
        `The TikTok token lacks a scope (${detail}): authorize the app again with video.publish (posting) and video.list (views), then set TIKTOK_REFRESH_TOKEN.`,
      );
    case 'spam_risk_user_banned_from_posting':
      return new PlatformAccountError('TIKTOK', code, `TikTok has banned this account from posting (${detail}): resolve it in the TikTok app.`);
    case 'url_ownership_unverified':
      return new PlatformAccountError('TIKTOK', code, `TikTok wants the media URL's domain verified (${detail}): verify it in the developer portal.`);
    default:
      return new TikTokApiError(endpoint, status, code, `TikTok ${endpoint} answered HTTP ${status} ${code}: ${detail}`, logId);
  }
}

function holdUntil(): Date {
  return new Date(Date.now() + LIMIT_HOLD_MS);
}

/** Sleeps `ms`, heartbeating at least every 5 s; rejects when the attempt is cancelled. */
export async function sleep(ms: number, cx: CallContext): Promise<void> {
  const end = Date.now() + ms;
  for (let left = ms; left > 0; left = end - Date.now()) {
    cx.heartbeat?.();
    await delay(Math.min(left, HEARTBEAT_EVERY_MS), undefined, cx.signal ? { signal: cx.signal } : undefined);
  }
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  return [e?.message ?? String(err), e?.cause?.code ?? e?.cause?.message].filter(Boolean).join(': ');
}
