import path from 'node:path';
import type { Config } from '../../config.js';
import { LocalMediaStorage } from './local.js';
import { S3MediaStorage } from './s3.js';
import type { MediaStorage } from './types.js';

export type { MediaStorage } from './types.js';

/**
 * The media storage for this configuration: local files under MEDIA_DIR (the default), or an
 * S3-compatible bucket (STORAGE=s3) so that several workers on several machines share media and
 * Instagram can fetch a presigned URL. With S3, MEDIA_DIR is the local working cache.
 */
export function createMediaStorage(config: Config): MediaStorage {
  if (config.STORAGE !== 's3') return new LocalMediaStorage({ root: config.mediaDir, publicBaseUrl: config.publicBaseUrl });
  return new S3MediaStorage({
    bucket: config.S3_BUCKET!,
    region: config.S3_REGION,
    endpoint: config.S3_ENDPOINT,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    cacheDir: path.join(config.mediaDir, 's3-cache'),
    publicBaseUrl: config.PUBLIC_BASE_URL,
  });
}
