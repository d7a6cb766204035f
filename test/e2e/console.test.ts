import type { AddressInfo } from 'node:net';
import { installSecurity } from '../../src/http/security.js';
import Fastify, { type FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRoutes } from '../../src/chatops/console/routes.js';
import { ChatOps } from '../../src/chatops/core/core.js';
import { policyFromConfig } from '../../src/chatops/core/auth.js';
import { mediaRoutes, publishedMediaAccess } from '../../src/api/routes/media.js';
import { LocalMediaStorage } from '../../src/providers/storage/local.js';
import type { Config } from '../../src/config.js';
import { eventually, startTestSystem, type TestSystem } from '../support/harness.js';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** A small server like the API's: the media route (so videos play) and the console. */
async function consoleServer(sys: TestSystem, config: Config = sys.config): Promise<{ app: FastifyInstance; baseUrl: string }> {
  const app = Fastify();
  installSecurity(app, { apiToken: config.API_TOKEN });
  mediaRoutes(app, { storage: new LocalMediaStorage({ root: config.mediaDir, publicBaseUrl: config.publicBaseUrl }), access: publishedMediaAccess(sys.db) });
  const chatops = new ChatOps({ orchestrator: sys.orchestrator, db: sys.db, policy: policyFromConfig(config), timeZone: config.TIMEZONE });
  consoleRoutes(app, { config, db: sys.db, chatops });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, baseUrl: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

describe('local chat console (headless Chromium)', () => {
  let sys: TestSystem;
  let server: { app: FastifyInstance; baseUrl: string };
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    sys = await startTestSystem();
    server = await consoleServer(sys);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`${m.text()} ${m.location().url}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/console/command')) pageErrors.push(`${r.status()} ${r.url()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.app.close();
    await sys?.stop();
  });

  async function send(text: string) {
    await page.locator('#cmd').fill(text);
    await page.locator('#cmd').press('Enter');
  }

  it('starts the daily loop, shows the approval card with a playable video, approves it and the run publishes', async () => {
    await page.goto(`${server.baseUrl}/console`);
    await expect(page.title()).resolves.toBe('affiliate-empire console');
    await page.locator('#conn', { hasText: 'live' }).waitFor({ timeout: 10_000 });

    await send('/daily-loop start max:1 platforms:youtube');
    const started = page.locator('.group', { hasText: 'started by @console' });
    await started.waitFor({ timeout: 15_000 });
    await expect(started.locator('.mine').textContent()).resolves.toContain('/daily-loop start max:1 platforms:youtube');

    // The approval card arrives through the feed once the video is rendered.
    const card = page.locator('.kind-approval_requested').first();
    await card.waitFor({ timeout: 120_000 });
    const approve = card.locator('button[data-action-id^="approve|"]');
    await approve.waitFor();
    const [, workflowId, videoId] = (await approve.getAttribute('data-action-id'))!.split('|');
    expect(workflowId).toMatch(/^daily-\d{4}-\d{2}-\d{2}$/);
    await expect(card.locator('button', { hasText: 'Reject' }).count()).resolves.toBe(1);

    // The inline player points at this server's /media route and the file is a real MP4.
    const video = card.locator('video');
    await expect(video.count()).resolves.toBe(1);
    const src = (await video.getAttribute('src'))!;
    expect(src).toMatch(/^\/media\/.+\.mp4$/);
    const r = await fetch(new URL(src, server.baseUrl), { headers: { range: 'bytes=0-1023' } });
    expect([200, 206]).toContain(r.status);
    expect(r.headers.get('content-type')).toBe('video/mp4');
    expect((await r.arrayBuffer()).byteLength).toBeGreaterThan(0);
    const poster = await video.getAttribute('poster');
    if (poster) expect((await fetch(new URL(poster, server.baseUrl))).status).toBe(200);
    // Chromium loads its metadata (duration), i.e. it can actually play it.
    const duration = await video.evaluate(
      (v: HTMLVideoElement) =>
        new Promise<number>((resolve) => {
          if (v.readyState >= 1) return resolve(v.duration);
          v.addEventListener('loadedmetadata', () => resolve(v.duration), { once: true });
          v.addEventListener('error', () => resolve(-1), { once: true });
          v.load();
        }),
    );
    expect(duration).toBeGreaterThan(1);
    await page.screenshot({ path: '/tmp/console-card.png' });

    await approve.click();
    await page.locator('.kind-approval_requested', { hasText: 'Approved by @console' }).waitFor({ timeout: 15_000 });
    await page.locator('.group, .item', { hasText: 'Done: ✅ Approved by @console' }).first().waitFor({ timeout: 15_000 });
    // The card no longer offers buttons, also after the feed re-renders it from the database.
    await eventually(
      async () =>
        (await sys.db.approval.count({ where: { videoId, decision: 'APPROVE', decidedBy: 'console', decidedByName: 'console', source: 'console' } })) === 1,
      15_000,
    );
    await page.waitForTimeout(2_000);
    await expect(page.locator('.kind-approval_requested button[data-action-id]').count()).resolves.toBe(0);
    await expect(page.locator('.kind-approval_requested').first().textContent()).resolves.toContain('Approved by @console');

    await eventually(async () => (await sys.orchestrator.status(workflowId)).status === 'COMPLETED', 120_000, 500);
    const pubs = await sys.db.publication.findMany({ where: { videoId } });
    expect(pubs.length).toBe(1);
  }, 300_000);

  it('shows the usage for a bad command and refuses an empty one', async () => {
    await send('/daily-loop start max:0');
    const usage = page.locator('.group', { hasText: 'max must be between 1 and 100' });
    await usage.waitFor({ timeout: 10_000 });
    const text = (await usage.textContent())!;
    expect(text).toContain('Usage: /daily-loop start [max:5]');
    await expect(usage.locator('.eph').textContent()).resolves.toBe('only visible to you');

    await send('/no-such-command');
    await page.locator('.group', { hasText: 'Unknown command no-such-command' }).waitFor({ timeout: 10_000 });

    await page.locator('#cmd').fill('   ');
    await page.locator('#cmd').press('Enter');
    await expect(page.locator('#error').textContent()).resolves.toContain('Type a command');
    const empty = await fetch(`${server.baseUrl}/console/command`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: '  ' }),
    });
    expect(empty.status).toBe(400);
    expect((await empty.json()).error.code).toBe('empty_command');

    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: '/tmp/console.png' });
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('loads its script from /console/client.js under a strict CSP (no inline script)', async () => {
    const pageRes = await fetch(`${server.baseUrl}/console`);
    const csp = pageRes.headers.get('content-security-policy')!;
    expect(csp).toMatch(/^default-src 'none';/);
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)![1];
    const html = await pageRes.text();
    expect(html.match(/<script\b[^>]*>/g)).toEqual([`<script src="/console/client.js" nonce="${nonce}" defer>`]);
    expect(html).toContain('<script src="/console/client.js" nonce="' + nonce + '" defer></script>');

    const js = await fetch(`${server.baseUrl}/console/client.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('no-cache');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await js.text()).toMatch(/^\/\/ @ts-check\n/);
  });

  it('escapes everything the server sends', async () => {
    // A notification with markup in every field is shown as text, never as HTML.
    await sys.db.notification.create({
      data: {
        kind: 'workflow_failed',
        level: 'ERROR',
        title: '<img src=x onerror="window.__pwned=1">',
        message: '<script>window.__pwned=2</script> *bold* `code` <javascript:alert(1)|click>',
        workflowId: 'daily-2000-01-01',
        data: { step: '<b>x</b>' },
      },
    });
    const item = page.locator('.kind-workflow_failed').last();
    await item.waitFor({ timeout: 10_000 });
    await expect(item.locator('.hdr').textContent()).resolves.toContain('<img src=x');
    await expect(item.locator('img').count()).resolves.toBe(0);
    await expect(item.locator('script').count()).resolves.toBe(0);
    await expect(item.locator('b', { hasText: 'bold' }).count()).resolves.toBe(1);
    await expect(item.locator('code', { hasText: 'code' }).count()).resolves.toBe(1);
    await expect(item.locator('a[href^="javascript:"]').count()).resolves.toBe(0);
    await expect(item.locator('button[data-action-id="retry|daily"]').count()).resolves.toBe(1);
    await expect(page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).resolves.toBeUndefined();
  }, 30_000);

  it('with API_TOKEN: the page asks for the token once and every data endpoint needs it', async () => {
    const token = 'console-test-token-0123456789';
    const protectedServer = await consoleServer(sys, { ...sys.config, API_TOKEN: token, apiProtected: true } as Config);
    try {
      const base = protectedServer.baseUrl;
      expect((await fetch(`${base}/console`)).status).toBe(200);
      expect((await fetch(`${base}/console/feed`)).status).toBe(401);
      expect(
        (await fetch(`${base}/console/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"/affiliate-help"}' }))
          .status,
      ).toBe(401);
      expect(
        (await fetch(`${base}/console/action`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"actionId":"retry|daily"}' })).status,
      ).toBe(401);
      expect((await fetch(`${base}/console/feed`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
      expect((await fetch(`${base}/console/feed`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

      const p = await browser.newPage();
      try {
        await p.goto(`${base}/console`);
        await p.locator('#login.show').waitFor({ timeout: 10_000 });
        await p.locator('#token').fill(token);
        await p.locator('#token').press('Enter');
        await p.locator('#conn', { hasText: 'live' }).waitFor({ timeout: 10_000 });
        await p.locator('#cmd').fill('/affiliate-help');
        await p.locator('#cmd').press('Enter');
        await p.locator('.group', { hasText: 'affiliate-empire commands' }).waitFor({ timeout: 10_000 });
        // Stored for the tab: a reload does not ask again.
        await p.reload();
        await p.locator('#conn', { hasText: 'live' }).waitFor({ timeout: 10_000 });
        await expect(p.locator('#login.show').count()).resolves.toBe(0);
      } finally {
        await p.close();
      }
    } finally {
      await protectedServer.app.close();
    }
  }, 60_000);
});
