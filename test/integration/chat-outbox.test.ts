// Chat messages survive restarts and outages: the dedupe key → message map is in PostgreSQL, and
// every Slack and Discord notice goes through the durable outbox (src/chatops/outbox.ts), which
// retries what the platforms refuse for now (503, 429 with Retry-After, connection refused) and
// gives up, visibly, on what they refuse for good or after CHAT_DELIVERY_EXPIRY.
// Real Temporal + PostgreSQL; Slack and Discord are the local fakes, with their outage modes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import { FakeDiscord } from '../fakes/discord-gateway.js';
import { eventually, startTestSystem, type TestSystem } from '../support/harness.js';
import { chatFakesEnv } from '../support/chat-env.js';
import { createChatOutbox, type ChatOutbox, type ChatOutboxOptions } from '../../src/chatops/outbox.js';
import { createLogger } from '../../src/logger.js';
import type { Delivery, NotificationInput } from '../../src/providers/notifier/index.js';

const ALERTS = '700000000000000022';
const APPROVALS = '700000000000000020';
const REPORTS = '700000000000000021';
/**
 * How long the chat APIs stay down during the daily run: 2 minutes, as the issue states. The
 * backoff's ceiling (CHAT_RETRY_MAX_INTERVAL=5s below) keeps delivery within seconds of the
 * return; CHAT_OUTAGE_MS shortens it for a quick local loop while changing the code.
 */
const TOKEN = 'chat-outbox-api-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const OUTAGE_MS = Number(process.env.CHAT_OUTAGE_MS ?? 120_000);

describe('chat outbox: messages survive restarts and outages (real Temporal + PostgreSQL, Slack and Discord fakes)', () => {
  let slack: FakeSlackApi;
  let discord: FakeDiscord;
  let sys: TestSystem;
  const outboxes: ChatOutbox[] = [];
  const log = createLogger('test-chat-outbox', process.env.TEST_LOG_LEVEL ?? 'silent');

  beforeAll(async () => {
    slack = await startFakeSlackApi();
    discord = await FakeDiscord.start();
    sys = await startTestSystem({
      worker: false,
      env: {
        ...chatFakesEnv(slack, discord, { apiToken: TOKEN, discordChannels: { approvals: APPROVALS, reports: REPORTS, alerts: ALERTS } }),
        CHAT_RETRY_MAX_INTERVAL: '5s',
      },
    });
  }, 60_000);

  afterAll(async () => {
    for (const o of outboxes) await o.stop();
    await sys?.stop();
    await slack?.close();
    await discord?.stop();
  });

  /** A fresh outbox with fresh notifiers on the same database: what a restarted (or another) worker has. */
  const outbox = (opts: Partial<ChatOutboxOptions> = {}) => {
    const o = createChatOutbox(sys.config, sys.db, sys.storage, log, { pollMs: 100, minIntervalMs: 200, ...opts })!;
    outboxes.push(o);
    return o;
  };
  const deliveries = async (dedupeKey: string) =>
    ((await sys.db.notification.findUnique({ where: { dedupeKey } }))?.deliveries ?? {}) as unknown as Record<string, Delivery>;
  const feedEntry = async (dedupeKey: string) => {
    const r = await sys.request('GET', '/orchestrator/notifications?limit=100', undefined, AUTH);
    expect(r.status).toBe(200);
    return (r.body.notifications as { dedupeKey: string; deliveries: Record<string, Delivery> }[]).find((x) => x.dedupeKey === dedupeKey)!;
  };
  const slackPosts = (needle: string) => slack.delivered('chat.postMessage').filter((c) => JSON.stringify(c.body).includes(needle));
  const alert = (id: string, message = 'renderVideo: ffmpeg exited 1'): NotificationInput => ({
    kind: 'workflow_failed',
    level: 'ERROR',
    title: `Daily loop failed ${id}`,
    message,
    workflowId: `daily-${id}`,
    data: { step: 'generateVideosForContent', attempts: 3 },
    dedupeKey: `failed:daily-${id}:run1`,
  });

  it('after a restart, a repeated failure alert updates the same Slack parent and replies in its thread; Discord edits its message', async () => {
    const n = alert('2031-01-01');
    await outbox().notify(n);
    const [parent] = slackPosts('daily-2031-01-01');
    expect(parent.body.thread_ts).toBeUndefined();
    const parentTs = slack.channelMessages('C_ALERTS').find((m) => !m.thread_ts && JSON.stringify(m.blocks).includes('daily-2031-01-01'))!.ts;
    const discordFirst = discord.channelMessages(ALERTS).filter((m) => JSON.stringify(m).includes('daily-2031-01-01'));
    expect(discordFirst).toHaveLength(1);

    // "Restart": new notifiers and a new outbox (nothing in memory), same database.
    await outbox().notify({ ...n, message: 'renderVideo: ffmpeg exited 1 (again)' });
    await outbox().notify({ ...n, message: 'renderVideo: ffmpeg exited 1 (a third time)' });

    const parents = slack.channelMessages('C_ALERTS').filter((m) => !m.thread_ts && JSON.stringify(m.blocks ?? m.text).includes('daily-2031-01-01'));
    expect(parents.map((m) => m.ts)).toEqual([parentTs]);
    expect(parents[0].edits).toBe(2);
    expect(JSON.stringify(parents[0].blocks)).toMatch(/3 times/);
    const replies = slack.channelMessages('C_ALERTS').filter((m) => m.thread_ts === parentTs);
    expect(replies.map((m) => m.text)).toEqual([
      expect.stringMatching(/Seen again \(2 times\)[\s\S]*again/),
      expect.stringMatching(/Seen again \(3 times\)[\s\S]*third/),
    ]);

    const onDiscord = discord.channelMessages(ALERTS).filter((m) => JSON.stringify(m).includes('daily-2031-01-01'));
    expect(onDiscord.map((m) => m.id)).toEqual([discordFirst[0].id]);
    expect(onDiscord[0].edits).toBe(2);
    expect(JSON.stringify(onDiscord[0].embeds)).toMatch(/3 times/);

    expect(await sys.db.notification.findUnique({ where: { dedupeKey: n.dedupeKey } })).toMatchObject({ count: 3 });
    expect(await deliveries(n.dedupeKey!)).toMatchObject({ slack: { status: 'delivered', attempts: 1 }, discord: { status: 'delivered', attempts: 1 } });
  });

  it('after a restart, a run notice keeps updating its one message', async () => {
    const progress = (step: string): NotificationInput => ({
      kind: 'run_progress',
      level: 'INFO',
      title: `🔄 Daily loop daily-2031-02-02: ${step}`,
      message: `step ${step}`,
      workflowId: 'daily-2031-02-02',
      data: { step, stepsDone: 1 },
      dedupeKey: 'run:daily-2031-02-02:r1',
    });
    await outbox().notify(progress('syncProducts'));
    await outbox().notify(progress('rankAllProducts'));
    const parents = slack.channelMessages('C_REPORTS').filter((m) => !m.thread_ts && JSON.stringify(m.blocks ?? '').includes('daily-2031-02-02'));
    expect(parents).toHaveLength(1);
    expect(parents[0].edits).toBe(1);
    expect(JSON.stringify(parents[0].blocks)).toMatch(/rankAllProducts/);
    const onDiscord = discord.channelMessages(REPORTS).filter((m) => JSON.stringify(m).includes('daily-2031-02-02'));
    expect(onDiscord).toHaveLength(1);
    expect(JSON.stringify(onDiscord[0].embeds)).toMatch(/rankAllProducts/);
  });

  it('Slack answering 503 for a while: the notice shows pending in the feed, then is delivered exactly once when Slack returns', async () => {
    const loop = outbox({ maxIntervalMs: 800 }).start();
    await slack.outage('503');
    const n = alert('2031-03-03');
    await loop.notify(n);
    // Discord is fine meanwhile.
    expect(discord.channelMessages(ALERTS).filter((m) => JSON.stringify(m).includes('daily-2031-03-03'))).toHaveLength(1);

    const pending = await eventually(async () => {
      const d = (await feedEntry(n.dedupeKey!)).deliveries.slack;
      return d.status === 'pending' && (d.attempts ?? 0) >= 2 ? d : undefined;
    }, 10_000);
    expect(pending.lastError).toMatch(/503/);
    expect(Date.parse(pending.nextAttemptAt!)).toBeGreaterThan(Date.parse(pending.at!));
    const feed = await feedEntry(n.dedupeKey!);
    expect(feed.deliveries.discord).toMatchObject({ status: 'delivered' });
    // The console shows it too.
    const consoleFeed = await sys.request('GET', '/console/feed', undefined, AUTH);
    expect(JSON.stringify(consoleFeed.body)).toMatch(
      /Not yet delivered to Slack \(\d+ attempts, next at [^)]+\): An HTTP protocol error occurred: statusCode = 503/,
    );
    expect(slackPosts('daily-2031-03-03')).toHaveLength(0);
    const refused = slack.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 503 && JSON.stringify(c.body).includes('daily-2031-03-03'));
    expect(refused.length).toBeGreaterThanOrEqual(2);

    await slack.outage('none');
    await eventually(async () => ((await deliveries(n.dedupeKey!)).slack?.status === 'delivered' ? true : undefined), 10_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(slackPosts('daily-2031-03-03')).toHaveLength(1);
    const done = (await feedEntry(n.dedupeKey!)).deliveries.slack;
    expect(done.attempts).toBeGreaterThanOrEqual(3);
    expect(done.error).toBeUndefined();
    expect(
      await sys.db.chatDelivery.count({ where: { notificationId: (await sys.db.notification.findUnique({ where: { dedupeKey: n.dedupeKey } }))!.id } }),
    ).toBe(2);
  });

  it('a 429 is retried after its Retry-After, not sooner (Slack and Discord)', async () => {
    const loop = outbox({ maxIntervalMs: 300 }).start();
    slack.rateLimitOnce('chat.postMessage', 2);
    discord.failNext('POST', /\/channels\/\d+\/messages$/, 429, { retryAfter: 2 });
    const n = alert('2031-04-04');
    const t0 = Date.now();
    await loop.notify(n);
    const d = await deliveries(n.dedupeKey!);
    expect(d.slack).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringMatching(/rate limited/) });
    expect(Date.parse(d.slack.nextAttemptAt!) - t0).toBeGreaterThanOrEqual(2000);
    expect(d.discord).toMatchObject({ status: 'pending', attempts: 1 });
    await eventually(async () => {
      const x = await deliveries(n.dedupeKey!);
      return x.slack?.status === 'delivered' && x.discord?.status === 'delivered' ? x : undefined;
    }, 15_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
    // One refused call and one accepted, nothing in between (the backoff alone would have retried after 100-300 ms).
    const calls = slack.calls.filter((c) => c.method === 'chat.postMessage' && JSON.stringify(c.body).includes('daily-2031-04-04'));
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    const posts = discord.find('POST', /\/channels\/\d+\/messages$/).filter((r) => JSON.stringify(r.body).includes('daily-2031-04-04'));
    expect(posts.map((r) => r.status)).toEqual([429, 200]);
    expect(posts[1].at - posts[0].at).toBeGreaterThanOrEqual(2000);
  });

  it('a delivery that never succeeds is marked failed at expiry with its error; a refusal is failed at once', async () => {
    const loop = outbox({ expiryMs: 2500, maxIntervalMs: 400 }).start();
    await slack.outage('refuse');
    const n = alert('2031-05-05');
    await loop.notify(n);
    const failed = await eventually(async () => {
      const x = (await feedEntry(n.dedupeKey!)).deliveries.slack;
      return x?.status === 'failed' ? x : undefined;
    }, 15_000);
    expect(failed.error).toMatch(/^expired after \d+ attempts \(CHAT_DELIVERY_EXPIRY\): A request error occurred: .*ECONNREFUSED/);
    expect(failed.attempts).toBeGreaterThanOrEqual(3);
    const consoleFeed = await sys.request('GET', '/console/feed', undefined, AUTH);
    expect(JSON.stringify(consoleFeed.body)).toMatch(/Not delivered to Slack: expired after/);
    await slack.outage('none');
    await new Promise((r) => setTimeout(r, 800));
    expect(slackPosts('daily-2031-05-05')).toHaveLength(0);

    // channel_not_found: Slack will never accept it; no retry.
    slack.failNext('chat.postMessage', 'channel_not_found');
    const m = alert('2031-05-06');
    await loop.notify(m);
    expect((await deliveries(m.dedupeKey!)).slack).toMatchObject({ status: 'failed', attempts: 1, error: 'channel_not_found' });
    await new Promise((r) => setTimeout(r, 800));
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage' && JSON.stringify(c.body).includes('daily-2031-05-06'))).toHaveLength(1);
  });

  it(
    'the chat APIs down for 2 minutes during a run: every notice is delivered after they return, once each',
    async () => {
      for (const o of outboxes.splice(0)) await o.stop();
      // The worker's own outbox loop (createWorker starts it) does the delivering now.
      await sys.startWorker();
      const seenBefore = new Set(slack.messages.map((m) => m.ts));
      await slack.outage('503');
      await discord.outage('refuse');
      const downAt = Date.now();

      const start = await sys.request('POST', '/orchestrator/daily-loop/start', { maxProducts: 2, platforms: ['youtube'] }, AUTH);
      expect(start.status).toBe(201);
      const { workflowId } = start.body;
      const waiting = await eventually(
        async () => {
          const s = await sys.orchestrator.status(workflowId);
          return s.progress?.step === 'awaitApproval' && s.approvals?.length === 2 ? s : undefined;
        },
        150_000,
        250,
      );
      for (const a of waiting.approvals!) {
        const r = await sys.request('POST', `/orchestrator/daily-loop/${workflowId}/approval`, { videoId: a.videoId, decision: 'approve' }, AUTH);
        expect(r.status).toBe(200);
      }
      await eventually(async () => ((await sys.orchestrator.status(workflowId)).status === 'COMPLETED' ? true : undefined), 150_000, 250);

      // Still down: everything waits in the outbox, visibly.
      const rows = await sys.db.chatDelivery.findMany({ where: { payload: { path: ['workflowId'], equals: workflowId } }, orderBy: { id: 'asc' } });
      const outageLeft = OUTAGE_MS - (Date.now() - downAt);
      if (outageLeft > 0) {
        expect(rows.every((r) => r.status === 'pending' || r.status === 'sending')).toBe(true);
        const notes = await sys.db.notification.findMany({ where: { workflowId } });
        for (const note of notes) expect((note.deliveries as unknown as Record<string, Delivery>).slack.status).toBe('pending');
        await new Promise((r) => setTimeout(r, outageLeft));
      }
      await slack.outage('none');
      await discord.outage('none');
      const upAt = Date.now();

      const final = await eventually(
        async () => {
          const all = await sys.db.chatDelivery.findMany({ where: { payload: { path: ['workflowId'], equals: workflowId } }, orderBy: { id: 'asc' } });
          return all.every((r) => r.status === 'delivered') ? all : undefined;
        },
        60_000,
        250,
      );
      const deliveredIn = Date.now() - upAt;
      await new Promise((r) => setTimeout(r, 2000));

      const kinds = (platform: string) => final.filter((r) => r.platform === platform).map((r) => (r.payload as { kind: string }).kind);
      const progressCount = kinds('slack').filter((k) => k === 'run_progress').length;
      expect(kinds('slack').filter((k) => k === 'approval_requested')).toHaveLength(2);
      expect(progressCount).toBeGreaterThanOrEqual(9);
      expect(kinds('discord')).toEqual(kinds('slack'));

      // Slack: one card per video, one run message (posted once, then updated once per later notice), each once.
      const fresh = slack.messages.filter((m) => !seenBefore.has(m.ts));
      const cards = fresh.filter((m) => m.channel === 'C_APPROVALS' && !m.thread_ts && !m.subtype);
      expect(cards).toHaveLength(2);
      expect(new Set(cards.map((c) => JSON.stringify(c.blocks).match(/approve\|[^|]+\|([0-9a-f-]+)/)?.[1])).size).toBe(2);
      const runMessages = fresh.filter((m) => m.channel === 'C_REPORTS' && !m.thread_ts && JSON.stringify(m.blocks).includes(workflowId));
      expect(runMessages).toHaveLength(1);
      expect(runMessages[0].edits).toBe(progressCount - 1);
      expect(JSON.stringify(runMessages[0].blocks)).toMatch(/completed/);
      const videos = slack.files.filter((f) => f.filename === 'video.mp4' && cards.some((c) => c.ts === f.threadTs));
      expect(videos).toHaveLength(2);

      // Discord: one card per video and one run message, edited in order to the final state.
      const discordCards = discord.channelMessages(APPROVALS).filter((m) => JSON.stringify(m).includes(workflowId));
      expect(discordCards).toHaveLength(2);
      const discordRun = discord.channelMessages(REPORTS).filter((m) => JSON.stringify(m).includes(workflowId));
      expect(discordRun).toHaveLength(1);
      expect(discordRun[0].edits).toBe(progressCount - 1);
      expect(JSON.stringify(discordRun[0].embeds)).toMatch(/completed/);

      const notes = await sys.db.notification.findMany({ where: { workflowId } });
      for (const note of notes) expect(note.deliveries).toMatchObject({ slack: { status: 'delivered' }, discord: { status: 'delivered' } });
      log.info({ deliveredInMs: deliveredIn, notices: final.length, outageMs: OUTAGE_MS }, 'chat outage: all delivered');
      console.log(`chat outage of ${OUTAGE_MS} ms: ${final.length} deliveries, all delivered ${deliveredIn} ms after the APIs returned`);
      expect(deliveredIn).toBeLessThan(30_000);
    },
    OUTAGE_MS + 330_000,
  );
});
