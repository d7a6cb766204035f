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

const faultsFired = new Set<string>();

/**
 * Exactly-once publishing through a ledger (Publication, unique per video and
 * platform):
 *   1. before the call: the row is created (PENDING) and its attempt counted;
 *   2. the platform call;
 *   3. after the call: the row is confirmed (PUBLISHED, with the post's id).
 * A retry that finds PUBLISHED returns it. One that finds PENDING with an earlier
 * attempt does not know whether that attempt posted (a crash between 2 and 3),
 * so it asks the platform for a post with this idempotency key and settles the
 * row from the answer; a platform that cannot tell fails the publication for a
 * human to check rather than risk a double post.
 */
export function publishingActivities(deps: { db: Db; publishers: Record<PlatformName, Publisher>; storage: MediaStorage; publicBaseUrl: string; fault: PublishFault }) {
  const { db } = deps;
  return {
    async publishVideo(input: PublishVideoInput): Promise<PublishVideoResult> {
      const { videoId, platform } = input;
      const publisher = deps.publishers[platform];
      const video = await db.video.findUniqueOrThrow({ where: { id: videoId }, include: { content: true } });
      if (video.status !== 'APPROVED' && video.status !== 'PUBLISHED') {
        throw ApplicationFailure.nonRetryable(`Video ${videoId} is ${video.status}, not approved: refusing to publish it.`, 'NotApproved');
      }
      const videoKey = video.videoPath;
      if (!videoKey) throw ApplicationFailure.nonRetryable(`Video ${videoId} has no rendered file.`, 'NotRendered');

      // 1. Before: claim the ledger row and count the attempt.
      const row = await db.publication.upsert({
        where: { videoId_platform: { videoId, platform } },
        create: { videoId, platform, status: 'PENDING', attempts: 1 },
        update: { attempts: { increment: 1 } },
      });
      if (row.status === 'PUBLISHED') {
        return { videoId, platform, status: 'already-published', externalId: row.externalId!, url: row.url! };
      }
      if (row.attempts > 1) {
        const existing = publisher.findExisting ? await publisher.findExisting(row.id) : undefined;
        if (existing) {
          await confirm(row.id, existing.externalId, existing.url, 'recovered');
          return { videoId, platform, status: 'recovered', externalId: existing.externalId, url: existing.url };
        }
        if (existing === undefined) {
          const message = `An earlier attempt to publish video ${videoId} on ${platform} ended without confirmation and ${publisher.name} cannot look posts up: check the channel by hand, then retry or mark it published.`;
          await db.publication.update({ where: { id: row.id }, data: { status: 'FAILED', error: message } });
          throw ApplicationFailure.nonRetryable(message, 'UnknownPublishOutcome');
        }
        // null: the platform says there is no such post, so the earlier attempt did not publish.
      }

      // 2. The call.
      // Each platform's copy links with its own suffix, so clicks say where they came from.
      const description = video.content.description.replaceAll(trackedUrl(deps.publicBaseUrl, video.content.trackingCode), trackedUrl(deps.publicBaseUrl, video.content.trackingCode, platform));
      const metadata = { title: video.content.title, description, hashtags: video.content.hashtags, language: video.content.language, trackingCode: `${video.content.trackingCode}-${PLATFORM_CODES[platform]}` };
      await db.publication.update({ where: { id: row.id }, data: { metadata, error: null } });
      const post = await withHeartbeats(() => publisher.publish({
        idempotencyKey: row.id,
        platform,
        videoId,
        videoPath: deps.storage.localPath(videoKey),
        thumbnailPath: video.thumbnailPath ? deps.storage.localPath(video.thumbnailPath) : null,
        title: metadata.title,
        description,
        hashtags: metadata.hashtags,
        language: metadata.language,
      }));

      // Fault injection for the exactly-once tests: the worst moment to fail.
      const faultKey = `${row.id}`;
      if (deps.fault === 'publish-after-call:throw-once' && !faultsFired.has(faultKey)) {
        faultsFired.add(faultKey);
        throw new Error('Injected fault: failing after the platform call and before the ledger confirmation');
      }
      if (deps.fault === 'publish-after-call:crash') {
        process.kill(process.pid, 'SIGKILL');
        await new Promise(() => {}); // never continue past the crash
      }

      // 3. After: confirm.
      await confirm(row.id, post.externalId, post.url, 'published');
      return { videoId, platform, status: 'published', externalId: post.externalId, url: post.url };
    },
  };

  async function confirm(publicationId: string, externalId: string, url: string, how: string) {
    await db.$transaction(async (tx) => {
      const pub = await tx.publication.update({ where: { id: publicationId }, data: { status: 'PUBLISHED', externalId, url, publishedAt: new Date(), error: null } });
      const others = await tx.publication.count({ where: { videoId: pub.videoId, status: { not: 'PUBLISHED' } } });
      if (others === 0) await tx.video.update({ where: { id: pub.videoId }, data: { status: 'PUBLISHED' } });
      await tx.auditEvent.create({ data: { actor: 'system', action: 'publish', target: pub.videoId, platform: pub.platform, outcome: how, arguments: { externalId, url }, workflowId: null } });
    });
  }
}

/** Uploads can take minutes: keep heartbeating while the platform call runs. */
async function withHeartbeats<T>(fn: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  ctx.heartbeat();
  const every = Math.max(200, Math.min(5000, (ctx.info.heartbeatTimeoutMs ?? 15_000) / 3));
  const timer = setInterval(() => ctx.heartbeat(), every);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
