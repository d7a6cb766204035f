import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestSystem, type TestSystem } from '../support/harness.js';
import { ffprobe } from '../support/media.js';

const DISCLOSURE = 'As an Amazon Associate I earn from qualifying purchases';

/**
 * Steps 1-7 on the offline providers, through the HTTP API, on the real Temporal
 * dev server and PostgreSQL: scripts, real videos, the approval gate, publishing.
 */
describe('daily loop: content, videos, approval gate and publishing', () => {
  let sys: TestSystem;
  let workflowId = '';
  let videoIds: string[] = [];

  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(async () => sys?.stop());

  it('renders a real video per selected product and waits for approval', async () => {
    const start = await sys.request('POST', '/orchestrator/daily-loop/start', { maxProducts: 2, platforms: ['youtube', 'tiktok'] });
    expect(start.status).toBe(201);
    workflowId = start.body.workflowId;

    const waiting = await eventually(
      async () => {
        const r = await sys.request('GET', `/orchestrator/daily-loop/status/${workflowId}`);
        return r.body.progress?.step === 'awaitApproval' && r.body.progress.approvals.pending === 2 ? r.body : undefined;
      },
      120_000,
      250,
    );
    expect(waiting.progress.stepsDone).toEqual([
      'syncProducts',
      'rankAllProducts',
      'selectTopProducts',
      'generateContentForProducts',
      'generateVideosForContent',
    ]);
    expect(waiting.progress.videos).toMatchObject({ generated: 2, ready: 2 });
    expect(waiting.approvals.map((a: { state: string }) => a.state)).toEqual(['pending', 'pending']);
    videoIds = waiting.approvals.map((a: { videoId: string }) => a.videoId);
    expect(waiting.approvals[0]).toMatchObject({
      title: expect.any(String),
      videoUrl: expect.stringMatching(/\/media\/videos\/[^/]+\/video\.mp4$/),
      thumbnailUrl: expect.stringMatching(/thumbnail\.png$/),
    });

    for (const id of videoIds) {
      const video = await sys.db.video.findUniqueOrThrow({ where: { id }, include: { content: true } });
      expect(video.status).toBe('READY');
      const file = path.join(sys.config.mediaDir, video.videoPath!);
      const probe = ffprobe(file);
      expect(probe).toMatchObject({ width: 1080, height: 1920, videoCodec: 'h264', audioCodec: 'aac' });
      expect(probe.fps).toBe(30);
      expect(probe.durationSec).toBeGreaterThan(8);
      expect(probe.durationSec).toBeLessThanOrEqual(60.5);
      // The script carries the disclosure spoken (last sentence) and in the description, and the tracked link.
      const sentences = video.content.script.split('\n');
      expect(sentences[sentences.length - 1]).toContain(DISCLOSURE);
      expect(video.content.description).toContain(DISCLOSURE);
      expect(video.content.description).toContain(`/r/${video.content.trackingCode}`);
      // Served at /media/… like the approval cards link it.
      const media = await fetch(`${sys.baseUrl}/media/${video.videoPath}`, { headers: { range: 'bytes=0-99' } });
      expect(media.status).toBe(206);
      expect(media.headers.get('content-type')).toBe('video/mp4');
      expect(fs.existsSync(path.join(sys.config.mediaDir, video.thumbnailPath!))).toBe(true);
    }

    // The cards are posted just after the run enters awaitApproval.
    const notes = await eventually(async () => {
      const r = await sys.request('GET', `/orchestrator/notifications?workflowId=${workflowId}&kind=approval_requested`);
      return r.body.notifications?.length === 2 ? r : undefined;
    });
    expect(notes.body.notifications).toHaveLength(2);
    expect(notes.body.notifications[0].data).toMatchObject({ platforms: ['YOUTUBE', 'TIKTOK'], videoKey: expect.stringMatching(/^videos\/.+\/video\.mp4$/) });
  }, 180_000);

  it('takes the first decision per video, records later ones and ignores them', async () => {
    const [a, b] = videoIds;
    const approve = await sys.request('POST', `/orchestrator/daily-loop/${workflowId}/approval`, {
      videoId: a,
      decision: 'approve',
      by: 'alice',
      reason: 'looks good',
    });
    expect(approve.status).toBe(200);
    expect(approve.body).toMatchObject({ effective: true, state: { state: 'approved', by: 'api:loopback', byName: 'alice' } });

    const second = await sys.request('POST', `/orchestrator/daily-loop/${workflowId}/approval`, { videoId: a, decision: 'reject', by: 'bob' });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('already_decided');
    expect(second.body.error.message).toMatch(/already approved by alice/);

    const unknown = await sys.request('POST', `/orchestrator/daily-loop/${workflowId}/approval`, { videoId: 'nope', decision: 'approve' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('video_not_found');
    const bad = await sys.request('POST', `/orchestrator/daily-loop/${workflowId}/approval`, { videoId: b, decision: 'maybe' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ field: 'decision', message: expect.stringMatching(/"approve" or "reject"/) });

    const reject = await sys.request('POST', `/orchestrator/daily-loop/${workflowId}/approval`, {
      videoId: b,
      decision: 'reject',
      by: 'alice',
      reason: 'audio too fast',
    });
    expect(reject.body).toMatchObject({ effective: true, state: { state: 'rejected' } });
  });

  it('publishes approved videos once per platform and never the rejected one', async () => {
    const [a, b] = videoIds;
    const done = await eventually(
      async () => {
        const r = await sys.request('GET', `/orchestrator/daily-loop/status/${workflowId}`);
        return r.body.status === 'COMPLETED' ? r.body : undefined;
      },
      60_000,
      250,
    );
    expect(done.result.approvals).toEqual({ approved: [a], rejected: [b], expired: [] });
    expect(done.result.publishing.failed).toEqual([]);
    expect(done.result.publishing.published.map((p: { platform: string; videoId: string }) => `${p.platform}:${p.videoId}`).sort()).toEqual([
      `TIKTOK:${a}`,
      `YOUTUBE:${a}`,
    ]);

    const pubs = await sys.db.publication.findMany();
    expect(pubs.map((p) => `${p.platform}:${p.videoId}:${p.status}`).sort()).toEqual([`TIKTOK:${a}:PUBLISHED`, `YOUTUBE:${a}:PUBLISHED`]);
    for (const platform of ['youtube', 'tiktok']) {
      const dir = path.join(sys.config.outboxDir, platform);
      const posts = fs.readdirSync(dir).filter((f) => !f.startsWith('.') && f !== 'posts.log');
      expect(posts).toHaveLength(1);
      const meta = JSON.parse(fs.readFileSync(path.join(dir, posts[0], 'metadata.json'), 'utf8'));
      expect(meta.videoId).toBe(a);
      expect(meta.description).toContain(DISCLOSURE);
      expect(meta.description).toMatch(new RegExp(`/r/[A-Za-z0-9]+-${platform === 'youtube' ? 'yt' : 'tt'}`));
      expect(ffprobe(path.join(dir, posts[0], 'video.mp4')).width).toBe(1080);
    }
    expect(fs.existsSync(path.join(sys.config.outboxDir, 'instagram'))).toBe(false);
    // Per-platform cuts: YouTube posted the main file ("link in the description"), TikTok its own cut ("link in bio").
    const video = await sys.db.video.findUniqueOrThrow({ where: { id: a } });
    expect(video.platformVideos).toEqual({ TIKTOK: `videos/${a}/video-bio.mp4` });
    const posted = (platform: string) => {
      const dir = path.join(sys.config.outboxDir, platform);
      const post = fs.readdirSync(dir).find((f) => !f.startsWith('.') && f !== 'posts.log')!;
      return fs.readFileSync(path.join(dir, post, 'video.mp4'));
    };
    expect(posted('youtube').equals(fs.readFileSync(sys.storage.localPath(video.videoPath!)))).toBe(true);
    expect(posted('tiktok').equals(fs.readFileSync(sys.storage.localPath(`videos/${a}/video-bio.mp4`)))).toBe(true);
    expect(posted('youtube').equals(posted('tiktok'))).toBe(false);

    const approvals = await sys.db.approval.findMany({ where: { workflowId }, orderBy: { createdAt: 'asc' } });
    // The decider is the authenticated caller (no API_TOKEN: the loopback owner); the body's `by` is only a name beside it.
    expect(approvals.map((x) => `${x.videoId === a ? 'A' : 'B'}:${x.decision}:${x.decidedBy}:${x.decidedByName}:${x.effective}`).sort()).toEqual([
      'A:APPROVE:api:loopback:alice:true',
      'A:REJECT:api:loopback:bob:false',
      'B:REJECT:api:loopback:alice:true',
    ]);
    expect(await sys.db.auditEvent.count({ where: { workflowId, action: { startsWith: 'approval.' } } })).toBe(3);
    expect((await sys.db.video.findUniqueOrThrow({ where: { id: b } })).status).toBe('REJECTED');

    const late = await sys.request('POST', `/orchestrator/daily-loop/${workflowId}/approval`, { videoId: b, decision: 'approve', by: 'carol' });
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'run_closed', message: expect.stringMatching(/approvals have expired/) });
  }, 90_000);

  it('redirects a tracked link to the product with the partner tag and records the click', async () => {
    const [a] = videoIds;
    const video = await sys.db.video.findUniqueOrThrow({ where: { id: a }, include: { content: true, product: true } });
    const r = await fetch(`${sys.baseUrl}/r/${video.content.trackingCode}-yt`, {
      redirect: 'manual',
      headers: { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148' },
    });
    expect(r.status).toBe(302);
    const location = new URL(r.headers.get('location')!);
    expect(location.href.startsWith(video.product.detailPageUrl.split('?')[0])).toBe(true);
    expect(location.searchParams.get('tag')).toBe(sys.config.AMAZON_PARTNER_TAG);
    const click = await eventually(() => sys.db.clickEvent.findFirst({ where: { videoId: a } }));
    expect(click).toMatchObject({ platform: 'YOUTUBE', isBot: false });
  });
});
