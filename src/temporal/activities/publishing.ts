import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import { Prisma, type Publication } from '@prisma/client';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { PlatformName } from '../../config.js';
import type { Db } from '../../db.js';
import { PLATFORM_CODES, trackedUrl } from '../../domain/links.js';
import type { Publisher } from '../../providers/publisher/types.js';
import type { MediaStorage } from '../../providers/storage/types.js';

export type PublishFault = 'none' | 'publish-after-call:throw-once' | 'publish-after-call:crash';

export interface PublishVideoInput {
  videoId: string;
  platform: PlatformName;
}

export interface PublishVideoResult {
  videoId: string;
  platform: PlatformName;
  status: 'published' | 'already-published' | 'recovered';
  externalId: string;
  url: string;
}

export interface PublishingDeps {
  db: Db;
  publishers: Record<PlatformName, Publisher>;
  storage: MediaStorage;
  publicBaseUrl: string;
  fault: PublishFault;
  /**
   * How long a claim holds a ledger row before another attempt may take it over. The holder
   * renews it while it works, so it only has to outlive a missed renewal, not a platform call.
   * Default: twice the activity's heartbeat timeout (at least 10 s), so a crashed attempt's row
   * is free about when Temporal retries it; 10 minutes for an activity without heartbeat timeout.
   */
  leaseMs?: number;
  /**
   * How long an attempt that finds the row held by another attempt waits (re-checking) before
   * it fails retryably. Default: one lease plus 2 s (at most half the start-to-close timeout); it
   * stops waiting early as soon as the holder renews (it is alive and working).
   */
  leaseWaitMs?: number;
}

const faultsFired = new Set<string>();

/** The manual-check state: the outcome of an earlier call is unknown and the platform cannot tell. */
export const MANUAL_CHECK_STATUS = 'FAILED' as const;

const DEFAULT_LEASE_WITHOUT_HEARTBEAT_MS = 10 * 60_000;
const MIN_LEASE_MS = 10_000;
const POLL_MS = 250;
/** Database time as a timestamp(3) column stores it (UTC wall clock), whatever the session time zone. */
const DB_NOW = Prisma.sql`(now() AT TIME ZONE 'UTC')`;

/**
 * Exactly-once publishing through a ledger (Publication, unique per video and platform),
 * safe against concurrent attempts (a Temporal retry that starts while a slow first attempt
 * still runs):
 *   1. claim: a compare-and-set UPDATE takes the row's lease for this attempt (a random
 *      owner token) only when the row is PENDING and nobody holds a live lease; the attempt
 *      is counted. An attempt that finds a live lease never calls the platform: it waits for
 *      that lease to lapse (its holder died) and fails retryably as soon as the holder renews it.
 *   2. reconcile: a row whose callStartedAt is set may have been posted by an earlier
 *      attempt (a crash or a lost answer after the call), so the holder first asks the platform
 *      for a post with this row's idempotency key: found → confirmed as recovered; the platform
 *      says none → post; the platform cannot tell → FAILED (manual check), never a second post.
 *   3. just before the call, callStartedAt is set (conditional on still holding the lease);
 *      a failure before this point leaves the row PENDING without a call mark, claimable again.
 *   4. the call, while the lease is renewed and the activity heartbeats.
 *   5. confirm: PUBLISHED with the post's id, conditional on still holding the lease; an
 *      attempt that lost it never overwrites the row.
 * On any failure the holder releases its lease (the row stays PENDING, with the call mark if
 * the call was made), so the retry starts at once instead of waiting for the lease to lapse.
 */
export function publishingActivities(deps: PublishingDeps) {
  const { db } = deps;
  return {
    async publishVideo(input: PublishVideoInput): Promise<PublishVideoResult> {
      const { videoId, platform } = input;
      const ctx = Context.current();
      const publisher = deps.publishers[platform];
      const video = await db.video.findUniqueOrThrow({ where: { id: videoId }, include: { content: true } });
      if (video.status !== 'APPROVED' && video.status !== 'PUBLISHED') {
        throw ApplicationFailure.nonRetryable(`Video ${videoId} is ${video.status}, not approved: refusing to publish it.`, 'NotApproved');
      }
      const videoKey = video.videoPath;
      if (!videoKey) throw ApplicationFailure.nonRetryable(`Video ${videoId} has no rendered file.`, 'NotRendered');

      const heartbeatMs = ctx.info.heartbeatTimeoutMs || undefined;
      const leaseMs = Math.round(deps.leaseMs ?? (heartbeatMs ? Math.max(MIN_LEASE_MS, 2 * heartbeatMs) : DEFAULT_LEASE_WITHOUT_HEARTBEAT_MS));
      const startToCloseMs = ctx.info.startToCloseTimeoutMs || undefined;
      const waitMs = Math.min(deps.leaseWaitMs ?? leaseMs + 2000, startToCloseMs ? startToCloseMs / 2 : Infinity);
      const owner = randomUUID();

      // 1. Claim (the row is created on the first attempt).
      await db.publication.createMany({ data: [{ videoId, platform, status: 'PENDING', attempts: 0 }], skipDuplicates: true });
      const got = await acquire(db, { videoId, platform, owner, leaseMs, waitMs });
      if (got.kind === 'published') {
        return { videoId, platform, status: 'already-published', externalId: got.row.externalId ?? '', url: got.row.url ?? '' };
      }
      const lease = got.lease;
      const keeper = holdLease(db, lease.id, owner, leaseMs);
      let called = false;
      let post: { externalId: string; url: string } | undefined;
      try {
        // 2. Reconcile with the platform when an earlier call may have posted.
        if (lease.callStartedAt) {
          const existing = publisher.findExisting ? await publisher.findExisting(lease.id) : undefined;
          if (existing) {
            await keeper.stop();
            await confirmPublication(db, { publicationId: lease.id, owner, externalId: existing.externalId, url: existing.url, how: 'recovered' });
            return { videoId, platform, status: 'recovered', externalId: existing.externalId, url: existing.url };
          }
          if (existing === undefined) {
            const message = `An earlier attempt to publish video ${videoId} on ${platform} called ${publisher.name} (at ${lease.callStartedAt.toISOString()}) and ended without confirmation, and ${publisher.name} cannot look posts up: check the channel by hand, then settle it (POST /orchestrator/publications/${videoId}/${platform}/settle).`;
            await keeper.stop();
            await markForManualCheck(db, { publicationId: lease.id, owner, error: message, videoId, platform });
            throw ApplicationFailure.nonRetryable(message, 'UnknownPublishOutcome');
          }
          // null: the platform says there is no such post, so no earlier call published it.
        }

        // 3. Before the call: everything that can fail without posting, then the call mark.
        const videoPath = deps.storage.localPath(videoKey);
        await fs.access(videoPath).catch(() => {
          throw new Error(`The rendered file of video ${videoId} (${videoKey}) is missing: nothing was posted; the publication stays claimable.`);
        });
        // Each platform's copy links with its own suffix, so clicks say where they came from.
        const description = video.content.description.replaceAll(
          trackedUrl(deps.publicBaseUrl, video.content.trackingCode),
          trackedUrl(deps.publicBaseUrl, video.content.trackingCode, platform),
        );
        const metadata = {
          title: video.content.title,
          description,
          hashtags: video.content.hashtags,
          language: video.content.language,
          trackingCode: `${video.content.trackingCode}-${PLATFORM_CODES[platform]}`,
        };
        const marked = await db.publication.updateMany({
          where: { id: lease.id, leaseOwner: owner, status: 'PENDING' },
          data: { metadata, error: null, callStartedAt: new Date() },
        });
        if (marked.count === 0) throw new PublicationLeaseLostError(videoId, platform, 'before the platform call (nothing was posted)');

        // 4. The call.
        called = true;
        post = await publisher.publish({
          idempotencyKey: lease.id,
          platform,
          videoId,
          videoPath,
          thumbnailPath: video.thumbnailPath ? deps.storage.localPath(video.thumbnailPath) : null,
          title: metadata.title,
          description,
          hashtags: metadata.hashtags,
          language: metadata.language,
        });

        // Fault injection for the exactly-once tests: the worst moment to fail.
        const faultKey = `${lease.id}`;
        if (deps.fault === 'publish-after-call:throw-once' && !faultsFired.has(faultKey)) {
          faultsFired.add(faultKey);
          throw new Error('Injected fault: failing after the platform call and before the ledger confirmation');
        }
        if (deps.fault === 'publish-after-call:crash') {
          process.kill(process.pid, 'SIGKILL');
          await new Promise(() => {}); // never continue past the crash
        }

        // 5. After: confirm, only while this attempt still holds the row.
        await keeper.stop();
        await confirmPublication(db, { publicationId: lease.id, owner, externalId: post.externalId, url: post.url, how: 'published' });
        return { videoId, platform, status: 'published', externalId: post.externalId, url: post.url };
      } catch (err) {
        await keeper.stop();
        if (err instanceof PublicationLeaseLostError) {
          if (post) {
            // Our post may duplicate the new holder's: record it for a human, never overwrite the row.
            await db.auditEvent
              .create({
                data: {
                  actor: 'system',
                  action: 'publish',
                  target: videoId,
                  platform,
                  outcome: 'lease-lost-after-post',
                  arguments: { publicationId: lease.id, owner, externalId: post.externalId, url: post.url },
                  workflowId: ctx.info.workflowExecution?.workflowId ?? null,
                },
              })
              .catch(() => undefined);
            ctx.log.error('publication lease lost after the platform call: the post may be a duplicate', {
              videoId,
              platform,
              externalId: post.externalId,
              url: post.url,
            });
          }
          throw ApplicationFailure.retryable(
            `${err.message}${post ? `; this attempt's post ${post.externalId} (${post.url}) may duplicate the new holder's: check the channel` : ''}; will retry`,
            'PublicationLeaseLost',
          );
        }
        // Give the row back: still PENDING, with the call mark if the call was made (then the
        // next attempt asks the platform first). Best effort: a lease that cannot be released lapses.
        const message = (err as Error).message ?? String(err);
        await releasePublication(db, { publicationId: lease.id, owner, error: called ? `call made, outcome unknown: ${message}` : message }).catch(
          () => undefined,
        );
        throw err;
      }
    },
  };
}

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
async function acquire(
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
function holdLease(db: Db, publicationId: string, owner: string, leaseMs: number) {
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
