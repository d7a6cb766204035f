import { ApplicationFailure, CancelledFailure, Context, heartbeat } from '@temporalio/activity';
import { Prisma } from '@prisma/client';

import type { RankWeights } from '../../config.js';
import { bulkPool, type Db } from '../../db.js';
import type { CatalogProvider } from '../../providers/catalog/index.js';
import type { Notifier } from '../../providers/notifier/index.js';
import type { CatalogProduct } from '../../domain/product.js';
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

/**
 * Rows per INSERT … ON CONFLICT statement when a caller hands over more at once (scripts/import-catalog.ts, the
 * bench): one statement per 10,000 keeps the JSON parameter at a few MB. syncProducts writes each catalog batch
 * (1,000 by default) in one statement and heartbeats after it.
 */
export const UPSERT_BATCH = 10_000;

/**
 * Upserts one batch in a single statement and answers with two counts, so syncing 10,000
 * products is one round trip. The rows travel as one JSON parameter that json_to_recordset
 * reads at C speed, sent straight through the pg pool (bulkPool: Prisma would spend longer
 * compiling the megabytes than PostgreSQL spends writing them). Prices travel as the strings
 * that toFixed(2) gives, so the stored cents are exactly the ones the catalog showed.
 * Re-running it with the same input changes nothing but updatedAt: idempotent.
 */
export async function upsertProducts(db: Db, products: CatalogProduct[], source: string): Promise<{ created: number; updated: number }> {
  if (!products.length) return { created: 0, updated: 0 };
  // The same ASIN twice in one statement would make ON CONFLICT fail; the last one wins.
  const byAsin = new Map(products.map((p) => [p.asin, p]));
  const rows = JSON.stringify(
    [...byAsin.values()].map((p) => ({
      asin: p.asin,
      title: p.title,
      brand: p.brand,
      category: p.category,
      price: p.price.toFixed(2),
      currency: p.currency,
      rate: String(p.commissionRate),
      rating: p.rating,
      reviews: p.reviewCount,
      rank: p.salesRank,
      images: p.imageUrls,
      url: p.detailPageUrl,
    })),
  );
  // (xmax = 0) is true only for a row this statement inserted (an updated row carries our xid in xmax).
  const statement = Prisma.sql`
    WITH written AS (
      INSERT INTO "Product" (id, asin, title, brand, category, price, currency, "commissionRate", rating, "reviewCount", "salesRank", "imageUrls", "detailPageUrl", source, "updatedAt")
      SELECT gen_random_uuid()::text, u.asin, u.title, u.brand, u.category, u.price, u.currency, u.rate, u.rating, u.reviews, u.rank, u.images, u.url, ${source}, now()
      FROM json_to_recordset(${rows}::json)
        AS u(asin text, title text, brand text, category text, price numeric, currency text, rate numeric, rating float8, reviews int, rank int, images text[], url text)
      ON CONFLICT (asin) DO UPDATE SET
        title = EXCLUDED.title, brand = EXCLUDED.brand, category = EXCLUDED.category, price = EXCLUDED.price,
        currency = EXCLUDED.currency, "commissionRate" = EXCLUDED."commissionRate", rating = EXCLUDED.rating,
        "reviewCount" = EXCLUDED."reviewCount", "salesRank" = EXCLUDED."salesRank", "imageUrls" = EXCLUDED."imageUrls",
        "detailPageUrl" = EXCLUDED."detailPageUrl", source = EXCLUDED.source, "updatedAt" = now()
      RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*)::int AS total, (count(*) FILTER (WHERE inserted))::int AS created FROM written`;
  const pool = bulkPool(db);
  const [counts] = pool
    ? (await pool.query<{ total: number; created: number }>(statement.text, statement.values)).rows
    : await db.$queryRaw<{ total: number; created: number }[]>(statement);
  return { created: counts.created, updated: counts.total - counts.created };
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

/**
 * Scores every active product in one set-based UPDATE: the database computes the formulas of
 * domain/scoring.ts row by row (SQL fragments below, one per JavaScript function), so 100,000
 * products never cross the wire. test/integration/products-sql.test.ts holds the two equal on
 * varied and extreme products. Each row's scores are computed from the row being updated (a
 * correlated sub-select, not a self-join), which is also right under a concurrent update.
 * Product's fillfactor (migration product_fillfactor) leaves room on each page, so these
 * updates are HOT: no index entry is rewritten.
 */
export async function rankAllProducts(db: Db, weights: RankWeights): Promise<{ ranked: number }> {
  const ctx = activityContext();
  // One statement has no progress points of its own: beat from a timer, well inside the heartbeat timeout.
  if (ctx) heartbeat({ ranking: true });
  const beat = ctx ? setInterval(() => heartbeat({ ranking: true }), Math.min(5000, (ctx.info.heartbeatTimeoutMs ?? 15_000) / 3)) : undefined;
  const w = { t: Prisma.sql`${weights.trend}::float8`, p: Prisma.sql`${weights.profit}::float8`, v: Prisma.sql`${weights.virality}::float8` };
  try {
    const ranked = await db.$executeRaw`
      UPDATE "Product" AS p
      SET ("trendScore", "profitScore", "viralityScore", "overallScore", "rankedAt") = (
        SELECT trend, profit, virality,
               CASE WHEN total > 0 THEN ${clamp01Sql(Prisma.sql`(${w.t} * trend + ${w.p} * profit + ${w.v} * virality) / total`)} ELSE 0 END,
               now()
        -- OFFSET 0 keeps each score computed once (the planner would otherwise inline it twice).
        FROM (SELECT ${trendSql} AS trend, ${profitSql} AS profit, ${viralitySql} AS virality, (${w.t} + ${w.p}) + ${w.v} AS total OFFSET 0) AS s
      )
      WHERE p.status = 'ACTIVE'`;
    if (ctx) heartbeat({ ranked });
    return { ranked };
  } finally {
    clearInterval(beat);
  }
}

/*
 * domain/scoring.ts in SQL, over the row p of "Product". Where PostgreSQL and JavaScript part
 * ways the SQL follows JavaScript: PostgreSQL sorts NaN above every number (LEAST/GREATEST
 * alone would clamp it to 1) and raises on float underflow and overflow where JavaScript
 * returns 0 or Infinity. Catalog validation keeps real rows far from those edges; the test
 * stores them anyway.
 */

/** clamp01: non-finite → 0 (NaN and +Infinity become NULL, which GREATEST skips), else within 0..1. */
const clamp01Sql = (x: Prisma.Sql) => Prisma.sql`LEAST(1, GREATEST(0, NULLIF(NULLIF(${x}, 'NaN'), 'Infinity')))`;

/** trendScore: unknown rank → 0.1, else 1 - log10(rank) / log10(1,000,000). */
const trendSql = Prisma.sql`CASE WHEN p."salesRank" IS NULL OR p."salesRank" < 1 THEN 0.1::float8
  ELSE LEAST(1, GREATEST(0, 1 - log(p."salesRank"::float8) / log(1000000::float8))) END`;

/**
 * profitScore: 1 - exp(-commission / 8). Past 700, exp(-x) < 1e-304 and 1 - it is exactly 1 (beyond,
 * PostgreSQL's exp raises); GREATEST(-x, -700) caps it and, unlike LEAST(x, 700), keeps a NaN a NaN.
 */
const profitSql = clamp01Sql(Prisma.sql`1 - exp(GREATEST(-(GREATEST(0, p.price::float8) * GREATEST(0, p."commissionRate"::float8) / 8), -700))`);

/**
 * viralityScore: 0.45·((rating ?? 3) / 5)² + 0.35·min(1, log10(1 + reviews) / 5) + 0.20 / (1 + price / 150).
 * A rating beyond ±1e150 has a square JavaScript holds as a huge number (virality 1) or Infinity
 * (virality 0) and PostgreSQL refuses; one below 1e-150 a square too small to move the sum.
 */
const qualitySql = Prisma.sql`CASE WHEN p.rating IS NULL THEN power(3::float8 / 5, 2)
  WHEN abs(p.rating) < 1e-150 THEN 0
  WHEN abs(p.rating) <= 1e150 THEN power(p.rating / 5, 2)
  WHEN abs(p.rating) / 5 <= 1.3407807929942596e154 THEN 1e300
  ELSE 'Infinity' END`;
const viralitySql = clamp01Sql(
  Prisma.sql`0.45 * (${qualitySql}) + 0.35 * LEAST(1, log(1 + GREATEST(0, p."reviewCount"::float8)) / 5) + 0.2 * (1 / (1 + GREATEST(0, p.price::float8) / 150))`,
);

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
