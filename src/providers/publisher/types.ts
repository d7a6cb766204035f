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
  /** The script was written by a model or the voice synthesized: platforms that ask get the AI-content flag. */
  syntheticMedia?: boolean;
}

/**
 * What the ledger gives a publisher for one attempt. Real platforms upload in
 * several steps; whatever identifies the upload on the platform (YouTube's session
 * URI, TikTok's publish_id, Instagram's container id) goes through saveState as
 * soon as the platform returns it, before the next step. A later attempt for the
 * same row gets it back in `state` and resumes instead of posting again.
 */
export interface PublishContext {
  /** The state an earlier attempt saved for this ledger row, or null on the first attempt. */
  state: Record<string, unknown> | null;
  /** Stores the state in the ledger now (durably, while this attempt holds the row). */
  saveState(state: Record<string, unknown>): Promise<void>;
  /** Keeps the activity alive during a long upload or while waiting for the platform. */
  heartbeat(): void;
  /** Aborted when the activity is cancelled. */
  signal: AbortSignal;
  /** A URL the platform can fetch the video from (Instagram pulls it): presigned S3, or PUBLIC_BASE_URL media. */
  videoUrl(): Promise<string>;
}

/**
 * The platform refuses more posts for a while (YouTube quotaExceeded / uploadLimitExceeded, TikTok
 * spam_risk_too_many_posts, Instagram's publishing limit): the ledger holds the platform until
 * `until` with one alert, instead of retrying.
 */
export class PlatformLimitError extends Error {
  constructor(
    readonly platform: PlatformName,
    readonly code: string,
    message: string,
    readonly until: Date,
  ) {
    super(message);
    this.name = 'PlatformLimitError';
  }
}

/**
 * The platform refused for a reason only the operator can fix (revoked token, unaudited app, privacy
 * level not allowed): not retried; one alert naming the fix.
 */
export class PlatformAccountError extends Error {
  constructor(
    readonly platform: PlatformName,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PlatformAccountError';
  }
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
  publish(req: PublishRequest, ctx?: PublishContext): Promise<PublishedPost>;
  /** The post made for this key by an earlier attempt, if any; undefined when the platform cannot tell. */
  findExisting?(idempotencyKey: string): Promise<PublishedPost | null>;
  /**
   * True: an attempt whose outcome is unknown is settled by calling publish again with the
   * saved state (the platform's own upload state says what happened), not by findExisting.
   */
  readonly resumable?: boolean;
  /** Views per post (by externalId), null where the platform gave nothing; for analytics. */
  fetchViews?(externalIds: string[]): Promise<Record<string, number | null>>;
}

/** OAuth tokens of one platform as the vault keeps them (decrypted). */
export interface StoredToken {
  refreshToken?: string | null;
  accessToken?: string | null;
  accessExpiresAt?: Date | null;
  scope?: string | null;
  /** Which account/channel the token belongs to, for display (e.g. the channel title or TikTok open_id). */
  account?: string | null;
}

/**
 * Where publishers keep their OAuth tokens: the database, encrypted with TOKEN_ENCRYPTION_KEY
 * (src/providers/publisher/tokens.ts), seeded from the env values. A publisher saves a rotated
 * refresh token (TikTok rotates them on every refresh) the moment it gets it.
 */
export interface TokenVault {
  get(platform: PlatformName): Promise<StoredToken | null>;
  /** Merges the given fields into the platform's row (creating it). */
  save(platform: PlatformName, token: StoredToken): Promise<void>;
}
