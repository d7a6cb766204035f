import type { ScoringInput } from './product.js';

/** How much each score counts in `overall` (RANK_WEIGHT_* in the config). */
export interface RankWeights {
  trend: number;
  profit: number;
  virality: number;
}

/**
 * Product scores, each in 0..1. Pure functions: the same product always gets the
 * same scores, so ranking is reproducible and testable without a database.
 */

const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/** Amazon ranks run from 1 to a few million in the big categories. */
const RANK_FLOOR = 1_000_000;

/**
 * Trend: how fast the product sells now, from its best-sellers rank.
 *   trend = 1 - log10(salesRank) / log10(1,000,000)
 * Rank 1 → 1.0, rank 1,000 → 0.5, rank 1,000,000 or worse → 0. The log scale
 * matches how sales fall off with rank (roughly a power law). Unknown rank → 0.1:
 * a product nobody can rank is a weak trend bet but not worthless.
 */
export function trendScore(p: Pick<ScoringInput, 'salesRank'>): number {
  if (p.salesRank == null || p.salesRank < 1) return 0.1;
  return clamp01(1 - Math.log10(p.salesRank) / Math.log10(RANK_FLOOR));
}

/** The commission (in the product's currency) at which profit reaches 1 - 1/e ≈ 0.63. */
const COMMISSION_SCALE = 8;

/**
 * Profit: what one sale earns us.
 *   commission = price × commissionRate
 *   profit     = 1 - exp(-commission / 8)
 * Saturating, so a $2,000 item does not drown everything else: $1 → 0.12,
 * $4 → 0.39, $8 → 0.63, $20 → 0.92.
 */
export function profitScore(p: Pick<ScoringInput, 'price' | 'commissionRate'>): number {
  const commission = Math.max(0, p.price) * Math.max(0, p.commissionRate);
  return clamp01(1 - Math.exp(-commission / COMMISSION_SCALE));
}

/**
 * Virality: how likely a short video about it gets shared and clicked.
 *   quality     = (rating / 5)^2                    (4.8★ → 0.92, 3.5★ → 0.49)
 *   socialProof = min(1, log10(1 + reviews) / 5)   (100k reviews → 1.0, 100 → 0.4)
 *   impulse     = 1 / (1 + price / 150)            ($15 → 0.91, $150 → 0.5, $600 → 0.2)
 *   virality    = 0.45·quality + 0.35·socialProof + 0.20·impulse
 * Quality matters most (bad products get bad comments); cheap items are impulse buys.
 * No rating yet → quality 0.36 (as if 3.0★).
 */
export function viralityScore(p: Pick<ScoringInput, 'rating' | 'reviewCount' | 'price'>): number {
  const quality = Math.pow((p.rating ?? 3) / 5, 2);
  const socialProof = Math.min(1, Math.log10(1 + Math.max(0, p.reviewCount)) / 5);
  const impulse = 1 / (1 + Math.max(0, p.price) / 150);
  return clamp01(0.45 * quality + 0.35 * socialProof + 0.2 * impulse);
}

export interface Scores {
  trendScore: number;
  profitScore: number;
  viralityScore: number;
  overallScore: number;
}

/** Overall = weighted average of the three scores (weights need not sum to 1). */
export function scoreProduct(p: ScoringInput, w: RankWeights): Scores {
  const trend = trendScore(p);
  const profit = profitScore(p);
  const virality = viralityScore(p);
  const total = w.trend + w.profit + w.virality;
  const overall = total > 0 ? (w.trend * trend + w.profit * profit + w.virality * virality) / total : 0;
  return { trendScore: trend, profitScore: profit, viralityScore: virality, overallScore: clamp01(overall) };
}
