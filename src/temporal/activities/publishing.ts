import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { PlatformName } from '../../config.js';
import type { Db } from '../../db.js';
import { PLATFORM_CODES, trackedUrl } from '../../domain/links.js';
import type { Notifier } from '../../providers/notifier/index.js';
import type { PublishContext, Publisher } from '../../providers/publisher/types.js';
import type { MediaStorage } from '../../providers/storage/types.js';
import { acquire, confirmPublication, holdLease, markForManualCheck, PublicationLeaseLostError, releasePublication } from './publication-ledger.js';

export * from './publication-ledger.js';

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
  /** For the one alert a platform limit or account problem raises. */
  notifier?: () => Notifier;
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

const DEFAULT_LEASE_WITHOUT_HEARTBEAT_MS = 10 * 60_000;
const MIN_LEASE_MS = 10_000;

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
      // This platform's cut ("link in bio" on TikTok and Instagram) when it differs from the main file.
      const cut = (video.platformVideos as Record<string, unknown> | null)?.[platform];
      const videoKey = typeof cut === 'string' && cut ? cut : video.videoPath;
      if (!videoKey) throw ApplicationFailure.nonRetryable(`Video ${videoId} has no rendered file.`, 'NotRendered');
      // A platform that refused more posts (quota, daily limit, spam risk) is not called again before its hold ends.
      const hold = await db.platformHold.findUnique({ where: { platform } });
      if (hold && hold.until > new Date()) {
        throw ApplicationFailure.nonRetryable(
          `${platform} is on hold until ${hold.until.toISOString()} (${hold.code}): ${hold.reason} Nothing was posted; publish again after the hold (e.g. the next daily run).`,
          'PlatformOnHold',
        );
      }

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
        // 2. Reconcile with the platform when an earlier call may have posted. A resumable publisher
        //    settles it itself from the state it saved (its upload session, publish id or container).
        const saved = (await db.publication.findUnique({ where: { id: lease.id }, select: { uploadState: true } }))?.uploadState;
        if (lease.callStartedAt && !publisher.resumable) {
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
        const videoPath = deps.storage.ensureLocal ? await deps.storage.ensureLocal(videoKey) : deps.storage.localPath(videoKey);
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
        const pubCtx: PublishContext = {
          state: saved && typeof saved === 'object' && !Array.isArray(saved) ? (saved as Record<string, unknown>) : null,
          async saveState(state) {
            const r = await db.publication.updateMany({ where: { id: lease.id, leaseOwner: owner }, data: { uploadState: state as object } });
            if (r.count === 0) throw new PublicationLeaseLostError(videoId, platform, 'while saving the upload state');
            pubCtx.state = state;
          },
          heartbeat: () => ctx.heartbeat(),
          signal: ctx.cancellationSignal,
          videoUrl: async () => (deps.storage.presignedUrl ? deps.storage.presignedUrl(videoKey) : deps.storage.publicUrl(videoKey)),
        };
        post = await publisher.publish(
          {
            idempotencyKey: lease.id,
            platform,
            videoId,
            videoPath,
            thumbnailPath: video.thumbnailPath ? deps.storage.localPath(video.thumbnailPath) : null,
            title: metadata.title,
            description,
            hashtags: metadata.hashtags,
            language: metadata.language,
            // Every voice we use is synthesized (espeak-ng, OpenAI TTS), so the AI-content flags are always set.
            syntheticMedia: true,
          },
          pubCtx,
        );

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
        const stop = await platformStop(deps, err, ctx.info.workflowExecution?.workflowId);
        if (stop) throw stop;
        // A refusal the platform will repeat (a video it cannot process, an invalid field): no retry storm.
        if ((err as { retryable?: boolean }).retryable === false && !(err instanceof ApplicationFailure)) {
          throw ApplicationFailure.nonRetryable(message, (err as Error).name || 'PublishRefused');
        }
        throw err;
      }
    },
  };
}

/**
 * A platform limit (quota, daily upload limit, spam risk) holds the platform until it lifts,
 * and an account problem (revoked token, unaudited app) needs the operator: either way one
 * alert (deduplicated per platform and problem) and a non-retryable failure, never a retry storm.
 */
async function platformStop(deps: PublishingDeps, err: unknown, workflowId: string | undefined): Promise<ApplicationFailure | undefined> {
  const e = err as Error & { platform?: PlatformName; code?: string; until?: Date };
  if (e?.name !== 'PlatformLimitError' && e?.name !== 'PlatformAccountError') return undefined;
  const platform = e.platform!;
  const code = e.code ?? 'error';
  if (e.name === 'PlatformLimitError' && e.until) {
    await deps.db.platformHold.upsert({
      where: { platform },
      create: { platform, until: e.until, code, reason: e.message.slice(0, 1000) },
      update: { until: e.until, code, reason: e.message.slice(0, 1000) },
    });
  }
  const held = e.name === 'PlatformLimitError';
  await deps
    .notifier?.()
    .notify({
      kind: 'provider_alert',
      level: held ? 'WARNING' : 'ERROR',
      title: held ? `${platform}: ${code}, publishing paused until ${e.until?.toISOString() ?? 'later'}` : `${platform}: ${code}, publishing needs you`,
      message: e.message,
      workflowId,
      data: { provider: platform.toLowerCase(), code, ...(e.until ? { until: e.until.toISOString() } : {}) },
      dedupeKey: `provider-alert:${platform}:${code}:${held ? e.until?.toISOString().slice(0, 10) : (workflowId ?? 'none')}`,
    })
    .catch(() => undefined);
  return ApplicationFailure.nonRetryable(e.message, held ? 'PlatformLimit' : 'PlatformAccount');
}
