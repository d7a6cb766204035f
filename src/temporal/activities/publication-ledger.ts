// The publication ledger's operations: the compare-and-set lease on a (video, platform)
// row, its renewal, release, confirmation, the manual-check state and the settle tool.
// publishing.ts runs the exactly-once protocol on top of them.
import { Prisma, type Publication } from '@prisma/client';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { PlatformName } from '../../config.js';
import type { Db } from '../../db.js';

/** The manual-check state: the outcome of an earlier call is unknown and the platform cannot tell. */
export const MANUAL_CHECK_STATUS = 'FAILED' as const;

export const POLL_MS = 250;
/** Database time as a timestamp(3) column stores it (UTC wall clock), whatever the session time zone. */
const DB_NOW = Prisma.sql`(now() AT TIME ZONE 'UTC')`;

// ---------------------------------------------------------------------------
// The ledger's lease operations (exported for tests and tools).

export interface PublicationLease {
  id: string;
  owner: string;
  expiresAt: Date;
  attempts: number;
  /** Non-null: an earlier attempt may have called the platform (reconcile before posting). */
  callStartedAt: Date | null;
}

/** This attempt no longer holds the row (another attempt took it over): it must not write it. */
export class PublicationLeaseLostError extends Error {
  constructor(
    readonly videoId: string,
    readonly platform: string,
    when: string,
  ) {
    super(`publication ${videoId}/${platform}: this attempt lost its lease to another attempt ${when}; the row was not changed`);
    this.name = 'PublicationLeaseLostError';
  }
}

/**
 * Compare-and-set claim: takes the lease of the (video, platform) row for `owner` when the row
 * is PENDING and its lease is free or lapsed, counting the attempt. One UPDATE, so of two
 * concurrent claimers exactly one wins (the other re-evaluates the condition on the winner's
 * row version and matches nothing). Returns null when the row is not claimable.
 */
export async function claimPublication(
  db: Db,
  args: { videoId: string; platform: PlatformName; owner: string; leaseMs: number },
): Promise<PublicationLease | null> {
  const rows = await db.$queryRaw<{ id: string; attempts: number; leaseExpiresAt: Date; callStartedAt: Date | null }[]>`
    UPDATE "Publication"
       SET "leaseOwner" = ${args.owner},
           "leaseExpiresAt" = ${DB_NOW} + ${Math.round(args.leaseMs)}::int * interval '1 millisecond',
           "attempts" = "attempts" + 1,
           "updatedAt" = ${DB_NOW}
     WHERE "videoId" = ${args.videoId} AND "platform" = ${args.platform}::"Platform"
       AND "status" = 'PENDING'
       AND ("leaseOwner" IS NULL OR "leaseExpiresAt" IS NULL OR "leaseExpiresAt" < ${DB_NOW})
     RETURNING "id", "attempts", "leaseExpiresAt", "callStartedAt"`;
  const r = rows[0];
  return r ? { id: r.id, owner: args.owner, expiresAt: r.leaseExpiresAt, attempts: r.attempts, callStartedAt: r.callStartedAt } : null;
}

/** Extends the lease while its holder works; false when `owner` no longer holds it. */
export async function renewPublicationLease(db: Db, args: { publicationId: string; owner: string; leaseMs: number }): Promise<boolean> {
  const n = await db.$executeRaw`
    UPDATE "Publication" SET "leaseExpiresAt" = ${DB_NOW} + ${Math.round(args.leaseMs)}::int * interval '1 millisecond'
     WHERE "id" = ${args.publicationId} AND "leaseOwner" = ${args.owner} AND "status" = 'PENDING'`;
  return n > 0;
}

/** Gives the row back (PENDING, no lease), keeping its call mark; false when `owner` did not hold it. */
export async function releasePublication(db: Db, args: { publicationId: string; owner: string; error?: string | null }): Promise<boolean> {
  const r = await db.publication.updateMany({
    where: { id: args.publicationId, leaseOwner: args.owner, status: 'PENDING' },
    data: { leaseOwner: null, leaseExpiresAt: null, ...(args.error !== undefined ? { error: args.error?.slice(0, 2000) ?? null } : {}) },
  });
  return r.count > 0;
}

/**
 * Confirms the post: PUBLISHED with its id, the video PUBLISHED once every platform is, and an
 * audit row, in one transaction, only while `owner` holds the lease. Throws
 * PublicationLeaseLostError (and changes nothing) when another attempt holds the row now.
 */
export async function confirmPublication(
  db: Db,
  args: { publicationId: string; owner: string; externalId: string; url: string; how: 'published' | 'recovered' },
): Promise<Publication> {
  return db.$transaction(async (tx) => {
    const r = await tx.publication.updateMany({
      where: { id: args.publicationId, leaseOwner: args.owner, status: 'PENDING' },
      data: { status: 'PUBLISHED', externalId: args.externalId, url: args.url, publishedAt: new Date(), error: null, leaseOwner: null, leaseExpiresAt: null },
    });
    if (r.count === 0) {
      const now = await tx.publication.findUnique({ where: { id: args.publicationId } });
      throw new PublicationLeaseLostError(
        now?.videoId ?? '?',
        now?.platform ?? '?',
        `before its confirmation (the row is ${now ? `${now.status}${now.leaseOwner ? ', held by another attempt' : ''}` : 'gone'})`,
      );
    }
    const pub = await tx.publication.findUniqueOrThrow({ where: { id: args.publicationId } });
    const others = await tx.publication.count({ where: { videoId: pub.videoId, status: { not: 'PUBLISHED' } } });
    if (others === 0) await tx.video.update({ where: { id: pub.videoId }, data: { status: 'PUBLISHED' } });
    await tx.auditEvent.create({
      data: {
        actor: 'system',
        action: 'publish',
        target: pub.videoId,
        platform: pub.platform,
        outcome: args.how,
        arguments: { externalId: args.externalId, url: args.url },
        workflowId: null,
      },
    });
    return pub;
  });
}

/** Marks the row for a human (the manual-check state), only while `owner` holds the lease. */
export async function markForManualCheck(
  db: Db,
  args: { publicationId: string; owner: string; error: string; videoId?: string; platform?: string },
): Promise<void> {
  const r = await db.publication.updateMany({
    where: { id: args.publicationId, leaseOwner: args.owner, status: 'PENDING' },
    data: { status: MANUAL_CHECK_STATUS, error: args.error, leaseOwner: null, leaseExpiresAt: null },
  });
  if (r.count === 0) throw new PublicationLeaseLostError(args.videoId ?? args.publicationId, args.platform ?? '?', 'before marking the row for a manual check');
}

type RowView = {
  id: string;
  status: Publication['status'];
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  externalId: string | null;
  url: string | null;
  error: string | null;
  remainingMs: number | null;
};

async function readRow(db: Db, videoId: string, platform: PlatformName): Promise<RowView | undefined> {
  const rows = await db.$queryRaw<RowView[]>`
    SELECT "id", "status"::text AS "status", "leaseOwner", "leaseExpiresAt", "externalId", "url", "error",
           (EXTRACT(EPOCH FROM ("leaseExpiresAt" - ${DB_NOW})) * 1000)::float8 AS "remainingMs"
      FROM "Publication" WHERE "videoId" = ${videoId} AND "platform" = ${platform}::"Platform"`;
  return rows[0];
}

/**
 * Claims the row, or finds it published. When another attempt holds a live lease, this one
 * never calls the platform: it re-checks until that lease lapses (its holder is gone: take
 * over), the row is settled, or the holder shows it is alive by renewing; then it fails
 * retryably, and Temporal's retry policy does the longer waiting.
 */
export async function acquire(
  db: Db,
  a: { videoId: string; platform: PlatformName; owner: string; leaseMs: number; waitMs: number },
): Promise<{ kind: 'claimed'; lease: PublicationLease } | { kind: 'published'; row: RowView }> {
  const ctx = Context.current();
  const deadline = Date.now() + a.waitMs;
  let seen: { owner: string; expiresAt: number } | undefined;
  for (;;) {
    const lease = await claimPublication(db, a);
    if (lease) return { kind: 'claimed', lease };
    const row = await readRow(db, a.videoId, a.platform);
    if (!row) throw new Error(`The ledger row of video ${a.videoId} on ${a.platform} disappeared (was the video deleted?).`);
    if (row.status === 'PUBLISHED') return { kind: 'published', row };
    if (row.status === MANUAL_CHECK_STATUS) {
      throw ApplicationFailure.nonRetryable(
        `Publication ${a.videoId}/${a.platform} is waiting for a manual check (${row.error ?? 'outcome unknown'}): settle it with POST /orchestrator/publications/${a.videoId}/${a.platform}/settle before publishing again.`,
        'AwaitingManualCheck',
      );
    }
    const live = row.leaseOwner !== null && row.remainingMs !== null && row.remainingMs > 0;
    if (!live) {
      // Released or lapsed between our claim and our read: claim again.
      await ctx.sleep(20);
      continue;
    }
    const until = row.leaseExpiresAt!.toISOString();
    const busy = () =>
      ApplicationFailure.retryable(
        `publication ${a.videoId}/${a.platform} is being published by another attempt (lease until ${until}); will retry`,
        'PublicationLeased',
      );
    if (seen && (seen.owner !== row.leaseOwner || seen.expiresAt !== row.leaseExpiresAt!.getTime())) throw busy(); // renewed or taken: its holder is alive
    seen ??= { owner: row.leaseOwner!, expiresAt: row.leaseExpiresAt!.getTime() };
    const pause = Math.min(POLL_MS, Math.max(20, row.remainingMs! + 20));
    if (Date.now() + pause > deadline) throw busy();
    ctx.heartbeat();
    await ctx.sleep(pause);
  }
}

/**
 * While an attempt holds a row: heartbeats the activity and renews the lease. Renewal goes on
 * even after Temporal has given up on this attempt (a timeout): while the call is still running
 * here, no other attempt may take the row over.
 */
export function holdLease(db: Db, publicationId: string, owner: string, leaseMs: number) {
  const ctx = Context.current();
  ctx.heartbeat();
  const heartbeatEvery = Math.max(200, Math.min(5000, (ctx.info.heartbeatTimeoutMs || 15_000) / 3));
  const renewEvery = Math.max(200, Math.min(30_000, leaseMs / 4));
  let inflight: Promise<void> | undefined;
  const heartbeat = setInterval(() => ctx.heartbeat(), heartbeatEvery);
  const renew = setInterval(() => {
    if (inflight) return;
    inflight = renewPublicationLease(db, { publicationId, owner, leaseMs })
      .then((held) => {
        if (!held) ctx.log.warn('publication lease no longer held by this attempt', { publicationId });
      })
      .catch((err: Error) => ctx.log.warn('publication lease renewal failed', { publicationId, error: err.message }))
      .finally(() => {
        inflight = undefined;
      });
  }, renewEvery);
  let stopped = false;
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(heartbeat);
      clearInterval(renew);
      await inflight;
    },
  };
}

// ---------------------------------------------------------------------------
// Operators settle rows in the manual-check state.

export interface SettlePublicationInput {
  videoId: string;
  platform: PlatformName;
  /** published: the operator found the post (give its id); not-published: there is none. */
  outcome: 'published' | 'not-published';
  externalId?: string;
  url?: string;
  /** Who settles it (stored in the audit row). */
  by: string;
  reason?: string;
}

export class PublicationNotFoundError extends Error {
  constructor(
    readonly videoId: string,
    readonly platform: string,
  ) {
    super(`No publication of video ${videoId} on ${platform}.`);
    this.name = 'PublicationNotFoundError';
  }
}

/** The settlement's audit row could not be written, so nothing was settled. */
export class PublicationAuditError extends Error {
  constructor(readonly cause: Error) {
    super(`The settlement could not be recorded in the audit log, so nothing was changed: ${cause.message.split('\n')[0]}`);
    this.name = 'PublicationAuditError';
  }
}

/** The row is not in the manual-check state (or the settlement is incomplete). */
export class PublicationSettleError extends Error {
  constructor(
    readonly code: 'not_awaiting_check' | 'external_id_required',
    message: string,
    readonly status?: string,
  ) {
    super(message);
    this.name = 'PublicationSettleError';
  }
}

/**
 * Settles a publication waiting for a manual check, in one transaction: the AuditEvent row is
 * written first (if it cannot be written, nothing changes), then the row is updated only if it
 * is still in the manual-check state.
 *   published     → PUBLISHED with the given post id (and the video PUBLISHED once every
 *                   platform is), exactly like a confirmed call;
 *   not-published → PENDING without call mark or lease: claimable again, so the next attempt
 *                   at publishing this video on this platform posts it (without asking the
 *                   platform first, since the operator checked).
 */
export async function settlePublication(db: Db, input: SettlePublicationInput): Promise<Publication> {
  if (input.outcome === 'published' && !input.externalId) {
    throw new PublicationSettleError(
      'external_id_required',
      "Settling as published needs the post's externalId (the id the platform gave the post you found).",
    );
  }
  const started = Date.now();
  return db.$transaction(async (tx) => {
    const row = await tx.publication.findUnique({
      where: { videoId_platform: { videoId: input.videoId, platform: input.platform } },
      include: { video: { select: { workflowId: true } } },
    });
    if (!row) throw new PublicationNotFoundError(input.videoId, input.platform);
    if (row.status !== MANUAL_CHECK_STATUS) {
      throw new PublicationSettleError(
        'not_awaiting_check',
        `Publication ${input.videoId}/${input.platform} is ${row.status}, not waiting for a manual check (${MANUAL_CHECK_STATUS}): only rows whose outcome is unknown can be settled.`,
        row.status,
      );
    }
    // 1. The audit row first: a settle that cannot be recorded does not happen.
    await tx.auditEvent
      .create({
        data: {
          actor: input.by,
          platform: input.platform,
          action: 'publication.settle',
          target: input.videoId,
          arguments: {
            publicationId: row.id,
            outcome: input.outcome,
            externalId: input.externalId ?? null,
            url: input.url ?? null,
            reason: input.reason ?? null,
            previousStatus: row.status,
            previousError: row.error,
            callStartedAt: row.callStartedAt?.toISOString() ?? null,
            attempts: row.attempts,
          },
          outcome: input.outcome,
          latencyMs: Date.now() - started,
          workflowId: row.video.workflowId,
        },
      })
      .catch((err: Error) => {
        throw new PublicationAuditError(err);
      });
    // 2. The row, only if nobody settled it meanwhile.
    const data: Prisma.PublicationUpdateManyMutationInput =
      input.outcome === 'published'
        ? {
            status: 'PUBLISHED',
            externalId: input.externalId,
            url: input.url ?? null,
            publishedAt: new Date(),
            error: null,
            leaseOwner: null,
            leaseExpiresAt: null,
          }
        : {
            status: 'PENDING',
            callStartedAt: null,
            leaseOwner: null,
            leaseExpiresAt: null,
            error: `settled as not published by ${input.by}${input.reason ? `: ${input.reason}` : ''}`.slice(0, 2000),
          };
    const r = await tx.publication.updateMany({ where: { id: row.id, status: MANUAL_CHECK_STATUS }, data });
    if (r.count === 0)
      throw new PublicationSettleError('not_awaiting_check', `Publication ${input.videoId}/${input.platform} was settled by someone else meanwhile.`);
    if (input.outcome === 'published') {
      const others = await tx.publication.count({ where: { videoId: row.videoId, status: { not: 'PUBLISHED' } } });
      if (others === 0) await tx.video.update({ where: { id: row.videoId }, data: { status: 'PUBLISHED' } });
    }
    return tx.publication.findUniqueOrThrow({ where: { id: row.id } });
  });
}
