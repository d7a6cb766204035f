import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Publication } from '@prisma/client';
import { z } from 'zod';
import { limitParam, parse } from '../params.js';
import { PLATFORMS, type PlatformName } from '../../config.js';
import type { Db } from '../../db.js';
import {
  MANUAL_CHECK_STATUS,
  PublicationAuditError,
  PublicationNotFoundError,
  PublicationSettleError,
  settlePublication,
} from '../../temporal/activities/publishing.js';
import { HttpError } from '../errors.js';

const STATUSES = ['PENDING', 'PUBLISHED', 'FAILED'] as const;

/** `?status=`: a ledger status in any case, or `manual-check` (the rows an operator must settle). */
const statusParam = z
  .string()
  .transform((v, ctx) => {
    const s = v.trim().toLowerCase() === 'manual-check' ? MANUAL_CHECK_STATUS : v.trim().toUpperCase();
    if (!(STATUSES as readonly string[]).includes(s)) {
      ctx.addIssue({ code: 'custom', message: `must be one of ${STATUSES.join(', ')} (any case) or manual-check` });
      return z.NEVER;
    }
    return s as (typeof STATUSES)[number];
  })
  .optional();

const listQuery = z
  .object({
    status: statusParam,
    limit: limitParam,
    videoId: z.string().max(100).optional(),
  })
  .strict();

const platformParam = z.string().transform((v, ctx) => {
  const p = v.trim().toUpperCase();
  if (!(PLATFORMS as readonly string[]).includes(p)) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a platform; use any of ${PLATFORMS.join(', ')} (any case)` });
    return z.NEVER;
  }
  return p as PlatformName;
});

const settleParams = z.object({
  videoId: z.string().min(1).max(100, 'must be a video id'),
  platform: platformParam,
});

/** Text PostgreSQL can store (no NUL), so a bad field is a 400, never a failed write. */
const text = (max: number, what: string) =>
  z
    .string({ error: `must be a string (${what})` })
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');

export const settleBody = z
  .object({
    outcome: z.enum(['published', 'not-published'], { error: 'must be "published" (you found the post) or "not-published" (there is none)' }),
    externalId: text(500, "the post's id on the platform").optional(),
    url: text(2000, "the post's address")
      .refine((s) => URL.canParse(s), 'must be an absolute URL')
      .optional(),
    reason: text(1000, 'why').optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.outcome === 'published' && !b.externalId)
      ctx.addIssue({ code: 'custom', path: ['externalId'], message: 'is required when outcome is published: the id of the post you found' });
  });

/** Where the row stands, in words an operator can act on. */
export function publicationState(p: Pick<Publication, 'status' | 'leaseOwner' | 'leaseExpiresAt' | 'callStartedAt'>, now = new Date()): string {
  if (p.status === 'PUBLISHED') return 'published';
  if (p.status === MANUAL_CHECK_STATUS) return 'manual-check';
  const held = p.leaseOwner !== null && p.leaseExpiresAt !== null && p.leaseExpiresAt > now;
  if (p.callStartedAt) return held ? 'calling' : 'outcome-unknown'; // the next attempt asks the platform first
  return held ? 'claimed' : 'pending';
}

function view(p: Publication) {
  return {
    id: p.id,
    videoId: p.videoId,
    platform: p.platform,
    status: p.status,
    state: publicationState(p),
    externalId: p.externalId,
    url: p.url,
    attempts: p.attempts,
    error: p.error,
    leaseOwner: p.leaseOwner,
    leaseExpiresAt: p.leaseExpiresAt,
    callStartedAt: p.callStartedAt,
    publishedAt: p.publishedAt,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

/** The caller's identity for the audit log: `request.caller` when the server sets one, else 'api'. */
function callerOf(req: FastifyRequest): string {
  const caller = (req as unknown as { caller?: unknown }).caller;
  return typeof caller === 'string' && caller.trim() ? caller : 'api';
}

/**
 * The publishing ledger for operators:
 *   GET  /orchestrator/publications?status=&limit=&videoId=
 *   POST /orchestrator/publications/:videoId/:platform/settle  {outcome, externalId?, url?, reason?}
 * Errors use the app's error handler (`{ error: { code, message, field? } }`).
 */
export function publicationRoutes(app: FastifyInstance, deps: { db: Db }) {
  const { db } = deps;

  app.get('/orchestrator/publications', async (req) => {
    const q = parse(listQuery, req.query);
    const rows = await db.publication.findMany({
      where: { ...(q.status ? { status: q.status } : {}), ...(q.videoId ? { videoId: q.videoId } : {}) },
      orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }],
      take: q.limit ?? 50,
    });
    return { publications: rows.map(view) };
  });

  app.post('/orchestrator/publications/:videoId/:platform/settle', async (req) => {
    const { videoId, platform } = parse(settleParams, req.params);
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      throw new HttpError(
        400,
        'invalid_request',
        'The body must be a JSON object such as {"outcome": "published", "externalId": "…", "url": "https://…"} or {"outcome": "not-published", "reason": "…"}.',
      );
    }
    const body = parse(settleBody, req.body);
    const by = callerOf(req);
    try {
      const row = await settlePublication(db, {
        videoId,
        platform,
        outcome: body.outcome,
        externalId: body.externalId,
        url: body.url,
        reason: body.reason,
        by,
      });
      req.log.info({ videoId, platform, outcome: body.outcome, by }, 'publication settled');
      return { publication: view(row) };
    } catch (err) {
      if (err instanceof PublicationNotFoundError)
        throw new HttpError(
          404,
          'publication_not_found',
          `${err.message} Publications are created when a video is published; list them with GET /orchestrator/publications.`,
          'videoId',
        );
      if (err instanceof PublicationAuditError) {
        req.log.error({ err: err.cause.message, videoId, platform }, 'settlement audit row could not be written; nothing was settled');
        throw new HttpError(503, 'audit_unavailable', `${err.message.split(':')[0]}. Check that the database is up and retry.`);
      }
      if (err instanceof PublicationSettleError) {
        if (err.code === 'external_id_required') throw new HttpError(400, 'invalid_request', `externalId: ${err.message}`, 'externalId');
        throw new HttpError(409, 'not_awaiting_check', err.message);
      }
      throw err;
    }
  });
}
