// The S3 media storage against a real S3-compatible server (moto in server mode,
// installed by `npm run setup`): the contract the local storage keeps, multipart
// uploads, ranged reads behind the /media route, presigned URLs, downloads to a
// second machine's cache, and errors that name the bucket, the key and the fix.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaRoutes } from '../../src/api/routes/media.js';
import { InvalidMediaKeyError } from '../../src/providers/storage/local.js';
import { readMedia } from '../../src/providers/storage/read.js';
import { S3MediaStorage, S3StorageError, type S3StorageOptions } from '../../src/providers/storage/s3.js';
import { findMotoServer, MOTO_MISSING, startMoto, type MotoServer } from '../support/moto.js';

const motoFound = findMotoServer() !== undefined;
if (!motoFound) console.warn(`S3 storage tests skipped: ${MOTO_MISSING}`);

const BUCKET = 'ae-media-test';
const MIB = 1024 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

describe.skipIf(!motoFound)('S3MediaStorage against moto', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's3-storage-test-'));
  const savedEnv = { ...process.env };
  let moto: MotoServer;
  let authMoto: MotoServer;
  let storage: S3MediaStorage;

  const make = (opts: Partial<S3StorageOptions> & { cacheDir: string }) =>
    new S3MediaStorage({ bucket: BUCKET, region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true, ...opts });
  const write = (s: S3MediaStorage, key: string, data: Buffer | string) => {
    fs.mkdirSync(path.dirname(s.localPath(key)), { recursive: true });
    fs.writeFileSync(s.localPath(key), data);
  };

  beforeAll(async () => {
    // Credentials reach the SDK through its default chain, as in production.
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLETESTKEY01', AWS_SECRET_ACCESS_KEY: 'test-secret-not-real' });
    for (const v of ['AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete process.env[v];
    // The second server checks signatures against its own IAM users, so our key is unknown to it.
    [moto, authMoto] = await Promise.all([startMoto(), startMoto({ env: { INITIAL_NO_AUTH_ACTION_COUNT: '0' } })]);
    storage = make({ cacheDir: path.join(tmp, 'cache-a'), publicBaseUrl: 'http://127.0.0.1:3000/' });
    await storage.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  afterAll(async () => {
    await Promise.all([moto?.stop(), authMoto?.stop()]);
    process.env = savedEnv;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('the contract the local storage keeps', () => {
    it.each([
      ['../etc/passwd', /"\.\." is not allowed/],
      ['../x', /"\.\." is not allowed/],
      ['videos/../../x', /"\.\." is not allowed/],
      ['/etc/passwd', /relative path/],
      ['/abs', /relative path/],
      ['videos\\x.mp4', /backslashes/],
      ['videos/a b.mp4', /only letters/],
      ['videos/é.mp4', /only letters/],
      ['videos//x.mp4', /empty or "\."/],
      ['./x.mp4', /empty or "\."/],
      ['videos/x.mp4?y', /only letters/],
      ['', /empty/],
    ])('rejects the key %j before any request', async (key, reason) => {
      expect(() => storage.localPath(key)).toThrow(InvalidMediaKeyError);
      expect(() => storage.localPath(key)).toThrow(reason);
      expect(() => storage.publicUrl(key)).toThrow(InvalidMediaKeyError);
      expect(() => storage.createReadStream(key)).toThrow(InvalidMediaKeyError);
      await expect(storage.stat(key)).rejects.toThrow(InvalidMediaKeyError);
      await expect(storage.exists(key)).rejects.toThrow(InvalidMediaKeyError);
      await expect(storage.commit(key)).rejects.toThrow(InvalidMediaKeyError);
      await expect(storage.remove(key)).rejects.toThrow(InvalidMediaKeyError);
      await expect(storage.presignedUrl(key)).rejects.toThrow(InvalidMediaKeyError);
      await expect(storage.ensureLocal(key)).rejects.toThrow(InvalidMediaKeyError);
    });

    it("maps keys into the cache, and public URLs to the API's /media route or else to the bucket", () => {
      expect(storage.name).toBe('s3');
      expect(storage.localPath('videos/v1/video.mp4')).toBe(path.join(tmp, 'cache-a', 'videos', 'v1', 'video.mp4'));
      expect(storage.publicUrl('videos/v1/video.mp4')).toBe('http://127.0.0.1:3000/media/videos/v1/video.mp4');
      const direct = make({ cacheDir: path.join(tmp, 'cache-direct') });
      expect(direct.publicUrl('videos/v1/video.mp4')).toBe(`${moto.endpoint}/${BUCKET}/videos/v1/video.mp4`);
      const aws = new S3MediaStorage({ bucket: 'media-bkt', region: 'eu-west-1', cacheDir: tmp });
      expect(aws.publicUrl('a/b.png')).toBe('https://media-bkt.s3.eu-west-1.amazonaws.com/a/b.png');
      const hosted = new S3MediaStorage({ bucket: 'media-bkt', region: 'auto', endpoint: 'https://s3.example.test', cacheDir: tmp });
      expect(hosted.publicUrl('a/b.png')).toBe('https://media-bkt.s3.example.test/a/b.png');
    });

    it('commits an existing file (returns its URL), refuses a missing one, stats, reads ranges and removes', async () => {
      await expect(storage.commit('videos/v1/missing.mp4')).rejects.toThrow(/does not exist/);
      const key = 'videos/v1/notes.txt';
      write(storage, key, '0123456789');
      expect(await storage.commit(key)).toBe('http://127.0.0.1:3000/media/videos/v1/notes.txt');
      expect(await storage.exists(key)).toBe(true);
      const st = await storage.stat(key);
      expect(st?.size).toBe(10);
      expect(Math.abs(st!.mtime.getTime() - Date.now())).toBeLessThan(60_000);
      expect(await storage.stat('videos/v1')).toBeUndefined();
      expect((await readAll(storage.createReadStream(key, { start: 2, end: 4 }))).toString()).toBe('234');
      expect((await readAll(storage.createReadStream(key))).toString()).toBe('0123456789');
      const head = await storage.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      expect(head.ContentType).toBe('text/plain; charset=utf-8');

      await storage.remove(key);
      expect(await storage.exists(key)).toBe(false);
      expect(fs.existsSync(storage.localPath(key))).toBe(false);
      await storage.remove(key);
    });

    it('fails a read stream of a missing key with ENOENT, like a missing file', async () => {
      const err = await readAll(storage.createReadStream('videos/v1/nope.mp4')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(S3StorageError);
      expect(err).toMatchObject({ code: 'ENOENT', bucket: BUCKET, key: 'videos/v1/nope.mp4' });
    });
  });

  describe('large files', () => {
    const key = 'videos/v2/video.mp4';
    const big = randomBytes(20 * MIB);

    it('uploads a 20 MB file in 8 MiB parts with its Content-Type, and reads it back byte for byte', async () => {
      write(storage, key, big);
      expect(await storage.commit(key)).toBe(`http://127.0.0.1:3000/media/${key}`);
      const head = await storage.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      expect(head.ETag).toMatch(/-3"$/);
      expect(head.ContentType).toBe('video/mp4');
      expect(head.ContentLength).toBe(big.length);
      expect((await storage.stat(key))?.size).toBe(big.length);
      // A range across the first part boundary.
      const start = 8 * MIB - 5;
      expect((await readAll(storage.createReadStream(key, { start, end: start + 9 }))).equals(big.subarray(start, start + 10))).toBe(true);
      expect(sha256(await readAll(storage.createReadStream(key)))).toBe(sha256(big));
    });

    it('downloads a committed file into the empty cache of a second machine (ensureLocal), once', async () => {
      const other = make({ cacheDir: path.join(tmp, 'cache-b') });
      const [a, b] = await Promise.all([other.ensureLocal(key), other.ensureLocal(key)]);
      expect(a).toBe(other.localPath(key));
      expect(b).toBe(a);
      expect(sha256(fs.readFileSync(a))).toBe(sha256(big));
      expect(fs.readdirSync(path.dirname(a))).toEqual(['video.mp4']); // no partial download left behind
      const before = fs.statSync(a);
      expect(await other.ensureLocal(key)).toBe(a);
      expect(fs.statSync(a).ino).toBe(before.ino); // the fresh copy was kept, not downloaded again
      // On the machine that rendered it, the working copy is the committed version.
      const ino = fs.statSync(storage.localPath(key)).ino;
      expect(await storage.ensureLocal(key)).toBe(storage.localPath(key));
      expect(fs.statSync(storage.localPath(key)).ino).toBe(ino);
    });

    it('replaces a cached copy that no longer matches the object, and says when there is no object', async () => {
      const other = make({ cacheDir: path.join(tmp, 'cache-b') });
      write(storage, 'videos/v3/thumbnail.png', 'old thumbnail');
      await storage.commit('videos/v3/thumbnail.png');
      expect(fs.readFileSync(await other.ensureLocal('videos/v3/thumbnail.png'), 'utf8')).toBe('old thumbnail');
      write(storage, 'videos/v3/thumbnail.png', 'the re-rendered thumbnail');
      await storage.commit('videos/v3/thumbnail.png');
      expect(fs.readFileSync(await other.ensureLocal('videos/v3/thumbnail.png'), 'utf8')).toBe('the re-rendered thumbnail');

      await expect(other.ensureLocal('videos/v3/missing.mp4')).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringContaining(BUCKET) });
    });

    it('serves the /media route from the bucket: whole files, byte ranges, HEAD and 404', async () => {
      const app = Fastify();
      mediaRoutes(app, { storage, access: { isPublic: async () => true } });
      try {
        const whole = await app.inject({ url: `/media/${key}` });
        expect(whole.statusCode).toBe(200);
        expect(whole.headers['content-type']).toBe('video/mp4');
        expect(whole.headers['content-length']).toBe(String(big.length));
        expect(sha256(whole.rawPayload)).toBe(sha256(big));
        const part = await app.inject({ url: `/media/${key}`, headers: { range: 'bytes=100-199' } });
        expect(part.statusCode).toBe(206);
        expect(part.headers['content-range']).toBe(`bytes 100-199/${big.length}`);
        expect(part.rawPayload.equals(big.subarray(100, 200))).toBe(true);
        const head = await app.inject({ method: 'HEAD', url: `/media/${key}` });
        expect(head.statusCode).toBe(200);
        expect(head.rawPayload.length).toBe(0);
        expect((await app.inject({ url: '/media/videos/v2/nope.mp4' })).statusCode).toBe(404);
      } finally {
        await app.close();
      }
    });

    it('is readable by the chat notifiers (readMedia)', async () => {
      write(storage, 'reports/r1/chart.png', 'png bytes');
      await storage.commit('reports/r1/chart.png');
      expect((await readMedia(storage, 'reports/r1/chart.png'))?.toString()).toBe('png bytes');
      expect(await readMedia(storage, 'reports/r1/none.png')).toBeUndefined();
    });
  });

  describe('presigned URLs', () => {
    it('gives a URL that plain fetch reads without credentials', async () => {
      write(storage, 'videos/v4/video.mp4', 'presigned bytes');
      await storage.commit('videos/v4/video.mp4');
      const url = new URL(await storage.presignedUrl('videos/v4/video.mp4'));
      expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
      expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('presigned bytes');
    });

    it('signs the requested lifetime, and refuses lifetimes S3 would not honour', async () => {
      const url = new URL(await storage.presignedUrl('videos/v4/video.mp4', 1));
      expect(url.searchParams.get('X-Amz-Expires')).toBe('1');
      const signedAt = url.searchParams.get('X-Amz-Date')!.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z');
      expect(Math.abs(Date.parse(signedAt) - Date.now())).toBeLessThan(60_000);
      // moto (5.2.5) serves presigned URLs without checking their expiry, so refusing an expired URL is
      // left to S3 itself; here we check that the lifetime is signed into the URL.
      await expect(storage.presignedUrl('videos/v4/video.mp4', 0)).rejects.toThrow(/1\.\.604800/);
      await expect(storage.presignedUrl('videos/v4/video.mp4', 8 * 24 * 3600)).rejects.toThrow(/1\.\.604800/);
      expect(() => make({ cacheDir: tmp, presignExpiresSec: 1.5 })).toThrow(/whole seconds/);
      expect(() => make({ cacheDir: tmp, partSizeBytes: MIB })).toThrow(/5 MiB/);
    });
  });

  describe('errors that say what to fix', () => {
    it('names the bucket and S3_BUCKET when the bucket does not exist', async () => {
      const missing = make({ bucket: 'ae-no-such-bucket', cacheDir: path.join(tmp, 'cache-missing'), partSizeBytes: 5 * MIB });
      write(missing, 'videos/v1/small.txt', 'x');
      write(missing, 'videos/v1/big.mp4', randomBytes(6 * MIB));
      const expected = {
        code: 'no_such_bucket',
        bucket: 'ae-no-such-bucket',
        message: expect.stringMatching(/create bucket ae-no-such-bucket or fix S3_BUCKET/),
      };
      await expect(missing.commit('videos/v1/small.txt')).rejects.toMatchObject({ ...expected, key: 'videos/v1/small.txt' });
      await expect(missing.commit('videos/v1/big.mp4')).rejects.toMatchObject({ ...expected, key: 'videos/v1/big.mp4' });
      // HEAD gets a bare 404 for a missing bucket too: the storage must not report "no such media".
      await expect(missing.stat('videos/v1/small.txt')).rejects.toMatchObject(expected);
      await expect(missing.exists('videos/v1/small.txt')).rejects.toMatchObject(expected);
      await expect(readAll(missing.createReadStream('videos/v1/small.txt'))).rejects.toMatchObject(expected);
      await expect(missing.ensureLocal('videos/v1/small.txt')).rejects.toMatchObject(expected);
    });

    it('points at the credentials when S3 refuses them, without printing the secret', async () => {
      const refused = new S3MediaStorage({
        bucket: BUCKET,
        region: 'us-east-1',
        endpoint: authMoto.endpoint,
        forcePathStyle: true,
        cacheDir: path.join(tmp, 'c'),
      });
      write(refused, 'videos/v1/small.txt', 'x');
      const err = await refused.commit('videos/v1/small.txt').catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'access_denied', bucket: BUCKET, key: 'videos/v1/small.txt' });
      expect((err as Error).message).toMatch(/AWS_ACCESS_KEY_ID/);
      expect((err as Error).message).toContain(BUCKET);
      expect((err as Error).message).not.toContain('test-secret-not-real');
    });

    it('names the endpoint when nothing answers there', async () => {
      const closed = moto.endpoint.replace(/:\d+$/, ':9'); // the discard port: nothing listens on loopback
      const gone = make({ endpoint: closed, cacheDir: path.join(tmp, 'cache-gone') });
      await expect(gone.stat('videos/v1/x.mp4')).rejects.toMatchObject({ code: 'unreachable', message: expect.stringMatching(/S3_ENDPOINT/) });
    });
  });
});
