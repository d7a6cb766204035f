// The TikTok publisher: Content Posting API, Direct Post with FILE_UPLOAD
// (developers.tiktok.com/doc/content-posting-api-reference-direct-post, …-media-transfer-guide,
// …-reference-get-video-status). Steps: creator_info/query → video/init (publish_id saved at once) →
// sequential chunk PUTs → status/fetch until PUBLISH_COMPLETE or FAILED.
//
// Exactly once: a FILE_UPLOAD init alone posts nothing (TikTok needs every byte first), so init may be
// retried; once a publish_id exists it is in the ledger before the first byte leaves, and a later attempt
// polls that publish_id instead of posting again. It starts over (a new init) only on evidence that the
// earlier upload can never complete (see uploadAbandoned) or after a FAILED status; both mean no post.
import fs from 'node:fs/promises';
import { z } from 'zod';
import { sleep, TikTokApi, TIKTOK_API_URL, tiktokError, type CallContext } from './tiktok-api.js';
import { buildCaption, DEFAULT_CHUNK_BYTES, MAX_CHUNK_BYTES, MIN_CHUNK_BYTES, mp4DurationSec, planChunks } from './tiktok-media.js';
import { PlatformAccountError, type PublishContext, type PublishedPost, type Publisher, type PublishRequest, type TokenVault } from './types.js';

export { planChunks, buildCaption, type ChunkPlan } from './tiktok-media.js';
export { TikTokApiError } from './tiktok-api.js';

export interface TikTokOptions {
  clientKey: string;
  clientSecret: string;
  vault: TokenVault;
  /** TIKTOK_PRIVACY_LEVEL; must be among creator_info's privacy_level_options. Default: SELF_ONLY when offered. */
  privacyLevel?: string;
  /** Default https://open.tiktokapis.com */
  apiUrl?: string;
  /** Default 10 MiB; 5 MiB..64 MB (Media Transfer Guide). */
  chunkBytes?: number;
  /** Default 5000 (status/fetch allows 30 requests a minute per token). */
  pollIntervalMs?: number;
  /** Default 10 minutes; then the attempt fails and the next one resumes polling. */
  pollTimeoutMs?: number;
  /** Per API request (default 30000; chunk PUTs get at least 5 minutes). */
  timeoutMs?: number;
  /** HTTP attempts per call on 429, 5xx and network errors (default 5). */
  maxAttempts?: number;
  /** First backoff step without Retry-After (default 1000, doubling up to 30 s, with jitter). */
  backoffBaseMs?: number;
  log?: (msg: string, data?: Record<string, unknown>) => void;
}

export const PRIVACY_LEVELS = ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'FOLLOWER_OF_CREATOR', 'SELF_ONLY'] as const;

/** "upload_url … valid for one hour after initialization" [recalled from the Direct Post reference]. */
const UPLOAD_URL_TTL_MS = 60 * 60_000;
/** Post ids come after moderation, "usually within one minute" (Get Post Status): a few more polls for one. */
const POST_ID_GRACE_POLLS = 3;
const VIDEO_QUERY_MAX_IDS = 20;

const creatorInfoSchema = z.object({
  creator_username: z.string().optional(),
  creator_nickname: z.string().optional(),
  privacy_level_options: z.array(z.string()),
  comment_disabled: z.boolean().optional(),
  duet_disabled: z.boolean().optional(),
  stitch_disabled: z.boolean().optional(),
  max_video_post_duration_sec: z.number().optional(),
});
type CreatorInfo = z.infer<typeof creatorInfoSchema>;

const initSchema = z.object({ publish_id: z.string().min(1), upload_url: z.string().url() });

const statusSchema = z.object({
  status: z.string(),
  fail_reason: z.string().optional(),
  uploaded_bytes: z.number().optional(),
});

const videoQuerySchema = z.object({
  videos: z.array(z.object({ id: z.union([z.string(), z.number()]), view_count: z.number().optional() })).optional(),
});

/** What the ledger keeps for this row between attempts. */
const savedStateSchema = z.object({
  publishId: z.string().min(1),
  uploadUrl: z.string(),
  videoSize: z.number(),
  privacyLevel: z.string().optional(),
  username: z.string().nullish(),
  /** ISO time of video/init. */
  initAt: z.string().optional(),
  /** ISO time TikTok acknowledged the last chunk; absent while the upload may be incomplete. */
  uploadedAt: z.string().optional(),
});
type SavedState = z.infer<typeof savedStateSchema>;

interface PostStatus {
  status: string;
  failReason?: string;
  uploadedBytes?: number;
  postIds: string[];
}

export class TikTokPublisher implements Publisher {
  readonly name = 'tiktok';
  readonly platform = 'TIKTOK' as const;
  readonly resumable = true;
  private readonly api: TikTokApi;
  private readonly chunkBytes: number;
  private readonly pollIntervalMs: number;
  private readonly pollTimeoutMs: number;

  constructor(private readonly opts: TikTokOptions) {
    if (!opts.clientKey?.trim() || !opts.clientSecret?.trim()) throw new TypeError('The TikTok publisher needs TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET');
    if (opts.privacyLevel !== undefined && !(PRIVACY_LEVELS as readonly string[]).includes(opts.privacyLevel)) {
      throw new RangeError(`TIKTOK_PRIVACY_LEVEL "${opts.privacyLevel}" is not a TikTok privacy level: use one of ${PRIVACY_LEVELS.join(', ')}`);
    }
    this.chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    if (!Number.isSafeInteger(this.chunkBytes) || this.chunkBytes < MIN_CHUNK_BYTES || this.chunkBytes > MAX_CHUNK_BYTES) {
      throw new RangeError(`TikTok chunkBytes must be between ${MIN_CHUNK_BYTES} and ${MAX_CHUNK_BYTES}, got ${this.chunkBytes}`);
    }
    this.pollIntervalMs = Math.max(0, opts.pollIntervalMs ?? 5000);
    this.pollTimeoutMs = Math.max(0, opts.pollTimeoutMs ?? 10 * 60_000);
    this.api = new TikTokApi({
      clientKey: opts.clientKey,
      clientSecret: opts.clientSecret,
      vault: opts.vault,
      apiUrl: (opts.apiUrl ?? TIKTOK_API_URL).replace(/\/+$/, ''),
      timeoutMs: opts.timeoutMs ?? 30_000,
      maxAttempts: Math.max(1, opts.maxAttempts ?? 5),
      backoffBaseMs: Math.max(0, opts.backoffBaseMs ?? 1000),
      log: opts.log,
    });
  }

  async publish(req: PublishRequest, ctx?: PublishContext): Promise<PublishedPost> {
    const cx = ctx ?? detachedContext();
    const call: CallContext = { signal: cx.signal, heartbeat: () => cx.heartbeat() };
    const saved = savedStateSchema.safeParse(cx.state ?? undefined);
    if (saved.success) {
      const post = await this.resume(saved.data, cx, call);
      if (post) return post;
    }

    const { size } = await fs.stat(req.videoPath);
    const creator = await this.creatorInfo(call);
    const privacyLevel = this.choosePrivacy(creator);
    await this.checkDuration(req.videoPath, creator);
    const plan = planChunks(size, this.chunkBytes);
    const postInfo = {
      title: buildCaption(req),
      privacy_level: privacyLevel,
      // Interactions stay on, except where the creator turned them off in TikTok (creator_info).
      disable_comment: creator.comment_disabled === true,
      disable_duet: creator.duet_disabled === true,
      disable_stitch: creator.stitch_disabled === true,
      ...commercialContentToggles(privacyLevel),
      is_aigc: req.syntheticMedia === true,
    };
    const sourceInfo = { source: 'FILE_UPLOAD', video_size: size, chunk_size: plan.chunkSize, total_chunk_count: plan.totalChunkCount };
    const { data } = await this.api.call('/v2/post/publish/video/init/', { post_info: postInfo, source_info: sourceInfo }, initSchema, call);
    const state: SavedState = {
      publishId: data.publish_id,
      uploadUrl: data.upload_url,
      videoSize: size,
      privacyLevel,
      username: creator.creator_username ?? null,
      initAt: new Date().toISOString(),
    };
    // In the ledger before the first byte: from here on a retry polls this publish_id.
    await cx.saveState(state);
    this.log('tiktok: upload started', { publishId: state.publishId, bytes: size, chunks: plan.totalChunkCount, privacyLevel });

    const fh = await fs.open(req.videoPath, 'r');
    try {
      for (const [i, range] of plan.ranges.entries()) {
        const bytes = Buffer.alloc(range.end - range.start + 1);
        await fh.read(bytes, 0, bytes.length, range.start);
        cx.heartbeat();
        await this.api.putChunk(state.uploadUrl, bytes, range, size, call);
        this.log('tiktok: chunk uploaded', { publishId: state.publishId, chunk: i + 1, of: plan.totalChunkCount });
      }
    } finally {
      await fh.close();
    }
    const uploaded: SavedState = { ...state, uploadedAt: new Date().toISOString() };
    await cx.saveState(uploaded);
    return this.waitForPost(uploaded, cx, call);
  }

  /** Views per TikTok video id (/v2/video/query/, 20 ids a call); null for ids TikTok did not return (a publish_id, a deleted video). */
  async fetchViews(externalIds: string[]): Promise<Record<string, number | null>> {
    const out: Record<string, number | null> = Object.fromEntries(externalIds.map((id) => [id, null]));
    // Video ids are numbers; an externalId that is a publish_id (a post TikTok never gave an id) cannot be queried.
    const ids = [...new Set(externalIds.filter((id) => /^\d{1,30}$/.test(id)))];
    for (let i = 0; i < ids.length; i += VIDEO_QUERY_MAX_IDS) {
      const batch = ids.slice(i, i + VIDEO_QUERY_MAX_IDS);
      const { data } = await this.api.call('/v2/video/query/', { filters: { video_ids: batch } }, videoQuerySchema, {}, { fields: 'id,view_count' });
      for (const v of data.videos ?? []) {
        const id = String(v.id);
        if (id in out && typeof v.view_count === 'number') out[id] = v.view_count;
      }
    }
    return out;
  }

  // ---- steps -------------------------------------------------------------------------

  private async creatorInfo(call: CallContext): Promise<CreatorInfo> {
    const { data } = await this.api.call('/v2/post/publish/creator_info/query/', undefined, creatorInfoSchema, call);
    return data;
  }

  private choosePrivacy(creator: CreatorInfo): string {
    const allowed = creator.privacy_level_options;
    const who = creator.creator_username ? `@${creator.creator_username}` : 'this account';
    const wanted = this.opts.privacyLevel;
    if (wanted && allowed.includes(wanted)) return wanted;
    if (!wanted && allowed.includes('SELF_ONLY')) return 'SELF_ONLY';
    throw new PlatformAccountError(
      'TIKTOK',
      'privacy_level_option_mismatch',
      `${wanted ? `TIKTOK_PRIVACY_LEVEL=${wanted} is` : 'SELF_ONLY (the default privacy level) is'} not among the privacy levels TikTok offers ${who}: ${allowed.join(', ') || '(none)'}; set TIKTOK_PRIVACY_LEVEL to one of them.`,
    );
  }

  private async checkDuration(videoPath: string, creator: CreatorInfo): Promise<void> {
    const max = creator.max_video_post_duration_sec;
    if (!max) return;
    const seconds = await mp4DurationSec(videoPath).catch(() => null);
    if (seconds === null) {
      this.log('tiktok: could not read the video duration; TikTok will check it', { videoPath });
      return;
    }
    if (seconds > max) {
      throw new Error(
        `The video lasts ${seconds.toFixed(1)} s, longer than the ${max} s TikTok allows ${creator.creator_username ? `@${creator.creator_username}` : 'this account'} (max_video_post_duration_sec): nothing was posted; render a shorter video.`,
      );
    }
  }

  /** An earlier attempt got a publish_id: its outcome, or null when that upload can never post (start over). */
  private async resume(state: SavedState, cx: PublishContext, call: CallContext): Promise<PublishedPost | null> {
    this.log('tiktok: resuming an earlier attempt (no new post)', { publishId: state.publishId, uploaded: Boolean(state.uploadedAt) });
    const first = await this.fetchStatus(state.publishId, call);
    if (first.status === 'PROCESSING_UPLOAD' && !state.uploadedAt && (await this.uploadAbandoned(state, first, call))) {
      this.log('tiktok: the earlier upload never completed and cannot complete now; starting a new upload', {
        publishId: state.publishId,
        uploadedBytes: first.uploadedBytes,
        videoSize: state.videoSize,
      });
      return null;
    }
    return this.waitForPost(state, cx, call, first);
  }

  /**
   * Whether the earlier upload can never complete, so a new init cannot double-post. Only the attempt
   * holding the ledger row uploads, and it is gone, so no more bytes arrive. Evidence (either):
   *   - TikTok reports uploaded_bytes below the video size, unchanged over one poll interval [guess: that
   *     status/fetch reports uploaded_bytes for an unfinished FILE_UPLOAD; without it this rule never fires];
   *   - [guess] still PROCESSING_UPLOAD more than an hour (the upload_url's life) plus 10 minutes after
   *     init: a complete upload is processed in minutes, an incomplete one can no longer receive bytes.
   * Our own state must also say the last chunk was never acknowledged (no uploadedAt).
   */
  private async uploadAbandoned(state: SavedState, first: PostStatus, call: CallContext): Promise<boolean> {
    const initAt = Date.parse(state.initAt ?? '');
    if (Number.isFinite(initAt) && Date.now() - initAt > UPLOAD_URL_TTL_MS + 10 * 60_000) return true;
    if (first.uploadedBytes === undefined || first.uploadedBytes >= state.videoSize) return false;
    await sleep(this.pollIntervalMs, call);
    const again = await this.fetchStatus(state.publishId, call);
    return again.status === 'PROCESSING_UPLOAD' && again.uploadedBytes === first.uploadedBytes;
  }

  /** Polls status/fetch every pollIntervalMs until PUBLISH_COMPLETE (the post) or FAILED (an error). */
  private async waitForPost(state: SavedState, cx: PublishContext, call: CallContext, first?: PostStatus): Promise<PublishedPost> {
    const deadline = Date.now() + this.pollTimeoutMs;
    let status = first ?? (await this.fetchStatus(state.publishId, call));
    for (let idPolls = 0; ;) {
      cx.heartbeat();
      const timeUp = Date.now() + this.pollIntervalMs > deadline;
      if (status.status === 'PUBLISH_COMPLETE') {
        // Public posts get their id after moderation; SELF_ONLY ones get none [guess]: the publish_id stands in.
        if (status.postIds[0] || state.privacyLevel === 'SELF_ONLY' || idPolls++ >= POST_ID_GRACE_POLLS || timeUp) return this.posted(state, status.postIds[0]);
      } else if (status.status === 'FAILED') {
        return this.failed(state, status.failReason, cx);
      } else if (status.status === 'SEND_TO_USER_INBOX') {
        // An inbox draft (the Upload flow), not a post: it waits for the creator; posting again would duplicate it.
        throw new PlatformAccountError(
          'TIKTOK',
          'sent_to_user_inbox',
          `TikTok sent the video (publish_id ${state.publishId}) to the creator's inbox instead of posting it: finish it in the TikTok app, then settle this publication by hand.`,
        );
      }
      if (timeUp) {
        throw new Error(
          `TikTok is still processing publish_id ${state.publishId} (${status.status}) after ${Math.round(this.pollTimeoutMs / 1000)} s: the publish_id is saved, so the next attempt resumes polling and posts nothing new.`,
        );
      }
      await sleep(this.pollIntervalMs, call);
      status = await this.fetchStatus(state.publishId, call);
    }
  }

  private async fetchStatus(publishId: string, call: CallContext): Promise<PostStatus> {
    const { data, raw } = await this.api.call('/v2/post/publish/status/fetch/', { publish_id: publishId }, statusSchema, call);
    return { status: data.status, failReason: data.fail_reason, uploadedBytes: data.uploaded_bytes, postIds: postIdsFromRaw(raw) };
  }

  private posted(state: SavedState, postId: string | undefined): PublishedPost {
    const profile = state.username ? `https://www.tiktok.com/@${state.username}` : 'https://www.tiktok.com/';
    const url = postId && state.username ? `${profile}/video/${postId}` : profile;
    this.log('tiktok: published', { publishId: state.publishId, postId: postId ?? null, url });
    return { externalId: postId ?? state.publishId, url };
  }

  /** FAILED is final and posted nothing: the ledger forgets the publish_id, so a later attempt uploads anew. */
  private async failed(state: SavedState, reason: string | undefined, cx: PublishContext): Promise<never> {
    await cx.saveState({ lastFailed: { publishId: state.publishId, failReason: reason ?? null, at: new Date().toISOString() } });
    const why = reason ?? 'no fail_reason given';
    if (reason === 'spam_risk_too_many_posts' || reason === 'spam_risk_user_banned_from_posting') {
      throw tiktokError('/v2/post/publish/status/fetch/', 200, reason, `publish_id ${state.publishId} FAILED: ${why}`);
    }
    if (reason === 'auth_removed') {
      throw new PlatformAccountError(
        'TIKTOK',
        reason,
        `The TikTok account removed the app's authorization while publish_id ${state.publishId} was processing: authorize the app again and set TIKTOK_REFRESH_TOKEN.`,
      );
    }
    throw new Error(`TikTok could not publish the video (publish_id ${state.publishId} FAILED, fail_reason ${why}): nothing was posted.`);
  }

  private log(msg: string, data?: Record<string, unknown>): void {
    this.opts.log?.(msg, data);
  }
}

/**
 * The commercial content disclosure. Direct Post reference, post_info: brand_content_toggle "Set to true if
 * the video is a paid partnership to promote a third-party business"; brand_organic_toggle "Set to true if
 * this video is promoting the creator's own business" [recalled wording]. TikTok's help centre defines
 * branded content as content promoting goods or services "where you will receive … something of value from
 * a third party … or which you might otherwise need to disclose" (support.tiktok.com, Branded Content).
 * An Amazon Associate is paid commissions by a third party for promoting its products, so these posts are
 * branded content (label "Paid partnership"), not the creator's own business ("Promotional content").
 * TikTok does not allow branded content to be private (SELF_ONLY) [recalled: Content Sharing Guidelines], so
 * a SELF_ONLY post carries no toggle; its caption still has #ad and the written disclosure, and the owner
 * turns the disclosure on when making it public.
 */
export function commercialContentToggles(privacyLevel: string): { brand_content_toggle: boolean; brand_organic_toggle: boolean } {
  return { brand_content_toggle: privacyLevel !== 'SELF_ONLY', brand_organic_toggle: false };
}

/**
 * publicaly_available_post_id (sic) is list<int64> [recalled]: 19-digit ids lose precision as JS numbers,
 * so they are read from the raw JSON text.
 */
export function postIdsFromRaw(raw: string): string[] {
  const m = /"publicaly_available_post_id"\s*:\s*\[([^\]]*)\]/.exec(raw);
  if (!m) return [];
  return m[1]
    .split(',')
    .map((s) => s.trim().replace(/^"|"$/g, ''))
    .filter((s) => /^\d+$/.test(s));
}

/** Outside the ledger (a script, a manual run): nothing to resume from and nowhere to save. */
function detachedContext(): PublishContext {
  return {
    state: null,
    saveState: async () => undefined,
    heartbeat: () => undefined,
    signal: new AbortController().signal,
    videoUrl: async () => {
      throw new Error('The TikTok publisher uploads the file itself and needs no video URL');
    },
  };
}
