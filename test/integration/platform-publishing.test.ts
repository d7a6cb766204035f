// Publishing to the real platform APIs, end to end on the real Temporal dev server and
// PostgreSQL: YouTube (resumable upload), TikTok (Content Posting, FILE_UPLOAD) and
// Instagram (Reels container) are loopback fakes that speak each protocol and count
// what they receive. Two approved videos × three platforms must give exactly six posts
// with the right metadata and flags, also when every platform call "fails" after the
// platform has the post (the retry resumes from the saved upload state instead of
// posting again) and when a YouTube upload gets a 503 half-way. Views reported by
// the fakes reach the analytics.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { PROJECT_ROOT } from '../../src/embedded/migrate.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGoogle } from '../fakes/google.js';
import { startFakeInstagram, type FakeInstagram } from '../fakes/instagram.js';
import { FakeTikTok } from '../fakes/tiktok.js';
import { eventually, startTestSystem, type TestSystem } from '../support/harness.js';

/** Serves MEDIA_DIR at /media/<key>, standing in for PUBLIC_BASE_URL (Instagram fetches the video from it). */
async function mediaServer(root: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const key = decodeURIComponent((req.url ?? '').replace(/^\/media\//, '').split('?')[0]);
    const file = path.resolve(root, key);
    if (!file.startsWith(path.resolve(root) + path.sep) || !fs.existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file.endsWith('.mp4') ? 'video/mp4' : 'application/octet-stream', 'content-length': fs.statSync(file).size });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('publishing to YouTube, TikTok and Instagram (loopback fakes, real Temporal + PostgreSQL)', () => {
  let google: FakeGoogle;
  let tiktok: FakeTikTok;
  let instagram: FakeInstagram;
  let media: { url: string; close(): Promise<void> };
  const mediaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-media-'));
  const systems: TestSystem[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    google = await FakeGoogle.start();
    tiktok = await FakeTikTok.start({ pollsUntilComplete: 1 });
    instagram = await startFakeInstagram({ pollsUntilFinished: 1 });
    media = await mediaServer(mediaDir);
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const s of systems) await s.stop();
    await google?.close();
    await tiktok?.close();
    await instagram?.close();
    await media?.close();
    fs.rmSync(mediaDir, { recursive: true, force: true });
  });

  const platformEnv = (): Record<string, string> => ({
    MEDIA_DIR: mediaDir,
    PUBLIC_BASE_URL: media.url,
    YOUTUBE_CLIENT_ID: google.clientId,
    YOUTUBE_CLIENT_SECRET: google.clientSecret,
    YOUTUBE_REFRESH_TOKEN: google.refreshToken,
    GOOGLE_OAUTH_TOKEN_URL: google.tokenUrl,
    YOUTUBE_API_URL: google.apiUrl,
    TIKTOK_CLIENT_KEY: tiktok.opts.clientKey!,
    TIKTOK_CLIENT_SECRET: tiktok.opts.clientSecret!,
    TIKTOK_REFRESH_TOKEN: tiktok.refreshToken,
    TIKTOK_API_URL: tiktok.apiUrl,
    TIKTOK_PRIVACY_LEVEL: 'PUBLIC_TO_EVERYONE',
    INSTAGRAM_USER_ID: instagram.userId,
    INSTAGRAM_ACCESS_TOKEN: instagram.token,
    INSTAGRAM_GRAPH_URL: instagram.graphUrl,
    FETCH_PRODUCT_IMAGES: 'false',
  });

  async function system(env: Record<string, string> = {}, opts: { worker?: boolean } = {}): Promise<TestSystem> {
    const sys = await startTestSystem({ worker: opts.worker, env: { ...platformEnv(), TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'), ...env } });
    systems.push(sys);
    expect(sys.config.publishers).toEqual({ YOUTUBE: 'api', TIKTOK: 'api', INSTAGRAM: 'api' });
    return sys;
  }

  /** Waits until the run completes (a failed run fails the test at once, with its error). */
  function completion(sys: TestSystem, workflowId: string) {
    return eventually(
      async () => {
        const r = await sys.request('GET', `/orchestrator/daily-loop/status/${workflowId}`);
        if (r.body.status === 'FAILED') throw new Error(`run failed: ${JSON.stringify(r.body.error ?? r.body)}`);
        return r.body.status === 'COMPLETED' ? r.body : undefined;
      },
      240_000,
      500,
    );
  }

  async function runToCompletion(sys: TestSystem, body: Record<string, unknown>) {
    const start = await sys.request('POST', '/orchestrator/daily-loop/start', { autoApprove: true, ...body });
    expect(start.status).toBe(201);
    return completion(sys, start.body.workflowId);
  }

  /**
   * Posts each platform has (or will publish): complete YouTube uploads, TikTok uploads whose every byte
   * arrived (an init whose upload never completed publishes nothing), published Instagram media.
   */
  const counts = () => ({
    youtube: google.videos().length,
    tiktok: tiktok.posts().filter((p) => p.sha256 !== undefined).length,
    instagram: instagram.published().length,
  });

  it('two approved videos reach each platform exactly once, with the disclosure, the flags and the tracked link', async () => {
    const before = counts();
    const sys = await system();
    const done = await runToCompletion(sys, { maxProducts: 2 });
    expect(done.result.publishing.failed).toEqual([]);
    expect(done.result.publishing.published).toHaveLength(6);
    const after = counts();
    expect({ youtube: after.youtube - before.youtube, tiktok: after.tiktok - before.tiktok, instagram: after.instagram - before.instagram }).toEqual({
      youtube: 2,
      tiktok: 2,
      instagram: 2,
    });

    const pubs = await sys.db.publication.findMany({ include: { video: { include: { content: true } } } });
    expect(pubs.map((p) => p.status)).toEqual(Array(6).fill('PUBLISHED'));
    for (const p of pubs) expect(p.uploadState).not.toBeNull();

    // YouTube: private by default, not made for kids, synthetic media declared, the disclosure and the link in the description.
    for (const v of google.videos().slice(before.youtube)) {
      const pub = pubs.find((p) => p.platform === 'YOUTUBE' && p.externalId === v.id)!;
      expect(pub).toBeDefined();
      expect(v.status).toMatchObject({ privacyStatus: 'private', selfDeclaredMadeForKids: false, containsSyntheticMedia: true });
      expect(v.snippet.description).toContain(pub.video.content.disclosure);
      expect(v.snippet.description).toContain(`/r/${pub.video.content.trackingCode}-yt`);
      expect(pub.url).toBe(`https://www.youtube.com/shorts/${v.id}`);
    }
    // TikTok: AI content flagged, the disclosure in the caption, and no URL (TikTok captions are not links).
    for (const t of tiktok
      .posts()
      .filter((p) => p.sha256 !== undefined)
      .slice(before.tiktok)) {
      expect(t.postInfo.is_aigc).toBe(true);
      expect(t.postInfo.title).toMatch(/#ad/);
      expect(t.postInfo.title).not.toMatch(/https?:\/\//);
      expect(t.sourceInfo.source).toBe('FILE_UPLOAD');
    }
    // Instagram: a REELS container fetched from our media URL, then published.
    const containers = instagram.containers.slice(-2);
    for (const c of containers) {
      expect(c.mediaType).toBe('REELS');
      expect(c.videoUrl).toMatch(new RegExp(`^${media.url}/media/videos/`));
    }
    // The post links are in the ledger (and so in the run notice and the approval card).
    for (const p of pubs) expect(p.url).toMatch(/^https:\/\//);
  }, 300_000);

  it('every platform call failing after the platform has the post still gives exactly one post each: the retry resumes from the saved state', async () => {
    const before = counts();
    const sys = await system({ FAULT_INJECTION: 'publish-after-call:throw-once' });
    google.failNext('upload-5xx-mid');
    const done = await runToCompletion(sys, { maxProducts: 1 });
    expect(done.result.publishing.published).toHaveLength(3);
    const after = counts();
    expect([after.youtube - before.youtube, after.tiktok - before.tiktok, after.instagram - before.instagram]).toEqual([1, 1, 1]);
    const pubs = await sys.db.publication.findMany();
    expect(pubs.map((p) => [p.status, p.attempts])).toEqual(Array(3).fill(['PUBLISHED', 2]));
    // The 503 half-way through the upload resumed from the Range the session reported.
    expect(google.duplicateBytes).toBeLessThanOrEqual(8 * 1024 * 1024);
  }, 300_000);

  it('views reported by the platforms reach the analytics (unknown stays unknown, never 0)', async () => {
    const sys = systems[0];
    const pubs = await sys.db.publication.findMany({ where: { status: 'PUBLISHED' } });
    for (const p of pubs.filter((x) => x.platform === 'YOUTUBE')) google.setViews(p.externalId!, 1200);
    for (const p of pubs.filter((x) => x.platform === 'TIKTOK')) tiktok.setViews(p.externalId!, 300);
    // Instagram gives nothing for these posts: their views stay unknown. The weekly period ends at the
    // start of the day, so this run's period ends tomorrow to include today's snapshots.
    const tomorrow = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1)).toISOString();
    const start = await sys.orchestrator.startWeeklyOptimization({ startedBy: 'test', periodEnd: tomorrow });
    expect(start.status).toBe('started');
    await eventually(
      async () => {
        const r = await sys.request('GET', `/orchestrator/reports/${start.workflowId}`);
        return r.status === 200 ? r.body : undefined;
      },
      120_000,
      500,
    );
    const report = await sys.db.report.findUniqueOrThrow({ where: { workflowId: start.workflowId } });
    expect((report.data as { totals?: unknown }).totals).toMatchObject({ views: 3000 });
    const snaps = await sys.db.analyticsSnapshot.findMany({ where: { publicationId: { not: null } } });
    expect(snaps.filter((s) => s.platform === 'YOUTUBE').map((s) => s.views)).toEqual([1200, 1200]);
    expect(snaps.filter((s) => s.platform === 'TIKTOK').map((s) => s.views)).toEqual([300, 300]);
    expect(snaps.filter((s) => s.platform === 'INSTAGRAM')).toHaveLength(0);
  }, 200_000);

  describe('a worker SIGKILLed while publishing', () => {
    /** A worker process of its own, with the same settings as the test system (so it can be killed). */
    function workerProcess(sys: TestSystem, fault = 'none'): ChildProcess {
      const child = spawn(
        process.execPath,
        ['--import', path.join(PROJECT_ROOT, 'node_modules/tsx/dist/loader.mjs'), path.join(PROJECT_ROOT, 'worker/index.ts')],
        {
          cwd: PROJECT_ROOT,
          env: {
            ...process.env,
            ...platformEnv(),
            LOG_LEVEL: 'warn',
            DATA_DIR: sys.config.dataDir,
            // The voice of the in-process test worker (test/support/harness.ts): espeak-ng is fast.
            VOICE: 'espeak',
            DATABASE_URL: sys.databaseUrl,
            TEMPORAL_ADDRESS: sys.config.TEMPORAL_ADDRESS,
            TEMPORAL_TASK_QUEUE: sys.config.TEMPORAL_TASK_QUEUE,
            TEMPORAL_NAMESPACE: sys.config.TEMPORAL_NAMESPACE,
            TOKEN_ENCRYPTION_KEY: sys.config.TOKEN_ENCRYPTION_KEY!,
            ACTIVITY_HEARTBEAT_TIMEOUT: '3s',
            ACTIVITY_INITIAL_INTERVAL: '200ms',
            ACTIVITY_MAX_INTERVAL: '1s',
            FAULT_INJECTION: fault,
          },
          stdio: ['ignore', 'inherit', 'inherit'],
        },
      );
      children.push(child);
      return child;
    }

    it('mid-upload (TikTok has the bytes and is processing): the new worker polls the same post, one post per platform', async () => {
      const before = { ...counts(), inits: tiktok.counts.init };
      tiktok.setPollsUntilComplete(4);
      const sys = await system({ ACTIVITY_HEARTBEAT_TIMEOUT: '3s' }, { worker: false });
      const first = workerProcess(sys);
      const start = await sys.request('POST', '/orchestrator/daily-loop/start', { autoApprove: true, maxProducts: 1 });
      // The TikTok upload is done and its publish_id saved; TikTok is still processing: kill the worker now.
      await eventually(
        async () => {
          const row = await sys.db.publication.findFirst({ where: { platform: 'TIKTOK' } });
          return row && row.status === 'PENDING' && (row.uploadState as { publishId?: string } | null)?.publishId ? row : undefined;
        },
        180_000,
        100,
      );
      first.kill('SIGKILL');
      workerProcess(sys);
      const done = await completion(sys, start.body.workflowId);
      expect(done.result.publishing.failed).toEqual([]);
      const after = counts();
      expect([after.youtube - before.youtube, after.tiktok - before.tiktok, after.instagram - before.instagram]).toEqual([1, 1, 1]);
      // One video/init: the new worker polled the saved publish_id instead of posting again.
      expect(tiktok.counts.init - before.inits).toBe(1);
      tiktok.setPollsUntilComplete(1);
    }, 300_000);

    it('after the platform call and before the ledger confirmation: still one post per platform', async () => {
      const before = counts();
      const sys = await system({ ACTIVITY_HEARTBEAT_TIMEOUT: '3s' }, { worker: false });
      const crashing = workerProcess(sys, 'publish-after-call:crash');
      const exited = new Promise<NodeJS.Signals | null>((r) => crashing.once('exit', (_code, signal) => r(signal)));
      const start = await sys.request('POST', '/orchestrator/daily-loop/start', { autoApprove: true, maxProducts: 1 });
      expect(await exited).toBe('SIGKILL');
      workerProcess(sys);
      const done = await completion(sys, start.body.workflowId);
      expect(done.result.publishing.failed).toEqual([]);
      const after = counts();
      expect([after.youtube - before.youtube, after.tiktok - before.tiktok, after.instagram - before.instagram]).toEqual([1, 1, 1]);
      expect((await sys.db.publication.findMany()).every((p) => p.status === 'PUBLISHED')).toBe(true);
    }, 300_000);
  });
});
