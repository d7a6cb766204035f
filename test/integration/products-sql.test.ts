// The set-based product SQL on the real PostgreSQL: rankAllProducts computes the scores of
// src/domain/scoring.ts inside one UPDATE, and must give what the JavaScript gives on the
// same stored values, edge values included; upsertProducts writes a batch in one statement
// with the same semantics as before (exact cents, counts, last duplicate wins, status kept).
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@prisma/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RankWeights } from '../../src/config.js';
import { createDb, type Db } from '../../src/db.js';
import type { CatalogProduct } from '../../src/domain/product.js';
import { scoreProduct } from '../../src/domain/scoring.js';
import { BundledCatalogProvider } from '../../src/providers/catalog/index.js';
import { productActivities, rankAllProducts, selectTopProducts, upsertProducts } from '../../src/temporal/activities/products.js';
import { syntheticCatalog } from '../support/catalog.js';
import { createTestDatabase } from '../support/harness.js';

let db: Db;
let url: string;
let drop: () => Promise<void>;

beforeAll(async () => {
  const t = await createTestDatabase();
  drop = t.drop;
  url = t.url;
  db = createDb(t.url, { max: 2 });
});

afterAll(async () => {
  await db?.$disconnect();
  await drop?.();
});

/** A stored product's scoring inputs, as text so that NaN and ±Infinity survive the trip. */
interface RawInputs {
  price: string;
  rate: string;
  rating: string | null;
  reviews: number;
  rank: number | null;
}

// Edge values of each column's type, not only of what the catalog validation lets through:
// the SQL must agree with the JavaScript on whatever a row can hold.
const PRICES = ['0', '0.01', '-5', '7.99', '150', '1000000', '9999999999.99', 'NaN'];
const RATES = ['0', '0.0001', '0.04', '1', '99.9999', '-1', 'NaN'];
const RATINGS = [null, '0', '3', '5', '4.7', '-2', '1e-200', '1e-160', '1e-100', '7', '1e153', '1e200', 'NaN', 'Infinity', '-Infinity'];
const REVIEWS = [0, 1, 99, 100_000, -3, 2_147_483_647];
const RANKS = [null, -5, 0, 1, 2, 1000, 999_999, 1_000_000, 1_000_001, 2_147_483_647];

function variedInputs(n: number): RawInputs[] {
  let s = 7;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const out: RawInputs[] = [];
  for (let i = 0; i < n; i++) {
    // Half the rows draw from the edge lists, half are ordinary catalog values.
    const edge = i % 2 === 0;
    out.push({
      price: edge ? pick(PRICES) : (1 + rnd() * 500).toFixed(2),
      rate: edge ? pick(RATES) : rnd().toFixed(4),
      rating: edge ? pick(RATINGS) : rnd() < 0.1 ? null : String(Math.round(rnd() * 50) / 10),
      reviews: edge ? pick(REVIEWS) : Math.floor(rnd() * 200_000),
      rank: edge ? pick(RANKS) : rnd() < 0.1 ? null : 1 + Math.floor(rnd() * 3_000_000),
    });
  }
  return out;
}

async function insertRaw(rows: RawInputs[], status: 'ACTIVE' | 'ARCHIVED' = 'ACTIVE', prefix = 'E'): Promise<void> {
  const json = JSON.stringify(rows.map((r, i) => ({ ...r, asin: `${prefix}${String(i).padStart(9, '0')}` })));
  await db.$executeRaw`
    INSERT INTO "Product" (id, asin, title, brand, category, price, "commissionRate", rating, "reviewCount", "salesRank", "detailPageUrl", status, "updatedAt")
    SELECT gen_random_uuid()::text, u.asin, 'Edge ' || u.asin, 'Brand', 'Edge', u.price::numeric, u.rate::numeric, u.rating::float8, u.reviews, u.rank,
           'https://www.amazon.com/dp/' || u.asin, ${status}::"ProductStatus", now()
    FROM json_to_recordset(${json}::json) AS u(asin text, price text, rate text, rating text, reviews int, rank int)`;
}

interface StoredRow {
  asin: string;
  price: string;
  rate: string;
  rating: string | null;
  reviews: number;
  rank: number | null;
  trend: string;
  profit: string;
  virality: string;
  overall: string;
  rankedAt: Date | null;
}

async function storedRows(): Promise<StoredRow[]> {
  return db.$queryRaw<StoredRow[]>`
    SELECT asin, price::text AS price, "commissionRate"::text AS rate, rating::text AS rating, "reviewCount" AS reviews, "salesRank" AS rank,
           "trendScore"::text AS trend, "profitScore"::text AS profit, "viralityScore"::text AS virality, "overallScore"::text AS overall, "rankedAt"
    FROM "Product" WHERE status = 'ACTIVE' ORDER BY asin`;
}

/** What the JavaScript reference gives for a stored row (read the way the old paging code read it). */
function jsScores(r: StoredRow, weights: RankWeights) {
  return scoreProduct(
    { price: Number(r.price), commissionRate: Number(r.rate), rating: r.rating === null ? null : Number(r.rating), reviewCount: r.reviews, salesRank: r.rank },
    weights,
  );
}

function expectSameScores(rows: StoredRow[], weights: RankWeights): void {
  const mismatches: string[] = [];
  for (const r of rows) {
    const js = jsScores(r, weights);
    const sql = { trendScore: Number(r.trend), profitScore: Number(r.profit), viralityScore: Number(r.virality), overallScore: Number(r.overall) };
    for (const k of Object.keys(sql) as (keyof typeof sql)[]) {
      if (!(Math.abs(sql[k] - js[k]) <= 1e-12)) mismatches.push(`${r.asin} ${k}: sql ${sql[k]} js ${js[k]} (${JSON.stringify(r)})`);
    }
  }
  expect(mismatches.slice(0, 10)).toEqual([]);
}

describe('rankAllProducts (scores computed in SQL)', () => {
  const DEFAULTS: RankWeights = { trend: 0.35, profit: 0.4, virality: 0.25 };

  it('gives every active product the scores of src/domain/scoring.ts, edge values included, and leaves archived ones alone', async () => {
    await db.$executeRaw`TRUNCATE "Product" CASCADE`;
    const inputs = variedInputs(3000);
    await insertRaw(inputs);
    await insertRaw(variedInputs(50), 'ARCHIVED', 'Z');

    const r = await rankAllProducts(db, DEFAULTS);
    expect(r.ranked).toBe(3000);
    const rows = await storedRows();
    expect(rows).toHaveLength(3000);
    expect(rows.every((row) => row.rankedAt instanceof Date)).toBe(true);
    expectSameScores(rows, DEFAULTS);

    // The edge cases are really there, and some of them land on each side of the clamps.
    expect(rows.some((row) => row.rating === 'NaN') && rows.some((row) => row.rating === 'Infinity') && rows.some((row) => row.price === 'NaN')).toBe(true);
    expect(rows.some((row) => Number(row.virality) === 1) && rows.some((row) => Number(row.virality) === 0)).toBe(true);
    expect(rows.some((row) => Number(row.profit) === 1) && rows.some((row) => Number(row.trend) === 0)).toBe(true);

    const archived = await db.product.findMany({ where: { status: 'ARCHIVED' }, select: { overallScore: true, rankedAt: true } });
    expect(archived).toHaveLength(50);
    expect(archived.every((a) => a.overallScore === 0 && a.rankedAt === null)).toBe(true);
  });

  it('applies the weights as the domain does (including a single non-zero weight and weights that do not sum to 1)', async () => {
    for (const weights of [
      { trend: 1, profit: 0, virality: 0 },
      { trend: 0, profit: 0, virality: 2.5 },
      { trend: 0.2, profit: 3, virality: 0.5 },
      { trend: 0, profit: 0, virality: 0 },
    ]) {
      await rankAllProducts(db, weights);
      expectSameScores(await storedRows(), weights);
    }
  });

  it('heartbeats while its one statement runs, well inside the heartbeat timeout', async () => {
    // Another transaction holds the table for a second, as a long UPDATE over a large catalog would take.
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE "Product" IN EXCLUSIVE MODE');
    const release = setTimeout(() => void blocker.query('COMMIT'), 1200);
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 60_000, heartbeatTimeoutMs: 300 }, { logger: new DefaultLogger('ERROR') });
    const beats: number[] = [];
    env.on('heartbeat', () => beats.push(Date.now()));
    const acts = productActivities({ db, catalog: () => new BundledCatalogProvider() });
    try {
      const started = Date.now();
      const r: { ranked: number } = await env.run(acts.rankAllProducts, { weights: DEFAULTS });
      expect(r.ranked).toBe(3000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1100);
      const gaps = [started, ...beats].slice(1).map((t, i) => t - [started, ...beats][i]);
      expect(beats.length).toBeGreaterThanOrEqual(5);
      expect(Math.max(...gaps)).toBeLessThan(300);
    } finally {
      clearTimeout(release);
      await blocker.end();
    }
  });

  it('ranks a synced catalog exactly as the JavaScript would order it, and selection reads that order', async () => {
    await db.$executeRaw`TRUNCATE "Product" CASCADE`;
    const catalog = syntheticCatalog(5000, 3);
    await upsertProducts(db, catalog, 'catalog');
    await rankAllProducts(db, DEFAULTS);
    const rows = await storedRows();
    expectSameScores(rows, DEFAULTS);

    // The order by score (ties by asin, as selection breaks them) is the same as the JavaScript scores give.
    const byScore = (score: (r: StoredRow) => number) => [...rows].sort((a, b) => score(b) - score(a) || (a.asin < b.asin ? -1 : 1)).map((r) => r.asin);
    expect(byScore((r) => Number(r.overall)).slice(0, 500)).toEqual(byScore((r) => jsScores(r, DEFAULTS).overallScore).slice(0, 500));
    const top = await selectTopProducts(db, 10, 3);
    expect(top).toHaveLength(10);
    expect(top[0].asin).toBe(byScore((r) => jsScores(r, DEFAULTS).overallScore)[0]);
  });
});

describe('upsertProducts (one statement per batch)', () => {
  const product = (asin: string, over: Partial<CatalogProduct> = {}): CatalogProduct => ({
    asin,
    title: `Title ${asin} with 'quotes', "double", back\\slash and ünïcode`,
    brand: 'Brand',
    category: 'Kitchen',
    price: 19.99,
    currency: 'USD',
    commissionRate: 0.045,
    rating: 4.6,
    reviewCount: 321,
    salesRank: 1234,
    imageUrls: ['https://m.media-amazon.com/images/I/a.jpg', 'https://m.media-amazon.com/images/I/b,c.jpg'],
    detailPageUrl: `https://www.amazon.com/dp/${asin}`,
    ...over,
  });

  it('creates, then updates, with exact cents and nulls, and counts each', async () => {
    await db.$executeRaw`TRUNCATE "Product" CASCADE`;
    const first = [product('B000000001'), product('B000000002', { rating: null, salesRank: null, imageUrls: [], price: 0.1 + 0.2 })];
    expect(await upsertProducts(db, first, 'catalog')).toEqual({ created: 2, updated: 0 });
    const stored = await db.product.findMany({ orderBy: { asin: 'asc' } });
    expect(
      stored.map((p) => [p.asin, p.title, p.price.toString(), p.commissionRate.toString(), p.rating, p.reviewCount, p.salesRank, p.imageUrls, p.source]),
    ).toEqual([
      ['B000000001', first[0].title, '19.99', '0.045', 4.6, 321, 1234, first[0].imageUrls, 'catalog'],
      ['B000000002', first[1].title, '0.3', '0.045', null, 321, null, [], 'catalog'],
    ]);

    // A second source (the Creators API) re-syncs one and adds one; within a batch the last duplicate wins.
    const second = [product('B000000002', { price: 5 }), product('B000000003'), product('B000000002', { price: 24.5, title: 'Renamed' })];
    expect(await upsertProducts(db, second, 'amazon-creators')).toEqual({ created: 1, updated: 1 });
    const renamed = await db.product.findUniqueOrThrow({ where: { asin: 'B000000002' } });
    expect([renamed.title, renamed.price.toString(), renamed.source, renamed.id]).toEqual(['Renamed', '24.5', 'amazon-creators', stored[1].id]);
    expect(renamed.updatedAt.getTime()).toBeGreaterThanOrEqual(stored[1].updatedAt.getTime());
    expect(await upsertProducts(db, [], 'catalog')).toEqual({ created: 0, updated: 0 });
  });

  it('writes the same through a Prisma client that createDb did not make (no pg pool to borrow)', async () => {
    const other = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
    try {
      expect(await upsertProducts(other, [product('B000000004', { rating: null, imageUrls: [] }), product('B000000003', { price: 7 })], 'catalog')).toEqual({
        created: 1,
        updated: 1,
      });
    } finally {
      await other.$disconnect();
    }
    const rows = await db.product.findMany({ where: { asin: { in: ['B000000003', 'B000000004'] } }, orderBy: { asin: 'asc' } });
    expect(rows.map((p) => [p.asin, p.price.toString(), p.rating, p.imageUrls])).toEqual([
      ['B000000003', '7', 4.6, product('x').imageUrls],
      ['B000000004', '19.99', null, []],
    ]);
  });

  it('leaves status, scores and selection weight to their owners: an archived product stays archived when the catalog lists it again', async () => {
    await db.product.update({
      where: { asin: 'B000000001' },
      data: { status: 'ARCHIVED', archivedReason: 'low ROI', selectionWeight: 0.5, overallScore: 0.7 },
    });
    expect(await upsertProducts(db, [product('B000000001', { price: 21 })], 'catalog')).toEqual({ created: 0, updated: 1 });
    const p = await db.product.findUniqueOrThrow({ where: { asin: 'B000000001' } });
    expect([p.status, p.archivedReason, p.selectionWeight, p.overallScore, p.price.toString()]).toEqual(['ARCHIVED', 'low ROI', 0.5, 0.7, '21']);
  });
});
