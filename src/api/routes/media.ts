// GET/HEAD /media/<key>: rendered videos, thumbnails and audio, straight from
// the media storage. Single byte ranges (players and platforms seek and resume
// with them), conditional requests (ETag / Last-Modified → 304) and an hour of
// public caching. Errors are the API's JSON shape: { error: { code, message } }.
import { contentTypeFor } from '../../providers/storage/content-type.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MediaStorage } from '../../providers/storage/types.js';
import type { Db } from '../../db.js';
import { InvalidMediaKeyError, isValidMediaKey } from '../../providers/storage/local.js';

const errorBody = (code: string, message: string) => ({ error: { code, message } });

export type RangeResult = { kind: 'none' } | { kind: 'unsatisfiable' } | { kind: 'range'; start: number; end: number };

/**
 * Parses a Range header for a representation of `size` bytes (RFC 9110 §14).
 * Only one range is served: a malformed header or a multi-range request is
 * answered with the whole file, which the RFC allows.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return { kind: 'none' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return { kind: 'none' };
  const [, a, b] = m;
  if (a === '' && b === '') return { kind: 'none' };
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? Infinity : Number(b);
  if (!Number.isSafeInteger(start) || end < start) return { kind: 'none' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', start, end: Math.min(end, size - 1) };
}

function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === bare);
}

export interface MediaAccess {
  /**
   * Whether anyone may fetch this key without authentication: only what a platform or a
   * viewer must fetch (the video and thumbnail of an approved or published video).
   */
  isPublic(key: string): Promise<boolean>;
}

/** Public media: `videos/<id>/video.mp4` and `videos/<id>/thumbnail.png` of a video that was approved or published. */
export function publishedMediaAccess(db: Db): MediaAccess {
  return {
    async isPublic(key) {
      const m = /^videos\/([0-9a-f-]{36})\/(video\.mp4|thumbnail\.png)$/.exec(key);
      if (!m) return false;
      const v = await db.video.findUnique({ where: { id: m[1] }, select: { status: true } });
      return v?.status === 'APPROVED' || v?.status === 'PUBLISHED';
    },
  };
}

export function mediaRoutes(app: FastifyInstance, deps: { storage: MediaStorage; access: MediaAccess }): void {
  const { storage, access } = deps;

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const key = (req.params as Record<string, string | undefined>)['*'] ?? '';
    if (!isValidMediaKey(key)) {
      return reply
        .status(400)
        .send(errorBody('invalid_path', `Invalid media path ${JSON.stringify(key.slice(0, 200))}: use letters, digits, ".", "_", "-" and "/" without "..".`));
    }
    // Private by default: reports, charts, voice files, source images and unapproved videos need the token or the console's session.
    const isPublic = req.caller ? false : await access.isPublic(key);
    if (!req.caller && !isPublic) {
      return reply
        .status(401)
        .header('www-authenticate', 'Bearer')
        .send(
          errorBody(
            'unauthorized',
            'This media is private until its video is approved: send "Authorization: Bearer <API_TOKEN>", or open it from the console.',
          ),
        );
    }
    let stat: { size: number; mtime: Date } | undefined;
    try {
      stat = await storage.stat(key);
    } catch (err) {
      if (err instanceof InvalidMediaKeyError) return reply.status(400).send(errorBody('invalid_path', err.message));
      throw err;
    }
    if (!stat) return reply.status(404).send(errorBody('not_found', `No media at ${key}.`));

    const { size, mtime } = stat;
    const etag = `"${size.toString(16)}-${Math.floor(mtime.getTime()).toString(16)}"`;
    const lastModified = mtime.toUTCString();
    reply.header('ETag', etag);
    reply.header('Last-Modified', lastModified);
    reply.header('Cache-Control', isPublic ? 'public, max-age=3600' : 'private, no-store');
    reply.header('Accept-Ranges', 'bytes');
    reply.header('X-Content-Type-Options', 'nosniff');

    // Conditional GET: If-None-Match wins over If-Modified-Since.
    const inm = req.headers['if-none-match'];
    const ims = req.headers['if-modified-since'];
    const notModified =
      inm !== undefined ? etagMatches(inm, etag) : ims !== undefined && Math.floor(mtime.getTime() / 1000) <= Math.floor(Date.parse(ims) / 1000);
    if (notModified) return reply.status(304).send();

    reply.header('Content-Type', contentTypeFor(key));
    let range = parseRange(req.headers.range, size);
    // If-Range: serve the range only if the client's copy is still this one.
    const ifRangeHeader = req.headers['if-range'];
    if (range.kind !== 'none' && ifRangeHeader !== undefined) {
      const ifRange = String(ifRangeHeader).trim();
      // An entity tag must match strongly; a date must be exactly the Last-Modified.
      const fresh = ifRange.startsWith('"') || ifRange.startsWith('W/') ? ifRange === etag : ifRange === lastModified;
      if (!fresh) range = { kind: 'none' };
    }
    if (range.kind === 'unsatisfiable') {
      reply.header('Content-Range', `bytes */${size}`);
      reply.header('Content-Type', 'application/json; charset=utf-8');
      return reply
        .status(416)
        .send(errorBody('range_not_satisfiable', `The requested range ${JSON.stringify(req.headers.range)} is outside the file (${size} bytes).`));
    }
    const head = req.method === 'HEAD';
    if (range.kind === 'range') {
      reply.status(206);
      reply.header('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
      reply.header('Content-Length', String(range.end - range.start + 1));
      return head ? reply.send() : reply.send(storage.createReadStream(key, { start: range.start, end: range.end }));
    }
    reply.status(200);
    reply.header('Content-Length', String(size));
    return head || size === 0 ? reply.send(head ? undefined : '') : reply.send(storage.createReadStream(key));
  };

  app.route({ method: ['GET', 'HEAD'], url: '/media/*', exposeHeadRoute: false, handler });
}
