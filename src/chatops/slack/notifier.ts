import { webApi } from '@slack/bolt';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import {
  errorText,
  type Delivery,
  type DeliveryFailure,
  type NotificationInput,
  type NotificationKind,
  type Notifier,
} from '../../providers/notifier/index.js';
import { readMedia, type MediaSource } from '../../providers/storage/read.js';
import { isPubliclyReachableUrl } from '../../domain/addresses.js';
import { remoteLinks, renderNotification } from '../core/notifications.js';
import { mediaFilename, type Block, type ChatMessage, type MediaRef } from '../core/messages.js';
import { clip } from '../core/text.js';
import { SLACK_LIMITS, slackText, toBlockKit, type SlackImageSource } from './blocks.js';
import { slackApiUrl, slackLogger } from './client.js';
import { memoryThreadStore, type ChatThreadStore } from '../threads.js';

export type SlackNotifierConfig = Pick<
  Config,
  | 'SLACK_BOT_TOKEN'
  | 'SLACK_API_URL'
  | 'SLACK_ALERTS_CHANNEL'
  | 'SLACK_APPROVALS_CHANNEL'
  | 'SLACK_REPORTS_CHANNEL'
  | 'TEMPORAL_UI_URL'
  | 'TEMPORAL_NAMESPACE'
  | 'publicBaseUrl'
>;

export interface SlackNotifierOptions {
  config: SlackNotifierConfig;
  log: Logger;
  /** At most one message per channel per this many ms (Slack allows about 1 per second per channel). */
  minIntervalMs?: number;
  /** WebClient retries; a 429 waits Retry-After and then counts as one retry. */
  retryConfig?: webApi.RetryOptions;
  /**
   * Throw on HTTP 429 (the error carries Retry-After) instead of waiting inside the call: for
   * the chat outbox, which schedules the retry itself and keeps its loop free meanwhile.
   */
  rejectRateLimitedCalls?: boolean;
  /** Where the dedupe key → message map and the uploaded file ids live (default: in memory). */
  threads?: ChatThreadStore;
  client?: webApi.WebClient;
  /** Where thumbnails, charts and videos are read from to upload them; without it they are left out. */
  media?: MediaSource;
  /**
   * Slack processes an uploaded file asynchronously; a message that uses it in an
   * image block before that is refused ("invalid slack file", python-slack-sdk#1521).
   * The waits before each retry of such a message.
   */
  fileReadyDelaysMs?: number[];
}

interface Posted extends Delivery {
  channelId: string;
  ts?: string;
}

/** Slack errors that mean "this message, as built, is refused": worth a plain-text retry. */
const REFUSALS = new Set([
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_too_long',
  'no_text',
  'invalid_attachments',
  'too_many_attachments',
  'invalid_arguments',
  'markdown_text_conflict',
]);

/**
 * Slack errors that say "not now" rather than "never" (the Errors table of
 * https://docs.slack.dev/reference/methods/chat.postMessage: internal_error, fatal_error,
 * service_unavailable, request_timeout, ratelimited, team_added_to_org "intermittently
 * unavailable"). Every other `ok: false` (invalid_auth, channel_not_found, not_in_channel,
 * is_archived …) is a refusal that a retry cannot fix.
 */
const TRANSIENT = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited', 'rate_limited', 'team_added_to_org']);

/**
 * Whether a failed Slack call is worth retrying: HTTP 429 (with its Retry-After), 5xx and 408,
 * a request that never got an answer (connection refused, reset, timeout), and the transient
 * errors above. Other HTTP 4xx and platform refusals are final.
 */
export function slackFailure(err: unknown): DeliveryFailure {
  const e = err as { code?: string; retryAfter?: number; statusCode?: number; headers?: Record<string, string | string[] | undefined> };
  const reason = errorText(err);
  if (e?.code === 'slack_webapi_rate_limited_error')
    return { retry: true, retryAfterMs: (e.retryAfter ?? 1) * 1000, reason: `rate limited (HTTP 429): ${reason}` };
  if (e?.code === 'slack_webapi_http_error') {
    const status = e.statusCode ?? 0;
    const ra = Number(String(e.headers?.['retry-after'] ?? ''));
    return { retry: status >= 500 || status === 429 || status === 408, ...(ra > 0 ? { retryAfterMs: ra * 1000 } : {}), reason };
  }
  if (e?.code === 'slack_webapi_request_error') return { retry: true, reason };
  const refused = platformError(err);
  if (refused) return { retry: TRANSIENT.has(refused.error), reason };
  return { retry: true, reason };
}

const platformError = (err: unknown): { error: string; errors: string[] } | undefined => {
  const e = err as { code?: string; data?: { error?: string; errors?: string[]; response_metadata?: { messages?: string[] } } };
  if (e?.code !== 'slack_webapi_platform_error' || !e.data?.error) return undefined;
  return { error: e.data.error, errors: e.data.errors ?? e.data.response_metadata?.messages ?? [] };
};

/**
 * Posts notifications to Slack: approval cards to SLACK_APPROVALS_CHANNEL, failure
 * alerts to SLACK_ALERTS_CHANNEL, the weekly report (with its chart) to
 * SLACK_REPORTS_CHANNEL. A kind whose channel is unset is skipped.
 *
 * Media is uploaded, never linked by our own address (Slack's servers download
 * image URLs themselves, and a loopback or private address fails the whole message
 * with invalid_blocks): thumbnails and charts are uploaded with Slack's upload flow
 * (files.getUploadURLExternal + files.completeUploadExternal, via filesUploadV2) and
 * shown as `slack_file` image blocks; an approval card's MP4 is uploaded into the
 * card's thread, where it plays inline on desktop and phone. If an upload fails, a
 * public PUBLIC_BASE_URL (not loopback or private) is the fallback for images.
 *
 * A message Slack refuses (invalid_blocks, msg_too_long …) is logged with Slack's
 * error and replaced by a plain-text fallback with the essentials and the buttons;
 * the returned Delivery says so, and the feed shows it.
 *
 * Repeated failures with the same dedupeKey update ONE parent message ("Seen N
 * times") and add the details in its thread. The dedupeKey → message map and the
 * uploaded file ids are in `threads` (PostgreSQL when wired by the worker), so this
 * holds across restarts and workers; the chat outbox sends one notice per dedupe key
 * at a time, across processes.
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
  private readonly keyLocks = new Map<string, Promise<unknown>>();
  /** Dedupe key → parent message; media key → the id of the file uploaded for it (reused by later messages and updates). */
  private readonly threads: ChatThreadStore;

  constructor(private readonly opts: SlackNotifierOptions) {
    const { config } = opts;
    if (!config.SLACK_BOT_TOKEN) throw new Error('SlackNotifier needs SLACK_BOT_TOKEN');
    this.minIntervalMs = opts.minIntervalMs ?? 1000;
    this.threads = opts.threads ?? memoryThreadStore();
    this.client =
      opts.client ??
      new webApi.WebClient(config.SLACK_BOT_TOKEN, {
        slackApiUrl: slackApiUrl(config),
        logger: slackLogger(opts.log, 'slack-notifier'),
        rejectRateLimitedCalls: opts.rejectRateLimitedCalls ?? false,
        retryConfig: opts.retryConfig ?? { retries: 5, factor: 2, minTimeout: 1000, maxTimeout: 30_000, randomize: true },
      });
  }

  channelFor(kind: NotificationKind): string | undefined {
    const c = this.opts.config;
    if (kind === 'approval_requested') return c.SLACK_APPROVALS_CHANNEL;
    if (kind === 'workflow_failed' || kind === 'provider_alert') return c.SLACK_ALERTS_CHANNEL;
    if (kind === 'weekly_report') return c.SLACK_REPORTS_CHANNEL;
    if (kind === 'run_progress') return c.SLACK_REPORTS_CHANNEL ?? c.SLACK_ALERTS_CHANNEL;
    return undefined;
  }

  accepts(n: NotificationInput): boolean {
    return this.channelFor(n.kind) !== undefined;
  }

  /** Whether a failed notify() is worth retrying later (see slackFailure). */
  failure(err: unknown): DeliveryFailure {
    return slackFailure(err);
  }

  async notify(n: NotificationInput): Promise<Delivery> {
    const channel = this.channelFor(n.kind);
    if (!channel) {
      this.opts.log.debug({ kind: n.kind }, 'slack notifier: no channel configured for this kind, skipped');
      return { channel: 'slack', status: 'skipped' };
    }
    let posted: Posted;
    if ((n.kind === 'workflow_failed' || n.kind === 'provider_alert') && n.dedupeKey) {
      const key = n.dedupeKey;
      posted = await this.withKeyLock(key, () => this.notifyFailure(channel, key, n));
    } else if (n.kind === 'run_progress' && n.dedupeKey) {
      const key = n.dedupeKey;
      posted = await this.withKeyLock(key, () => this.notifyProgress(channel, key, n));
    } else {
      posted = await this.post(channel, this.render(n), { videoInThread: true });
    }
    const { channelId: _c, ts: _t, ...delivery } = posted;
    return delivery;
  }

  /** One message per run, updated in place as the run advances (not a stream of messages). */
  private async notifyProgress(channel: string, key: string, n: NotificationInput): Promise<Posted> {
    const m = this.render(n);
    const known = await this.threads.thread('slack', key);
    const updated = known && (await this.updateOrForget(known.channel, known.messageId, m));
    if (known && updated) {
      await this.threads.saveThread('slack', key, { ...known, count: known.count + 1 });
      return updated;
    }
    return this.postParent(channel, key, m);
  }

  private async notifyFailure(channel: string, key: string, n: NotificationInput): Promise<Posted> {
    const known = await this.threads.thread('slack', key);
    const count = (known?.count ?? 0) + 1;
    const r = known && (await this.updateOrForget(known.channel, known.messageId, this.render(n, count)));
    if (!known || !r) return this.postParent(channel, key, this.render(n));
    const details = clip(n.message, 2900);
    await this.send(known.channel, () =>
      this.client.chat.postMessage({ channel: known.channel, thread_ts: known.messageId, text: `Seen again (${count} times):\n\`\`\`${details}\`\`\`` }),
    );
    // Counted once the thread reply is in: a retry after a failed reply redoes the same update.
    await this.threads.saveThread('slack', key, { ...known, count });
    return r;
  }

  private async postParent(channel: string, key: string, m: ChatMessage): Promise<Posted> {
    const r = await this.post(channel, m);
    if (r.ts) await this.threads.saveThread('slack', key, { channel: r.channelId, messageId: r.ts, count: 1 });
    return r;
  }

  /** Edits the earlier message; undefined when it is gone (deleted, or too old to edit): then a new parent is posted. */
  private async updateOrForget(channel: string, ts: string, m: ChatMessage): Promise<Posted | undefined> {
    try {
      return await this.post(channel, m, { update: ts });
    } catch (err) {
      const refused = platformError(err)?.error;
      if (refused !== 'message_not_found' && refused !== 'cant_update_message' && refused !== 'edit_window_closed') throw err;
      this.opts.log.warn({ channel, ts, slackError: refused }, 'slack notifier: the earlier message cannot be updated; posting a new one');
      return undefined;
    }
  }

  private render(n: NotificationInput, count?: number): ChatMessage {
    const c = this.opts.config;
    return renderNotification(n, { ...remoteLinks(c), namespace: c.TEMPORAL_NAMESPACE, count });
  }

  /**
   * Posts (or, with `update`, edits) one message: uploads its images first and
   * shows them as `slack_file` blocks. If Slack will not show an uploaded image
   * inline ("invalid slack file": still processing, or a private upload that this
   * workspace will not show), the message goes without it and the image is posted
   * in its thread. If Slack refuses the message itself, it logs why and posts the
   * plain-text fallback. With `videoInThread`, the message's video follows in its thread.
   */
  private async post(channel: string, m: ChatMessage, o: { update?: string; videoInThread?: boolean } = {}): Promise<Posted> {
    const problems: string[] = [];
    const images = await this.uploadImages(m, problems);
    const call = (b: object[] | undefined) => (): Promise<{ ts?: string; channel?: string }> =>
      o.update
        ? this.client.chat.update({ channel, ts: o.update, text: slackText(m.text), ...(b ? { blocks: b as webApi.KnownBlock[] } : {}) })
        : this.client.chat.postMessage({
            channel,
            text: slackText(m.text),
            ...(b ? { blocks: b as webApi.KnownBlock[] } : {}),
            unfurl_links: false,
            unfurl_media: false,
          });
    let result: { ts?: string; channel?: string };
    let status: Delivery['status'] = 'delivered';
    let error: string | undefined;
    let imagesInThread = false;
    try {
      try {
        result = await this.sendWhenFilesReady(channel, call(toBlockKit(m, { image: (key) => images.get(key) })), images.size > 0);
      } catch (err) {
        if (!images.size || !isSlackFileRefusal(err)) throw err;
        this.opts.log.warn({ channel, slackError: platformError(err) }, 'slack will not show the uploaded image inline; posting it in the thread');
        problems.push('Slack would not show the image inline, so it is in the thread');
        imagesInThread = !o.update;
        result = await this.send(channel, call(toBlockKit(m)));
      }
    } catch (err) {
      const refused = platformError(err);
      if (!refused || !REFUSALS.has(refused.error)) throw err;
      error = errorText(err);
      status = 'fallback';
      this.opts.log.error({ channel, slackError: refused.error, errors: refused.errors }, 'slack refused the message; posting a plain-text fallback');
      try {
        result = await this.send(channel, call(fallbackBlocks(m)));
      } catch (again) {
        if (!platformError(again)) throw again;
        this.opts.log.error({ channel, slackError: platformError(again)?.error }, 'slack refused the fallback too; posting its text alone');
        result = await this.send(channel, call(undefined));
      }
    }
    const ts = o.update ?? result.ts;
    const channelId = result.channel ?? channel;
    if (ts && !o.update) {
      if (imagesInThread) for (const ref of imageRefs(m)) await this.uploadToThread(channelId, ts, ref, mediaFilename(ref), undefined, problems);
      const video = m.blocks.find((b): b is Extract<Block, { type: 'video' }> => b.type === 'video');
      if (video && o.videoInThread) {
        const comment = `▶️ ${video.title}: watch it here, then Approve or Reject on the card above.`;
        await this.uploadToThread(channelId, ts, video.media, clip(video.title, 250), comment, problems);
      }
    }
    return { channel: 'slack', channelId, ts, status, ...(error ? { error } : {}), ...(problems.length ? { detail: problems.join('; ') } : {}) };
  }

  /** Retries a message while Slack is still processing a file it shows ("invalid slack file"). */
  private async sendWhenFilesReady<T>(channel: string, call: () => Promise<T>, hasFiles: boolean): Promise<T> {
    const delays = hasFiles ? (this.opts.fileReadyDelaysMs ?? [1000, 2000]) : [];
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.send(channel, call);
      } catch (err) {
        if (!isSlackFileRefusal(err) || attempt >= delays.length) throw err;
        await new Promise((r) => setTimeout(r, delays[attempt]));
      }
    }
  }

  /**
   * Uploads each image the message shows (charts, video posters) as a private file
   * and waits until Slack has processed it (files.info reports its type), since a
   * message that shows it earlier is refused. Key → image source.
   */
  private async uploadImages(m: ChatMessage, problems: string[]): Promise<Map<string, SlackImageSource>> {
    const out = new Map<string, SlackImageSource>();
    for (const ref of imageRefs(m)) {
      try {
        let id = await this.threads.upload('slack', ref.key);
        if (!id) {
          const data = this.opts.media ? await readMedia(this.opts.media, ref.key, 50 * 1024 * 1024) : undefined;
          if (!data) continue;
          const r = (await this.client.filesUploadV2({ file: data, filename: mediaFilename(ref) })) as unknown as { files?: { files?: { id: string }[] }[] };
          id = r.files?.[0]?.files?.[0]?.id;
          if (!id) throw new Error('files.completeUploadExternal returned no file id');
          await this.waitUntilProcessed(id);
          await this.threads.saveUpload('slack', ref.key, id);
        }
        out.set(ref.key, { slack_file: { id } });
      } catch (err) {
        const publicBase = this.opts.config.publicBaseUrl;
        problems.push(`image ${mediaFilename(ref)} not uploaded: ${errorText(err)}`);
        this.opts.log.warn({ key: ref.key, err: errorText(err) }, 'slack notifier: image upload failed');
        if (isPubliclyReachableUrl(publicBase)) out.set(ref.key, { image_url: `${publicBase.replace(/\/+$/, '')}/media/${ref.key}` });
      }
    }
    return out;
  }

  /** Polls files.info until the file has a type (Slack reports "" while it processes an upload). */
  private async waitUntilProcessed(id: string): Promise<void> {
    const delays = this.opts.fileReadyDelaysMs ?? [250, 500, 1000, 2000];
    for (let attempt = 0; ; attempt++) {
      const info = (await this.client.files.info({ file: id }).catch(() => undefined)) as { file?: { mimetype?: string } } | undefined;
      if (info?.file?.mimetype || attempt >= delays.length) return;
      await new Promise((r) => setTimeout(r, delays[attempt]));
    }
  }

  /** Uploads a stored file into a message's thread (Slack plays an uploaded MP4 inline; images show in full). */
  private async uploadToThread(channel: string, ts: string, ref: MediaRef, title: string, comment: string | undefined, problems: string[]): Promise<void> {
    try {
      const data = this.opts.media ? await readMedia(this.opts.media, ref.key) : undefined;
      if (!data) {
        problems.push(`${ref.key} not found`);
        return;
      }
      await this.send(channel, () =>
        this.client.filesUploadV2({
          channel_id: channel,
          thread_ts: ts,
          file: data,
          filename: mediaFilename(ref),
          title,
          ...(comment ? { initial_comment: clip(comment, 3000) } : {}),
        }),
      );
    } catch (err) {
      problems.push(`${mediaFilename(ref)} not attached: ${errorText(err)}`);
      this.opts.log.warn({ channel, ts, err: errorText(err) }, 'slack notifier: upload into the thread failed');
    }
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

const imageRefs = (m: ChatMessage): MediaRef[] => m.blocks.flatMap((b) => (b.type === 'image' ? [b.media] : b.type === 'video' && b.poster ? [b.poster] : []));

const isSlackFileRefusal = (err: unknown): boolean => {
  const refused = platformError(err);
  return refused?.error === 'invalid_blocks' && refused.errors.some((e) => /slack.?file/i.test(e));
};

/**
 * The plain-text fallback for a refused message: its essentials (the message's own
 * plain `text`, which every card carries) in one section, and its buttons, so an
 * approval can still be decided from it.
 */
export function fallbackBlocks(m: ChatMessage): object[] {
  const buttons = m.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : [])).filter((b) => !b.url);
  return toBlockKit({
    text: m.text,
    blocks: [{ type: 'text', text: clip(m.text, SLACK_LIMITS.section) }, ...(buttons.length ? [{ type: 'buttons' as const, buttons }] : [])],
  });
}
