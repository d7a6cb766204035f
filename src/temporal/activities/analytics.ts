import type { Prisma } from '@prisma/client';
import { collectAnalytics as collect, type AnalyticsResult } from '../../analytics/collect.js';
import type { Db } from '../../db.js';
import type { AnalyticsSummary, OptimizeOutcome, OptimizeSettings } from '../types.js';
import { renderWeeklyChartPng } from '../../domain/chart.js';
import { decideStrategy, type Decision } from '../../domain/optimize.js';
import { buildOwnerReport } from '../../domain/report.js';
import type { MediaStorage } from '../../providers/storage/types.js';
import type { PlatformName } from '../../config.js';
import { refreshViews } from '../../analytics/views.js';
import type { Publisher } from '../../providers/publisher/types.js';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface Period {
  from: string;
  to: string;
}

/** What optimizeStrategy decides on: the period, the run, and the optimize settings (one type for both workflows). */
export type OptimizeInput = Period & { workflowId: string } & Omit<OptimizeSettings, 'daysBack'>;

export type OptimizeResult = OptimizeOutcome;

/** Steps 8-9 and the weekly report. The analytics are recomputed in SQL from the ledgers each time: cheap, and always consistent. */
export function analyticsActivities(deps: {
  db: Db;
  storage: MediaStorage;
  partnerTags: string[];
  publicBaseUrl: string;
  publishers?: Record<PlatformName, Publisher>;
}) {
  const { db } = deps;
  const run = (p: Period) => collect(db, { from: new Date(p.from), to: new Date(p.to), partnerTags: deps.partnerTags });

  async function variantsOf(a: AnalyticsResult) {
    const map = new Map<string, { variant: string; videos: number; clicks: number; views: number | null }>();
    for (const v of a.byVideo) {
      const cur = map.get(v.templateVariant) ?? { variant: v.templateVariant, videos: 0, clicks: 0, views: null };
      cur.videos++;
      cur.clicks += v.clicks;
      if (v.views !== null) cur.views = (cur.views ?? 0) + v.views;
      map.set(v.templateVariant, cur);
    }
    return [...map.values()];
  }

  return {
    /** Step 8: totals for the last days (views only where a publisher can report them; never invented). */
    async collectAnalytics(p: Period): Promise<AnalyticsSummary & { products: number }> {
      // Today's views from every platform that reports them (the outbox reports none: views stay unknown).
      const views = deps.publishers ? await refreshViews(db, deps.publishers) : undefined;
      const a = await run(p);
      const viewNotes = (views?.failed ?? []).map((f) => `${f.platform} views could not be read today (${f.error}); they stay unknown for today.`);
      return {
        totalRevenue: a.totals.revenue,
        totalEarnings: a.totals.earnings,
        totalViews: a.totals.views,
        totalClicks: a.totals.clicks,
        totalCost: a.totals.cost,
        roi: a.totals.roi,
        products: a.byProduct.length,
        notes: [...a.notes, ...viewNotes],
      };
    },

    /** Step 9 (and the weekly run): archive losers, scale winners, promote the better template; every decision stored with its reason. */
    async optimizeStrategy(input: OptimizeInput): Promise<OptimizeResult> {
      const a = await run(input);
      const videosPerProduct = new Map<string, number>();
      for (const v of a.byVideo) videosPerProduct.set(v.productId, (videosPerProduct.get(v.productId) ?? 0) + 1);
      const weights = new Map(
        (await db.product.findMany({ where: { id: { in: a.byProduct.map((p) => p.productId) } }, select: { id: true, selectionWeight: true } })).map((p) => [
          p.id,
          p.selectionWeight,
        ]),
      );
      const decisions = decideStrategy(
        a.byProduct.map((p) => ({ ...p, videos: videosPerProduct.get(p.productId) ?? 0, selectionWeight: weights.get(p.productId) ?? 1 })),
        await variantsOf(a),
        {
          killThreshold: input.killThreshold,
          scaleThreshold: input.scaleThreshold,
          scaleFactor: input.scaleFactor,
          maxSelectionWeight: input.maxSelectionWeight,
          minVideos: input.minVideos,
          minVideosPerVariant: input.minVideosPerVariant,
        },
      );
      await applyDecisions(db, input.workflowId, decisions);
      const variant = decisions.find((d) => d.kind === 'promote-variant' || d.kind === 'keep-variants')!;
      return {
        archived: decisions.filter((d) => d.kind === 'archive').map((d) => ({ asin: (d as { asin: string }).asin, reason: d.reason })),
        scaled: decisions.filter((d) => d.kind === 'scale').map((d) => ({ asin: (d as { asin: string }).asin, reason: d.reason })),
        promotedVariant: variant.kind === 'promote-variant' ? variant.variant : null,
        variantReason: variant.reason,
      };
    },

    /** The owner report: data (JSON), a Markdown summary and a PNG chart, stored and listed at /orchestrator/reports. */
    async buildWeeklyReport(
      input: Period & { workflowId: string },
    ): Promise<{ reportId: string; chartKey: string; chartUrl: string; markdown: string; headline: Record<string, unknown> }> {
      const a = await run(input);
      const decisions = await db.optimizationDecision.findMany({ where: { workflowId: input.workflowId }, orderBy: { createdAt: 'asc' } });
      const products = new Map(
        (
          await db.product.findMany({
            where: { id: { in: decisions.map((d) => d.productId).filter((x): x is string => !!x) } },
            select: { id: true, asin: true, title: true },
          })
        ).map((p) => [p.id, p]),
      );
      const variants = (await variantsOf(a)).map((v) => ({
        ...v,
        clicksPerView: v.views ? v.clicks / v.views : null,
        clicksPerVideo: v.videos ? v.clicks / v.videos : 0,
      }));
      const report = buildOwnerReport({
        workflowId: input.workflowId,
        period: { from: input.from, to: input.to },
        totals: a.totals,
        byProduct: a.byProduct,
        daily: a.daily,
        decisions: decisions.map((d) => ({
          kind: d.kind,
          productId: d.productId ?? undefined,
          asin: d.productId ? products.get(d.productId)?.asin : undefined,
          title: d.productId ? products.get(d.productId)?.title : undefined,
          variant: d.variant ?? undefined,
          reason: d.reason,
        })),
        variants,
        notes: a.notes,
      });
      const chartKey = `reports/${input.workflowId}/chart.png`;
      const png = await renderWeeklyChartPng(a.daily);
      const file = deps.storage.localPath(chartKey);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file + '.tmp', png);
      await fs.rename(file + '.tmp', file);
      const chartUrl = await deps.storage.commit(chartKey);
      const row = await db.report.upsert({
        where: { workflowId: input.workflowId },
        create: {
          workflowId: input.workflowId,
          periodFrom: new Date(input.from),
          periodTo: new Date(input.to),
          data: report.data as unknown as Prisma.InputJsonValue,
          markdown: report.markdown,
          chartKey,
        },
        update: { data: report.data as unknown as Prisma.InputJsonValue, markdown: report.markdown, chartKey },
      });
      return {
        reportId: row.id,
        chartKey,
        chartUrl,
        markdown: report.markdown,
        headline: {
          earnings: a.totals.earnings,
          revenue: a.totals.revenue,
          cost: a.totals.cost,
          roi: a.totals.roi,
          clicks: a.totals.clicks,
          views: a.totals.views,
        },
      };
    },
  };
}

async function applyDecisions(db: Db, workflowId: string, decisions: Decision[]): Promise<void> {
  await db.$transaction(async (tx) => {
    for (const d of decisions) {
      const key = `${workflowId}:${d.kind}:${'productId' in d ? d.productId : 'variant' in d ? d.variant : 'all'}`;
      const inserted = await tx.optimizationDecision.createMany({
        data: [
          {
            key,
            workflowId,
            kind: d.kind,
            productId: 'productId' in d ? d.productId : null,
            variant: 'variant' in d ? d.variant : null,
            reason: d.reason,
            data: d as unknown as Prisma.InputJsonValue,
          },
        ],
        skipDuplicates: true,
      });
      if (inserted.count === 0) continue; // applied by an earlier attempt: never apply twice
      if (d.kind === 'archive') await tx.product.update({ where: { id: d.productId }, data: { status: 'ARCHIVED', archivedReason: d.reason } });
      if (d.kind === 'scale') await tx.product.update({ where: { id: d.productId }, data: { selectionWeight: d.toWeight } });
    }
  });
}
