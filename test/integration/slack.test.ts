import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { eventually, startTestSystem, type TestSystem } from '../support/harness.js';
import { buttonClickBody, postSignedToSlackEndpoint, slackSignature, slashCommandBody, startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import { ChatOps } from '../../src/chatops/core/core.js';
import { policyFromConfig } from '../../src/chatops/core/auth.js';
import { createSlackApp, registerSlackRoutes, verifySlackSignature, type SlackApp } from '../../src/chatops/slack/app.js';
import { SlackNotifier } from '../../src/chatops/slack/notifier.js';
import { toBlockKit } from '../../src/chatops/slack/blocks.js';
import { createLogger } from '../../src/logger.js';
import type { NotificationInput } from '../../src/providers/notifier/index.js';
import { slackManifest, toYaml } from '../../scripts/slack-manifest.js';
import { COMMANDS } from '../../commands/index.js';

const SECRET = '8f14e45fceea167a5a36dedd4bea2543';

describe('Slack bot through Bolt (real Temporal + PostgreSQL, fake Slack Web API)', () => {
  let fake: FakeSlackApi;
  let sys: TestSystem;
  let api: FastifyInstance;
  let slack: SlackApp;
  let eventsUrl: string;
  const log = createLogger('test-slack', process.env.TEST_LOG_LEVEL ?? 'silent');

  const post = (body: string, opts: Parameters<typeof postSignedToSlackEndpoint>[3] = {}) => postSignedToSlackEndpoint(eventsUrl, SECRET, body, opts);
  const responsesFor = (id: string) => fake.responses.filter((r) => r.id === id).map((r) => r.body);
  const blocksText = (blocks: any[]) => JSON.stringify(blocks ?? []);

  beforeAll(async () => {
    fake = await startFakeSlackApi();
    sys = await startTestSystem({
      env: {
        SLACK_BOT_TOKEN: 'xoxb-test-1-2',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: fake.url + '/api',
        CHATOPS_OPERATORS: 'UADMIN',
        API_TOKEN: 'slack-test-api-token-0123456789',
        SLACK_APPROVALS_CHANNEL: 'C_APPROVALS',
        SLACK_ALERTS_CHANNEL: 'C_ALERTS',
      },
    });
    const chatops = new ChatOps({ orchestrator: sys.orchestrator, db: sys.db, policy: policyFromConfig(sys.config), timeZone: sys.config.TIMEZONE });
    slack = createSlackApp({ config: sys.config, chatops, log });
    api = Fastify();
    await registerSlackRoutes(api, slack);
    await api.listen({ port: 0, host: '127.0.0.1' });
    eventsUrl = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}/slack/events`;
  });
  afterAll(async () => {
    await api?.close();
    await slack?.stop();
    await sys?.stop();
    await fake?.close();
  });

  it('renders Block Kit within Slack limits', () => {
    const blocks = toBlockKit(
      {
        text: 'x',
        blocks: [
          { type: 'header', text: 'h'.repeat(200) },
          { type: 'fields', fields: Array.from({ length: 12 }, (_, i) => ({ label: `L${i}`, value: `v${i}` })) },
          { type: 'video', media: { key: 'videos/v/video.mp4' }, poster: { key: 'videos/v/thumbnail.png' }, title: 'T' },
          {
            type: 'buttons',
            buttons: [
              { actionId: 'approve|w|v', label: 'Approve', style: 'primary' },
              { actionId: 'open-temporal-ui', label: 'Open', url: 'https://ui' },
            ],
          },
          { type: 'context', text: 'c' },
        ],
      },
      { image: () => ({ slack_file: { id: 'F1' } }) },
    ) as any[];
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'image', 'context', 'actions', 'context']);
    expect(blocks[0].text.text.length).toBeLessThanOrEqual(150);
    expect(blocks[1].fields).toHaveLength(10);
    expect(blocks[2].fields).toHaveLength(2);
    expect(blocks[3]).toMatchObject({ type: 'image', slack_file: { id: 'F1' } });
    expect(blocks[4].elements[0].text).toMatch(/thread/);
    expect(blocks[5].elements[0]).toMatchObject({ type: 'button', action_id: 'approve|w|v', value: 'approve|w|v', style: 'primary' });
    expect(blocks[5].elements[1]).toMatchObject({ action_id: 'open-temporal-ui', url: 'https://ui' });
  });

  it('generates the app manifest from COMMANDS', () => {
    const http = slackManifest({ PUBLIC_BASE_URL: 'https://bot.example.com', SLACK_APP_TOKEN: undefined }) as any;
    expect(http.features.slash_commands.map((c: any) => c.command)).toEqual(COMMANDS.map((c) => `/${c.name}`));
    expect(http.features.slash_commands[0]).toMatchObject({
      url: 'https://bot.example.com/slack/events',
      usage_hint: expect.stringContaining('start [max:5]'),
    });
    expect(http.settings).toMatchObject({
      socket_mode_enabled: false,
      interactivity: { is_enabled: true, request_url: 'https://bot.example.com/slack/events' },
    });
    expect(http.oauth_config.scopes.bot).toEqual(expect.arrayContaining(['commands', 'chat:write']));
    const socket = slackManifest({ PUBLIC_BASE_URL: undefined, SLACK_APP_TOKEN: 'xapp-1' }) as any;
    expect(socket.settings.socket_mode_enabled).toBe(true);
    expect(socket.features.slash_commands[0].url).toBeUndefined();
    expect(toYaml(http)).toMatch(/\n {2}slash_commands:\n {4}- command: "\/daily-loop"\n {6}description: /);
  });

  it('uses Socket Mode (no HTTP route) when SLACK_APP_TOKEN is set', async () => {
    const chatops = new ChatOps({ orchestrator: sys.orchestrator, db: sys.db, policy: policyFromConfig(sys.config), timeZone: 'UTC' });
    const socket = createSlackApp({ config: { ...sys.config, SLACK_APP_TOKEN: 'xapp-1-test' }, chatops, log });
    expect(socket.mode).toBe('socket');
    expect(socket.receiver).toBeUndefined();
    const other = Fastify();
    await registerSlackRoutes(other, socket);
    expect((await other.inject({ method: 'POST', url: '/slack/events', payload: 'x' })).statusCode).toBe(404);
    await other.close();
  });

  it('rejects forged and stale requests with 401, and answers url_verification', async () => {
    const body = slashCommandBody({ command: '/affiliate-help', text: '', userId: 'UALICE', responseUrl: fake.responseUrl('forged') });
    const forged = await post(body, { forgeWith: 'deadbeefdeadbeefdeadbeefdeadbeef' });
    expect(forged.status).toBe(401);
    expect(JSON.parse(forged.text)).toMatchObject({ error: { code: 'invalid_signature', message: 'Slack request rejected: signature mismatch.' } });
    const stale = await post(body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    expect(JSON.parse(stale.text).error.message).toMatch(/stale/);
    const future = await post(body, { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 });
    expect(future.status).toBe(401);
    expect(JSON.parse(future.text).error.message).toMatch(/stale/);
    const unsigned = await fetch(eventsUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(unsigned.status).toBe(401);
    expect(JSON.parse(await unsigned.text()).error).toMatchObject({
      code: 'invalid_signature',
      message: 'Slack request rejected: missing X-Slack-Signature or X-Slack-Request-Timestamp.',
    });
    // The signature covers the exact bytes: the same form with one more byte is refused.
    const ts = Math.floor(Date.now() / 1000);
    const tampered = await fetch(eventsUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': slackSignature(SECRET, ts, body),
      },
      body: body + '&',
    });
    expect(tampered.status).toBe(401);

    const challenge = await post(JSON.stringify({ type: 'url_verification', token: 't', challenge: 'c-123' }), { contentType: 'application/json' });
    expect(challenge.status).toBe(200);
    expect(JSON.parse(challenge.text)).toEqual({ challenge: 'c-123' });

    await new Promise((r) => setTimeout(r, 300));
    expect(responsesFor('forged')).toHaveLength(0);
  });

  it("checks signatures with Bolt's verifier, keeping our reasons for the 401 answer", () => {
    const rawBody = 'token=x&text=hello';
    const nowMs = 1_800_000_000_000;
    const ts = String(nowMs / 1000);
    const good = { signingSecret: SECRET, rawBody, timestamp: ts, signature: slackSignature(SECRET, ts, rawBody), nowMs };
    expect(verifySlackSignature(good)).toEqual({ ok: true });
    expect(verifySlackSignature({ ...good, nowMs: nowMs + 5 * 60_000 })).toEqual({ ok: true });
    expect(verifySlackSignature({ ...good, nowMs: nowMs + 5 * 60_000 + 1000 })).toEqual({
      ok: false,
      reason: 'stale request: the timestamp is more than 5 minutes away',
    });
    expect(verifySlackSignature({ ...good, nowMs: nowMs - 5 * 60_000 - 1000 })).toEqual({
      ok: false,
      reason: 'stale request: the timestamp is more than 5 minutes away',
    });
    expect(verifySlackSignature({ ...good, rawBody: rawBody + ' ' })).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(verifySlackSignature({ ...good, signature: good.signature.replace('v0=', 'v1=') })).toEqual({ ok: false, reason: 'unknown signature version' });
    expect(verifySlackSignature({ ...good, signature: 'v0=' })).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(verifySlackSignature({ ...good, timestamp: '1e9' })).toEqual({ ok: false, reason: 'bad X-Slack-Request-Timestamp' });
    expect(verifySlackSignature({ ...good, signature: undefined })).toEqual({ ok: false, reason: 'missing X-Slack-Signature or X-Slack-Request-Timestamp' });
    expect(verifySlackSignature({ ...good, signingSecret: 'another-secret-of-32-characters!' })).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('answers a bad argument with an ephemeral usage message', async () => {
    const r = await post(
      slashCommandBody({ command: '/daily-loop', text: 'start max:0', userId: 'UALICE', userName: 'alice', responseUrl: fake.responseUrl('bad') }),
    );
    expect(r.status).toBe(200);
    const [reply] = await eventually(async () => (responsesFor('bad').length ? responsesFor('bad') : undefined));
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toMatch(/max must be between 1 and 100/);
    expect(reply.text).toMatch(/Usage: `\/daily-loop start/);
    const audit = await sys.db.auditEvent.findFirst({ where: { platform: 'slack', action: 'invalid' } });
    expect(audit).toMatchObject({ outcome: 'usage', actor: 'UALICE', actorName: 'alice' });
  });

  it('refuses auto-approve to a member who may not approve: no run skips the gate', async () => {
    const r = await post(
      slashCommandBody({
        command: '/daily-loop',
        text: 'start max:1 platforms:youtube auto-approve',
        userId: 'UALICE',
        userName: 'alice',
        responseUrl: fake.responseUrl('alice-auto'),
      }),
    );
    expect(r.status).toBe(200);
    const [reply] = await eventually(async () => (responsesFor('alice-auto').length ? responsesFor('alice-auto') : undefined));
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toMatch(/auto-approve skips the approval gate, so it needs the right to approve/);
    const client = await sys.orchestrator.client();
    const open: string[] = [];
    for await (const w of client.workflow.list({ query: `WorkflowType = 'dailyControlLoop'` })) open.push(w.workflowId);
    expect(open).toEqual([]);
    const audit = await sys.db.auditEvent.findFirst({ where: { platform: 'slack', action: '/daily-loop start', actor: 'UALICE' } });
    expect(audit).toMatchObject({ outcome: 'denied', actorName: 'alice', arguments: { 'auto-approve': true } });
  });

  it('starts a real run from a signed /daily-loop start, acks within 3 s, and ignores a Slack retry', async () => {
    const body = slashCommandBody({
      command: '/daily-loop',
      text: 'start max:1 platforms:youtube auto-approve',
      userId: 'UADMIN',
      userName: 'admin',
      responseUrl: fake.responseUrl('start1'),
    });
    const r = await post(body);
    expect(r.status).toBe(200);
    expect(r.ms).toBeLessThan(3000);

    const [reply] = await eventually(async () => (responsesFor('start1').length ? responsesFor('start1') : undefined));
    expect(reply.response_type).toBe('in_channel');
    expect(blocksText(reply.blocks)).toMatch(/started by @admin/);
    const workflowId = /daily-\d{4}-\d{2}-\d{2}/.exec(reply.text)![0];

    // Slack retries the same delivery: acked, not processed again.
    const retry = await post(body, { retryNum: 1 });
    expect(retry.status).toBe(200);
    await new Promise((res) => setTimeout(res, 1500));
    expect(responsesFor('start1')).toHaveLength(1);
    expect(await sys.db.auditEvent.count({ where: { platform: 'slack', action: '/daily-loop start', actor: 'UADMIN' } })).toBe(1);

    const client = await sys.orchestrator.client();
    const runs = await eventually(async () => {
      const list: string[] = [];
      for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) list.push(w.runId);
      return list.length ? list : undefined;
    });
    expect(runs).toHaveLength(1);

    const done = await eventually(
      async () => {
        const s = await sys.orchestrator.status(workflowId);
        return s.status === 'COMPLETED' ? s : undefined;
      },
      150_000,
      250,
    );
    expect((done.result as any).publishing.published).toHaveLength(1);
    const audit = await sys.db.auditEvent.findFirst({ where: { platform: 'slack', action: '/daily-loop start', actor: 'UADMIN' } });
    expect(audit).toMatchObject({
      outcome: 'ok',
      actor: 'UADMIN',
      actorName: 'admin',
      channel: 'C_OPS',
      arguments: { max: 1, platforms: 'youtube', 'auto-approve': true },
    });
    // The run records who skipped the gate by id.
    expect(await sys.db.approval.findFirst({ where: { workflowId } })).toMatchObject({ decidedBy: 'auto-approve', source: 'auto-approve' });
  }, 180_000);

  it('posts the approval card (surviving a 429) and handles Approve clicks with authorization', async () => {
    const start = await post(
      slashCommandBody({
        command: '/daily-loop',
        text: 'start max:2 platforms:youtube',
        userId: 'UADMIN',
        userName: 'admin',
        responseUrl: fake.responseUrl('start2'),
      }),
    );
    expect(start.status).toBe(200);
    const [started] = await eventually(async () => (responsesFor('start2').length ? responsesFor('start2') : undefined));
    expect(started.response_type).toBe('in_channel');
    const workflowId = /daily-\d{4}-\d{2}-\d{2}/.exec(started.text)![0];
    const waiting = await eventually(
      async () => {
        const s = await sys.orchestrator.status(workflowId);
        return s.status === 'RUNNING' && s.progress?.step === 'awaitApproval' && s.approvals?.length === 2 ? s : undefined;
      },
      150_000,
      250,
    );
    const videoId = waiting.approvals![0].videoId;

    // The worker itself posts both approval cards through its SlackNotifier (the fan-out notifier).
    const isCard = (c: { body: { channel?: unknown } }) => c.body.channel === 'C_APPROVALS' && JSON.stringify(c.body).includes(workflowId);
    await eventually(async () => fake.delivered('chat.postMessage').filter(isCard).length >= 2 || undefined, 30_000, 100);
    const workerCards = fake.delivered('chat.postMessage').filter(isCard);
    expect(workerCards.map((c) => c.body.channel)).toEqual(['C_APPROVALS', 'C_APPROVALS']);
    // Each card shows its thumbnail as an uploaded Slack file (never our loopback URL), and its MP4 is in its thread.
    for (const c of workerCards) expect((c.body.blocks as any[]).some((b) => b.type === 'image' && b.slack_file?.id)).toBe(true);
    expect(JSON.stringify(workerCards)).not.toContain(sys.config.publicBaseUrl);
    const cardTs = workerCards.map((c) => fake.channelMessages('C_APPROVALS').find((m) => !m.thread_ts && m.text === c.body.text)?.ts);
    const threadVideos = await eventually(
      async () => {
        const v = fake.files.filter((f) => f.filename === 'video.mp4' && f.channel === 'C_APPROVALS' && cardTs.includes(f.threadTs));
        return v.length === 2 ? v : undefined;
      },
      30_000,
      100,
    );
    for (const v of threadVideos) expect(v.size).toBeGreaterThan(10_000);
    const seen = fake.calls.length;
    const deliveredBefore = fake.delivered('chat.postMessage').length;

    // The same notification through a fresh notifier: the first try is rate limited.
    const row = await eventually(() =>
      sys.db.notification.findFirst({ where: { workflowId, kind: 'approval_requested', data: { path: ['videoId'], equals: videoId } } }),
    );
    const n: NotificationInput = {
      kind: 'approval_requested',
      level: row.level as NotificationInput['level'],
      title: row.title,
      message: row.message,
      workflowId,
      data: row.data as Record<string, unknown>,
    };
    const notifier = new SlackNotifier({ config: sys.config, log, media: sys.storage, retryConfig: { retries: 2, minTimeout: 50, maxTimeout: 100 } });
    fake.rateLimitOnce('chat.postMessage', 1);
    const t0 = Date.now();
    await notifier.notify(n);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000); // waited Retry-After
    const posts = fake.calls.slice(seen).filter((c) => c.method === 'chat.postMessage' && c.body.channel === 'C_APPROVALS');
    expect(posts.map((c) => c.status)).toEqual([429, 200]);
    const card = fake
      .delivered('chat.postMessage')
      .slice(deliveredBefore)
      .filter((c) => c.body.channel === 'C_APPROVALS');
    expect(card).toHaveLength(1);
    expect(card[0].body.channel).toBe('C_APPROVALS');
    expect(card[0].authorization).toBe('Bearer xoxb-test-1-2');
    const actionIds = (card[0].body.blocks as any[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements.map((e: any) => e.action_id));
    expect(actionIds).toEqual([`approve|${workflowId}|${videoId}`, `reject|${workflowId}|${videoId}`]);
    // A kind without a channel is skipped quietly.
    await notifier.notify({ kind: 'weekly_report', level: 'INFO', title: 'Weekly', message: 'm' });
    expect(
      fake
        .delivered('chat.postMessage')
        .slice(deliveredBefore)
        .filter((c) => c.body.channel === 'C_APPROVALS'),
    ).toHaveLength(1);

    const click = (userId: string, id: string) =>
      post(
        buttonClickBody({
          actionId: actionIds[0],
          userId,
          channelId: 'C_APPROVALS',
          messageTs: '1700000000.000100',
          responseUrl: fake.responseUrl(id),
          message: { text: card[0].body.text, blocks: card[0].body.blocks },
        }),
      );

    // Not an operator: a private refusal, the card keeps its buttons, the video still waits.
    const denied = await click('UMALLORY', 'mallory');
    expect(denied.status).toBe(200);
    expect(denied.ms).toBeLessThan(3000);
    const [refusal] = await eventually(async () => (responsesFor('mallory').length ? responsesFor('mallory') : undefined));
    await new Promise((r) => setTimeout(r, 300));
    expect(responsesFor('mallory')).toHaveLength(1);
    expect(refusal).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(refusal.text).toMatch(/not authorized/);
    const still = await sys.orchestrator.status(workflowId);
    expect(still.approvals!.find((a) => a.videoId === videoId)!.state).toBe('pending');

    // The operator: the signal is effective and the card is replaced by the decision.
    await click('UADMIN', 'admin1');
    const [replaced, done] = await eventually(async () => (responsesFor('admin1').length >= 2 ? responsesFor('admin1') : undefined));
    expect(replaced.replace_original).toBe(true);
    expect(blocksText(replaced.blocks)).toMatch(/Approved by @uadmin/);
    // The decided card keeps the thumbnail Slack already has (the strict fake accepted the response).
    expect((replaced.blocks as any[]).find((b) => b.type === 'image')?.slack_file).toEqual(
      (card[0].body.blocks as any[]).find((b) => b.type === 'image').slack_file,
    );
    expect((replaced.blocks as any[]).some((b) => b.type === 'actions')).toBe(false);
    expect(done).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(done.text).toMatch(/Done: ✅ Approved by @uadmin/);
    const after = await sys.orchestrator.status(workflowId);
    expect(after.approvals!.find((a) => a.videoId === videoId)).toMatchObject({ state: 'approved', by: 'slack:UADMIN', byName: 'uadmin' });
    expect(await sys.db.approval.findFirst({ where: { workflowId, videoId, effective: true } })).toMatchObject({
      decidedBy: 'slack:UADMIN',
      decidedByName: 'uadmin',
      source: 'slack',
    });
    await eventually(() => sys.db.approval.findFirst({ where: { workflowId, videoId, decision: 'APPROVE', effective: true } }));

    // A second click: already decided.
    await click('UADMIN', 'admin2');
    const again = await eventually(async () => (responsesFor('admin2').length >= 2 ? responsesFor('admin2') : undefined));
    expect(again[1]).toMatchObject({ response_type: 'ephemeral' });
    expect(again[1].text).toMatch(/Already decided: ✅ Approved by @uadmin/);

    const clicks = await sys.db.auditEvent.findMany({ where: { platform: 'slack', action: 'button approve', workflowId }, orderBy: { at: 'asc' } });
    expect(clicks.map((c) => `${c.actor}:${c.actorName}:${c.outcome}`)).toEqual(['UMALLORY:umallory:denied', 'UADMIN:uadmin:ok', 'UADMIN:uadmin:ok']);
    expect(await sys.db.auditEvent.count({ where: { platform: 'slack', action: '/daily-loop start', actor: 'UADMIN' } })).toBe(2);

    await sys.orchestrator.cancel(workflowId);
  }, 240_000);

  it('keeps one alert per failing run: repeats update the parent and go into its thread', async () => {
    const notifier = new SlackNotifier({ config: sys.config, log, minIntervalMs: 200 });
    const n: NotificationInput = {
      kind: 'workflow_failed',
      level: 'ERROR',
      title: 'Daily loop failed',
      message: 'renderVideo: ffmpeg exited 1',
      workflowId: 'daily-2030-01-01',
      data: { step: 'generateVideosForContent', attempts: 3 },
      dedupeKey: 'failed:daily-2030-01-01:run1',
    };
    const before = fake.calls.length;
    const t0 = Date.now();
    await Promise.all([notifier.notify(n), notifier.notify(n)]);
    // Only this test's alert (the worker may post run notices for other runs meanwhile).
    const calls = fake.calls
      .slice(before)
      .filter(
        (c) =>
          JSON.stringify(c.body).includes('daily-2030-01-01') ||
          c.body.thread_ts !== undefined ||
          (c.method === 'chat.update' && blocksText(c.body.blocks).includes('2030')),
      );
    expect(calls.map((c) => `${c.method}:${c.body.channel}`)).toEqual(['chat.postMessage:C_ALERTS', 'chat.update:C_ALERTS', 'chat.postMessage:C_ALERTS']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400); // 3 calls, spaced per channel
    expect(calls[0].body.thread_ts).toBeUndefined();
    expect(blocksText(calls[1].body.blocks)).toMatch(/2 times/);
    expect(calls[2].body.thread_ts).toBeDefined();
    expect(calls[1].body.ts).toBe(calls[2].body.thread_ts);
  });
});
