import path from 'node:path';
import { DiscordAPIError, HTTPError, RateLimitError, REST, Routes, type RawFile, type RESTPostAPIChannelMessageJSONBody } from 'discord.js';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import { errorText, type Delivery, type DeliveryFailure, type Notifier, type NotificationInput } from '../../providers/notifier/index.js';
import { readMedia, type MediaSource } from '../../providers/storage/read.js';
import { encodePreview } from '../../providers/renderer/preview.js';
import { remoteLinks, renderNotification } from '../core/notifications.js';
import { mediaFilename, type Block, type ChatMessage } from '../core/messages.js';
import { clip } from '../core/text.js';
import { renderDiscord, type DiscordMessage } from './render.js';
import { memoryThreadStore, type ChatThreadStore } from '../threads.js';

export interface DiscordNotifierOptions {
  token: string;
  /** DISCORD_API_URL (the REST client appends /v10). */
  apiUrl?: string;
  channels: { approvals?: string; alerts?: string; reports?: string };
  publicBaseUrl: string;
  temporalUiUrl?: string;
  namespace?: string;
  /** Where thumbnails, charts and videos are read from to attach them; without it they are left out. */
  media?: MediaSource;
  /** The server's attachment limit in bytes (DISCORD_MAX_UPLOAD_MB; Discord's default for bots is 10 MiB). */
  maxUploadBytes?: number;
  log?: Logger;
  /** For tests or a shared client. */
  rest?: REST;
  /** Where the dedupe key → message map lives (default: in memory). */
  threads?: ChatThreadStore;
  /**
   * The caller retries (the chat outbox): a 429 throws with its Retry-After instead of
   * waiting in the REST queue, and a 5xx is not retried here.
   */
  callerRetries?: boolean;
}

interface Attachments {
  files: RawFile[];
  images: Map<string, string>;
  /** The video block's note: undefined when the video is attached, else what to say instead. */
  videoNote?: string;
  problems: string[];
}

/** Room left in a request for the multipart envelope and the JSON payload. */
const ENVELOPE_BYTES = 256 * 1024;

/**
 * Posts notifications to Discord channels over REST (no gateway connection):
 * approval cards (with Approve/Reject buttons) to DISCORD_APPROVALS_CHANNEL,
 * failures to DISCORD_ALERTS_CHANNEL, weekly reports and run summaries to
 * DISCORD_REPORTS_CHANNEL. A kind whose channel is unset goes to the alerts
 * channel; with no channel at all the notification is skipped.
 *
 * Media is attached, never linked by our own address: an approval card carries
 * the MP4 (Discord plays attached MP4s inline) and its thumbnail, the weekly
 * report its chart (`attachment://…` in the embed). A video over the server's
 * attachment limit (DISCORD_MAX_UPLOAD_MB) is re-encoded once into a smaller
 * preview that fits, kept beside the video for later cards.
 *
 * A message Discord refuses (HTTP 400) is logged with Discord's error and
 * replaced by a plain-text fallback (the essentials and the buttons); a 413 is
 * retried without attachments. The returned Delivery says so.
 *
 * Dedupe: a repeat with the same dedupeKey edits (PATCH) the message posted
 * earlier, with a "Seen N times" count, instead of posting again. The map is in
 * `threads` (PostgreSQL when wired by the worker): it holds across restarts and
 * workers.
 *
 * Rate limits: @discordjs/rest queues per bucket and, on a 429, waits the
 * Retry-After the server gives and retries the same request.
 */
export class DiscordNotifier implements Notifier {
  readonly name = 'discord';
  private readonly rest: REST;
  private readonly threads: ChatThreadStore;
  private readonly maxUploadBytes: number;

  constructor(private readonly o: DiscordNotifierOptions) {
    if (!o.token) throw new Error('DiscordNotifier needs DISCORD_TOKEN.');
    this.rest =
      o.rest ??
      new REST({ api: o.apiUrl ?? 'https://discord.com/api', ...(o.callerRetries ? { rejectOnRateLimit: () => true, retries: 0 } : {}) }).setToken(o.token);
    this.threads = o.threads ?? memoryThreadStore();
    this.maxUploadBytes = o.maxUploadBytes ?? 10 * 1024 * 1024;
  }

  /** Null when DISCORD_TOKEN or every channel is unset. */
  static fromConfig(
    c: Config,
    extra: { temporalUiUrl?: string; media?: MediaSource; log?: Logger; threads?: ChatThreadStore; callerRetries?: boolean } = {},
  ): DiscordNotifier | null {
    if (!c.DISCORD_TOKEN || !(c.DISCORD_APPROVALS_CHANNEL || c.DISCORD_ALERTS_CHANNEL || c.DISCORD_REPORTS_CHANNEL)) return null;
    return new DiscordNotifier({
      token: c.DISCORD_TOKEN,
      apiUrl: c.DISCORD_API_URL,
      channels: { approvals: c.DISCORD_APPROVALS_CHANNEL, alerts: c.DISCORD_ALERTS_CHANNEL, reports: c.DISCORD_REPORTS_CHANNEL },
      publicBaseUrl: c.publicBaseUrl,
      temporalUiUrl: extra.temporalUiUrl,
      namespace: c.TEMPORAL_NAMESPACE,
      media: extra.media,
      maxUploadBytes: (c.DISCORD_MAX_UPLOAD_MB ?? 10) * 1024 * 1024,
      log: extra.log,
      threads: extra.threads,
      callerRetries: extra.callerRetries,
    });
  }

  accepts(n: NotificationInput): boolean {
    return this.channelFor(n) !== undefined;
  }

  /** Whether a failed notify() is worth retrying later (see discordFailure). */
  failure(err: unknown): DeliveryFailure {
    return discordFailure(err);
  }

  channelFor(n: NotificationInput): string | undefined {
    const { approvals, alerts, reports } = this.o.channels;
    if (n.kind === 'approval_requested' || n.kind === 'approval_decided') return approvals ?? alerts;
    if (n.kind === 'weekly_report' || n.kind === 'run_finished' || n.kind === 'run_started' || n.kind === 'run_progress') return reports ?? alerts;
    return alerts;
  }

  async notify(n: NotificationInput): Promise<Delivery> {
    const channelId = this.channelFor(n);
    if (!channelId) return { channel: 'discord', status: 'skipped' };
    const earlier = n.dedupeKey ? await this.threads.thread('discord', n.dedupeKey) : undefined;
    const count = (earlier?.count ?? 0) + 1;
    const m = renderNotification(n, {
      ...remoteLinks({ publicBaseUrl: this.o.publicBaseUrl, TEMPORAL_UI_URL: this.o.temporalUiUrl }),
      namespace: this.o.namespace,
      count,
    });

    if (earlier && earlier.channel === channelId) {
      // An edit keeps the message's attachments (no `attachments` field), so its attachment:// names still resolve.
      const names = new Map(mediaRefs(m).map((r) => [r.key, `attachment://${attachmentName(r)}`]));
      const r = renderDiscord(m, { image: (k) => names.get(k) });
      try {
        await this.rest.patch(Routes.channelMessage(channelId, earlier.messageId), { body: toBody(r) });
        await this.threads.saveThread('discord', n.dedupeKey!, { ...earlier, count });
        return { channel: 'discord', status: 'delivered' };
      } catch (err) {
        // 10008 Unknown Message: it was deleted; post a new one.
        if (!(err instanceof DiscordAPIError && err.code === 10008)) throw err;
      }
    }

    const att = await this.attachments(m);
    const r = renderDiscord(m, { image: (k) => att.images.get(k), videoNote: att.videoNote });
    const { id, status, error } = await this.postWithFallback(channelId, m, r, att);
    if (n.dedupeKey) await this.threads.saveThread('discord', n.dedupeKey, { channel: channelId, messageId: id, count });
    return { channel: 'discord', status, ...(error ? { error } : {}), ...(att.problems.length ? { detail: att.problems.join('; ') } : {}) };
  }

  private async postWithFallback(
    channelId: string,
    m: ChatMessage,
    r: DiscordMessage,
    att: Attachments,
  ): Promise<{ id: string; status: Delivery['status']; error?: string }> {
    const post = async (body: RESTPostAPIChannelMessageJSONBody, files: RawFile[]) =>
      ((await this.rest.post(Routes.channelMessages(channelId), { body, ...(files.length ? { files } : {}) })) as { id: string }).id;
    try {
      return { id: await post(toBody(r), att.files), status: 'delivered' };
    } catch (err) {
      if (!(err instanceof DiscordAPIError)) throw err;
      if (err.status === 413) {
        // The server's limit is lower than DISCORD_MAX_UPLOAD_MB says: post without files, say so.
        att.problems.push(`attachments refused as too large (${err.message}): set DISCORD_MAX_UPLOAD_MB to this server's limit`);
        this.o.log?.error({ channelId, discordError: err.code }, 'discord refused the attachments as too large; posting without them');
        const plain = renderDiscord(m, { videoNote: 'The video was too large to attach here.' });
        return { id: await post(toBody(plain), []), status: 'fallback', error: `${err.status} ${err.code}: ${err.message}` };
      }
      if (err.status !== 400) throw err;
      const error = `${err.status} ${err.code}: ${err.message}${err.rawError && 'errors' in err.rawError ? ` ${JSON.stringify(err.rawError.errors).slice(0, 300)}` : ''}`;
      this.o.log?.error(
        { channelId, discordError: err.code, errors: (err.rawError as { errors?: unknown }).errors },
        'discord refused the message; posting a plain-text fallback',
      );
      const buttons = renderDiscord({ text: m.text, blocks: m.blocks.filter((b) => b.type === 'buttons') }).components;
      const video = att.files.filter((f) => f.name.endsWith('.mp4'));
      try {
        return {
          id: await post({ content: clip(m.text, 2000), embeds: [], components: buttons, allowed_mentions: { parse: [] } }, video),
          status: 'fallback',
          error,
        };
      } catch (again) {
        if (!(again instanceof DiscordAPIError) || again.status >= 500) throw again;
        return { id: await post({ content: clip(m.text, 2000), allowed_mentions: { parse: [] } }, []), status: 'fallback', error };
      }
    }
  }

  /** Reads the message's images and video into attachments, within the upload limit. */
  private async attachments(m: ChatMessage): Promise<Attachments> {
    const out: Attachments = { files: [], images: new Map(), problems: [] };
    const media = this.o.media;
    const video = m.blocks.find((b): b is Extract<Block, { type: 'video' }> => b.type === 'video');
    if (!media) {
      if (video) out.videoNote = 'The video is in the console (no media storage is wired to this notifier).';
      return out;
    }
    let used = ENVELOPE_BYTES;
    for (const ref of mediaRefs(m)) {
      try {
        const data = await readMedia(media, ref.key, this.maxUploadBytes / 2);
        if (!data) continue;
        const name = attachmentName(ref);
        out.files.push({ name, data, contentType: 'image/png' });
        out.images.set(ref.key, `attachment://${name}`);
        used += data.length;
      } catch (err) {
        out.problems.push(`image ${ref.key} not attached: ${errorText(err)}`);
      }
    }
    if (video) {
      try {
        const data = await this.videoWithin(media, video.media.key, this.maxUploadBytes - used);
        if (data) out.files.push({ name: mediaFilename(video.media), data: data.bytes, contentType: 'video/mp4' });
        if (data?.preview)
          out.videoNote = `▶️ A smaller preview of the video is attached (the full video is over this server's ${Math.round(this.maxUploadBytes / 1048576)} MB limit).`;
        if (!data) out.videoNote = 'The video file was not found.';
      } catch (err) {
        out.problems.push(`video not attached: ${errorText(err)}`);
        out.videoNote = 'The video could not be attached; watch it in the console.';
      }
    }
    return out;
  }

  /** The video itself when it fits, else its preview (encoded once and kept beside it). */
  private async videoWithin(media: MediaSource, key: string, budget: number): Promise<{ bytes: Buffer; preview: boolean } | undefined> {
    const st = await media.stat(key);
    if (!st) return undefined;
    if (st.size <= budget) return { bytes: (await readMedia(media, key))!, preview: false };
    const previewKey = `${path.posix.dirname(key)}/preview-${budget}.mp4`;
    if (!(await media.stat(previewKey))) {
      const r = await encodePreview(media.localPath(key), media.localPath(previewKey), { maxBytes: budget });
      await media.commit(previewKey);
      this.o.log?.info({ key, previewKey, bytes: r.sizeBytes, kbps: r.videoKbps }, 'discord notifier: encoded a preview within the attachment limit');
    }
    return { bytes: (await readMedia(media, previewKey))!, preview: true };
  }
}

/**
 * Whether a failed Discord call is worth retrying: a 429 (after its Retry-After), a 5xx or
 * 408, or a request that got no answer (connection refused, reset, timeout). Other 4xx
 * (401 bad token, 403 50001 Missing Access, 404 10003 Unknown Channel …) are final
 * (https://discord.com/developers/docs/topics/opcodes-and-status-codes#http).
 */
export function discordFailure(err: unknown): DeliveryFailure {
  const reason = errorText(err);
  if (err instanceof RateLimitError) return { retry: true, retryAfterMs: err.retryAfter, reason: `rate limited (HTTP 429) on ${err.route}` };
  if (err instanceof DiscordAPIError || err instanceof HTTPError) {
    const retry = err.status >= 500 || err.status === 429 || err.status === 408;
    return { retry, reason: err instanceof DiscordAPIError ? `${err.status} ${err.code}: ${reason}` : `HTTP ${err.status}: ${reason}` };
  }
  // fetch reports a refused or reset connection as "fetch failed" with the system error as its cause.
  const cause = (err as { cause?: { code?: string } })?.cause?.code;
  return { retry: true, reason: cause && !reason.includes(cause) ? `${reason} (${cause})` : reason };
}

const mediaRefs = (m: ChatMessage) => m.blocks.flatMap((b) => (b.type === 'image' ? [b.media] : b.type === 'video' && b.poster ? [b.poster] : []));

/** Discord matches `attachment://name` against file names: keep them to safe characters. */
const attachmentName = (ref: { key: string; filename?: string }) => mediaFilename(ref).replace(/[^A-Za-z0-9._-]/g, '_');

const toBody = (r: DiscordMessage): RESTPostAPIChannelMessageJSONBody => ({
  content: r.content,
  embeds: r.embeds,
  components: r.components,
  allowed_mentions: { parse: [] },
});
