/**
 * Where rendered media lives. Keys are relative paths such as
 * `videos/<videoId>/video.mp4`; the local adapter keeps them under var/media and
 * the API serves them at `/media/<key>`. An S3-compatible adapter can replace it.
 */
export interface MediaStorage {
  readonly name: string;
  /** A local working path for the key (rendering writes here first). */
  localPath(key: string): string;
  exists(key: string): Promise<boolean>;
  /** Makes the file at localPath(key) durable/visible; returns its public URL. */
  commit(key: string): Promise<string>;
  publicUrl(key: string): string;
  /** Opens a key for reading (for the /media route); undefined when missing. */
  stat(key: string): Promise<{ size: number; mtime: Date } | undefined>;
  createReadStream(key: string, range?: { start: number; end: number }): NodeJS.ReadableStream;
  remove(key: string): Promise<void>;
  /** A time-limited URL anyone can fetch (S3 presigned GET): what Instagram pulls the video from. */
  presignedUrl?(key: string, expiresSec?: number): Promise<string>;
  /** The key as a local file, downloaded first when another machine rendered it (object storage). */
  ensureLocal?(key: string): Promise<string>;
}
