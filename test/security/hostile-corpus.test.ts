// A corpus of hostile inputs, each with the answer it must get, through the real
// server (HTTP API, Slack's HTTP receiver, the console, media, redirects) and the
// parsers of outside data (catalog rows, earnings rows, env values, URLs). After the
// run: the process still serves, nothing was published, no run skips approval, and no
// file appeared outside the data directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from '../support/harness.js';
import { buttonClickBody, postSignedToSlackEndpoint, slashCommandBody, startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import { loadConfig } from '../../src/config.js';
import { parseCatalogText } from '../../src/providers/catalog/import.js';
import { parseEarningsReport } from '../../src/analytics/earnings-import.js';
import { checkUrl, UnsafeUrlError } from '../../src/net/safe-fetch.js';
import { PROJECT_ROOT } from '../../src/embedded/migrate.js';

const SECRET = '8f14e45fceea167a5a36dedd4bea2543';
const TOKEN = 'corpus-api-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };
/** Marks every path-traversal payload, so a file it managed to create can be found afterwards. */
const NONCE = `pwned-${randomBytes(6).toString('hex')}`;

interface HttpCase {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  status: number;
  message?: RegExp;
}

const json = { 'content-type': 'application/json', ...AUTH };
const start = '/orchestrator/daily-loop/start';
const HTTP: HttpCase[] = [
  {
    name: 'an HTML form post to start',
    method: 'POST',
    path: start,
    headers: { ...AUTH, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'autoApprove=true',
    status: 415,
    message: /application\/json/,
  },
  {
    name: 'a text/plain start',
    method: 'POST',
    path: start,
    headers: { ...AUTH, 'content-type': 'text/plain' },
    body: '{"autoApprove":true}',
    status: 415,
    message: /application\/json/,
  },
  {
    name: 'a start without the token',
    method: 'POST',
    path: start,
    headers: { 'content-type': 'application/json' },
    body: '{}',
    status: 401,
    message: /Missing bearer token/,
  },
  {
    name: 'a start with a wrong token',
    method: 'POST',
    path: start,
    headers: { 'content-type': 'application/json', authorization: 'Bearer not-the-token-000000' },
    body: '{}',
    status: 401,
    message: /bearer token is wrong/,
  },
  {
    name: 'the token in the query string',
    method: 'POST',
    path: `${start}?token=${TOKEN}`,
    headers: { 'content-type': 'application/json' },
    body: '{}',
    status: 401,
    message: /Missing bearer token/,
  },
  {
    name: 'a Basic auth header',
    method: 'POST',
    path: start,
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
    body: '{}',
    status: 401,
  },
  {
    name: 'a negative maxProducts',
    method: 'POST',
    path: start,
    headers: json,
    body: '{"maxProducts":-1}',
    status: 400,
    message: /maxProducts: must be at least 1/,
  },
  { name: 'a huge maxProducts', method: 'POST', path: start, headers: json, body: '{"maxProducts":1e9}', status: 400, message: /at most 100/ },
  {
    name: 'SQL in maxProducts',
    method: 'POST',
    path: start,
    headers: json,
    body: '{"maxProducts":"1; DROP TABLE \\"Video\\""}',
    status: 400,
    message: /whole number/,
  },
  {
    name: 'SQL in a platform',
    method: 'POST',
    path: start,
    headers: json,
    body: `{"platforms":["youtube'; DROP TABLE \\"Video\\";--"]}`,
    status: 400,
    message: /is not a platform/,
  },
  {
    name: 'a path in platforms',
    method: 'POST',
    path: start,
    headers: json,
    body: `{"platforms":"../../${NONCE}"}`,
    status: 400,
    message: /is not a platform/,
  },
  {
    name: 'a prototype-pollution key',
    method: 'POST',
    path: start,
    headers: json,
    body: '{"__proto__":{"autoApprove":true}}',
    status: 400,
    message: /unknown field/,
  },
  {
    name: 'constructor.prototype',
    method: 'POST',
    path: start,
    headers: json,
    body: '{"constructor":{"prototype":{"autoApprove":true}}}',
    status: 400,
    message: /unknown field "constructor"/,
  },
  { name: 'autoApprove as a string', method: 'POST', path: start, headers: json, body: '{"autoApprove":"true"}', status: 400, message: /true or false/ },
  { name: 'malformed JSON', method: 'POST', path: start, headers: json, body: '{"maxProducts":', status: 400, message: /not valid JSON/ },
  { name: 'a JSON string body', method: 'POST', path: start, headers: json, body: '"start"', status: 400, message: /must be a JSON object/ },
  {
    name: 'a body over 1 MB',
    method: 'POST',
    path: start,
    headers: json,
    body: JSON.stringify({ x: 'a'.repeat(1_100_000) }),
    status: 413,
    message: /limited to 1 MB/,
  },
  {
    name: 'deeply nested JSON',
    method: 'POST',
    path: start,
    headers: json,
    body: '{"a":' + '['.repeat(5000) + ']'.repeat(5000) + '}',
    status: 400,
    message: /unknown field "a"/,
  },
  {
    name: 'a traversal workflow id in status',
    method: 'GET',
    path: `/orchestrator/daily-loop/status/..%2F..%2F${NONCE}`,
    headers: AUTH,
    status: 400,
    message: /must be a workflow id/,
  },
  {
    name: 'an over-long workflow id',
    method: 'GET',
    path: `/orchestrator/daily-loop/status/${'d'.repeat(500)}`,
    headers: AUTH,
    status: 400,
    message: /must be a workflow id/,
  },
  {
    name: 'SQL in a cancel id',
    method: 'POST',
    path: `/orchestrator/daily-loop/cancel/${encodeURIComponent(`x'; DROP TABLE "Video";--`)}`,
    headers: json,
    body: '{}',
    status: 400,
    message: /must be a workflow id/,
  },
  {
    name: 'a cancel of an unknown run',
    method: 'POST',
    path: '/orchestrator/daily-loop/cancel/daily-2099-01-01',
    headers: json,
    body: '{}',
    status: 404,
    message: /No workflow/,
  },
  {
    name: 'an operator-injection videoId',
    method: 'POST',
    path: '/orchestrator/daily-loop/daily-2099-01-01/approval',
    headers: json,
    body: '{"videoId":{"$ne":null},"decision":"approve"}',
    status: 400,
    message: /videoId/,
  },
  {
    name: 'a decision with trailing space',
    method: 'POST',
    path: '/orchestrator/daily-loop/daily-2099-01-01/approval',
    headers: json,
    body: '{"videoId":"v","decision":"approve "}',
    status: 400,
    message: /"approve" or "reject"/,
  },
  {
    name: 'a 5,000-character reason',
    method: 'POST',
    path: '/orchestrator/daily-loop/daily-2099-01-01/approval',
    headers: json,
    body: JSON.stringify({ videoId: 'v', decision: 'reject', reason: 'r'.repeat(5000) }),
    status: 400,
    message: /at most 1000 characters/,
  },
  {
    name: 'an approval for a run that does not exist',
    method: 'POST',
    path: '/orchestrator/daily-loop/daily-2099-01-01/approval',
    headers: json,
    body: '{"videoId":"v","decision":"approve"}',
    status: 404,
    message: /No workflow/,
  },
  { name: 'a negative limit', method: 'GET', path: '/orchestrator/workflow-logs?limit=-5', headers: AUTH, status: 400, message: /whole number from 1 to 500/ },
  { name: 'a non-numeric limit', method: 'GET', path: '/orchestrator/workflow-logs?limit=abc', headers: AUTH, status: 400, message: /whole number/ },
  { name: 'a huge limit', method: 'GET', path: '/orchestrator/workflow-logs?limit=10000000000', headers: AUTH, status: 400, message: /at most 500/ },
  { name: 'an unknown query parameter', method: 'GET', path: '/orchestrator/workflow-logs?where=1%3D1', headers: AUTH, status: 400, message: /where/ },
  {
    name: 'a cross-site POST (Origin)',
    method: 'POST',
    path: start,
    headers: { ...json, origin: 'https://evil.example' },
    body: '{"autoApprove":true}',
    status: 403,
    message: /another site/,
  },
  {
    name: 'a cross-site POST (Sec-Fetch-Site)',
    method: 'POST',
    path: start,
    headers: { ...json, 'sec-fetch-site': 'cross-site' },
    body: '{}',
    status: 403,
    message: /another site/,
  },
  {
    name: 'an Origin of null (sandboxed iframe)',
    method: 'POST',
    path: start,
    headers: { ...json, origin: 'null' },
    body: '{}',
    status: 403,
    message: /another site/,
  },
  // The client already resolves encoded dot segments: the request never reaches /media.
  { name: 'a media traversal (encoded dots)', method: 'GET', path: `/media/%2e%2e/%2e%2e/${NONCE}`, headers: AUTH, status: 404, message: /No route/ },
  {
    name: 'a media traversal (double-encoded dots)',
    method: 'GET',
    path: `/media/videos/%252e%252e/${NONCE}`,
    headers: AUTH,
    status: 400,
    message: /Invalid media path/,
  },
  {
    name: 'a media traversal (encoded slash)',
    method: 'GET',
    path: `/media/videos/x/..%2F..%2F${NONCE}`,
    headers: AUTH,
    status: 400,
    message: /Invalid media path/,
  },
  { name: 'a backslash media path', method: 'GET', path: '/media/videos%5C..%5Csecret', headers: AUTH, status: 400, message: /Invalid media path/ },
  { name: 'an absolute media path', method: 'GET', path: '/media//etc/passwd', headers: AUTH, status: 400, message: /Invalid media path/ },
  { name: 'private media without the token', method: 'GET', path: '/media/reports/weekly-2030-W01/chart.png', status: 401, message: /private/ },
  { name: 'a script in a tracked link code', method: 'GET', path: '/r/%3Cscript%3Ealert(1)%3C%2Fscript%3E', status: 404 },
  { name: 'SQL in a tracked link code', method: 'GET', path: `/r/${encodeURIComponent("x' OR '1'='1")}`, status: 404 },
  {
    name: 'a console command over the length limit',
    method: 'POST',
    path: '/console/command',
    headers: json,
    body: JSON.stringify({ text: '/daily-loop ' + 'x'.repeat(3000) }),
    status: 400,
    message: /at most 2000 characters/,
  },
  {
    name: 'a console command that is not a string',
    method: 'POST',
    path: '/console/command',
    headers: json,
    body: '{"text":{"toString":1}}',
    status: 400,
    message: /text must be a string/,
  },
  {
    name: 'a console action id over the limit',
    method: 'POST',
    path: '/console/action',
    headers: json,
    body: JSON.stringify({ actionId: 'approve|' + 'x'.repeat(400) }),
    status: 400,
    message: /too long/,
  },
  {
    name: 'the console without the token',
    method: 'POST',
    path: '/console/command',
    headers: { 'content-type': 'application/json' },
    body: '{"text":"/daily-loop start auto-approve"}',
    status: 401,
  },
  { name: 'a forged console session cookie', method: 'GET', path: '/console/feed', headers: { cookie: 'ae_console=AAAA' }, status: 401 },
  { name: 'an unknown route', method: 'GET', path: '/orchestrator/../../etc/passwd', headers: AUTH, status: 404 },
];

interface SlackCase {
  name: string;
  body: (responseUrl: string) => string;
  sign?: { forgeWith?: string; timestamp?: number; contentType?: string };
  status: number;
  /** What the reply posted to response_url says (absent: no reply expected). */
  reply?: RegExp;
}

const slash = (userId: string, command: string, text: string) => (responseUrl: string) =>
  slashCommandBody({ command, text, userId, userName: userId.toLowerCase(), channelId: 'C_OPS', responseUrl });
const click = (userId: string, id: string) => (responseUrl: string) =>
  buttonClickBody({ actionId: id, userId, channelId: 'C_APPROVALS', messageTs: '1.1', responseUrl });
const SLACK: SlackCase[] = [
  {
    name: 'a forged signature',
    body: slash('UADMIN', '/daily-loop', 'start auto-approve'),
    sign: { forgeWith: 'deadbeefdeadbeefdeadbeefdeadbeef' },
    status: 401,
  },
  {
    name: 'a replayed request (10 minutes old)',
    body: slash('UADMIN', '/daily-loop', 'start auto-approve'),
    sign: { timestamp: Math.floor(Date.now() / 1000) - 600 },
    status: 401,
  },
  {
    name: 'a non-operator auto-approve',
    body: slash('UMALLORY', '/daily-loop', 'start max:1 auto-approve'),
    status: 200,
    reply: /auto-approve skips the approval gate/,
  },
  { name: 'a non-operator cancel', body: slash('UMALLORY', '/daily-loop', 'cancel'), status: 200, reply: /not authorized/ },
  { name: 'a non-operator schedule pause', body: slash('UMALLORY', '/schedules', 'pause daily'), status: 200, reply: /not authorized/ },
  { name: 'an out-of-range max', body: slash('UADMIN', '/daily-loop', 'start max:99999'), status: 200, reply: /max must be between 1 and 100/ },
  {
    name: 'a shell payload as a platform',
    body: slash('UADMIN', '/daily-loop', 'start platforms:youtube;rm${IFS}-rf${IFS}/'),
    status: 200,
    reply: /is not a platform/,
  },
  { name: 'a traversal as a schedule name', body: slash('UADMIN', '/schedules', `pause ../../${NONCE}`), status: 200, reply: /is not a schedule/ },
  { name: 'an unknown subcommand', body: slash('UADMIN', '/daily-loop', 'drop-tables'), status: 200, reply: /Usage/ },
  { name: 'a mention in a workflow id', body: slash('UADMIN', '/daily-loop', 'status workflow-id:<!channel>'), status: 200, reply: /^(?![\s\S]*<!channel>)/ },
  { name: 'a malformed interaction payload', body: () => 'payload=%7Bnot%20json', status: 400 },
  { name: 'a button with a made-up action id', body: click('UADMIN', 'approve|daily-2030-01-01|not-a-uuid'), status: 200 },
  {
    name: 'a non-operator Approve click',
    body: click('UMALLORY', 'approve|daily-2030-01-01|0f8fad5b-d9cb-469f-a165-70867728950e'),
    status: 200,
    reply: /not authorized/,
  },
  { name: 'a non-operator cancel confirmation click', body: click('UMALLORY', 'cancel-confirm|daily-2030-01-01'), status: 200, reply: /not authorized/ },
];

describe('hostile-input corpus', () => {
  let sys: TestSystem;
  let fake: FakeSlackApi;
  const results: string[] = [];
  const watched = [PROJECT_ROOT, os.tmpdir(), path.dirname(path.resolve(PROJECT_ROOT, 'var'))];

  beforeAll(async () => {
    fake = await startFakeSlackApi();
    sys = await startTestSystem({
      env: { API_TOKEN: TOKEN, SLACK_BOT_TOKEN: 'xoxb-corpus-1', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.url + '/api', CHATOPS_OPERATORS: 'UADMIN' },
    });
  });
  afterAll(async () => {
    await sys?.stop();
    await fake?.close();
  });

  describe('HTTP API', () => {
    it.each(HTTP.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const r = await fetch(sys.baseUrl + c.path, { method: c.method, headers: c.headers, body: c.body });
      const text = await r.text();
      expect(r.status, text.slice(0, 300)).toBe(c.status);
      if (c.message) expect(JSON.parse(text).error.message).toMatch(c.message);
      results.push(c.name);
    });
  });

  describe('Slack requests', () => {
    it.each(SLACK.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
      const id = `corpus-${i}`;
      const r = await postSignedToSlackEndpoint(`${sys.baseUrl}/slack/events`, SECRET, c.body(fake.responseUrl(id)), c.sign);
      expect(r.status).toBe(c.status);
      if (c.reply) {
        const deadline = Date.now() + 10_000;
        while (!fake.responses.some((x) => x.id === id) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
        const replies = fake.responses.filter((x) => x.id === id).map((x) => String(x.body.text));
        expect(replies.join('\n')).toMatch(c.reply);
      }
      results.push(c.name);
    });
  });

  describe('environment values', () => {
    it.each([
      ['a port out of range', { PORT: '99999' }, /PORT is invalid/],
      ['a short API token', { API_TOKEN: 'short' }, /API_TOKEN is invalid: got \(hidden\)/],
      ['a display name as operator', { CHATOPS_OPERATORS: '@alice' }, /names are not accepted/],
      ['a JavaScript URL as Slack API', { SLACK_API_URL: 'javascript:alert(1)' }, /SLACK_API_URL is invalid/],
      ['an ftp PUBLIC_BASE_URL', { PUBLIC_BASE_URL: 'ftp://files.example.com' }, /PUBLIC_BASE_URL is invalid/],
      ['a user token as bot token', { SLACK_BOT_TOKEN: 'xoxp-user-token' }, /SLACK_BOT_TOKEN is invalid/],
      ['a test hook in production', { FAULT_INJECTION: 'publish-after-call:crash', NODE_ENV: 'production' }, /only with NODE_ENV=test/],
      ['a public server without a token', { PUBLIC_BASE_URL: 'https://bot.example.com' }, /API_TOKEN is missing/],
      ['CHATOPS_RULES with a prototype key', { CHATOPS_RULES: '{"__proto__": {"allow": ["*"]}}' }, /CHATOPS_RULES is invalid/],
    ] as const)('refuses %s', (_name, env, message) => {
      expect(() => loadConfig({ ...env })).toThrow(message);
      results.push(_name);
    });
  });

  describe('catalog rows', () => {
    const header = 'asin,title,brand,category,price,currency,commissionRate,rating,reviewCount,salesRank,imageUrls,detailPageUrl';
    const good = (over: Partial<Record<string, string>> = {}) => {
      const r = {
        asin: 'B000TEST01',
        title: 'Good product',
        brand: 'Brand',
        category: 'home',
        price: '19.99',
        currency: 'USD',
        commissionRate: '4%',
        rating: '4.5',
        reviewCount: '10',
        salesRank: '100',
        imageUrls: 'https://m.media-amazon.com/images/I/x.jpg',
        detailPageUrl: 'https://www.amazon.com/dp/B000TEST01',
        ...over,
      };
      return Object.values(r)
        .map((v) => `"${String(v).replace(/"/g, '""')}"`)
        .join(',');
    };
    it.each([
      ['a loopback image URL is kept out of fetching by scheme rules only if not http(s)', { imageUrls: `file:///etc/${NONCE}` }, /imageUrls/],
      ['a javascript: detail page', { detailPageUrl: 'javascript:alert(1)' }, /detailPageUrl/],
      ['a lookalike Amazon host', { detailPageUrl: 'https://amazon.com.evil.example/dp/B000TEST01' }, /detailPageUrl/],
      ['a non-Amazon detail page', { detailPageUrl: 'https://evil.example/dp/B000TEST01' }, /detailPageUrl/],
      ['an over-long title', { title: 't'.repeat(5000) }, /title/],
      ['a malformed ASIN', { asin: "B0'; DROP--" }, /asin/],
      ['a formula in the brand (kept as text, not evaluated)', { brand: '=HYPERLINK("http://evil")' }, null],
      ['a negative price', { price: '-5' }, /price/],
    ] as const)('%s', (_name, over, message) => {
      const r = parseCatalogText(`${header}\n${good(over as Record<string, string>)}\n`, 'csv');
      if (message === null) {
        expect(r.errors).toEqual([]);
        expect(r.products[0].brand).toBe('=HYPERLINK("http://evil")');
      } else {
        expect(r.products).toHaveLength(0);
        expect(r.errors.map((e) => `${e.field}: ${e.reason}`).join('\n')).toMatch(message);
      }
      results.push(_name);
    });
  });

  describe('earnings rows', () => {
    const head =
      'Fee-Earnings reports from 11-01-2026 to 11-30-2026\nCategory,Name,ASIN,Seller,Tracking ID,Date Shipped,Price($),Items Shipped,Returns,Revenue($),Ad Fees($),Device Type Group';
    it.each([
      ['a formula as a product name is text', 'Home,=cmd|"/c calc"!A1,B000TEST01,Amazon,mystore-20,11-02-2026,10.00,1,0,10.00,0.40,DESKTOP', null],
      ['an impossible date', 'Home,X,B000TEST01,Amazon,mystore-20,13-45-2026,10.00,1,0,10.00,0.40,DESKTOP', /date/i],
      ['a non-numeric fee', 'Home,X,B000TEST01,Amazon,mystore-20,11-02-2026,10.00,1,0,10.00,1e309,DESKTOP', /fee|amount|money|\$/i],
      ['a SQL payload as tracking id', `Home,X,B000TEST01,Amazon,x'); DROP TABLE "Earning";--,11-02-2026,10.00,1,0,10.00,0.40,DESKTOP`, /tracking/i],
    ] as const)('%s', (_name, row, message) => {
      const r = parseEarningsReport(`${head}\n${row}\n`);
      if (message === null) expect(r.errors).toEqual([]);
      else expect(r.errors.map((e) => `${e.field}: ${e.reason}`).join('\n')).toMatch(message);
      results.push(_name);
    });
  });

  describe('URLs fetched for product images', () => {
    it.each([
      ['loopback', 'http://127.0.0.1:3000/media/x.png'],
      ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/'],
      ['IPv6 loopback', 'http://[::1]/x.png'],
      ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/x.png'],
      ['a private network', 'http://10.0.0.5/x.png'],
      ['localhost by name', 'http://localhost/x.png'],
      ['a file URL', `file:///tmp/${NONCE}`],
      ['credentials in the URL', 'http://user:pass@images.example.com/x.png'],
      ['gopher', 'gopher://127.0.0.1:6379/_FLUSHALL'],
    ])('refuses %s', async (_name, url) => {
      await expect(checkUrl(url, async (host) => [{ address: host === 'images.example.com' ? '93.184.216.34' : '127.0.0.1', family: 4 }])).rejects.toThrow(
        UnsafeUrlError,
      );
      results.push(_name);
    });
  });

  it('after all of it: still serving, nothing published, no run skips approval, no file written outside the data directory', async () => {
    expect(results.length).toBeGreaterThanOrEqual(60);
    expect((await sys.request('GET', '/healthz')).body.status).toBe('ok');
    expect(await sys.db.publication.count()).toBe(0);
    const client = await sys.orchestrator.client();
    for await (const w of client.workflow.list({ query: `WorkflowType = 'dailyControlLoop'` })) {
      const handle = client.workflow.getHandle(w.workflowId, w.runId);
      const history = await handle.fetchHistory();
      const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
      expect(JSON.parse(Buffer.from(input ?? '').toString('utf8') || '{}').autoApprove ?? false).toBe(false);
    }
    const found: string[] = [];
    const walk = (dir: string, depth: number) => {
      if (depth > 3) return;
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.name.includes(NONCE)) found.push(path.join(dir, e.name));
        if (e.isDirectory() && !['node_modules', '.git', '.tools'].includes(e.name)) {
          try {
            walk(path.join(dir, e.name), depth + 1);
          } catch {
            /* unreadable */
          }
        }
      }
    };
    for (const d of watched) walk(d, 0);
    expect(found).toEqual([]);
  });
});
