import { describe, expect, it } from 'vitest';
import { decideStrategy, type ProductPerformance } from '../../src/domain/optimize.js';
import { cronMatches, parseCron } from '../../src/temporal/cron-fallback.js';

const t = { killThreshold: 0.3, scaleThreshold: 2, scaleFactor: 1.5, maxSelectionWeight: 5, minVideos: 2, minVideosPerVariant: 3 };
const product = (over: Partial<ProductPerformance>): ProductPerformance => ({
  productId: 'p',
  asin: 'B000000000',
  title: 'Thing',
  status: 'ACTIVE',
  clicks: 0,
  views: null,
  earnings: 0,
  cost: 1,
  roi: 0,
  videos: 2,
  selectionWeight: 1,
  ...over,
});

describe('decideStrategy', () => {
  it('archives a product below the kill threshold once it has enough videos, with the numbers in the reason', () => {
    const [d] = decideStrategy([product({ productId: 'loser', asin: 'B0LOSER001', earnings: 0.2, cost: 1, roi: 0.2, videos: 3 })], [], t);
    expect(d).toMatchObject({ kind: 'archive', productId: 'loser' });
    expect(d.reason).toBe('ROI 20 % is below the kill threshold of 30 % (earnings $0.20 on cost $1.00 over 3 videos)');
  });

  it('waits for enough data before archiving', () => {
    expect(decideStrategy([product({ roi: 0, videos: 1 })], [], t).filter((d) => d.kind === 'archive')).toEqual([]);
  });

  it('scales a winner above the scale threshold by the factor, capped', () => {
    const [d] = decideStrategy([product({ productId: 'win', roi: 3.5, earnings: 3.5, cost: 1, selectionWeight: 4 })], [], t);
    expect(d).toMatchObject({ kind: 'scale', productId: 'win', fromWeight: 4, toWeight: 5 });
    expect(d.reason).toMatch(/ROI 350 % is above the scale threshold of 200 %.*selection weight 4 → 5/);
    expect(decideStrategy([product({ roi: 3, selectionWeight: 5 })], [], t).filter((x) => x.kind === 'scale')).toEqual([]);
  });

  it('leaves products without cost (ROI unknown), archived ones, and the middle ground alone', () => {
    const ds = decideStrategy([product({ roi: null }), product({ status: 'ARCHIVED', roi: 0 }), product({ roi: 1 })], [], t);
    expect(ds.map((d) => d.kind)).toEqual(['keep-variants']);
  });

  it('promotes the template with the most clicks per view', () => {
    const d = decideStrategy(
      [],
      [
        { variant: 'a', videos: 3, clicks: 30, views: 1000 },
        { variant: 'b', videos: 4, clicks: 30, views: 500 },
      ],
      t,
    ).at(-1)!;
    expect(d).toMatchObject({ kind: 'promote-variant', variant: 'b', metric: 'clicksPerView', scores: { a: 0.03, b: 0.06 } });
    expect(d.reason).toBe('"b" leads on clicks per view: b 6.00 %, a 3.00 %');
  });

  it('falls back to clicks per video without view data, and says so', () => {
    const d = decideStrategy(
      [],
      [
        { variant: 'a', videos: 3, clicks: 9, views: null },
        { variant: 'b', videos: 3, clicks: 3, views: null },
      ],
      t,
    ).at(-1)!;
    expect(d).toMatchObject({ kind: 'promote-variant', variant: 'a', metric: 'clicksPerVideo' });
    expect(d.reason).toMatch(/no platform view data/);
  });

  it('keeps the templates when there is not enough data or no leader', () => {
    expect(
      decideStrategy(
        [],
        [
          { variant: 'a', videos: 2, clicks: 9, views: null },
          { variant: 'b', videos: 3, clicks: 3, views: null },
        ],
        t,
      ).at(-1)!.kind,
    ).toBe('keep-variants');
    expect(
      decideStrategy(
        [],
        [
          { variant: 'a', videos: 3, clicks: 3, views: null },
          { variant: 'b', videos: 3, clicks: 3, views: null },
        ],
        t,
      ).at(-1)!.reason,
    ).toMatch(/No template is ahead/);
  });
});

describe('cron fallback', () => {
  it('matches midnight daily and Sundays in the configured time zone', () => {
    const daily = parseCron('0 0 * * *');
    expect(cronMatches(daily, new Date('2026-11-27T00:00:30Z'), 'UTC')).toBe(true);
    expect(cronMatches(daily, new Date('2026-11-27T00:01:00Z'), 'UTC')).toBe(false);
    expect(cronMatches(daily, new Date('2026-11-27T05:00:00Z'), 'America/New_York')).toBe(true);
    const sundays = parseCron('0 0 * * 7');
    expect(cronMatches(sundays, new Date('2026-11-29T00:00:00Z'), 'UTC')).toBe(true);
    expect(cronMatches(sundays, new Date('2026-11-28T00:00:00Z'), 'UTC')).toBe(false);
  });
  it('understands lists, ranges and steps, and rejects nonsense', () => {
    expect([...parseCron('*/15 9-17 1,15 * 1-5')[0]]).toEqual([0, 15, 30, 45]);
    expect(() => parseCron('0 0 * *')).toThrow(/5-field/);
    expect(() => parseCron('61 0 * * *')).toThrow(/out of range/);
  });
});
