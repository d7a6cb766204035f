import { ApplicationFailure, CancelledFailure, Context, heartbeat } from '@temporalio/activity';

import type { RankWeights } from '../../config.js';
import type { Db } from '../../db.js';
import type { CatalogProvider } from '../../providers/catalog/index.js';
import type { Notifier } from '../../providers/notifier/index.js';
import type { CatalogProduct } from '../../domain/product.js';
import { scoreProduct } from '../../domain/scoring.js';
import { selectTop, type SelectionCandidate } from '../../domain/selection.js';
import type { SelectedProduct } from '../types.js';

export interface SyncResult {
  total: number;
  created: number;
  updated: number;
  source: string;
  /** Set when the configured source refused and this run used the fallback catalog: why, and what to do. */
  fallback?: string;
  /** Items the source reported or skipped (partial errors inside a 200, no offer, invalid fields). */
  itemErrors?: number;
  /** A few of them, as "ASIN code: message". */
  itemErrorSample?: string[];
}

/** What a catalog provider may expose beyond the port: per-item problems of its latest run. */
interface WithItemErrors {
  lastErrors?: { asin?: string; code?: string; field?: string; message?: string; reason?: string; row?: number }[];
}

/**
 * A catalog source that refuses this account until it qualifies (Amazon's Creators
 * API answers 403 AssociateNotEligible): the run falls back for today, never loops.
 * Matched by name so this module needs no adapter import.
 */
function isNotEligible(err: unknown): err is Error {
  return err instanceof Error && err.name === 'AssociateNotEligibleError';
}

/** A source error retrying cannot fix (bad credentials, invalid partner tag): fail the step at once with its message. */
function isPermanentSourceError(err: unknown): err is Error & { code?: string } {
  return err instanceof Error && err.name === 'CreatorsApiError' && (err as { retryable?: boolean }).retryable === false;
}

/** Rows per INSERT … ON CONFLICT statement: large enough to amortise round trips, small enough to heartbeat often. */
const UPSERT_BATCH = 2000;
const RANK_PAGE = 20000;

/**
 * Upserts one batch in a single statement (unnest of column arrays), so syncing
 * 10,000 products is a handful of round trips. Returns how many rows were new.
 * Re-running it with the same input changes nothing but updatedAt: idempotent.
 */
export async function upsertProducts(db: Db, products: CatalogProduct[], source: string): Promise<{ created: number; updated: number }> {
  if (!products.length) return { created: 0, updated: 0 };
  // The same ASIN twice in one statement would make ON CONFLICT fail; the last one wins.
  const byAsin = new Map(products.map((p) => [p.asin, p]));
  const rows = [...byAsin.values()];
  const col = <T>(f: (p: CatalogProduct) => T) => rows.map(f);
  const result = await db.$queryRawUnsafe<{ inserted: boolean }[]>(
    `INSERT INTO "Product" (id, asin, title, brand, category, price, currency, "commissionRate", rating, "reviewCount", "salesRank", "imageUrls", "detailPageUrl", source, "updatedAt")
     SELECT gen_random_uuid()::text, u.asin, u.title, u.brand, u.category, u.price, u.currency, u.rate, u.rating, u.reviews, u.rank,
            CASE WHEN u.images = '' THEN ARRAY[]::text[] ELSE string_to_array(u.images, E'\\x1f') END, u.url, $13, now()
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::numeric[], $6::text[], $7::numeric[], $8::float8[], $9::int[], $10::int[], $11::text[], $12::text[])
       AS u(asin, title, brand, category, price, currency, rate, rating, reviews, rank, images, url)
     ON CONFLICT (asin) DO UPDATE SET
       title = EXCLUDED.title, brand = EXCLUDED.brand, category = EXCLUDED.category, price = EXCLUDED.price,
       currency = EXCLUDED.currency, "commissionRate" = EXCLUDED."commissionRate", rating = EXCLUDED.rating,
       "reviewCount" = EXCLUDED."reviewCount", "salesRank" = EXCLUDED."salesRank", "imageUrls" = EXCLUDED."imageUrls",
       "detailPageUrl" = EXCLUDED."detailPageUrl", source = EXCLUDED.source, "updatedAt" = now()
     RETURNING (xmax = 0) AS inserted`,
    col((p) => p.asin),
    col((p) => p.title),
    col((p) => p.brand),
    col((p) => p.category),
    col((p) => p.price.toFixed(2)),
    col((p) => p.currency),
    col((p) => String(p.commissionRate)),
    col((p) => p.rating),
    col((p) => p.reviewCount),
    col((p) => p.salesRank),
    col((p) => p.imageUrls.join('\x1f')),
    col((p) => p.detailPageUrl),
    source,
  );
  const created = result.filter((r) => r.inserted).length;
  return { created, updated: result.length - created };
}

interface SyncProgress {
  batches: number;
  created: number;
  updated: number;
  /** Set once the run switched to the fallback catalog, so a retry goes straight there. */
  fallback?: string;
}

export interface ProductDeps {
  db: Db;
  /** The configured source; `signal` cancels its requests and waits with the activity. */
  catalog: (opts?: { signal?: AbortSignal }) => CatalogProvider;
  /** The offline catalog (the user's file or the bundled one) for a run the source refused. */
  fallbackCatalog?: () => CatalogProvider;
  notifier?: () => Notifier;
}

export function productActivities(deps: ProductDeps) {
  const { db } = deps;
  return {
    /**
     * Pulls the catalog in batches and upserts them. Heartbeats after each batch
     * with the number of batches done (and every few seconds while a paced source
     * waits); a retry (after a worker crash) skips the batches already written.
     * A source that refuses the account (Creators API: not eligible yet) gives way
     * to the fallback catalog for this run, with one alert that says why.
     */
    async syncProducts(): Promise<SyncResult> {
      const ctx = activityContext();
      const progress: SyncProgress = { ...((ctx?.info.heartbeatDetails as SyncProgress | undefined) ?? { batches: 0, created: 0, updated: 0 }) };
      const resumeBatches = progress.batches;
      const beat = setInterval(() => ctx && heartbeat(progress), 5000);
      try {
        const primary = progress.fallback ? undefined : deps.catalog({ signal: ctx?.cancellationSignal });
        let used = primary ?? deps.fallbackCatalog!();
        try {
          await syncFrom(used, resumeBatches);
        } catch (err) {
          if (!isNotEligible(err) || !deps.fallbackCatalog) {
            if (isPermanentSourceError(err)) throw ApplicationFailure.nonRetryable(err.message, err.code ?? 'CatalogSourceError');
            throw err;
          }
          used = deps.fallbackCatalog();
          progress.fallback = `${primary?.name ?? 'the catalog source'} refused this account: ${err.message} Used ${used.name} for this run.`;
          Object.assign(progress, { batches: 0 });
          if (ctx) heartbeat(progress);
          await alertSourceRefused(deps.notifier?.(), ctx?.info.workflowExecution?.workflowId, err.message, used.name);
          await syncFrom(used, 0);
        }
        const errors = (used as WithItemErrors).lastErrors ?? [];
        return {
          total: progress.created + progress.updated,
          created: progress.created,
          updated: progress.updated,
          source: used.name,
          ...(progress.fallback ? { fallback: progress.fallback } : {}),
          ...(errors.length
            ? {
                itemErrors: errors.length,
                itemErrorSample: errors
                  .slice(0, 5)
                  .map((e) => `${e.asin ?? (e.row !== undefined ? `row ${e.row}` : '?')} ${e.code ?? e.field ?? ''}: ${e.message ?? e.reason ?? ''}`.trim()),
              }
            : {}),
        };
      } finally {
        clearInterval(beat);
      }

      async function syncFrom(catalog: CatalogProvider, skip: number): Promise<void> {
        let index = 0;
        for await (const batch of catalog.fetchProducts()) {
          index++;
          if (index <= skip) continue;
          for (let i = 0; i < batch.length; i += UPSERT_BATCH) {
            const r = await upsertProducts(db, batch.slice(i, i + UPSERT_BATCH), catalog.name);
            progress.created += r.created;
            progress.updated += r.updated;
          }
          progress.batches = index;
          if (ctx) {
            heartbeat(progress);
            // Cancellation reaches an activity through heartbeats; stop between batches.
            if (ctx.cancellationSignal.aborted) throw new CancelledFailure(`syncProducts cancelled after ${index} batches`);
          }
        }
      }
    },

    /** Scores every active product (formulas in domain/scoring.ts) and stores the scores. */
    async rankAllProducts(input: { weights: RankWeights }): Promise<{ ranked: number }> {
      return rankAllProducts(db, input.weights);
    },

    async selectTopProducts(input: { limit: number; maxPerCategory: number }): Promise<SelectedProduct[]> {
      return selectTopProducts(db, input.limit, input.maxPerCategory);
    },
  };
}

/** One alert per run (deduped) when the catalog source refuses the account and the fallback catalog is used. */
async function alertSourceRefused(notifier: Notifier | undefined, workflowId: string | undefined, reason: string, usedName: string): Promise<void> {
  if (!notifier) return;
  await notifier.notify({
    kind: 'provider_alert',
    level: 'WARNING',
    title: `Amazon Creators API refused the account: this run uses the ${usedName} catalog`,
    message: reason,
    workflowId,
    data: { provider: 'amazon-creators', code: 'AssociateNotEligible', fallback: usedName },
    dedupeKey: `provider-alert:amazon-creators:AssociateNotEligible:${workflowId ?? 'none'}`,
  });
}

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called outside an activity (benchmarks, scripts)
  }
}

export async function rankAllProducts(db: Db, weights: RankWeights): Promise<{ ranked: number }> {
  const ctx = activityContext();
  let ranked = 0;
  let after = '';
  for (;;) {
    // Keyset pagination keeps each page cheap however many products there are.
    const page = await db.$queryRaw<
      { id: string; price: string; commissionRate: string; rating: number | null; reviewCount: number; salesRank: number | null }[]
    >`
      SELECT id, price::text AS price, "commissionRate"::text AS "commissionRate", rating, "reviewCount", "salesRank"
      FROM "Product" WHERE status = 'ACTIVE' AND id > ${after} ORDER BY id LIMIT ${RANK_PAGE}`;
    if (!page.length) break;
    // One JSON text parameter: through Prisma's driver adapter this is much cheaper than five large arrays.
    const rows = page.map((p) => {
      const s = scoreProduct(
        { price: Number(p.price), commissionRate: Number(p.commissionRate), rating: p.rating, reviewCount: p.reviewCount, salesRank: p.salesRank },
        weights,
      );
      return [p.id, s.trendScore, s.profitScore, s.viralityScore, s.overallScore];
    });
    await db.$executeRawUnsafe(
      `UPDATE "Product" AS p SET "trendScore" = (u->>1)::float8, "profitScore" = (u->>2)::float8, "viralityScore" = (u->>3)::float8, "overallScore" = (u->>4)::float8, "rankedAt" = now()
       FROM json_array_elements($1::json) AS u WHERE p.id = u->>0`,
      JSON.stringify(rows),
    );
    ranked += page.length;
    after = page[page.length - 1].id;
    if (ctx) heartbeat({ ranked });
  }
  return { ranked };
}

export async function selectTopProducts(db: Db, limit: number, maxPerCategory: number): Promise<SelectedProduct[]> {
  // The per-category top `limit` is always enough candidates for the greedy pick.
  const candidates = await db.$queryRaw<SelectionCandidate[]>`
    SELECT id, asin, title, category, "overallScore", "selectionWeight" FROM (
      SELECT id, asin, title, category, "overallScore", "selectionWeight",
             row_number() OVER (PARTITION BY category ORDER BY "overallScore" * "selectionWeight" DESC, asin) AS rn
      FROM "Product" WHERE status = 'ACTIVE'
    ) ranked WHERE rn <= ${limit}`;
  return selectTop(candidates, { limit, maxPerCategory }).map((c) => ({
    id: c.id,
    asin: c.asin,
    title: c.title,
    category: c.category,
    overallScore: c.overallScore,
  }));
}
