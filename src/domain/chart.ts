/**
 * The weekly chart: daily clicks, views and earnings as a PNG, drawn server-side
 * (an SVG string rasterized by resvg; no browser). Pure apart from reading the
 * font files.
 *
 * Layout (small multiples sharing the day axis, so a large view count never
 * flattens the click bars):
 * - top panel: clicks as bars (left axis) and earnings as a line ($, right axis);
 * - bottom panel: views as a line (left axis). When no day has views the panel is
 *   left out and the legend says "Views: no data".
 */
import fs from 'node:fs';
import { renderAsync } from '@resvg/resvg-js';
import { formatCount, formatDay, formatMoney, type DailyPoint } from './report.js';

export const DEFAULT_CHART_FONT_FILES = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'];
const FONT_FAMILY = 'DejaVu Sans';

export interface WeeklyChartOptions {
  /** Pixels (default 1200 × 675). */
  width?: number;
  height?: number;
  /** Default: "Clicks, views and earnings, Mon 23 Nov – Sun 29 Nov 2026". */
  title?: string;
  /** Default: the week's totals. */
  subtitle?: string;
  /** TrueType files to render the text with (default: DejaVu Sans regular and bold). */
  fontFiles?: string[];
}

const COLORS = {
  text: '#1f2937',
  muted: '#6b7280',
  grid: '#e5e7eb',
  axis: '#9ca3af',
  clicks: '#3b82f6',
  clicksLabel: '#1d4ed8',
  views: '#f59e0b',
  viewsFill: '#fef3c7',
  viewsLabel: '#b45309',
  earnings: '#16a34a',
  earningsLabel: '#15803d',
};

function esc(text: string): string {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** Rounds to 2 decimals for compact SVG numbers. */
const r2 = (n: number) => Math.round(n * 100) / 100;

/**
 * The smallest "nice" step (1, 2, 2.5 or 5 × 10^k) at least `raw`.
 * Integer steps only for counts; whole cents for money.
 */
export function niceStep(raw: number, kind: 'count' | 'money'): number {
  const floor = kind === 'count' ? 1 : 0.01;
  if (!(raw > floor)) return floor;
  const exp = Math.floor(Math.log10(raw));
  for (let e = exp; e <= exp + 1; e++) {
    for (const f of [1, 2, 2.5, 5]) {
      const cand = Number((f * 10 ** e).toPrecision(12));
      if (kind === 'count' && !Number.isInteger(cand)) continue;
      if (kind === 'money' && !Number.isInteger(Math.round(cand * 100 * 1e6) / 1e6)) continue;
      if (cand >= raw - 1e-9) return cand;
    }
  }
  return Number((10 ** (exp + 1)).toPrecision(12));
}

/** Axis scale for values up to `max`: `intervals` steps of `step`. With `intervals` given, fits that many. */
function scaleFor(max: number, kind: 'count' | 'money', intervals?: number): { step: number; intervals: number; top: number } {
  const m = Number.isFinite(max) && max > 0 ? max : 0;
  if (intervals) {
    const step = m === 0 ? (kind === 'count' ? 1 : 1) : niceStep(m / intervals, kind);
    return { step, intervals, top: step * intervals };
  }
  if (m === 0) return { step: 1, intervals: 5, top: 5 };
  const step = niceStep(m / 5, kind);
  const n = Math.max(2, Math.ceil(m / step - 1e-9));
  return { step, intervals: n, top: step * n };
}

function moneyTick(v: number, step: number): string {
  if (Number.isInteger(step) && Number.isInteger(Math.round(v * 1e6) / 1e6)) {
    return `$${Math.round(v).toLocaleString('en-US')}`;
  }
  return formatMoney(v);
}

/** 1234 → "1,234"; 12345 → "12.3k"; 1234567 → "1.23M" (point labels). */
function compactCount(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e6) return `${Number((n / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((n / 1e3).toPrecision(3))}k`;
  return formatCount(n);
}

/** Axis tick labels in one unit per axis: 0, 5k, 10k (not 5,000 next to 10k). */
function axisCount(v: number, top: number): string {
  if (top >= 1e6) return v === 0 ? '0' : `${Number((v / 1e6).toPrecision(3))}M`;
  if (top >= 1e4) return v === 0 ? '0' : `${Number((v / 1e3).toPrecision(3))}k`;
  return formatCount(v);
}

interface TextOpts {
  size?: number;
  anchor?: 'start' | 'middle' | 'end';
  weight?: 'normal' | 'bold';
  fill?: string;
  rotate?: number;
  halo?: boolean;
}

function text(x: number, y: number, s: string, o: TextOpts = {}): string {
  const attrs = [`x="${r2(x)}"`, `y="${r2(y)}"`, `font-size="${o.size ?? 14}"`, `text-anchor="${o.anchor ?? 'start'}"`, `fill="${o.fill ?? COLORS.text}"`];
  if (o.weight === 'bold') attrs.push('font-weight="bold"');
  if (o.rotate) attrs.push(`transform="rotate(${o.rotate} ${r2(x)} ${r2(y)})"`);
  if (o.halo) attrs.push('stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke"');
  return `<text ${attrs.join(' ')}>${esc(s)}</text>`;
}

/** Consecutive runs of non-null points (a line breaks where a day has no data). */
function runs<T>(points: (T | null)[]): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  for (const p of points) {
    if (p == null) {
      if (cur.length) out.push(cur);
      cur = [];
    } else cur.push(p);
  }
  if (cur.length) out.push(cur);
  return out;
}

/** The chart as an SVG document (exported for tests and for embedding). */
export function buildWeeklyChartSvg(daily: readonly DailyPoint[], opts: WeeklyChartOptions = {}): string {
  const W = Math.round(opts.width ?? 1200);
  const H = Math.round(opts.height ?? 675);
  const days = [...daily].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const n = days.length;
  const num = (v: number) => (Number.isFinite(v) ? v : 0);
  const hasViews = days.some((d) => d.views != null && Number.isFinite(d.views));

  const totalClicks = days.reduce((s, d) => s + num(d.clicks), 0);
  const totalViews = days.reduce((s, d) => s + (d.views == null ? 0 : num(d.views)), 0);
  const totalEarnings = days.reduce((s, d) => s + num(d.earnings), 0);
  const title =
    opts.title ??
    (n > 0
      ? `Clicks, views and earnings, ${formatDay(days[0].date, days[0].date.slice(0, 4) !== days[n - 1].date.slice(0, 4))} – ${formatDay(days[n - 1].date, true)}`
      : 'Clicks, views and earnings');
  const subtitle =
    opts.subtitle ??
    [`${formatCount(totalClicks)} clicks`, hasViews ? `${formatCount(totalViews)} views` : 'views: no data yet', `${formatMoney(totalEarnings)} earned`].join(
      '  ·  ',
    );

  const left = 100;
  const right = W - 100;
  const plotW = right - left;
  const top = 150;
  const bottom = H - 70; // baseline of the lowest panel; day labels below it
  const gap = 44;
  const mainBottom = hasViews ? top + Math.round((bottom - top - gap) * 0.64) : bottom;
  const viewsTop = mainBottom + gap;

  const s: string[] = [];
  s.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FONT_FAMILY}">`);
  s.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);

  // Title, subtitle, legend.
  s.push(text(left - 60, 48, title, { size: 26, weight: 'bold' }));
  s.push(text(left - 60, 80, subtitle, { size: 16, fill: COLORS.muted }));
  let lx = left - 60;
  const ly = 116;
  s.push(`<rect x="${lx}" y="${ly - 13}" width="18" height="16" rx="2" fill="${COLORS.clicks}"/>`);
  s.push(text(lx + 26, ly, 'Clicks (left axis)', { size: 15 }));
  lx += 26 + 165;
  s.push(`<line x1="${lx}" y1="${ly - 5}" x2="${lx + 28}" y2="${ly - 5}" stroke="${COLORS.earnings}" stroke-width="3"/>`);
  s.push(`<circle cx="${lx + 14}" cy="${ly - 5}" r="4.5" fill="${COLORS.earnings}" stroke="#ffffff" stroke-width="1.5"/>`);
  s.push(text(lx + 36, ly, 'Earnings $ (right axis)', { size: 15 }));
  lx += 36 + 200;
  if (hasViews) {
    s.push(`<line x1="${lx}" y1="${ly - 5}" x2="${lx + 28}" y2="${ly - 5}" stroke="${COLORS.views}" stroke-width="3"/>`);
    s.push(`<circle cx="${lx + 14}" cy="${ly - 5}" r="4.5" fill="${COLORS.views}" stroke="#ffffff" stroke-width="1.5"/>`);
    s.push(text(lx + 36, ly, 'Views (lower panel)', { size: 15 }));
  } else {
    s.push(`<line x1="${lx}" y1="${ly - 5}" x2="${lx + 28}" y2="${ly - 5}" stroke="${COLORS.axis}" stroke-width="3" stroke-dasharray="5 4"/>`);
    s.push(text(lx + 36, ly, 'Views: no data (no platform analytics yet)', { size: 15, fill: COLORS.muted }));
  }

  const band = n > 0 ? plotW / n : plotW;
  const cx = (i: number) => left + band * (i + 0.5);

  // Main panel: clicks (left) and earnings (right), sharing the gridlines.
  const clicksScale = scaleFor(Math.max(0, ...days.map((d) => num(d.clicks))), 'count');
  const earnScale = scaleFor(Math.max(0, ...days.map((d) => num(d.earnings))), 'money', clicksScale.intervals);
  const yMain = (frac: number) => mainBottom - frac * (mainBottom - top);
  for (let k = 0; k <= clicksScale.intervals; k++) {
    const y = yMain(k / clicksScale.intervals);
    if (k > 0) s.push(`<line x1="${left}" y1="${r2(y)}" x2="${right}" y2="${r2(y)}" stroke="${COLORS.grid}" stroke-width="1"/>`);
    s.push(text(left - 10, y + 5, axisCount(clicksScale.step * k, clicksScale.top), { size: 14, anchor: 'end', fill: COLORS.clicksLabel }));
    s.push(text(right + 10, y + 5, moneyTick(earnScale.step * k, earnScale.step), { size: 14, fill: COLORS.earningsLabel }));
  }
  s.push(text(left - 70, (top + mainBottom) / 2, 'Clicks', { size: 15, anchor: 'middle', fill: COLORS.clicksLabel, rotate: -90, weight: 'bold' }));
  s.push(text(right + 78, (top + mainBottom) / 2, 'Earnings ($)', { size: 15, anchor: 'middle', fill: COLORS.earningsLabel, rotate: 90, weight: 'bold' }));

  // Vertical separators between days (light), in every panel.
  for (let i = 1; i < n; i++) {
    const x = r2(left + band * i);
    s.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${mainBottom}" stroke="${COLORS.grid}" stroke-width="1" stroke-dasharray="2 4"/>`);
    if (hasViews) s.push(`<line x1="${x}" y1="${viewsTop}" x2="${x}" y2="${bottom}" stroke="${COLORS.grid}" stroke-width="1" stroke-dasharray="2 4"/>`);
  }

  const showValueLabels = n > 0 && n <= 16;
  const barW = Math.min(band * 0.56, 90);
  days.forEach((d, i) => {
    const v = Math.max(0, num(d.clicks));
    const h = (v / clicksScale.top) * (mainBottom - top);
    if (h > 0) {
      s.push(`<rect x="${r2(cx(i) - barW / 2)}" y="${r2(mainBottom - h)}" width="${r2(barW)}" height="${r2(h)}" rx="3" fill="${COLORS.clicks}"/>`);
    }
    if (showValueLabels) {
      s.push(text(cx(i), mainBottom - h - 8, compactCount(v), { size: 14, anchor: 'middle', weight: 'bold', fill: COLORS.clicksLabel, halo: true }));
    }
  });

  if (n > 0) {
    const pts = days.map((d, i) => [cx(i), yMain(Math.max(0, num(d.earnings)) / earnScale.top)] as const);
    s.push(
      `<polyline points="${pts.map(([x, y]) => `${r2(x)},${r2(y)}`).join(' ')}" fill="none" stroke="${COLORS.earnings}" stroke-width="3" stroke-linejoin="round"/>`,
    );
    pts.forEach(([x, y], i) => {
      s.push(`<circle cx="${r2(x)}" cy="${r2(y)}" r="5.5" fill="${COLORS.earnings}" stroke="#ffffff" stroke-width="2"/>`);
      if (showValueLabels && num(days[i].earnings) !== 0) {
        s.push(text(x + 9, y - 9, formatMoney(num(days[i].earnings)), { size: 13, weight: 'bold', fill: COLORS.earningsLabel, halo: true }));
      }
    });
    if (totalClicks === 0 && totalEarnings === 0) {
      s.push(text((left + right) / 2, (top + mainBottom) / 2, 'No clicks or earnings recorded this week', { size: 20, anchor: 'middle', fill: COLORS.muted }));
    }
  } else {
    s.push(text((left + right) / 2, (top + mainBottom) / 2, 'No data for this period', { size: 18, anchor: 'middle', fill: COLORS.muted }));
  }
  s.push(`<line x1="${left}" y1="${mainBottom}" x2="${right}" y2="${mainBottom}" stroke="${COLORS.axis}" stroke-width="1.5"/>`);
  s.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${mainBottom}" stroke="${COLORS.axis}" stroke-width="1"/>`);
  s.push(`<line x1="${right}" y1="${top}" x2="${right}" y2="${mainBottom}" stroke="${COLORS.axis}" stroke-width="1"/>`);

  // Views panel.
  if (hasViews) {
    const viewsScale = scaleFor(Math.max(0, ...days.map((d) => (d.views == null ? 0 : num(d.views)))), 'count');
    const yV = (v: number) => bottom - (Math.max(0, v) / viewsScale.top) * (bottom - viewsTop);
    for (let k = 0; k <= viewsScale.intervals; k++) {
      const y = yV(viewsScale.step * k);
      if (k > 0) s.push(`<line x1="${left}" y1="${r2(y)}" x2="${right}" y2="${r2(y)}" stroke="${COLORS.grid}" stroke-width="1"/>`);
      s.push(text(left - 10, y + 5, axisCount(viewsScale.step * k, viewsScale.top), { size: 14, anchor: 'end', fill: COLORS.viewsLabel }));
    }
    s.push(text(left - 70, (viewsTop + bottom) / 2, 'Views', { size: 15, anchor: 'middle', fill: COLORS.viewsLabel, rotate: -90, weight: 'bold' }));
    const pts = days.map((d, i) => (d.views == null || !Number.isFinite(d.views) ? null : { x: cx(i), y: yV(d.views), v: d.views }));
    for (const run of runs(pts)) {
      if (run.length > 1) {
        const line = run.map((p) => `${r2(p.x)},${r2(p.y)}`).join(' ');
        s.push(`<polygon points="${r2(run[0].x)},${bottom} ${line} ${r2(run[run.length - 1].x)},${bottom}" fill="${COLORS.viewsFill}" opacity="0.8"/>`);
        s.push(`<polyline points="${line}" fill="none" stroke="${COLORS.views}" stroke-width="3" stroke-linejoin="round"/>`);
      }
    }
    pts.forEach((p, i) => {
      if (!p) {
        if (showValueLabels) s.push(text(cx(i), bottom - 10, 'no data', { size: 12, anchor: 'middle', fill: COLORS.muted }));
        return;
      }
      s.push(`<circle cx="${r2(p.x)}" cy="${r2(p.y)}" r="5" fill="${COLORS.views}" stroke="#ffffff" stroke-width="2"/>`);
      if (showValueLabels) s.push(text(p.x, p.y - 10, compactCount(p.v), { size: 13, anchor: 'middle', weight: 'bold', fill: COLORS.viewsLabel, halo: true }));
    });
    s.push(`<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="${COLORS.axis}" stroke-width="1.5"/>`);
    s.push(`<line x1="${left}" y1="${viewsTop}" x2="${left}" y2="${bottom}" stroke="${COLORS.axis}" stroke-width="1"/>`);
  }

  // Day labels under the lowest panel (thinned when there are many days).
  const every = Math.max(1, Math.ceil(n / 10));
  days.forEach((d, i) => {
    if (i % every !== 0) return;
    s.push(`<line x1="${r2(cx(i))}" y1="${bottom}" x2="${r2(cx(i))}" y2="${bottom + 6}" stroke="${COLORS.axis}" stroke-width="1.5"/>`);
    s.push(text(cx(i), bottom + 28, formatDay(d.date), { size: 15, anchor: 'middle' }));
  });

  s.push('</svg>');
  return s.join('\n');
}

/** The chart as a PNG (default 1200 × 675, white background). */
export async function renderWeeklyChartPng(daily: readonly DailyPoint[], opts: WeeklyChartOptions = {}): Promise<Buffer> {
  const fontFiles = (opts.fontFiles ?? DEFAULT_CHART_FONT_FILES).filter((f) => fs.existsSync(f));
  if (fontFiles.length === 0) {
    throw new Error(
      `No font for the weekly chart: none of ${(opts.fontFiles ?? DEFAULT_CHART_FONT_FILES).join(', ')} exists. ` +
        'Run `npm run setup` (or `apt-get install fonts-dejavu-core`).',
    );
  }
  const svg = buildWeeklyChartSvg(daily, opts);
  const image = await renderAsync(svg, {
    fitTo: { mode: 'original' },
    background: '#ffffff',
    font: { loadSystemFonts: false, fontFiles, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
    logLevel: 'off',
  });
  return image.asPng();
}
