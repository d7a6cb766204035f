// `npm run connect`: the consent flow of each platform end to end against small local fakes of
// the authorize page (redirects to the loopback redirect_uri with code + state) and of the token
// endpoint (checks the code, the redirect URI, the client credentials and the PKCE verifier),
// with the tokens landing encrypted in a real PostgreSQL database.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db.js';
import { PROJECT_ROOT } from '../../src/embedded/migrate.js';
import {
  ConnectError,
  authorizeUrl,
  connectEndpoints,
  createPkce,
  runConnect,
  type ConnectPlatform,
  type RunConnectOptions,
} from '../../src/providers/publisher/oauth-connect.js';
import { DbTokenVault } from '../../src/providers/publisher/tokens.js';
import { createTestDatabase } from '../support/harness.js';

const KEY = randomBytes(32);
const CLIENT = { clientId: 'client-123', clientSecret: 'client-secret-xyz' };

interface Grant {
  redirectUri: string;
  challenge?: string;
  platform: ConnectPlatform;
}

/** One fake for the three providers' authorize pages, token endpoints and account APIs. */
class FakeProviders {
  server = http.createServer((req, res) => void this.handle(req, res));
  base = '';
  mode: 'approve' | 'deny' = 'approve';
  grants = new Map<string, Grant>();
  tokenRequests: Record<string, string>[] = [];

  async start() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  settings() {
    return {
      GOOGLE_OAUTH_TOKEN_URL: `${this.base}/google/token`,
      YOUTUBE_API_URL: this.base,
      TIKTOK_API_URL: `${this.base}/tt`,
      INSTAGRAM_GRAPH_URL: `${this.base}/v23.0`,
    };
  }

  endpoints(platform: ConnectPlatform) {
    return connectEndpoints(platform, this.settings(), `${this.base}/${platform}/authorize`);
  }

  private json(res: http.ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url!, this.base);
    const q = url.searchParams;
    const authorize = /^\/(youtube|tiktok|instagram)\/authorize$/.exec(url.pathname);
    if (authorize) return this.authorize(authorize[1] as ConnectPlatform, q, res);
    let body = '';
    for await (const chunk of req) body += chunk;
    const form = Object.fromEntries(new URLSearchParams(body));
    const auth = req.headers.authorization;
    switch (`${req.method} ${url.pathname}`) {
      case 'POST /google/token':
      case 'POST /tt/v2/oauth/token/':
      case 'POST /oauth/access_token':
        return this.token(url.pathname, form, res);
      case 'GET /youtube/v3/channels':
        if (auth !== 'Bearer yt-access' || q.get('mine') !== 'true') return this.json(res, 401, { error: { code: 401, message: 'Invalid Credentials' } });
        return this.json(res, 200, { items: [{ id: 'UC123', snippet: { title: 'Gadget <Deals>' } }] });
      case 'GET /tt/v2/user/info/':
        if (auth !== 'Bearer tt-access') return this.json(res, 401, { data: {}, error: { code: 'access_token_invalid', message: 'bad token' } });
        return this.json(res, 200, { data: { user: { open_id: 'open-1', display_name: 'Deal Hunter' } }, error: { code: 'ok', message: '' } });
      case 'GET /access_token':
        if (q.get('grant_type') !== 'ig_exchange_token' || q.get('client_secret') !== CLIENT.clientSecret || q.get('access_token') !== 'ig-short')
          return this.json(res, 400, { error: { message: 'Invalid exchange', type: 'OAuthException', code: 100 } });
        return this.json(res, 200, { access_token: 'ig-long', token_type: 'bearer', expires_in: 5183944 });
      case 'GET /v23.0/me':
        if (q.get('access_token') !== 'ig-long')
          return this.json(res, 400, { error: { message: 'Invalid OAuth access token', type: 'OAuthException', code: 190 } });
        return this.json(res, 200, { user_id: '17841400000000001', username: 'dealhunter', id: '999' });
    }
    this.json(res, 404, { error: 'not_found' });
  }

  private authorize(platform: ConnectPlatform, q: URLSearchParams, res: http.ServerResponse) {
    const redirectUri = q.get('redirect_uri')!;
    const clientId = q.get(platform === 'tiktok' ? 'client_key' : 'client_id');
    const expected: Record<ConnectPlatform, Record<string, string>> = {
      youtube: { response_type: 'code', access_type: 'offline', prompt: 'consent', code_challenge_method: 'S256' },
      tiktok: { response_type: 'code', scope: 'user.info.basic,video.publish,video.upload,video.list', code_challenge_method: 'S256' },
      instagram: { response_type: 'code', scope: 'instagram_business_basic,instagram_business_content_publish,instagram_business_manage_insights' },
    };
    const wrong = Object.entries(expected[platform]).find(([k, v]) => q.get(k) !== v);
    if (clientId !== CLIENT.clientId || !q.get('state') || wrong) return this.json(res, 400, { error: 'invalid_request', wrong });
    if (platform === 'youtube' && !q.get('scope')!.split(' ').includes('https://www.googleapis.com/auth/youtube.upload')) return this.json(res, 400, {});
    const target = new URL(redirectUri);
    target.searchParams.set('state', q.get('state')!);
    if (this.mode === 'deny') {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'The user denied the request');
    } else {
      const code = `code-${randomBytes(6).toString('hex')}`;
      this.grants.set(code, { redirectUri, challenge: q.get('code_challenge') ?? undefined, platform });
      target.searchParams.set('code', code);
    }
    // Meta appends "#_" to its redirects.
    res.writeHead(302, { location: target.toString() + (platform === 'instagram' ? '#_' : '') }).end();
  }

  private token(pathname: string, form: Record<string, string>, res: http.ServerResponse) {
    this.tokenRequests.push(form);
    const platform: ConnectPlatform = pathname === '/google/token' ? 'youtube' : pathname.startsWith('/tt/') ? 'tiktok' : 'instagram';
    const grant = this.grants.get(form.code!);
    const clientId = platform === 'tiktok' ? form.client_key : form.client_id;
    if (clientId !== CLIENT.clientId || form.client_secret !== CLIENT.clientSecret)
      return this.json(res, 401, { error: 'invalid_client', error_description: 'Unauthorized' });
    if (!grant || grant.platform !== platform || form.grant_type !== 'authorization_code' || form.redirect_uri !== grant.redirectUri) {
      return this.json(res, 400, { error: 'invalid_grant', error_description: 'Bad code or redirect_uri' });
    }
    if (grant.challenge !== undefined) {
      const digest = createHash('sha256')
        .update(form.code_verifier ?? '')
        .digest();
      if (digest.toString(platform === 'tiktok' ? 'hex' : 'base64url') !== grant.challenge) {
        return this.json(res, 400, { error: 'invalid_request', error_description: 'Code verifier or code challenge is invalid.' });
      }
    }
    this.grants.delete(form.code!); // one use
    if (platform === 'youtube') {
      return this.json(res, 200, {
        access_token: 'yt-access',
        refresh_token: 'yt-refresh',
        expires_in: 3599,
        scope:
          'https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.readonly https://www.googleapis.com/auth/yt-analytics.readonly',
        token_type: 'Bearer',
      });
    }
    if (platform === 'tiktok') {
      return this.json(res, 200, {
        access_token: 'tt-access',
        refresh_token: 'tt-refresh',
        open_id: 'open-1',
        expires_in: 86400,
        refresh_expires_in: 31536000,
        scope: 'user.info.basic,video.upload,video.list',
        token_type: 'Bearer',
      });
    }
    return this.json(res, 200, {
      data: [{ access_token: 'ig-short', user_id: '17841400000000001', permissions: 'instagram_business_basic,instagram_business_content_publish' }],
    });
  }
}

/** A browser: follows the consent page's redirect to the loopback server (not awaited by the flow: the page answers after the exchange). */
async function browse(authorizeUrl: string, tamper?: (redirect: URL) => void): Promise<{ status: number; text: string; location: string }> {
  const consent = await fetch(authorizeUrl, { redirect: 'manual' });
  const location = consent.headers.get('location');
  if (!location) throw new Error(`no redirect from the consent page: ${consent.status} ${await consent.text()}`);
  const target = new URL(location);
  tamper?.(target);
  const page = await fetch(target);
  return { status: page.status, text: await page.text(), location };
}

describe('npm run connect', () => {
  const fake = new FakeProviders();
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  let vault: DbTokenVault;

  beforeAll(async () => {
    await fake.start();
    database = await createTestDatabase();
    db = createDb(database.url, { max: 2 });
  });
  afterAll(async () => {
    fake.server.close();
    await db?.$disconnect();
    await database?.drop();
  });
  beforeEach(async () => {
    await db.oAuthToken.deleteMany();
    fake.mode = 'approve';
    vault = new DbTokenVault(db, KEY);
  });

  function options(platform: ConnectPlatform, extra: Partial<RunConnectOptions> = {}) {
    let page: Promise<{ status: number; text: string; location: string }> | undefined;
    const opts: RunConnectOptions = {
      platform,
      client: CLIENT,
      endpoints: fake.endpoints(platform),
      vault,
      timeoutMs: 10_000,
      onAuthorizeUrl: (url) => {
        page = browse(url);
      },
      ...extra,
    };
    return { opts, page: () => page! };
  }

  async function rawRow(platform: 'YOUTUBE' | 'TIKTOK' | 'INSTAGRAM') {
    return db.oAuthToken.findUnique({ where: { platform } });
  }

  it('YouTube: consent with PKCE (S256) on a loopback redirect; the tokens land encrypted and the channel is named', async () => {
    const { opts, page } = options('youtube');
    const result = await runConnect(opts);
    expect(result).toMatchObject({ platform: 'YOUTUBE', account: 'Gadget <Deals>', userId: 'UC123', hasRefreshToken: true, missingScopes: [] });
    expect(result.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const browser = await page();
    expect(browser.status).toBe(200);
    expect(browser.text).toContain('Connected YouTube: Gadget &#60;Deals&#62;');
    expect(browser.text).not.toMatch(/yt-access|yt-refresh/);

    const row = await rawRow('YOUTUBE');
    expect(row?.refreshToken).toMatch(/^v1:/);
    expect(JSON.stringify(row)).not.toMatch(/yt-access|yt-refresh/);
    expect(await vault.get('YOUTUBE')).toMatchObject({ refreshToken: 'yt-refresh', accessToken: 'yt-access', account: 'Gadget <Deals>' });
    expect(fake.tokenRequests.at(-1)).toMatchObject({ grant_type: 'authorization_code', client_id: CLIENT.clientId });
    expect(fake.tokenRequests.at(-1)!.code_verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
  });

  it('TikTok: client_key, hex PKCE and a /callback/ redirect; reports the scopes that were not granted', async () => {
    const { opts, page } = options('tiktok');
    const result = await runConnect(opts);
    expect(result).toMatchObject({ platform: 'TIKTOK', account: 'Deal Hunter (open_id open-1)', userId: 'open-1', missingScopes: ['video.publish'] });
    expect(result.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback\/$/);
    expect((await page()).status).toBe(200);
    expect(JSON.stringify(await rawRow('TIKTOK'))).not.toMatch(/tt-access|tt-refresh/);
    expect(await vault.get('TIKTOK')).toMatchObject({ refreshToken: 'tt-refresh', accessToken: 'tt-access', scope: 'user.info.basic,video.upload,video.list' });
  });

  it('Instagram: code → short-lived → long-lived token (no refresh token), @username, through the loopback', async () => {
    const { opts, page } = options('instagram');
    const result = await runConnect(opts);
    expect(result).toMatchObject({ platform: 'INSTAGRAM', account: '@dealhunter', userId: '17841400000000001', hasRefreshToken: false });
    expect(result.missingScopes).toEqual(['instagram_business_manage_insights']);
    expect(result.accessExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 59 * 86_400_000);
    expect((await page()).status).toBe(200);
    expect(JSON.stringify(await rawRow('INSTAGRAM'))).not.toMatch(/ig-long|ig-short/);
    expect(await vault.get('INSTAGRAM')).toMatchObject({ accessToken: 'ig-long', refreshToken: null, account: '@dealhunter' });
  });

  it('Instagram manual path: an https redirect URI, the address the browser ended on pasted into the prompt (state checked)', async () => {
    let pasted!: (line: string) => void;
    const { opts } = options('instagram', {
      redirectUri: 'https://example.test/ig-callback',
      readPasted: () => new Promise((resolve) => (pasted = resolve)),
      onAuthorizeUrl: async (url) => {
        const consent = await fetch(url, { redirect: 'manual' });
        pasted(consent.headers.get('location')!); // https://example.test/ig-callback?state=…&code=…#_
      },
    });
    expect(await runConnect(opts)).toMatchObject({ account: '@dealhunter', redirectUri: 'https://example.test/ig-callback' });
    expect(fake.tokenRequests.at(-1)).toMatchObject({ redirect_uri: 'https://example.test/ig-callback' });
    expect((await vault.get('INSTAGRAM'))?.accessToken).toBe('ig-long');
  });

  it('Instagram manual path: --code / --redirected-url from an earlier consent, without a browser step', async () => {
    const redirectUri = 'https://example.test/ig-callback';
    const consentUrl = (state: string) =>
      `${fake.base}/instagram/authorize?client_id=${CLIENT.clientId}&response_type=code&state=${state}&redirect_uri=${encodeURIComponent(redirectUri)}` +
      '&scope=instagram_business_basic,instagram_business_content_publish,instagram_business_manage_insights';
    const redirected = (await fetch(consentUrl('earlier'), { redirect: 'manual' })).headers.get('location')!;
    const common = { platform: 'instagram' as const, client: CLIENT, endpoints: fake.endpoints('instagram'), vault, redirectUri };
    expect(await runConnect({ ...common, manual: redirected })).toMatchObject({ account: '@dealhunter' });

    await db.oAuthToken.deleteMany();
    const code = new URL((await fetch(consentUrl('again'), { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
    expect(await runConnect({ ...common, manual: `${code}#_` })).toMatchObject({ account: '@dealhunter' });
    expect((await vault.get('INSTAGRAM'))?.accessToken).toBe('ig-long');

    await expect(runConnect({ ...common, platform: 'youtube', manual: code })).rejects.toThrow(/Instagram only/);
  });

  it('refuses a redirect with the wrong state (nothing stored) and keeps waiting for the real one', async () => {
    const notices: string[] = [];
    let forged: Promise<{ status: number; text: string }> | undefined;
    let real: Promise<unknown> | undefined;
    const { opts } = options('youtube', {
      log: (line) => notices.push(line),
      onAuthorizeUrl: (url) => {
        forged = browse(url, (target) => target.searchParams.set('state', 'forged'));
        real = forged.then(() => browse(url));
      },
    });
    await runConnect(opts);
    const refused = await forged!;
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/state of this redirect does not match/);
    expect(notices.join('\n')).toMatch(/state does not match/);
    await real;
    expect((await vault.get('YOUTUBE'))?.refreshToken).toBe('yt-refresh');
  });

  it('a pasted address with another state is refused', async () => {
    const { opts } = options('tiktok', {
      readPasted: async () => 'http://127.0.0.1:1/callback/?code=code-x&state=not-this-run',
      onAuthorizeUrl: () => {},
    });
    await expect(runConnect(opts)).rejects.toThrow(/does not carry the state of this run/);
    expect(await rawRow('TIKTOK')).toBeNull();
  });

  it('reports a declined consent (error redirect) clearly and stores nothing', async () => {
    fake.mode = 'deny';
    const { opts, page } = options('tiktok');
    const err = await runConnect(opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as Error).message).toBe(
      'TikTok refused the authorization: access_denied (consent was declined): The user denied the request. Nothing was stored; run the command again to retry.',
    );
    expect((await page()).status).toBe(400);
    expect(await rawRow('TIKTOK')).toBeNull();
  });

  it('reports a refused exchange with the provider error (never the secret) to the terminal and the browser', async () => {
    const { opts, page } = options('youtube', { client: { ...CLIENT, clientSecret: 'wrong-secret-value' } });
    const err = (await runConnect(opts).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('Exchanging the code with Google failed: HTTP 401, invalid_client: Unauthorized.');
    expect(err.message).not.toContain('wrong-secret-value');
    const browser = await page();
    expect(browser.status).toBe(502);
    expect(browser.text).toContain('invalid_client');
    expect(await rawRow('YOUTUBE')).toBeNull();
  });

  it('times out with a clear message when no consent arrives', async () => {
    const { opts } = options('youtube', { timeoutMs: 300, onAuthorizeUrl: () => {} });
    await expect(runConnect(opts)).rejects.toThrow(/No answer from the consent page within 0.3 seconds: nothing was stored/);
  });

  it('a TikTok token endpoint that refuses the PKCE verifier (corrupted on its way) is reported', async () => {
    const { opts, page } = options('tiktok', {
      fetch: (input, init) => {
        if (String(input).endsWith('/v2/oauth/token/')) init = { ...init, body: String(init!.body).replace(/code_verifier=[^&]+/, 'code_verifier=wrong') };
        return fetch(input, init);
      },
    });
    await expect(runConnect(opts)).rejects.toThrow(/HTTP 400, invalid_request: Code verifier or code challenge is invalid/);
    await page();
  });
});

describe('connectEndpoints / authorizeUrl', () => {
  it("uses the real services by default, and the publishers' settings when set", () => {
    expect(connectEndpoints('youtube', {})).toEqual({
      authorize: 'https://accounts.google.com/o/oauth2/v2/auth',
      token: 'https://oauth2.googleapis.com/token',
      api: 'https://www.googleapis.com',
    });
    expect(connectEndpoints('tiktok', { TIKTOK_API_URL: 'http://127.0.0.1:9/tt/' })).toMatchObject({
      token: 'http://127.0.0.1:9/tt/v2/oauth/token/',
      api: 'http://127.0.0.1:9/tt',
    });
    expect(connectEndpoints('instagram', {})).toEqual({
      authorize: 'https://www.instagram.com/oauth/authorize',
      token: 'https://api.instagram.com/oauth/access_token',
      longLived: 'https://graph.instagram.com/access_token',
      api: 'https://graph.instagram.com',
    });
  });

  it('sends an Instagram-Login token to graph.instagram.com even when INSTAGRAM_GRAPH_URL names graph.facebook.com', () => {
    expect(connectEndpoints('instagram', { INSTAGRAM_GRAPH_URL: 'https://graph.facebook.com/v23.0' })).toMatchObject({
      token: 'https://api.instagram.com/oauth/access_token',
      longLived: 'https://graph.instagram.com/access_token',
      api: 'https://graph.instagram.com/v23.0',
    });
  });

  it('builds the consent URLs each platform documents', () => {
    const pkce = createPkce('hex');
    expect(pkce.challenge).toBe(createHash('sha256').update(pkce.verifier).digest('hex'));
    const tiktok = new URL(
      authorizeUrl('tiktok', 'https://www.tiktok.com/v2/auth/authorize/', { clientId: 'ck', redirectUri: 'http://127.0.0.1:5/callback/', state: 's', pkce }),
    );
    expect(Object.fromEntries(tiktok.searchParams)).toEqual({
      client_key: 'ck',
      redirect_uri: 'http://127.0.0.1:5/callback/',
      response_type: 'code',
      scope: 'user.info.basic,video.publish,video.upload,video.list',
      state: 's',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    });
    const google = authorizeUrl('youtube', 'https://accounts.google.com/o/oauth2/v2/auth', { clientId: 'id', redirectUri: 'http://127.0.0.1:5', state: 's' });
    expect(google).toContain('scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fyoutube.upload+https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fyoutube.readonly+');
    expect(google).toContain('&access_type=offline&prompt=consent&state=s');
  });
});

describe('scripts/connect.ts (the command)', () => {
  const tsx = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
  const script = path.join(PROJECT_ROOT, 'scripts', 'connect.ts');
  let cwd: string;

  beforeAll(() => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'connect-cli-')); // no .env here
  });
  afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

  const run = (...args: string[]) =>
    spawnSync(tsx, [script, ...args], {
      cwd,
      encoding: 'utf8',
      timeout: 30_000,
      env: cliEnv(),
    });
  const cliEnv = () => ({ PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: path.join(cwd, 'var') });

  it('prints the usage and exits 2 for an unknown platform', () => {
    const r = run('bogus');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown platform "bogus"');
    expect(r.stderr).toContain('usage: npm run connect -- youtube|tiktok|instagram');
  });

  it('exits 78 naming the missing setting', () => {
    const r = run('youtube', '--no-open');
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/YOUTUBE_CLIENT_ID is missing/);
  });

  it('connects TikTok end to end through the command, printing the account and never a token', async () => {
    const fake = new FakeProviders();
    await fake.start();
    const database = await createTestDatabase();
    const db = createDb(database.url, { max: 1 });
    try {
      const child = spawn(tsx, [script, 'tiktok', '--no-open', '--timeout', '20s'], {
        cwd,
        env: {
          ...cliEnv(),
          DATABASE_URL: database.url,
          TIKTOK_CLIENT_KEY: CLIENT.clientId,
          TIKTOK_CLIENT_SECRET: CLIENT.clientSecret,
          TIKTOK_API_URL: `${fake.base}/tt`,
          CONNECT_AUTHORIZE_URL_TIKTOK: `${fake.base}/tiktok/authorize`,
          TOKEN_ENCRYPTION_KEY: KEY.toString('hex'),
        },
      });
      let [stdout, stderr] = ['', ''];
      let browser: Promise<{ status: number }> | undefined;
      child.stderr.on('data', (d) => (stderr += d));
      child.stdout.on('data', (d) => {
        stdout += d;
        const consent = /^\s+(http:\/\/\S+\/tiktok\/authorize\?\S+)$/m.exec(stdout);
        if (consent && !browser) browser = browse(consent[1]!);
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect((await browser)?.status).toBe(200);
      expect(stdout).toContain('register http://127.0.0.1:*/callback/');
      expect(stdout).toContain('Connected TIKTOK: Deal Hunter (open_id open-1) (id open-1).');
      expect(stdout).toContain('Warning: not granted: video.publish.');
      expect(stdout).not.toMatch(/tt-access|tt-refresh|client-secret-xyz/);
      expect(await new DbTokenVault(db, KEY).get('TIKTOK')).toMatchObject({ refreshToken: 'tt-refresh', accessToken: 'tt-access' });
    } finally {
      fake.server.close();
      await db.$disconnect();
      await database.drop();
    }
  });

  it('exits 78 with the openssl command when TOKEN_ENCRYPTION_KEY is missing', () => {
    const r = spawnSync(tsx, [script, 'tiktok', '--no-open'], {
      cwd,
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...cliEnv(), TIKTOK_CLIENT_KEY: CLIENT.clientId, TIKTOK_CLIENT_SECRET: CLIENT.clientSecret },
    });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/TOKEN_ENCRYPTION_KEY is missing.*openssl rand -hex 32/);
  });

  it('explains the https redirect Meta requires when Instagram is called without one', () => {
    const r = run('instagram');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Meta accepts only https redirect URIs/);
  });
});
