import type { PlatformName } from '../../config.js';

export interface PublishRequest {
  /** The ledger row id: the same for every attempt at publishing this video on this platform. */
  idempotencyKey: string;
  platform: PlatformName;
  videoId: string;
  videoPath: string;
  thumbnailPath: string | null;
  title: string;
  /** Includes the tracked link and the affiliate disclosure. */
  description: string;
  hashtags: string[];
  language: string;
}

export interface PublishedPost {
  externalId: string;
  url: string;
}

/**
 * The publisher port, one adapter per platform. Platforms post a new item on
 * every call (no idempotency keys), so exactly-once comes from our ledger; a
 * publisher that can find an earlier post by its idempotency key lets the ledger
 * settle an attempt whose outcome is unknown (crash after the call).
 */
export interface Publisher {
  readonly name: string;
  readonly platform: PlatformName;
  publish(req: PublishRequest): Promise<PublishedPost>;
  /** The post made for this key by an earlier attempt, if any; undefined when the platform cannot tell. */
  findExisting?(idempotencyKey: string): Promise<PublishedPost | null>;
}
