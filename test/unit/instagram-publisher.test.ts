import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  InstagramApiError,
  InstagramContainerError,
  InstagramPublisher,
  instagramCaption,
  type InstagramOptions,
} from '../../src/providers/publisher/instagram.js';
import { PlatformAccountError, PlatformLimitError, type PublishContext, type PublishRequest, type TokenVault } from '../../src/providers/publisher/types.js';
import { FakeInstagram, FAKE_GRAPH_VERSIONS, type FakeInstagramOptions } from '../fakes/instagram.js';

// An MP4 starts with an `ftyp` box (ISO/IEC 14496-12); the rest only has to be bytes.
const MP4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42', 'latin1'), Buffer.alloc(4096, 1)]);
const LINK = 'https://go.example.com/r/abc123-ig';
const HOUR = 3_600_000;
const closers: { close(): Promise<void> }[] = [];

afterEach(async () => {
  await Promise.all(closers.splice(0).map((s) => s.close()));
});

/** The media server Instagram downloads from (here: loopback, which the publisher only accepts in tests). */
async function startMediaServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/media/video.mp4') return void res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': MP4.length }).end(MP4);
    if (req.url === '/media/not-a-video.mp4') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const media = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
  closers.push(media);
  return media;
}

async function setup(fakeOpts: FakeInstagramOptions = {}, over: Partial<InstagramOptions> = {}) {
  const fake = await FakeInstagram.start(fakeOpts);
  closers.push(fake);
  const media = await startMediaServer();
  const vault: TokenVault = { get: async () => ({ accessToken: fake.token }), save: async () => undefined };
  const publisher = new InstagramPublisher({
    userId: fake.userId,
    vault,
    graphUrl: fake.graphUrl,
    pollIntervalMs: 5,
    backoffBaseMs: 5,
    allowPrivateVideoUrl: true,
    ...over,
  });
  return { fake, media, publisher, videoUrl: `${media.url}/media/video.mp4` };
}

function request(over: Partial<PublishRequest> = {}): PublishRequest {
  return {
    idempotencyKey: 'pub-1',
    platform: 'INSTAGRAM',
    videoId: 'video-1',
    videoPath: '/tmp/video.mp4',
    thumbnailPath: null,
    title: 'The quietest blender under $100',
    description: `Three weeks with the Breeze 3000. Full review: ${LINK}\n#ad As an Amazon Associate I earn from qualifying purchases.`,
    hashtags: ['blender', '#kitchen', 'review'],
    language: 'en',
    ...over,
  };
}

function context(videoUrl: string, state: Record<string, unknown> | null = null) {
  const saved: Record<string, unknown>[] = [];
  let heartbeats = 0;
  const ctx: PublishContext = {
    state,
    saveState: async (s) => {
      saved.push(s);
      ctx.state = s;
    },
    heartbeat: () => void heartbeats++,
    signal: new AbortController().signal,
    videoUrl: async () => videoUrl,
  };
  return { ctx, saved, heartbeats: () => heartbeats };
}

const ops = (fake: FakeInstagram) => fake.requests.map((r) => `${r.method} ${r.op}`);
const rejection = async (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable('should have failed'),
    (e: unknown) => e as Error,
  );

describe('InstagramPublisher: publishing a reel', () => {
  it('reads the quota, creates a REELS container, polls it, publishes once and returns the permalink', async () => {
    const { fake, publisher, videoUrl } = await setup({ pollsUntilFinished: 2 });
    const { ctx, saved, heartbeats } = context(videoUrl);
    const post = await publisher.publish(request(), ctx);

    const [container] = fake.containers;
    expect(fake.containers).toHaveLength(1);
    expect(container).toMatchObject({ mediaType: 'REELS', videoUrl, shareToFeed: true, videoBytes: MP4.length, statusCode: 'PUBLISHED' });
    expect(container.caption).toBe(`${request().description}\n\n#blender #kitchen #review`);
    expect(container.polls).toBe(3);
    expect(fake.published()).toHaveLength(1);
    const [media] = fake.published();
    expect(post).toEqual({ externalId: media.id, url: media.permalink });
    expect(saved).toEqual([
      { containerId: container.id, containerCreatedAt: expect.any(String) },
      { containerId: container.id, containerCreatedAt: saved[0].containerCreatedAt, mediaId: media.id },
    ]);
    expect(heartbeats()).toBeGreaterThanOrEqual(3);
    expect(ops(fake)).toEqual(['GET limit', 'POST create', 'GET status', 'GET status', 'GET status', 'POST publish', 'GET media']);
    expect(fake.requests.every((r) => r.auth === 'query' && r.status === 200)).toBe(true);
    expect(fake.requests[0].params).toEqual({ fields: 'config,quota_usage' });
  });

  it('resumes a saved FINISHED container: publishes it without creating a new one', async () => {
    const { fake, publisher, videoUrl } = await setup();
    const first = context(videoUrl);
    fake.failNext('server', { op: 'publish', times: 5 });
    await rejection(publisher.publish(request(), first.ctx));
    expect(fake.containers[0].statusCode).toBe('FINISHED');
    expect(fake.published()).toHaveLength(0);

    const retry = context(videoUrl, first.ctx.state);
    const post = await publisher.publish(request(), retry.ctx);
    expect(fake.containers).toHaveLength(1);
    expect(fake.published()).toHaveLength(1);
    expect(post.externalId).toBe(fake.published()[0].id);
    expect(retry.saved).toEqual([expect.objectContaining({ containerId: fake.containers[0].id, mediaId: post.externalId })]);
  });

  it('resumes a saved PUBLISHED container: finds its media by caption and never publishes again', async () => {
    const { fake, publisher, videoUrl } = await setup();
    const first = context(videoUrl);
    const post = await publisher.publish(request(), first.ctx);
    // The crash came after media_publish and before the media id was saved.
    const lost = { containerId: fake.containers[0].id, containerCreatedAt: first.saved[0].containerCreatedAt };
    fake.requests.length = 0;

    const retry = context(videoUrl, lost);
    expect(await publisher.publish(request(), retry.ctx)).toEqual(post);
    expect(fake.published()).toHaveLength(1);
    expect(ops(fake)).toEqual(['GET status', 'GET media', 'GET media']);
    expect(retry.saved).toEqual([{ ...lost, mediaId: post.externalId }]);
  });

  it('settles a lost media_publish answer from the container status instead of publishing twice', async () => {
    const { fake, publisher, videoUrl } = await setup();
    fake.failNext('lost_answer', { op: 'publish' });
    const { ctx } = context(videoUrl);
    const post = await publisher.publish(request(), ctx);
    expect(fake.published()).toHaveLength(1);
    expect(post.externalId).toBe(fake.published()[0].id);
    expect(fake.requests.filter((r) => r.op === 'publish').map((r) => r.status)).toEqual([500]);
    expect(ctx.state).toMatchObject({ mediaId: post.externalId });
  });

  it('returns a saved media id with its permalink and touches nothing else', async () => {
    const { fake, publisher, videoUrl } = await setup();
    const post = await publisher.publish(request(), context(videoUrl).ctx);
    fake.requests.length = 0;
    expect(await publisher.publish(request(), context(videoUrl, { containerId: 'x', mediaId: post.externalId }).ctx)).toEqual(post);
    expect(ops(fake)).toEqual(['GET media']);
  });

  it('recreates an EXPIRED saved container once, then publishes the new one', async () => {
    const { fake, publisher, videoUrl } = await setup();
    const first = context(videoUrl);
    fake.failNext('limit_reached');
    await rejection(publisher.publish(request(), first.ctx));
    const old = fake.containers[0];
    fake.expire(old.id);

    const retry = context(videoUrl, first.ctx.state);
    const post = await publisher.publish(request(), retry.ctx);
    expect(fake.containers).toHaveLength(2);
    expect(fake.containers[1].statusCode).toBe('PUBLISHED');
    expect(post.externalId).toBe(fake.published()[0].id);
    expect(retry.saved[0]).toMatchObject({ containerId: fake.containers[1].id });
  });

  it('gives up when the recreated container expires too', async () => {
    const { fake, publisher, videoUrl } = await setup();
    fake.failNext('container_expired', { times: 2 });
    const err = await rejection(publisher.publish(request(), context(videoUrl).ctx));
    expect(err.message).toMatch(/expired again right after it was recreated/);
    expect(fake.containers).toHaveLength(2);
    expect(fake.published()).toHaveLength(0);
  });

  it('fails with the container status when Meta cannot process the video', async () => {
    const { fake, media, publisher } = await setup();
    const err = await rejection(publisher.publish(request(), context(`${media.url}/media/not-a-video.mp4`).ctx));
    expect(err).toBeInstanceOf(InstagramContainerError);
    expect(err).toMatchObject({ status: 'Error: Media upload has failed with error code 2207026', retryable: false });
    expect(fake.published()).toHaveLength(0);
  });

  it('forgets a container that ended in ERROR, so the next attempt starts with a new one', async () => {
    const { fake, publisher, videoUrl } = await setup();
    fake.failNext('container_error');
    const first = context(videoUrl);
    const err = await rejection(publisher.publish(request(), first.ctx));
    expect(err).toMatchObject({ name: 'InstagramContainerError', retryable: false });
    expect(first.ctx.state).toEqual({});
    const retry = context(videoUrl, first.ctx.state);
    await publisher.publish(request(), retry.ctx);
    expect(fake.containers.map((c) => c.statusCode)).toEqual(['ERROR', 'PUBLISHED']);
  });

  it('refuses a loopback video URL before calling Instagram unless allowPrivateVideoUrl is set', async () => {
    const { fake, videoUrl } = await setup();
    const strict = new InstagramPublisher({
      userId: fake.userId,
      vault: { get: async () => ({ accessToken: fake.token }), save: async () => undefined },
      graphUrl: fake.graphUrl,
    });
    const err = await rejection(strict.publish(request(), context(`${videoUrl}?X-Amz-Signature=secret`).ctx));
    expect(err.message).toMatch(/not reachable from the internet.*PUBLIC_BASE_URL/);
    expect(err.name).toBe('PlatformAccountError');
    expect(err.message).not.toContain('secret');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('InstagramPublisher: limits and errors', () => {
  it('refuses with PlatformLimitError before any container when the quota is used up, until the oldest post leaves the window', async () => {
    const { fake, publisher, videoUrl } = await setup({ quotaTotal: 2 });
    fake.setQuota({ publishedAt: [new Date(Date.now() - 23 * HOUR), new Date(Date.now() - HOUR)] });
    const err = await rejection(publisher.publish(request(), context(videoUrl).ctx));
    expect(err).toBeInstanceOf(PlatformLimitError);
    expect(err).toMatchObject({ platform: 'INSTAGRAM', code: 'publishing_limit' });
    expect(Math.abs((err as PlatformLimitError).until.getTime() - (Date.now() + HOUR))).toBeLessThan(3 * 60_000);
    expect(fake.containers).toHaveLength(0);
  });

  it('reads quota_total instead of assuming 100', async () => {
    const { fake, publisher, videoUrl } = await setup({ quotaTotal: 1 });
    fake.setQuota({ publishedAt: [new Date(Date.now() - 2 * HOUR)] });
    await expect(publisher.publish(request(), context(videoUrl).ctx)).rejects.toBeInstanceOf(PlatformLimitError);
    fake.setQuota({ total: 2 });
    await expect(publisher.publish(request(), context(videoUrl).ctx)).resolves.toMatchObject({ externalId: expect.any(String) });
  });

  it('turns 2207042 at media_publish into PlatformLimitError and keeps the container for later', async () => {
    const { fake, publisher, videoUrl } = await setup();
    fake.failNext('limit_reached');
    const { ctx } = context(videoUrl);
    const err = await rejection(publisher.publish(request(), ctx));
    expect(err).toBeInstanceOf(PlatformLimitError);
    expect((err as PlatformLimitError).until.getTime()).toBeGreaterThan(Date.now() + 10 * 60_000);
    expect(ctx.state).toMatchObject({ containerId: fake.containers[0].id });
    expect(ctx.state).not.toHaveProperty('mediaId');
  });

  it('turns an invalid token (190) into PlatformAccountError naming `npm run connect -- instagram`', async () => {
    const { fake, publisher, videoUrl } = await setup();
    fake.failNext('invalid_token');
    const err = await rejection(publisher.publish(request(), context(videoUrl).ctx));
    expect(err).toBeInstanceOf(PlatformAccountError);
    expect(err).toMatchObject({ platform: 'INSTAGRAM', code: 'invalid_token' });
    expect(err.message).toContain('npm run connect -- instagram');
    expect(err.message).not.toContain(fake.token);
    expect(fake.containers).toHaveLength(0);
  });

  it('asks to connect when the vault has no token', async () => {
    const { publisher, videoUrl } = await setup({}, { vault: { get: async () => null, save: async () => undefined } });
    await expect(publisher.publish(request(), context(videoUrl).ctx)).rejects.toMatchObject({ code: 'not_connected' });
  });

  it('retries rate limits (code 4) and 5xx with backoff, then publishes once', async () => {
    const { fake, publisher, videoUrl } = await setup();
    fake.failNext('rate_limit', { op: 'create' });
    fake.failNext('server', { op: 'status' });
    const post = await publisher.publish(request(), context(videoUrl).ctx);
    expect(fake.requests.filter((r) => r.code === 4).map((r) => r.status)).toEqual([400]);
    expect(fake.requests.filter((r) => r.code === 2).map((r) => r.status)).toEqual([500]);
    expect(fake.containers).toHaveLength(1);
    expect(post.externalId).toBe(fake.published()[0].id);
  });

  it('honours Retry-After on HTTP 429', async () => {
    const { fake, publisher, videoUrl } = await setup();
    fake.failNext('rate_limit', { op: 'limit', status: 429, retryAfterSec: 1 });
    const started = Date.now();
    await publisher.publish(request(), context(videoUrl).ctx);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.requests[0]).toMatchObject({ status: 429, code: 4 });
  });

  it('stops retrying after maxAttempts with an InstagramApiError', async () => {
    const { fake, publisher, videoUrl } = await setup({}, { maxAttempts: 2 });
    fake.failNext('rate_limit', { op: 'limit', times: 2 });
    const err = await rejection(publisher.publish(request(), context(videoUrl).ctx));
    expect(err).toBeInstanceOf(InstagramApiError);
    expect((err as InstagramApiError).detail).toMatchObject({ code: 4, transient: true });
  });
});

describe('InstagramPublisher: views and captions', () => {
  it('reads the views insight per media, null where Instagram has no number', async () => {
    const { fake, publisher, videoUrl } = await setup();
    const a = await publisher.publish(request(), context(videoUrl).ctx);
    const b = await publisher.publish(request({ description: `Another one ${LINK}2` }), context(videoUrl).ctx);
    const c = await publisher.publish(request({ description: `Third ${LINK}3` }), context(videoUrl).ctx);
    fake.setViews(a.externalId, 1234);
    fake.setViews(c.externalId, null);
    const views = await publisher.fetchViews([a.externalId, b.externalId, c.externalId, 'outbox:instagram/x', '1790999']);
    expect(views).toEqual({ [a.externalId]: 1234, [b.externalId]: null, [c.externalId]: null, 'outbox:instagram/x': null, '1790999': null });
    expect(fake.requests.filter((r) => r.op === 'insights').every((r) => r.params.metric === 'views')).toBe(true);
  });

  it('keeps the description whole and adds hashtags up to 30 and 2,200 characters', () => {
    const many = Array.from({ length: 40 }, (_, i) => `tag${i}`);
    const caption = instagramCaption({ description: 'Text #ad', hashtags: ['ad', ...many] });
    expect(caption.match(/#\w+/g)).toHaveLength(30);
    expect(caption.startsWith('Text #ad\n\n#tag0 ')).toBe(true);
    const long = instagramCaption({ description: 'x'.repeat(2189), hashtags: ['abcdefgh', 'more'] });
    expect([...long].length).toBeLessThanOrEqual(2200);
    expect(long.endsWith('#abcdefgh')).toBe(true);
    expect(() => instagramCaption({ description: 'x'.repeat(2201), hashtags: [] })).toThrow(/2201 characters/);
  });
});

describe('FakeInstagram refuses what the Graph API refuses', () => {
  const graph = async (fake: FakeInstagram, method: string, path: string, params: Record<string, string> = {}, version = 'v23.0') => {
    const body = new URLSearchParams({ access_token: fake.token, ...params });
    const url = `${fake.url}/${version}/${path}${method === 'GET' ? `?${body}` : ''}`;
    const res = await fetch(url, { method, ...(method === 'POST' ? { body } : {}) });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('answers an unknown version as unknown path components (2500) and accepts the current ones', async () => {
    const fake = await FakeInstagram.start();
    closers.push(fake);
    expect(await graph(fake, 'GET', `${fake.userId}/content_publishing_limit`, {}, 'v99.0')).toMatchObject({ status: 400, body: { error: { code: 2500 } } });
    expect(FAKE_GRAPH_VERSIONS).toContain('v23.0');
    expect((await graph(fake, 'GET', `${fake.userId}/content_publishing_limit`, {}, 'v25.0')).body).toEqual({ data: [{ quota_usage: 0 }] });
  });

  it('checks the token, in the query or as Bearer', async () => {
    const fake = await FakeInstagram.start();
    closers.push(fake);
    const path = `${fake.url}/v23.0/${fake.userId}/content_publishing_limit`;
    expect((await (await fetch(path)).json()) as any).toMatchObject({ error: { code: 104, type: 'OAuthException' } });
    expect((await (await fetch(`${path}?access_token=nope`)).json()) as any).toMatchObject({ error: { code: 190, fbtrace_id: expect.any(String) } });
    expect((await fetch(path, { headers: { authorization: `Bearer ${fake.token}` } })).status).toBe(200);
    expect(fake.requests.map((r) => r.auth)).toEqual(['none', 'query', 'bearer']);
  });

  it('refuses containers that are not REELS, lack a video_url, or carry a caption over 2,200 characters or 30 hashtags', async () => {
    const fake = await FakeInstagram.start();
    closers.push(fake);
    const create = (p: Record<string, string>) => graph(fake, 'POST', `${fake.userId}/media`, p);
    expect((await create({ media_type: 'VIDEO', video_url: 'https://x/v.mp4' })).body.error).toMatchObject({ code: 100, error_subcode: 2207023 });
    expect((await create({ media_type: 'REELS' })).body.error).toMatchObject({ code: 100 });
    expect((await create({ media_type: 'REELS', video_url: 'https://x/v.mp4', caption: 'x'.repeat(2201) })).body.error).toMatchObject({
      error_subcode: 2207010,
    });
    const tags = Array.from({ length: 31 }, (_, i) => `#t${i}`).join(' ');
    expect((await create({ media_type: 'REELS', video_url: 'https://x/v.mp4', caption: tags })).status).toBe(400);
    expect(fake.containers).toHaveLength(0);
  });

  it('errors a container whose video cannot be fetched, and publishes only FINISHED containers, once', async () => {
    const fake = await FakeInstagram.start();
    closers.push(fake);
    const media = await startMediaServer();
    const bad = (await graph(fake, 'POST', `${fake.userId}/media`, { media_type: 'REELS', video_url: `${media.url}/missing.mp4` })).body.id;
    expect((await graph(fake, 'GET', bad, { fields: 'status_code,status' })).body).toEqual({
      id: bad,
      status_code: 'ERROR',
      status: 'Error: Media upload has failed with error code 2207052',
    });
    const good = (await graph(fake, 'POST', `${fake.userId}/media`, { media_type: 'REELS', video_url: `${media.url}/media/video.mp4` })).body.id;
    const publish = () => graph(fake, 'POST', `${fake.userId}/media_publish`, { creation_id: good });
    expect((await publish()).body.error).toMatchObject({ code: 9007, error_subcode: 2207027 });
    await graph(fake, 'GET', good, { fields: 'status_code' });
    expect((await graph(fake, 'GET', good, { fields: 'status_code' })).body.status_code).toBe('FINISHED');
    expect((await publish()).body.id).toBe(fake.published()[0].id);
    expect((await publish()).body.error).toMatchObject({ code: 24, error_subcode: 2207008 });
    expect(fake.published()).toHaveLength(1);
  });

  it('refuses deprecated insight metrics and media_publish past the quota', async () => {
    const fake = await FakeInstagram.start({ quotaTotal: 1 });
    closers.push(fake);
    fake.setQuota({ publishedAt: [new Date()] });
    const media = await startMediaServer();
    const id = (await graph(fake, 'POST', `${fake.userId}/media`, { media_type: 'REELS', video_url: `${media.url}/media/video.mp4` })).body.id;
    await graph(fake, 'GET', id);
    await graph(fake, 'GET', id);
    expect((await graph(fake, 'POST', `${fake.userId}/media_publish`, { creation_id: id })).body.error).toMatchObject({ code: 9, error_subcode: 2207042 });
    fake.setQuota({ total: 2 });
    const mediaId = (await graph(fake, 'POST', `${fake.userId}/media_publish`, { creation_id: id })).body.id;
    expect((await graph(fake, 'GET', `${mediaId}/insights`, { metric: 'plays' })).body.error).toMatchObject({ code: 100 });
    expect((await graph(fake, 'GET', `${mediaId}/insights`, { metric: 'views' })).body).toEqual({ data: [] });
  });
});
