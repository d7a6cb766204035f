/**
 * The weekly owner report: the week's numbers in, a readable Markdown summary
 * (and the data behind it) out. Pure: no database, no network, no clock except
 * `generatedAt` (pass `now` to make it deterministic). The chart is drawn by
 * `chart.ts` from the same `daily` series.
 *
 * Conventions of the input:
 * - Money is in dollars (numbers, not cents).
 * - `clicks` are human clicks; `botClicks` were recognised as bots and are NOT part of `clicks`.
 * - `views` is null when no publisher reports views (the offline outbox has none); the
 *   report then says so in words and never prints a number for it.
 * - `roi` is a fraction: 2.15 is shown as "215 %"; null is shown as "n/a".
 * - `period.to` is exclusive: a week is `{ from: '2026-11-23', to: '2026-11-30' }`.
 */
import { isoWeek } from './dates.js';

export type DecisionKind = 'archive' | 'scale' | 'promote-variant' | 'keep' | (string & {});

export interface ReportPeriod {
  /** First day, ISO date (YYYY-MM-DD), inclusive. */
  from: string;
  /** Day after the last day, ISO date, exclusive. */
  to: string;
}

export interface ReportTotals {
  /** Human clicks on our tracked links (bot clicks excluded). */
  clicks: number;
  /** Clicks recognised as bots; not included in `clicks`. */
  botClicks: number;
  /** Platform views; null when no publisher reports views. */
  views: number | null;
  /** Sales revenue attributed to our links (what shoppers paid), $. */
  revenue: number;
  /** Our commissions (what we earned), $. */
  earnings: number;
  /** What producing the content cost (videos, API calls), $. */
  cost: number;
  /** Return on investment as a fraction (2.15 = 215 %); null when it cannot be computed. */
  roi: number | null;
}

export interface ProductPerformance {
  productId: string;
  asin: string;
  title: string;
  category: string;
  status: string;
  clicks: number;
  views: number | null;
  orders: number;
  revenue: number;
  earnings: number;
  cost: number;
  roi: number | null;
}

export interface DailyPoint {
  /** ISO date (YYYY-MM-DD). */
  date: string;
  clicks: number;
  views: number | null;
  earnings: number;
}

export interface ReportDecision {
  kind: DecisionKind;
  productId?: string;
  asin?: string;
  title?: string;
  variant?: string;
  reason: string;
}

export interface VariantStats {
  /** The script template (A/B variant) name. */
  variant: string;
  videos: number;
  clicks: number;
  views: number | null;
  clicksPerView: number | null;
  clicksPerVideo: number;
}

export interface OwnerReportInput {
  workflowId: string;
  period: ReportPeriod;
  totals: ReportTotals;
  byProduct: ProductPerformance[];
  daily: DailyPoint[];
  decisions: ReportDecision[];
  variants: VariantStats[];
  notes: string[];
}

export interface OwnerReportData extends OwnerReportInput {
  /** The ISO week of `period.from`, e.g. "2026-W48". */
  isoWeek: string;
  /** Top 5 products by earnings, then clicks. */
  topProducts: ProductPerformance[];
  /** Bottom 5 products among those with cost > 0, by ROI (unknown ROI last), then earnings. */
  worstProducts: ProductPerformance[];
  /** ISO timestamp. */
  generatedAt: string;
}

export interface OwnerReport {
  data: OwnerReportData;
  markdown: string;
}

export interface BuildOwnerReportOptions {
  /** The generation time (default: now). */
  now?: Date;
  /** When set, the Markdown embeds the weekly chart from this URL or path. */
  chartUrl?: string;
}

export const TOP_PRODUCTS = 5;
export const WORST_PRODUCTS = 5;
export const VIEWS_NO_DATA = 'no platform view data yet (the outbox publisher has none)';
export const IMPORT_EARNINGS_HINT = 'Import your Associates earnings report: `npm run import:earnings -- <file>`';
/** Fewer videos than this per template make an A/B comparison a hint, not a result. */
export const MIN_VIDEOS_PER_VARIANT = 3;

// ---------------------------------------------------------------------------
// Formatting helpers (exported for the chart and for tests)

/** "$1,234.56"; "-$3.00"; "n/a" for a non-finite number. */
export function formatMoney(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  const cents = Math.round(n * 100);
  const abs = Math.abs(cents) / 100;
  const s = abs.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return cents < 0 ? `-$${s}` : `$${s}`;
}

/** "1,234"; "n/a" for a non-finite number. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  return Math.round(n).toLocaleString('en-US');
}

/** ROI fraction → "215 %"; null or non-finite → "n/a". */
export function formatRoi(roi: number | null | undefined): string {
  if (roi == null || !Number.isFinite(roi)) return 'n/a';
  return `${Math.round(roi * 100).toLocaleString('en-US')} %`;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function parseIsoDate(date: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (!m) throw new Error(`Not an ISO date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
}

function isoDateOf(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** "2026-11-23" → "Mon 23 Nov" (with `withYear`: "Mon 23 Nov 2026"). */
export function formatDay(date: string, withYear = false): string {
  const d = parseIsoDate(date);
  const s = `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
  return withYear ? `${s} ${d.getUTCFullYear()}` : s;
}

/** The ISO week of a date: "2026-W48". */
export function isoWeekLabel(date: string): string {
  const { year, week } = isoWeek(isoDateOf(parseIsoDate(date)));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The last day of a period whose `to` is exclusive. */
export function lastDayOf(period: ReportPeriod): string {
  const d = parseIsoDate(period.to);
  d.setUTCDate(d.getUTCDate() - 1);
  return isoDateOf(d);
}

/** "Mon 23 Nov – Sun 29 Nov 2026" (both years when the period spans a new year). */
export function formatPeriod(period: ReportPeriod): string {
  const last = lastDayOf(period);
  const sameYear = period.from.slice(0, 4) === last.slice(0, 4);
  return `${formatDay(period.from, !sameYear)} – ${formatDay(last, true)}`;
}

/** Escapes text for inline Markdown (emphasis, code, links, HTML) and folds line breaks. */
export function escapeMarkdown(text: string): string {
  return String(text)
    .replace(/\r?\n|\r/g, ' ')
    .replace(/[\\`*_[\]<>]/g, (c) => `\\${c}`);
}

/** Escapes text for a Markdown table cell: as `escapeMarkdown`, plus pipes. */
export function escapeTableCell(text: string): string {
  return escapeMarkdown(text).replace(/\|/g, '\\|');
}

function truncate(text: string, max: number): string {
  const t = String(text).trim();
  return t.length <= max ? t : `${t.slice(0, max - 1).trimEnd()}…`;
}

function table(header: string[], rows: string[][], align?: ('l' | 'r')[]): string {
  const sep = header.map((_, i) => ((align?.[i] ?? 'l') === 'r' ? '---:' : '---'));
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(sep), ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------
// Rankings

const byAsin = (a: ProductPerformance, b: ProductPerformance) => (a.asin < b.asin ? -1 : a.asin > b.asin ? 1 : 0);

/** Top products by earnings, then clicks (ASIN breaks ties, so the order is stable). */
export function rankTopProducts(products: readonly ProductPerformance[], n = TOP_PRODUCTS): ProductPerformance[] {
  return [...products].sort((a, b) => b.earnings - a.earnings || b.clicks - a.clicks || byAsin(a, b)).slice(0, n);
}

/** Worst products among those that cost something: lowest ROI first (unknown ROI last), then lowest earnings. */
export function rankWorstProducts(products: readonly ProductPerformance[], n = WORST_PRODUCTS): ProductPerformance[] {
  const roiKey = (p: ProductPerformance) => (p.roi == null || !Number.isFinite(p.roi) ? Number.POSITIVE_INFINITY : p.roi);
  return products
    .filter((p) => p.cost > 0)
    .sort((a, b) => {
      const ra = roiKey(a);
      const rb = roiKey(b);
      if (ra !== rb) return ra < rb ? -1 : 1;
      return a.earnings - b.earnings || a.clicks - b.clicks || byAsin(a, b);
    })
    .slice(0, n);
}

// ---------------------------------------------------------------------------
// The report

export function buildOwnerReport(input: OwnerReportInput, opts: BuildOwnerReportOptions = {}): OwnerReport {
  const data: OwnerReportData = {
    ...input,
    isoWeek: isoWeekLabel(input.period.from),
    topProducts: rankTopProducts(input.byProduct),
    worstProducts: rankWorstProducts(input.byProduct),
    generatedAt: (opts.now ?? new Date()).toISOString(),
  };
  return { data, markdown: renderMarkdown(data, opts) };
}

function renderMarkdown(d: OwnerReportData, opts: BuildOwnerReportOptions): string {
  const out: string[] = [];
  const t = d.totals;

  out.push(`# Weekly report ${d.isoWeek}: ${formatPeriod(d.period)}`);
  out.push('');
  out.push(`Period ${d.period.from} to ${lastDayOf(d.period)} · workflow \`${d.workflowId.replace(/`/g, '')}\` · generated ${d.generatedAt}`);
  out.push('');

  out.push('## Headline numbers');
  out.push('');
  out.push(`- **Earnings** (what we earned): ${formatMoney(t.earnings)}`);
  out.push(`- **Sales revenue** (what shoppers bought through our links): ${formatMoney(t.revenue)}`);
  out.push(`- **Cost** (videos and API calls): ${formatMoney(t.cost)}`);
  out.push(`- **ROI**: ${formatRoi(t.roi)}`);
  out.push(`- **Clicks**: ${formatCount(t.clicks)}` + (t.botClicks > 0 ? ` (another ${formatCount(t.botClicks)} bot clicks were filtered out)` : ''));
  out.push(`- **Views**: ${t.views == null ? VIEWS_NO_DATA : formatCount(t.views)}`);
  out.push('');

  if (opts.chartUrl) {
    out.push(`![Daily clicks, views and earnings](${opts.chartUrl.replace(/[()\s]/g, encodeURIComponent)})`);
    out.push('');
  }

  if (d.daily.length > 0) {
    out.push('## Day by day');
    out.push('');
    const anyViews = d.daily.some((p) => p.views != null);
    const header = ['Day', 'Clicks', ...(anyViews ? ['Views'] : []), 'Earnings'];
    const rows = [...d.daily]
      .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))
      .map((p) => [
        formatDay(p.date),
        formatCount(p.clicks),
        ...(anyViews ? [p.views == null ? 'no data' : formatCount(p.views)] : []),
        formatMoney(p.earnings),
      ]);
    out.push(table(header, rows, ['l', 'r', ...(anyViews ? (['r'] as const) : []), 'r']));
    if (!anyViews) {
      out.push('');
      out.push(t.views == null ? `Views: ${VIEWS_NO_DATA}.` : 'Views: no daily breakdown.');
    }
    out.push('');
  }

  out.push('## Top products');
  out.push('');
  out.push(d.topProducts.length ? productTable(d.topProducts) : 'No product data this week.');
  out.push('');

  out.push('## Worst products');
  out.push('');
  out.push(
    d.worstProducts.length
      ? `The products that returned the least for what they cost.\n\n${productTable(d.worstProducts)}`
      : 'No product had a cost recorded this week, so none can be ranked by ROI.',
  );
  out.push('');

  out.push('## Template A/B comparison');
  out.push('');
  out.push(...variantSection(d.variants, d.totals.views == null));
  out.push('');

  out.push('## Decisions');
  out.push('');
  out.push(...decisionSection(d.decisions));
  out.push('');

  if (d.notes.length > 0) {
    out.push('## Notes');
    out.push('');
    for (const n of d.notes) out.push(`- ${escapeMarkdown(n)}`);
    out.push('');
  }

  out.push('## What to do next');
  out.push('');
  for (const step of nextSteps(d)) out.push(`- ${step}`);
  out.push('');

  return out.join('\n');
}

function productTable(products: ProductPerformance[]): string {
  const anyViews = products.some((p) => p.views != null);
  const header = ['#', 'Product', 'ASIN', 'Category', 'Status', 'Clicks', ...(anyViews ? ['Views'] : []), 'Orders', 'Earnings', 'Revenue', 'Cost', 'ROI'];
  const align: ('l' | 'r')[] = ['r', 'l', 'l', 'l', 'l', 'r', ...(anyViews ? (['r'] as const) : []), 'r', 'r', 'r', 'r', 'r'];
  const rows = products.map((p, i) => [
    String(i + 1),
    escapeTableCell(truncate(p.title, 60)),
    escapeTableCell(p.asin),
    escapeTableCell(p.category),
    escapeTableCell(p.status),
    formatCount(p.clicks),
    ...(anyViews ? [p.views == null ? 'no data' : formatCount(p.views)] : []),
    formatCount(p.orders),
    formatMoney(p.earnings),
    formatMoney(p.revenue),
    formatMoney(p.cost),
    formatRoi(p.roi),
  ]);
  return table(header, rows, align);
}

function formatRate(n: number | null, digits: number): string {
  return n == null || !Number.isFinite(n) ? 'n/a' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function variantSection(variants: VariantStats[], noViewsAtAll: boolean): string[] {
  if (variants.length === 0) return ['No videos per template this week, so there is nothing to compare.'];
  const out: string[] = [];
  const anyViews = variants.some((v) => v.views != null);
  const header = ['Template', 'Videos', 'Clicks', ...(anyViews ? ['Views', 'Clicks per 100 views'] : []), 'Clicks per video'];
  const align: ('l' | 'r')[] = ['l', 'r', 'r', ...(anyViews ? (['r', 'r'] as const) : []), 'r'];
  const rows = variants.map((v) => [
    escapeTableCell(v.variant),
    formatCount(v.videos),
    formatCount(v.clicks),
    ...(anyViews ? [v.views == null ? 'no data' : formatCount(v.views), formatRate(v.clicksPerView == null ? null : v.clicksPerView * 100, 2)] : []),
    formatRate(v.clicksPerVideo, 1),
  ]);
  out.push(table(header, rows, align));
  out.push('');

  // Compare on clicks per view when every template has it, else on clicks per video.
  const byView = variants.every((v) => v.clicksPerView != null && Number.isFinite(v.clicksPerView));
  const metric = (v: VariantStats) => (byView ? (v.clicksPerView as number) : v.clicksPerVideo);
  const metricName = byView ? 'clicks per 100 views' : 'clicks per video';
  const show = (v: VariantStats) => formatRate(byView ? metric(v) * 100 : metric(v), byView ? 2 : 1);
  if (!anyViews) {
    out.push(
      noViewsAtAll
        ? `Views: ${VIEWS_NO_DATA}, so the templates are compared on clicks per video.`
        : 'The templates have no view data, so they are compared on clicks per video.',
    );
  }
  if (variants.length < 2) {
    out.push(`Only template ${escapeMarkdown(variants[0].variant)} was used this week, so there is nothing to compare it with.`);
    return out;
  }
  const sorted = [...variants].sort((a, b) => metric(b) - metric(a));
  const [best, second] = sorted;
  if (metric(best) === metric(second)) {
    out.push(`No template leads on ${metricName} (${escapeMarkdown(best.variant)} and ${escapeMarkdown(second.variant)} tie at ${show(best)}).`);
  } else {
    out.push(
      `Template **${escapeMarkdown(best.variant)}** leads on ${metricName}: ${show(best)} against ${show(second)} for ${escapeMarkdown(second.variant)}.`,
    );
  }
  const thin = variants.filter((v) => v.videos < MIN_VIDEOS_PER_VARIANT);
  if (thin.length > 0) {
    out.push(
      `Small sample: ${thin.map((v) => escapeMarkdown(v.variant)).join(', ')} had fewer than ${MIN_VIDEOS_PER_VARIANT} videos, so treat this as a hint, not a result.`,
    );
  }
  return out;
}

function decisionSubject(dec: ReportDecision): string {
  const parts: string[] = [];
  const name = dec.title ?? dec.asin ?? dec.productId;
  if (name) {
    let s = `**${escapeMarkdown(truncate(name, 80))}**`;
    if (dec.title && dec.asin) s += ` (${escapeMarkdown(dec.asin)})`;
    parts.push(s);
  }
  if (dec.variant) parts.push(`template **${escapeMarkdown(dec.variant)}**`);
  return parts.join(', ');
}

const DECISION_GROUPS: { kind: string; heading: string }[] = [
  { kind: 'archive', heading: 'Archived' },
  { kind: 'scale', heading: 'Scaled up' },
  { kind: 'promote-variant', heading: 'Template changes' },
  { kind: 'keep', heading: 'Kept as they are' },
];

function decisionLine(dec: ReportDecision, withKind: boolean): string {
  const subject = decisionSubject(dec);
  const kind = withKind ? `${escapeMarkdown(dec.kind)}: ` : '';
  const reason = escapeMarkdown(dec.reason);
  return subject ? `- ${kind}${subject}: ${reason}` : `- ${kind}${reason}`;
}

function decisionSection(decisions: ReportDecision[]): string[] {
  if (decisions.length === 0) return ['No decisions were taken this week.'];
  const out: string[] = [];
  for (const g of DECISION_GROUPS) {
    const items = decisions.filter((d) => d.kind === g.kind);
    if (items.length === 0) continue;
    out.push(`### ${g.heading} (${items.length})`, '');
    for (const dec of items) out.push(decisionLine(dec, false));
    out.push('');
  }
  const known = new Set(DECISION_GROUPS.map((g) => g.kind));
  const other = decisions.filter((d) => !known.has(d.kind));
  if (other.length > 0) {
    out.push(`### Other (${other.length})`, '');
    for (const dec of other) out.push(decisionLine(dec, true));
    out.push('');
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

/** A short to-do list derived from the numbers, most important first. */
export function nextSteps(d: OwnerReportInput): string[] {
  const t = d.totals;
  const steps: string[] = [];
  const noEarningsData = t.earnings === 0 && t.revenue === 0 && d.byProduct.every((p) => p.earnings === 0 && p.revenue === 0 && p.orders === 0);
  if (noEarningsData) {
    steps.push(`${IMPORT_EARNINGS_HINT}. Until then earnings, revenue and ROI show nothing.`);
  }
  if (t.clicks === 0) {
    steps.push('No clicks this week: check that videos were approved and published, and that their descriptions carry the tracked links.');
  }
  if (!noEarningsData && t.cost > 0 && t.earnings < t.cost) {
    steps.push(`This week cost ${formatMoney(t.cost)} and earned ${formatMoney(t.earnings)}: favour the top products above and drop the worst ones.`);
  }
  const allClicks = t.clicks + t.botClicks;
  if (t.botClicks > 0 && t.botClicks / allClicks >= 0.2) {
    steps.push(`${Math.round((t.botClicks / allClicks) * 100)} % of the clicks were bots: check where the links are posted.`);
  }
  const archived = d.decisions.filter((x) => x.kind === 'archive').length;
  if (archived > 0) {
    steps.push(
      archived === 1 ? 'Review the archived product above; it gets no new videos.' : `Review the ${archived} archived products above; they get no new videos.`,
    );
  }
  const scaled = d.decisions.filter((x) => x.kind === 'scale').length;
  if (scaled > 0) steps.push(`Expect more videos to approve for the ${scaled} scaled product${scaled === 1 ? '' : 's'}.`);
  for (const x of d.decisions.filter((y) => y.kind === 'promote-variant' && y.variant)) {
    steps.push(`New scripts now favour template ${escapeMarkdown(x.variant as string)}.`);
  }
  if (t.views == null) {
    steps.push('Views arrive once a real publisher (YouTube, TikTok, Instagram) is connected; until then templates are compared on clicks per video.');
  }
  if (steps.length === 0) steps.push('Nothing urgent: keep the daily loop running and approve the videos as they come.');
  return steps;
}
