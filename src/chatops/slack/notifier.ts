import { webApi } from '@slack/bolt';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import type { NotificationInput, NotificationKind, Notifier } from '../../providers/notifier/index.js';
import { renderNotification } from '../core/notifications.js';
import { toBlockKit } from './blocks.js';
import { slackApiUrl, slackLogger } from './app.js';

export type SlackNotifierConfig = Pick<
  Config,
  'SLACK_BOT_TOKEN' | 'SLACK_API_URL' | 'SLACK_ALERTS_CHANNEL' | 'SLACK_APPROVALS_CHANNEL' | 'SLACK_REPORTS_CHANNEL' | 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE' | 'publicBaseUrl'
>;

export interface SlackNotifierOptions {
  config: SlackNotifierConfig;
  log: Logger;
  /** At most one message per channel per this many ms (Slack allows about 1 per second per channel). */
  minIntervalMs?: number;
  /** WebClient retries; a 429 waits Retry-After and then counts as one retry. */
  retryConfig?: webApi.RetryOptions;
  client?: webApi.WebClient;
}

interface Thread {
  channel: string;
  ts: string;
  count: number;
}

/**
 * Posts notifications to Slack: approval cards to SLACK_APPROVALS_CHANNEL, failure
 * alerts to SLACK_ALERTS_CHANNEL, the weekly report (with its chart) to
 * SLACK_REPORTS_CHANNEL. A kind whose channel is unset is skipped.
 *
 * Repeated failures with the same dedupeKey update ONE parent message ("Seen N
 * times") and add the details in its thread. Limitation: the dedupeKey → message
 * map is process-local, so after a worker restart (or on another worker) the next
 * repeat starts a new parent message.
 *
 * Rate limit: messages to one channel are queued and sent at most one per
 * `minIntervalMs`; Slack's HTTP 429 is honoured by WebClient (waits Retry-After, retries).
 */
export class SlackNotifier implements Notifier {
  readonly name = 'slack';
  private readonly client: webApi.WebClient;
  private readonly minIntervalMs: number;
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly lastSent = new Map<string, number>();
  private readonly threads = new Map<string, Thread>();
  private readonly keyLocks = new Map<string, Promise<unknown>>();

  constructor(private readonly opts: SlackNotifierOptions) {
    const { config } = opts;
    if (!config.SLACK_BOT_TOKEN) throw new Error('SlackNotifier needs SLACK_BOT_TOKEN');
    this.minIntervalMs = opts.minIntervalMs ?? 1000;
    this.client =
      opts.client ??
      new webApi.WebClient(config.SLACK_BOT_TOKEN, {
        slackApiUrl: slackApiUrl(config),
        logger: slackLogger(opts.log, 'slack-notifier'),
        rejectRateLimitedCalls: false,
        retryConfig: opts.retryConfig ?? { retries: 5, factor: 2, minTimeout: 1000, maxTimeout: 30_000, randomize: true },
      });
  }

  channelFor(kind: NotificationKind): string | undefined {
    const c = this.opts.config;
    if (kind === 'approval_requested') return c.SLACK_APPROVALS_CHANNEL;
    if (kind === 'workflow_failed') return c.SLACK_ALERTS_CHANNEL;
    if (kind === 'weekly_report') return c.SLACK_REPORTS_CHANNEL;
    if (kind === 'run_progress') return c.SLACK_REPORTS_CHANNEL ?? c.SLACK_ALERTS_CHANNEL;
    return undefined;
  }

  async notify(n: NotificationInput): Promise<void> {
    const channel = this.channelFor(n.kind);
    if (!channel) {
      this.opts.log.debug({ kind: n.kind }, 'slack notifier: no channel configured for this kind, skipped');
      return;
    }
    if (n.kind === 'workflow_failed' && n.dedupeKey) {
      const key = n.dedupeKey;
      await this.withKeyLock(key, () => this.notifyFailure(channel, key, n));
      return;
    }
    if (n.kind === 'run_progress' && n.dedupeKey) {
      const key = n.dedupeKey;
      await this.withKeyLock(key, () => this.notifyProgress(channel, key, n));
      return;
    }
    const m = this.render(n);
    await this.send(channel, () => this.client.chat.postMessage({ channel, text: m.text, blocks: toBlockKit(m) as webApi.KnownBlock[], unfurl_links: false }));
  }

  /** One message per run, updated in place as the run advances (not a stream of messages). */
  private async notifyProgress(channel: string, key: string, n: NotificationInput): Promise<void> {
    const m = this.render(n);
    const known = this.threads.get(key);
    if (known) {
      await this.send(known.channel, () => this.client.chat.update({ channel: known.channel, ts: known.ts, text: m.text, blocks: toBlockKit(m) as webApi.KnownBlock[] }));
      return;
    }
    const r = await this.send(channel, () => this.client.chat.postMessage({ channel, text: m.text, blocks: toBlockKit(m) as webApi.KnownBlock[], unfurl_links: false }));
    if (r.ts) this.threads.set(key, { channel: r.channel ?? channel, ts: r.ts, count: 1 });
  }

  private async notifyFailure(channel: string, key: string, n: NotificationInput): Promise<void> {
    const known = this.threads.get(key);
    if (!known) {
      const m = this.render(n);
      const r = await this.send(channel, () => this.client.chat.postMessage({ channel, text: m.text, blocks: toBlockKit(m) as webApi.KnownBlock[], unfurl_links: false }));
      if (r.ts) this.threads.set(key, { channel: r.channel ?? channel, ts: r.ts, count: 1 });
      return;
    }
    known.count += 1;
    const m = this.render(n, known.count);
    await this.send(known.channel, () => this.client.chat.update({ channel: known.channel, ts: known.ts, text: m.text, blocks: toBlockKit(m) as webApi.KnownBlock[] }));
    const details = n.message.length > 2900 ? n.message.slice(0, 2900) + '…' : n.message;
    await this.send(known.channel, () => this.client.chat.postMessage({ channel: known.channel, thread_ts: known.ts, text: `Seen again (${known.count} times):\n\`\`\`${details}\`\`\`` }));
  }

  private render(n: NotificationInput, count?: number) {
    const c = this.opts.config;
    return renderNotification(n, { publicBaseUrl: c.publicBaseUrl, temporalUiUrl: c.TEMPORAL_UI_URL, namespace: c.TEMPORAL_NAMESPACE, count });
  }

  /** Serialises calls per channel and spaces them by minIntervalMs. */
  private send<T>(channel: string, call: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(channel) ?? Promise.resolve();
    const run = prev.then(async () => {
      const wait = (this.lastSent.get(channel) ?? 0) + this.minIntervalMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      try {
        return await call();
      } finally {
        this.lastSent.set(channel, Date.now());
      }
    });
    const tail = run.catch(() => undefined);
    this.queues.set(channel, tail);
    void tail.then(() => {
      if (this.queues.get(channel) === tail) this.queues.delete(channel);
    });
    return run;
  }

  private withKeyLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.keyLocks.get(key) ?? Promise.resolve();
    const run = prev.then(fn);
    const tail = run.catch(() => undefined);
    this.keyLocks.set(key, tail);
    void tail.then(() => {
      if (this.keyLocks.get(key) === tail) this.keyLocks.delete(key);
    });
    return run;
  }
}
