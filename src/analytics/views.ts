/**
 * Views from the platforms, into dated AnalyticsSnapshot rows. A platform reports a
 * post's lifetime views; a snapshot holds its day's views (see collect.ts), so
 * today's row gets the lifetime count minus what the earlier days' rows already
 * hold. Re-running it on the same day replaces today's row (idempotent). A platform
 * that answers nothing for a post leaves it without a row: its views stay unknown,
 * never 0. A platform that fails is logged and skipped; the others still count.
 */
import type { PlatformName } from '../config.js';
import type { Db } from '../db.js';
import type { Publisher } from '../providers/publisher/types.js';

/** Posts older than this are no longer polled (their views hardly move, and every call costs quota). */
const MAX_AGE_DAYS = 90;
const BATCH = 50;

export interface ViewsRefresh {
  /** Posts whose views the platform reported, per platform. */
  updated: Partial<Record<PlatformName, number>>;
  /** Platforms that failed, with the reason (their views stay unknown for today). */
  failed: { platform: PlatformName; error: string }[];
}

export async function refreshViews(db: Db, publishers: Record<PlatformName, Publisher>, now = new Date()): Promise<ViewsRefresh> {
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const since = new Date(today.getTime() - MAX_AGE_DAYS * 86_400_000);
  const out: ViewsRefresh = { updated: {}, failed: [] };
  for (const [platform, publisher] of Object.entries(publishers) as [PlatformName, Publisher][]) {
    if (!publisher.fetchViews) continue;
    const pubs = await db.publication.findMany({
      where: { platform, status: 'PUBLISHED', externalId: { not: null }, publishedAt: { gte: since } },
      select: { id: true, externalId: true, video: { select: { productId: true } } },
    });
    if (!pubs.length) continue;
    try {
      let updated = 0;
      for (let i = 0; i < pubs.length; i += BATCH) {
        const batch = pubs.slice(i, i + BATCH);
        const views = await publisher.fetchViews(batch.map((p) => p.externalId!));
        for (const p of batch) {
          const lifetime = views[p.externalId!];
          if (lifetime === null || lifetime === undefined || !Number.isFinite(lifetime)) continue;
          const earlier = await db.analyticsSnapshot.aggregate({
            where: { publicationId: p.id, date: { lt: today }, views: { not: null } },
            _sum: { views: true },
          });
          const day = Math.max(0, Math.round(lifetime) - (earlier._sum.views ?? 0));
          const source = `platform:${publisher.name}`;
          await db.$transaction([
            db.analyticsSnapshot.deleteMany({ where: { publicationId: p.id, date: today, source } }),
            db.analyticsSnapshot.create({ data: { productId: p.video.productId, publicationId: p.id, platform, date: today, views: day, source } }),
          ]);
          updated++;
        }
      }
      out.updated[platform] = updated;
    } catch (err) {
      out.failed.push({ platform, error: ((err as Error).message ?? String(err)).slice(0, 500) });
    }
  }
  return out;
}
