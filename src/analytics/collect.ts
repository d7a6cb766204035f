/**
 * Analytics for a period: clicks, views, earnings, cost and ROI, in total, per
 * product, per video, per platform and per day. Everything is aggregated in
 * PostgreSQL by one statement (one consistent snapshot: the per-day, per-platform
 * and total figures always add up). The period's ClickEvent rows are read once
 * and pre-aggregated with GROUPING SETS into a few thousand rows (per video, per
 * platform and day) before anything is joined to them; see ANALYTICS_SQL.
 *
 * Definitions (the period is [from, to); "days of the period" are the UTC
 * calendar days it overlaps, i.e. from's UTC date up to the day that contains the
 * last instant before `to`; with midnight-aligned periods the two coincide):
 *
 * - clicks: ClickEvents with counted = true, isBot = false and from <= clickedAt < to:
 *   at most one per link, client and day (see src/api/routes/redirect.ts). botClicks:
 *   the period's clicks with isBot = true (never counted anywhere else).
 *   filteredClicks: the period's other clicks that do not count (not bots: repeats
 *   of a link by the same client on the same day, and bursts), in the totals only.
 *   The optimizer's per-video clicks are these counted clicks. A click belongs to
 *   its video's product; a click stored without a video (its content had no video
 *   yet) belongs to the product of the content whose tracking code it carries.
 * - views: the sum of AnalyticsSnapshot.views over snapshots dated in the days of
 *   the period (each snapshot's views are its day's views). A snapshot's video is
 *   its publication's video; its platform is its own, else its publication's.
 *   null means unknown: no snapshot in that bucket (the total, a product, a video,
 *   a platform or a day) has views. Nothing is ever estimated: the offline outbox
 *   publisher reports no views, so without a real platform adapter views are null
 *   and `notes` says so.
 * - orders: items shipped (EarningsRecord.itemsShipped; returns are not subtracted:
 *   a return shows up as negative revenue and earnings in its own row).
 * - revenue: the sale amounts (EarningsRecord.revenue, Amazon's "Revenue" column).
 * - earnings: our income, the sum of EarningsRecord.earnings (Amazon's "Ad Fees")
 *   over records whose trackingId is one of `partnerTags` and whose date is in the
 *   days of the period. Records of other tracking ids are ignored (and counted in a
 *   note). Records are matched to products by ASIN; earnings for ASINs that are not
 *   in the catalog (Amazon pays for anything bought after a click) count in the
 *   totals and the daily series, not in byProduct (a note gives the amount).
 * - cost: the sum of CostEntry.amount with from <= at < to, per product by
 *   CostEntry.productId; costs without a (known) product count only in the total.
 * - roi = earnings / cost (so 2 means we earned twice what we spent), computed from
 *   the unrounded sums; null when cost is 0.
 * - Money is returned as numbers: revenue and earnings rounded to cents, cost to
 *   4 decimals (its stored precision), roi to 4 decimals.
 *
 * byProduct lists every product with any activity in the period (clicks, views,
 * earnings, cost, or a video created or published in the period), by earnings,
 * then clicks, descending. byVideo lists every video with clicks or views in the
 * period, or created or published in it. byPlatform always lists YOUTUBE, TIKTOK
 * and INSTAGRAM, plus `platform: null` for clicks on links without a platform
 * suffix when there are any. daily has every day of the period, zero-filled
 * (views stay null on days without view data).
 */
import type { Db } from '../db.js';

export type AnalyticsPlatform = 'YOUTUBE' | 'TIKTOK' | 'INSTAGRAM';

export interface CollectAnalyticsInput {
  from: Date;
  to: Date;
  /** Our Associates tracking ids (AMAZON_PARTNER_TAG and any others we own). */
  partnerTags: string[];
}

export interface AnalyticsTotals {
  /** Counted human clicks: at most one per link, client and day. */
  clicks: number;
  botClicks: number;
  /** Human clicks that do not count: repeats and bursts. */
  filteredClicks: number;
  views: number | null;
  revenue: number;
  earnings: number;
  cost: number;
  roi: number | null;
}

export interface ProductAnalytics {
  productId: string;
  asin: string;
  title: string;
  category: string;
  status: 'ACTIVE' | 'ARCHIVED';
  clicks: number;
  views: number | null;
  /** Items shipped. */
  orders: number;
  revenue: number;
  earnings: number;
  cost: number;
  roi: number | null;
}

export interface VideoAnalytics {
  videoId: string;
  productId: string;
  templateVariant: string;
  clicks: number;
  views: number | null;
}

export interface PlatformAnalytics {
  /** null: clicks on tracked links without a platform suffix. */
  platform: AnalyticsPlatform | null;
  clicks: number;
  views: number | null;
}

export interface DailyAnalytics {
  /** YYYY-MM-DD (UTC). */
  date: string;
  clicks: number;
  views: number | null;
  earnings: number;
}

export interface AnalyticsResult {
  period: { from: Date; to: Date };
  totals: AnalyticsTotals;
  byProduct: ProductAnalytics[];
  byVideo: VideoAnalytics[];
  byPlatform: PlatformAnalytics[];
  daily: DailyAnalytics[];
  notes: string[];
}

export const NO_VIEWS_NOTE = 'No platform view data: the outbox publisher cannot report views';

/** A daily series longer than this is a mistake (a wrong year), not a report. */
const MAX_PERIOD_DAYS = 3660;

/** What the statement returns besides the result sections: facts the notes are made of. */
interface Diagnostics {
  otherTags: { trackingId: string; rows: number; earnings: number }[];
  ourEarningsRows: number;
  unmatchedEarnings: { asins: number; earnings: number };
  unassignedCost: { entries: number; cost: number };
  unattributedClicks: number;
  platformsWithViews: string[];
}

type Raw = Omit<AnalyticsResult, 'period' | 'notes'> & { diagnostics: Diagnostics };

/**
 * Parameters: $1 from, $2 to (timestamp text, UTC, which is how Prisma stores
 * DateTime), $3 our tracking ids (text[]).
 *
 * Shape, for 1,000,000 clicks: click_sets reads the period's clicks once and
 * hashes them into two grouping sets, per video (GROUPING(video_id, platform,
 * day) = 3) and per (platform, day) (= 4); the per-platform, per-day and total
 * figures are sums of the latter. The `OFFSET 0` fence matters: without it the
 * planner estimates one group per distinct clickedAt (about one per click) for
 * "clickedAt"::date, rejects hashing and sorts the million rows on disk instead
 * (3-4x slower in bench/analytics.ts); behind the fence it assumes a default
 * (small) number of days, which is right. Clicks stored without a video, usually
 * a few, are read separately through the ("videoId", "clickedAt") index and
 * grouped by tracking code.
 */
const ANALYTICS_SQL = `
WITH
click_sets AS MATERIALIZED (
  SELECT GROUPING(video_id, platform, day) AS g, video_id, platform, day,
         count(*) FILTER (WHERE counted AND NOT is_bot) AS clicks,
         count(*) FILTER (WHERE is_bot) AS bots,
         count(*) FILTER (WHERE NOT counted AND NOT is_bot) AS filtered
  FROM (
    SELECT c."videoId" AS video_id, c.platform, c."clickedAt"::date AS day, c."isBot" AS is_bot, c.counted
    FROM "ClickEvent" c
    WHERE c."clickedAt" >= $1::timestamp AND c."clickedAt" < $2::timestamp
    OFFSET 0 -- a planner fence: see above
  ) c
  GROUP BY GROUPING SETS ((video_id), (platform, day))
),
code_clicks AS MATERIALIZED (
  SELECT left(c.code, 8) AS code8, count(*) FILTER (WHERE c.counted AND NOT c."isBot") AS clicks
  FROM "ClickEvent" c
  WHERE c."videoId" IS NULL AND c."clickedAt" >= $1::timestamp AND c."clickedAt" < $2::timestamp
  GROUP BY 1
),
video_clicks AS (
  SELECT video_id, clicks FROM click_sets WHERE g = 3 AND video_id IS NOT NULL
),
platform_day_clicks AS (
  SELECT platform, day, clicks, bots, filtered FROM click_sets WHERE g = 4
),
product_clicks AS (
  SELECT product_id, sum(clicks) AS clicks FROM (
    SELECT v."productId" AS product_id, s.clicks
    FROM video_clicks s JOIN "Video" v ON v.id = s.video_id
    UNION ALL
    SELECT ct."productId", s.clicks
    FROM code_clicks s JOIN "Content" ct ON ct."trackingCode" = s.code8
  ) x
  GROUP BY product_id
),
snaps AS MATERIALIZED (
  SELECT s."productId" AS product_id, pub."videoId" AS video_id,
         COALESCE(s.platform, pub.platform) AS platform, s.date AS day, s.views::bigint AS views
  FROM "AnalyticsSnapshot" s LEFT JOIN "Publication" pub ON pub.id = s."publicationId"
  WHERE s.date >= $1::timestamp::date AND s.date < $2::timestamp AND s.views IS NOT NULL
),
earn_sets AS MATERIALIZED (
  SELECT GROUPING(asin, date) AS g, asin, date,
         sum("itemsShipped") AS items, sum(revenue) AS revenue, sum(earnings) AS earnings, count(*) AS n
  FROM "EarningsRecord"
  WHERE "trackingId" = ANY($3::text[]) AND date >= $1::timestamp::date AND date < $2::timestamp
  GROUP BY GROUPING SETS ((asin), (date), ())
),
other_tags AS (
  SELECT "trackingId" AS tracking_id, count(*) AS n, sum(earnings) AS earnings
  FROM "EarningsRecord"
  WHERE NOT ("trackingId" = ANY($3::text[])) AND date >= $1::timestamp::date AND date < $2::timestamp
  GROUP BY "trackingId"
),
cost_sets AS MATERIALIZED (
  SELECT GROUPING("productId") AS g, "productId" AS product_id, sum(amount) AS cost, count(*) AS n
  FROM "CostEntry"
  WHERE at >= $1::timestamp AND at < $2::timestamp
  GROUP BY GROUPING SETS (("productId"), ())
),
period_videos AS MATERIALIZED (
  SELECT v.id AS video_id, v."productId" AS product_id FROM "Video" v
  WHERE v."createdAt" >= $1::timestamp AND v."createdAt" < $2::timestamp
  UNION
  SELECT v.id, v."productId" FROM "Publication" pub JOIN "Video" v ON v.id = pub."videoId"
  WHERE pub."publishedAt" >= $1::timestamp AND pub."publishedAt" < $2::timestamp
),
video_views AS (
  SELECT video_id, sum(views) AS views FROM snaps WHERE video_id IS NOT NULL GROUP BY video_id
),
by_video AS (
  SELECT v.id AS video_id, v."productId" AS product_id, ct."templateVariant" AS variant,
         COALESCE(vc.clicks, 0) AS clicks, vv.views
  FROM (
    SELECT video_id FROM video_clicks WHERE clicks > 0
    UNION SELECT video_id FROM video_views
    UNION SELECT video_id FROM period_videos
  ) ids
  JOIN "Video" v ON v.id = ids.video_id
  JOIN "Content" ct ON ct.id = v."contentId"
  LEFT JOIN video_clicks vc ON vc.video_id = v.id
  LEFT JOIN video_views vv ON vv.video_id = v.id
),
product_views AS (
  SELECT product_id, sum(views) AS views FROM snaps GROUP BY product_id
),
product_earn AS (
  SELECT p.id AS product_id, e.items, e.revenue, e.earnings
  FROM earn_sets e JOIN "Product" p ON p.asin = e.asin
  WHERE e.g = 1
),
product_cost AS (
  SELECT product_id, cost FROM cost_sets WHERE g = 0 AND product_id IS NOT NULL
),
by_product AS (
  SELECT p.id, p.asin, p.title, p.category, p.status,
         COALESCE(pc.clicks, 0) AS clicks, pv.views,
         COALESCE(pe.items, 0) AS orders, COALESCE(pe.revenue, 0) AS revenue, COALESCE(pe.earnings, 0) AS earnings,
         COALESCE(pco.cost, 0) AS cost
  FROM (
    SELECT product_id FROM product_clicks WHERE clicks > 0
    UNION SELECT product_id FROM product_views
    UNION SELECT product_id FROM product_earn
    UNION SELECT product_id FROM product_cost
    UNION SELECT product_id FROM period_videos
  ) ids
  JOIN "Product" p ON p.id = ids.product_id
  LEFT JOIN product_clicks pc ON pc.product_id = p.id
  LEFT JOIN product_views pv ON pv.product_id = p.id
  LEFT JOIN product_earn pe ON pe.product_id = p.id
  LEFT JOIN product_cost pco ON pco.product_id = p.id
),
platform_clicks AS (
  SELECT platform, sum(clicks) AS clicks FROM platform_day_clicks GROUP BY platform
),
platform_views AS (
  SELECT platform, sum(views) AS views FROM snaps WHERE platform IS NOT NULL GROUP BY platform
),
by_platform AS (
  SELECT array_position(enum_range(NULL::"Platform"), pl.platform) AS ord, pl.platform::text AS platform,
         COALESCE(c.clicks, 0) AS clicks, pv.views
  FROM unnest(enum_range(NULL::"Platform")) AS pl(platform)
  LEFT JOIN platform_clicks c ON c.platform = pl.platform
  LEFT JOIN platform_views pv ON pv.platform = pl.platform
  UNION ALL
  SELECT 1000, NULL, c.clicks, NULL FROM platform_clicks c WHERE c.platform IS NULL AND c.clicks > 0
),
daily AS (
  SELECT d.day, COALESCE(c.clicks, 0) AS clicks, dv.views, COALESCE(e.earnings, 0) AS earnings
  FROM generate_series($1::timestamp::date::timestamp, ($2::timestamp - interval '1 millisecond')::date::timestamp, interval '1 day') AS d(day)
  LEFT JOIN (SELECT day, sum(clicks) AS clicks FROM platform_day_clicks GROUP BY day) c ON c.day = d.day::date
  LEFT JOIN (SELECT day, sum(views) AS views FROM snaps GROUP BY day) dv ON dv.day = d.day::date
  LEFT JOIN earn_sets e ON e.g = 2 AND e.date = d.day::date
),
totals AS (
  SELECT COALESCE((SELECT sum(clicks) FROM platform_day_clicks), 0) AS clicks,
         COALESCE((SELECT sum(bots) FROM platform_day_clicks), 0) AS bots,
         COALESCE((SELECT sum(filtered) FROM platform_day_clicks), 0) AS filtered,
         (SELECT sum(views) FROM snaps) AS views,
         COALESCE((SELECT revenue FROM earn_sets WHERE g = 3), 0) AS revenue,
         COALESCE((SELECT earnings FROM earn_sets WHERE g = 3), 0) AS earnings,
         COALESCE((SELECT cost FROM cost_sets WHERE g = 1), 0) AS cost
)
SELECT json_build_object(
  'totals', (SELECT json_build_object(
      'clicks', t.clicks, 'botClicks', t.bots, 'filteredClicks', t.filtered, 'views', t.views,
      'revenue', round(t.revenue, 2), 'earnings', round(t.earnings, 2), 'cost', round(t.cost, 4),
      'roi', round(t.earnings / NULLIF(t.cost, 0), 4)) FROM totals t),
  'byProduct', (SELECT COALESCE(json_agg(json_build_object(
      'productId', b.id, 'asin', b.asin, 'title', b.title, 'category', b.category, 'status', b.status,
      'clicks', b.clicks, 'views', b.views, 'orders', b.orders,
      'revenue', round(b.revenue, 2), 'earnings', round(b.earnings, 2), 'cost', round(b.cost, 4),
      'roi', round(b.earnings / NULLIF(b.cost, 0), 4))
      ORDER BY b.earnings DESC, b.clicks DESC, b.asin), '[]'::json) FROM by_product b),
  'byVideo', (SELECT COALESCE(json_agg(json_build_object(
      'videoId', v.video_id, 'productId', v.product_id, 'templateVariant', v.variant, 'clicks', v.clicks, 'views', v.views)
      ORDER BY v.clicks DESC, v.views DESC NULLS LAST, v.video_id), '[]'::json) FROM by_video v),
  'byPlatform', (SELECT json_agg(json_build_object('platform', p.platform, 'clicks', p.clicks, 'views', p.views) ORDER BY p.ord)
      FROM by_platform p),
  'daily', (SELECT COALESCE(json_agg(json_build_object(
      'date', to_char(d.day, 'YYYY-MM-DD'), 'clicks', d.clicks, 'views', d.views, 'earnings', round(d.earnings, 2))
      ORDER BY d.day), '[]'::json) FROM daily d),
  'diagnostics', json_build_object(
    'otherTags', (SELECT COALESCE(json_agg(json_build_object('trackingId', o.tracking_id, 'rows', o.n, 'earnings', round(o.earnings, 2))
                  ORDER BY o.tracking_id), '[]'::json) FROM other_tags o),
    'ourEarningsRows', COALESCE((SELECT n FROM earn_sets WHERE g = 3), 0),
    'unmatchedEarnings', (SELECT json_build_object('asins', count(*), 'earnings', COALESCE(round(sum(e.earnings), 2), 0))
                  FROM earn_sets e WHERE e.g = 1 AND NOT EXISTS (SELECT 1 FROM "Product" p WHERE p.asin = e.asin)),
    'unassignedCost', (SELECT json_build_object('entries', COALESCE(sum(c.n), 0), 'cost', COALESCE(round(sum(c.cost), 4), 0))
                  FROM cost_sets c WHERE c.g = 0 AND (c.product_id IS NULL OR NOT EXISTS (SELECT 1 FROM "Product" p WHERE p.id = c.product_id))),
    'unattributedClicks', (SELECT COALESCE(sum(s.clicks), 0) FROM code_clicks s
                  WHERE NOT EXISTS (SELECT 1 FROM "Content" ct WHERE ct."trackingCode" = s.code8)),
    'platformsWithViews', (SELECT COALESCE(json_agg(p.platform ORDER BY p.ord), '[]'::json) FROM by_platform p WHERE p.views IS NOT NULL)
  )
)::text AS result`;

/** Prisma stores DateTime as UTC in "timestamp without time zone": compare in the same terms. */
const sqlTimestamp = (d: Date) => d.toISOString().replace('Z', '');

const money = (n: number) => n.toFixed(2);

function buildNotes(r: Raw, partnerTags: string[]): string[] {
  const notes: string[] = [];
  const d = r.diagnostics;
  if (r.totals.views === null) notes.push(NO_VIEWS_NOTE);
  else if (d.platformsWithViews.length < 3) {
    notes.push(`Views are reported only for ${d.platformsWithViews.join(', ')}; null means unknown, not zero`);
  }
  if (partnerTags.length === 0) notes.push('No partner tags given: no earnings are counted');
  else if (d.ourEarningsRows === 0) {
    notes.push(`No earnings records for ${partnerTags.join(', ')} in this period: import the Amazon earnings report (npm run import:earnings)`);
  }
  for (const o of d.otherTags) {
    notes.push(`Ignored ${o.rows} earnings record${o.rows === 1 ? '' : 's'} (${money(o.earnings)}) of tracking id ${o.trackingId}, which is not one of ours`);
  }
  if (d.unmatchedEarnings.asins > 0) {
    notes.push(
      `${money(d.unmatchedEarnings.earnings)} of earnings are for ${d.unmatchedEarnings.asins} ASIN${d.unmatchedEarnings.asins === 1 ? '' : 's'} ` +
        'not in the catalog: counted in the totals, not per product',
    );
  }
  if (d.unassignedCost.entries > 0) {
    notes.push(
      `${d.unassignedCost.cost.toFixed(4)} of cost (${d.unassignedCost.entries} entr${d.unassignedCost.entries === 1 ? 'y' : 'ies'}) has no known product: ` +
        'counted in the totals, not per product',
    );
  }
  if (r.totals.filteredClicks > 0) {
    const n = r.totals.filteredClicks;
    notes.push(`${n} click${n === 1 ? ' was' : 's were'} not counted: repeats of a link by the same visitor on the same day, or bursts of requests`);
  }
  if (d.unattributedClicks > 0) {
    notes.push(
      `${d.unattributedClicks} click${d.unattributedClicks === 1 ? ' carries' : 's carry'} a tracking code of no known content: counted in the totals only`,
    );
  }
  return notes;
}

/** Aggregates the period's analytics in PostgreSQL; see the definitions at the top of this file. */
export async function collectAnalytics(db: Db, input: CollectAnalyticsInput): Promise<AnalyticsResult> {
  const { from, to } = input;
  if (!(from instanceof Date) || !Number.isFinite(from.getTime())) throw new RangeError('collectAnalytics: from must be a valid Date');
  if (!(to instanceof Date) || !Number.isFinite(to.getTime())) throw new RangeError('collectAnalytics: to must be a valid Date');
  if (from.getTime() >= to.getTime()) {
    throw new RangeError(`collectAnalytics: from (${from.toISOString()}) must be before to (${to.toISOString()})`);
  }
  if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * 86_400_000) {
    throw new RangeError(`collectAnalytics: the period is longer than ${MAX_PERIOD_DAYS} days`);
  }
  const partnerTags = [...new Set(input.partnerTags.map((t) => t.trim()).filter(Boolean))];

  const [{ result }] = await db.$queryRawUnsafe<{ result: string }[]>(ANALYTICS_SQL, sqlTimestamp(from), sqlTimestamp(to), partnerTags);
  const raw = JSON.parse(result) as Raw;
  return {
    period: { from, to },
    totals: raw.totals,
    byProduct: raw.byProduct,
    byVideo: raw.byVideo,
    byPlatform: raw.byPlatform,
    daily: raw.daily,
    notes: buildNotes(raw, partnerTags),
  };
}
