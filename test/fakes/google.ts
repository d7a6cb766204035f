// A local fake of Google's OAuth token endpoint and the parts of the YouTube Data API v3 the
// publisher uses (resumable videos.insert, videos.list statistics), on 127.0.0.1:<random>. It
// refuses what Google refuses, with Google's error shapes, so tests catch what production would.
//
// Sources, cited per rule below:
//   [RUP]   https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol
//   [INS]   https://developers.google.com/youtube/v3/docs/videos/insert (errors table)
//   [VID]   https://developers.google.com/youtube/v3/docs/videos (snippet/status properties)
//   [QUOTA] https://developers.google.com/youtube/v3/determine_quota_cost
//   [PROTO] /work/shared/PROTOCOLS.md §3 (error bodies seen in ShareX#5888, tokland/youtube-upload#188)
// Wording of messages that no source shows verbatim is marked [wording guessed].
import { createHash, randomBytes, type Hash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Faults for failNext, each applied to the next request it fits:
 * upload-5xx-mid: the next chunk PUT (even a single whole-file one) keeps half its bytes, then 503; quotaExceeded (403) and
 * uploadLimitExceeded (400): a session start; rateLimit429 (Retry-After) and unauthorized (401): any API
 * request; invalid_grant: a refresh at /token.
 */
export type GoogleFault = 'upload-5xx-mid' | 'quotaExceeded' | 'uploadLimitExceeded' | 'rateLimit429' | 'invalid_grant' | 'unauthorized';

export interface FakeGoogleOptions {
  clientId?: string;
  clientSecret?: string;
  /** The refresh token the fake knows. */
  refreshToken?: string;
  /** expires_in of issued access tokens (default 3599, what Google answers). */
  accessTokenTtlSec?: number;
  /** Units left today (default 10,000, the default allocation [QUOTA]). */
  quotaUnits?: number;
  /**
   * What starting an upload costs. Default 1600, the figure videos.insert's reference page gave
   * for years [INS: "a quota cost of 1600 units"]. Google has since lowered it to ~100 (revision
   * history, 4 Dec 2025) and, from 1 Jun 2026, bills videos.insert to its own bucket of 100 calls a
   * day at 1 per call [QUOTA]: pass 1 with quotaUnits 100 to model that.
   */
  insertCostUnits?: number;
  /** Retry-After of the rateLimit429 fault (default 1 s). */
  retryAfterSeconds?: number;
}

export interface FakeUploadSession {
  id: string;
  uri: string;
  /** X-Upload-Content-Length declared at creation. */
  size: number;
  contentType: string;
  /** The video resource sent at creation. */
  resource: Record<string, any>;
  /** Bytes stored, in order (what Range reports). */
  persisted: number;
  /** Every body byte that arrived on a PUT, stored or not. */
  bytesReceived: number;
  /** Bytes sent again that the session already had. */
  duplicateBytes: number;
  /** Chunk PUTs and status queries. */
  puts: number;
  statusQueries: number;
  videoId?: string;
  expired: boolean;
  /** When the session was created (ms since epoch). */
  createdAt: number;
}

export interface FakeVideo {
  id: string;
  snippet: Record<string, any>;
  status: Record<string, any>;
  size: number;
  /** sha256 of the bytes in upload order. */
  sha256: string;
  sessionId: string;
}

export interface RecordedGoogleRequest {
  method: string;
  path: string;
  status: number;
  contentRange?: string;
  reason?: string;
}

type ApiError = { status: number; reason: string; message: string; domain?: string; location?: string; headers?: Record<string, string> };

const MiB256K = 256 * 1024;
/** "Maximum file size: 256GB" [INS]. */
const MAX_UPLOAD_BYTES = 256 * 1024 ** 3;
/** Categories assignable in the US (videoCategories.list regionCode=US, assignable=true) [guess: recalled list]. */
const CATEGORY_IDS = new Set(['1', '2', '10', '15', '17', '19', '20', '22', '23', '24', '25', '26', '27', '28', '29']);
const PRIVACY = new Set(['public', 'private', 'unlisted']);
const QUOTA_MESSAGE = 'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.';

export class FakeGoogle {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly requests: RecordedGoogleRequest[] = [];
  /** Access tokens issued by /token. */
  tokensIssued = 0;
  quotaRemaining: number;
  quotaUsed = 0;
  readonly insertCostUnits: number;
  private readonly refreshTokens = new Set<string>();
  private readonly accessTokens = new Map<string, number>();
  private readonly sessionsById = new Map<string, FakeUploadSession & { hash: Hash }>();
  private readonly videosById = new Map<string, FakeVideo>();
  private readonly views = new Map<string, number>();
  private readonly faults = new Map<GoogleFault, number>();
  private readonly ttlSec: number;
  private readonly retryAfterSeconds: number;
  private server!: http.Server;
  port = 0;

  private constructor(opts: FakeGoogleOptions) {
    this.clientId = opts.clientId ?? 'fake-client.apps.googleusercontent.com';
    this.clientSecret = opts.clientSecret ?? 'fake-client-secret';
    this.refreshTokens.add(opts.refreshToken ?? '1//fake-refresh-token');
    this.ttlSec = opts.accessTokenTtlSec ?? 3599;
    this.quotaRemaining = opts.quotaUnits ?? 10_000;
    this.insertCostUnits = opts.insertCostUnits ?? 1600;
    this.retryAfterSeconds = opts.retryAfterSeconds ?? 1;
  }

  static async start(opts: FakeGoogleOptions = {}): Promise<FakeGoogle> {
    const f = new FakeGoogle(opts);
    f.server = http.createServer((req, res) => f.route(req, res));
    await new Promise<void>((resolve) => f.server.listen(0, '127.0.0.1', resolve));
    f.port = (f.server.address() as AddressInfo).port;
    return f;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  /** For YouTubeOptions.tokenUrl. */
  get tokenUrl(): string {
    return `${this.url}/token`;
  }
  /** For YouTubeOptions.apiUrl. */
  get apiUrl(): string {
    return this.url;
  }
  get refreshToken(): string {
    return [...this.refreshTokens][0];
  }
  get bytesReceived(): number {
    return this.sessions().reduce((n, s) => n + s.bytesReceived, 0);
  }
  get duplicateBytes(): number {
    return this.sessions().reduce((n, s) => n + s.duplicateBytes, 0);
  }

  sessions(): FakeUploadSession[] {
    return [...this.sessionsById.values()].map(({ hash: _hash, ...s }) => ({ ...s }));
  }
  videos(): FakeVideo[] {
    return [...this.videosById.values()];
  }
  setViews(videoId: string, n: number): void {
    if (!this.videosById.has(videoId)) throw new Error(`fake google: no video ${videoId}`);
    this.views.set(videoId, n);
  }
  /** The next `times` requests the fault applies to fail that way (see GoogleFault handling in route). */
  failNext(fault: GoogleFault, times = 1): void {
    this.faults.set(fault, (this.faults.get(fault) ?? 0) + times);
  }
  setQuota(units: number): void {
    this.quotaRemaining = units;
  }
  revokeRefreshToken(token = this.refreshToken): void {
    this.refreshTokens.delete(token);
  }
  /** The session answers 404 from now on, as an expired one does [RUP: restart on 404, guess at the lifetime ~1 week]. */
  expireSession(uri: string): void {
    const s = [...this.sessionsById.values()].find((x) => x.uri === uri);
    if (!s) throw new Error(`fake google: no session ${uri}`);
    s.expired = true;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- routing -------------------------------------------------------------------------------

  private take(fault: GoogleFault): boolean {
    const n = this.faults.get(fault) ?? 0;
    if (n <= 0) return false;
    this.faults.set(fault, n - 1);
    return true;
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const u = new URL(req.url ?? '/', this.url);
    const record = (status: number, extra: Partial<RecordedGoogleRequest> = {}) =>
      this.requests.push({ method: req.method ?? '', path: u.pathname, status, ...extra });
    const done = (status: number, body: unknown, headers: Record<string, string> = {}, extra: Partial<RecordedGoogleRequest> = {}) => {
      record(status, extra);
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=UTF-8', ...headers });
      res.end(text);
    };
    const fail = (e: ApiError) => {
      const error = {
        code: e.status,
        message: e.message,
        errors: [{ message: e.message, domain: e.domain ?? 'global', reason: e.reason, ...loc(e.location) }],
      };
      // Drain what the client still sends, then answer (an early answer resets the client's upload).
      req.resume();
      const answer = () => done(e.status, { error }, e.headers, { reason: e.reason });
      if (req.readableEnded) answer();
      else req.once('end', answer);
    };

    if (req.method === 'POST' && u.pathname === '/token') return void readAll(req).then((b) => this.token(b, req, done));

    const isUpload = u.pathname === '/upload/youtube/v3/videos';
    const isList = u.pathname === '/youtube/v3/videos' && req.method === 'GET';
    if (!isUpload && !isList) return fail({ status: 404, reason: 'notFound', message: `fake google: no route ${req.method} ${u.pathname}` });

    const session = isUpload && req.method === 'PUT' ? this.sessionsById.get(u.searchParams.get('upload_id') ?? '') : undefined;
    if (isUpload && req.method === 'PUT' && (!session || session.expired)) {
      req.resume();
      return void req.once('end', () => done(404, 'Not Found', {}, { reason: 'session gone' }));
    }
    // The session URI authorises its PUTs; a bearer sent along must still be valid [guess].
    const auth = req.headers.authorization;
    if ((!session || auth) && !this.validBearer(auth)) return fail(unauthenticated());
    if (this.take('unauthorized')) return fail(unauthenticated());
    if (this.take('rateLimit429'))
      return fail({
        status: 429,
        reason: 'rateLimitExceeded',
        message: 'Resource has been exhausted (e.g. check quota).',
        headers: { 'retry-after': String(this.retryAfterSeconds) },
      }); // [wording guessed]

    if (isList) return this.list(u, fail, done);
    if (req.method === 'POST') return void readAll(req).then((b) => this.createSession(u, req, b, fail, done));
    if (req.method === 'PUT') return this.put(session!, req, fail, done);
    fail({ status: 405, reason: 'methodNotAllowed', message: `fake google: ${req.method} not allowed here` });
  }

  // ---- OAuth ---------------------------------------------------------------------------------

  /** Refresh-token grant: form body; 401 invalid_client for a wrong client, 400 invalid_grant for an unknown token [PROTO]. */
  private token(body: Buffer, req: http.IncomingMessage, done: (s: number, b: unknown) => void): void {
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded'))
      return done(400, { error: 'invalid_request', error_description: 'Expected a form-encoded body.' }); // [wording guessed]
    const f = new URLSearchParams(body.toString('utf8'));
    if (f.get('grant_type') !== 'refresh_token')
      return done(400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type: ' + f.get('grant_type') });
    if (f.get('client_id') !== this.clientId || f.get('client_secret') !== this.clientSecret)
      return done(401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' });
    if (this.take('invalid_grant') || !this.refreshTokens.has(f.get('refresh_token') ?? ''))
      return done(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
    const accessToken = `ya29.fake-${randomBytes(12).toString('base64url')}`;
    this.accessTokens.set(accessToken, Date.now() + this.ttlSec * 1000);
    this.tokensIssued++;
    done(200, { access_token: accessToken, expires_in: this.ttlSec, scope: 'https://www.googleapis.com/auth/youtube.upload', token_type: 'Bearer' });
  }

  private validBearer(header: string | undefined): boolean {
    const token = /^Bearer (\S+)$/.exec(header ?? '')?.[1];
    const expires = token ? this.accessTokens.get(token) : undefined;
    return expires !== undefined && expires > Date.now();
  }

  private charge(units: number): ApiError | null {
    if (this.quotaRemaining < units) return { status: 403, reason: 'quotaExceeded', domain: 'youtube.quota', message: QUOTA_MESSAGE };
    this.quotaRemaining -= units;
    this.quotaUsed += units;
    return null;
  }

  // ---- videos.insert, resumable ---------------------------------------------------------------

  /** Step 1 [RUP]: POST the video resource with X-Upload-Content-Length/Type; 200 + Location. */
  private createSession(u: URL, req: http.IncomingMessage, body: Buffer, fail: (e: ApiError) => void, done: Done): void {
    if (u.searchParams.get('uploadType') !== 'resumable') return fail(bad('badRequest', 'fake google: only uploadType=resumable is modelled'));
    const part = u.searchParams.get('part');
    if (!part) return fail(bad('required', 'Required parameter: part', 'part')); // [wording guessed]
    if (this.take('quotaExceeded')) return fail({ status: 403, reason: 'quotaExceeded', domain: 'youtube.quota', message: QUOTA_MESSAGE });
    // A per-channel cap; 400 per YouTube's announcement (GNOME/shotwell#5019) [PROTO].
    if (this.take('uploadLimitExceeded'))
      return fail({
        status: 400,
        reason: 'uploadLimitExceeded',
        domain: 'youtube.video',
        message: 'The user has exceeded the number of videos they may upload.',
      });
    // "All API requests, including invalid requests, incur a quota cost of at least one point" [QUOTA].
    const overQuota = this.charge(this.insertCostUnits);
    if (overQuota) return fail(overQuota);
    if (!String(req.headers['content-type']).startsWith('application/json')) return fail(bad('badContent', 'Expected the video resource as JSON.')); // [wording guessed]
    const size = Number(req.headers['x-upload-content-length']);
    if (!Number.isInteger(size) || size <= 0 || size > MAX_UPLOAD_BYTES)
      return fail(bad('badRequest', 'X-Upload-Content-Length must give the file size (1 byte to 256 GB).', 'X-Upload-Content-Length')); // [guess: required]
    const contentType = String(req.headers['x-upload-content-type'] ?? '');
    // "Accepted Media MIME types: video/*, application/octet-stream" [INS].
    if (!/^video\/[\w.+-]+$/.test(contentType) && contentType !== 'application/octet-stream')
      return fail(bad('invalidContentType', `Media type '${contentType}' is not supported.`, 'X-Upload-Content-Type')); // [wording guessed]
    let resource: any;
    try {
      resource = JSON.parse(body.toString('utf8'));
    } catch {
      return fail(bad('parseError', 'Parse Error'));
    }
    const invalid = validateVideo(resource);
    if (invalid) return fail(invalid);
    const id = randomBytes(12).toString('base64url');
    const uri = `${this.url}/upload/youtube/v3/videos?uploadType=resumable&part=${encodeURIComponent(part)}&upload_id=${id}`;
    const s = { id, uri, size, contentType, resource, persisted: 0, bytesReceived: 0, duplicateBytes: 0, puts: 0, statusQueries: 0, expired: false };
    this.sessionsById.set(id, { ...s, createdAt: Date.now(), hash: createHash('sha256') });
    done(200, '', { location: uri, 'x-guploader-uploadid': id });
  }

  /**
   * Steps 2–4 [RUP]: `Content-Range: bytes A-B/TOTAL` stores bytes; `bytes *\/TOTAL` with no body asks the status.
   * 308 + `Range: bytes=0-N` (no Range when nothing is stored) until complete; then 201 with the video (200 for a later status query [guess]).
   */
  private put(s: FakeUploadSession & { hash: Hash }, req: http.IncomingMessage, fail: (e: ApiError) => void, done: Done): void {
    const header = req.headers['content-range'];
    const length = Number(req.headers['content-length'] ?? NaN);
    const protocolError = (message: string) => {
      req.resume();
      req.once('end', () => done(400, message, {}, { contentRange: header, reason: 'protocol' }));
    };
    const status = /^bytes \*\/(\d+)$/.exec(header ?? '');
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header ?? '');
    if (status) {
      if (Number(status[1]) !== s.size) return protocolError(`Content-Range total ${status[1]} differs from the declared ${s.size} bytes.`); // [wording guessed]
      this.sessionsById.get(s.id)!.statusQueries++;
      req.resume();
      return void req.once('end', () => this.answerProgress(s, done, 200, header));
    }
    // Without Content-Range the body is the whole file in one request (step 2) [RUP].
    const [first, last, total] = range ? [Number(range[1]), Number(range[2]), Number(range[3])] : [0, length - 1, s.size];
    if (!range && (header || s.persisted > 0)) return protocolError('Failed to parse Content-Range header.'); // [wording recalled from Google upload servers]
    if (total !== s.size) return protocolError(`Content-Range total ${total} differs from the declared ${s.size} bytes.`);
    if (last < first || last >= total) return protocolError('Failed to parse Content-Range header.');
    const chunk = last - first + 1;
    if (Number.isFinite(length) && length !== chunk) return protocolError(`Content-Length ${length} does not match Content-Range ${header} (${chunk} bytes).`);
    // "The chunk size must be a multiple of 256 KB … except for the final chunk" [RUP]. [guess: a real
    // server may instead keep the aligned prefix and answer 308; refusing catches the client's bug.]
    if (last + 1 < total && chunk % MiB256K !== 0)
      return protocolError(`Invalid chunk size ${chunk}: chunks must be a multiple of 262144 bytes except the last.`);
    if (first > s.persisted)
      return protocolError(
        `Invalid request. According to the Content-Range header, the upload offset is ${first} byte(s), which exceeds already uploaded size of ${s.persisted} byte(s).`,
      ); // [wording recalled from Google Cloud Storage]
    if (s.videoId) {
      req.resume();
      return void req.once('end', () => this.answerProgress(s, done, 200, header));
    }
    const live = this.sessionsById.get(s.id)!;
    live.puts++;
    // upload-5xx-mid: half of this chunk is stored, then the server fails (a chunk cut short by an outage).
    const midFailure = this.take('upload-5xx-mid');
    const keepUntil = midFailure ? first + Math.floor(chunk / 2) : last + 1;
    let pos = first;
    req.on('data', (data: Buffer) => {
      live.bytesReceived += data.length;
      const start = pos;
      pos += data.length;
      const newFrom = Math.max(start, live.persisted);
      const newTo = Math.min(pos, keepUntil);
      live.duplicateBytes += Math.max(0, Math.min(pos, live.persisted) - start);
      if (newTo > newFrom && newFrom === live.persisted) {
        live.hash.update(data.subarray(newFrom - start, newTo - start));
        live.persisted = newTo;
      }
    });
    req.once('end', () => {
      if (midFailure)
        return done(
          503,
          { error: { code: 503, message: 'Backend Error', errors: [{ reason: 'backendError', domain: 'global' }] } },
          {},
          { contentRange: header },
        );
      if (live.persisted === live.size && !live.videoId) this.completeUpload(live);
      this.answerProgress(live, done, 201, header);
    });
  }

  private answerProgress(s: FakeUploadSession, done: Done, completeStatus: number, contentRange?: string): void {
    const live = this.sessionsById.get(s.id)!;
    if (live.videoId) return done(completeStatus, videoResource(this.videosById.get(live.videoId)!), {}, { contentRange });
    done(308, '', live.persisted > 0 ? { range: `bytes=0-${live.persisted - 1}` } : {}, { contentRange });
  }

  private completeUpload(s: FakeUploadSession & { hash: Hash }): void {
    const id = randomBytes(8).toString('base64url').slice(0, 11);
    const { snippet = {}, status = {} } = s.resource;
    const channel = { channelId: 'UCfakeChannel000000000000', channelTitle: 'Fake Channel', publishedAt: new Date().toISOString() };
    const defaults = { uploadStatus: 'uploaded', privacyStatus: 'public', license: 'youtube', embeddable: true, madeForKids: false };
    const video = { id, snippet: { categoryId: '22', ...snippet, ...channel }, status: { ...defaults, ...status }, size: s.size, sessionId: s.id };
    this.videosById.set(id, { ...video, sha256: s.hash.digest('hex') });
    s.videoId = id;
  }

  // ---- videos.list ----------------------------------------------------------------------------

  /** part=statistics, id=a,b (≤50 [VID: "id … comma-separated list"; maxResults ≤ 50, guess for id]); 1 unit [QUOTA]. */
  private list(u: URL, fail: (e: ApiError) => void, done: Done): void {
    const overQuota = this.charge(1);
    if (overQuota) return fail(overQuota);
    const part = u.searchParams.getAll('part').flatMap((p) => p.split(','));
    if (!part.length) return fail(bad('required', 'Required parameter: part', 'part'));
    const ids = u.searchParams.getAll('id').join(',').split(',').filter(Boolean);
    if (ids.length > 50) return fail(bad('invalidParameter', 'The id parameter accepts at most 50 video ids.', 'id')); // [guess]
    const statistics = (id: string) => ({ viewCount: String(this.views.get(id) ?? 0), likeCount: '0', favoriteCount: '0', commentCount: '0' });
    const item = (id: string) => ({ kind: 'youtube#video', etag: 'fake', id, ...(part.includes('statistics') ? { statistics: statistics(id) } : {}) });
    const items = ids.filter((id) => this.videosById.has(id)).map(item);
    done(200, { kind: 'youtube#videoListResponse', etag: 'fake', items, pageInfo: { totalResults: items.length, resultsPerPage: items.length } });
  }
}

type Done = (status: number, body: unknown, headers?: Record<string, string>, extra?: Partial<RecordedGoogleRequest>) => void;

function bad(reason: string, message: string, location?: string): ApiError {
  return { status: 400, reason, message, location };
}

function loc(location: string | undefined) {
  return location ? { location, locationType: location.startsWith('X-') ? 'header' : 'parameter' } : {};
}

/** Google's answer to a missing, unknown or expired bearer [PROTO; wording as Google APIs send it]. */
function unauthenticated(): ApiError {
  return {
    status: 401,
    reason: 'authError',
    message: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
    location: 'Authorization',
    headers: { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
  };
}

/**
 * The metadata rules of videos.insert [VID, INS]: title required, ≤100 characters, no '<' '>';
 * description ≤5000 bytes, no '<' '>'; tags ≤500 characters together [guess at the counting: a comma
 * between tags, quotes around a tag with a space]; a known category; a valid privacyStatus; booleans.
 */
export function validateVideo(v: any): ApiError | null {
  const video = (reason: string, message: string, location: string): ApiError => ({ status: 400, reason, message, domain: 'youtube.video', location });
  const snippet = v?.snippet ?? {};
  const title = snippet.title;
  if (typeof title !== 'string' || !title.trim() || [...title].length > 100 || /[<>]/.test(title))
    return video('invalidTitle', 'The request metadata specifies an invalid or empty video title.', 'body.snippet.title');
  const description = snippet.description ?? '';
  if (typeof description !== 'string' || Buffer.byteLength(description, 'utf8') > 5000 || /[<>]/.test(description))
    return video('invalidDescription', 'The request metadata specifies an invalid video description.', 'body.snippet.description');
  const tags = snippet.tags ?? [];
  const tagChars = Array.isArray(tags)
    ? tags.reduce((n: number, t: unknown) => n + String(t).length + (String(t).includes(' ') ? 2 : 0), 0) + Math.max(0, tags.length - 1)
    : Infinity;
  if (tagChars > 500 || tags.some((t: unknown) => typeof t !== 'string' || /[<>]/.test(t)))
    return video('invalidTags', 'The request metadata specifies invalid video keywords.', 'body.snippet.tags');
  if (snippet.categoryId !== undefined && !CATEGORY_IDS.has(String(snippet.categoryId)))
    return video(
      'invalidCategoryId',
      'The snippet.categoryId property specifies an invalid category ID. Use the videoCategories.list method to retrieve supported categories.',
      'body.snippet.categoryId',
    );
  if (snippet.defaultLanguage !== undefined && !/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(String(snippet.defaultLanguage)))
    return video('invalidVideoMetadata', 'The request metadata is invalid.', 'body.snippet.defaultLanguage'); // [guess]
  const status = v?.status ?? {};
  if (status.privacyStatus !== undefined && !PRIVACY.has(status.privacyStatus))
    return video('invalidVideoMetadata', 'The request metadata is invalid.', 'body.status.privacyStatus'); // [guess]
  for (const key of ['selfDeclaredMadeForKids', 'containsSyntheticMedia', 'embeddable'])
    if (status[key] !== undefined && typeof status[key] !== 'boolean')
      return video('invalidVideoMetadata', 'The request metadata is invalid.', `body.status.${key}`);
  return null;
}

function videoResource(v: FakeVideo) {
  return { kind: 'youtube#video', etag: randomBytes(6).toString('hex'), id: v.id, snippet: v.snippet, status: v.status };
}

function readAll(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
