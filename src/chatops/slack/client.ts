// What every Slack caller (the Bolt app and the notifier) shares, without loading
// Bolt's App or the command dispatcher: the Web API base URL and the logger bridge.
import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';

/** Slack's Web API base URL for WebClient: always with a trailing slash. */
export function slackApiUrl(config: Pick<Config, 'SLACK_API_URL'>): string {
  return (config.SLACK_API_URL ?? 'https://slack.com/api').replace(/\/+$/, '') + '/';
}

/** Bolt and WebClient log through the project's pino logger. */
export function slackLogger(log: Logger, name = 'slack'): SlackLogger {
  const child = log.child({ component: name });
  let level = LogLevel.INFO;
  const fmt = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
  return {
    debug: (...m: unknown[]) => child.debug(fmt(m)),
    info: (...m: unknown[]) => child.info(fmt(m)),
    warn: (...m: unknown[]) => child.warn(fmt(m)),
    error: (...m: unknown[]) => child.error(fmt(m)),
    setLevel: (l: LogLevel) => void (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
}
