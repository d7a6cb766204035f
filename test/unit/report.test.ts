import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  buildOwnerReport,
  escapeTableCell,
  formatMoney,
  formatRoi,
  IMPORT_EARNINGS_HINT,
  VIEWS_NO_DATA,
  type DailyPoint,
  type OwnerReportInput,
  type ProductPerformance,
} from '../../src/domain/report.js';
import { buildWeeklyChartSvg, niceStep, renderWeeklyChartPng } from '../../src/domain/chart.js';

const NOW = new Date('2026-11-30T07:00:00Z');
const WEEK = ['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29'];

function product(asin: string, over: Partial<ProductPerformance> = {}): ProductPerformance {
  return {
    productId: `p-${asin}`,
    asin,
    title: `Product ${asin}`,
    category: 'Kitchen',
    status: 'ACTIVE',
    clicks: 10,
    views: null,
    orders: 0,
    revenue: 0,
    earnings: 0,
    cost: 0.5,
    roi: 0,
    ...over,
  };
}

function daily(clicks: number[], earnings: number[], views: (number | null)[] | null = null): DailyPoint[] {
  return WEEK.map((date, i) => ({ date, clicks: clicks[i], earnings: earnings[i], views: views ? views[i] : null }));
}

function input(over: Partial<OwnerReportInput> = {}): OwnerReportInput {
  return {
    workflowId: 'weekly-2026-W48',
    period: { from: '2026-11-23', to: '2026-11-30' },
    totals: { clicks: 1234, botClicks: 56, views: null, revenue: 3086.25, earnings: 123.45, cost: 57.4, roi: 2.15 },
    byProduct: [
      product('B000000001', { title: 'Air Fryer | 6 qt', clicks: 300, orders: 7, revenue: 700, earnings: 42.5, cost: 4, roi: 10.625 }),
      product('B000000002', { title: 'Chef Knife', clicks: 250, orders: 5, revenue: 500, earnings: 30, cost: 4, roi: 7.5 }),
      product('B000000003', { title: 'Cast Iron Pan', clicks: 400, orders: 3, revenue: 300, earnings: 30, cost: 4, roi: 7.5 }),
      product('B000000004', { title: 'Spice Rack', clicks: 90, orders: 2, revenue: 100, earnings: 10, cost: 4, roi: 2.5 }),
      product('B000000005', { title: 'Salad Spinner', clicks: 80, orders: 1, revenue: 60, earnings: 6, cost: 4, roi: 1.5 }),
      product('B000000006', { title: 'Egg Timer', clicks: 70, orders: 1, revenue: 20, earnings: 2, cost: 4, roi: 0.5 }),
      product('B000000007', { title: 'Bread Box', clicks: 5, earnings: 0, cost: 4, roi: 0 }),
      product('B000000008', { title: 'Mystery Gadget', clicks: 9, earnings: 0, cost: 4, roi: null }),
      product('B000000009', { title: 'Free Sample', clicks: 30, earnings: 2.95, cost: 0, roi: null }),
    ],
    daily: daily([150, 170, 120, 200, 260, 190, 144], [10, 15, 0, 20.45, 38, 25, 15]),
    decisions: [
      { kind: 'archive', productId: 'p-B000000007', asin: 'B000000007', title: 'Bread Box', reason: '5 clicks and no sale after 4 videos' },
      { kind: 'scale', productId: 'p-B000000001', asin: 'B000000001', title: 'Air Fryer | 6 qt', reason: 'ROI 1,063 %: two more videos a day' },
      { kind: 'promote-variant', variant: 'B', reason: 'template B gets 2.3x the clicks per video of A' },
      { kind: 'keep', asin: 'B000000004', title: 'Spice Rack', reason: 'steady, profitable' },
      { kind: 'pause-platform', reason: 'TikTok uploads failed all week' },
    ],
    variants: [
      { variant: 'A', videos: 10, clicks: 300, views: null, clicksPerView: null, clicksPerVideo: 30 },
      { variant: 'B', videos: 8, clicks: 560, views: null, clicksPerView: null, clicksPerVideo: 70 },
    ],
    notes: ['Black Friday week: clicks are seasonal.'],
    ...over,
  };
}

describe('formatting', () => {
  it('formats money with $ and 2 decimals, ROI as a rounded percentage', () => {
    expect(formatMoney(1234.5)).toBe('$1,234.50');
    expect(formatMoney(0)).toBe('$0.00');
    expect(formatMoney(-0.001)).toBe('$0.00');
    expect(formatMoney(-12)).toBe('-$12.00');
    expect(formatRoi(2.15)).toBe('215 %');
    expect(formatRoi(null)).toBe('n/a');
  });
  it('escapes pipes (and Markdown) in table cells', () => {
    expect(escapeTableCell('a | b')).toBe('a \\| b');
    expect(escapeTableCell('line\nbreak *bold*')).toBe('line break \\*bold\\*');
  });
});

describe('buildOwnerReport', () => {
  const { data, markdown } = buildOwnerReport(input(), { now: NOW });

  it('returns the input plus the computed fields', () => {
    expect(data.workflowId).toBe('weekly-2026-W48');
    expect(data.isoWeek).toBe('2026-W48');
    expect(data.generatedAt).toBe('2026-11-30T07:00:00.000Z');
    // Top 5 by earnings, then clicks: the pan (400 clicks) beats the knife (250) at $30.
    expect(data.topProducts.map((p) => p.asin)).toEqual(['B000000001', 'B000000003', 'B000000002', 'B000000004', 'B000000005']);
    // Worst 5 among products with cost > 0, by ROI (unknown last) then earnings; the free sample has no cost.
    expect(data.worstProducts.map((p) => p.asin)).toEqual(['B000000007', 'B000000006', 'B000000005', 'B000000004', 'B000000002']);
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
  });

  it('has a title with the ISO week and the dates', () => {
    expect(markdown.split('\n')[0]).toBe('# Weekly report 2026-W48: Mon 23 Nov – Sun 29 Nov 2026');
    expect(markdown).toContain('Period 2026-11-23 to 2026-11-29');
  });

  it('states the headline numbers', () => {
    expect(markdown).toContain('- **Earnings** (what we earned): $123.45');
    expect(markdown).toContain('- **Sales revenue** (what shoppers bought through our links): $3,086.25');
    expect(markdown).toContain('- **Cost** (videos and API calls): $57.40');
    expect(markdown).toContain('- **ROI**: 215 %');
    expect(markdown).toContain('- **Clicks**: 1,234 (another 56 bot clicks were filtered out)');
  });

  it('says honestly that there are no views, and never prints a number for them', () => {
    expect(markdown).toContain(`- **Views**: ${VIEWS_NO_DATA}`);
    expect(markdown).not.toMatch(/\*\*Views\*\*: \d/);
    expect(markdown).not.toMatch(/\| Views \|/);
  });

  it('prints views as a number when there are some', () => {
    const md = buildOwnerReport(
      input({ totals: { ...input().totals, views: 45678 }, daily: daily([1, 1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0], [1, 2, 3, null, 5, 6, 7]) }),
      { now: NOW },
    ).markdown;
    expect(md).toContain('- **Views**: 45,678');
    expect(md).not.toContain(VIEWS_NO_DATA);
    expect(md).toContain('| Thu 26 Nov | 1 | no data | $0.00 |');
  });

  it('tables the top and worst products, with escaped pipes', () => {
    const top = markdown.slice(markdown.indexOf('## Top products'), markdown.indexOf('## Worst products'));
    const worst = markdown.slice(markdown.indexOf('## Worst products'), markdown.indexOf('## Template A/B'));
    expect(top).toContain('| # | Product | ASIN | Category | Status | Clicks | Orders | Earnings | Revenue | Cost | ROI |');
    expect(top).toContain('| 1 | Air Fryer \\| 6 qt | B000000001 | Kitchen | ACTIVE | 300 | 7 | $42.50 | $700.00 | $4.00 | 1,063 % |');
    expect(top).toContain('| 2 | Cast Iron Pan |');
    expect(top).not.toContain('Air Fryer | 6 qt');
    expect(worst).toContain('| 1 | Bread Box | B000000007 | Kitchen | ACTIVE | 5 | 0 | $0.00 | $0.00 | $4.00 | 0 % |');
    expect(worst).toContain('| 2 | Egg Timer |');
    expect(worst).not.toContain('Free Sample');
    // Every table row has the same number of unescaped pipes as its header.
    for (const section of [top, worst]) {
      const rows = section.split('\n').filter((l) => l.startsWith('|'));
      const pipes = (l: string) => l.replace(/\\\|/g, '').split('|').length;
      expect(new Set(rows.map(pipes)).size).toBe(1);
    }
  });

  it('compares the templates', () => {
    const ab = markdown.slice(markdown.indexOf('## Template A/B'), markdown.indexOf('## Decisions'));
    expect(ab).toContain('| Template | Videos | Clicks | Clicks per video |');
    expect(ab).toContain('| B | 8 | 560 | 70.0 |');
    expect(ab).toContain('Template **B** leads on clicks per video: 70.0 against 30.0 for A.');
    expect(ab).toContain('compared on clicks per video');
  });

  it('lists the decisions with their reasons, grouped', () => {
    const dec = markdown.slice(markdown.indexOf('## Decisions'), markdown.indexOf('## Notes'));
    expect(dec).toContain('### Archived (1)\n\n- **Bread Box** (B000000007): 5 clicks and no sale after 4 videos');
    expect(dec).toContain('### Scaled up (1)\n\n- **Air Fryer | 6 qt** (B000000001): ROI 1,063 %: two more videos a day');
    expect(dec).toContain('### Template changes (1)\n\n- template **B**: template B gets 2.3x the clicks per video of A');
    expect(dec).toContain('### Kept as they are (1)');
    expect(dec).toContain('### Other (1)\n\n- pause-platform: TikTok uploads failed all week');
    expect(dec.indexOf('### Archived')).toBeLessThan(dec.indexOf('### Scaled up'));
    expect(dec.indexOf('### Scaled up')).toBeLessThan(dec.indexOf('### Template changes'));
  });

  it('includes the notes and what to do next', () => {
    expect(markdown).toContain('## Notes\n\n- Black Friday week: clicks are seasonal.');
    const next = markdown.slice(markdown.indexOf('## What to do next'));
    expect(next).not.toContain('import:earnings');
    expect(next).toContain('Review the archived product above; it gets no new videos.');
    expect(next).toContain('New scripts now favour template B.');
  });

  it('asks to import the earnings report when no earnings were imported', () => {
    const md = buildOwnerReport(
      input({
        totals: { clicks: 40, botClicks: 0, views: null, revenue: 0, earnings: 0, cost: 12, roi: 0 },
        byProduct: [product('B000000001', { earnings: 0, revenue: 0, orders: 0, cost: 12, roi: 0 })],
        daily: daily([5, 5, 5, 5, 5, 5, 10], [0, 0, 0, 0, 0, 0, 0]),
        decisions: [],
        variants: [],
        notes: [],
      }),
      { now: NOW },
    ).markdown;
    expect(IMPORT_EARNINGS_HINT).toContain('npm run import:earnings -- <file>');
    expect(md).toContain(`- ${IMPORT_EARNINGS_HINT}`);
    expect(md).toContain('Import your Associates earnings report: `npm run import:earnings -- <file>`');
    expect(md).toContain('No decisions were taken this week.');
    expect(md).toContain('nothing to compare');
    expect(md).not.toContain('## Notes');
    expect(md).toContain('- **Earnings** (what we earned): $0.00');
  });

  it('handles an empty week', () => {
    const { data, markdown: md } = buildOwnerReport(
      input({
        totals: { clicks: 0, botClicks: 0, views: null, revenue: 0, earnings: 0, cost: 0, roi: null },
        byProduct: [],
        daily: [],
        decisions: [],
        variants: [],
        notes: [],
      }),
      { now: NOW },
    );
    expect(data.topProducts).toEqual([]);
    expect(data.worstProducts).toEqual([]);
    expect(md).toContain('- **ROI**: n/a');
    expect(md).toContain('No product data this week.');
    expect(md).toContain('No clicks this week');
    expect(md).not.toMatch(/NaN|undefined|null/);
  });

  it('embeds the chart when given its URL', () => {
    expect(buildOwnerReport(input(), { now: NOW, chartUrl: '/media/reports/2026-W48.png' }).markdown).toContain(
      '![Daily clicks, views and earnings](/media/reports/2026-W48.png)',
    );
  });
});

// ---------------------------------------------------------------------------
// A tiny PNG decoder (8-bit RGB/RGBA, not interlaced), enough to check the chart.

function decodePng(png: Buffer): { width: number; height: number; pixels: Buffer; channels: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const body = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, colorType, , , interlace] = body.subarray(8, 13);
      expect(depth).toBe(8);
      expect(interlace).toBe(0);
      channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colorType];
      expect(channels).toBeGreaterThan(0);
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + x] = (line[x] + pred) & 0xff;
    }
  }
  return { width, height, pixels, channels };
}

function colorStats(img: ReturnType<typeof decodePng>) {
  const colors = new Set<number>();
  let nonWhite = 0;
  const n = img.width * img.height;
  const at = (i: number, k: number) => img.pixels[i * img.channels + Math.min(k, img.channels - 1)];
  const has = (pred: (r: number, g: number, b: number) => boolean) => {
    for (let i = 0; i < n; i++) if (pred(at(i, 0), at(i, 1), at(i, 2))) return true;
    return false;
  };
  for (let i = 0; i < n; i++) {
    const r = at(i, 0);
    const g = at(i, 1);
    const b = at(i, 2);
    colors.add((r << 16) | (g << 8) | b);
    if (r < 245 || g < 245 || b < 245) nonWhite++;
  }
  const corner = [at(0, 0), at(0, 1), at(0, 2)];
  return { distinct: colors.size, nonWhiteShare: nonWhite / n, corner, has };
}

const clicksBlue = (r: number, g: number, b: number) => r > 50 && r < 70 && g > 120 && g < 140 && b > 236; // #3b82f6
const earningsGreen = (r: number, g: number, b: number) => r < 35 && g > 150 && g < 175 && b > 60 && b < 85; // #16a34a
const viewsOrange = (r: number, g: number, b: number) => r > 240 && g > 150 && g < 170 && b < 25; // #f59e0b

describe('weekly chart', () => {
  const busy = daily([42, 57, 31, 88, 120, 96, 64], [3.2, 5.75, 0, 12.4, 18.9, 9.1, 6.35]);

  it('builds an SVG with day labels, axes and a legend note when views are missing', () => {
    const svg = buildWeeklyChartSvg(busy);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('width="1200" height="675"');
    for (const day of ['Mon 23 Nov', 'Tue 24 Nov', 'Sun 29 Nov']) expect(svg).toContain(`>${day}</text>`);
    expect(svg).toContain('Views: no data');
    expect(svg).toContain('>$20</text>');
    expect(svg).toContain('>Earnings ($)</text>');
    expect(buildWeeklyChartSvg(daily([1, 1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0], [10, 20, 30, 40, 50, 60, 70]))).toContain('Views (lower panel)');
    expect(buildWeeklyChartSvg([{ date: '2026-11-23', clicks: 1, views: null, earnings: 0 }], { title: 'a < b & c' })).toContain('a &lt; b &amp; c');
  });

  it('picks nice axis steps', () => {
    expect(niceStep(2.2, 'count')).toBe(5);
    expect(niceStep(24, 'count')).toBe(25);
    expect(niceStep(0.3, 'count')).toBe(1);
    expect(niceStep(3.78, 'money')).toBe(5);
    expect(niceStep(0.034, 'money')).toBe(0.05);
    expect(niceStep(0, 'money')).toBe(0.01);
  });

  it('renders a 1200x675 PNG that is not blank, quickly', async () => {
    const withViews = daily([42, 57, 31, 88, 120, 96, 64], [3.2, 5.75, 0, 12.4, 18.9, 9.1, 6.35], [2100, 3400, 1800, null, 8100, 6900, 4000]);
    const t0 = performance.now();
    const png = await renderWeeklyChartPng(withViews);
    const ms = performance.now() - t0;
    console.log(`renderWeeklyChartPng: ${ms.toFixed(0)} ms, ${png.length} bytes`);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1200); // IHDR width
    expect(png.readUInt32BE(20)).toBe(675); // IHDR height
    const img = decodePng(png);
    expect([img.width, img.height]).toEqual([1200, 675]);
    const stats = colorStats(img);
    expect(stats.corner).toEqual([255, 255, 255]); // white background
    expect(stats.distinct).toBeGreaterThan(50); // anti-aliased text and several series colors
    expect(stats.nonWhiteShare).toBeGreaterThan(0.05);
    expect(stats.nonWhiteShare).toBeLessThan(0.6);
    expect(stats.has(clicksBlue)).toBe(true);
    expect(stats.has(earningsGreen)).toBe(true);
    expect(stats.has(viewsOrange)).toBe(true);
  });

  it('renders a chart without views: no views line, still bars and earnings', async () => {
    const stats = colorStats(decodePng(await renderWeeklyChartPng(busy)));
    expect(stats.has(clicksBlue)).toBe(true);
    expect(stats.has(earningsGreen)).toBe(true);
    expect(stats.has(viewsOrange)).toBe(false);
  });

  it('renders all-zero data with axes and labels', async () => {
    const zero = daily([0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0]);
    const svg = buildWeeklyChartSvg(zero);
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(svg).toContain('>5</text>');
    expect(svg).toContain('>$5</text>');
    expect(svg).toContain('No clicks or earnings recorded this week');
    const img = decodePng(await renderWeeklyChartPng(zero, { width: 800, height: 450 }));
    expect([img.width, img.height]).toEqual([800, 450]);
    const stats = colorStats(img);
    expect(stats.distinct).toBeGreaterThan(20);
    expect(stats.nonWhiteShare).toBeGreaterThan(0.01);
  });

  it('renders an empty series', async () => {
    const svg = buildWeeklyChartSvg([]);
    expect(svg).toContain('No data for this period');
    expect(svg).not.toMatch(/NaN|Infinity/);
    const img = decodePng(await renderWeeklyChartPng([]));
    expect(colorStats(img).nonWhiteShare).toBeGreaterThan(0.005);
  });
});
