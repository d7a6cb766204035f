import type { Config, PlatformName } from '../../config.js';
import { OutboxPublisher } from './outbox.js';
import type { Publisher } from './types.js';

export type { Publisher, PublishRequest, PublishedPost } from './types.js';

/** One publisher per platform: the outbox by default; real adapters slot in here when credentials are set. */
export function createPublishers(config: Config): Record<PlatformName, Publisher> {
  return {
    YOUTUBE: new OutboxPublisher('YOUTUBE', config.outboxDir),
    TIKTOK: new OutboxPublisher('TIKTOK', config.outboxDir),
    INSTAGRAM: new OutboxPublisher('INSTAGRAM', config.outboxDir),
  };
}
