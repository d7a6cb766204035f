import type { MediaStorage } from './types.js';

/** What chat notifiers need of the storage: read a stored file, and make a derived one. */
export type MediaSource = Pick<MediaStorage, 'stat' | 'createReadStream' | 'localPath' | 'commit'>;

export class MediaTooLargeError extends Error {
  constructor(
    readonly key: string,
    readonly size: number,
    readonly max: number,
  ) {
    super(`media ${key} is ${size} bytes, over the ${max}-byte limit`);
    this.name = 'MediaTooLargeError';
  }
}

/** Reads a stored file into memory; undefined when it does not exist. Refuses files over `maxBytes`. */
export async function readMedia(storage: MediaSource, key: string, maxBytes = 512 * 1024 * 1024): Promise<Buffer | undefined> {
  const st = await storage.stat(key);
  if (!st) return undefined;
  if (st.size > maxBytes) throw new MediaTooLargeError(key, st.size, maxBytes);
  const chunks: Buffer[] = [];
  for await (const c of storage.createReadStream(key) as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}
