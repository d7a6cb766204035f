// The publishing ledger's lease, on the real PostgreSQL: concurrent attempts, a lost lease,
// takeover after a lapsed lease, failures before and during the call, and operator settlement
// (function and HTTP route). Activities run in Temporal's MockActivityEnvironment (a real
// activity Context: heartbeats, sleep, cancellation) against a real outbox publisher.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlatformName } from '../../src/config.js';
import { createDb, type Db } from '../../src/db.js';
import { handleError } from '../../src/api/errors.js';
import { publicationRoutes } from '../../src/api/routes/publications.js';
import { OutboxPublisher } from '../../src/providers/publisher/outbox.js';
import type { PublishRequest, PublishedPost, Publisher } from '../../src/providers/publisher/types.js';
import { LocalMediaStorage } from '../../src/providers/storage/local.js';
import {
  PublicationAuditError,
  PublicationLeaseLostError,
  PublicationNotFoundError,
  PublicationSettleError,
  claimPublication,
  confirmPublication,
  publishingActivities,
  settlePublication,
  type PublishVideoResult,
  type PublishingDeps,
} from '../../src/temporal/activities/publishing.js';
import { createTestDatabase } from '../support/harness.js';

/** The outbox publisher (a new post per call, like a real platform), slowed down and counted. */
class CountingPublisher implements Publisher {
  readonly name: string;
  publishCalls = 0;
  lookups = 0;
  /** Throw inside the next publish call (after nothing was posted), to model a call that failed. */
  failNextCall = false;
  findExisting?: (key: string) => Promise<PublishedPost | null>;

  constructor(
    readonly platform: PlatformName,
    private readonly outbox: OutboxPublisher,
    private readonly delayMs = 0,
    canLookUp = true,
  ) {
    this.name = canLookUp ? 'outbox' : 'outbox-without-lookup';
    if (canLookUp) {
      this.findExisting = async (key) => {
        this.lookups++;
        return this.outbox.findExisting(key);
      };
    }
  }

  async publish(req: PublishRequest): Promise<PublishedPost> {
    this.publishCalls++;
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failNextCall) {
      this.failNextCall = false;
      throw new Error('platform timed out (the test publisher)');
    }
    return this.outbox.publish(req);
  }
}

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
let root: string;
let storage: LocalMediaStorage;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'publication-lease-'));
  storage = new LocalMediaStorage({ root: path.join(root, 'media'), publicBaseUrl: 'http://127.0.0.1:3000' });
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** A fresh outbox directory and a publisher for one platform over it. */
function publisherFor(platform: PlatformName, opts: { delayMs?: number; canLookUp?: boolean } = {}) {
  const dir = fs.mkdtempSync(path.join(root, 'outbox-'));
  const outbox = new OutboxPublisher(platform, dir);
  const pub = new CountingPublisher(platform, outbox, opts.delayMs ?? 0, opts.canLookUp ?? true);
  const posts = () => {
    const d = path.join(dir, platform.toLowerCase());
    return fs.existsSync(d) ? fs.readdirSync(d).filter((f) => !f.startsWith('.') && f !== 'posts.log') : [];
  };
  return { pub, outbox, posts };
}

/** An approved video with a rendered file. */
async function approvedVideo(): Promise<{ videoId: string; videoKey: string }> {
  const n = randomBytes(4).toString('hex');
  const product = await db.product.create({
    data: {
      asin: `B0${n.toUpperCase()}X`,
      title: `Product ${n}`,
      brand: 'Brand',
      category: 'Electronics',
      price: '19.99',
      commissionRate: '0.04',
      detailPageUrl: `https://www.amazon.com/dp/B0${n}`,
    },
  });
  const code = randomBytes(6).toString('base64url').replace(/[-_]/g, 'a').slice(0, 8);
  const content = await db.content.create({
    data: {
      productId: product.id,
      language: 'en',
      templateVariant: 'listicle',
      hook: 'Hook',
      script: 'Script',
      title: `Title ${n}`,
      description: `Buy it: http://127.0.0.1:3000/r/${code}`,
      hashtags: ['#a'],
      trackingCode: code,
      workflowId: `daily-test-${n}`,
      runId: n,
    },
  });
  const video = await db.video.create({ data: { contentId: content.id, productId: product.id, status: 'APPROVED', workflowId: `daily-test-${n}` } });
  const videoKey = `videos/${video.id}/video.mp4`;
  fs.mkdirSync(path.dirname(storage.localPath(videoKey)), { recursive: true });
  fs.writeFileSync(storage.localPath(videoKey), Buffer.from('not really an mp4, but the outbox only copies it'));
  await db.video.update({ where: { id: video.id }, data: { videoPath: videoKey } });
  return { videoId: video.id, videoKey };
}

function activities(platform: PlatformName, publisher: Publisher, extra: Partial<PublishingDeps> = {}) {
  const publishers = { YOUTUBE: publisher, TIKTOK: publisher, INSTAGRAM: publisher } as Record<PlatformName, Publisher>;
  return publishingActivities({
    db,
    publishers: { ...publishers, [platform]: publisher },
    storage,
    publicBaseUrl: 'http://127.0.0.1:3000',
    fault: 'none',
    ...extra,
  });
}

/** One activity attempt, in its own activity context (as a separate worker would run it). */
function attempt(platform: PlatformName, publisher: Publisher, videoId: string, extra: Partial<PublishingDeps> = {}): Promise<PublishVideoResult> {
  const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 60_000, heartbeatTimeoutMs: undefined }, { logger: new DefaultLogger('ERROR') });
  return env.run(activities(platform, publisher, extra).publishVideo, { videoId, platform });
}

/** An earlier attempt that claimed the row, marked and made the call, then died before confirming. */
async function attemptThatDiedAfterTheCall(videoId: string, platform: PlatformName, publisher: Publisher, leaseMs = 300) {
  await db.publication.createMany({ data: [{ videoId, platform }], skipDuplicates: true });
  const owner = `dead-${randomBytes(4).toString('hex')}`;
  const lease = await claimPublication(db, { videoId, platform, owner, leaseMs });
  expect(lease).not.toBeNull();
  await db.publication.updateMany({ where: { id: lease!.id, leaseOwner: owner }, data: { callStartedAt: new Date() } });
  const post = await publisher.publish({
    idempotencyKey: lease!.id,
    platform,
    videoId,
    videoPath: storage.localPath(`videos/${videoId}/video.mp4`),
    thumbnailPath: null,
    title: 't',
    description: 'd',
    hashtags: [],
    language: 'en',
  });
  return { owner, lease: lease!, post };
}

async function failure(p: Promise<unknown>): Promise<ApplicationFailure | Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the attempt to fail');
}

describe('publication lease', () => {
  it('two concurrent attempts with a slow platform call: one call, one PUBLISHED row; the loser fails retryably without calling', async () => {
    const { videoId } = await approvedVideo();
    const { pub, posts } = publisherFor('YOUTUBE', { delayMs: 1500 });

    const results = await Promise.allSettled([attempt('YOUTUBE', pub, videoId, { leaseWaitMs: 500 }), attempt('YOUTUBE', pub, videoId, { leaseWaitMs: 500 })]);

    expect(pub.publishCalls).toBe(1);
    expect(posts()).toHaveLength(1);
    const won = results.filter((r): r is PromiseFulfilledResult<PublishVideoResult> => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(won[0].value.status).toBe('published');
    expect(lost).toHaveLength(1);
    const err = lost[0].reason as ApplicationFailure;
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err.nonRetryable).toBe(false);
    expect(err.type).toBe('PublicationLeased');
    expect(err.message).toMatch(
      new RegExp(`^publication ${videoId}/YOUTUBE is being published by another attempt \\(lease until \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\); will retry$`),
    );

    const rows = await db.publication.findMany({ where: { videoId } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'PUBLISHED', attempts: 1, externalId: won[0].value.externalId, leaseOwner: null, leaseExpiresAt: null });
    expect((await db.video.findUniqueOrThrow({ where: { id: videoId } })).status).toBe('PUBLISHED');
  });

  it('an attempt that may wait longer sees the holder confirm and returns already-published, without calling', async () => {
    const { videoId } = await approvedVideo();
    const { pub, posts } = publisherFor('TIKTOK', { delayMs: 1200 });
    const first = attempt('TIKTOK', pub, videoId);
    await new Promise((r) => setTimeout(r, 300)); // the first one holds the lease and is in its call
    const second = await attempt('TIKTOK', pub, videoId); // default wait: up to a lease
    const firstResult = await first;
    expect(firstResult.status).toBe('published');
    expect(second).toMatchObject({ status: 'already-published', externalId: firstResult.externalId });
    expect(pub.publishCalls).toBe(1);
    expect(posts()).toHaveLength(1);
  });

  it('a holder whose call outlasts its lease keeps renewing it: the second attempt sees the renewal and fails retryably instead of taking over', async () => {
    const { videoId } = await approvedVideo();
    const { pub, posts } = publisherFor('INSTAGRAM', { delayMs: 2500 });
    // A 600 ms lease, renewed every 200 ms while the 2.5 s call runs.
    const first = attempt('INSTAGRAM', pub, videoId, { leaseMs: 600 });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    const err = (await failure(attempt('INSTAGRAM', pub, videoId, { leaseMs: 600 }))) as ApplicationFailure;
    expect(err.type).toBe('PublicationLeased');
    expect(err.nonRetryable).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1500); // gave up on seeing the renewal, well before the call ended
    expect((await first).status).toBe('published');
    expect(pub.publishCalls).toBe(1);
    expect(posts()).toHaveLength(1);
  });

  it('an attempt that lost its lease during the call does not overwrite the row: it records its post for a human and fails retryably', async () => {
    const { videoId } = await approvedVideo();
    const { pub } = publisherFor('YOUTUBE', { delayMs: 800 });
    const first = failure(attempt('YOUTUBE', pub, videoId));
    await new Promise((r) => setTimeout(r, 300));
    // Another attempt takes the row over meanwhile (as after a lapsed lease).
    const taken = await db.publication.updateMany({ where: { videoId, NOT: { callStartedAt: null } }, data: { leaseOwner: 'newer-attempt' } });
    expect(taken.count).toBe(1);
    const err = (await first) as ApplicationFailure;
    expect(err.type).toBe('PublicationLeaseLost');
    expect(err.nonRetryable).toBe(false);
    expect(err.message).toMatch(/lost its lease .* may duplicate the new holder's: check the channel; will retry$/);
    const row = await db.publication.findFirstOrThrow({ where: { videoId } });
    expect(row).toMatchObject({ status: 'PENDING', leaseOwner: 'newer-attempt', externalId: null });
    const audit = await db.auditEvent.findFirstOrThrow({ where: { target: videoId, outcome: 'lease-lost-after-post' } });
    expect((audit.arguments as { externalId: string }).externalId).toMatch(/^outbox:youtube\//);
  });

  it('refuses a confirmation by an attempt that does not hold the lease', async () => {
    const { videoId } = await approvedVideo();
    await db.publication.createMany({ data: [{ videoId, platform: 'INSTAGRAM' }] });
    const lease = await claimPublication(db, { videoId, platform: 'INSTAGRAM', owner: 'holder', leaseMs: 60_000 });
    expect(lease).not.toBeNull();
    // A second claim while the lease is live wins nothing.
    expect(await claimPublication(db, { videoId, platform: 'INSTAGRAM', owner: 'intruder', leaseMs: 60_000 })).toBeNull();

    await expect(
      confirmPublication(db, { publicationId: lease!.id, owner: 'intruder', externalId: 'x:1', url: 'https://example.test/1', how: 'published' }),
    ).rejects.toBeInstanceOf(PublicationLeaseLostError);
    const row = await db.publication.findUniqueOrThrow({ where: { id: lease!.id } });
    expect(row).toMatchObject({ status: 'PENDING', leaseOwner: 'holder', externalId: null, attempts: 1 });
    expect(await db.auditEvent.count({ where: { target: videoId } })).toBe(0);

    await confirmPublication(db, { publicationId: lease!.id, owner: 'holder', externalId: 'x:1', url: 'https://example.test/1', how: 'published' });
    expect(await db.publication.findUniqueOrThrow({ where: { id: lease!.id } })).toMatchObject({ status: 'PUBLISHED', externalId: 'x:1', leaseOwner: null });
  });

  it('takes over a lapsed lease and reconciles by idempotency key first: no second post when the first call posted', async () => {
    const { videoId } = await approvedVideo();
    const { pub, posts } = publisherFor('YOUTUBE');
    const dead = await attemptThatDiedAfterTheCall(videoId, 'YOUTUBE', pub, 400);
    expect(pub.publishCalls).toBe(1);

    // Starts while the dead attempt's lease is still live: waits for it to lapse, then takes over.
    const result = await attempt('YOUTUBE', pub, videoId);
    expect(result).toMatchObject({ status: 'recovered', externalId: dead.post.externalId, url: dead.post.url });
    expect(pub.publishCalls).toBe(1);
    expect(pub.lookups).toBe(1);
    expect(posts()).toHaveLength(1);
    const row = await db.publication.findUniqueOrThrow({ where: { id: dead.lease.id } });
    expect(row).toMatchObject({ status: 'PUBLISHED', attempts: 2, externalId: dead.post.externalId, leaseOwner: null });

    // The dead attempt coming back to confirm is refused: the row is not its to write.
    await expect(
      confirmPublication(db, { publicationId: dead.lease.id, owner: dead.owner, externalId: 'other', url: 'https://example.test/other', how: 'published' }),
    ).rejects.toBeInstanceOf(PublicationLeaseLostError);
    expect((await db.publication.findUniqueOrThrow({ where: { id: dead.lease.id } })).externalId).toBe(dead.post.externalId);
  });

  it('a failure before the call leaves the row claimable (no call mark), and the next attempt publishes', async () => {
    const { videoId, videoKey } = await approvedVideo();
    const { pub, posts } = publisherFor('TIKTOK');
    const file = storage.localPath(videoKey);
    fs.renameSync(file, `${file}.away`);

    const err = await failure(attempt('TIKTOK', pub, videoId));
    expect(err.message).toMatch(/is missing: nothing was posted/);
    expect((err as ApplicationFailure).nonRetryable ?? false).toBe(false);
    expect(pub.publishCalls).toBe(0);
    const row = await db.publication.findFirstOrThrow({ where: { videoId } });
    expect(row).toMatchObject({ status: 'PENDING', leaseOwner: null, leaseExpiresAt: null, callStartedAt: null, attempts: 1 });
    expect(row.error).toMatch(/is missing/);

    fs.renameSync(`${file}.away`, file);
    const result = await attempt('TIKTOK', pub, videoId);
    expect(result.status).toBe('published');
    expect(pub.publishCalls).toBe(1);
    expect(pub.lookups).toBe(0); // no call was made before, so nothing to reconcile
    expect(posts()).toHaveLength(1);
    expect(await db.publication.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: 'PUBLISHED', attempts: 2 });
  });

  it('a failure during the call releases the lease but keeps the call mark: the next attempt asks the platform, then posts', async () => {
    const { videoId } = await approvedVideo();
    const { pub, posts } = publisherFor('INSTAGRAM');
    pub.failNextCall = true;
    const err = await failure(attempt('INSTAGRAM', pub, videoId));
    expect(err.message).toMatch(/platform timed out/);
    const row = await db.publication.findFirstOrThrow({ where: { videoId } });
    expect(row).toMatchObject({ status: 'PENDING', leaseOwner: null, attempts: 1 });
    expect(row.callStartedAt).toBeInstanceOf(Date);
    expect(row.error).toMatch(/^call made, outcome unknown/);

    const t0 = Date.now();
    const result = await attempt('INSTAGRAM', pub, videoId);
    expect(Date.now() - t0).toBeLessThan(5000); // released: no waiting for a lease to lapse
    expect(result.status).toBe('published');
    expect(pub.lookups).toBe(1);
    expect(pub.publishCalls).toBe(2);
    expect(posts()).toHaveLength(1);
  });

  it('a platform that cannot look posts up gets the row marked for a manual check, never a second post', async () => {
    const { videoId } = await approvedVideo();
    const { pub, posts } = publisherFor('YOUTUBE', { canLookUp: false });
    await attemptThatDiedAfterTheCall(videoId, 'YOUTUBE', pub, 200);

    const err = (await failure(attempt('YOUTUBE', pub, videoId))) as ApplicationFailure;
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err.nonRetryable).toBe(true);
    expect(err.type).toBe('UnknownPublishOutcome');
    expect(pub.publishCalls).toBe(1);
    expect(posts()).toHaveLength(1);
    expect(await db.publication.findFirstOrThrow({ where: { videoId } })).toMatchObject({ status: 'FAILED', leaseOwner: null });

    // Until someone settles it, no attempt touches it.
    const again = (await failure(attempt('YOUTUBE', pub, videoId))) as ApplicationFailure;
    expect(again.type).toBe('AwaitingManualCheck');
    expect(again.nonRetryable).toBe(true);
    expect(pub.publishCalls).toBe(1);
  });
});

describe('settling a publication', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    app.setErrorHandler(handleError);
    app.decorateRequest('caller', undefined);
    app.addHook('onRequest', async (req) => {
      const who = req.headers['x-test-caller'];
      // 'nul' stands for an identity PostgreSQL cannot store (a NUL cannot travel in a header).
      if (typeof who === 'string') (req as unknown as { caller: string }).caller = who === 'nul' ? 'api:\u0000' : who;
    });
    publicationRoutes(app, { db });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
  });

  /** A row in the manual-check state, reached the real way (a call whose outcome nobody can tell). */
  async function manualCheckRow(platform: PlatformName = 'YOUTUBE') {
    const { videoId } = await approvedVideo();
    const { pub, posts } = publisherFor(platform, { canLookUp: false });
    const dead = await attemptThatDiedAfterTheCall(videoId, platform, pub, 100);
    await failure(attempt(platform, pub, videoId));
    expect((await db.publication.findUniqueOrThrow({ where: { id: dead.lease.id } })).status).toBe('FAILED');
    return { videoId, pub, posts, dead };
  }

  it('refuses rows that are not waiting for a manual check (409) and unknown rows (404)', async () => {
    const { videoId } = await approvedVideo();
    const { pub } = publisherFor('YOUTUBE');
    await attempt('YOUTUBE', pub, videoId);

    await expect(settlePublication(db, { videoId, platform: 'YOUTUBE', outcome: 'not-published', by: 'alice' })).rejects.toMatchObject({
      code: 'not_awaiting_check',
      status: 'PUBLISHED',
    });
    await expect(settlePublication(db, { videoId, platform: 'TIKTOK', outcome: 'not-published', by: 'alice' })).rejects.toBeInstanceOf(
      PublicationNotFoundError,
    );

    const r409 = await app.inject({ method: 'POST', url: `/orchestrator/publications/${videoId}/youtube/settle`, payload: { outcome: 'not-published' } });
    expect(r409.statusCode).toBe(409);
    expect(r409.json().error.code).toBe('not_awaiting_check');
    expect(r409.json().error.message).toMatch(/is PUBLISHED, not waiting for a manual check/);

    const r404 = await app.inject({ method: 'POST', url: `/orchestrator/publications/${videoId}/tiktok/settle`, payload: { outcome: 'not-published' } });
    expect(r404.statusCode).toBe(404);
    expect(r404.json().error).toMatchObject({ code: 'publication_not_found', field: 'videoId' });

    // Nothing was audited for refused settlements.
    expect(await db.auditEvent.count({ where: { action: 'publication.settle', target: videoId } })).toBe(0);
  });

  it('rejects bad requests with 400', async () => {
    const { videoId } = await manualCheckRow('TIKTOK');
    const post = (payload: unknown, platform = 'tiktok') =>
      app.inject({
        method: 'POST',
        url: `/orchestrator/publications/${videoId}/${platform}/settle`,
        payload: payload as object,
        headers: { 'content-type': 'application/json' },
      });
    const cases: [unknown, string?, string?][] = [
      [{ outcome: 'maybe' }, 'outcome'],
      [{}, 'outcome'],
      [{ outcome: 'published' }, 'externalId'],
      [{ outcome: 'published', externalId: 'x', url: 'not a url' }, 'url'],
      [{ outcome: 'not-published', extra: 1 }, 'extra'],
      [{ outcome: 'not-published', reason: 'a\u0000b' }, 'reason'],
      [[1, 2]],
      [{ outcome: 'not-published' }, 'platform', 'myspace'],
    ];
    for (const [payload, field, platform] of cases) {
      const r = await post(payload, platform);
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json().error.code).toBe('invalid_request');
      if (field) expect(r.json().error.field).toBe(field);
    }
    const list = await app.inject({ method: 'GET', url: '/orchestrator/publications?status=sideways' });
    expect(list.statusCode).toBe(400);
    expect(list.json().error.field).toBe('status');
    expect((await app.inject({ method: 'GET', url: '/orchestrator/publications?limit=0' })).statusCode).toBe(400);
    expect((await db.publication.findFirstOrThrow({ where: { videoId } })).status).toBe('FAILED');
  });

  it('does not settle when the audit row cannot be written', async () => {
    const { videoId } = await manualCheckRow('INSTAGRAM');
    const before = await db.publication.findFirstOrThrow({ where: { videoId } });
    // PostgreSQL cannot store a NUL in text: the audit insert fails for real.
    await expect(
      settlePublication(db, { videoId, platform: 'INSTAGRAM', outcome: 'published', externalId: 'ig:1', by: 'mallory\u0000' }),
    ).rejects.toBeInstanceOf(PublicationAuditError);
    // Through the route too: the caller identity (set by authentication) is what the audit stores.
    const r = await app.inject({
      method: 'POST',
      url: `/orchestrator/publications/${videoId}/instagram/settle`,
      headers: { 'x-test-caller': 'nul' },
      payload: { outcome: 'not-published' },
    });
    expect(r.statusCode).toBe(503);
    expect(r.json().error.code).toBe('audit_unavailable');
    const after = await db.publication.findFirstOrThrow({ where: { videoId } });
    expect(after).toEqual(before);
    expect(await db.auditEvent.count({ where: { action: 'publication.settle', target: videoId } })).toBe(0);
  });

  it('lists rows waiting for a check and settles one as published through the route: audit row first, then the row', async () => {
    const { videoId, dead } = await manualCheckRow('YOUTUBE');

    const list = await app.inject({ method: 'GET', url: '/orchestrator/publications?status=manual-check&limit=100' });
    expect(list.statusCode).toBe(200);
    const listed = list.json().publications.find((p: { videoId: string }) => p.videoId === videoId);
    expect(listed).toMatchObject({ status: 'FAILED', state: 'manual-check', platform: 'YOUTUBE', attempts: 2 });
    expect(listed.error).toMatch(/cannot look posts up: check the channel by hand/);
    expect(list.json().publications.every((p: { status: string }) => p.status === 'FAILED')).toBe(true);

    const r = await app.inject({
      method: 'POST',
      url: `/orchestrator/publications/${videoId}/YouTube/settle`,
      headers: { 'x-test-caller': 'slack:U0ALICE' },
      payload: { outcome: 'published', externalId: dead.post.externalId, url: dead.post.url, reason: 'found it on the channel' },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().publication).toMatchObject({
      status: 'PUBLISHED',
      state: 'published',
      externalId: dead.post.externalId,
      url: dead.post.url,
      leaseOwner: null,
    });

    const row = await db.publication.findFirstOrThrow({ where: { videoId } });
    expect(row).toMatchObject({ status: 'PUBLISHED', externalId: dead.post.externalId, error: null });
    expect((await db.video.findUniqueOrThrow({ where: { id: videoId } })).status).toBe('PUBLISHED');
    const audits = await db.auditEvent.findMany({ where: { action: 'publication.settle', target: videoId } });
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actor: 'slack:U0ALICE', platform: 'YOUTUBE', outcome: 'published' });
    expect(audits[0].arguments).toMatchObject({
      publicationId: row.id,
      outcome: 'published',
      externalId: dead.post.externalId,
      url: dead.post.url,
      reason: 'found it on the channel',
      previousStatus: 'FAILED',
      attempts: 2,
    });
    expect(audits[0].at.getTime()).toBeLessThanOrEqual(row.updatedAt.getTime());

    // A second settle finds nothing to settle.
    const again = await app.inject({
      method: 'POST',
      url: `/orchestrator/publications/${videoId}/youtube/settle`,
      payload: { outcome: 'published', externalId: 'other' },
    });
    expect(again.statusCode).toBe(409);
  });

  it('settles as not published: the row is claimable again and the next attempt posts without asking the platform', async () => {
    // The operator checked the channel and found no post (in real life; the outbox has one).
    const { videoId, pub } = await manualCheckRow('TIKTOK');

    const r = await app.inject({
      method: 'POST',
      url: `/orchestrator/publications/${videoId}/tiktok/settle`,
      payload: { outcome: 'not-published', reason: 'nothing on the channel' },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().publication).toMatchObject({ status: 'PENDING', state: 'pending', callStartedAt: null, leaseOwner: null });
    const audit = await db.auditEvent.findFirstOrThrow({ where: { action: 'publication.settle', target: videoId } });
    expect(audit).toMatchObject({ actor: 'api', outcome: 'not-published' });

    const result = await attempt('TIKTOK', pub, videoId);
    expect(result.status).toBe('published');
    expect(pub.publishCalls).toBe(2); // the dead attempt's call, and this one
    expect(await db.publication.findFirstOrThrow({ where: { videoId } })).toMatchObject({ status: 'PUBLISHED', externalId: result.externalId, attempts: 3 });
  });

  it('settling as published without the post id is refused', async () => {
    const { videoId } = await manualCheckRow('INSTAGRAM');
    await expect(settlePublication(db, { videoId, platform: 'INSTAGRAM', outcome: 'published', by: 'alice' })).rejects.toBeInstanceOf(PublicationSettleError);
    expect((await db.publication.findFirstOrThrow({ where: { videoId } })).status).toBe('FAILED');
  });
});
