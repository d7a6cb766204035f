import type { FakeDiscord } from '../fakes/discord-gateway.js';
import type { FakeSlackApi } from '../fakes/slack-api.js';

/** The settings that point the app's Slack and Discord adapters at the loopback fakes, every kind of notice with its channel. */
export function chatFakesEnv(
  slack: FakeSlackApi,
  discord: FakeDiscord,
  o: { apiToken: string; discordChannels: { approvals: string; reports: string; alerts: string } },
): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-test-1-2',
    SLACK_SIGNING_SECRET: '8f14e45fceea167a5a36dedd4bea2543',
    API_TOKEN: o.apiToken,
    SLACK_API_URL: slack.url + '/api',
    SLACK_APPROVALS_CHANNEL: 'C_APPROVALS',
    SLACK_REPORTS_CHANNEL: 'C_REPORTS',
    SLACK_ALERTS_CHANNEL: 'C_ALERTS',
    DISCORD_TOKEN: 'x'.repeat(40),
    DISCORD_APPLICATION_ID: discord.applicationId,
    DISCORD_API_URL: discord.apiUrl,
    DISCORD_APPROVALS_CHANNEL: o.discordChannels.approvals,
    DISCORD_REPORTS_CHANNEL: o.discordChannels.reports,
    DISCORD_ALERTS_CHANNEL: o.discordChannels.alerts,
  };
}
