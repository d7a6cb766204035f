import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collectAnalytics } from '../../src/analytics/collect.js';
import { handleError } from '../../src/api/errors.js';
import { CLIENT_BURST_MAX, CLIENT_REQUESTS_PER_MINUTE, LINK_BURST_MAX, redirectRoutes } from '../../src/api/routes/redirect.js';
import { createDb, type Db } from '../../src/db.js';
import type { MediaStorage } from '../../src/providers/storage/types.js';
import { analyticsActivities } from '../../src/temporal/activities/analytics.js';
import { createTestDatabase } from '../support/harness.js';

/**
 * "Clicks cannot be inflated cheaply": GET /r/:code through a real Fastify app (trusting
 * X-Forwarded-For, so each test can be its own client) on a real PostgreSQL. Every test uses
 * links and client addresses of its own, so the burst windows of one test never touch another.
 */
const TAG = 'testtag-20';
const BROWSER_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
/** Noon UTC on a fixed day: no test can straddle midnight (the IP-hash salt and ClickCount day change there). */
const BASE = Date.parse('2026-12-01T12:00:00Z');
/** More than any window (burst windows, the rate limiter's refill): what separates one test from the next. */
const APART_MS = 5 * 60_000;

describe('click limits on GET /r/:code', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  let app: FastifyInstance;
  let productId: string;
  /** The route's clock: it stands still unless a test moves it, so windows and refills are exact. */
  let nowMs = BASE;
  const clock = () => new Date(nowMs);
  let links = 0;

  /** A new tracked link (content + video) for `variant`; returns its code. */
  async function newLink(variant = 'problem-solution'): Promise<{ code: string; videoId: string }> {
    const code = `Lnk${String(++links).padStart(5, '0')}`;
    const content = await db.content.create({
      data: { productId, language: 'en', templateVariant: variant, hook: 'h', script: 's', title: 't', description: 'd', trackingCode: code },
    });
    const video = await db.video.create({ data: { contentId: content.id, productId, status: 'PUBLISHED', createdAt: clock() } });
    return { code, videoId: video.id };
  }

  const get = (path: string, ip: string, ua = BROWSER_UA) => app.inject({ method: 'GET', url: path, headers: { 'user-agent': ua, 'x-forwarded-for': ip } });

  const rowsOf = (code: string) =>
    db.clickEvent.findMany({
      where: { code: { startsWith: code } },
      orderBy: { id: 'asc' },
      select: { code: true, counted: true, flag: true, isBot: true, ipHash: true },
    });

  const expectRedirect = (r: { statusCode: number; headers: Record<string, unknown> }) => {
    expect(r.statusCode).toBe(302);
    expect(new URL(r.headers.location as string).searchParams.get('tag')).toBe(TAG);
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url);
    productId = (
      await db.product.create({
        data: {
          asin: 'B0CLICKS01',
          title: 'Voltix PowerCore Slim 10000mAh Portable Charger',
          brand: 'Voltix',
          category: 'Electronics',
          price: 25.99,
          commissionRate: 0.04,
          imageUrls: [],
          detailPageUrl: 'https://www.amazon.com/dp/B0CLICKS01',
        },
      })
    ).id;
    app = Fastify({ logger: false, trustProxy: true });
    app.setErrorHandler(handleError);
    // A generous click timeout: every response comes after its click is stored, so counts are exact.
    redirectRoutes(app, { db, partnerTag: TAG, clickTimeoutMs: 10_000, now: clock });
    await app.ready();
  });

  beforeEach(() => {
    nowMs += APART_MS;
  });

  afterAll(async () => {
    await app?.close();
    await db?.$disconnect();
    await database?.drop();
  });

  it('10 requests for one link from one client in a day: 10 redirects, 1 counted click (the platform suffix is the same link)', async () => {
    const { code } = await newLink();
    const paths = [`/r/${code}-yt`, `/r/${code}`, `/r/${code}-tt`, `/r/${code}-ig`];
    for (let i = 0; i < 10; i++) expectRedirect(await get(paths[i % paths.length], '203.0.113.10'));

    const rows = await rowsOf(code);
    expect(rows).toHaveLength(10);
    expect(rows.filter((r) => r.counted)).toHaveLength(1);
    expect(rows[0]).toMatchObject({ code: `${code}-yt`, counted: true, flag: null });
    // The next CLIENT_BURST_MAX - 1 are repeats; from the (CLIENT_BURST_MAX + 1)th within a minute on, bursts.
    expect(rows.map((r) => r.flag)).toEqual([null, ...Array(CLIENT_BURST_MAX - 1).fill('repeat'), ...Array(10 - CLIENT_BURST_MAX).fill('burst')]);
    expect(new Set(rows.map((r) => r.ipHash)).size).toBe(1);
    expect(await db.clickCount.count({ where: { code } })).toBe(1);

    // Once the minute has passed, the same client is a repeat again, not a burst; still not counted.
    nowMs += 61_000;
    expectRedirect(await get(`/r/${code}-yt`, '203.0.113.10'));
    expect((await rowsOf(code)).at(-1)).toMatchObject({ counted: false, flag: 'repeat' });
  });

  it('two links from one client: each is counted once', async () => {
    const a = await newLink();
    const b = await newLink();
    for (let i = 0; i < 3; i++) {
      expectRedirect(await get(`/r/${a.code}-yt`, '203.0.113.20'));
      expectRedirect(await get(`/r/${b.code}-yt`, '203.0.113.20'));
    }
    for (const l of [a, b]) {
      const rows = await rowsOf(l.code);
      expect(rows.map((r) => [r.counted, r.flag])).toEqual([
        [true, null],
        [false, 'repeat'],
        [false, 'repeat'],
      ]);
    }
    // Another client on the same link counts too.
    expectRedirect(await get(`/r/${a.code}-yt`, '203.0.113.21'));
    expect((await rowsOf(a.code)).at(-1)).toMatchObject({ counted: true, flag: null });
  });

  it(`a burst on one link from many clients (more than ${LINK_BURST_MAX} in 10 s) is flagged burst and not counted, every request redirected`, async () => {
    const { code } = await newLink();
    const n = LINK_BURST_MAX + 5;
    for (let i = 0; i < n; i++) expectRedirect(await get(`/r/${code}-tt`, `198.51.100.${i + 1}`));

    const rows = await rowsOf(code);
    expect(rows).toHaveLength(n);
    // Each request is its client's first of the day: only the burst rule keeps the last ones out.
    expect(rows.map((r) => r.flag)).toEqual([...Array(LINK_BURST_MAX).fill(null), ...Array(n - LINK_BURST_MAX).fill('burst')]);
    expect(rows.filter((r) => r.counted)).toHaveLength(LINK_BURST_MAX);
    expect(await db.clickCount.count({ where: { code } })).toBe(LINK_BURST_MAX);

    // A burst is not a claim: the same client, after the burst window, still gets its one counted click.
    nowMs += 11_000;
    expectRedirect(await get(`/r/${code}`, `198.51.100.${n}`));
    expect((await rowsOf(code)).at(-1)).toMatchObject({ counted: true, flag: null });
  });

  it(`over the per-client rate limit (${CLIENT_REQUESTS_PER_MINUTE} a minute across links): still 302, but nothing more is written`, async () => {
    const links = [await newLink(), await newLink(), await newLink()];
    const ip = '192.0.2.77';
    const rowCount = () => db.clickEvent.count({ where: { code: { in: links.flatMap((l) => [l.code, `${l.code}-yt`]) } } });
    for (let i = 0; i < CLIENT_REQUESTS_PER_MINUTE; i++) expectRedirect(await get(`/r/${links[i % 3].code}-yt`, ip));
    expect(await rowCount()).toBe(CLIENT_REQUESTS_PER_MINUTE);
    const countsBefore = await db.clickCount.count();

    for (let i = 0; i < 20; i++) expectRedirect(await get(`/r/${links[i % 3].code}-yt`, ip));
    expect(await rowCount()).toBe(CLIENT_REQUESTS_PER_MINUTE);
    expect(await db.clickCount.count()).toBe(countsBefore);
    // A new link from the limited client: redirected, not recorded.
    const fresh = await newLink();
    expectRedirect(await get(`/r/${fresh.code}`, ip));
    expect(await rowsOf(fresh.code)).toEqual([]);
    // Other clients are not affected.
    expectRedirect(await get(`/r/${fresh.code}`, '192.0.2.78'));
    expect(await rowsOf(fresh.code)).toMatchObject([{ counted: true, flag: null }]);

    // The bucket refills at the same rate: a second later there is room for one more request.
    nowMs += 1_000;
    expectRedirect(await get(`/r/${fresh.code}`, ip));
    expectRedirect(await get(`/r/${fresh.code}`, ip));
    expect(await rowsOf(fresh.code)).toHaveLength(2);
    expect((await rowsOf(fresh.code)).at(-1)).toMatchObject({ counted: true, flag: null });
  });

  it('bots are still flagged and never counted, and do not use up the visitor’s click', async () => {
    const { code } = await newLink();
    const ip = '203.0.113.40';
    for (const ua of ['curl/8.5.0', 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', ''])
      expectRedirect(await get(`/r/${code}-ig`, ip, ua));
    expectRedirect(await get(`/r/${code}-ig`, ip));
    expect((await rowsOf(code)).map((r) => [r.isBot, r.counted, r.flag])).toEqual([
      [true, false, 'bot'],
      [true, false, 'bot'],
      [true, false, 'bot'],
      [false, true, null],
    ]);
  });

  it('20 parallel requests for one link from one client: all redirected, exactly 1 counted', async () => {
    const { code } = await newLink();
    const suffixes = ['', '-yt', '-tt', '-ig'];
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => get(`/r/${code}${suffixes[i % 4]}`, '203.0.113.50')));
    for (const r of responses) expectRedirect(r);
    const rows = await rowsOf(code);
    expect(rows).toHaveLength(20);
    expect(rows.filter((r) => r.counted)).toHaveLength(1);
    expect(rows.filter((r) => !r.counted).every((r) => r.flag === 'repeat' || r.flag === 'burst')).toBe(true);
    expect(await db.clickCount.count({ where: { code } })).toBe(1);
  });

  it('20 parallel first requests from 20 clients on one link: each counted once (no lost or double counts)', async () => {
    const { code } = await newLink();
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => get(`/r/${code}-yt`, `100.64.0.${i + 1}`)));
    for (const r of responses) expectRedirect(r);
    const rows = await rowsOf(code);
    expect(rows).toHaveLength(20);
    expect(rows.filter((r) => r.counted)).toHaveLength(20);
  });

  it('IPv6: addresses in one /64 are one visitor, another /64 is another', async () => {
    const { code } = await newLink();
    expectRedirect(await get(`/r/${code}`, '2001:db8:1:2::1'));
    expectRedirect(await get(`/r/${code}`, '2001:db8:1:2:ffff:ffff:ffff:fffe'));
    expectRedirect(await get(`/r/${code}`, '2001:db8:1:3::1'));
    const rows = await rowsOf(code);
    expect(rows.map((r) => [r.counted, r.flag])).toEqual([
      [true, null],
      [false, 'repeat'],
      [true, null],
    ]);
    expect(rows[0].ipHash).toBe(rows[1].ipHash);
  });

  it('analytics and the optimizer count only counted clicks: hammering one template’s links does not make it win', async () => {
    // "hammered": 3 videos, one client requesting each link 10 times (30 requests, 3 counted).
    // "honest": 3 videos, two clients clicking each link once (6 requests, 6 counted).
    const from = clock();
    const hammered = [await newLink('hammered'), await newLink('hammered'), await newLink('hammered')];
    const honest = [await newLink('honest'), await newLink('honest'), await newLink('honest')];
    for (const l of hammered) for (let i = 0; i < 10; i++) expectRedirect(await get(`/r/${l.code}-yt`, '203.0.113.60'));
    for (const l of honest) for (const ip of ['203.0.113.61', '203.0.113.62']) expectRedirect(await get(`/r/${l.code}-yt`, ip));
    // A bot on an honest link: reported as a bot click, counted nowhere.
    expectRedirect(await get(`/r/${honest[0].code}-yt`, '203.0.113.63', 'python-requests/2.32'));
    const to = new Date(clock().getTime() + 1000);

    const period = { from, to, partnerTags: [TAG] };
    const a = await collectAnalytics(db, period);
    expect(a.totals).toMatchObject({ clicks: 3 + 6, botClicks: 1, filteredClicks: 30 - 3 });
    const clicksOf = (variant: string) => a.byVideo.filter((v) => v.templateVariant === variant).map((v) => v.clicks);
    expect(clicksOf('hammered')).toEqual([1, 1, 1]);
    expect(clicksOf('honest')).toEqual([2, 2, 2]);
    expect(a.notes).toContain('27 clicks were not counted: repeats of a link by the same visitor on the same day, or bursts of requests');

    const acts = analyticsActivities({ db, storage: {} as MediaStorage, partnerTags: [TAG], publicBaseUrl: 'http://127.0.0.1' });
    const result = await acts.optimizeStrategy({
      from: from.toISOString(),
      to: to.toISOString(),
      workflowId: 'weekly-clicks-test',
      killThreshold: 0.3,
      scaleThreshold: 2,
      scaleFactor: 1.5,
      maxSelectionWeight: 5,
      minVideos: 2,
      minVideosPerVariant: 3,
    });
    // Raw requests would be 10 per video against 2: counted clicks make "honest" the leader.
    expect(result.promotedVariant).toBe('honest');
    expect(result.variantReason).toContain('honest 2.00, hammered 1.00');
  });
});
