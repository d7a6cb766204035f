// A local fake of the Instagram Graph API's content publishing for Reels, on 127.0.0.1:<random>.
// It refuses what Meta refuses, with Graph's error shape
// {"error":{"message","type":"OAuthException","code","error_subcode","fbtrace_id"}}, so tests catch what
// production would. Like Meta it downloads the video_url itself ("We cURL media used in publishing
// attempts", developers.facebook.com/docs/instagram-platform/content-publishing).
//
// Sources are cited next to each rule. Error codes and subcodes come from the error-code table
// (developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes); answers no
// source shows verbatim are marked [guess].
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Graph versions available on 1 Dec 2026 (graph-api/changelog/versions: v21.0 until 21 Jan 2027 … v26.0).
 * Real Graph upgrades calls to an expired version to the oldest available one; the fake does not model that.
 */
export const FAKE_GRAPH_VERSIONS = ['v21.0', 'v22.0', 'v23.0', 'v24.0', 'v25.0', 'v26.0'];

/** Reels: "Maximum file size: 300MB" (reference/ig-user/media, Reels specifications). */
const MAX_VIDEO_BYTES = 300 * 1024 * 1024;
/** Caption: "Maximum 2,200 characters, 30 hashtags, and 20 @ tags" (reference/ig-user/media, caption). */
const MAX_CAPTION_CHARS = 2200;
const MAX_HASHTAGS = 30;
/** "Containers expire after 24 hours" (reference/ig-container, status_code EXPIRED). */
const CONTAINER_TTL_MS = 24 * 60 * 60_000;

export type FakeInstagramFault = 'invalid_token' | 'rate_limit' | 'server' | 'lost_answer' | 'limit_reached' | 'container_error' | 'container_expired';
/** Which endpoint a fault hits: content_publishing_limit, POST media, container status, media_publish, media reads, insights. */
export type FakeInstagramOp = 'limit' | 'create' | 'status' | 'publish' | 'media' | 'insights' | 'any';

export interface FakeContainer {
  id: string;
  mediaType: string;
  videoUrl: string;
  caption: string;
  shareToFeed: boolean;
  statusCode: 'IN_PROGRESS' | 'FINISHED' | 'ERROR' | 'EXPIRED' | 'PUBLISHED';
  /** Meta's `status` text; for ERROR "Error: Media upload has failed with error code <subcode>". */
  status: string;
  polls: number;
  createdAt: number;
  /** Bytes the fake downloaded from video_url (0 until then or on failure). */
  videoBytes: number;
  mediaId?: string;
  /** Settles when the fake has fetched (or failed to fetch) video_url. */
  download: Promise<void>;
}

export interface FakeMedia {
  id: string;
  containerId: string;
  caption: string;
  permalink: string;
  /** Graph format: 2026-12-01T14:55:02+0000. */
  timestamp: string;
}

export interface FakeRequest {
  method: string;
  op: FakeInstagramOp | 'unknown';
  path: string;
  /** Query and body parameters, access_token removed. */
  params: Record<string, string>;
  auth: 'query' | 'bearer' | 'none';
  status: number;
  code?: number;
  subcode?: number;
}

export interface FakeInstagramOptions {
  userId?: string;
  token?: string;
  /** Status polls a container answers IN_PROGRESS before FINISHED (default 1). */
  pollsUntilFinished?: number;
  /** config.quota_total (default 100, the figure the current docs give; read it, never hard-code it). */
  quotaTotal?: number;
  /** config.quota_duration in seconds (default 86400: a moving 24-hour window). */
  quotaDurationSec?: number;
}

export interface FakeInstagram {
  /** http://127.0.0.1:<port> (no version). */
  url: string;
  /** url + '/v23.0'. */
  graphUrl: string;
  userId: string;
  token: string;
  containers: FakeContainer[];
  requests: FakeRequest[];
  /** Media published through media_publish, oldest first. */
  published(): FakeMedia[];
  /**
   * The next `times` (default 1) requests to `op` (default: any) fail with `kind`. rate_limit answers code 4
   * over HTTP 400, or HTTP 429 with Retry-After when `status: 429`. lost_answer does the work and then answers
   * like `server` (an answer lost after the fact). limit_reached hits media_publish;
   * container_error / container_expired hit the next container whose status is read.
   */
  failNext(kind: FakeInstagramFault, opts?: { op?: FakeInstagramOp; times?: number; status?: number; retryAfterSec?: number }): void;
  /** The container expires now (as it would 24 h after creation). */
  expire(containerId: string): void;
  /** Quota config, and extra API publications (times) that count in the moving window. */
  setQuota(q: { total?: number; durationSec?: number; publishedAt?: Date[] }): void;
  /** The `views` insight of a media; null: "(#10) Not enough viewers"; unset: an empty data set. */
  setViews(mediaId: string, views: number | null): void;
  close(): Promise<void>;
}

type GraphErrorBody = { message: string; code: number; error_subcode?: number; is_transient?: boolean; error_user_msg?: string };
class GraphRefusal extends Error {
  constructor(
    readonly status: number,
    readonly body: GraphErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
  }
}

/** "Unsupported get request. Object with ID '…' does not exist, cannot be loaded due to missing permissions, or does not support this operation" (code 100, subcode 33). */
const unsupported = (method: string, id: string) =>
  new GraphRefusal(400, {
    message: `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
    code: 100,
    error_subcode: 33,
  });
const invalidParam = (message: string, subcode?: number) => new GraphRefusal(400, { message, code: 100, ...(subcode ? { error_subcode: subcode } : {}) });

const FAULTS: Record<'invalid_token' | 'rate_limit' | 'server', (o: { status?: number; retryAfterSec?: number }) => GraphRefusal> = {
  // A password change or revoked app ends the session: code 190, subcode 460 (graph-api/guides/error-handling, "Access token").
  invalid_token: () =>
    new GraphRefusal(400, {
      message:
        'Error validating access token: Session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.',
      code: 190,
      error_subcode: 460,
    }),
  // "(#4) Application request limit reached", is_transient true (nygardk/react-share#70); HTTP 400 [guess]; the 429 variant is for clients' generic handling.
  rate_limit: (o) =>
    new GraphRefusal(
      o.status ?? 400,
      { message: '(#4) Application request limit reached', code: 4, is_transient: true },
      o.retryAfterSec !== undefined ? { 'retry-after': String(o.retryAfterSec) } : {},
    ),
  // Code 2 "Service temporarily unavailable" (graph-api/guides/error-handling); HTTP 500 and this wording [guess].
  server: () => new GraphRefusal(500, { message: 'An unexpected error has occurred. Please retry your request later.', code: 2, is_transient: true }),
};

export async function startFakeInstagram(opts: FakeInstagramOptions = {}): Promise<FakeInstagram> {
  const userId = opts.userId ?? '17841400000000001';
  const token = opts.token ?? `EAAfake${randomBytes(24).toString('hex')}`;
  const pollsUntilFinished = opts.pollsUntilFinished ?? 1;
  let quotaTotal = opts.quotaTotal ?? 100;
  let quotaDurationMs = (opts.quotaDurationSec ?? 86_400) * 1000;
  const extraPublications: number[] = [];
  const containers: FakeContainer[] = [];
  const media: FakeMedia[] = [];
  const requests: FakeRequest[] = [];
  const views = new Map<string, number | null>();
  const faults: { kind: FakeInstagramFault; op: FakeInstagramOp; left: number; status?: number; retryAfterSec?: number }[] = [];
  let nextId = 1;
  const newId = (prefix: string) => `${prefix}${String(Date.now()).slice(-7)}${String(nextId++).padStart(4, '0')}`;

  const takeFault = (op: FakeInstagramOp, kinds: FakeInstagramFault[]) => {
    const f = faults.find((x) => x.left > 0 && kinds.includes(x.kind) && (x.op === 'any' || x.op === op));
    if (f) f.left--;
    return f;
  };
  const publishTimes = () => [...extraPublications, ...media.map((m) => graphTimeMs(m.timestamp))];
  const usageSince = (since: number) => publishTimes().filter((t) => t > Math.max(since, Date.now() - quotaDurationMs)).length;

  function startDownload(c: FakeContainer): Promise<void> {
    // Failure status texts follow the shape seen for real containers ("Error: Media upload has failed with error
    // code 2207082", gitroomhq/postiz-app#1992); which subcode each failure gets is a [guess] from the code table:
    // 2207052 "The media could not be fetched from this URI", 2207026 "The video format is not supported".
    const fail = (subcode: number) => {
      c.statusCode = 'ERROR';
      c.status = `Error: Media upload has failed with error code ${subcode}`;
    };
    return (async () => {
      try {
        const res = await fetch(c.videoUrl, { signal: AbortSignal.timeout(15_000) });
        if (!res.ok || !res.body) return fail(2207052);
        if (Number(res.headers.get('content-length') ?? 0) > MAX_VIDEO_BYTES) {
          await res.body.cancel();
          return fail(2207026);
        }
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of res.body) {
          size += chunk.length;
          if (size > MAX_VIDEO_BYTES) return fail(2207026);
          chunks.push(Buffer.from(chunk));
        }
        // MP4/MOV (ISO BMFF) files start with a box whose type is `ftyp` (ISO/IEC 14496-12 §4.3).
        const head = Buffer.concat(chunks).subarray(0, 12);
        if (head.subarray(4, 8).toString('latin1') !== 'ftyp') return fail(2207026);
        c.videoBytes = size;
      } catch {
        fail(2207052);
      }
    })();
  }

  async function route(method: string, parts: string[], p: Record<string, string>, record: (r: Partial<FakeRequest>) => void): Promise<unknown> {
    const [id, edge, ...more] = parts;
    if (!id || more.length) throw new GraphRefusal(400, { message: `Unknown path components: /${parts.join('/')}`, code: 2500 });
    const op: FakeInstagramOp =
      edge === 'content_publishing_limit'
        ? 'limit'
        : edge === 'media' && method === 'POST'
          ? 'create'
          : edge === 'media_publish'
            ? 'publish'
            : edge === 'insights'
              ? 'insights'
              : !edge && containers.some((c) => c.id === id)
                ? 'status'
                : 'media';
    record({ op });
    const f = takeFault(op, ['invalid_token', 'rate_limit', 'server']);
    if (f) throw FAULTS[f.kind as keyof typeof FAULTS](f);
    const lost = takeFault(op, ['lost_answer']);
    const result = await answer(method, id, edge, op, p);
    if (lost) throw FAULTS.server({});
    return result;
  }

  async function answer(method: string, id: string, edge: string | undefined, op: FakeInstagramOp, p: Record<string, string>): Promise<unknown> {
    if (edge && id !== userId && edge !== 'insights') throw unsupported(method, id);
    if (op === 'limit' && method === 'GET') {
      // GET /{ig-user-id}/content_publishing_limit?fields=config,quota_usage&since=<unix> (reference/ig-user/content_publishing_limit):
      // quota_usage is returned by default; `since` is "a Unix timestamp no older than 24 hours".
      const since = p.since === undefined ? 0 : Number(p.since) * 1000;
      if (p.since !== undefined && (!/^\d+$/.test(p.since) || since < Date.now() - quotaDurationMs - 1000)) {
        throw invalidParam('(#100) The parameter since must be a Unix timestamp no older than 24 hours'); // wording [guess]
      }
      const fields = (p.fields ?? 'quota_usage').split(',');
      const row: Record<string, unknown> = { quota_usage: usageSince(since) };
      if (fields.includes('config')) row.config = { quota_total: quotaTotal, quota_duration: quotaDurationMs / 1000 };
      return { data: [row] };
    }
    if (op === 'create') return createContainer(p);
    if (op === 'publish' && method === 'POST') return publish(p.creation_id);
    if (op === 'media' && edge === 'media' && method === 'GET') return listMedia(p);
    if (op === 'status' && method === 'GET') return containerStatus(id, p.fields);
    if (op === 'insights' && method === 'GET') return insights(id, p.metric);
    const m = media.find((x) => x.id === id);
    if (m && !edge && method === 'GET')
      return pick({ id: m.id, caption: m.caption, permalink: m.permalink, timestamp: m.timestamp, media_product_type: 'REELS' }, p.fields);
    throw unsupported(method, id);
  }

  function createContainer(p: Record<string, string>): { id: string } {
    // POST /{ig-user-id}/media (reference/ig-user/media). media_type VIDEO is gone since 9 Nov 2023 (changelog,
    // out-of-cycle changes 28 Jun 2022); only REELS is modelled here. Subcode 2207023 "The media type {media-type} is unknown".
    if (p.media_type !== 'REELS') throw invalidParam(`The media type ${p.media_type ?? ''} is unknown.`, 2207023);
    if (!p.video_url) throw invalidParam('(#100) The parameter video_url is required'); // wording [guess]
    const caption = p.caption ?? '';
    // Whether Meta refuses an over-long caption at creation (and with which code) is not documented [guess: 100/2207010, as in postiz-app's mapping].
    if ([...caption].length > MAX_CAPTION_CHARS) throw invalidParam('The caption was too long.', 2207010);
    const hashtags = caption.match(/#[\p{L}\p{N}_]+/gu) ?? [];
    if (hashtags.length > MAX_HASHTAGS) throw invalidParam(`The caption has ${hashtags.length} hashtags; at most ${MAX_HASHTAGS} are allowed.`, 2207010); // [guess]
    if (p.share_to_feed !== undefined && !['true', 'false'].includes(p.share_to_feed)) throw invalidParam('(#100) Param share_to_feed must be a boolean');
    if (p.thumb_offset !== undefined && !/^\d+$/.test(p.thumb_offset)) throw invalidParam('(#100) Param thumb_offset must be a non-negative integer');
    const c: FakeContainer = {
      id: newId('1789'),
      mediaType: p.media_type,
      videoUrl: p.video_url,
      caption,
      shareToFeed: p.share_to_feed === 'true',
      statusCode: 'IN_PROGRESS',
      status: 'In Progress: Media is still being processed.', // [guess]
      polls: 0,
      createdAt: Date.now(),
      videoBytes: 0,
      download: Promise.resolve(),
    };
    c.download = startDownload(c);
    containers.push(c);
    return { id: c.id };
  }

  async function containerStatus(id: string, fields = 'id'): Promise<unknown> {
    const c = containers.find((x) => x.id === id)!;
    await c.download;
    const fault = takeFault('status', ['container_error', 'container_expired']);
    if (fault?.kind === 'container_error' && c.statusCode !== 'PUBLISHED')
      Object.assign(c, { statusCode: 'ERROR', status: 'Error: Media upload has failed with error code 2207082' });
    if ((fault?.kind === 'container_expired' || Date.now() - c.createdAt > CONTAINER_TTL_MS) && c.statusCode !== 'PUBLISHED') c.statusCode = 'EXPIRED';
    if (c.statusCode === 'EXPIRED') c.status = 'Expired: The container was not published within 24 hours.'; // [guess]
    c.polls++;
    if (c.statusCode === 'IN_PROGRESS' && c.polls > pollsUntilFinished) {
      c.statusCode = 'FINISHED';
      c.status = 'Finished: Media has been uploaded and it is ready to be published.'; // [guess]
    }
    return pick({ id: c.id, status_code: c.statusCode, status: c.status }, fields);
  }

  function publish(creationId: string | undefined): { id: string } {
    // POST /{ig-user-id}/media_publish?creation_id= (reference/ig-user/media_publish).
    const c = containers.find((x) => x.id === creationId);
    // Code 24 / 2207008 "The media builder with creation id = … does not exist or has been expired" — also answered for an
    // already published container [guess: no source shows Meta's answer to a second publish; it refuses it].
    const gone = () =>
      new GraphRefusal(400, {
        message: `The media builder with creation id = ${creationId} does not exist or has been expired.`,
        code: 24,
        error_subcode: 2207008,
      });
    if (!c || c.statusCode === 'EXPIRED' || c.statusCode === 'PUBLISHED') throw gone();
    // Code 9007 / 2207027 "Media ID is not available" before FINISHED (exileum/meta-mcp#138); same for ERROR [guess].
    if (c.statusCode !== 'FINISHED') throw new GraphRefusal(400, { message: 'Media ID is not available', code: 9007, error_subcode: 2207027 });
    // The limit "is enforced on the POST /{ig-user-id}/media_publish endpoint": code 9, subcode 2207042 with the user
    // message below (error-code table); the `message` wording is a [guess].
    if (takeFault('publish', ['limit_reached']) || usageSince(0) >= quotaTotal) {
      throw new GraphRefusal(400, {
        message: 'Application request limit reached',
        code: 9,
        error_subcode: 2207042,
        error_user_msg: 'You reached maximum number of posts that is allowed to be published by Content Publishing API.',
      });
    }
    const m: FakeMedia = {
      id: newId('1790'),
      containerId: c.id,
      caption: c.caption,
      permalink: `https://www.instagram.com/reel/${randomBytes(8).toString('base64url')}/`,
      timestamp: graphTime(Date.now()),
    };
    media.push(m);
    c.statusCode = 'PUBLISHED';
    c.status = 'Published: Media has been published.'; // [guess]
    c.mediaId = m.id;
    return { id: m.id };
  }

  function listMedia(p: Record<string, string>): unknown {
    // GET /{ig-user-id}/media: newest first, cursor paging (reference/ig-user/media, graph-api/results).
    const limit = Math.min(Number(p.limit ?? 25) || 25, 100);
    const start = p.after ? Number(Buffer.from(p.after, 'base64url').toString()) : 0;
    const all = [...media].reverse();
    const page = all.slice(start, start + limit).map((m) => pick({ id: m.id, caption: m.caption, permalink: m.permalink, timestamp: m.timestamp }, p.fields));
    const after = Buffer.from(String(start + page.length)).toString('base64url');
    const more = start + page.length < all.length;
    return { data: page, paging: { cursors: { before: Buffer.from(String(start)).toString('base64url'), after }, ...(more ? { next: `${url}/next` } : {}) } };
  }

  function insights(id: string, metric: string | undefined): unknown {
    // GET /{media-id}/insights?metric=views (reference/instagram-media/insights): plays, clips_replays_count,
    // ig_reels_aggregated_all_plays_count and impressions are deprecated on all versions since 21 Apr 2025, video_views earlier.
    const m = media.find((x) => x.id === id);
    if (!m) throw unsupported('GET', id);
    const allowed = ['views', 'reach', 'likes', 'comments', 'shares', 'saved', 'total_interactions'];
    const asked = (metric ?? '').split(',').filter(Boolean);
    const bad = asked.find((x) => !allowed.includes(x));
    if (!asked.length || bad !== undefined)
      throw invalidParam(`(#100) metric[${asked.indexOf(bad ?? '')}] must be one of the following values: ${allowed.join(', ')}`); // wording [guess]
    const v = views.get(id);
    // "(#10) Not enough viewers for the media to show insights"; unavailable data is an empty set, not 0.
    if (v === null) throw new GraphRefusal(400, { message: '(#10) Not enough viewers for the media to show insights', code: 10 });
    if (v === undefined || !asked.includes('views')) return { data: [] };
    return {
      data: [
        {
          name: 'views',
          period: 'lifetime',
          values: [{ value: v }],
          title: 'Views',
          description: 'Number of times the reel was played or displayed.',
          id: `${id}/insights/views/lifetime`,
        },
      ],
    };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks)).catch((e: Error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(e?.stack ?? e));
      });
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    const params: Record<string, string> = Object.fromEntries(u.searchParams);
    const type = String(req.headers['content-type'] ?? '');
    // Graph takes parameters in the query string, as a form or as JSON (content-publishing guide examples use all three).
    if (raw.length && type.includes('application/x-www-form-urlencoded')) Object.assign(params, Object.fromEntries(new URLSearchParams(raw.toString('utf8'))));
    else if (raw.length && type.includes('application/json')) Object.assign(params, JSON.parse(raw.toString('utf8')) as Record<string, string>);
    const bearer = /^(?:Bearer|OAuth) (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    const given = params.access_token ?? bearer;
    const auth = params.access_token !== undefined ? 'query' : bearer ? 'bearer' : 'none';
    delete params.access_token;
    const [, version, ...parts] = u.pathname.split('/');
    const entry: FakeRequest = { method, op: 'unknown', path: u.pathname, params, auth, status: 200 };
    requests.push(entry);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'facebook-api-version': version ?? '', ...headers });
      res.end(JSON.stringify(body));
    };
    try {
      // A version Graph does not know reads as an unknown path (arsduo/koala#611: "Unknown path components", code 2500, for a wrong version).
      if (!FAKE_GRAPH_VERSIONS.includes(version ?? '')) throw new GraphRefusal(400, { message: `Unknown path components: /${parts.join('/')}`, code: 2500 });
      // Every request needs the user's token, as access_token or Authorization: Bearer [guess: header form accepted].
      if (!given) throw new GraphRefusal(400, { message: 'An access token is required to request this resource.', code: 104 });
      if (given !== token) throw new GraphRefusal(400, { message: 'Invalid OAuth access token - Cannot parse access token', code: 190 });
      send(200, await route(method, parts, params, (r) => Object.assign(entry, r)));
    } catch (e) {
      if (!(e instanceof GraphRefusal)) throw e;
      Object.assign(entry, { code: e.body.code, subcode: e.body.error_subcode });
      send(e.status, { error: { ...e.body, type: 'OAuthException', fbtrace_id: randomBytes(8).toString('base64url') } }, e.headers);
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    graphUrl: `${url}/v23.0`,
    userId,
    token,
    containers,
    requests,
    published: () => [...media],
    failNext(kind, o = {}) {
      const op = kind === 'limit_reached' ? 'publish' : kind === 'container_error' || kind === 'container_expired' ? 'status' : (o.op ?? 'any');
      faults.push({ kind, op, left: o.times ?? 1, status: o.status, retryAfterSec: o.retryAfterSec });
    },
    expire(containerId) {
      const c = containers.find((x) => x.id === containerId);
      if (!c) throw new Error(`no container ${containerId}`);
      c.createdAt = Date.now() - CONTAINER_TTL_MS - 1;
    },
    setQuota(q) {
      if (q.total !== undefined) quotaTotal = q.total;
      if (q.durationSec !== undefined) quotaDurationMs = q.durationSec * 1000;
      if (q.publishedAt) extraPublications.splice(0, extraPublications.length, ...q.publishedAt.map((d) => d.getTime()));
    },
    setViews(mediaId, v) {
      views.set(mediaId, v);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Only the requested fields (plus id), as Graph answers `?fields=`. */
function pick(obj: Record<string, unknown>, fields = 'id'): Record<string, unknown> {
  const wanted = new Set(['id', ...fields.split(',').map((f) => f.trim())]);
  return Object.fromEntries(Object.entries(obj).filter(([k, v]) => wanted.has(k) && v !== undefined));
}

function graphTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

function graphTimeMs(s: string): number {
  return Date.parse(s.replace(/\+0000$/, 'Z'));
}

/** `FakeInstagram.start(opts)`, in the style of the other fakes. */
export const FakeInstagram = { start: startFakeInstagram };
