// Media in an S3-compatible bucket (AWS S3, MinIO, R2, moto …). Rendering still
// writes to a local working copy (localPath, under cacheDir); commit uploads it,
// multipart above partSizeBytes. Reads (stat, ranged streams for the /media route)
// go to the bucket, which is the source of truth; ensureLocal brings a copy back
// to this machine for tools that need a file (ffmpeg, platform uploads).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { contentTypeFor } from './content-type.js';
import { InvalidMediaKeyError, assertValidMediaKey } from './local.js';
import type { MediaStorage } from './types.js';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  /** An S3-compatible endpoint, e.g. http://127.0.0.1:9000; unset for AWS. */
  endpoint?: string;
  /** Path-style URLs (`<endpoint>/<bucket>/<key>`), which most S3-compatible servers need. */
  forcePathStyle?: boolean;
  /** Local working copies: localPath(key) lives here. */
  cacheDir: string;
  /** Lifetime of presigned URLs (default 3600 s). */
  presignExpiresSec?: number;
  /** The API's public address: public URLs are then `${publicBaseUrl}/media/<key>` (the /media route proxies the bucket). */
  publicBaseUrl?: string;
  /** Multipart part size (default 8 MiB, at least 5 MiB); files above it are uploaded in parts. */
  partSizeBytes?: number;
  /** A ready client (tests); otherwise one is built with the AWS SDK's default credential chain. */
  client?: S3Client;
}

export type S3StorageErrorCode = 'ENOENT' | 'no_such_bucket' | 'access_denied' | 'no_credentials' | 'unreachable' | 's3_error';

/** A storage operation that failed; the message names the bucket, the key and the fix. `ENOENT` mirrors fs for a missing object. */
export class S3StorageError extends Error {
  constructor(
    readonly code: S3StorageErrorCode,
    readonly bucket: string,
    readonly key: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'S3StorageError';
  }
}

const MIB = 1024 * 1024;
const MIN_PART_SIZE = 5 * MIB; // S3's minimum for every part but the last
const MAX_PRESIGN_SEC = 7 * 24 * 3600; // SigV4's limit

export class S3MediaStorage implements MediaStorage {
  readonly name = 's3';
  readonly bucket: string;
  readonly cacheDir: string;
  readonly client: S3Client;
  private readonly opts: S3StorageOptions;
  private readonly publicBase: string | undefined;
  private readonly partSize: number;
  private readonly presignExpiresSec: number;
  private bucketVerified = false;
  private readonly downloads = new Map<string, Promise<string>>();

  constructor(opts: S3StorageOptions) {
    if (!opts.bucket) throw new Error('S3 media storage needs a bucket: set S3_BUCKET.');
    if (!opts.region) throw new Error('S3 media storage needs a region: set S3_REGION (or AWS_REGION); any value works for most S3-compatible servers.');
    if (!opts.cacheDir) throw new Error('S3 media storage needs a cacheDir for local working copies.');
    this.opts = opts;
    this.bucket = opts.bucket;
    this.cacheDir = path.resolve(opts.cacheDir);
    this.partSize = opts.partSizeBytes ?? 8 * MIB;
    if (!Number.isSafeInteger(this.partSize) || this.partSize < MIN_PART_SIZE) {
      throw new Error(`partSizeBytes must be at least ${MIN_PART_SIZE} (5 MiB, S3's minimum part size), got ${opts.partSizeBytes}`);
    }
    this.presignExpiresSec = checkExpiry(opts.presignExpiresSec ?? 3600);
    if (opts.endpoint !== undefined) checkHttpUrl('endpoint', opts.endpoint);
    if (opts.publicBaseUrl !== undefined) this.publicBase = checkHttpUrl('publicBaseUrl', opts.publicBaseUrl);
    this.client =
      opts.client ??
      new S3Client({
        region: opts.region,
        endpoint: opts.endpoint,
        forcePathStyle: opts.forcePathStyle,
        // Several S3-compatible servers reject the SDK's default CRC32 checksums on every request: send them only where S3 requires them.
        ...(opts.endpoint ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
      });
  }

  localPath(key: string): string {
    assertValidMediaKey(key);
    const full = path.resolve(this.cacheDir, key);
    if (!full.startsWith(this.cacheDir + path.sep)) throw new InvalidMediaKeyError(key, 'it resolves outside the media cache');
    return full;
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== undefined;
  }

  /** Uploads the working copy at localPath(key) (multipart above partSizeBytes) and returns its public URL. */
  async commit(key: string): Promise<string> {
    const file = this.localPath(key);
    const st = await fsp.stat(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new Error(`cannot commit media ${key}: ${file} does not exist`);
      throw err;
    });
    if (!st.isFile()) throw new Error(`cannot commit media ${key}: ${file} is not a file`);
    const params = { Bucket: this.bucket, Key: key, ContentType: contentTypeFor(key) };
    try {
      if (st.size <= this.partSize) {
        await this.client.send(new PutObjectCommand({ ...params, Body: await fsp.readFile(file), ContentLength: st.size }));
      } else {
        // Upload aborts the multipart upload when a part fails, so no orphaned parts are billed.
        const upload = new Upload({ client: this.client, params: { ...params, Body: fs.createReadStream(file) }, partSize: this.partSize, queueSize: 4 });
        await upload.done();
      }
    } catch (err) {
      throw this.describe(err, 'upload', key);
    }
    // The working copy is now the committed version: date it after the object, so ensureLocal keeps it instead of downloading it again.
    const now = new Date();
    await fsp.utimes(file, now, now);
    return this.publicUrl(key);
  }

  /** `${publicBaseUrl}/media/<key>` when the API proxies the bucket, else the object's S3 URL (which needs a public-read bucket). */
  publicUrl(key: string): string {
    assertValidMediaKey(key);
    if (this.publicBase) return `${this.publicBase}/media/${key}`;
    if (!this.opts.endpoint) return `https://${this.bucket}.s3.${this.opts.region}.amazonaws.com/${key}`;
    const base = new URL(this.opts.endpoint);
    const root = base.href.replace(/\/+$/, '');
    if (this.opts.forcePathStyle) return `${root}/${this.bucket}/${key}`;
    base.hostname = `${this.bucket}.${base.hostname}`;
    return `${base.href.replace(/\/+$/, '')}/${key}`;
  }

  async stat(key: string): Promise<{ size: number; mtime: Date } | undefined> {
    assertValidMediaKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      this.bucketVerified = true;
      return { size: head.ContentLength ?? 0, mtime: head.LastModified ?? new Date(0) };
    } catch (err) {
      if (!isNotFound(err)) throw this.describe(err, 'stat', key);
      // HEAD answers a bare 404 for a missing bucket too: check the bucket once, so a wrong S3_BUCKET is not mistaken for missing media.
      await this.verifyBucket(key);
      return undefined;
    }
  }

  /** `range` is inclusive at both ends, as in HTTP. A missing object fails the stream with an S3StorageError whose code is ENOENT. */
  createReadStream(key: string, range?: { start: number; end: number }): NodeJS.ReadableStream {
    assertValidMediaKey(key);
    const get = async () => {
      try {
        const res = await this.client.send(
          new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
        );
        return res.Body as Readable;
      } catch (err) {
        throw this.describe(err, 'read', key);
      }
    };
    return Readable.from(
      (async function* () {
        const body = await get();
        try {
          yield* body;
        } finally {
          // The reader may stop early (a client that hangs up): release the connection.
          body.destroy();
        }
      })(),
      { objectMode: false },
    );
  }

  /** Deletes the object and this machine's working copy; a missing key is not an error. */
  async remove(key: string): Promise<void> {
    const file = this.localPath(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      throw this.describe(err, 'delete', key);
    }
    await fsp.rm(file, { force: true });
  }

  /** A time-limited GET URL that works without credentials (for platforms that fetch media themselves). */
  async presignedUrl(key: string, expiresSec: number = this.presignExpiresSec): Promise<string> {
    assertValidMediaKey(key);
    try {
      return await getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: checkExpiry(expiresSec) });
    } catch (err) {
      throw this.describe(err, 'presign', key);
    }
  }

  /**
   * The local path of the key, downloading it into the cache when this machine does not hold the
   * committed version (another worker rendered it). Concurrent calls for a key share one download.
   */
  async ensureLocal(key: string): Promise<string> {
    const file = this.localPath(key);
    let pending = this.downloads.get(key);
    if (!pending) {
      pending = this.download(key, file).finally(() => this.downloads.delete(key));
      this.downloads.set(key, pending);
    }
    return pending;
  }

  private async download(key: string, file: string): Promise<string> {
    const remote = await this.stat(key);
    if (!remote) throw new S3StorageError('ENOENT', this.bucket, key, `no media ${key} in S3 bucket ${this.bucket}: it was never committed or was removed.`);
    const local = await fsp.stat(file).catch(() => undefined);
    // Same size and dated no earlier than the object (commit and download date their copies so): the committed version.
    if (local?.isFile() && local.size === remote.size && local.mtimeMs >= remote.mtime.getTime()) return file;
    await fsp.mkdir(path.dirname(file), { recursive: true });
    // Download beside the target and rename, so a reader never sees half a file.
    const partial = `${file}.download-${randomUUID().slice(0, 8)}`;
    try {
      await pipeline(this.createReadStream(key) as Readable, fs.createWriteStream(partial));
      await fsp.utimes(partial, remote.mtime, remote.mtime);
      await fsp.rename(partial, file);
    } catch (err) {
      await fsp.rm(partial, { force: true });
      throw err;
    }
    return file;
  }

  private async verifyBucket(key: string): Promise<void> {
    if (this.bucketVerified) return;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      this.bucketVerified = true;
    } catch (err) {
      throw isNotFound(err) ? this.noSuchBucket('stat', key, err) : this.describe(err, 'stat', key);
    }
  }

  private noSuchBucket(op: string, key: string, cause: unknown): S3StorageError {
    const message = `S3 bucket ${this.bucket} does not exist (${op} s3://${this.bucket}/${key}): create bucket ${this.bucket} or fix S3_BUCKET.`;
    return new S3StorageError('no_such_bucket', this.bucket, key, message, { cause });
  }

  /** Turns an SDK error into one that says what failed and what to do; never includes credentials. */
  private describe(err: unknown, op: string, key: string): S3StorageError {
    if (err instanceof S3StorageError) return err;
    const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const name = e.name ?? '';
    const status = e.$metadata?.httpStatusCode;
    const where = `s3://${this.bucket}/${key}`;
    const mk = (code: S3StorageErrorCode, message: string) => new S3StorageError(code, this.bucket, key, message, { cause: err });
    if (name === 'NoSuchBucket') return this.noSuchBucket(op, key, err);
    if (name === 'NoSuchKey' || name === 'NotFound') return mk('ENOENT', `no media ${key} in S3 bucket ${this.bucket} (${op} ${where}).`);
    if (name === 'CredentialsProviderError') {
      return mk(
        'no_credentials',
        `no AWS credentials for S3 bucket ${this.bucket} (${op} ${where}): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or give the machine a role.`,
      );
    }
    if (['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'Forbidden'].includes(name) || status === 403) {
      return mk(
        'access_denied',
        `S3 refused ${op} of ${where} (${name || status}): check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the profile/role) and that they may read and write bucket ${this.bucket}.`,
      );
    }
    const netCode = e.code ?? (e as { cause?: { code?: string } }).cause?.code;
    if (netCode && ['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH'].includes(netCode)) {
      return mk(
        'unreachable',
        `cannot reach S3 at ${this.opts.endpoint ?? `region ${this.opts.region}`} (${op} ${where}: ${netCode}): check S3_ENDPOINT and the network.`,
      );
    }
    return mk('s3_error', `S3 ${op} of ${where} failed: ${name || 'error'}: ${e.message ?? String(err)}`);
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

function checkExpiry(sec: number): number {
  if (!Number.isInteger(sec) || sec < 1 || sec > MAX_PRESIGN_SEC)
    throw new Error(`presigned URL lifetime must be 1..${MAX_PRESIGN_SEC} whole seconds, got ${sec}`);
  return sec;
}

function checkHttpUrl(what: string, value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new Error(`${what} must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`${what} must be an http(s) URL, got ${JSON.stringify(value)}`);
  return value.replace(/\/+$/, '');
}
