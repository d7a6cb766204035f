// Media on the local disk: keys are relative paths under a root directory
// (default <DATA_DIR>/media), served by the API at `/media/<key>`.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { MediaStorage } from './types.js';

export interface LocalMediaStorageOptions {
  /** Where the files live (default `var/media` under the working directory; use `<DATA_DIR>/media`). */
  root?: string;
  /** The API's public address, e.g. http://127.0.0.1:3000 (default); public URLs are `${base}/media/${key}`. */
  publicBaseUrl?: string;
}

/** A media key that could escape the root or is not a plain relative path. */
export class InvalidMediaKeyError extends Error {
  readonly code = 'invalid_path';
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`invalid media key ${JSON.stringify(key.length > 200 ? key.slice(0, 200) + '…' : key)}: ${reason}`);
    this.name = 'InvalidMediaKeyError';
  }
}

const KEY_CHARS = /^[A-Za-z0-9._/-]+$/;
const MAX_KEY_LENGTH = 512;

/**
 * Checks a media key: a relative path of [A-Za-z0-9._-] segments separated by
 * single slashes; no `..`, no absolute path, no backslash, no empty or `.`
 * segment. Returns the key; throws InvalidMediaKeyError.
 */
export function assertValidMediaKey(key: string): string {
  if (typeof key !== 'string' || key === '') throw new InvalidMediaKeyError(String(key), 'it is empty');
  if (key.length > MAX_KEY_LENGTH) throw new InvalidMediaKeyError(key, `it is longer than ${MAX_KEY_LENGTH} characters`);
  if (key.includes('\\')) throw new InvalidMediaKeyError(key, 'backslashes are not allowed');
  if (key.includes('..')) throw new InvalidMediaKeyError(key, '".." is not allowed');
  if (key.startsWith('/')) throw new InvalidMediaKeyError(key, 'it must be a relative path');
  if (!KEY_CHARS.test(key)) throw new InvalidMediaKeyError(key, 'only letters, digits, ".", "_", "-" and "/" are allowed');
  if (key.split('/').some((seg) => seg === '' || seg === '.')) throw new InvalidMediaKeyError(key, 'empty or "." path segments are not allowed');
  return key;
}

export function isValidMediaKey(key: string): boolean {
  try {
    assertValidMediaKey(key);
    return true;
  } catch {
    return false;
  }
}

export class LocalMediaStorage implements MediaStorage {
  readonly name = 'local';
  readonly root: string;
  readonly publicBaseUrl: string;

  constructor(opts: LocalMediaStorageOptions = {}) {
    this.root = path.resolve(opts.root ?? path.join('var', 'media'));
    const base = opts.publicBaseUrl ?? 'http://127.0.0.1:3000';
    let u: URL;
    try {
      u = new URL(base);
    } catch {
      throw new Error(`publicBaseUrl must be an absolute http(s) URL, got ${JSON.stringify(base)}`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`publicBaseUrl must be an http(s) URL, got ${JSON.stringify(base)}`);
    this.publicBaseUrl = base.replace(/\/+$/, '');
  }

  /** The storage for a loaded config: `<dataDir>/media`, and PUBLIC_BASE_URL or the API's loopback address. */
  static fromConfig(config: { dataDir: string; PUBLIC_BASE_URL?: string; PORT: number }): LocalMediaStorage {
    return new LocalMediaStorage({
      root: path.join(config.dataDir, 'media'),
      publicBaseUrl: config.PUBLIC_BASE_URL ?? `http://127.0.0.1:${config.PORT}`,
    });
  }

  localPath(key: string): string {
    assertValidMediaKey(key);
    const full = path.resolve(this.root, key);
    // Belt and braces: the key rules already keep it inside the root.
    if (!full.startsWith(this.root + path.sep)) throw new InvalidMediaKeyError(key, 'it resolves outside the media root');
    return full;
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== undefined;
  }

  async commit(key: string): Promise<string> {
    const file = this.localPath(key);
    const st = await fsp.stat(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new Error(`cannot commit media ${key}: ${file} does not exist`);
      throw err;
    });
    if (!st.isFile()) throw new Error(`cannot commit media ${key}: ${file} is not a file`);
    return this.publicUrl(key);
  }

  publicUrl(key: string): string {
    assertValidMediaKey(key);
    return `${this.publicBaseUrl}/media/${key}`;
  }

  async stat(key: string): Promise<{ size: number; mtime: Date } | undefined> {
    const file = this.localPath(key);
    try {
      const st = await fsp.stat(file);
      return st.isFile() ? { size: st.size, mtime: st.mtime } : undefined;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw err;
    }
  }

  /** `range` is inclusive at both ends, as in HTTP. */
  createReadStream(key: string, range?: { start: number; end: number }): NodeJS.ReadableStream {
    const file = this.localPath(key);
    return range ? fs.createReadStream(file, { start: range.start, end: range.end }) : fs.createReadStream(file);
  }

  async remove(key: string): Promise<void> {
    await fsp.rm(this.localPath(key), { force: true });
  }
}
