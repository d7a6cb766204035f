/**
 * Strategy decisions from a period's analytics. Pure: the same numbers always
 * give the same decisions, each with a reason a person can check.
 *
 * - Archive: a product whose ROI is below the kill threshold, once it has enough
 *   data (at least `minVideos` videos in the period and some cost).
 * - Scale: a product whose ROI is above the scale threshold: its selection weight
 *   is multiplied by `scaleFactor` (capped), so it is picked more often.
 * - Template A/B: the variant with the most clicks per view wins, when every
 *   compared variant has at least `minVideosPerVariant` videos. Without view data
 *   (offline publisher) clicks per video is used instead, and the reason says so.
 *   Clicks are counted clicks only (src/analytics/collect.ts): at most one per link,
 *   visitor and day, never bots or bursts, so a template cannot win by being hammered.
 */

export interface ProductPerformance {
  productId: string;
  asin: string;
  title: string;
  status: string;
  clicks: number;
  views: number | null;
  earnings: number;
  cost: number;
  roi: number | null;
  videos: number;
  selectionWeight: number;
}

export interface VariantPerformance {
  variant: string;
  videos: number;
  clicks: number;
  views: number | null;
}

export interface OptimizeThresholds {
  /** Archive below this ROI (0.3 = 30 %). */
  killThreshold: number;
  /** Scale above this ROI (2.0 = 200 %). */
  scaleThreshold: number;
  scaleFactor: number;
  maxSelectionWeight: number;
  minVideos: number;
  minVideosPerVariant: number;
}

export type Decision =
  | { kind: 'archive'; productId: string; asin: string; title: string; reason: string; roi: number }
  | { kind: 'scale'; productId: string; asin: string; title: string; reason: string; roi: number; fromWeight: number; toWeight: number }
  | { kind: 'promote-variant'; variant: string; reason: string; metric: 'clicksPerView' | 'clicksPerVideo'; scores: Record<string, number> }
  | { kind: 'keep-variants'; reason: string };

const pct = (x: number) => `${Math.round(x * 100)} %`;
const usd = (x: number) => `$${x.toFixed(2)}`;

export function decideStrategy(products: ProductPerformance[], variants: VariantPerformance[], t: OptimizeThresholds): Decision[] {
  const decisions: Decision[] = [];
  for (const p of products) {
    if (p.status !== 'ACTIVE' || p.roi === null) continue;
    const basis = `earnings ${usd(p.earnings)} on cost ${usd(p.cost)} over ${p.videos} video${p.videos === 1 ? '' : 's'}`;
    if (p.roi < t.killThreshold) {
      if (p.videos < t.minVideos) continue; // not enough data yet
      decisions.push({
        kind: 'archive',
        productId: p.productId,
        asin: p.asin,
        title: p.title,
        roi: p.roi,
        reason: `ROI ${pct(p.roi)} is below the kill threshold of ${pct(t.killThreshold)} (${basis})`,
      });
    } else if (p.roi > t.scaleThreshold) {
      const toWeight = Math.min(t.maxSelectionWeight, round2(p.selectionWeight * t.scaleFactor));
      if (toWeight <= p.selectionWeight) continue; // already at the cap
      decisions.push({
        kind: 'scale',
        productId: p.productId,
        asin: p.asin,
        title: p.title,
        roi: p.roi,
        fromWeight: p.selectionWeight,
        toWeight,
        reason: `ROI ${pct(p.roi)} is above the scale threshold of ${pct(t.scaleThreshold)} (${basis}): selection weight ${p.selectionWeight} → ${toWeight}`,
      });
    }
  }
  decisions.push(chooseVariant(variants, t.minVideosPerVariant));
  return decisions;
}

function chooseVariant(variants: VariantPerformance[], minVideos: number): Decision {
  const eligible = variants.filter((v) => v.videos >= minVideos);
  if (eligible.length < 2) {
    return {
      kind: 'keep-variants',
      reason: `Not enough data to compare templates: need at least 2 variants with ${minVideos}+ videos each (have ${variants.map((v) => `${v.variant}: ${v.videos}`).join(', ') || 'none'})`,
    };
  }
  const withViews = eligible.every((v) => v.views !== null && v.views > 0);
  const metric = withViews ? ('clicksPerView' as const) : ('clicksPerVideo' as const);
  const scores = Object.fromEntries(eligible.map((v) => [v.variant, round4(withViews ? v.clicks / v.views! : v.clicks / v.videos)]));
  const ranked = [...eligible].sort((a, b) => scores[b.variant] - scores[a.variant] || a.variant.localeCompare(b.variant));
  const [best, second] = ranked;
  if (scores[best.variant] === 0 || scores[best.variant] === scores[second.variant]) {
    return { kind: 'keep-variants', reason: `No template is ahead (${describe(scores, metric)})` };
  }
  const basis = withViews ? 'clicks per view' : 'clicks per video (no platform view data, so views cannot be used)';
  return { kind: 'promote-variant', variant: best.variant, metric, scores, reason: `"${best.variant}" leads on ${basis}: ${describe(scores, metric)}` };
}

function describe(scores: Record<string, number>, metric: string): string {
  return Object.entries(scores)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${metric === 'clicksPerView' ? (v * 100).toFixed(2) + ' %' : v.toFixed(2)}`)
    .join(', ');
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
