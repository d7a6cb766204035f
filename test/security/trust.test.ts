// The trust model, through the real server (buildServer: security hooks, Slack's HTTP
// receiver, the console, the media route) on the real Temporal dev server and PostgreSQL.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestSystem, type TestSystem } from '../support/harness.js';
import { buttonClickBody, postSignedToSlackEndpoint, slashCommandBody, startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { approvalCard } from '../../src/chatops/core/cards.js';
import { renderNotification } from '../../src/chatops/core/notifications.js';
import { toBlockKit } from '../../src/chatops/slack/blocks.js';
import { renderDiscord } from '../../src/chatops/discord/render.js';
import { actionId } from '../../src/chatops/core/messages.js';

const SECRET = '8f14e45fceea167a5a36dedd4bea2543';
const TOKEN = 'trust-test-api-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };

async function dailyRuns(sys: TestSystem): Promise<string[]> {
  const client = await sys.orchestrator.client();
  const ids: string[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowType = 'dailyControlLoop'` })) ids.push(w.workflowId);
  return ids;
}

/** A product, its script and a video row in a given state, with media files on disk. */
async function videoRow(sys: TestSystem, status: 'READY' | 'APPROVED' | 'PUBLISHED'): Promise<string> {
  const asin = `B0${randomUUID().replace(/-/g, '').slice(0, 8).toUpperCase()}`;
  const product = await sys.db.product.create({
    data: {
      asin,
      title: 'Test product',
      brand: 'Brand',
      category: 'home',
      price: 10,
      commissionRate: 0.04,
      imageUrls: [],
      detailPageUrl: `https://www.amazon.com/dp/${asin}`,
    },
  });
  const content = await sys.db.content.create({
    data: {
      productId: product.id,
      language: 'en',
      templateVariant: 'a',
      hook: 'h',
      script: 's',
      title: 't',
      description: 'd',
      hashtags: [],
      trackingCode: asin,
    },
  });
  const id = randomUUID();
  for (const f of ['video.mp4', 'thumbnail.png', 'speech.wav']) {
    const file = sys.storage.localPath(`videos/${id}/${f}`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${f} bytes`);
  }
  await sys.db.video.create({
    data: { id, contentId: content.id, productId: product.id, status, videoPath: `videos/${id}/video.mp4`, thumbnailPath: `videos/${id}/thumbnail.png` },
  });
  return id;
}

describe('no API_TOKEN (loopback): a page in the browser cannot change anything', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ worker: false });
  });
  afterAll(async () => sys?.stop());

  const raw = (method: string, p: string, headers: Record<string, string>, body?: string) =>
    fetch(sys.baseUrl + p, { method, headers, body }).then(async (r) => ({ status: r.status, body: (await r.json().catch(() => ({}))) as any }));

  it.each([
    ['an HTML form post', 'application/x-www-form-urlencoded', 'maxProducts=1&autoApprove=true'],
    ['a text/plain fetch (no preflight)', 'text/plain', '{"maxProducts":1,"autoApprove":true}'],
    ['a multipart form', 'multipart/form-data; boundary=x', '--x--'],
  ])('refuses %s with 415 and starts nothing', async (_name, type, body) => {
    const r = await raw('POST', '/orchestrator/daily-loop/start', { 'content-type': type }, body);
    expect(r.status).toBe(415);
    expect(r.body.error.message).toMatch(/must send Content-Type: application\/json/);
    expect(await dailyRuns(sys)).toEqual([]);
  });

  it('refuses a bodiless cancel without the JSON content type (415), and the console too', async () => {
    expect((await raw('POST', '/orchestrator/daily-loop/cancel/daily-2030-01-01', {})).status).toBe(415);
    expect((await raw('POST', '/console/command', { 'content-type': 'text/plain' }, '{"text":"/daily-loop start auto-approve"}')).status).toBe(415);
  });

  it('refuses a request from another site (Origin, Sec-Fetch-Site) with 403', async () => {
    const r = await raw(
      'POST',
      '/orchestrator/daily-loop/start',
      { 'content-type': 'application/json', origin: 'https://evil.example' },
      '{"autoApprove":true}',
    );
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('cross_site_request');
    const site = await raw('POST', '/console/action', { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, '{"actionId":"retry|daily"}');
    expect(site.status).toBe(403);
    expect(await dailyRuns(sys)).toEqual([]);
  });

  it('refuses a DNS-rebinding Host (even for reads, and the console) with 403', async () => {
    // fetch() will not send a foreign Host header: a raw request, as a rebinding browser would send it.
    const withHost = (method: string, p: string, body?: string) =>
      new Promise<{ status: number; body: any }>((resolve, reject) => {
        const u = new URL(sys.baseUrl);
        const req = http.request(
          { host: u.hostname, port: u.port, method, path: p, headers: { host: 'evil.example:3000', 'content-type': 'application/json' } },
          (res) => {
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    for (const [method, p] of [
      ['GET', '/orchestrator/workflow-logs'],
      ['GET', '/console/feed'],
      ['POST', '/orchestrator/daily-loop/start'],
    ] as const) {
      const r = await withHost(method, p, method === 'POST' ? '{}' : undefined);
      expect(r.status).toBe(403);
      expect(r.body.error.message).toMatch(/not this server's address/);
    }
    expect(await dailyRuns(sys)).toEqual([]);
  });

  it('accepts the same request from a script on this machine, and audits it as the loopback owner', async () => {
    const r = await sys.request('POST', '/orchestrator/weekly-optimization/start', {});
    expect(r.status).toBe(201);
    expect(await sys.db.auditEvent.findFirst({ where: { action: 'POST /orchestrator/weekly-optimization/start' } })).toMatchObject({
      actor: 'api:loopback',
      platform: 'api',
      outcome: 'started',
    });
  });

  it('/healthz says ok or degraded without addresses or error text', async () => {
    const r = await sys.request('GET', '/healthz');
    expect(r.body).toEqual({ status: 'ok', temporal: { ok: true }, database: { ok: true } });
  });
});

describe('with API_TOKEN and Slack (HTTP mode) through the real server', () => {
  let sys: TestSystem;
  let fake: FakeSlackApi;
  const events = () => `${sys.baseUrl}/slack/events`;
  const responsesFor = (id: string) => fake.responses.filter((r) => r.id === id).map((r) => r.body);

  beforeAll(async () => {
    fake = await startFakeSlackApi();
    sys = await startTestSystem({
      worker: false,
      env: {
        API_TOKEN: TOKEN,
        SLACK_BOT_TOKEN: 'xoxb-trust-1',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: fake.url + '/api',
        CHATOPS_OPERATORS: 'UADMIN',
        CHATOPS_RULES: JSON.stringify({ 'daily-loop start': { allow: ['UOPS', 'UADMIN'], channels: ['C_OPS'] } }),
      },
    });
  });
  afterAll(async () => {
    await sys?.stop();
    await fake?.close();
  });

  it('the Retry button is authorized like /daily-loop start (rule and channels), not just executed', async () => {
    const click = (userId: string, channelId: string, id: string) =>
      postSignedToSlackEndpoint(
        events(),
        SECRET,
        buttonClickBody({
          actionId: actionId({ kind: 'retry', workflowType: 'daily' }),
          userId,
          channelId,
          messageTs: '1.2',
          responseUrl: fake.responseUrl(id),
        }),
      );
    await click('UMALLORY', 'C_OPS', 'retry-mallory');
    const [denied] = await eventually(async () => (responsesFor('retry-mallory').length ? responsesFor('retry-mallory') : undefined));
    expect(denied.text).toMatch(/not authorized for daily-loop start/);
    await click('UOPS', 'C_RANDOM', 'retry-wrong-channel');
    const [wrongChannel] = await eventually(async () => (responsesFor('retry-wrong-channel').length ? responsesFor('retry-wrong-channel') : undefined));
    expect(wrongChannel.text).toMatch(/not accepted in this channel/);
    expect(await dailyRuns(sys)).toEqual([]);
    await click('UOPS', 'C_OPS', 'retry-ops');
    const [ok] = await eventually(async () => (responsesFor('retry-ops').length ? responsesFor('retry-ops') : undefined));
    expect(ok.text).toMatch(/Retry started: daily-/);
    expect(await dailyRuns(sys)).toHaveLength(1);
    const audits = await sys.db.auditEvent.findMany({ where: { action: 'button retry' }, orderBy: { at: 'asc' } });
    expect(audits.map((a) => `${a.actor}:${a.outcome}`)).toEqual(['UMALLORY:denied', 'UOPS:denied', 'UOPS:ok']);
    await sys.orchestrator.cancel((await dailyRuns(sys))[0]).catch(() => undefined);
  });

  it('a retry of a Slack request that never arrived is processed once; a retry of a handled one is dropped', async () => {
    const body = slashCommandBody({ command: '/affiliate-help', text: '', userId: 'UALICE', responseUrl: fake.responseUrl('lost-first') });
    const first = await postSignedToSlackEndpoint(events(), SECRET, body, { retryNum: 1 });
    expect(first.status).toBe(200);
    await eventually(async () => (responsesFor('lost-first').length ? true : undefined));
    await postSignedToSlackEndpoint(events(), SECRET, body, { retryNum: 2 });
    await new Promise((r) => setTimeout(r, 500));
    expect(responsesFor('lost-first')).toHaveLength(1);
    expect(await sys.db.slackDelivery.count({ where: { state: 'handled' } })).toBeGreaterThanOrEqual(1);
  });

  it('names are not identities: a user renamed "admin" is not the operator UADMIN', async () => {
    const r = await postSignedToSlackEndpoint(
      events(),
      SECRET,
      slashCommandBody({
        command: '/schedules',
        text: 'pause daily',
        userId: 'UIMPOSTOR',
        userName: 'admin',
        channelId: 'C_OPS',
        responseUrl: fake.responseUrl('impostor'),
      }),
    );
    expect(r.status).toBe(200);
    const [reply] = await eventually(async () => (responsesFor('impostor').length ? responsesFor('impostor') : undefined));
    expect(reply.text).toMatch(/not authorized/);
  });

  it('an action whose audit row cannot be written is not done', async () => {
    await sys.db.$executeRawUnsafe('ALTER TABLE "AuditEvent" RENAME TO "AuditEvent_off"');
    try {
      await postSignedToSlackEndpoint(
        events(),
        SECRET,
        slashCommandBody({ command: '/daily-loop', text: 'start max:1', userId: 'UADMIN', channelId: 'C_OPS', responseUrl: fake.responseUrl('no-audit') }),
      );
      const [reply] = await eventually(async () => (responsesFor('no-audit').length ? responsesFor('no-audit') : undefined));
      expect(reply.text).toMatch(/could not be recorded in the audit log, so nothing was done/);
      const api = await sys.request('POST', '/orchestrator/daily-loop/start', { maxProducts: 1 }, AUTH);
      expect(api.status).toBe(503);
      expect(api.body.error.code).toBe('audit_unavailable');
    } finally {
      await sys.db.$executeRawUnsafe('ALTER TABLE "AuditEvent_off" RENAME TO "AuditEvent"');
    }
    expect(await dailyRuns(sys)).toHaveLength(1); // only the Retry run above
  });

  it('API calls are audited as the token, not as the `by` the caller writes', async () => {
    const r = await sys.request(
      'POST',
      '/orchestrator/daily-loop/daily-2030-01-01/approval',
      { videoId: randomUUID(), decision: 'approve', by: 'the-ceo' },
      AUTH,
    );
    expect(r.status).toBe(404);
    const audit = await sys.db.auditEvent.findFirst({ where: { action: 'POST /orchestrator/daily-loop/approval' }, orderBy: { at: 'desc' } });
    expect(audit).toMatchObject({
      actor: 'api:token',
      platform: 'api',
      arguments: { by: 'the-ceo', decision: 'approve' },
      outcome: expect.stringMatching(/^error: /),
    });
  });

  describe('private by default', () => {
    it('serves an approved video and its thumbnail to anyone, and nothing else without the token', async () => {
      const approved = await videoRow(sys, 'APPROVED');
      const pending = await videoRow(sys, 'READY');
      const get = (p: string, headers: Record<string, string> = {}) => fetch(sys.baseUrl + p, { headers }).then((r) => r.status);
      expect(await get(`/media/videos/${approved}/video.mp4`)).toBe(200);
      expect(await get(`/media/videos/${approved}/thumbnail.png`)).toBe(200);
      expect(await get(`/media/videos/${approved}/speech.wav`)).toBe(401);
      expect(await get(`/media/videos/${pending}/video.mp4`)).toBe(401);
      expect(await get(`/media/videos/${pending}/video.mp4`, AUTH)).toBe(200);
      // The console's session cookie (set after the token was given) opens private media for <video> tags.
      const session = await fetch(`${sys.baseUrl}/console/session`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: '{}' });
      expect(session.status).toBe(204);
      const cookie = session.headers.get('set-cookie')!;
      expect(cookie).toMatch(/HttpOnly; SameSite=Strict/);
      expect(await get(`/media/videos/${pending}/video.mp4`, { cookie: cookie.split(';')[0] })).toBe(200);
      expect(await get(`/media/videos/${pending}/video.mp4`, { cookie: 'ae_console=forged' })).toBe(401);
    });

    it('keeps reports, charts and health details for an authenticated caller', async () => {
      const chart = sys.storage.localPath('reports/weekly-2030-W01/chart.png');
      fs.mkdirSync(path.dirname(chart), { recursive: true });
      fs.writeFileSync(chart, 'png');
      expect((await fetch(`${sys.baseUrl}/media/reports/weekly-2030-W01/chart.png`)).status).toBe(401);
      expect((await sys.request('GET', '/orchestrator/reports')).status).toBe(401);
      expect((await sys.request('GET', '/orchestrator/health')).status).toBe(401);
      const details = await sys.request('GET', '/orchestrator/health', undefined, AUTH);
      expect(details.body).toMatchObject({ status: 'ok', temporal: { ok: true }, database: { ok: true } });
      expect(Object.keys((await sys.request('GET', '/healthz')).body.temporal)).toEqual(['ok']);
    });
  });
});

describe('start-up refuses unsafe settings, naming why', () => {
  it('needs API_TOKEN when the server is reachable from outside', () => {
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'https://bot.example.com' })).toThrow(
      /API_TOKEN is missing: PUBLIC_BASE_URL \(https:\/\/bot\.example\.com\) says this server is reachable from outside/,
    );
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: SECRET })).toThrow(/API_TOKEN is missing: Slack HTTP mode/);
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).SLACK_APP_TOKEN).toBe('xapp-1');
    expect(loadConfig({ PUBLIC_BASE_URL: 'http://127.0.0.1:3000' }).PUBLIC_BASE_URL).toBe('http://127.0.0.1:3000');
  });

  it('honours FAULT_INJECTION only with NODE_ENV=test', () => {
    expect(() => loadConfig({ FAULT_INJECTION: 'publish-after-call:crash', NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ FAULT_INJECTION: 'publish-after-call:crash', NODE_ENV: 'production' })).toThrow(/honoured only with NODE_ENV=test/);
    expect(loadConfig({ FAULT_INJECTION: 'publish-after-call:crash', NODE_ENV: 'test' }).FAULT_INJECTION).toBe('publish-after-call:crash');
  });
});

describe('chat text cannot forge a message', () => {
  const hostile = '<!channel> <https://evil.example|Approve> [Approve](https://evil.example) @everyone <@&123456789012345678> & co';
  const card = approvalCard({
    workflowId: 'daily-2030-01-01',
    videoId: randomUUID(),
    title: hostile,
    product: hostile,
    asin: 'B000TEST01',
    videoKey: null,
    thumbnailKey: null,
    platforms: [],
  });

  it('Slack: the title is escaped in mrkdwn and shown as-is in plain_text', () => {
    const blocks = toBlockKit(card) as any[];
    const json = JSON.stringify(blocks.filter((b) => b.type !== 'header'));
    expect(json).not.toMatch(/<!channel>|<https:\/\/evil/);
    expect(blocks[1].fields[0].text).toContain('&lt;!channel&gt; &lt;https://evil.example|Approve&gt;');
    expect(blocks[1].fields[0].text).toContain('&amp; co');
    expect(blocks[0].text).toMatchObject({ type: 'plain_text' });
    expect(blocks[0].text.text).toContain('<!channel>'); // plain_text never forms a mention
  });

  it('Discord: no masked link, no mention, no ping', () => {
    const d = renderDiscord(card);
    // Descriptions and field values render markdown links; the title is plain (and has no link syntax there).
    const text = JSON.stringify({ description: d.embeds[0].description, fields: d.embeds[0].fields, content: d.content });
    expect(text).not.toMatch(/(?<!\\)\[Approve\]\(https:\/\/evil/);
    expect(text).not.toMatch(/<@&\d/);
    expect(text).not.toMatch(/@everyone/);
    expect(d.embeds[0].fields![0].value).toContain('\\[Approve\\]');
  });

  it('a failure alert with hostile error text stays text', () => {
    const m = renderNotification(
      {
        kind: 'workflow_failed',
        level: 'ERROR',
        title: 'Daily loop failed',
        message: 'ffmpeg said <https://evil.example|click here>',
        workflowId: 'daily-2030-01-01',
      },
      {},
    );
    expect(JSON.stringify(toBlockKit(m))).not.toContain('<https://evil');
  });
});
