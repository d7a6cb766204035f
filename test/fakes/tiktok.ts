// A local fake of TikTok's Content Posting API (Direct Post, FILE_UPLOAD), its OAuth refresh and
// /v2/video/query/, on 127.0.0.1:<random>. It refuses what TikTok refuses, in TikTok's shapes, so the
// publisher's tests catch what production would. Sources, cited next to each rule:
//   [DP]  developers.tiktok.com/doc/content-posting-api-reference-direct-post
//   [MT]  developers.tiktok.com/doc/content-posting-api-media-transfer-guide
//   [ST]  developers.tiktok.com/doc/content-posting-api-reference-get-video-status
//   [ERR] developers.tiktok.com/doc/tiktok-api-v2-error-handling
//   [OA]  developers.tiktok.com/docs/en/oauth-refresh-a-user-access-token, /doc/oauth-error-handling
//   [CS]  developers.tiktok.com/doc/content-sharing-guidelines
// Rules no page shows verbatim (HTTP statuses of some refusals, upload answers) are marked [guess].
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeTikTokFault =
  | 'spam_risk_too_many_posts'
  | 'reached_active_user_cap'
  | 'unaudited_client_can_only_post_to_private_accounts'
  | 'privacy_level_option_mismatch'
  | 'access_token_invalid'
  | 'scope_not_authorized'
  | 'rate_limit_exceeded'
  | 'internal_error'
  | 'chunk_5xx'
  | 'FAILED';

export interface FakeTikTokOptions {
  clientKey?: string;
  clientSecret?: string;
  /** The refresh token valid at start (default 'rt-initial'). */
  refreshToken?: string;
  /** creator_info privacy_level_options (default: a public account's PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, SELF_ONLY). */
  privacyLevelOptions?: string[];
  /** creator_info max_video_post_duration_sec (default 300). */
  maxVideoPostDurationSec?: number;
  /** An unaudited client: only SELF_ONLY posts are accepted [DP note, CS "Private Viewership"]. */
  unaudited?: boolean;
  username?: string;
  /** Status fetches after the last chunk before PUBLISH_COMPLETE (default 2). */
  pollsUntilComplete?: number;
  /** Access token life in seconds (default 86400). */
  accessTokenTtlSec?: number;
  commentDisabled?: boolean;
}

export interface FakeTikTokPost {
  publishId: string;
  postInfo: Record<string, any>;
  sourceInfo: Record<string, any>;
  uploadUrl: string;
  /** Chunks accepted, in order. */
  chunks: { start: number; end: number; status: number }[];
  receivedBytes: number;
  /** sha256 of the bytes received, once complete. */
  sha256?: string;
  status: 'PROCESSING_UPLOAD' | 'PUBLISH_COMPLETE' | 'FAILED';
  failReason?: string;
  /** The public post id (PUBLISH_COMPLETE, not SELF_ONLY). */
  postId?: string;
  statusPolls: number;
}

export interface FakeTikTokRequest {
  method: string;
  path: string;
  status: number;
  code?: string;
}

export type FakeTikTokEndpoint = 'creator_info' | 'init' | 'status' | 'video_query' | 'any';
type Endpoint = FakeTikTokEndpoint;

// Per-token limits per minute [DP: init 6, creator_info 20; ST: status 30; video.query 600 (rate-limit page)].
const LIMITS: Record<Exclude<Endpoint, 'any'>, number> = { creator_info: 20, init: 6, status: 30, video_query: 600 };
const PATHS: Record<string, Exclude<Endpoint, 'any'>> = {
  '/v2/post/publish/creator_info/query/': 'creator_info',
  '/v2/post/publish/video/init/': 'init',
  '/v2/post/publish/status/fetch/': 'status',
  '/v2/video/query/': 'video_query',
};
const PRIVACY_LEVELS = ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'FOLLOWER_OF_CREATOR', 'SELF_ONLY'];
// [MT] chunk rules; "MB" read as MiB [guess].
const MIB = 1024 * 1024;
const MIN_CHUNK = 5 * MIB;
const MAX_CHUNK = 64 * MIB;
const MAX_FINAL_CHUNK = 128 * MIB;

// HTTP status of each error code: [ERR] for access_token_invalid, scope_not_authorized, invalid_params,
// rate_limit_exceeded, internal_error; [DP error table, recalled] for the posting ones.
const STATUS_OF: Record<string, number> = {
  access_token_invalid: 401,
  scope_not_authorized: 401,
  invalid_params: 400,
  invalid_param: 400,
  rate_limit_exceeded: 429,
  internal_error: 500,
  spam_risk_too_many_posts: 403,
  reached_active_user_cap: 403,
  unaudited_client_can_only_post_to_private_accounts: 403,
  privacy_level_option_mismatch: 400,
};
const FAULT_ENDPOINT: Record<FakeTikTokFault, Endpoint | 'chunk'> = {
  spam_risk_too_many_posts: 'init',
  reached_active_user_cap: 'init',
  unaudited_client_can_only_post_to_private_accounts: 'init',
  privacy_level_option_mismatch: 'init',
  access_token_invalid: 'any',
  scope_not_authorized: 'any',
  rate_limit_exceeded: 'any',
  internal_error: 'any',
  chunk_5xx: 'chunk',
  FAILED: 'init',
};

interface PendingFault {
  kind: FakeTikTokFault;
  on: Endpoint | 'chunk';
  remaining: number;
  retryAfterSec?: number;
  failReason?: string;
}

export class FakeTikTok {
  readonly requests: FakeTikTokRequest[] = [];
  readonly counts = { token: 0, creatorInfo: 0, init: 0, chunkPuts: 0, status: 0, videoQuery: 0 };
  private refresh: string;
  private readonly accessTokens = new Map<string, number>(); // token → expiry (ms)
  private readonly postsById = new Map<string, FakeTikTokPost & { hash: ReturnType<typeof createHash>; failWith?: string }>();
  private readonly views = new Map<string, number>();
  private readonly faults: PendingFault[] = [];
  private readonly calls = new Map<string, number[]>(); // `${token}|${endpoint}` → times
  private seq = 0;
  private url = '';

  private constructor(
    private readonly server: http.Server,
    readonly opts: Required<Omit<FakeTikTokOptions, 'privacyLevelOptions'>> & { privacyLevelOptions: string[] },
  ) {
    this.refresh = opts.refreshToken;
  }

  static async start(options: FakeTikTokOptions = {}): Promise<FakeTikTok> {
    const opts = {
      clientKey: 'fake-client-key',
      clientSecret: 'fake-client-secret',
      refreshToken: 'rt-initial',
      privacyLevelOptions: ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'],
      maxVideoPostDurationSec: 300,
      unaudited: false,
      username: 'fakecreator',
      pollsUntilComplete: 2,
      accessTokenTtlSec: 86_400,
      commentDisabled: false,
      ...options,
    };
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          fake.handle(req, res, Buffer.concat(chunks));
        } catch (e) {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String((e as Error)?.stack ?? e));
        }
      });
    });
    const fake = new FakeTikTok(server, opts);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  get apiUrl(): string {
    return this.url;
  }

  /** The refresh token that works now (each refresh rotates it [OA]). */
  get refreshToken(): string {
    return this.refresh;
  }

  /** A valid access token, as if the app had refreshed earlier. */
  issueAccessToken(): string {
    const token = `act.${randomBytes(12).toString('hex')}`;
    this.accessTokens.set(token, Date.now() + this.opts.accessTokenTtlSec * 1000);
    return token;
  }

  /** Every access token stops working (as after the user changed their password). */
  revokeAccessTokens(): void {
    this.accessTokens.clear();
  }

  posts(): FakeTikTokPost[] {
    return [...this.postsById.values()].map(({ hash: _hash, failWith: _f, ...p }) => ({ ...p, chunks: [...p.chunks] }));
  }

  setViews(videoId: string, views: number): void {
    this.views.set(videoId, views);
  }

  setPollsUntilComplete(n: number): void {
    this.opts.pollsUntilComplete = n;
  }

  /**
   * The next `times` (default 1) matching requests fail with `kind`: the posting refusals and FAILED
   * apply to the next video/init, chunk_5xx to the next chunk PUT, the others to the next API call
   * (or the one named by `on`). FAILED makes that post end FAILED with `failReason` (default internal).
   */
  failNext(kind: FakeTikTokFault, opts: { times?: number; retryAfterSec?: number; failReason?: string; on?: Endpoint } = {}): void {
    this.faults.push({ kind, on: opts.on ?? FAULT_ENDPOINT[kind], remaining: opts.times ?? 1, retryAfterSec: opts.retryAfterSec, failReason: opts.failReason });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- routing -----------------------------------------------------------------------

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    const u = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const record = (status: number, code?: string) => this.requests.push({ method, path: u.pathname, status, ...(code ? { code } : {}) });
    if (method === 'PUT' && u.pathname === '/video/') return this.upload(req, res, u, body, record);
    if (method === 'POST' && u.pathname === '/v2/oauth/token/') return this.token(req, res, body, record);
    const endpoint = PATHS[u.pathname];
    if (method !== 'POST' || !endpoint) {
      record(404, 'not_found');
      return this.envelope(res, 404, 'not_found', `${method} ${u.pathname} is not an endpoint of this fake`);
    }
    const fail = (code: string, message: string, headers: Record<string, string> = {}) => {
      record(STATUS_OF[code] ?? 400, code);
      this.envelope(res, STATUS_OF[code] ?? 400, code, message, headers);
    };
    const auth = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const expiry = auth ? this.accessTokens.get(auth) : undefined;
    // [ERR] access_token_invalid 401: "The access token is invalid or not found in the request."
    if (!auth || expiry === undefined || expiry < Date.now()) return fail('access_token_invalid', 'The access token is invalid or not found in the request.');
    const fault = this.takeFault(endpoint);
    if (fault && fault.kind !== 'FAILED') {
      const headers: Record<string, string> = fault.kind === 'rate_limit_exceeded' ? { 'retry-after': String(fault.retryAfterSec ?? 1) } : {};
      return fail(fault.kind, `Injected: ${fault.kind}`, headers);
    }
    // Per-token rate limits [DP, ST]: 429 rate_limit_exceeded [ERR].
    const key = `${auth}|${endpoint}`;
    const recent = (this.calls.get(key) ?? []).filter((t) => t > Date.now() - 60_000);
    if (recent.length >= LIMITS[endpoint]) return fail('rate_limit_exceeded', `More than ${LIMITS[endpoint]} ${endpoint} requests a minute for this token.`);
    this.calls.set(key, [...recent, Date.now()]);
    // [DP] Content-Type: application/json; charset=UTF-8 on the JSON endpoints.
    if (endpoint !== 'creator_info' && !String(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return fail('invalid_params', 'Content-Type must be application/json; charset=UTF-8.');
    }
    let json: Record<string, any> = {};
    if (body.length) {
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        return fail('invalid_params', 'The body is not JSON.');
      }
    }
    const ok = (data: unknown, rawData?: string) => {
      record(200);
      this.envelope(res, 200, 'ok', '', {}, data, rawData);
    };
    switch (endpoint) {
      case 'creator_info':
        this.counts.creatorInfo++;
        // [DP] "Query Creator Info" response fields.
        return ok({
          creator_avatar_url: `https://p16.example/${this.opts.username}.jpeg`,
          creator_username: this.opts.username,
          creator_nickname: this.opts.username,
          privacy_level_options: this.opts.privacyLevelOptions,
          comment_disabled: this.opts.commentDisabled,
          duet_disabled: false,
          stitch_disabled: false,
          max_video_post_duration_sec: this.opts.maxVideoPostDurationSec,
        });
      case 'init': {
        this.counts.init++;
        const problem = this.checkInit(json);
        if (problem) return fail(problem.code, problem.message);
        const publishId = `v_pub_file~v2-1.${Date.now()}${++this.seq}`;
        const uploadUrl = `${this.url}/video/?upload_id=${publishId}&upload_token=${randomBytes(8).toString('hex')}`;
        this.postsById.set(publishId, {
          publishId,
          postInfo: json.post_info,
          sourceInfo: json.source_info,
          uploadUrl,
          chunks: [],
          receivedBytes: 0,
          status: 'PROCESSING_UPLOAD',
          statusPolls: 0,
          hash: createHash('sha256'),
          ...(fault?.kind === 'FAILED' ? { failWith: fault.failReason ?? 'internal' } : {}),
        });
        return ok({ publish_id: publishId, upload_url: uploadUrl });
      }
      case 'status': {
        this.counts.status++;
        const post = typeof json.publish_id === 'string' ? this.postsById.get(json.publish_id) : undefined;
        if (!post) return fail('invalid_params', 'publish_id not found [guess: wording].');
        this.advance(post);
        // [ST] publicaly_available_post_id (sic) is list<int64>: written as bare 19-digit numbers.
        const ids = post.postId ? `[${post.postId}]` : '[]';
        const data = {
          status: post.status,
          ...(post.failReason ? { fail_reason: post.failReason } : {}),
          publicaly_available_post_id: '__IDS__',
          uploaded_bytes: post.receivedBytes,
        };
        return ok(undefined, JSON.stringify(data).replace('"__IDS__"', ids));
      }
      case 'video_query': {
        this.counts.videoQuery++;
        const ids = json.filters?.video_ids;
        // [Display API video/query] up to 20 ids.
        if (!Array.isArray(ids) || ids.length === 0 || ids.length > 20) return fail('invalid_params', 'filters.video_ids must hold 1 to 20 ids.');
        const fields = (u.searchParams.get('fields') ?? '').split(',');
        const known = new Set([...this.postsById.values()].map((p) => p.postId).filter(Boolean));
        const videos = ids
          .filter((id: string) => known.has(id) || this.views.has(id))
          .map((id: string) => ({ id, ...(fields.includes('view_count') ? { view_count: this.views.get(id) ?? 0 } : {}) }));
        return ok({ videos, cursor: 0, has_more: false });
      }
    }
  }

  /** post_info and source_info of video/init, by [DP] and [MT]; null when valid. */
  private checkInit(json: Record<string, any>): { code: string; message: string } | null {
    const p = json.post_info;
    const s = json.source_info;
    const bad = (message: string) => ({ code: 'invalid_param', message });
    if (!p || typeof p !== 'object') return bad('post_info is required for Direct Post.');
    if (!s || typeof s !== 'object') return bad('source_info is required.');
    if (p.title !== undefined && (typeof p.title !== 'string' || p.title.length > 2200))
      return bad('post_info.title must be a string of at most 2200 UTF-16 runes.');
    if (!PRIVACY_LEVELS.includes(p.privacy_level)) return bad(`post_info.privacy_level must be one of ${PRIVACY_LEVELS.join(', ')}.`);
    for (const f of ['disable_comment', 'disable_duet', 'disable_stitch', 'brand_content_toggle', 'brand_organic_toggle', 'is_aigc']) {
      if (p[f] !== undefined && typeof p[f] !== 'boolean') return bad(`post_info.${f} must be a boolean.`);
    }
    if (p.video_cover_timestamp_ms !== undefined && !(Number.isInteger(p.video_cover_timestamp_ms) && p.video_cover_timestamp_ms >= 0)) {
      return bad('post_info.video_cover_timestamp_ms must be a whole number of milliseconds.');
    }
    // [DP] brand_content_toggle is required; [CS] branded content cannot be private [recalled].
    if (typeof p.brand_content_toggle !== 'boolean') return bad('post_info.brand_content_toggle is required.');
    if (p.brand_content_toggle && p.privacy_level === 'SELF_ONLY') return bad('Branded content cannot be posted with privacy_level SELF_ONLY [guess: code].');
    if (!this.opts.privacyLevelOptions.includes(p.privacy_level)) {
      return { code: 'privacy_level_option_mismatch', message: `privacy_level ${p.privacy_level} is not in the creator's privacy_level_options.` };
    }
    if (this.opts.unaudited && p.privacy_level !== 'SELF_ONLY') {
      return { code: 'unaudited_client_can_only_post_to_private_accounts', message: 'Unaudited clients can only post to private accounts.' };
    }
    if (s.source !== 'FILE_UPLOAD') return bad('This fake takes source FILE_UPLOAD only (PULL_FROM_URL needs a verified domain).');
    const { video_size: size, chunk_size: chunk, total_chunk_count: count } = s;
    if (![size, chunk, count].every((n) => Number.isSafeInteger(n) && n > 0))
      return bad('video_size, chunk_size and total_chunk_count must be positive integers.');
    if (size < MIN_CHUNK && (chunk !== size || count !== 1))
      return bad('A video under 5 MB must be uploaded whole: chunk_size = video_size, total_chunk_count = 1.');
    if (size >= MIN_CHUNK && (chunk < MIN_CHUNK || chunk > MAX_CHUNK)) return bad('chunk_size must be between 5 MB and 64 MB.');
    if (chunk > size) return bad('chunk_size cannot exceed video_size.');
    if (count !== Math.floor(size / chunk)) return bad(`total_chunk_count must be floor(video_size / chunk_size) = ${Math.floor(size / chunk)}.`);
    if (count > 1000) return bad('At most 1000 chunks.');
    if (size - (count - 1) * chunk > MAX_FINAL_CHUNK) return bad('The final chunk may not exceed 128 MB.');
    return null;
  }

  /** PUT {upload_url}: sequential chunks with Content-Range [MT]; 206 for a part, 201 when complete [guess: codes]. */
  private upload(req: http.IncomingMessage, res: http.ServerResponse, u: URL, body: Buffer, record: (status: number, code?: string) => void): void {
    this.counts.chunkPuts++;
    const post = this.postsById.get(u.searchParams.get('upload_id') ?? '');
    const refuse = (status: number, code: string, message: string) => {
      record(status, code);
      this.envelope(res, status, code, message);
    };
    if (!post || post.uploadUrl !== `${this.url}${u.pathname}${u.search}`) return refuse(404, 'not_found', 'Unknown upload URL [guess].');
    const fault = this.takeFault('chunk');
    if (fault) return refuse(500, 'internal_error', 'Injected: chunk_5xx');
    const size = post.sourceInfo.video_size as number;
    const chunk = post.sourceInfo.chunk_size as number;
    const count = post.sourceInfo.total_chunk_count as number;
    if (post.receivedBytes >= size) return refuse(400, 'invalid_file_upload', 'The upload is already complete [guess].');
    if (!/^video\/(mp4|quicktime|webm)$/.test(String(req.headers['content-type'] ?? ''))) {
      return refuse(400, 'invalid_file_upload', 'Content-Type must be the video type (video/mp4, video/quicktime or video/webm).');
    }
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(req.headers['content-range'] ?? ''));
    if (!m) return refuse(400, 'invalid_file_upload', 'Content-Range must be "bytes FIRST-LAST/TOTAL".');
    const [first, last, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const index = post.chunks.length;
    const isLast = index === count - 1;
    const expectedLast = isLast ? size - 1 : first + chunk - 1;
    // Chunks in order, of chunk_size, the last one to the end; the total is video_size [MT]. 416 [guess].
    if (total !== size || first !== post.receivedBytes || last !== expectedLast) {
      return refuse(416, 'invalid_file_upload', `Expected Content-Range bytes ${post.receivedBytes}-${expectedLast}/${size}, got ${m[0]}.`);
    }
    if (Number(req.headers['content-length']) !== body.length || body.length !== last - first + 1) {
      return refuse(400, 'invalid_file_upload', 'Content-Length must equal the bytes of this chunk.');
    }
    post.hash.update(body);
    post.receivedBytes += body.length;
    const status = isLast ? 201 : 206;
    post.chunks.push({ start: first, end: last, status });
    if (isLast) post.sha256 = post.hash.digest('hex');
    record(status);
    res.writeHead(status, { 'content-length': '0' });
    res.end();
  }

  /** Direct Post with FILE_UPLOAD: PROCESSING_UPLOAD until processed, then PUBLISH_COMPLETE or FAILED [ST]. */
  private advance(post: FakeTikTokPost & { failWith?: string }): void {
    if (post.status !== 'PROCESSING_UPLOAD' || post.receivedBytes < (post.sourceInfo.video_size as number)) return;
    post.statusPolls++;
    if (post.statusPolls < this.opts.pollsUntilComplete) return;
    if (post.failWith) {
      post.status = 'FAILED';
      post.failReason = post.failWith;
      return;
    }
    post.status = 'PUBLISH_COMPLETE';
    // Only public-facing posts get an id, after moderation [ST]; SELF_ONLY none [guess].
    if (post.postInfo.privacy_level !== 'SELF_ONLY') post.postId = `7${String(Date.now()).padStart(13, '0')}${String(++this.seq).padStart(5, '0')}`;
  }

  /** POST /v2/oauth/token/, grant_type=refresh_token: rotates the refresh token [OA]; errors as {error, error_description, log_id} [OA]. */
  private token(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, record: (status: number, code?: string) => void): void {
    this.counts.token++;
    const refuse = (status: number, error: string, description: string) => {
      record(status, error);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error, error_description: description, log_id: this.logId() }));
    };
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return refuse(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded.');
    }
    const form = new URLSearchParams(body.toString('utf8'));
    if (form.get('client_key') !== this.opts.clientKey || form.get('client_secret') !== this.opts.clientSecret) {
      return refuse(401, 'invalid_client', 'Client authentication failed [guess: status].');
    }
    if (form.get('grant_type') !== 'refresh_token') return refuse(400, 'unsupported_grant_type', 'This fake supports grant_type=refresh_token only.');
    if (form.get('refresh_token') !== this.refresh) return refuse(400, 'invalid_grant', 'Refresh token is invalid or expired [guess: status].');
    this.refresh = `rt-${randomBytes(10).toString('hex')}`;
    const access = this.issueAccessToken();
    record(200);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        access_token: access,
        expires_in: this.opts.accessTokenTtlSec,
        open_id: `open-${this.opts.username}`,
        refresh_expires_in: 31_536_000,
        refresh_token: this.refresh,
        scope: 'user.info.basic,video.publish,video.list',
        token_type: 'Bearer',
      }),
    );
  }

  private takeFault(on: Endpoint | 'chunk'): PendingFault | undefined {
    const f = this.faults.find((x) => x.remaining > 0 && (x.on === on || (x.on === 'any' && on !== 'chunk')));
    if (f) f.remaining--;
    return f;
  }

  /** [ERR] {"data": {...}, "error": {"code", "message", "log_id"}}; `rawData` is written as is (big ids). */
  private envelope(
    res: http.ServerResponse,
    status: number,
    code: string,
    message: string,
    headers: Record<string, string> = {},
    data: unknown = {},
    rawData?: string,
  ) {
    const error = JSON.stringify({ code, message, log_id: this.logId() });
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(`{"data":${rawData ?? JSON.stringify(data ?? {})},"error":${error}}`);
  }

  private logId(): string {
    return `2024${randomBytes(10).toString('hex').toUpperCase()}`;
  }
}
