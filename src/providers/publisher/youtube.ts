// The YouTube publisher: videos.insert through Google's resumable upload protocol, by hand (node:http, ~2× faster than fetch
// for multi-MiB bodies), because googleapis sends media as one multipart request in Node and cannot resume
// (googleapis/nodejs-googleapis-common:src/apirequest.ts; /work/shared/PROTOCOLS.md §3).
// Protocol (https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol):
//   POST {api}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status → 200 + Location (the session URI)
//   PUT <session> Content-Range: bytes A-B/TOTAL → 308 + Range: bytes=0-N (more please) | 200/201 + the video
//   PUT <session> Content-Range: bytes */TOTAL (empty) → the same answers: how far the session got
// Chunks are multiples of 256 KiB except the last. A video exists only once the last byte is accepted, so a session that
// never received its final chunk can be abandoned safely.
import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';
import type { FileHandle } from 'node:fs/promises';
import { OAuth2Client } from 'google-auth-library';
import { z } from 'zod';
import { PlatformAccountError, PlatformLimitError } from './types.js';
import type { PublishContext, PublishRequest, PublishedPost, Publisher, TokenVault } from './types.js';
import { parseRetryAfter } from '../../net/http-util.js';

export interface YouTubeOptions {
  clientId: string;
  clientSecret: string;
  vault: TokenVault;
  privacy: 'private' | 'unlisted' | 'public';
  /** Default https://oauth2.googleapis.com/token. */
  tokenUrl?: string;
  /** Default https://www.googleapis.com: uploads at ${apiUrl}/upload/youtube/v3/videos, data at ${apiUrl}/youtube/v3/…. */
  apiUrl?: string;
  /** Bytes per PUT, a multiple of 256 KiB (default 8 MiB). */
  chunkBytes?: number;
  /** Default '26' Howto & Style [guess: our shorts show a product and how it helps; '22' People & Blogs is the catch-all,
   * '28' Science & Technology would misfile kitchen or beauty products]. */
  categoryId?: string;
  /** Per HTTP request (default 120 s: a chunk of 8 MiB at ~0.6 Mbit/s). */
  timeoutMs?: number;
  /** Attempts per request before giving up on 5xx, 429, rateLimitExceeded and network errors (default 6). */
  maxAttempts?: number;
  /** First backoff delay (default 1 s; doubled per attempt, at most 32 s, full jitter). For tests. */
  retryBaseMs?: number;
  log?: (msg: string, data?: Record<string, unknown>) => void;
}

export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
/** "The chunk size must be a multiple of 256 KB, except the last one" (using_resumable_upload_protocol, "Upload the video in chunks"). */
export const CHUNK_MULTIPLE = 256 * 1024;
const CONNECT_HINT = 'run `npm run connect -- youtube` to connect the channel again';
/** How often the activity hears from us while one chunk is in flight or we wait to retry. */
const HEARTBEAT_MS = 10_000;
const MAX_BACKOFF_MS = 32_000;
/** A Retry-After longer than this is not slept through: the attempt fails (retryably) and the ledger retries later. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

/** What the ledger keeps for this upload between attempts. */
// finalChunkSent is saved just before the final chunk is first sent: from then on a video may exist.
const UploadState = z.object({ sessionUri: z.string().url(), size: z.number().int().positive(), finalChunkSent: z.boolean().optional() });
type UploadState = z.infer<typeof UploadState>;

/** The parts of Google's error body we read: {error:{code, message, errors:[{reason, domain, message, location}]}}. */
const ErrorItem = z.object({ reason: z.string().optional(), message: z.string().optional(), location: z.string().optional() });
const GoogleError = z.object({ error: z.object({ message: z.string().optional(), errors: z.array(ErrorItem).optional() }) });

const VideoResource = z.object({ id: z.string().min(1) });

type Resumable = UploadState & { offset: number };

type SessionStatus = { kind: 'complete'; videoId: string } | { kind: 'incomplete'; received: number } | { kind: 'gone' };

/** The field a videos.insert 400 is about: invalidTitle → snippet.title, … (https://developers.google.com/youtube/v3/docs/videos/insert#errors). */
function fieldOf(reason: string, location: string | undefined): string {
  const m = /^invalid(Title|Description|Tags|CategoryId)$/.exec(reason);
  return m ? `snippet.${m[1][0].toLowerCase()}${m[1].slice(1)}` : (location?.replace(/^body\./, '') ?? 'metadata');
}
const account = (code: string, message: string) => new PlatformAccountError('YOUTUBE', code, message);

export class YouTubePublisher implements Publisher {
  readonly name = 'youtube';
  readonly platform = 'YOUTUBE' as const;
  /**
   * The session URI saved before the first byte tells what became of an attempt whose outcome is unknown, so the ledger calls
   * publish again with it. No findExisting: YouTube keeps no key of ours on a video, and a search by title costs quota and can match the wrong one.
   */
  readonly resumable = true;
  private readonly cfg: ReturnType<typeof settings>;
  private readonly log: (msg: string, data?: Record<string, unknown>) => void;
  private readonly oauth: OAuth2Client;
  private loadedRefreshToken: string | null = null;

  constructor(private readonly opts: YouTubeOptions) {
    this.cfg = settings(opts);
    this.log = opts.log ?? (() => {});
    const endpoints = { oauth2TokenUrl: opts.tokenUrl ?? 'https://oauth2.googleapis.com/token' };
    this.oauth = new OAuth2Client({ clientId: opts.clientId, clientSecret: opts.clientSecret, endpoints });
    // Refreshed access tokens (and a rotated refresh token, should Google send one) go to the vault.
    this.oauth.on('tokens', (t) => {
      if (t.refresh_token) this.loadedRefreshToken = t.refresh_token;
      const token = { accessToken: t.access_token ?? null, accessExpiresAt: t.expiry_date ? new Date(t.expiry_date) : null };
      const saved = this.opts.vault.save('YOUTUBE', { ...token, ...(t.refresh_token ? { refreshToken: t.refresh_token } : {}) });
      saved.catch((err: Error) => this.log('youtube: could not store the refreshed access token', { error: err.message }));
    });
  }

  async publish(req: PublishRequest, ctx?: PublishContext): Promise<PublishedPost> {
    const c = ctx ?? detachedContext();
    await this.loadCredentials();
    const file = await fs.open(req.videoPath, 'r');
    const alive = setInterval(() => c.heartbeat(), HEARTBEAT_MS);
    alive.unref();
    try {
      const size = (await file.stat()).size;
      if (size === 0) throw new Error(`The video file ${req.videoPath} is empty: nothing was uploaded.`);
      const resumed = await this.resumeSavedSession(c, size);
      if (resumed && 'videoId' in resumed) return post(resumed.videoId);
      return post(await this.sendChunks(file, req, resumed ?? (await this.startSession(req, size, c)), c));
    } finally {
      clearInterval(alive);
      await file.close();
    }
  }

  /** viewCount per id from videos.list part=statistics (1 unit per 50 ids); null when YouTube gives none (unknown id, hidden count). */
  async fetchViews(externalIds: string[]): Promise<Record<string, number | null>> {
    const out: Record<string, number | null> = Object.fromEntries(externalIds.map((id) => [id, null]));
    if (!externalIds.length) return out;
    await this.loadCredentials();
    // The one API alone (~0.1 s to load, all of googleapis ~3 s); the client's rootUrl points it at apiUrl (apirequest.ts).
    const { youtube } = await import('googleapis/build/src/apis/youtube/index.js');
    const api = youtube({ version: 'v3', auth: this.oauth, rootUrl: `${this.cfg.apiUrl}/` });
    const ids = [...new Set(externalIds)];
    for (let i = 0; i < ids.length; i += 50) {
      const batch = ids.slice(i, i + 50);
      const res = await api.videos.list({ part: ['statistics'], id: batch, maxResults: 50 }, { timeout: this.cfg.timeoutMs }).catch((err: unknown) => {
        throw this.authError(err);
      });
      for (const item of res.data.items ?? []) {
        const views = item.statistics?.viewCount;
        if (item.id && item.id in out) out[item.id] = views === undefined || views === null ? null : Number(views);
      }
    }
    return out;
  }

  // ---- the upload --------------------------------------------------------------------------

  private async resumeSavedSession(c: PublishContext, size: number): Promise<{ kind: 'complete'; videoId: string } | Resumable | null> {
    if (c.state === null) return null;
    const parsed = UploadState.safeParse(c.state);
    if (!parsed.success)
      throw new Error(`The saved YouTube upload state is not one this publisher wrote (${JSON.stringify(c.state).slice(0, 200)}): check the channel by hand.`);
    const saved = parsed.data;
    const status = await this.querySession(saved.sessionUri, saved.size, c);
    if (status.kind === 'complete') {
      this.log('youtube: the saved upload session had already completed', { videoId: status.videoId });
      return status;
    }
    if (status.kind === 'gone') {
      // A video exists only once its final byte is accepted. Without the final-chunk mark (saved before that chunk is
      // sent) no video can come from the session, so a new one is safe; with it, YouTube may hold the video.
      if (saved.finalChunkSent) throw this.outcomeUnknown(saved.sessionUri);
      this.log('youtube: the saved upload session is gone before its last chunk; starting a new one', { sessionUri: redact(saved.sessionUri) });
      return null;
    }
    if (saved.size !== size) {
      // The file changed since (re-rendered): the old session can never complete, so it posts nothing.
      this.log('youtube: the video file changed size since the saved session; starting a new one', { was: saved.size, now: size });
      return null;
    }
    this.log('youtube: resuming the saved upload session', { received: status.received, size });
    return { ...saved, offset: status.received };
  }

  private async startSession(req: PublishRequest, size: number, c: PublishContext): Promise<Resumable> {
    const { title, description, language: defaultLanguage } = req;
    const body = JSON.stringify({
      snippet: { title, description, tags: tagsFromHashtags(req.hashtags), categoryId: this.opts.categoryId ?? '26', defaultLanguage },
      status: { privacyStatus: this.opts.privacy, selfDeclaredMadeForKids: false, containsSyntheticMedia: req.syntheticMedia === true },
    });
    const url = `${this.cfg.apiUrl}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status`;
    const type = mimeOf(req.videoPath);
    const headers = { 'content-type': 'application/json; charset=UTF-8', 'x-upload-content-length': String(size), 'x-upload-content-type': type };
    const res = await this.withRetries('start the upload session', c, () => this.send('POST', url, headers, body, c));
    const sessionUri = res.headers.get('location');
    await res.body?.cancel();
    if (res.status !== 200 || !sessionUri) throw new Error(`YouTube answered ${res.status} without a session URI when starting the upload.`);
    const state: UploadState = { sessionUri: new URL(sessionUri, url).href, size };
    // Before the first byte: from here on an attempt that dies leaves a session the next one can ask.
    await c.saveState(state);
    return { ...state, offset: 0 };
  }

  private async sendChunks(file: FileHandle, req: PublishRequest, upload: Resumable, c: PublishContext, restarts = 0): Promise<string> {
    const restart = async () => {
      if (restarts >= 2) throw new Error('YouTube dropped three upload sessions in a row before their last chunk; will retry later.');
      return this.sendChunks(file, req, await this.startSession(req, upload.size, c), c, restarts + 1);
    };
    let { sessionUri, offset } = upload;
    const { size } = upload;
    let finalMarked = upload.finalChunkSent === true;
    const buf = Buffer.allocUnsafe(Math.min(this.cfg.chunkBytes, size));
    for (let failures = 0; ;) {
      c.signal.throwIfAborted();
      const end = Math.min(offset + this.cfg.chunkBytes, size);
      if (end === size && !finalMarked) {
        await c.saveState({ sessionUri, size, finalChunkSent: true });
        finalMarked = true;
      }
      const chunk = buf.subarray(0, end - offset);
      await readAt(file, chunk, offset);
      let res: Response | undefined;
      let failure: unknown;
      try {
        res = await this.send('PUT', sessionUri, { 'content-range': `bytes ${offset}-${end - 1}/${size}` }, chunk, c);
      } catch (err) {
        if (c.signal.aborted || !isNetworkError(err)) throw err;
        failure = err;
      }
      if (res && (res.status === 200 || res.status === 201)) return videoIdOf(res);
      if (res?.status === 308) {
        offset = receivedOf(res);
        const moved = res.headers.get('location');
        await res.body?.cancel();
        if (moved && moved !== sessionUri) {
          sessionUri = new URL(moved, sessionUri).href;
          await c.saveState({ sessionUri, size, ...(finalMarked ? { finalChunkSent: true } : {}) });
        }
        failures = 0;
        c.heartbeat();
        continue;
      }
      if (res?.status === 404 || res?.status === 410) {
        await res.body?.cancel();
        if (finalMarked) throw this.outcomeUnknown(sessionUri);
        this.log('youtube: the upload session expired mid-upload; starting again in a new session', { offset });
        return restart();
      }
      // 5xx, 429, rateLimitExceeded or a dropped connection: wait, ask the session how far it
      // got, and go on from there (only the unconfirmed part of this chunk is sent again).
      const retry = failure === undefined ? await this.retryable(res!) : { afterMs: undefined, reason: errorText(failure) };
      if (++failures >= this.cfg.maxAttempts)
        throw new Error(`YouTube upload failed ${failures} times in a row (${retry.reason}); the session is saved and resumes on the next attempt.`);
      this.log('youtube: chunk failed, resuming from the server range', { offset, failures, reason: retry.reason });
      await this.backoff(failures, retry.afterMs, c);
      const status = await this.querySession(sessionUri, size, c);
      if (status.kind === 'complete') return status.videoId;
      if (status.kind === 'gone') {
        if (finalMarked) throw this.outcomeUnknown(sessionUri);
        return restart();
      }
      offset = status.received;
    }
  }

  /** Asks the session how far it got: `PUT` with `Content-Range: bytes *\/size` and no body. */
  private async querySession(sessionUri: string, size: number, c: PublishContext): Promise<SessionStatus> {
    const res = await this.withRetries(
      'ask the upload session its status',
      c,
      () => this.send('PUT', sessionUri, { 'content-range': `bytes */${size}` }, Buffer.alloc(0), c),
      [200, 201, 308, 404, 410],
    );
    if (res.status === 200 || res.status === 201) return { kind: 'complete', videoId: await videoIdOf(res) };
    await res.body?.cancel();
    if (res.status === 404 || res.status === 410) return { kind: 'gone' };
    return { kind: 'incomplete', received: receivedOf(res) };
  }

  // ---- HTTP --------------------------------------------------------------------------------

  /** One request with the access token; a 401 gets one refreshed token, a second 401 is the operator's to fix. */
  private async send(method: string, url: string, headers: Record<string, string>, body: string | Buffer, c: PublishContext): Promise<Response> {
    for (let refreshed = false; ; refreshed = true) {
      const token = refreshed ? await this.refreshedToken() : await this.token();
      const signal = AbortSignal.any([c.signal, AbortSignal.timeout(this.cfg.timeoutMs)]);
      const res = await httpRequest(url, { method, headers: { authorization: `Bearer ${token}`, ...headers }, body, signal });
      if (res.status !== 401) return res;
      const detail = GoogleError.safeParse(await res.json().catch(() => undefined)).data?.error.message ?? '';
      if (refreshed) throw account('unauthorized', `YouTube refused a freshly refreshed access token (401 ${detail}): ${CONNECT_HINT}.`);
    }
  }

  /** Sends until the answer is one of `accept` (default 2xx), retrying 5xx, 429, rate limits and network errors; other refusals are classified. */
  private async withRetries(what: string, c: PublishContext, call: () => Promise<Response>, accept?: number[]): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      let retry: { afterMs?: number; reason: string };
      try {
        const res = await call();
        if (accept ? accept.includes(res.status) : res.status >= 200 && res.status < 300) return res;
        retry = await this.retryable(res);
      } catch (err) {
        if (c.signal.aborted || !isNetworkError(err)) throw err;
        retry = { reason: errorText(err) };
      }
      if (attempt >= this.cfg.maxAttempts) throw new Error(`Could not ${what} on YouTube after ${attempt} attempts: ${retry.reason}`);
      this.log(`youtube: retrying to ${what}`, { attempt, reason: retry.reason });
      await this.backoff(attempt, retry.afterMs, c);
    }
  }

  /** Returns how to retry a retryable answer; throws the right error for any other. */
  private async retryable(res: Response): Promise<{ afterMs?: number; reason: string }> {
    const text = await res.clone().text();
    const parsed = GoogleError.safeParse(await res.json().catch(() => undefined));
    const first = parsed.data?.error.errors?.[0];
    const reason = first?.reason ?? '';
    const message = parsed.data?.error.message ?? first?.message ?? (text.slice(0, 300) || `HTTP ${res.status}`);
    const afterMs = parseRetryAfter(res.headers.get('retry-after'));
    if (res.status >= 500 || res.status === 429 || reason === 'rateLimitExceeded' || reason === 'userRateLimitExceeded') {
      if (afterMs !== undefined && afterMs > MAX_RETRY_AFTER_MS)
        throw new Error(`YouTube asked to wait ${Math.round(afterMs / 1000)} s (${res.status} ${reason}); will retry later.`);
      return { afterMs, reason: `${res.status} ${reason || message}`.trim() };
    }
    if (reason === 'quotaExceeded' || reason === 'dailyLimitExceeded') {
      // "Daily quotas reset at midnight Pacific Time (PT)" (https://developers.google.com/youtube/v3/determine_quota_cost).
      const until = nextMidnightPacific();
      throw new PlatformLimitError('YOUTUBE', reason, `YouTube API quota is used up (${reason}): uploads resume at ${until.toISOString()}.`, until);
    }
    if (reason === 'uploadLimitExceeded') {
      // A per-channel cap over a rolling 24 hours: "If you get a 400 error with the reason
      // 'uploadLimitExceeded' … try again in 24 hours" (YouTube developer news, quoted in GNOME/shotwell#5019).
      const until = new Date(Date.now() + 24 * 3600_000);
      throw new PlatformLimitError('YOUTUBE', reason, `The channel reached its upload limit (${reason}: ${message}); next try ${until.toISOString()}.`, until);
    }
    if (res.status === 403)
      throw account(reason || 'forbidden', `YouTube refused the upload (403 ${reason}: ${message}): check the channel, or ${CONNECT_HINT}.`);
    const field = fieldOf(reason, first?.location);
    if (res.status === 400 && !reason) throw new Error(`YouTube refused the request (400: ${message})`);
    if (res.status === 400) throw new Error(`YouTube refused the video's ${field} (400 ${reason}: ${message}); fix the ${field} and publish again.`);
    throw new Error(`YouTube answered ${res.status} ${reason}: ${message}`);
  }

  private async backoff(attempt: number, afterMs: number | undefined, c: PublishContext): Promise<void> {
    const ms = afterMs ?? Math.random() * Math.min(MAX_BACKOFF_MS, this.cfg.retryBaseMs * 2 ** (attempt - 1));
    c.heartbeat();
    await delay(ms, undefined, { signal: c.signal });
  }

  // ---- tokens ------------------------------------------------------------------------------

  /** Reads the vault once per call, so a channel reconnected with `npm run connect` is used without a restart. */
  private async loadCredentials(): Promise<void> {
    const stored = await this.opts.vault.get('YOUTUBE');
    const refresh = stored?.refreshToken;
    if (!refresh) throw account('not_connected', `No YouTube refresh token is stored: ${CONNECT_HINT}.`);
    if (refresh === this.loadedRefreshToken) return;
    const live = stored.accessToken && stored.accessExpiresAt && stored.accessExpiresAt.getTime() > Date.now() + 60_000;
    const access = live ? { access_token: stored.accessToken, expiry_date: stored.accessExpiresAt!.getTime() } : {};
    this.oauth.setCredentials({ refresh_token: refresh, ...access });
    this.loadedRefreshToken = refresh;
  }

  /** The cached access token, refreshed by google-auth-library when it is missing or about to expire. */
  private async token(): Promise<string> {
    try {
      const { token } = await this.oauth.getAccessToken();
      if (!token) throw new Error('Google returned no access token');
      return token;
    } catch (err) {
      throw this.authError(err);
    }
  }

  private async refreshedToken(): Promise<string> {
    this.oauth.setCredentials({ refresh_token: this.loadedRefreshToken });
    return this.token();
  }

  private authError(err: unknown): unknown {
    const data = (err as { response?: { data?: { error?: unknown; error_description?: unknown } } })?.response?.data;
    const code = typeof data?.error === 'string' ? data.error : undefined;
    const description = typeof data?.error_description === 'string' ? data.error_description : 'no description';
    if (code === 'invalid_grant') return account(code, `Google refused the YouTube refresh token (invalid_grant: ${description}): ${CONNECT_HINT}.`);
    if (code === 'invalid_client' || code === 'unauthorized_client')
      return account(code, `Google refused the OAuth client (${code}: ${description}): check YOUTUBE_CLIENT_ID and YOUTUBE_CLIENT_SECRET.`);
    return err;
  }

  /** Not retryable, and only a person can tell: PlatformAccountError is the port's one error for that [the port may want its own]. */
  private outcomeUnknown(sessionUri: string): PlatformAccountError {
    const where = `The YouTube upload session ${redact(sessionUri)} is gone after its last chunk was sent`;
    return account('upload_outcome_unknown', `${where}: look for the video in YouTube Studio, then settle the publication by hand.`);
  }
}

// ---- helpers -----------------------------------------------------------------------------------

/**
 * Tags from hashtags: without '#', no '<' '>', no duplicates, within YouTube's 500 characters
 * [guess at the counting: each tag's length, a comma between tags, and 2 more for a tag with a
 * space, which YouTube quotes] (https://developers.google.com/youtube/v3/docs/videos, snippet.tags[]).
 */
export function tagsFromHashtags(hashtags: string[], limit = 500): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let used = 0;
  for (const raw of hashtags) {
    const tag = raw.replace(/^#+/, '').replace(/[<>]/g, '').trim();
    if (!tag || seen.has(tag.toLowerCase())) continue;
    const cost = tag.length + (tag.includes(' ') ? 2 : 0) + (out.length ? 1 : 0);
    if (used + cost > limit) continue;
    used += cost;
    seen.add(tag.toLowerCase());
    out.push(tag);
  }
  return out;
}

/** The next midnight in America/Los_Angeles, when YouTube's daily quota resets. */
export function nextMidnightPacific(now = new Date()): Date {
  const offset = (at: Date) => {
    const fields = { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' } as const;
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Los_Angeles', hourCycle: 'h23', ...fields }).formatToParts(at);
    const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - Math.floor(at.getTime() / 1000) * 1000;
  };
  const wall = new Date(now.getTime() + offset(now));
  const midnightWall = Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate() + 1);
  // The offset at midnight itself (it differs on the days daylight saving time starts or ends).
  return new Date(midnightWall - offset(new Date(midnightWall - offset(now))));
}

function settings(o: YouTubeOptions) {
  const chunkBytes = o.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes <= 0 || chunkBytes % CHUNK_MULTIPLE !== 0)
    throw new Error(`YouTube chunkBytes must be a positive multiple of 256 KiB (${CHUNK_MULTIPLE}), got ${chunkBytes}`);
  const apiUrl = (o.apiUrl ?? 'https://www.googleapis.com').replace(/\/+$/, '');
  return { apiUrl, chunkBytes, timeoutMs: o.timeoutMs ?? 120_000, maxAttempts: Math.max(1, o.maxAttempts ?? 6), retryBaseMs: o.retryBaseMs ?? 1000 };
}

function post(videoId: string): PublishedPost {
  return { externalId: videoId, url: `https://www.youtube.com/shorts/${videoId}` };
}

/** For calls without a ledger (scripts): no saved state, nothing to keep alive, no cancellation. */
function detachedContext(): PublishContext {
  const videoUrl = () => Promise.reject(new Error('no video URL outside the publishing activity'));
  return { state: null, saveState: async () => {}, heartbeat: () => {}, signal: new AbortController().signal, videoUrl };
}

async function readAt(file: FileHandle, into: Buffer, position: number): Promise<void> {
  for (let done = 0; done < into.length;) {
    const { bytesRead } = await file.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new Error(`The video file ended at ${position + done} bytes while uploading: it changed during the upload.`);
    done += bytesRead;
  }
}

/** Bytes the session holds: `Range: bytes=0-N` means N+1; no Range header means none. */
function receivedOf(res: Response): number {
  const m = /^bytes=0-(\d+)$/.exec(res.headers.get('range') ?? '');
  return m ? Number(m[1]) + 1 : 0;
}

async function videoIdOf(res: Response): Promise<string> {
  const video = VideoResource.safeParse(await res.json().catch(() => undefined));
  if (!video.success) throw new Error(`YouTube answered ${res.status} to the upload without a video id: check YouTube Studio.`);
  return video.data.id;
}

const MIME: Record<string, string> = { mp4: 'video/mp4', mov: 'video/quicktime', webm: 'video/webm', mkv: 'video/x-matroska' };
const mimeOf = (file: string) => MIME[file.toLowerCase().split('.').pop() ?? ''] ?? 'application/octet-stream';

/** A request node:http could not complete (ECONNRESET, ECONNREFUSED, …) or our per-request timeout. */
function isNetworkError(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException;
  return !(err instanceof PlatformAccountError) && (/^(E[A-Z]+|ABORT_ERR)$/.test(String(e?.code)) || e?.name === 'AbortError' || e?.name === 'TimeoutError');
}

/** One request by node:http(s), answered as a fetch Response (the answers here are small JSON or empty). */
function httpRequest(url: string, init: { method: string; headers: Record<string, string>; body: string | Buffer; signal: AbortSignal }): Promise<Response> {
  const { method, body, signal } = init;
  const headers = { ...init.headers, 'content-length': String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? https : http).request(url, { method, headers, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const h = new Headers(Object.entries(res.headers).map(([k, v]): [string, string] => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
        resolve(new Response(res.statusCode === 204 || res.statusCode === 304 ? null : Buffer.concat(chunks), { status: res.statusCode, headers: h }));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const errorText = (err: unknown) => String((err as Error)?.message ?? err);

/** The session URI carries the upload id, which is as good as a credential for that upload: logs get its path only. */
const redact = (uri: string) => uri.replace(/upload_id=[^&]+/, 'upload_id=…');
