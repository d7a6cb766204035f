import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCaption, planChunks, TikTokPublisher, type TikTokOptions } from '../../src/providers/publisher/tiktok.js';
import { MIN_CHUNK_BYTES } from '../../src/providers/publisher/tiktok-media.js';
import {
  PlatformAccountError,
  PlatformLimitError,
  type PublishContext,
  type PublishRequest,
  type StoredToken,
  type TokenVault,
} from '../../src/providers/publisher/types.js';
import { FakeTikTok, type FakeTikTokFault, type FakeTikTokOptions } from '../fakes/tiktok.js';

const MIB = 1024 * 1024;
const DISCLOSURE = 'As an Amazon Associate I earn from qualifying purchases.';
const DESCRIPTION = [
  'A quiet fan that cools the whole desk.',
  'Rated 4.6 by 1,234 buyers.',
  '',
  'Get it here: https://go.example.com/r/abc123-tt',
  '',
  '#ad #desk #fan',
  '',
  DISCLOSURE,
].join('\n');

let dir: string;
const files = { small: '', big: '', long: '' };

/** A minimal MP4: ftyp, moov/mvhd (timescale 1000) and an mdat of random bytes up to `bytes`. */
function writeMp4(file: string, durationSec: number, bytes: number): void {
  const box = (type: string, body: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(8 + body.length, 0);
    head.write(type, 4, 'latin1');
    return Buffer.concat([head, body]);
  };
  const mvhd = Buffer.alloc(100);
  mvhd.writeUInt32BE(1000, 12);
  mvhd.writeUInt32BE(Math.round(durationSec * 1000), 16);
  const head = Buffer.concat([box('ftyp', Buffer.from('isom\0\0\x02\0isomiso2avc1mp41', 'latin1')), box('moov', box('mvhd', mvhd))]);
  fs.writeFileSync(file, Buffer.concat([head, box('mdat', randomBytes(bytes - head.length - 8))]));
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiktok-test-'));
  files.small = path.join(dir, 'small.mp4');
  files.big = path.join(dir, 'big.mp4');
  files.long = path.join(dir, 'long.mp4');
  writeMp4(files.small, 30, 1 * MIB);
  writeMp4(files.big, 30, 12 * MIB + 123);
  writeMp4(files.long, 400, 1 * MIB);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const fakes: FakeTikTok[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function startFake(opts: FakeTikTokOptions = {}): Promise<FakeTikTok> {
  const fake = await FakeTikTok.start(opts);
  fakes.push(fake);
  return fake;
}

class MemoryVault implements TokenVault {
  row: StoredToken | null;
  readonly saves: StoredToken[] = [];
  constructor(row: StoredToken | null) {
    this.row = row;
  }
  async get(): Promise<StoredToken | null> {
    return this.row ? { ...this.row } : null;
  }
  async save(_platform: string, token: StoredToken): Promise<void> {
    this.saves.push(token);
    this.row = { ...(this.row ?? {}), ...token };
  }
}

function ledger(state: Record<string, unknown> | null = null, onSave?: (s: Record<string, unknown>) => void) {
  const saved: Record<string, unknown>[] = [];
  let heartbeats = 0;
  const ctx: PublishContext = {
    state,
    saveState: async (s) => {
      onSave?.(s);
      saved.push(structuredClone(s));
    },
    heartbeat: () => void heartbeats++,
    signal: new AbortController().signal,
    videoUrl: async () => 'http://127.0.0.1:1/unused.mp4',
  };
  return { ctx, saved, heartbeats: () => heartbeats, last: () => saved.at(-1) ?? null };
}

function request(over: Partial<PublishRequest> = {}): PublishRequest {
  return {
    idempotencyKey: 'pub-1',
    platform: 'TIKTOK',
    videoId: 'vid-1',
    videoPath: files.small,
    thumbnailPath: null,
    title: 'This desk fan is whisper quiet',
    description: DESCRIPTION,
    hashtags: ['#ad', '#desk', '#fan', '#gadgets'],
    language: 'en',
    syntheticMedia: true,
    ...over,
  };
}

function publisherFor(fake: FakeTikTok, vault: TokenVault, over: Partial<TikTokOptions> = {}): TikTokPublisher {
  return new TikTokPublisher({
    clientKey: fake.opts.clientKey,
    clientSecret: fake.opts.clientSecret,
    vault,
    apiUrl: fake.apiUrl,
    chunkBytes: 5 * MIB,
    pollIntervalMs: 10,
    backoffBaseMs: 5,
    ...over,
  });
}

const vaultFor = (fake: FakeTikTok) => new MemoryVault({ refreshToken: fake.refreshToken });
const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

async function callFake(fake: FakeTikTok, p: string, body: unknown, token?: string) {
  const res = await fetch(`${fake.apiUrl}${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=UTF-8', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
}

describe('planChunks (Media Transfer Guide)', () => {
  it('splits 50,000,123 bytes in 10,000,000-byte chunks into floor(size/chunk) = 5, the last taking the trailing bytes', () => {
    const plan = planChunks(50_000_123, 10_000_000);
    expect(plan).toMatchObject({ chunkSize: 10_000_000, totalChunkCount: 5 });
    expect(plan.ranges[0]).toEqual({ start: 0, end: 9_999_999 });
    expect(plan.ranges[4]).toEqual({ start: 40_000_000, end: 50_000_122 });
  });

  it('sends a video under 5 MB whole, with chunk_size equal to its size', () => {
    expect(planChunks(4_000_000, 10 * MIB)).toEqual({ chunkSize: 4_000_000, totalChunkCount: 1, ranges: [{ start: 0, end: 3_999_999 }] });
  });

  it('splits a video over 64 MB, contiguous, with a final chunk under 128 MB', () => {
    const size = 200 * MIB;
    const plan = planChunks(size, 64_000_000);
    expect(plan.totalChunkCount).toBe(3);
    plan.ranges.forEach((r, i) => expect(r.start).toBe(i === 0 ? 0 : plan.ranges[i - 1].end + 1));
    const last = plan.ranges.at(-1)!;
    expect(last.end).toBe(size - 1);
    expect(last.end - last.start + 1).toBeLessThanOrEqual(128_000_000);
  });

  it('refuses chunk sizes outside 5 MB..64 MB and plans over 1000 chunks', () => {
    expect(() => planChunks(100 * MIB, 4 * MIB)).toThrow(RangeError);
    expect(() => planChunks(100 * MIB, 65_000_000)).toThrow(RangeError);
    expect(() => planChunks(1001 * MIN_CHUNK_BYTES + 1, MIN_CHUNK_BYTES)).toThrow(/1000/);
  });
});

describe('TikTok caption', () => {
  it('has the title, no URL ("link in bio" instead), every hashtag, and ends with the disclosure', () => {
    const caption = buildCaption(request());
    expect(caption.startsWith('This desk fan is whisper quiet\n')).toBe(true);
    expect(caption).not.toMatch(/https?:|www\./);
    expect(caption).toContain('Get it here: link in bio');
    expect(caption).toMatch(/#ad #desk #fan/);
    expect(caption).toContain('#gadgets');
    expect(caption.endsWith(DISCLOSURE)).toBe(true);
  });

  it('stays within 2200 UTF-16 units, shortening the summary and keeping link line, #ad and disclosure', () => {
    const long = `${'🙂 A very long summary. '.repeat(200)}\n${DESCRIPTION}`;
    const caption = buildCaption(request({ description: long }));
    expect(caption.length).toBeLessThanOrEqual(2200);
    expect(caption).toContain('link in bio');
    expect(caption).toContain('#ad');
    expect(caption.endsWith(DISCLOSURE)).toBe(true);
  });

  it('says "link in bio" in the video language', () => {
    expect(buildCaption(request({ language: 'es', description: 'Consíguelo aquí: https://x.example/a' }))).toContain('Consíguelo aquí: enlace en la bio');
  });
});

describe('TikTokPublisher: posting', () => {
  it('posts a two-chunk video with its flags, privacy and caption, and returns the public post URL', async () => {
    const fake = await startFake();
    const chunksAtFirstSave: number[] = [];
    const l = ledger(null, () => chunksAtFirstSave.push(fake.posts()[0]?.chunks.length ?? -1));
    const post = await publisherFor(fake, vaultFor(fake), { privacyLevel: 'PUBLIC_TO_EVERYONE' }).publish(request({ videoPath: files.big }), l.ctx);

    const [p] = fake.posts();
    expect(p.postInfo).toMatchObject({
      privacy_level: 'PUBLIC_TO_EVERYONE',
      disable_comment: false,
      disable_duet: false,
      disable_stitch: false,
      brand_content_toggle: true,
      brand_organic_toggle: false,
      is_aigc: true,
    });
    expect(p.postInfo.title).toBe(buildCaption(request()));
    const size = fs.statSync(files.big).size;
    expect(p.sourceInfo).toEqual({ source: 'FILE_UPLOAD', video_size: size, chunk_size: 5 * MIB, total_chunk_count: 2 });
    expect(p.chunks).toEqual([
      { start: 0, end: 5 * MIB - 1, status: 206 },
      { start: 5 * MIB, end: size - 1, status: 201 },
    ]);
    expect(p.sha256).toBe(sha256(files.big));
    expect(p.status).toBe('PUBLISH_COMPLETE');
    expect(post).toEqual({ externalId: p.postId, url: `https://www.tiktok.com/@fakecreator/video/${p.postId}` });
    // creator_info first, then init; the publish_id was in the ledger before the first chunk; chunks one after another.
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.status}`).slice(0, 5)).toEqual([
      'POST /v2/oauth/token/ 200',
      'POST /v2/post/publish/creator_info/query/ 200',
      'POST /v2/post/publish/video/init/ 200',
      'PUT /video/ 206',
      'PUT /video/ 201',
    ]);
    expect(chunksAtFirstSave[0]).toBe(0);
    expect(l.saved[0]).toMatchObject({ publishId: p.publishId, uploadUrl: p.uploadUrl, videoSize: size });
    expect(l.heartbeats()).toBeGreaterThan(2);
  });

  it('defaults to SELF_ONLY, without the branded-content toggle (not allowed private), and the publish_id stands in for the post id', async () => {
    const fake = await startFake();
    const post = await publisherFor(fake, vaultFor(fake)).publish(request({ syntheticMedia: undefined }), ledger().ctx);
    const [p] = fake.posts();
    expect(p.postInfo).toMatchObject({ privacy_level: 'SELF_ONLY', brand_content_toggle: false, brand_organic_toggle: false, is_aigc: false });
    expect(post).toEqual({ externalId: p.publishId, url: 'https://www.tiktok.com/@fakecreator' });
  });

  it('sends a chunk answered 5xx again and completes the upload', async () => {
    const fake = await startFake();
    fake.failNext('chunk_5xx');
    await publisherFor(fake, vaultFor(fake)).publish(request(), ledger().ctx);
    expect(fake.requests.filter((r) => r.method === 'PUT').map((r) => r.status)).toEqual([500, 201]);
    expect(fake.posts()[0].sha256).toBe(sha256(files.small));
  });

  it('waits out a 429 for its Retry-After, then goes on', async () => {
    const fake = await startFake();
    fake.failNext('rate_limit_exceeded', { retryAfterSec: 1, on: 'creator_info' });
    const started = Date.now();
    await publisherFor(fake, vaultFor(fake)).publish(request(), ledger().ctx);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(fake.requests.filter((r) => r.path.includes('creator_info')).map((r) => r.status)).toEqual([429, 200]);
  });
});

describe('TikTokPublisher: exactly once across attempts', () => {
  it('a retry with the saved state polls the earlier publish_id instead of posting again', async () => {
    const fake = await startFake({ pollsUntilComplete: 1000 });
    const first = ledger();
    await expect(publisherFor(fake, vaultFor(fake), { pollTimeoutMs: 50 }).publish(request(), first.ctx)).rejects.toThrow(
      /still processing .* resumes polling/,
    );
    expect(first.last()).toMatchObject({ publishId: fake.posts()[0].publishId, uploadedAt: expect.any(String) });

    fake.setPollsUntilComplete(0);
    const post = await publisherFor(fake, new MemoryVault({ refreshToken: fake.refreshToken })).publish(request(), ledger(first.last()).ctx);
    expect(post.externalId).toBe(fake.posts()[0].publishId);
    expect(fake.counts.init).toBe(1);
    expect(fake.counts.creatorInfo).toBe(1);
    expect(fake.posts()).toHaveLength(1);
  });

  it('starts a new upload when the earlier one never completed (no bytes arrive, so it can never post)', async () => {
    const fake = await startFake();
    fake.failNext('chunk_5xx', { times: 2 });
    const first = ledger();
    await expect(publisherFor(fake, vaultFor(fake), { maxAttempts: 2 }).publish(request(), first.ctx)).rejects.toThrow(/HTTP 500/);
    expect(first.last()).not.toHaveProperty('uploadedAt');

    const second = ledger(first.last());
    const post = await publisherFor(fake, new MemoryVault({ refreshToken: fake.refreshToken })).publish(request(), second.ctx);
    const [abandoned, done] = fake.posts();
    expect(abandoned).toMatchObject({ status: 'PROCESSING_UPLOAD', receivedBytes: 0 });
    expect(done).toMatchObject({ status: 'PUBLISH_COMPLETE' });
    expect(post.externalId).toBe(done.publishId);
    expect(second.saved[0]).toMatchObject({ publishId: done.publishId });
  });

  it('FAILED ends in an error with the fail_reason, and the ledger forgets the publish_id (nothing was posted)', async () => {
    const fake = await startFake();
    fake.failNext('FAILED', { failReason: 'file_format_check_failed' });
    const l = ledger();
    await expect(publisherFor(fake, vaultFor(fake)).publish(request(), l.ctx)).rejects.toThrow(/FAILED, fail_reason file_format_check_failed/);
    expect(l.last()).toMatchObject({ lastFailed: { failReason: 'file_format_check_failed' } });
    expect(l.last()).not.toHaveProperty('publishId');
  });
});

describe('TikTokPublisher: tokens', () => {
  it('saves the rotated refresh token at once; the old one stops working', async () => {
    const fake = await startFake();
    const vault = vaultFor(fake);
    await publisherFor(fake, vault).publish(request(), ledger().ctx);
    expect(vault.saves[0]).toMatchObject({ refreshToken: fake.refreshToken, accessToken: expect.any(String), accessExpiresAt: expect.any(Date) });
    expect(vault.row?.refreshToken).not.toBe('rt-initial');
    const old = await fetch(`${fake.apiUrl}/v2/oauth/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_key: fake.opts.clientKey,
        client_secret: fake.opts.clientSecret,
        grant_type: 'refresh_token',
        refresh_token: 'rt-initial',
      }),
    });
    expect(old.status).toBe(400);
    expect(await old.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('uses a stored access token, and refreshes once when TikTok answers access_token_invalid', async () => {
    const fake = await startFake();
    fake.failNext('access_token_invalid');
    const vault = new MemoryVault({ refreshToken: fake.refreshToken, accessToken: fake.issueAccessToken(), accessExpiresAt: new Date(Date.now() + 3600_000) });
    await publisherFor(fake, vault).publish(request(), ledger().ctx);
    expect(fake.counts.token).toBe(1);
    expect(fake.posts()[0].status).toBe('PUBLISH_COMPLETE');
  });

  it('access_token_invalid after one refresh is an account error naming the fix', async () => {
    const fake = await startFake();
    fake.failNext('access_token_invalid', { times: 2 });
    const err = await publisherFor(fake, vaultFor(fake))
      .publish(request(), ledger().ctx)
      .catch((e) => e);
    expect(err).toBeInstanceOf(PlatformAccountError);
    expect(err).toMatchObject({ code: 'access_token_invalid', message: expect.stringMatching(/TIKTOK_REFRESH_TOKEN/) });
  });
});

describe('TikTokPublisher: refusals', () => {
  const cases: [FakeTikTokFault, typeof PlatformLimitError | typeof PlatformAccountError, RegExp][] = [
    ['spam_risk_too_many_posts', PlatformLimitError, /daily post cap/],
    ['reached_active_user_cap', PlatformLimitError, /active posting users/],
    ['unaudited_client_can_only_post_to_private_accounts', PlatformAccountError, /SELF_ONLY .* private/],
    ['privacy_level_option_mismatch', PlatformAccountError, /TIKTOK_PRIVACY_LEVEL/],
    ['scope_not_authorized', PlatformAccountError, /video\.publish/],
  ];
  it.each(cases)('%s → %o with the fix in the message', async (kind, cls, message) => {
    const fake = await startFake();
    fake.failNext(kind, kind === 'scope_not_authorized' ? { on: 'init' } : {});
    const err = await publisherFor(fake, vaultFor(fake))
      .publish(request(), ledger().ctx)
      .catch((e) => e);
    expect(err).toBeInstanceOf(cls);
    expect(err).toMatchObject({ platform: 'TIKTOK', code: kind, message: expect.stringMatching(message) });
    if (err instanceof PlatformLimitError) expect(err.until.getTime() - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    expect(fake.posts()).toHaveLength(0);
  });

  it('an unaudited client asked to post publicly gets the unaudited refusal', async () => {
    const fake = await startFake({ unaudited: true });
    const err = await publisherFor(fake, vaultFor(fake), { privacyLevel: 'PUBLIC_TO_EVERYONE' })
      .publish(request(), ledger().ctx)
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'unaudited_client_can_only_post_to_private_accounts' });
  });

  it('refuses a privacy level the account does not offer before init, listing the allowed ones', async () => {
    const fake = await startFake({ privacyLevelOptions: ['FOLLOWER_OF_CREATOR', 'SELF_ONLY'] });
    const err = await publisherFor(fake, vaultFor(fake), { privacyLevel: 'PUBLIC_TO_EVERYONE' })
      .publish(request(), ledger().ctx)
      .catch((e) => e);
    expect(err).toBeInstanceOf(PlatformAccountError);
    expect(err.message).toMatch(/TIKTOK_PRIVACY_LEVEL=PUBLIC_TO_EVERYONE .*@fakecreator: FOLLOWER_OF_CREATOR, SELF_ONLY/);
    expect(fake.counts.init).toBe(0);
  });

  it('refuses a video longer than max_video_post_duration_sec, naming both', async () => {
    const fake = await startFake({ maxVideoPostDurationSec: 300 });
    await expect(publisherFor(fake, vaultFor(fake)).publish(request({ videoPath: files.long }), ledger().ctx)).rejects.toThrow(
      /400\.0 s, longer than the 300 s/,
    );
    expect(fake.counts.init).toBe(0);
  });
});

describe('TikTokPublisher: views', () => {
  it('asks /v2/video/query/ for view_count, 20 ids a call; null for what TikTok does not return', async () => {
    const fake = await startFake();
    const post = await publisherFor(fake, vaultFor(fake), { privacyLevel: 'PUBLIC_TO_EVERYONE' }).publish(request(), ledger().ctx);
    fake.setViews(post.externalId, 1234);
    const others = Array.from({ length: 21 }, (_, i) => `70000000000000000${String(i).padStart(2, '0')}`);
    const views = await publisherFor(fake, vaultFor(fake)).fetchViews([post.externalId, 'v_pub_file~v2-1.123', ...others]);
    expect(views[post.externalId]).toBe(1234);
    expect(views['v_pub_file~v2-1.123']).toBeNull();
    expect(views[others[0]]).toBeNull();
    expect(fake.counts.videoQuery).toBe(2);
  });
});

describe('FakeTikTok refusals', () => {
  const init = (over: { post?: Record<string, unknown>; source?: Record<string, unknown> } = {}) => ({
    post_info: { title: 'x', privacy_level: 'SELF_ONLY', brand_content_toggle: false, brand_organic_toggle: false, ...over.post },
    source_info: { source: 'FILE_UPLOAD', video_size: 12 * MIB, chunk_size: 5 * MIB, total_chunk_count: 2, ...over.source },
  });

  it('refuses a missing or unknown access token with 401 access_token_invalid', async () => {
    const fake = await startFake();
    const res = await callFake(fake, '/v2/post/publish/creator_info/query/', {}, 'act.nope');
    expect(res).toMatchObject({ status: 401, json: { error: { code: 'access_token_invalid', log_id: expect.any(String) } } });
  });

  it('validates source_info by the chunk rules and post_info by the Direct Post rules', async () => {
    const fake = await startFake();
    const token = fake.issueAccessToken();
    const bad = [
      init({ source: { total_chunk_count: 3 } }),
      init({ source: { video_size: 4 * MIB, chunk_size: 2 * MIB, total_chunk_count: 2 } }),
      init({ source: { chunk_size: 65 * MIB, video_size: 130 * MIB } }),
      init({ post: { title: 'x'.repeat(2201) } }),
      init({ post: { brand_content_toggle: true } }),
      init({ post: { privacy_level: 'PUBLIC' } }),
    ];
    for (const body of bad) expect(await callFake(fake, '/v2/post/publish/video/init/', body, token)).toMatchObject({ status: 400 });
    // A fresh token: refusals count against the 6 inits a minute too.
    const ok = await callFake(fake, '/v2/post/publish/video/init/', init(), fake.issueAccessToken());
    expect(ok).toMatchObject({ status: 200, json: { data: { publish_id: expect.any(String), upload_url: expect.any(String) }, error: { code: 'ok' } } });
  });

  it('takes chunks only in order, of chunk_size, as video/mp4', async () => {
    const fake = await startFake();
    const { json } = await callFake(fake, '/v2/post/publish/video/init/', init(), fake.issueAccessToken());
    const put = (range: string, bytes: number, type = 'video/mp4') =>
      fetch(json.data.upload_url, { method: 'PUT', headers: { 'content-type': type, 'content-range': range }, body: new Uint8Array(bytes) }).then(
        (r) => r.status,
      );
    expect(await put(`bytes ${5 * MIB}-${10 * MIB - 1}/${12 * MIB}`, 5 * MIB)).toBe(416);
    expect(await put(`bytes 0-${5 * MIB - 1}/${12 * MIB}`, 5 * MIB, 'application/octet-stream')).toBe(400);
    expect(await put(`bytes 0-${5 * MIB - 1}/${12 * MIB}`, 5 * MIB)).toBe(206);
    expect(await put(`bytes ${5 * MIB}-${12 * MIB - 1}/${12 * MIB}`, 7 * MIB)).toBe(201);
  });

  it('limits video/init to 6 a minute per token (429 rate_limit_exceeded)', async () => {
    const fake = await startFake();
    const token = fake.issueAccessToken();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await callFake(fake, '/v2/post/publish/video/init/', init(), token)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429]);
  });
});
