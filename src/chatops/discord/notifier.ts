import { DiscordAPIError, REST, Routes, type RESTPostAPIChannelMessageJSONBody } from 'discord.js';
import type { Config } from '../../config.js';
import type { Notifier, NotificationInput } from '../../providers/notifier/index.js';
import { renderNotification } from '../core/notifications.js';
import { renderDiscord } from './render.js';

export interface DiscordNotifierOptions {
  token: string;
  /** DISCORD_API_URL (the REST client appends /v10). */
  apiUrl?: string;
  channels: { approvals?: string; alerts?: string; reports?: string };
  publicBaseUrl: string;
  temporalUiUrl?: string;
  namespace?: string;
  /** For tests or a shared client. */
  rest?: REST;
}

/**
 * Posts notifications to Discord channels over REST (no gateway connection):
 * approval cards (with Approve/Reject buttons) to DISCORD_APPROVALS_CHANNEL,
 * failures to DISCORD_ALERTS_CHANNEL, weekly reports and run summaries to
 * DISCORD_REPORTS_CHANNEL. A kind whose channel is unset goes to the alerts
 * channel; with no channel at all the notification is skipped.
 *
 * Dedupe: a repeat with the same dedupeKey edits (PATCH) the message posted
 * earlier, with a "Seen N times" count, instead of posting again. The map is
 * process-local: after a restart (or on another worker) the first repeat posts a
 * fresh message, which is then the one edited.
 *
 * Rate limits: @discordjs/rest queues per bucket and, on a 429, waits the
 * Retry-After the server gives and retries the same request.
 */
export class DiscordNotifier implements Notifier {
  readonly name = 'discord';
  private readonly rest: REST;
  private readonly posted = new Map<string, { channelId: string; messageId: string; count: number }>();

  constructor(private readonly o: DiscordNotifierOptions) {
    if (!o.token) throw new Error('DiscordNotifier needs DISCORD_TOKEN.');
    this.rest = o.rest ?? new REST({ api: o.apiUrl ?? 'https://discord.com/api' }).setToken(o.token);
  }

  /** Null when DISCORD_TOKEN or every channel is unset. */
  static fromConfig(c: Config, extra: { temporalUiUrl?: string } = {}): DiscordNotifier | null {
    if (!c.DISCORD_TOKEN || !(c.DISCORD_APPROVALS_CHANNEL || c.DISCORD_ALERTS_CHANNEL || c.DISCORD_REPORTS_CHANNEL)) return null;
    return new DiscordNotifier({
      token: c.DISCORD_TOKEN,
      apiUrl: c.DISCORD_API_URL,
      channels: { approvals: c.DISCORD_APPROVALS_CHANNEL, alerts: c.DISCORD_ALERTS_CHANNEL, reports: c.DISCORD_REPORTS_CHANNEL },
      publicBaseUrl: c.publicBaseUrl,
      temporalUiUrl: extra.temporalUiUrl,
      namespace: c.TEMPORAL_NAMESPACE,
    });
  }

  channelFor(n: NotificationInput): string | undefined {
    const { approvals, alerts, reports } = this.o.channels;
    if (n.kind === 'approval_requested' || n.kind === 'approval_decided') return approvals ?? alerts;
    if (n.kind === 'weekly_report' || n.kind === 'run_finished' || n.kind === 'run_started' || n.kind === 'run_progress') return reports ?? alerts;
    return alerts;
  }

  async notify(n: NotificationInput): Promise<void> {
    const channelId = this.channelFor(n);
    if (!channelId) return;
    const earlier = n.dedupeKey ? this.posted.get(n.dedupeKey) : undefined;
    const count = (earlier?.count ?? 0) + 1;
    const r = renderDiscord(renderNotification(n, { publicBaseUrl: this.o.publicBaseUrl, temporalUiUrl: this.o.temporalUiUrl, namespace: this.o.namespace, count }));
    const body: RESTPostAPIChannelMessageJSONBody = { content: r.content, embeds: r.embeds, components: r.components, allowed_mentions: { parse: [] } };
    if (earlier && earlier.channelId === channelId) {
      try {
        await this.rest.patch(Routes.channelMessage(channelId, earlier.messageId), { body });
        earlier.count = count;
        return;
      } catch (err) {
        // 10008 Unknown Message: it was deleted; post a new one.
        if (!(err instanceof DiscordAPIError && err.code === 10008)) throw err;
      }
    }
    const message = (await this.rest.post(Routes.channelMessages(channelId), { body })) as { id: string };
    if (n.dedupeKey) this.posted.set(n.dedupeKey, { channelId, messageId: message.id, count });
  }
}
