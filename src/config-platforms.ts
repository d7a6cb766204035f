// The publishing platforms' and the media storage's settings. A platform without
// credentials keeps the outbox; a platform with half of them stops start-up with
// the missing name. Tokens obtained with `npm run connect` live in the database,
// encrypted with TOKEN_ENCRYPTION_KEY; the env values here only seed it.
import { ConfigError, choice, bool, oneOf, str, url } from './config-vars.js';
import type { PlatformName } from './domain/platforms.js';

export const TIKTOK_PRIVACY_LEVELS = ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'FOLLOWER_OF_CREATOR', 'SELF_ONLY'] as const;

export const PLATFORM_SPEC = {
  YOUTUBE_CLIENT_ID: str({ pattern: /^\S{10,}$/, hint: 'an OAuth client id from Google Cloud console (…apps.googleusercontent.com)' }),
  YOUTUBE_CLIENT_SECRET: str({ secret: true, pattern: /^\S{6,}$/, hint: "the OAuth client's secret" }),
  YOUTUBE_REFRESH_TOKEN: str({ secret: true, pattern: /^\S{10,}$/, hint: 'a refresh token (npm run connect -- youtube stores one for you)' }),
  YOUTUBE_PRIVACY: oneOf(['private', 'unlisted', 'public'] as const, 'private'),
  GOOGLE_OAUTH_TOKEN_URL: url({ protocols: ['http:', 'https:'], default: 'https://oauth2.googleapis.com/token' }),
  YOUTUBE_API_URL: url({ protocols: ['http:', 'https:'], default: 'https://www.googleapis.com' }),

  TIKTOK_CLIENT_KEY: str({ pattern: /^\S{6,}$/, hint: "your TikTok app's client key" }),
  TIKTOK_CLIENT_SECRET: str({ secret: true, pattern: /^\S{6,}$/, hint: "your TikTok app's client secret" }),
  TIKTOK_REFRESH_TOKEN: str({ secret: true, pattern: /^\S{10,}$/, hint: 'a refresh token (npm run connect -- tiktok stores one for you)' }),
  TIKTOK_PRIVACY_LEVEL: choice(TIKTOK_PRIVACY_LEVELS),
  TIKTOK_API_URL: url({ protocols: ['http:', 'https:'], default: 'https://open.tiktokapis.com' }),

  INSTAGRAM_APP_ID: str({ pattern: /^\d{5,25}$/, hint: 'the numeric Instagram app id (Meta app dashboard → Instagram → API setup with Instagram login)' }),
  INSTAGRAM_APP_SECRET: str({ secret: true, pattern: /^\S{8,}$/, hint: "the Instagram app's secret" }),
  INSTAGRAM_USER_ID: str({ pattern: /^\d{5,25}$/, hint: 'the numeric Instagram professional account id' }),
  INSTAGRAM_ACCESS_TOKEN: str({ secret: true, pattern: /^\S{20,}$/, hint: 'a long-lived access token (npm run connect -- instagram stores one for you)' }),
  INSTAGRAM_GRAPH_URL: url({ protocols: ['http:', 'https:'], default: 'https://graph.instagram.com/v23.0' }),

  TOKEN_ENCRYPTION_KEY: str({
    secret: true,
    pattern: /^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=?)$/,
    hint: '32 random bytes as 64 hex characters (openssl rand -hex 32)',
  }),

  STORAGE: oneOf(['local', 's3'] as const, 'local'),
  S3_BUCKET: str({ pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, hint: 'an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)' }),
  S3_REGION: str({ default: 'us-east-1', pattern: /^[a-z0-9-]{2,30}$/, hint: 'a region such as us-east-1' }),
  S3_ENDPOINT: url({ protocols: ['http:', 'https:'] }),
  S3_FORCE_PATH_STYLE: bool(false),
} as const;

type PlatformRaw = { [K in keyof typeof PLATFORM_SPEC]: ReturnType<(typeof PLATFORM_SPEC)[K]['parse']> };

/** Which publisher serves each platform: the outbox, or the real API. */
export type PublisherChoice = Record<PlatformName, 'outbox' | 'api'>;

const NEEDS: Record<PlatformName, { keys: (keyof PlatformRaw)[]; connect: string }> = {
  YOUTUBE: { keys: ['YOUTUBE_CLIENT_ID', 'YOUTUBE_CLIENT_SECRET'], connect: 'youtube' },
  TIKTOK: { keys: ['TIKTOK_CLIENT_KEY', 'TIKTOK_CLIENT_SECRET'], connect: 'tiktok' },
  INSTAGRAM: { keys: ['INSTAGRAM_USER_ID'], connect: 'instagram' },
};

/**
 * A platform is "api" when its app credentials are set (the refresh or access token may
 * come from the env or from the database, where `npm run connect` puts it). Half-set app
 * credentials stop start-up naming the missing one.
 */
export function checkPlatformConfig(c: PlatformRaw): PublisherChoice {
  const out = {} as PublisherChoice;
  for (const [platform, need] of Object.entries(NEEDS) as [PlatformName, (typeof NEEDS)[PlatformName]][]) {
    const related = Object.keys(PLATFORM_SPEC).filter(
      (k) => k.startsWith(platform === 'YOUTUBE' ? 'YOUTUBE_' : `${platform}_`) && !/_(PRIVACY|PRIVACY_LEVEL|API_URL|GRAPH_URL|APP_ID|APP_SECRET)$/.test(k),
    ) as (keyof PlatformRaw)[];
    const set = related.filter((k) => c[k]);
    if (set.length === 0) {
      out[platform] = 'outbox';
      continue;
    }
    const missing = need.keys.find((k) => !c[k]);
    if (missing) {
      throw new ConfigError(
        missing,
        `${missing} is missing: ${set.join(' and ')} ${set.length === 1 ? 'is' : 'are'} set, and publishing to ${platform.toLowerCase()} needs ${need.keys.join(' and ')}. ` +
          `Set it (then run \`npm run connect -- ${need.connect}\` for the token), or unset the others to keep the outbox for ${platform.toLowerCase()}.`,
      );
    }
    out[platform] = 'api';
  }
  if (Object.values(out).includes('api') && !c.TOKEN_ENCRYPTION_KEY) {
    const hasEnvTokens = c.YOUTUBE_REFRESH_TOKEN || c.TIKTOK_REFRESH_TOKEN || c.INSTAGRAM_ACCESS_TOKEN;
    if (!hasEnvTokens) {
      throw new ConfigError(
        'TOKEN_ENCRYPTION_KEY',
        'TOKEN_ENCRYPTION_KEY is missing: a platform is configured without a token in the environment, so its token must come from the database (npm run connect), which keeps tokens encrypted with this key. Generate one with `openssl rand -hex 32`.',
      );
    }
  }
  if (c.STORAGE === 's3' && !c.S3_BUCKET) {
    throw new ConfigError(
      'S3_BUCKET',
      'S3_BUCKET is missing: STORAGE=s3 needs a bucket (and credentials through the usual AWS variables). Set it, or set STORAGE=local.',
    );
  }
  return out;
}
