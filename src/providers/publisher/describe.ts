import type { Config, PlatformName } from '../../config.js';

/** What serves each platform, for /healthz and /daily-loop status: "outbox" or the platform's API. */
export function describePublishers(config: Config): Record<PlatformName, string> {
  const p = config.publishers;
  return {
    YOUTUBE: p.YOUTUBE === 'api' ? `youtube api (${config.YOUTUBE_PRIVACY})` : 'outbox',
    TIKTOK: p.TIKTOK === 'api' ? `tiktok api${config.TIKTOK_PRIVACY_LEVEL ? ` (${config.TIKTOK_PRIVACY_LEVEL})` : ''}` : 'outbox',
    INSTAGRAM: p.INSTAGRAM === 'api' ? 'instagram graph api' : 'outbox',
  };
}
