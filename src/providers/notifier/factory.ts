import type { Config } from '../../config.js';
import type { Db } from '../../db.js';
import { DiscordNotifier } from '../../chatops/discord/notifier.js';
import { SlackNotifier } from '../../chatops/slack/notifier.js';
import { createLogger } from '../../logger.js';
import type { MediaSource } from '../storage/read.js';
import { DatabaseFeedNotifier, FanOutNotifier, type Notifier } from './index.js';

/**
 * The notifier the workflows call: always the database feed (the console and
 * GET /orchestrator/notifications read it), plus each chat platform that has
 * credentials and channels configured, reading media to upload from `media`.
 */
export function createNotifier(config: Config, db: Db, media?: MediaSource): Notifier {
  const feed = new DatabaseFeedNotifier(db);
  const chats: Notifier[] = [];
  const discord = DiscordNotifier.fromConfig(config, { temporalUiUrl: config.TEMPORAL_UI_URL, media, log: createLogger('discord-notifier', config.LOG_LEVEL) });
  if (discord) chats.push(discord);
  if (config.SLACK_BOT_TOKEN) chats.push(new SlackNotifier({ config, media, log: createLogger('slack-notifier', config.LOG_LEVEL) }));
  return chats.length ? new FanOutNotifier(feed, chats) : feed;
}
