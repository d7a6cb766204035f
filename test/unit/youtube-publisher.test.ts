import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { nextMidnightPacific, tagsFromHashtags, YouTubePublisher, type YouTubeOptions } from '../../src/providers/publisher/youtube.js';
import { PlatformAccountError, PlatformLimitError } from '../../src/providers/publisher/types.js';
import type { PublishContext, PublishRequest, StoredToken, TokenVault } from '../../src/providers/publisher/types.js';
import { FakeGoogle } from '../fakes/google.js';

const KiB256 = 256 * 1024;
const DISCLOSURE = 'As an Amazon Associate I earn from qualifying purchases.';
let dir: string;
let google: FakeGoogle;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yt-publisher-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  google = await FakeGoogle.start({ retryAfterSeconds: 0 });
});
afterEach(async () => google.close());

function memoryVault(token: StoredToken | null): TokenVault & { token: StoredToken | null } {
  return {
    token,
    async get() {
      return this.token;
    },
    async save(_platform, t) {
      this.token = { ...this.token, ...t };
    },
  };
}

function publisher(opts: Partial<YouTubeOptions> = {}) {
  const vault = (opts.vault as ReturnType<typeof memoryVault> | undefined) ?? memoryVault({ refreshToken: google.refreshToken });
  const p = new YouTubePublisher({
    clientId: google.clientId,
    clientSecret: google.clientSecret,
    tokenUrl: google.tokenUrl,
    apiUrl: google.apiUrl,
    privacy: 'unlisted',
    chunkBytes: KiB256,
    retryBaseMs: 1,
    ...opts,
    vault,
  });
  return { p, vault };
}

let fileCount = 0;
function videoFile(bytes: number): { file: string; sha256: string; size: number } {
  const file = path.join(dir, `video-${++fileCount}.mp4`);
  const data = randomBytes(bytes);
  fs.writeFileSync(file, data);
  return { file, sha256: createHash('sha256').update(data).digest('hex'), size: bytes };
}

function request(videoPath: string, over: Partial<PublishRequest> = {}): PublishRequest {
  return {
    idempotencyKey: 'pub-1',
    platform: 'YOUTUBE',
    videoId: 'video-1',
    videoPath,
    thumbnailPath: null,
    title: 'This $20 gadget peels garlic in 3 seconds',
    description: `Link: https://example.test/r/abc-yt\n${DISCLOSURE}`,
    hashtags: ['#gadgets', '#kitchen tools', '#Gadgets', '#'],
    language: 'en',
    ...over,
  };
}

/** A ledger row's view of one attempt: the state it was given, and what it saved (with what the fake held then). */
function attempt(
  state: Record<string, unknown> | null = null,
  hooks: { onHeartbeat?: (n: number) => void; onSave?: (s: Record<string, unknown>) => void } = {},
) {
  const controller = new AbortController();
  const saves: { state: Record<string, unknown>; bytesReceivedThen: number }[] = [];
  let beats = 0;
  const ctx: PublishContext = {
    state,
    saveState: async (s) => {
      saves.push({ state: structuredClone(s), bytesReceivedThen: google.bytesReceived });
      hooks.onSave?.(s);
    },
    heartbeat: () => {
      beats++;
      hooks.onHeartbeat?.(beats);
    },
    signal: controller.signal,
    videoUrl: async () => 'http://127.0.0.1:1/unused',
  };
  return { ctx, saves, controller, lastState: () => saves.at(-1)?.state ?? null, beats: () => beats };
}

describe('YouTubePublisher', () => {
  it('uploads a file in 256 KiB chunks as one video with the metadata YouTube needs, saving the session before the first byte', async () => {
    const { file, sha256, size } = videoFile(3 * 1024 * 1024 + 1234);
    const { p, vault } = publisher();
    const a = attempt();
    const post = await p.publish(request(file, { syntheticMedia: true }), a.ctx);

    const [video] = google.videos();
    expect(google.videos()).toHaveLength(1);
    expect(post).toEqual({ externalId: video.id, url: `https://www.youtube.com/shorts/${video.id}` });
    expect(video).toMatchObject({ size, sha256 });
    expect(video.snippet).toMatchObject({ title: request(file).title, tags: ['gadgets', 'kitchen tools'], categoryId: '26', defaultLanguage: 'en' });
    expect(video.snippet.description).toContain(DISCLOSURE);
    expect(video.status).toMatchObject({ privacyStatus: 'unlisted', selfDeclaredMadeForKids: false, containsSyntheticMedia: true });

    const [session] = google.sessions();
    expect(a.saves[0]).toEqual({ state: { sessionUri: session.uri, size }, bytesReceivedThen: 0 });
    expect(session).toMatchObject({ puts: Math.ceil(size / KiB256), bytesReceived: size, duplicateBytes: 0, contentType: 'video/mp4' });
    expect(a.beats()).toBeGreaterThanOrEqual(session.puts - 1);
    expect(vault.token?.accessToken).toMatch(/^ya29\./);
    // A second upload reuses the cached access token.
    await p.publish(request(file), attempt().ctx);
    expect(google.tokensIssued).toBe(1);
    expect(google.videos()[1].status.containsSyntheticMedia).toBe(false);
  });

  it('after a 503 mid-upload asks the session for its Range and resumes there, sending nothing it kept', async () => {
    const { file, sha256, size } = videoFile(2 * 1024 * 1024);
    google.failNext('upload-5xx-mid');
    await publisher().p.publish(request(file), attempt().ctx);

    expect(google.videos()).toMatchObject([{ size, sha256 }]);
    const i = google.requests.findIndex((r) => r.status === 503);
    const failed = /^bytes (\d+)-/.exec(google.requests[i].contentRange!)!;
    expect(google.requests[i + 1].contentRange).toBe(`bytes */${size}`);
    expect(google.requests[i + 1].status).toBe(308);
    expect(google.requests[i + 2].contentRange).toMatch(new RegExp(`^bytes ${Number(failed[1]) + KiB256 / 2}-`));
    expect(google.duplicateBytes).toBeLessThanOrEqual(KiB256);
    expect(google.duplicateBytes).toBe(0);
  });

  it('a 503 half-way through a single-chunk upload resumes with the missing half only', async () => {
    const { file, sha256, size } = videoFile(300_000);
    google.failNext('upload-5xx-mid');
    await publisher({ chunkBytes: 8 * 1024 * 1024 }).p.publish(request(file), attempt().ctx);
    expect(google.videos()).toMatchObject([{ size, sha256 }]);
    expect(google.requests.filter((r) => r.method === 'PUT').map((r) => [r.contentRange, r.status])).toEqual([
      [`bytes 0-${size - 1}/${size}`, 503],
      [`bytes */${size}`, 308],
      [`bytes ${size / 2}-${size - 1}/${size}`, 201],
    ]);
    expect(google.duplicateBytes).toBe(0);
  });

  it('retries a 429 after its Retry-After', async () => {
    const { file } = videoFile(KiB256 + 10);
    google.failNext('rateLimit429');
    await publisher().p.publish(request(file), attempt().ctx);
    expect(google.requests.some((r) => r.status === 429)).toBe(true);
    expect(google.videos()).toHaveLength(1);
  });

  it('called again with the saved state of a completed session returns the same video and uploads nothing', async () => {
    const { file } = videoFile(1024 * 1024);
    const { p } = publisher();
    const first = attempt();
    const post = await p.publish(request(file), first.ctx);
    const received = google.bytesReceived;

    const again = await p.publish(request(file), attempt(first.lastState()).ctx);
    expect(again).toEqual(post);
    expect(google.videos()).toHaveLength(1);
    expect(google.sessions()).toHaveLength(1);
    expect(google.bytesReceived).toBe(received);
  });

  it('resumes a half-done session after a crash, from the Range the session reports', async () => {
    const { file, sha256, size } = videoFile(2 * 1024 * 1024 + 77);
    const { p } = publisher();
    const crashed = attempt(null, { onHeartbeat: (n) => n === 3 && crashed.controller.abort() });
    await expect(p.publish(request(file), crashed.ctx)).rejects.toThrow();
    expect(google.sessions()[0].persisted).toBe(3 * KiB256);
    expect(google.videos()).toHaveLength(0);

    const post = await p.publish(request(file), attempt(crashed.lastState()).ctx);
    expect(google.videos()).toMatchObject([{ id: post.externalId, size, sha256 }]);
    expect(google.sessions()).toHaveLength(1);
    expect(google.bytesReceived).toBe(size);
    expect(google.duplicateBytes).toBe(0);
  });

  it('starts a new session when the saved one expired before its last chunk (no video can exist)', async () => {
    const { file, sha256 } = videoFile(1024 * 1024);
    const { p } = publisher();
    const crashed = attempt(null, { onHeartbeat: (n) => n === 2 && crashed.controller.abort() });
    await expect(p.publish(request(file), crashed.ctx)).rejects.toThrow();
    google.expireSession(google.sessions()[0].uri);

    const retry = attempt(crashed.lastState());
    await p.publish(request(file), retry.ctx);
    expect(google.sessions()).toHaveLength(2);
    expect(retry.saves[0].state.sessionUri).toBe(google.sessions()[1].uri);
    expect(google.videos()).toMatchObject([{ sha256 }]);
  });

  it('starts over in a new session when the session expires mid-upload (404 on a chunk)', async () => {
    const { file, sha256 } = videoFile(1024 * 1024);
    const a = attempt(null, { onHeartbeat: (n) => n === 2 && google.expireSession(google.sessions()[0].uri) });
    await publisher().p.publish(request(file), a.ctx);
    expect(google.requests.some((r) => r.status === 404)).toBe(true);
    expect(google.sessions()).toHaveLength(2);
    expect(a.saves.map((s) => s.state.sessionUri)).toEqual([google.sessions()[0].uri, google.sessions()[1].uri, google.sessions()[1].uri]);
    expect(google.videos()).toMatchObject([{ sha256 }]);
  });

  it('refuses to guess when the saved session is gone after its final chunk was sent (manual check, no second upload)', async () => {
    const { file } = videoFile(600 * 1024);
    const { p } = publisher();
    const crashed = attempt(null, { onSave: (s) => s.finalChunkSent && crashed.controller.abort() });
    await expect(p.publish(request(file), crashed.ctx)).rejects.toThrow();
    expect(crashed.lastState()).toMatchObject({ finalChunkSent: true });
    google.expireSession(google.sessions()[0].uri);

    const err = await p.publish(request(file), attempt(crashed.lastState()).ctx).catch((e) => e);
    expect(err).toBeInstanceOf(PlatformAccountError);
    expect(err.code).toBe('upload_outcome_unknown');
    expect(google.sessions()).toHaveLength(1);
  });

  it('quotaExceeded stops the platform until the next midnight Pacific time, before any session is saved', async () => {
    const { file } = videoFile(KiB256);
    const { p } = publisher();
    google.failNext('quotaExceeded');
    const a = attempt();
    const err = await p.publish(request(file), a.ctx).catch((e) => e);
    expect(err).toBeInstanceOf(PlatformLimitError);
    expect(err).toMatchObject({ platform: 'YOUTUBE', code: 'quotaExceeded', until: nextMidnightPacific() });
    expect(a.saves).toHaveLength(0);

    google.setQuota(google.insertCostUnits - 1);
    await expect(p.publish(request(file), attempt().ctx)).rejects.toMatchObject({ name: 'PlatformLimitError', code: 'quotaExceeded' });
    expect(google.sessions()).toHaveLength(0);
  });

  it('uploadLimitExceeded holds the platform for 24 hours (a per-channel rolling cap)', async () => {
    const { file } = videoFile(KiB256);
    google.failNext('uploadLimitExceeded');
    const err = await publisher()
      .p.publish(request(file), attempt().ctx)
      .catch((e) => e);
    expect(err).toBeInstanceOf(PlatformLimitError);
    expect(err.code).toBe('uploadLimitExceeded');
    expect(Math.abs(err.until.getTime() - Date.now() - 24 * 3600_000)).toBeLessThan(60_000);
  });

  it('invalid_grant is an account error that says to reconnect; so is a missing refresh token', async () => {
    const { file } = videoFile(KiB256);
    google.failNext('invalid_grant');
    const err = await publisher()
      .p.publish(request(file), attempt().ctx)
      .catch((e) => e);
    expect(err).toBeInstanceOf(PlatformAccountError);
    expect(err.code).toBe('invalid_grant');
    expect(err.message).toContain('npm run connect -- youtube');

    const none = await publisher({ vault: memoryVault(null) })
      .p.publish(request(file), attempt().ctx)
      .catch((e) => e);
    expect(none).toMatchObject({ name: 'PlatformAccountError', code: 'not_connected' });
  });

  it('a 401 gets one refreshed token; a second 401 is an account error', async () => {
    const { file } = videoFile(KiB256);
    const { p } = publisher();
    google.failNext('unauthorized');
    await p.publish(request(file), attempt().ctx);
    expect(google.tokensIssued).toBe(2);

    google.failNext('unauthorized', 2);
    await expect(p.publish(request(file), attempt().ctx)).rejects.toMatchObject({ name: 'PlatformAccountError', code: 'unauthorized' });
  });

  it('metadata YouTube refuses is a plain error naming the field, and nothing is saved', async () => {
    const { file } = videoFile(KiB256);
    const a = attempt();
    const err = await publisher()
      .p.publish(request(file, { title: 'x'.repeat(101) }), a.ctx)
      .catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(PlatformAccountError);
    expect(err.message).toMatch(/snippet\.title.*invalidTitle/);
    expect(a.saves).toHaveLength(0);
  });

  it('fetchViews reads viewCount per id (null for unknown ids), 50 ids per videos.list call', async () => {
    const { file } = videoFile(KiB256);
    const { p } = publisher();
    const a = await p.publish(request(file), attempt().ctx);
    const b = await p.publish(request(file), attempt().ctx);
    google.setViews(a.externalId, 1234);
    const unknown = Array.from({ length: 50 }, (_, i) => `unknown${String(i).padStart(4, '0')}`);

    const views = await p.fetchViews([a.externalId, b.externalId, ...unknown]);
    expect(views[a.externalId]).toBe(1234);
    expect(views[b.externalId]).toBe(0);
    expect(views[unknown[0]]).toBeNull();
    expect(Object.keys(views)).toHaveLength(52);
    expect(google.requests.filter((r) => r.method === 'GET' && r.path === '/youtube/v3/videos')).toHaveLength(2);
  });
});

describe('nextMidnightPacific', () => {
  it.each([
    ['2026-01-15T20:00:00Z', '2026-01-16T08:00:00.000Z'], // PST
    ['2026-07-01T06:59:00Z', '2026-07-01T07:00:00.000Z'], // PDT, one minute before midnight
    ['2026-03-08T12:00:00Z', '2026-03-09T07:00:00.000Z'], // the day PDT starts
    ['2026-11-01T12:00:00Z', '2026-11-02T08:00:00.000Z'], // the day PST comes back
  ])('from %s is %s', (now, expected) => {
    expect(nextMidnightPacific(new Date(now)).toISOString()).toBe(expected);
  });
});

describe('tagsFromHashtags', () => {
  it('drops #, duplicates and what would pass 500 characters', () => {
    expect(tagsFromHashtags(['#a b', '#<c>', 'a B', '##d'])).toEqual(['a b', 'c', 'd']);
    const many = tagsFromHashtags(Array.from({ length: 100 }, (_, i) => `#tag${String(i).padStart(5, '0')}`));
    expect(many.join(',').length).toBeLessThanOrEqual(500);
  });
});

describe('FakeGoogle refusals', () => {
  async function token(): Promise<string> {
    const body = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: google.refreshToken,
      client_id: google.clientId,
      client_secret: google.clientSecret,
    });
    const res = await fetch(google.tokenUrl, { method: 'POST', body });
    return ((await res.json()) as { access_token: string }).access_token;
  }
  async function session(size: number, resource: unknown = { snippet: { title: 'ok' }, status: { privacyStatus: 'private' } }) {
    return fetch(`${google.apiUrl}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await token()}`,
        'content-type': 'application/json',
        'x-upload-content-length': String(size),
        'x-upload-content-type': 'video/mp4',
      },
      body: JSON.stringify(resource),
    });
  }
  const put = (uri: string, range: string, bytes: number) => fetch(uri, { method: 'PUT', headers: { 'content-range': range }, body: new Uint8Array(bytes) });

  it('/token refuses a wrong client secret (401 invalid_client) and an unknown refresh token (400 invalid_grant)', async () => {
    const form = (over: Record<string, string>) =>
      new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: google.refreshToken,
        client_id: google.clientId,
        client_secret: google.clientSecret,
        ...over,
      });
    const wrongSecret = await fetch(google.tokenUrl, { method: 'POST', body: form({ client_secret: 'nope' }) });
    expect(wrongSecret.status).toBe(401);
    expect(await wrongSecret.json()).toMatchObject({ error: 'invalid_client' });
    const unknown = await fetch(google.tokenUrl, { method: 'POST', body: form({ refresh_token: '1//unknown' }) });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.any(String) });
  });

  it('refuses a title over 100 characters with invalidTitle, and a session without a bearer with 401', async () => {
    const res = await session(1000, { snippet: { title: 'x'.repeat(101) } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 400, errors: [{ reason: 'invalidTitle', domain: 'youtube.video' }] } });
    const anonymous = await fetch(`${google.apiUrl}/upload/youtube/v3/videos?uploadType=resumable&part=snippet`, { method: 'POST', body: '{}' });
    expect(anonymous.status).toBe(401);
  });

  it('refuses a non-final chunk that is not a multiple of 256 KiB and a chunk that starts past what it holds', async () => {
    const size = 3 * KiB256;
    const uri = (await session(size)).headers.get('location')!;
    expect((await put(uri, `bytes 0-99999/${size}`, 100_000)).status).toBe(400);
    const gap = await put(uri, `bytes ${KiB256}-${2 * KiB256 - 1}/${size}`, KiB256);
    expect(gap.status).toBe(400);
    expect(await gap.text()).toMatch(/exceeds already uploaded size of 0/);
    expect(google.sessions()[0].persisted).toBe(0);
  });

  it('answers 308 with the Range it holds (none at first), and 201 with the video once complete', async () => {
    const size = KiB256 + 5;
    const uri = (await session(size)).headers.get('location')!;
    const empty = await put(uri, `bytes */${size}`, 0);
    expect(empty.status).toBe(308);
    expect(empty.headers.get('range')).toBeNull();
    const first = await put(uri, `bytes 0-${KiB256 - 1}/${size}`, KiB256);
    expect([first.status, first.headers.get('range')]).toEqual([308, `bytes=0-${KiB256 - 1}`]);
    const last = await put(uri, `bytes ${KiB256}-${size - 1}/${size}`, 5);
    expect(last.status).toBe(201);
    expect(await last.json()).toMatchObject({ kind: 'youtube#video', id: google.videos()[0].id, status: { uploadStatus: 'uploaded' } });
  });
});
