import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { collectAnalytics, NO_VIEWS_NOTE, type AnalyticsResult } from '../../src/analytics/collect.js';
import { recordCost } from '../../src/analytics/costs.js';
import { importEarnings } from '../../src/analytics/earnings-import.js';
import { createDb, type Db } from '../../src/db.js';
import { PROJECT_ROOT } from '../../src/embedded/migrate.js';
import { main } from '../../scripts/import-earnings.js';
import { createTestDatabase } from '../support/harness.js';

const FIXTURE = path.join(PROJECT_ROOT, 'test/fixtures/earnings/fee-earnings-2026-11.csv');
const OUR_TAG = 'affiliateempire-20';
const at = (iso: string) => new Date(iso);

/**
 * The data set (period under test: 2026-11-01T00:00Z to 2026-11-08T00:00Z, 7 days):
 *
 * Products: P1 B0TESTAAA1, P2 B0TESTAAA2, P3 B0TESTAAA3 (content but no video),
 *           P4 B0TESTAAA4 (no activity at all), P5 B0TESTAAA5 (only a video created in the period).
 * Videos:   V1 (P1, "problem-solution"), V3 (P1, "question-hook"), V2 (P2, "listicle") created in
 *           October; V5 (P5, "problem-solution") created 2026-11-04.
 * Clicks:   V1: 3 YOUTUBE (11-01, 11-02, 11-02), 1 TIKTOK (11-03), 2 bots (11-02)
 *           V3: 2 INSTAGRAM (11-05)
 *           V2: 1 YOUTUBE 11-07 23:59:59.999 (in), 1 at 11-08 00:00 (out), 1 at 10-31 (out)
 *           P3's code without a video: 1 YOUTUBE (11-04)
 *           unknown code ZZZZZZZZ without platform: 1 (11-04), 1 bot (11-06)
 *           not counted (counted = false; see the redirect route), never in any clicks figure:
 *           V1 2 repeats (11-02), V2 1 burst (11-07), P3's code 1 repeat (11-04),
 *           the unknown code 1 repeat (11-04): filteredClicks 5
 * Views:    one snapshot with views: V1 on YOUTUBE, 11-02, 1500 views; V1 on TIKTOK has views null;
 *           a 999-view snapshot on 10-31 is outside the period.
 * Earnings: the fixture report (see test/fixtures/earnings): in the period, for our tag:
 *           P1: 2 identical orders on 11-03, 24.99 revenue / 1.00 fee each
 *           P2: 1 order on 11-05 (1,299.00 / 58.46), an adjustment on 11-06 (-25.00 / -1.20)
 *           B0NOTINCAT (not in the catalog): 11-07 (149.99 / 4.50)
 *           plus someoneelse-21 (1.20, ignored) and P1's return on 11-10 (outside the period).
 * Costs:    P1 0.35 + 0.0125, P2 0.40 (+ 5.00 on 10-30, outside), P3 0.05, hosting 1.00 (no product).
 */
describe('collectAnalytics on a real database', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url);

    for (const n of [1, 2, 3, 4, 5]) {
      const p = await db.product.create({
        data: {
          asin: `B0TESTAAA${n}`,
          title: `Product ${n}`,
          brand: 'Brand',
          category: n === 2 ? 'Home & Kitchen' : 'Electronics',
          price: '19.99',
          commissionRate: '0.04',
          detailPageUrl: `https://www.amazon.com/dp/B0TESTAAA${n}`,
        },
      });
      ids[`P${n}`] = p.id;
    }
    const content = async (name: string, product: string, variant: string, code: string) => {
      const c = await db.content.create({
        data: {
          productId: ids[product],
          language: 'en',
          templateVariant: variant,
          hook: 'Hook',
          script: 'Script',
          title: 'Title',
          description: 'Description',
          trackingCode: code,
          workflowId: 'daily-2026-10-25',
          runId: name,
        },
      });
      ids[name] = c.id;
    };
    await content('C1', 'P1', 'problem-solution', 'AAAAAAA1');
    await content('C2', 'P2', 'listicle', 'AAAAAAA2');
    await content('C3', 'P1', 'question-hook', 'AAAAAAA3');
    await content('C5', 'P5', 'problem-solution', 'AAAAAAA5');
    await content('C6', 'P3', 'listicle', 'AAAAAAA6');
    const video = async (name: string, contentName: string, product: string, createdAt: string) => {
      const v = await db.video.create({ data: { contentId: ids[contentName], productId: ids[product], status: 'PUBLISHED', createdAt: at(createdAt) } });
      ids[name] = v.id;
    };
    await video('V1', 'C1', 'P1', '2026-10-25T10:00:00Z');
    await video('V2', 'C2', 'P2', '2026-10-25T10:00:00Z');
    await video('V3', 'C3', 'P1', '2026-10-26T10:00:00Z');
    await video('V5', 'C5', 'P5', '2026-11-04T10:00:00Z');
    const publish = async (name: string, videoName: string, platform: 'YOUTUBE' | 'TIKTOK' | 'INSTAGRAM') => {
      const p = await db.publication.create({
        data: { videoId: ids[videoName], platform, status: 'PUBLISHED', publishedAt: at('2026-10-26T12:00:00Z') },
      });
      ids[name] = p.id;
    };
    await publish('PUB1yt', 'V1', 'YOUTUBE');
    await publish('PUB1tt', 'V1', 'TIKTOK');
    await publish('PUB3ig', 'V3', 'INSTAGRAM');
    await publish('PUB2yt', 'V2', 'YOUTUBE');

    const click = (
      video: string | null,
      code: string,
      platform: 'YOUTUBE' | 'TIKTOK' | 'INSTAGRAM' | null,
      when: string,
      isBot = false,
      flag?: 'repeat' | 'burst',
    ) => ({
      videoId: video ? ids[video] : null,
      code,
      platform,
      isBot,
      clickedAt: at(when),
      ...(isBot ? { counted: false, flag: 'bot' } : flag ? { counted: false, flag } : {}),
    });
    await db.clickEvent.createMany({
      data: [
        click('V1', 'AAAAAAA1-yt', 'YOUTUBE', '2026-11-01T10:00:00Z'),
        click('V1', 'AAAAAAA1-yt', 'YOUTUBE', '2026-11-02T10:00:00Z'),
        click('V1', 'AAAAAAA1-yt', 'YOUTUBE', '2026-11-02T11:00:00Z'),
        click('V1', 'AAAAAAA1-tt', 'TIKTOK', '2026-11-03T09:00:00Z'),
        click('V1', 'AAAAAAA1-yt', 'YOUTUBE', '2026-11-02T12:00:00Z', true),
        click('V1', 'AAAAAAA1-yt', 'YOUTUBE', '2026-11-02T12:00:01Z', true),
        click('V3', 'AAAAAAA3-ig', 'INSTAGRAM', '2026-11-05T08:00:00Z'),
        click('V3', 'AAAAAAA3-ig', 'INSTAGRAM', '2026-11-05T20:00:00Z'),
        click('V2', 'AAAAAAA2-yt', 'YOUTUBE', '2026-11-07T23:59:59.999Z'),
        click('V2', 'AAAAAAA2-yt', 'YOUTUBE', '2026-11-08T00:00:00Z'),
        click('V2', 'AAAAAAA2-yt', 'YOUTUBE', '2026-10-31T23:59:00Z'),
        click(null, 'AAAAAAA6-yt', 'YOUTUBE', '2026-11-04T10:00:00Z'),
        click(null, 'ZZZZZZZZ', null, '2026-11-04T11:00:00Z'),
        click(null, 'ZZZZZZZZ', null, '2026-11-06T11:00:00Z', true),
        click('V1', 'AAAAAAA1-yt', 'YOUTUBE', '2026-11-02T10:00:05Z', false, 'repeat'),
        click('V1', 'AAAAAAA1-tt', 'TIKTOK', '2026-11-02T10:00:09Z', false, 'repeat'),
        click('V2', 'AAAAAAA2-yt', 'YOUTUBE', '2026-11-07T12:00:00Z', false, 'burst'),
        click(null, 'AAAAAAA6-yt', 'YOUTUBE', '2026-11-04T10:00:30Z', false, 'repeat'),
        click(null, 'ZZZZZZZZ', null, '2026-11-04T11:00:30Z', false, 'repeat'),
      ],
    });

    await db.analyticsSnapshot.createMany({
      data: [
        { productId: ids.P1, publicationId: ids.PUB1yt, platform: 'YOUTUBE', date: at('2026-11-02'), views: 1500, source: 'test' },
        { productId: ids.P1, publicationId: ids.PUB1tt, platform: 'TIKTOK', date: at('2026-11-02'), views: null, source: 'outbox' },
        { productId: ids.P1, publicationId: ids.PUB1yt, platform: 'YOUTUBE', date: at('2026-10-31'), views: 999, source: 'test' },
      ],
    });

    const result = await importEarnings(db, readFileSync(FIXTURE, 'utf8'), 'fee-earnings-2026-11.csv');
    expect(result).toMatchObject({ imported: 7, duplicates: 0 });
    expect(result.errors).toHaveLength(6);

    const costs = [
      { key: 'video:V1:render', kind: 'VIDEO', productId: ids.P1, videoId: ids.V1, provider: 'ffmpeg-local', amount: 0.35, at: at('2026-11-01T06:00:00Z') },
      { key: 'openai:req-1', kind: 'API_CALL', productId: ids.P1, provider: 'openai', amount: 0.0125, at: at('2026-11-02T06:00:00Z') },
      { key: 'video:V2:render', kind: 'VIDEO', productId: ids.P2, videoId: ids.V2, amount: 0.4, at: at('2026-11-03T06:00:00Z') },
      { key: 'video:V2:old', kind: 'VIDEO', productId: ids.P2, amount: 5, at: at('2026-10-30T06:00:00Z') },
      { key: 'openai:req-2', kind: 'API_CALL', productId: ids.P3, provider: 'openai', amount: 0.05, at: at('2026-11-04T06:00:00Z') },
      { key: 'hosting:2026-11', kind: 'OTHER', provider: 'vps', amount: 1, at: at('2026-11-05T00:00:00Z') },
    ] as const;
    for (const c of costs) expect(await recordCost(db, { ...c })).toEqual({ created: true });
    // A retried activity records the same cost again: stored once.
    expect(await recordCost(db, { ...costs[0], amount: 0.35 })).toEqual({ created: false });
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    await db?.$disconnect();
    await database?.drop();
  });

  const week = () => collectAnalytics(db, { from: at('2026-11-01T00:00:00Z'), to: at('2026-11-08T00:00:00Z'), partnerTags: [OUR_TAG] });

  it('computes the totals exactly as by hand', async () => {
    const r = await week();
    expect(r.period).toEqual({ from: at('2026-11-01T00:00:00Z'), to: at('2026-11-08T00:00:00Z') });
    expect(r.totals).toEqual({
      clicks: 9, // V1 4 + V3 2 + V2 1 + P3's code 1 + unknown code 1
      botClicks: 3, // V1 2 + unknown code 1
      filteredClicks: 5, // V1 2 repeats + V2 1 burst + P3's code 1 repeat + unknown code 1 repeat
      views: 1500, // the one snapshot with views in the period
      revenue: 1473.97, // P1 24.99 × 2 + P2 (1299.00 − 25.00) + not-in-catalog 149.99
      earnings: 63.76, // P1 1.00 × 2 + P2 (58.46 − 1.20) + not-in-catalog 4.50
      cost: 1.8125, // P1 0.35 + 0.0125, P2 0.40, P3 0.05, hosting 1.00
      roi: 35.1779, // 63.76 / 1.8125 = 35.177931…
    });
  });

  it('computes per-product figures and ROI exactly as by hand, listing only products with activity', async () => {
    const r = await week();
    const base = (n: number) => ({ productId: ids[`P${n}`], asin: `B0TESTAAA${n}`, title: `Product ${n}`, status: 'ACTIVE' });
    expect(r.byProduct).toEqual([
      // sorted by earnings, then clicks
      { ...base(2), category: 'Home & Kitchen', clicks: 1, views: null, orders: 1, revenue: 1274, earnings: 57.26, cost: 0.4, roi: 143.15 }, // 57.26 / 0.40
      { ...base(1), category: 'Electronics', clicks: 6, views: 1500, orders: 2, revenue: 49.98, earnings: 2, cost: 0.3625, roi: 5.5172 }, // 2.00 / 0.3625 = 5.517241…
      { ...base(3), category: 'Electronics', clicks: 1, views: null, orders: 0, revenue: 0, earnings: 0, cost: 0.05, roi: 0 }, // a click through its code, a cost
      { ...base(5), category: 'Electronics', clicks: 0, views: null, orders: 0, revenue: 0, earnings: 0, cost: 0, roi: null }, // only a video created in the period
    ]);
    expect(r.byProduct.some((p) => p.asin === 'B0TESTAAA4')).toBe(false);
  });

  it('computes per-video, per-platform and daily figures', async () => {
    const r = await week();
    expect(r.byVideo).toEqual([
      { videoId: ids.V1, productId: ids.P1, templateVariant: 'problem-solution', clicks: 4, views: 1500 },
      { videoId: ids.V3, productId: ids.P1, templateVariant: 'question-hook', clicks: 2, views: null },
      { videoId: ids.V2, productId: ids.P2, templateVariant: 'listicle', clicks: 1, views: null },
      { videoId: ids.V5, productId: ids.P5, templateVariant: 'problem-solution', clicks: 0, views: null },
    ]);
    expect(r.byPlatform).toEqual([
      { platform: 'YOUTUBE', clicks: 5, views: 1500 }, // V1 3 + V2 1 + P3's code 1
      { platform: 'TIKTOK', clicks: 1, views: null },
      { platform: 'INSTAGRAM', clicks: 2, views: null },
      { platform: null, clicks: 1, views: null }, // the unknown code without a platform suffix
    ]);
    expect(r.daily).toEqual([
      { date: '2026-11-01', clicks: 1, views: null, earnings: 0 },
      { date: '2026-11-02', clicks: 2, views: 1500, earnings: 0 },
      { date: '2026-11-03', clicks: 1, views: null, earnings: 2 },
      { date: '2026-11-04', clicks: 2, views: null, earnings: 0 },
      { date: '2026-11-05', clicks: 2, views: null, earnings: 58.46 },
      { date: '2026-11-06', clicks: 0, views: null, earnings: -1.2 },
      { date: '2026-11-07', clicks: 1, views: null, earnings: 4.5 },
    ]);
    // The breakdowns add up to the totals.
    expect(r.daily.reduce((s, d) => s + d.clicks, 0)).toBe(r.totals.clicks);
    expect(r.byPlatform.reduce((s, p) => s + p.clicks, 0)).toBe(r.totals.clicks);
    expect(Math.round(r.daily.reduce((s, d) => s + d.earnings, 0) * 100) / 100).toBe(r.totals.earnings);
  });

  it('explains what it left out or could not know', async () => {
    const r = await week();
    expect(r.notes).toEqual([
      'Views are reported only for YOUTUBE; null means unknown, not zero',
      'Ignored 1 earnings record (1.20) of tracking id someoneelse-21, which is not one of ours',
      '4.50 of earnings are for 1 ASIN not in the catalog: counted in the totals, not per product',
      '1.0000 of cost (1 entry) has no known product: counted in the totals, not per product',
      '5 clicks were not counted: repeats of a link by the same visitor on the same day, or bursts of requests',
      '1 click carries a tracking code of no known content: counted in the totals only',
    ]);
  });

  it('says views are unknown (null, never 0) when no snapshot has views', async () => {
    // 11-08 to 11-11: V2's boundary click, P1's return on 11-10, no snapshot at all.
    const r: AnalyticsResult = await collectAnalytics(db, { from: at('2026-11-08T00:00:00Z'), to: at('2026-11-11T00:00:00Z'), partnerTags: [OUR_TAG] });
    expect(r.totals).toEqual({ clicks: 1, botClicks: 0, filteredClicks: 0, views: null, revenue: -24.99, earnings: -1, cost: 0, roi: null });
    expect(r.notes).toContain(NO_VIEWS_NOTE);
    expect(r.byPlatform.every((p) => p.views === null)).toBe(true);
    expect(r.daily).toEqual([
      { date: '2026-11-08', clicks: 1, views: null, earnings: 0 },
      { date: '2026-11-09', clicks: 0, views: null, earnings: 0 },
      { date: '2026-11-10', clicks: 0, views: null, earnings: -1 },
    ]);
    expect(r.byProduct.map((p) => [p.asin, p.clicks, p.orders, p.earnings, p.roi])).toEqual([
      ['B0TESTAAA2', 1, 0, 0, null],
      ['B0TESTAAA1', 0, 0, -1, null],
    ]);
  });

  it('counts only the given partner tags', async () => {
    const theirs = await collectAnalytics(db, { from: at('2026-11-01T00:00:00Z'), to: at('2026-11-08T00:00:00Z'), partnerTags: ['someoneelse-21'] });
    expect(theirs.totals).toMatchObject({ revenue: 39.98, earnings: 1.2 });
    const none = await collectAnalytics(db, { from: at('2026-11-01T00:00:00Z'), to: at('2026-11-08T00:00:00Z'), partnerTags: [] });
    expect(none.totals).toMatchObject({ revenue: 0, earnings: 0, clicks: 9 });
    expect(none.notes).toContain('No partner tags given: no earnings are counted');
  });

  it('returns zero-filled days for an empty period and rejects a reversed one', async () => {
    const r = await collectAnalytics(db, { from: at('2025-01-01T00:00:00Z'), to: at('2025-01-03T00:00:00Z'), partnerTags: [OUR_TAG] });
    expect(r.totals).toEqual({ clicks: 0, botClicks: 0, filteredClicks: 0, views: null, revenue: 0, earnings: 0, cost: 0, roi: null });
    expect(r.byProduct).toEqual([]);
    expect(r.byVideo).toEqual([]);
    expect(r.daily.map((d) => d.date)).toEqual(['2025-01-01', '2025-01-02']);
    await expect(collectAnalytics(db, { from: at('2026-11-08T00:00:00Z'), to: at('2026-11-01T00:00:00Z'), partnerTags: [] })).rejects.toThrow(RangeError);
  });

  describe('npm run import:earnings into the database', () => {
    beforeAll(() => {
      vi.stubEnv('DATABASE_URL', database.url);
      vi.spyOn(console, 'log').mockImplementation(() => {});
      vi.spyOn(console, 'error').mockImplementation(() => {});
    });

    it('re-importing the same report changes nothing (exit 1: it has bad rows)', async () => {
      const before = await db.earningsRecord.findMany({ orderBy: { rowHash: 'asc' } });
      expect(before).toHaveLength(7);
      // the two identical lines 3 and 5 are both kept
      expect(before.filter((r) => r.asin === 'B0TESTAAA1' && r.date.toISOString().startsWith('2026-11-03'))).toHaveLength(2);

      const log = vi.mocked(console.log);
      log.mockClear();
      expect(await main([FIXTURE])).toBe(1);
      expect(log.mock.calls.flat().join('\n')).toContain('imported: 0 new, 7 already imported');
      const after = await db.earningsRecord.findMany({ orderBy: { rowHash: 'asc' } });
      expect(after).toEqual(before);

      const again = await importEarnings(db, readFileSync(FIXTURE, 'utf8'), 'copy.csv');
      expect(again).toMatchObject({ imported: 0, duplicates: 7 });
      expect(await week()).toEqual(await week());
      expect((await week()).totals.earnings).toBe(63.76);
    });

    it('exit 0 for a clean report, 2 for an unusable one, and --dry-run writes nothing', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'earnings-cli-'));
      const clean = path.join(dir, 'clean.tsv');
      await writeFile(
        clean,
        [
          'Fee-Earnings reports from 01-01-2025 to 01-31-2025',
          'Category\tName\tASIN\tSeller\tTracking ID\tDate Shipped\tPrice($)\tItems Shipped\tReturns\tRevenue($)\tAd Fees($)\tDevice Type Group',
          'Toys\tPuzzle\tB0TESTAAA4\tAmazon.com\taffiliateempire-20\t2025-01-15 10:00:00\t9.99\t1\t0\t9.99\t0.30\tPHONE',
        ].join('\n'),
      );
      expect(await main([clean, '--dry-run'])).toBe(0);
      expect(await db.earningsRecord.count()).toBe(7);
      expect(await main([clean])).toBe(0);
      expect(await db.earningsRecord.count()).toBe(8);
      expect(await db.earningsRecord.findFirst({ where: { asin: 'B0TESTAAA4' } })).toMatchObject({ sourceFile: 'clean.tsv', earnings: expect.anything() });

      const broken = path.join(dir, 'broken.csv');
      await writeFile(broken, 'Fee-Earnings reports\nASIN,Tracking ID\nB0TESTAAA4,affiliateempire-20\n');
      expect(await main([broken])).toBe(2);
      expect(await main([])).toBe(2);
      expect(await db.earningsRecord.count()).toBe(8);
    });
  });
});
