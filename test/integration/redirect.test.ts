import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleError } from '../../src/api/errors.js';
import { redirectRoutes } from '../../src/api/routes/redirect.js';
import { createDb, type Db } from '../../src/db.js';
import { freePort } from '../../src/embedded/temporal.js';
import { createTestDatabase } from '../support/harness.js';

const TAG = 'testtag-20';
const BROWSER_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const CLIENT_IP = '198.51.100.23';

function buildApp(db: Db): FastifyInstance {
  const app = Fastify({ logger: false, trustProxy: true });
  app.setErrorHandler(handleError);
  redirectRoutes(app, { db, partnerTag: TAG });
  return app;
}

describe('GET /r/:code', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  let app: FastifyInstance;
  let productId: string;
  let videoId: string;
  const code = 'Tr4ck1ng';
  const archivedCode = 'Arch1ved';
  const noVideoCode = 'NoV1deo0';

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url);
    const product = await db.product.create({
      data: {
        asin: 'B0JRTY546N',
        title: 'Voltix PowerCore Slim 10000mAh Portable Charger, USB-C Power Bank, Black',
        brand: 'Voltix',
        category: 'Electronics',
        price: 25.99,
        commissionRate: 0.04,
        rating: 4.4,
        reviewCount: 112115,
        imageUrls: [],
        detailPageUrl: 'https://www.amazon.com/dp/B0JRTY546N?tag=someoneelse-20&th=1',
      },
    });
    productId = product.id;
    const content = await db.content.create({
      data: {
        productId,
        language: 'en',
        templateVariant: 'problem-solution',
        hook: 'h',
        script: 's',
        title: 't',
        description: 'd',
        hashtags: ['#ad'],
        trackingCode: code,
        workflowId: 'wf-1',
      },
    });
    // Two videos: clicks go to the most recent one.
    await db.video.create({ data: { contentId: content.id, productId, status: 'READY', createdAt: new Date('2025-01-01T00:00:00Z') } });
    videoId = (await db.video.create({ data: { contentId: content.id, productId, status: 'PUBLISHED', createdAt: new Date('2025-01-02T00:00:00Z') } })).id;

    const archived = await db.product.create({
      data: {
        asin: 'B0ARCHIVED',
        title: 'Old Thing',
        brand: 'Oldco',
        category: 'Electronics',
        price: 10,
        commissionRate: 0.04,
        imageUrls: [],
        detailPageUrl: 'https://www.amazon.com/dp/B0ARCHIVED',
        status: 'ARCHIVED',
        archivedReason: 'discontinued',
      },
    });
    const archivedContent = await db.content.create({
      data: {
        productId: archived.id,
        language: 'en',
        templateVariant: 'deal-alert',
        hook: 'h',
        script: 's',
        title: 't',
        description: 'd',
        trackingCode: archivedCode,
      },
    });
    await db.video.create({ data: { contentId: archivedContent.id, productId: archived.id, status: 'PUBLISHED' } });
    await db.content.create({
      data: {
        productId,
        language: 'es',
        templateVariant: 'top-reasons',
        hook: 'h',
        script: 's',
        title: 't',
        description: 'd',
        trackingCode: noVideoCode,
        workflowId: 'wf-2',
      },
    });

    app = buildApp(db);
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await db?.$disconnect();
    await database?.drop();
  });

  const clicks = () => db.clickEvent.findMany({ orderBy: { id: 'asc' } });

  it('redirects a browser with our tag and records the click for the latest video with its platform', async () => {
    const before = (await clicks()).length;
    const r = await app.inject({ method: 'GET', url: `/r/${code}-tt`, headers: { 'user-agent': BROWSER_UA, 'x-forwarded-for': CLIENT_IP } });
    expect(r.statusCode).toBe(302);
    const location = new URL(r.headers.location as string);
    expect(location.host).toBe('www.amazon.com');
    expect(location.pathname).toBe('/dp/B0JRTY546N');
    expect(location.searchParams.getAll('tag')).toEqual([TAG]);
    expect(location.searchParams.get('th')).toBe('1');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['referrer-policy']).toBe('no-referrer-when-downgrade');
    expect(r.body).toBe('');

    const rows = await clicks();
    expect(rows).toHaveLength(before + 1);
    const click = rows[rows.length - 1];
    expect(click).toMatchObject({ videoId, code: `${code}-tt`, platform: 'TIKTOK', userAgent: BROWSER_UA, isBot: false, counted: true, flag: null });
    expect(click.ipHash).toMatch(/^[0-9a-f]{32}$/);
    expect(click.clickedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('records a link without a platform suffix with platform null', async () => {
    const r = await app.inject({ method: 'GET', url: `/r/${code}`, headers: { 'user-agent': BROWSER_UA } });
    expect(r.statusCode).toBe(302);
    const click = (await clicks()).at(-1)!;
    expect(click).toMatchObject({ code, platform: null, videoId, isBot: false });
  });

  it('marks curl and empty user agents as bots but still redirects them', async () => {
    const r = await app.inject({ method: 'GET', url: `/r/${code}-yt`, headers: { 'user-agent': 'curl/8.5.0' } });
    expect(r.statusCode).toBe(302);
    expect((await clicks()).at(-1)).toMatchObject({
      code: `${code}-yt`,
      platform: 'YOUTUBE',
      userAgent: 'curl/8.5.0',
      isBot: true,
      counted: false,
      flag: 'bot',
    });

    const r2 = await app.inject({ method: 'GET', url: `/r/${code}-ig`, headers: { 'user-agent': '' } });
    expect(r2.statusCode).toBe(302);
    expect((await clicks()).at(-1)).toMatchObject({ platform: 'INSTAGRAM', userAgent: null, isBot: true, counted: false, flag: 'bot' });
  });

  it('truncates a huge user agent to 512 characters', async () => {
    const ua = BROWSER_UA + ' X'.repeat(2000);
    const r = await app.inject({ method: 'GET', url: `/r/${code}`, headers: { 'user-agent': ua } });
    expect(r.statusCode).toBe(302);
    expect((await clicks()).at(-1)!.userAgent).toBe(ua.slice(0, 512));
  });

  it('answers HEAD (link previews) with the same redirect but does not count it', async () => {
    const before = (await clicks()).length;
    const r = await app.inject({ method: 'HEAD', url: `/r/${code}-tt`, headers: { 'user-agent': BROWSER_UA } });
    expect(r.statusCode).toBe(302);
    expect(new URL(r.headers.location as string).searchParams.get('tag')).toBe(TAG);
    expect(await clicks()).toHaveLength(before);
  });

  it('still redirects for an archived product (published videos keep working)', async () => {
    const r = await app.inject({ method: 'GET', url: `/r/${archivedCode}-yt`, headers: { 'user-agent': BROWSER_UA } });
    expect(r.statusCode).toBe(302);
    expect(r.headers.location).toBe(`https://www.amazon.com/dp/B0ARCHIVED?tag=${TAG}`);
    expect((await clicks()).at(-1)).toMatchObject({ code: `${archivedCode}-yt`, platform: 'YOUTUBE' });
  });

  it('records a click with videoId null when the content has no video yet', async () => {
    const r = await app.inject({ method: 'GET', url: `/r/${noVideoCode}`, headers: { 'user-agent': BROWSER_UA } });
    expect(r.statusCode).toBe(302);
    expect((await clicks()).at(-1)).toMatchObject({ code: noVideoCode, videoId: null });
  });

  it('answers 404 link_not_found JSON for an unknown or malformed code, without recording anything', async () => {
    const before = (await clicks()).length;
    for (const url of ['/r/Unknown1', '/r/Unknown1-tt', '/r/short', '/r/Tr4ck1ng-fb', '/r/Tr4ck1ng-', "/r/'%20OR%201=1--", '/r/' + 'x'.repeat(90)]) {
      const r = await app.inject({ method: 'GET', url, headers: { 'user-agent': BROWSER_UA } });
      expect(r.statusCode, url).toBe(404);
      expect(r.headers['content-type']).toMatch(/application\/json/);
      expect(r.json()).toEqual({ error: { code: 'link_not_found', message: 'This link is unknown or has expired.' } });
      expect(r.headers.location).toBeUndefined();
    }
    // Longer than the router's parameter limit (100): Fastify answers 414 before the route runs; no redirect either way.
    const long = await app.inject({ method: 'GET', url: '/r/' + 'x'.repeat(300) });
    expect([404, 414]).toContain(long.statusCode);
    expect(long.headers.location).toBeUndefined();
    const head = await app.inject({ method: 'HEAD', url: '/r/Unknown1' });
    expect(head.statusCode).toBe(404);
    expect(await clicks()).toHaveLength(before);
  });

  it('stores no raw IP address anywhere in the click rows', async () => {
    await app.inject({ method: 'GET', url: `/r/${code}-tt`, headers: { 'user-agent': BROWSER_UA, 'x-forwarded-for': CLIENT_IP } });
    const rows = await db.$queryRaw<Record<string, unknown>[]>`SELECT * FROM "ClickEvent"`;
    expect(rows.length).toBeGreaterThan(0);
    const dump = JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    expect(dump).not.toContain(CLIENT_IP);
    expect(dump).not.toContain('127.0.0.1');
    // The same client on the same day gets the same hash (unique clickers can be counted).
    const hashes = (await clicks()).filter((c) => c.code === `${code}-tt` && c.userAgent === BROWSER_UA).map((c) => c.ipHash);
    expect(new Set(hashes).size).toBe(1);
  });

  it('redirects even when recording the click hangs or fails', async () => {
    const hanging = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop === '$queryRawUnsafe') return () => new Promise(() => {});
        return Reflect.get(target, prop, receiver);
      },
    });
    const failing = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop === '$queryRawUnsafe') return () => Promise.reject(new Error('connection terminated'));
        return Reflect.get(target, prop, receiver);
      },
    });
    for (const broken of [hanging, failing]) {
      const a = Fastify({ logger: false });
      a.setErrorHandler(handleError);
      redirectRoutes(a, { db: broken, partnerTag: TAG, clickTimeoutMs: 200 });
      const started = Date.now();
      const r = await a.inject({ method: 'GET', url: `/r/${code}-tt`, headers: { 'user-agent': BROWSER_UA } });
      expect(r.statusCode).toBe(302);
      expect(Date.now() - started).toBeLessThan(2000);
      await a.close();
    }
  });

  it('answers 503 database_unavailable when the lookup cannot reach the database', async () => {
    const port = await freePort();
    const down = createDb(`postgresql://postgres:postgres@127.0.0.1:${port}/nothing`);
    const a = Fastify({ logger: false });
    a.setErrorHandler(handleError);
    redirectRoutes(a, { db: down, partnerTag: TAG });
    const r = await a.inject({ method: 'GET', url: `/r/${code}`, headers: { 'user-agent': BROWSER_UA } });
    expect(r.statusCode).toBe(503);
    expect(r.json().error.code).toBe('database_unavailable');
    expect(r.headers.location).toBeUndefined();
    await a.close();
    await down.$disconnect();
  });
});
