import type { Config } from '../../config.js';
import type { Db } from '../../db.js';
import { DiscordNotifier } from '../../chatops/discord/notifier.js';
import { SlackNotifier } from '../../chatops/slack/notifier.js';
import { createLogger } from '../../logger.js';
import { DatabaseFeedNotifier, FanOutNotifier, type Notifier } from './index.js';

/**
 * The notifier the workflows call: always the database feed (the console and
 * GET /orchestrator/notifications read it), plus each chat platform that has
 * credentials and channels configured.
 */
export function createNotifier(config: Config, db: Db): Notifier {
  const notifiers: Notifier[] = [new DatabaseFeedNotifier(db)];
  const discord = DiscordNotifier.fromConfig(config, { temporalUiUrl: config.TEMPORAL_UI_URL });
  if (discord) notifiers.push(discord);
  if (config.SLACK_BOT_TOKEN) notifiers.push(new SlackNotifier({ config, log: createLogger('slack-notifier', config.LOG_LEVEL) }));
  return notifiers.length === 1 ? notifiers[0] : new FanOutNotifier(notifiers);
}
