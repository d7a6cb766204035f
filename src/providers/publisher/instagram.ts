/**
 * The Instagram Reels publisher, on the Graph API's content publishing flow (developers.facebook.com/docs/instagram-platform/content-publishing):
 *   1. GET  /{ig-user-id}/content_publishing_limit?fields=config,quota_usage: refuse when the quota is used up;
 *   2. POST /{ig-user-id}/media (media_type=REELS, video_url, caption, share_to_feed): a container, saved at once;
 *   3. GET  /{container-id}?fields=status_code,status until FINISHED (Meta downloads and transcodes the video);
 *   4. POST /{ig-user-id}/media_publish (creation_id): the media id, saved at once;
 *   5. GET  /{media-id}?fields=permalink.
 * A later attempt with the saved state resumes instead of posting again: a FINISHED container is published, a PUBLISHED
 * one is looked up (never published twice), an EXPIRED one (24 h unpublished) is recreated once, an ERROR one forgotten.
 *
 * Instagram fetches the video itself from `ctx.videoUrl()` (presigned S3 or PUBLIC_BASE_URL media), so that
 * URL must be reachable from the internet. Captions are not clickable: the tracked link stays in the caption as
 * text; pointing viewers to a "link in bio" is the renderer's and the copy writer's job, not this adapter's.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { isPubliclyReachableUrl } from '../../domain/addresses.js';
import { describeRequestError, parseRetryAfter, safeJson } from '../../net/http-util.js';
import { PlatformAccountError, PlatformLimitError } from './types.js';
import type { PublishContext, PublishRequest, PublishedPost, Publisher, TokenVault } from './types.js';

/**
 * v23.0 (released 29 May 2025) is available until 8 Oct 2027 per the Graph API changelog
 * (developers.facebook.com/docs/graph-api/changelog/versions); it has REELS containers, the `views` insight and
 * content_publishing_limit, and it is INSTAGRAM_GRAPH_URL's default. Move to v25.0 (until 29 Jul 2028) before then.
 * graph.facebook.com serves Facebook-Login tokens (EAA…); Instagram-Login tokens (IGAA…) need graph.instagram.com.
 */
export const DEFAULT_INSTAGRAM_GRAPH_URL = 'https://graph.facebook.com/v23.0';

export interface InstagramOptions {
  userId: string; // the Instagram professional account id (INSTAGRAM_USER_ID)
  vault: TokenVault; // the long-lived access token is the vault's accessToken for INSTAGRAM
  graphUrl?: string; // Graph base with its version (INSTAGRAM_GRAPH_URL; default DEFAULT_INSTAGRAM_GRAPH_URL)
  pollIntervalMs?: number; // between container status checks (default 5000)
  pollTimeoutMs?: number; // how long one attempt waits for Meta's processing (default 10 min); the next attempt resumes
  timeoutMs?: number; // per HTTP request (default 30000)
  maxAttempts?: number; // HTTP attempts per call: network errors, 429, 5xx and Graph rate-limit codes are retried (default 5)
  backoffBaseMs?: number; // first backoff step without Retry-After (default 2000; doubles per attempt up to 60 s, with jitter)
  maxRetryWaitMs?: number; // cap on one wait, Retry-After included (default 60000)
  allowPrivateVideoUrl?: boolean; // accept a loopback/private video URL: tests with a local fake ONLY
  log?: (msg: string, data?: Record<string, unknown>) => void;
}

/** What a Graph API refusal said (`{error:{message,type,code,error_subcode,fbtrace_id}}`); status 0: no answer. */
export type GraphErrorDetail = { op: string; status: number; code?: number; subcode?: number; transient: boolean; fbtraceId?: string };

export class InstagramApiError extends Error {
  override readonly name = 'InstagramApiError';
  readonly detail: GraphErrorDetail;
  constructor(message: string, detail: GraphErrorDetail) {
    super(message);
    this.detail = detail;
  }
}

/**
 * Meta could not process the video (container status_code ERROR); `status` is Meta's reason. `retryable`: the reason is one
 * the error-code table says to try again (2207001 server error, 2207003 download timeout, 2207032/2207053 create or upload
 * failed, 2207052 media not fetched); otherwise the video itself is refused (format, length, size…).
 */
export class InstagramContainerError extends Error {
  override readonly name = 'InstagramContainerError';
  readonly status: string;
  readonly retryable: boolean;
  constructor(containerId: string, status: string) {
    const check = 'Check the render (MP4/MOV, H.264 + AAC, 9:16, 3 s–15 min, ≤ 300 MB) and that the video URL serves it.';
    super(`Instagram could not process the video (container ${containerId}: ${status || 'ERROR'}); nothing was published. ${check}`);
    this.status = status;
    this.retryable = /\b22070(01|03|32|52|53)\b/.test(status);
  }
}

/** Caption limits (content publishing guide, "Limitations": 2,200 characters, 30 hashtags). */
const MAX_CAPTION_CHARS = 2200;
const MAX_HASHTAGS = 30;
/** Throttling: app (4), user (17), page (32), API-specific (613) (graph-api/overview/rate-limiting); 80002 Instagram BUC [per trypostit/trypost#281]. */
const RATE_LIMIT_CODES = new Set([4, 17, 32, 613, 80002]);
/** "An unknown error occurred" (1), "Service temporarily unavailable" (2). */
const TRANSIENT_CODES = new Set([1, 2]);
/** Error subcodes (reference/error-codes): limit reached (code 9), spam suspected (4), account restricted (25), not ready (9007). */
const [SUBCODE_LIMIT_REACHED, SUBCODE_SPAM, SUBCODE_RESTRICTED, SUBCODE_NOT_READY] = [2207042, 2207051, 2207050, 2207027];
const HEARTBEAT_EVERY_MS = 5000;
const MAX_BACKOFF_MS = 60_000;
const MEDIA_LOOKUP_PAGES = 4;
/** IG Container status_code values that end the wait (reference/ig-container). */
const SETTLED = new Set(['FINISHED', 'ERROR', 'EXPIRED', 'PUBLISHED']);

type Run = { token: string; signal?: AbortSignal; heartbeat?: () => void };
type ContainerStatus = { code: string; status: string };
type Quota = { usage: number; total: number; durationMs: number };

const stateSchema = z.object({ containerId: z.string().min(1).optional(), mediaId: z.string().min(1).optional(), containerCreatedAt: z.string().optional() });
const idSchema = z.object({ id: z.string().min(1) });
const statusSchema = z.object({ status_code: z.string(), status: z.string().optional() });
const limitSchema = z.object({
  data: z.array(z.object({ quota_usage: z.number(), config: z.object({ quota_total: z.number(), quota_duration: z.number() }).optional() })).min(1),
});
const mediaListSchema = z.object({
  data: z.array(z.object({ id: z.string(), caption: z.string().optional(), timestamp: z.string().optional() })),
  paging: z.object({ cursors: z.object({ after: z.string().optional() }).optional(), next: z.string().optional() }).optional(),
});
const permalinkSchema = z.object({ id: z.string(), permalink: z.string().min(1) });
const insightsSchema = z.object({
  data: z.array(
    z.object({ name: z.string(), values: z.array(z.object({ value: z.unknown() })).optional(), total_value: z.object({ value: z.unknown() }).optional() }),
  ),
});
const opt = { str: z.string().optional(), num: z.number().optional() };
const graphErrorSchema = z.object({
  error: z.object({ message: opt.str, code: opt.num, error_subcode: opt.num, is_transient: z.boolean().optional(), fbtrace_id: opt.str }),
});

export class InstagramPublisher implements Publisher {
  readonly name = 'instagram';
  readonly platform = 'INSTAGRAM' as const;
  readonly resumable = true;
  private readonly base: string;
  private readonly cfg;

  constructor(private readonly opts: InstagramOptions) {
    if (!/^\d+$/.test(opts.userId)) throw new TypeError(`INSTAGRAM_USER_ID must be the numeric Instagram professional account id, got "${opts.userId}"`);
    this.base = (opts.graphUrl ?? DEFAULT_INSTAGRAM_GRAPH_URL).replace(/\/+$/, '');
    this.cfg = {
      pollIntervalMs: opts.pollIntervalMs ?? 5000,
      pollTimeoutMs: opts.pollTimeoutMs ?? 10 * 60_000,
      timeoutMs: opts.timeoutMs ?? 30_000,
      maxAttempts: Math.max(1, opts.maxAttempts ?? 5),
      backoffBaseMs: opts.backoffBaseMs ?? 2000,
      maxRetryWaitMs: opts.maxRetryWaitMs ?? 60_000,
    };
  }

  async publish(req: PublishRequest, ctx?: PublishContext): Promise<PublishedPost> {
    if (!ctx) throw new Error('The Instagram publisher needs the ledger context (saved state, video URL): publish through the publishVideo activity.');
    const run: Run = { token: await this.token(), signal: ctx.signal, heartbeat: () => ctx.heartbeat() };
    try {
      return await this.publishWith(req, ctx, run);
    } catch (err) {
      throw await this.classify(err, run);
    }
  }

  private async publishWith(req: PublishRequest, ctx: PublishContext, run: Run): Promise<PublishedPost> {
    const caption = instagramCaption(req);
    const parsed = stateSchema.safeParse(ctx.state ?? {});
    const state = parsed.success ? parsed.data : {};
    // Published by an earlier attempt that ended before it had the permalink.
    if (state.mediaId) return this.permalinkOf(state.mediaId, run);

    let containerId = state.containerId;
    let createdAt = state.containerCreatedAt;
    let current = containerId ? await this.containerStatus(containerId, run) : undefined;
    for (let recreated = false; ;) {
      if (containerId && current?.code === 'PUBLISHED') {
        return this.published(ctx, containerId, createdAt, await this.findPublishedMedia(containerId, req, caption, createdAt, run), run);
      }
      if (containerId && current?.code === 'ERROR') {
        await ctx.saveState({}); // it can never be published: a retry starts with a new container
        throw new InstagramContainerError(containerId, current.status);
      }
      if (containerId && current?.code === 'EXPIRED') {
        if (recreated) throw new Error(`Instagram container ${containerId} expired again right after it was recreated; nothing was published.`);
        this.log('instagram: container expired unpublished (24 h), creating a new one', { containerId });
        recreated = true;
        containerId = undefined;
      }
      if (!containerId) {
        const videoUrl = await this.publicVideoUrl(ctx);
        await this.checkQuota(run);
        createdAt = new Date().toISOString();
        containerId = await this.createContainer(videoUrl, caption, run);
        await ctx.saveState({ containerId, containerCreatedAt: createdAt });
        this.log('instagram: container created', { containerId });
      } else {
        await this.checkQuota(run);
      }
      current = await this.waitUntilProcessed(containerId, run);
      if (current.code !== 'FINISHED') continue;
      return this.published(ctx, containerId, createdAt, await this.publishContainer(containerId, req, caption, createdAt, run), run);
    }
  }

  /** The media id is saved before anything else can fail: a later attempt only needs the permalink. */
  private async published(ctx: PublishContext, containerId: string, createdAt: string | undefined, mediaId: string, run: Run): Promise<PublishedPost> {
    await ctx.saveState({ containerId, containerCreatedAt: createdAt, mediaId });
    this.log('instagram: published', { containerId, mediaId });
    return this.permalinkOf(mediaId, run);
  }

  /** Views per media id (GET /{media-id}/insights?metric=views); null when Instagram gives no number (yet). */
  async fetchViews(externalIds: string[]): Promise<Record<string, number | null>> {
    const out: Record<string, number | null> = {};
    if (externalIds.length === 0) return out;
    const run: Run = { token: await this.token() };
    for (const id of externalIds) {
      out[id] = null;
      if (!/^\d+$/.test(id)) continue; // not an Instagram media id (e.g. an outbox post)
      try {
        const body = parse(insightsSchema, await this.graph('GET', `${id}/insights`, { metric: 'views' }, run), 'insights');
        const views = body.data.find((d) => d.name === 'views');
        const value = views?.values?.[0]?.value ?? views?.total_value?.value;
        if (typeof value === 'number') out[id] = value;
      } catch (err) {
        if (err instanceof PlatformAccountError) throw err;
        // "(#10) Not enough viewers", data still delayed (up to 48 h), a deleted post: no number for this one.
        this.log('instagram: no views for a post', { mediaId: id, error: (err as Error).message });
      }
    }
    return out;
  }

  private async publicVideoUrl(ctx: PublishContext): Promise<string> {
    const url = await ctx.videoUrl();
    if (this.opts.allowPrivateVideoUrl || isPubliclyReachableUrl(url)) return url;
    throw new PlatformAccountError(
      'INSTAGRAM',
      'video_url_not_public', // a setting to fix: one alert, no retries
      `Instagram downloads the video itself, and ${describeUrl(url)} is not reachable from the internet: use S3 storage (presigned URLs) ` +
        'or set PUBLIC_BASE_URL to a public https address that serves /media; nothing was posted.',
    );
  }

  private async createContainer(videoUrl: string, caption: string, run: Run): Promise<string> {
    // A retried POST after a lost answer can leave a spare container: harmless, it expires unpublished in 24 h.
    const body = await this.graph('POST', `${this.opts.userId}/media`, { media_type: 'REELS', video_url: videoUrl, caption, share_to_feed: 'true' }, run);
    return parse(idSchema, body, 'media').id;
  }

  private async containerStatus(containerId: string, run: Run): Promise<ContainerStatus> {
    const body = parse(statusSchema, await this.graph('GET', containerId, { fields: 'status_code,status' }, run), 'container status');
    return { code: body.status_code, status: body.status ?? '' };
  }

  /** Polls on a timer (with heartbeats) until the container leaves IN_PROGRESS. */
  private async waitUntilProcessed(containerId: string, run: Run): Promise<ContainerStatus> {
    const deadline = Date.now() + this.cfg.pollTimeoutMs;
    for (;;) {
      run.heartbeat?.();
      const s = await this.containerStatus(containerId, run);
      if (SETTLED.has(s.code)) return s; // IN_PROGRESS, or a code this adapter does not know yet: keep waiting
      if (Date.now() >= deadline) {
        const waited = `${Math.round(this.cfg.pollTimeoutMs / 1000)} s`;
        throw new Error(`Instagram is still processing container ${containerId} after ${waited}; nothing was published, the next attempt resumes it.`);
      }
      await this.sleep(this.cfg.pollIntervalMs, run);
    }
  }

  /**
   * media_publish, never twice for one container: after any failure the container's own status says whether
   * the call went through (PUBLISHED: the media is looked up) before it is tried again.
   */
  private async publishContainer(containerId: string, req: PublishRequest, caption: string, createdAt: string | undefined, run: Run): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      try {
        const body = await this.graph('POST', `${this.opts.userId}/media_publish`, { creation_id: containerId }, run, { retry: false });
        return parse(idSchema, body, 'media_publish').id;
      } catch (err) {
        if (!(err instanceof InstagramApiError)) throw err;
        const now = await this.containerStatus(containerId, run);
        if (now.code === 'PUBLISHED') return this.findPublishedMedia(containerId, req, caption, createdAt, run);
        const { op, code, subcode, transient } = err.detail;
        const retry = transient || subcode === SUBCODE_NOT_READY;
        if (!retry || attempt >= this.cfg.maxAttempts || (now.code !== 'FINISHED' && now.code !== 'IN_PROGRESS')) throw err;
        await this.backoff(attempt, null, run, { op, code, subcode });
      }
    }
  }

  /**
   * The media a PUBLISHED container became. IG containers have no documented field naming their media, so the
   * account's recent media (newest first) are matched by caption: the same text, or one holding every link of
   * the description (the tracked link is unique per video and platform) in case Instagram reformatted it.
   */
  private async findPublishedMedia(containerId: string, req: PublishRequest, caption: string, createdAt: string | undefined, run: Run): Promise<string> {
    const links = req.description.match(/https?:\/\/\S+/g) ?? [];
    const since = createdAt ? Date.parse(createdAt) - 60 * 60_000 : 0;
    const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
    const matches = (text: string) => norm(text) === norm(caption) || (links.length > 0 && links.every((l) => text.includes(l)));
    let after: string | undefined;
    for (let page = 0; page < MEDIA_LOOKUP_PAGES; page++) {
      const params = { fields: 'id,caption,timestamp', limit: '50', ...(after ? { after } : {}) };
      const list = parse(mediaListSchema, await this.graph('GET', `${this.opts.userId}/media`, params, run), 'media list');
      const hit = list.data.find((m) => m.caption !== undefined && matches(m.caption));
      if (hit) {
        this.log('instagram: found the media of an already published container', { containerId, mediaId: hit.id });
        return hit.id;
      }
      const oldest = list.data.at(-1)?.timestamp;
      after = list.paging?.next ? list.paging.cursors?.after : undefined;
      if (!after || (oldest !== undefined && graphTime(oldest) < since)) break;
    }
    throw new Error(
      `Instagram says container ${containerId} was published, but none of the account's recent posts carries this video's caption: ` +
        'find the post on Instagram and settle the publication by hand; it will not be posted again.',
    );
  }

  private async permalinkOf(mediaId: string, run: Run): Promise<PublishedPost> {
    const body = parse(permalinkSchema, await this.graph('GET', mediaId, { fields: 'id,permalink' }, run), 'media permalink');
    return { externalId: mediaId, url: body.permalink };
  }

  private async quota(run: Run, sinceMs?: number): Promise<Quota | undefined> {
    const params = { fields: 'config,quota_usage', ...(sinceMs !== undefined ? { since: String(Math.floor(sinceMs / 1000)) } : {}) };
    const row = parse(limitSchema, await this.graph('GET', `${this.opts.userId}/content_publishing_limit`, params, run), 'content_publishing_limit').data[0];
    if (!row.config) return undefined;
    return { usage: row.quota_usage, total: row.config.quota_total, durationMs: row.config.quota_duration * 1000 };
  }

  /** Before a container is made: the limit is enforced at media_publish, but a full quota is known earlier. */
  private async checkQuota(run: Run): Promise<void> {
    const q = await this.quota(run);
    if (!q) return this.log('instagram: content_publishing_limit gave no config; relying on media_publish to enforce the limit');
    if (q.usage >= q.total) throw await this.limitError(run, q);
  }

  private async limitError(run: Run, known?: Quota): Promise<PlatformLimitError> {
    const q = known ?? (await this.quota(run).catch(() => undefined));
    const durationMs = q?.durationMs ?? 24 * 60 * 60_000; // the documented window when Instagram does not say
    let until = q ? await this.windowFreesAt(q, run).catch(() => new Date(Date.now() + durationMs)) : new Date(Date.now() + durationMs);
    // media_publish said 2207042 although the counter may lag: hold a while rather than retry at once.
    if (!known) until = new Date(Math.max(until.getTime(), Date.now() + 15 * 60_000));
    const used = q ? `${q.usage} of ${q.total} API posts in the last ${Math.round(durationMs / 3_600_000)} h` : 'media_publish refused with 2207042';
    const message = `Instagram's content publishing limit is used up (${used}); a slot frees about ${until.toISOString()}. Nothing was published.`;
    return new PlatformLimitError('INSTAGRAM', 'publishing_limit', message, until);
  }

  /**
   * When the moving window next has room. quota_usage with `since` counts the posts published after that
   * time (no older than the window), so the earliest `since` at which fewer than quota_total remain, plus
   * the window, is when the oldest post leaves it: a binary search to the minute (≈ 11 reads).
   */
  private async windowFreesAt(q: Quota, run: Run): Promise<Date> {
    const step = 60_000;
    let lo = Date.now() - q.durationMs + step;
    let hi = Date.now();
    const usage = async (at: number) => (await this.quota(run, at))?.usage ?? 0;
    if ((await usage(lo)) < q.total) return new Date(lo + q.durationMs);
    while (hi - lo > step) {
      const mid = Math.floor((lo + hi) / 2);
      [lo, hi] = (await usage(mid)) >= q.total ? [mid, hi] : [lo, mid];
    }
    return new Date(Math.ceil((hi + q.durationMs) / step) * step);
  }

  private async token(): Promise<string> {
    const stored = await this.opts.vault.get('INSTAGRAM');
    const connect = 'run `npm run connect -- instagram` to connect the account';
    if (!stored?.accessToken) throw accountError('not_connected', `Instagram has no access token: ${connect}.`);
    const expired = stored.accessExpiresAt && stored.accessExpiresAt.getTime() <= Date.now() ? stored.accessExpiresAt : undefined;
    if (expired) throw accountError('invalid_token', `The Instagram access token expired on ${expired.toISOString()}: ${connect} again.`);
    return stored.accessToken;
  }

  /** One Graph call; retries network errors, 429, 5xx and rate-limit codes (unless retry: false). */
  private async graph(method: 'GET' | 'POST', path: string, params: Record<string, string>, run: Run, opts: { retry?: boolean } = {}): Promise<unknown> {
    const url = new URL(`${this.base}/${path}`);
    const form = new URLSearchParams({ ...params, access_token: run.token });
    if (method === 'GET') url.search = form.toString();
    const op = `${method} /${path.replace(/^\d+/, '{id}')}`;
    const redact = (s: string) => s.split(run.token).join('[token]');
    for (let attempt = 1; ; attempt++) {
      const retryable = opts.retry !== false && attempt < this.cfg.maxAttempts;
      let res: HttpResult;
      try {
        const timeout = AbortSignal.timeout(this.cfg.timeoutMs);
        res = await send(url, method, form, run.signal ? AbortSignal.any([run.signal, timeout]) : timeout);
      } catch (err) {
        if (run.signal?.aborted) throw err;
        if (!retryable) throw new InstagramApiError(`Instagram ${op} failed: ${redact(describeRequestError(err))}`, { op, status: 0, transient: true });
        await this.backoff(attempt, null, run, { op, error: redact(describeRequestError(err)) });
        continue;
      }
      const { status, retryAfter, text } = res;
      const body = safeJson(text);
      if (status >= 200 && status < 300 && body !== undefined) return body;
      const e = graphErrorSchema.safeParse(body).data?.error;
      if (e?.code === 190) {
        const message = `Instagram refused the access token (${redact(e.message ?? 'code 190')}): run \`npm run connect -- instagram\` to connect the account again (an Instagram-Login token needs INSTAGRAM_GRAPH_URL on graph.instagram.com, a Facebook-Login token graph.facebook.com).`;
        throw accountError('invalid_token', message);
      }
      const code = e?.code;
      const transient =
        status === 429 ||
        status >= 500 ||
        (code !== undefined && ((RATE_LIMIT_CODES.has(code) && e?.error_subcode !== SUBCODE_SPAM) || TRANSIENT_CODES.has(code))) ||
        (code === 9 && e?.error_subcode !== SUBCODE_LIMIT_REACHED) || // "publishing too fast" without the daily limit
        e?.is_transient === true ||
        (method === 'GET' && code === 100 && e?.error_subcode === 33); // reads flaking right after publish [per postiz-app#1562]
      const said = e ? `(#${code}${e.error_subcode ? `/${e.error_subcode}` : ''}) ${redact(e.message ?? '')}` : redact(text.slice(0, 200) || '(empty body)');
      const detail = { op, status, code, subcode: e?.error_subcode, transient, fbtraceId: e?.fbtrace_id };
      const err = new InstagramApiError(`Instagram ${op} answered HTTP ${status}: ${said}`, detail);
      if (!transient || !retryable) throw err;
      await this.backoff(attempt, retryAfter, run, { op, status, code });
    }
  }

  /** Account-level refusals become PlatformAccountError / PlatformLimitError; everything else passes through. */
  private async classify(err: unknown, run: Run): Promise<unknown> {
    if (!(err instanceof InstagramApiError)) return err;
    const { code, subcode } = err.detail;
    if (subcode === SUBCODE_LIMIT_REACHED) return this.limitError(run);
    const fix = (why: string, what: string) => accountError(why, `${err.message}. ${what}`);
    if (code === 10 || (code !== undefined && code >= 200 && code < 300)) {
      return fix(
        'missing_permission',
        'Grant instagram_content_publish (or instagram_business_content_publish), then run `npm run connect -- instagram` again.',
      );
    }
    if (subcode === SUBCODE_RESTRICTED) return fix('account_restricted', 'The Instagram account is restricted: resolve it in the Instagram app.');
    if (subcode === SUBCODE_SPAM) return fix('restricted_activity', 'Instagram suspects spam: post less often, or appeal in the Instagram app.');
    return err;
  }

  private async backoff(attempt: number, retryAfter: string | null, run: Run, data: Record<string, unknown>): Promise<void> {
    const fromHeader = parseRetryAfter(retryAfter, Date.now());
    const step = Math.min(MAX_BACKOFF_MS, this.cfg.backoffBaseMs * 2 ** (attempt - 1));
    const ms = Math.min(this.cfg.maxRetryWaitMs, fromHeader ?? step / 2 + (Math.random() * step) / 2);
    this.log('instagram: retrying', { ...data, attempt, waitMs: Math.round(ms), retryAfter });
    await this.sleep(ms, run);
  }

  /** A timer (aborted with the activity) that heartbeats at least every 5 s. */
  private async sleep(ms: number, run: Run): Promise<void> {
    const end = Date.now() + ms;
    for (let left = ms; left > 0; left = end - Date.now()) {
      run.heartbeat?.();
      await delay(Math.min(left, HEARTBEAT_EVERY_MS), undefined, run.signal ? { signal: run.signal } : undefined);
    }
  }

  private log(msg: string, data?: Record<string, unknown>): void {
    this.opts.log?.(msg, data);
  }
}

/**
 * The caption: the description (tracked link and disclosure included, never cut) and then as many of the
 * hashtags as fit in 2,200 characters and 30 hashtags in all. Characters are counted as code points [guess].
 */
export function instagramCaption(req: Pick<PublishRequest, 'description' | 'hashtags'>): string {
  const description = req.description.trim();
  const chars = (s: string) => [...s].length;
  const n = chars(description);
  if (n > MAX_CAPTION_CHARS)
    throw new Error(`The description is ${n} characters; an Instagram caption holds ${MAX_CAPTION_CHARS}: shorten it (keep link and disclosure).`);
  const inText = description.match(/#[\p{L}\p{N}_]+/gu) ?? [];
  if (inText.length > MAX_HASHTAGS) throw new Error(`The description has ${inText.length} hashtags; Instagram allows ${MAX_HASHTAGS}.`);
  const seen = new Set(inText.map((t) => t.toLowerCase()));
  const tags: string[] = [];
  for (const raw of req.hashtags) {
    const tag = `#${raw.replace(/^#+/, '').replace(/[^\p{L}\p{N}_]/gu, '')}`;
    if (tag === '#' || seen.has(tag.toLowerCase())) continue;
    if (seen.size >= MAX_HASHTAGS || chars(`${description}\n\n${[...tags, tag].join(' ')}`) > MAX_CAPTION_CHARS) break;
    seen.add(tag.toLowerCase());
    tags.push(tag);
  }
  return tags.length ? `${description}\n\n${tags.join(' ')}` : description;
}

function parse<T extends z.ZodType>(schema: T, body: unknown, what: string): z.output<T> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const message = `Instagram ${what} answered in an unexpected shape (${issue.path.join('.') || 'body'}: ${issue.message})`;
  throw new InstagramApiError(message, { op: what, status: 200, transient: false });
}

/** Graph timestamps look like 2017-05-05T23:40:17+0000. */
const graphTime = (s: string): number => Date.parse(s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));

/** A URL for messages: scheme, host and path, without a presigned query. */
function describeUrl(url: string): string {
  const u = URL.canParse(url) ? new URL(url) : undefined;
  return u ? `${u.protocol}//${u.host}${u.pathname}` : 'the video URL';
}

type HttpResult = { status: number; retryAfter: string | null; text: string };

async function send(url: URL, method: string, form: URLSearchParams, signal: AbortSignal): Promise<HttpResult> {
  const res = await fetch(url, { method, signal, ...(method === 'POST' ? { body: form } : {}) });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
}

const accountError = (code: string, message: string) => new PlatformAccountError('INSTAGRAM', code, message);
