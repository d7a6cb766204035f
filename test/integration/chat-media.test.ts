// Approval cards and weekly reports against Slack and Discord fakes that refuse
// what the real platforms refuse (image URLs they cannot download, over-long
// blocks, oversized attachments): the media is uploaded, the limits hold, and a
// refused message falls back to plain text that the feed reports.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import { FakeDiscord } from '../fakes/discord-gateway.js';
import { eventually, startTestSystem, type TestSystem } from '../support/harness.js';
import { chatFakesEnv } from '../support/chat-env.js';
import { ffprobe } from '../support/media.js';
import { createNotifier } from '../../src/worker.js';
import type { Delivery, NotificationInput, Notifier } from '../../src/providers/notifier/index.js';
import { SlackNotifier } from '../../src/chatops/slack/notifier.js';
import { DiscordNotifier } from '../../src/chatops/discord/notifier.js';
import { createLogger } from '../../src/logger.js';
import { renderWeeklyChartPng } from '../../src/domain/chart.js';

const APPROVALS = '700000000000000010';
const REPORTS = '700000000000000011';
const ALERTS = '700000000000000012';
const MB = 1024 * 1024;
const TOKEN = 'chat-media-api-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const VIDEO = 'videos/11111111-2222-4333-8444-555555555555/video.mp4';
const THUMB = 'videos/11111111-2222-4333-8444-555555555555/thumbnail.png';
const CHART = 'reports/weekly-2030-W01/chart.png';
const LONG_TITLE = 'Ultra Premium Stainless Steel Insulated Water Bottle with Leak Proof Lid and Carry Strap, '.repeat(6).trim();

const approval = (title = 'Insulated bottle', videoId = '11111111-2222-4333-8444-555555555555'): NotificationInput => ({
  kind: 'approval_requested',
  level: 'INFO',
  title: `Approve "${title}"?`,
  message: 'ready',
  workflowId: 'daily-2030-01-01',
  data: { videoId, title, product: title, asin: 'B000TEST01', videoKey: VIDEO, thumbnailKey: THUMB, platforms: ['YOUTUBE'] },
  dedupeKey: `approval:daily-2030-01-01:${videoId}:${title.length}`,
});
const weekly: NotificationInput = {
  kind: 'weekly_report',
  level: 'INFO',
  title: 'Weekly report weekly-2030-W01',
  message: '# Weekly report',
  workflowId: 'weekly-2030-W01',
  data: { chartKey: CHART, earnings: 12.5, cost: 3, roi: 4.1, clicks: 40, views: null },
  dedupeKey: 'report:weekly-2030-W01',
};

describe('chat media and limits against strict Slack and Discord fakes', () => {
  let slack: FakeSlackApi;
  let discord: FakeDiscord;
  let sys: TestSystem;
  let notifier: Notifier;
  const log = createLogger('test-chat-media', process.env.TEST_LOG_LEVEL ?? 'silent');

  beforeAll(async () => {
    slack = await startFakeSlackApi();
    discord = await FakeDiscord.start({ maxUploadBytes: 2 * MB });
    sys = await startTestSystem({
      worker: false,
      env: {
        ...chatFakesEnv(slack, discord, { apiToken: TOKEN, discordChannels: { approvals: APPROVALS, reports: REPORTS, alerts: ALERTS } }),
        DISCORD_MAX_UPLOAD_MB: '2',
      },
    });
    // Real media: an 8 s 1080x1920 H.264/AAC short at 4 Mbit/s (about 4 MB, over the 2 MB Discord limit set above),
    // its thumbnail, and a weekly chart.
    const video = sys.storage.localPath(VIDEO);
    fs.mkdirSync(path.dirname(video), { recursive: true });
    // prettier-ignore
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=1080x1920:r=30:d=8', '-f', 'lavfi', '-i', 'sine=f=440:d=8',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '4M', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-movflags', '+faststart', video]);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-ss', '1', '-i', video, '-frames:v', '1', '-vf', 'scale=540:960', sys.storage.localPath(THUMB)]);
    for (const key of [CHART, 'reports/weekly-2030-W02/chart.png']) {
      const chart = sys.storage.localPath(key);
      fs.mkdirSync(path.dirname(chart), { recursive: true });
      fs.writeFileSync(chart, await renderWeeklyChartPng([{ date: '2030-01-01', clicks: 3, views: null, earnings: 1 }]));
    }
    notifier = createNotifier(sys.config, sys.db, sys.storage);
  }, 120_000);

  afterAll(async () => {
    await sys?.stop();
    await slack?.close();
    await discord?.stop();
  });

  const feedRow = (key: string) => eventually(() => sys.db.notification.findUnique({ where: { dedupeKey: key } }));
  const deliveries = async (key: string) => ((await feedRow(key))!.deliveries ?? {}) as unknown as Record<string, Delivery>;
  const bodiesSince = (n: number) => JSON.stringify(slack.calls.slice(n).map((c) => c.body));

  describe('Slack', () => {
    it('an approval card arrives with its thumbnail uploaded and the MP4 in its thread, and no address of ours', async () => {
      const before = slack.calls.length;
      await notifier.notify(approval());
      const card = slack.delivered('chat.postMessage').find((c) => c.body.channel === 'C_APPROVALS' && !c.body.thread_ts)!;
      expect(card).toBeDefined();
      const image = (card.body.blocks as any[]).find((b) => b.type === 'image');
      expect(image.slack_file.id).toMatch(/^F/);
      expect(image.image_url).toBeUndefined();
      const thumb = slack.files.find((f) => f.id === image.slack_file.id)!;
      expect(thumb.bytes.equals(fs.readFileSync(sys.storage.localPath(THUMB)))).toBe(true);
      expect(thumb.channel).toBeUndefined(); // private to the bot, shown through the card

      const video = await eventually(async () => slack.files.find((f) => f.filename === 'video.mp4'));
      expect(video.channel).toBe('C_APPROVALS');
      expect(video.threadTs).toBeDefined();
      expect(video.initialComment).toMatch(/Insulated bottle/);
      expect(video.bytes.equals(fs.readFileSync(sys.storage.localPath(VIDEO)))).toBe(true);
      // The thread is the card's: the file was shared under the ts Slack gave the card.
      const cardMessages = slack.channelMessages('C_APPROVALS').filter((m) => !m.thread_ts);
      expect(cardMessages.map((m) => m.ts)).toContain(video.threadTs);
      expect(bodiesSince(before)).not.toMatch(/127\.0\.0\.1|localhost|\/media\//);
      expect((await deliveries(approval().dedupeKey!)).slack).toMatchObject({ status: 'delivered' });
    }, 60_000);

    it('a weekly report arrives with its chart uploaded as a Slack file, and no loopback report link', async () => {
      const before = slack.calls.length;
      await notifier.notify(weekly);
      const post = slack.delivered('chat.postMessage').find((c) => c.body.channel === 'C_REPORTS')!;
      const image = (post.body.blocks as any[]).find((b) => b.type === 'image');
      const chart = slack.files.find((f) => f.id === image.slack_file.id)!;
      expect(chart.bytes.equals(fs.readFileSync(sys.storage.localPath(CHART)))).toBe(true);
      expect(bodiesSince(before)).not.toMatch(/127\.0\.0\.1|Full report/);
      expect(post.body.text).toMatch(/Earnings \$12\.50/);
    });

    it('an over-long product title is cut cleanly and the card is accepted', async () => {
      const n = approval(LONG_TITLE, '21111111-2222-4333-8444-555555555555');
      await notifier.notify(n);
      const card = slack
        .delivered('chat.postMessage')
        .find((c) => c.body.channel === 'C_APPROVALS' && JSON.stringify(c.body.blocks).includes('Ultra Premium'))!;
      const header = (card.body.blocks as any[]).find((b) => b.type === 'header');
      expect(header.text.text.length).toBeLessThanOrEqual(150);
      expect(header.text.text).toMatch(/…$/);
      expect((await deliveries(n.dedupeKey!)).slack).toMatchObject({ status: 'delivered' });
    });

    it('a refused card is logged, replaced by a plain-text fallback with the buttons, and the feed shows it', async () => {
      const n = approval('Refused once', '31111111-2222-4333-8444-555555555555');
      slack.failNext('chat.postMessage', 'invalid_blocks');
      await notifier.notify(n);
      const fallback = slack.delivered('chat.postMessage').find((c) => c.body.channel === 'C_APPROVALS' && String(c.body.text).includes('Refused once'))!;
      expect(fallback.body.text).toMatch(/^Approve "Refused once" \(Refused once, B000TEST01\) for YOUTUBE, run daily-2030-01-01\?/);
      const blocks = fallback.body.blocks as any[];
      expect(blocks.map((b) => b.type)).toEqual(['section', 'actions']);
      expect(blocks[1].elements.map((e: any) => e.action_id)).toEqual([
        'approve|daily-2030-01-01|31111111-2222-4333-8444-555555555555',
        'reject|daily-2030-01-01|31111111-2222-4333-8444-555555555555',
      ]);
      expect((await deliveries(n.dedupeKey!)).slack).toMatchObject({ status: 'fallback', error: expect.stringMatching(/invalid_blocks/) });
      const feed = await sys.request('GET', '/orchestrator/notifications?limit=50', undefined, AUTH);
      const row = feed.body.notifications.find((x: any) => x.dedupeKey === n.dedupeKey);
      expect(row.deliveries.slack).toMatchObject({ status: 'fallback', error: expect.stringMatching(/invalid_blocks/) });
      const consoleFeed = await sys.request('GET', '/console/feed', undefined, AUTH);
      expect(JSON.stringify(consoleFeed.body)).toMatch(/Slack refused this message \(invalid_blocks/);
    });

    it('waits for Slack to finish processing an uploaded image instead of failing the message', async () => {
      slack.setFileProcessingMs(700);
      try {
        const direct = new SlackNotifier({ config: sys.config, log, media: sys.storage, minIntervalMs: 0, fileReadyDelaysMs: [200, 200, 200, 200, 200, 200] });
        const infosBefore = slack.calls.filter((c) => c.method === 'files.info').length;
        const before = slack.calls.length;
        const r = await direct.notify({
          ...weekly,
          title: 'Weekly report weekly-2030-W02',
          dedupeKey: undefined,
          workflowId: 'weekly-2030-W02',
          data: { ...weekly.data, chartKey: 'reports/weekly-2030-W02/chart.png' },
        });
        expect(r).toMatchObject({ status: 'delivered' });
        expect(r.detail).toBeUndefined();
        expect(slack.calls.filter((c) => c.method === 'files.info').length - infosBefore).toBeGreaterThanOrEqual(2); // polled while processing
        const posts = slack.calls.slice(before).filter((c) => c.method === 'chat.postMessage');
        expect(posts.map((p) => p.ok)).toEqual([true]);
        expect((posts[0].body.blocks as any[]).some((b) => b.type === 'image' && b.slack_file)).toBe(true);
      } finally {
        slack.setFileProcessingMs(0);
      }
    });

    it('when Slack will not show a private upload inline, the card goes without it and the image goes into its thread', async () => {
      slack.setRefusePrivateSlackFiles(true);
      try {
        const direct = new SlackNotifier({ config: sys.config, log, media: sys.storage, minIntervalMs: 0, fileReadyDelaysMs: [50] });
        const r = await direct.notify(approval('Private upload', '81111111-2222-4333-8444-555555555555'));
        expect(r).toMatchObject({ status: 'delivered', detail: expect.stringMatching(/in the thread/) });
        const card = slack.delivered('chat.postMessage').find((c) => String(c.body.text).includes('Private upload'))!;
        expect((card.body.blocks as any[]).map((b) => b.type)).toEqual(['header', 'section', 'context', 'actions']);
        const inThread = slack
          .channelMessages('C_APPROVALS')
          .filter((m) => m.thread_ts && m.thread_ts === slack.channelMessages('C_APPROVALS').find((x) => x.text?.includes('Private upload'))?.ts);
        const names = slack.files.filter((f) => inThread.some((m) => m.files?.some((x: any) => (x.id ?? x) === f.id))).map((f) => f.filename);
        expect(names.sort()).toEqual(['thumbnail.png', 'video.mp4']);
      } finally {
        slack.setRefusePrivateSlackFiles(false);
      }
    });

    it('the fake is as strict as Slack: a loopback image_url fails the whole message', async () => {
      const r = await fetch(`${slack.url}/api/chat.postMessage`, {
        method: 'POST',
        headers: { authorization: 'Bearer xoxb-test-1-2', 'content-type': 'application/json' },
        body: JSON.stringify({
          channel: 'C_APPROVALS',
          text: 'x',
          blocks: [{ type: 'image', image_url: `${sys.config.publicBaseUrl}/media/${THUMB}`, alt_text: 't' }],
        }),
      });
      const body = await r.json();
      expect(body).toMatchObject({ ok: false, error: 'invalid_blocks' });
      expect(JSON.stringify(body.errors)).toMatch(/downloading image failed/);
    });
  });

  describe('Discord', () => {
    it('an approval card carries the video as an attachment, re-encoded into a preview under the server limit', async () => {
      await notifier.notify(approval('Discord card', '41111111-2222-4333-8444-555555555555'));
      const card = discord.channelMessages(APPROVALS).at(-1)!;
      const names = (card.attachments as any[]).map((a) => a.filename).sort();
      expect(names).toEqual(['thumbnail.png', 'video.mp4']);
      expect(card.embeds[0].thumbnail).toEqual({ url: 'attachment://thumbnail.png' });
      expect(JSON.stringify(card.embeds)).toMatch(/smaller preview/);
      expect(JSON.stringify(card)).not.toMatch(/127\.0\.0\.1|\/media\//);
      const bytes = discord.attachmentBytes(card.id, 'video.mp4')!;
      expect(bytes.length).toBeLessThanOrEqual(2 * MB);
      expect(fs.statSync(sys.storage.localPath(VIDEO)).size).toBeGreaterThan(2 * MB);
      // The preview is a real, playable short: same length, H.264 + AAC, vertical.
      const previewFile = fs.readdirSync(path.dirname(sys.storage.localPath(VIDEO))).find((f) => f.startsWith('preview-'))!;
      const p = ffprobe(path.join(path.dirname(sys.storage.localPath(VIDEO)), previewFile));
      expect(p).toMatchObject({ videoCodec: 'h264', audioCodec: 'aac' });
      expect(p.height).toBeGreaterThan(p.width);
      expect(Math.abs(p.durationSec - 8)).toBeLessThan(0.5);
      expect(bytes.equals(fs.readFileSync(path.join(path.dirname(sys.storage.localPath(VIDEO)), previewFile)))).toBe(true);

      // A second card for the same video reuses the preview instead of encoding it again.
      const mtime = fs.statSync(path.join(path.dirname(sys.storage.localPath(VIDEO)), previewFile)).mtimeMs;
      await notifier.notify(approval('Discord card again', '41111111-2222-4333-8444-555555555555'));
      expect(fs.statSync(path.join(path.dirname(sys.storage.localPath(VIDEO)), previewFile)).mtimeMs).toBe(mtime);
    }, 120_000);

    it('a weekly report carries its chart as an attachment shown in the embed', async () => {
      await notifier.notify({ ...weekly, dedupeKey: 'report:weekly-2030-W01:discord' });
      const report = discord.channelMessages(REPORTS).at(-1)!;
      expect(report.embeds[0].image).toEqual({ url: 'attachment://weekly-2030-W01-chart.png' });
      expect(discord.attachmentBytes(report.id, 'weekly-2030-W01-chart.png')!.equals(fs.readFileSync(sys.storage.localPath(CHART)))).toBe(true);
      expect(JSON.stringify(report)).not.toMatch(/127\.0\.0\.1|Full report/);
    });

    it('an over-long title is cut to the embed limits and accepted', async () => {
      await notifier.notify(approval(LONG_TITLE, '51111111-2222-4333-8444-555555555555'));
      const card = discord.channelMessages(APPROVALS).at(-1)!;
      expect(card.embeds[0].title.length).toBeLessThanOrEqual(256);
      expect(card.embeds[0].title).toMatch(/…$/);
    });

    it('a refused card (400) falls back to plain text with the buttons, and the feed shows it', async () => {
      const n = approval('Refused by Discord', '61111111-2222-4333-8444-555555555555');
      discord.failNext('POST', new RegExp(`/channels/${APPROVALS}/messages$`), 400);
      await notifier.notify(n);
      const msg = discord.channelMessages(APPROVALS).at(-1)!;
      expect(msg.embeds).toEqual([]);
      expect(msg.content).toMatch(/^Approve "Refused by Discord"/);
      expect(msg.components[0].components.map((b: any) => b.custom_id)).toEqual([
        'approve|daily-2030-01-01|61111111-2222-4333-8444-555555555555',
        'reject|daily-2030-01-01|61111111-2222-4333-8444-555555555555',
      ]);
      expect((await deliveries(n.dedupeKey!)).discord).toMatchObject({ status: 'fallback', error: expect.stringMatching(/^400/) });
    });

    it('attachments over the real server limit (413) are dropped with a note, not the card', async () => {
      const tooGenerous = DiscordNotifier.fromConfig({ ...sys.config, DISCORD_MAX_UPLOAD_MB: 25 }, { media: sys.storage })!;
      const r = await tooGenerous.notify(approval('Too big', '71111111-2222-4333-8444-555555555555'));
      expect(r).toMatchObject({ status: 'fallback', error: expect.stringMatching(/^413/), detail: expect.stringMatching(/DISCORD_MAX_UPLOAD_MB/) });
      const msg = discord.channelMessages(APPROVALS).at(-1)!;
      expect(msg.embeds[0].title).toBe('🎬 Too big');
      expect(msg.components[0].components).toHaveLength(2);
    });
  });
});
