import type { Config, PlatformName } from '../../config.js';
import type { Db } from '../../db.js';
import { isPubliclyReachableUrl } from '../../domain/addresses.js';
import { InstagramPublisher } from './instagram.js';
import { OutboxPublisher } from './outbox.js';
import { TikTokPublisher } from './tiktok.js';
import { DbTokenVault, envTokenSeeds, parseEncryptionKey } from './tokens.js';
import type { Publisher, TokenVault } from './types.js';
import { YouTubePublisher } from './youtube.js';

export type { Publisher, PublishContext, PublishRequest, PublishedPost, TokenVault } from './types.js';

/** The token vault of this configuration: the database, encrypted with TOKEN_ENCRYPTION_KEY, seeded by the env tokens. */
export function createTokenVault(config: Config, db: Db): TokenVault {
  return new DbTokenVault(db, config.TOKEN_ENCRYPTION_KEY ? parseEncryptionKey(config.TOKEN_ENCRYPTION_KEY) : undefined, envTokenSeeds(config));
}

/**
 * One publisher per platform: the platform's API when its credentials are set
 * (config.publishers), the outbox folder otherwise.
 */
export function createPublishers(config: Config, db: Db, vault: TokenVault = createTokenVault(config, db)): Record<PlatformName, Publisher> {
  const p = config.publishers;
  return {
    YOUTUBE:
      p.YOUTUBE === 'api'
        ? new YouTubePublisher({
            clientId: config.YOUTUBE_CLIENT_ID!,
            clientSecret: config.YOUTUBE_CLIENT_SECRET!,
            vault,
            privacy: config.YOUTUBE_PRIVACY,
            tokenUrl: config.GOOGLE_OAUTH_TOKEN_URL,
            apiUrl: config.YOUTUBE_API_URL,
          })
        : new OutboxPublisher('YOUTUBE', config.outboxDir),
    TIKTOK:
      p.TIKTOK === 'api'
        ? new TikTokPublisher({
            clientKey: config.TIKTOK_CLIENT_KEY!,
            clientSecret: config.TIKTOK_CLIENT_SECRET!,
            vault,
            privacyLevel: config.TIKTOK_PRIVACY_LEVEL,
            apiUrl: config.TIKTOK_API_URL,
          })
        : new OutboxPublisher('TIKTOK', config.outboxDir),
    INSTAGRAM:
      p.INSTAGRAM === 'api'
        ? new InstagramPublisher({
            userId: config.INSTAGRAM_USER_ID!,
            vault,
            graphUrl: config.INSTAGRAM_GRAPH_URL,
            // Meta fetches the video itself: only tests (NODE_ENV=test, against a local fake) may hand it a loopback URL.
            allowPrivateVideoUrl: config.NODE_ENV === 'test' && !isPubliclyReachableUrl(config.publicBaseUrl),
          })
        : new OutboxPublisher('INSTAGRAM', config.outboxDir),
  };
}

export { describePublishers } from './describe.js';
