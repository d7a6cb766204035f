// The local chat console: a chat-like page at GET /console, its feed (the
// notifier's Notification rows rendered as chat messages, plus this console's
// own command replies, kept in PostgreSQL so every API process shows the same
// conversation and it survives a restart) and the two inputs every chat platform has: a slash
// command and a button click. Everything goes through the platform-neutral
// ChatOps core, exactly like Slack and Discord do.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Prisma } from '@prisma/client';
import type { Config } from '../../config.js';
import type { Db } from '../../db.js';
import { bearerAuth } from '../../http/auth.js';
import { errorBody } from '../../http/errors.js';
import { CONSOLE_COOKIE, consoleSessionValue } from '../../http/security.js';
import type { ChatOps } from '../core/core.js';
import { approvalCard, approvalCardDataOf, decidedText } from '../core/cards.js';
import type { Actor } from '../core/auth.js';
import type { Block, ChatMessage, Reply } from '../core/messages.js';
import { parseCommandText, UsageError } from '../core/parse.js';
import { renderNotification } from '../core/notifications.js';
import type { Delivery, NotificationInput, NotificationKind } from '../../providers/notifier/index.js';
import { consolePage } from './page.js';

export interface ConsoleDeps {
  config: Config;
  db: Db;
  chatops: ChatOps;
}

/** One message in the console feed. */
export interface FeedItem {
  /** `n-<notification id>` or `r-<ConsoleReply id>` (this console's replies). */
  id: string;
  /** When the item first appeared (ISO): the feed's order. */
  at: string;
  /** When the item last changed (ISO): `?after=` returns the items changed after a time. */
  updatedAt: string;
  /** The notification kind (approval_requested, workflow_failed, weekly_report…), or `reply`. */
  kind: string;
  /** For replies: ephemeral ("only visible to you") or channel. */
  visibility?: Reply['visibility'];
  /** For replies: the command line typed (absent for button clicks). */
  command?: string;
  message: ConsoleMessage;
}

/** A chat message as the console page draws it: media as `/media/…` URLs of this same server. */
export type ConsoleBlock =
  Exclude<Block, { type: 'image' | 'video' }> | { type: 'image'; url: string; alt: string } | { type: 'video'; url: string; posterUrl?: string; title: string };
export interface ConsoleMessage {
  text: string;
  blocks: ConsoleBlock[];
}

export const CONSOLE_ACTOR: Actor = { platform: 'console', userId: 'console', userName: 'console' };
/** How many of this console's own replies the feed shows (the latest ones; older rows are pruned now and then). */
export const MAX_REPLIES = 200;
/** How many notifications a full feed shows (the latest ones). */
export const MAX_NOTIFICATIONS = 100;
const MAX_COMMAND_LENGTH = 2000;

/**
 * Registers GET /console (the page) and GET /console/client.js (its script),
 * served without a token: they hold no data; and, in an encapsulated plugin
 * protected by the API's bearer check when API_TOKEN is set, GET /console/feed,
 * POST /console/command and POST /console/action.
 */
export function consoleRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  const { config, db, chatops } = deps;
  const localize = (m: ChatMessage): ConsoleMessage => localizeMessage(m);

  const addReply = async (reply: Reply, command?: string): Promise<FeedItem> => {
    const row = await db.consoleReply.create({
      data: { visibility: reply.visibility, command: command ?? null, message: localize(reply.message) as unknown as Prisma.InputJsonValue },
    });
    if (Math.random() < 0.02) void db.consoleReply.deleteMany({ where: { id: { lt: row.id - BigInt(MAX_REPLIES * 5) } } }).catch(() => undefined);
    return replyItem(row);
  };

  // Read once, at start-up: a missing file fails here, not on the first page load.
  const clientJs = readFileSync(new URL('./client.js', import.meta.url), 'utf8');

  app.get('/console', async (_req, reply) => {
    const nonce = randomBytes(16).toString('base64');
    return reply
      .header('Content-Type', 'text/html; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .header('X-Content-Type-Options', 'nosniff')
      .header('Referrer-Policy', 'no-referrer')
      .header(
        'Content-Security-Policy',
        `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' http: https: data:; media-src 'self' http: https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      )
      .send(consolePage(nonce));
  });

  app.get('/console/client.js', async (_req, reply) =>
    reply
      .header('Content-Type', 'text/javascript; charset=utf-8')
      .header('Cache-Control', 'no-cache')
      .header('X-Content-Type-Options', 'nosniff')
      .send(clientJs),
  );

  void app.register(async (scoped) => {
    if (config.API_TOKEN) scoped.addHook('onRequest', bearerAuth());

    // The console's session cookie, so that <video>/<img> can load private media (they cannot send a bearer token).
    scoped.post('/console/session', async (_req, reply) => {
      if (!config.API_TOKEN) return reply.status(204).send();
      return reply
        .header('Set-Cookie', `${CONSOLE_COOKIE}=${consoleSessionValue(config.API_TOKEN)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200`)
        .status(204)
        .send();
    });

    scoped.get('/console/feed', async (req, reply) => {
      const q = (req.query ?? {}) as Record<string, unknown>;
      let after: Date | undefined;
      if (q.after !== undefined && q.after !== '') {
        after = typeof q.after === 'string' ? new Date(q.after) : new Date(NaN);
        if (Number.isNaN(after.getTime()))
          return reply.status(400).send(errorBody('invalid_after', 'after must be an ISO 8601 time, e.g. 2026-11-27T10:00:00.000Z.', 'after'));
      }
      const now = new Date().toISOString();
      const notes = await notificationItems(db, config, after);
      const own = (await db.consoleReply.findMany({ where: after ? { updatedAt: { gt: after } } : undefined, orderBy: { id: 'desc' }, take: MAX_REPLIES })).map(
        replyItem,
      );
      const items = [...notes, ...own].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
      return { now, items };
    });

    scoped.post('/console/command', async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const text = typeof body.text === 'string' ? body.text.trim() : '';
      if (typeof body.text !== 'string' && body.text !== undefined)
        return reply.status(400).send(errorBody('invalid_command', 'text must be a string, e.g. "/daily-loop start max:2".', 'text'));
      if (!text) return reply.status(400).send(errorBody('empty_command', 'Type a command, e.g. /daily-loop start max:2 (or /affiliate-help).', 'text'));
      if (text.length > MAX_COMMAND_LENGTH)
        return reply.status(400).send(errorBody('command_too_long', `A command has at most ${MAX_COMMAND_LENGTH} characters.`, 'text'));
      const m = /^\/?(\S+)\s*([\s\S]*)$/.exec(text)!;
      let parsed: ReturnType<typeof parseCommandText> | UsageError;
      try {
        parsed = parseCommandText(m[1], m[2]);
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        parsed = err;
      }
      const r = await chatops.command(CONSOLE_ACTOR, parsed);
      const item = await addReply(r, text);
      return { ...localizeReply(r), id: item.id, at: item.at };
    });

    scoped.post('/console/action', async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const id = body.actionId;
      if (typeof id !== 'string' || !id.trim())
        return reply.status(400).send(errorBody('invalid_action', 'actionId is required: the data-action-id of the button clicked.', 'actionId'));
      if (id.length > 300) return reply.status(400).send(errorBody('invalid_action', 'actionId is too long.', 'actionId'));
      const r = await chatops.action(CONSOLE_ACTOR, id);
      // A button on one of this console's own replies (e.g. "Really cancel?"): replace it in the feed too.
      const originalId = typeof body.itemId === 'string' ? /^r-(\d{1,18})$/.exec(body.itemId)?.[1] : undefined;
      if (r.replaceOriginal && originalId) {
        await db.consoleReply.updateMany({
          where: { id: BigInt(originalId) },
          data: { message: localize(r.replaceOriginal) as unknown as Prisma.InputJsonValue },
        });
      }
      const item = await addReply(r);
      return { ...localizeReply(r), id: item.id, at: item.at };
    });
  });
}

/**
 * The notifications as chat messages. Approval cards whose video was already
 * decided show the final state ("✅ Approved by @x at 10:42") instead of buttons.
 * With `after`, only the items that changed after that time: new or updated
 * notifications, and approval cards decided since.
 */
async function notificationItems(db: Db, config: Config, after?: Date): Promise<FeedItem[]> {
  const notes = after
    ? await db.notification.findMany({ where: { updatedAt: { gt: after } }, orderBy: { createdAt: 'desc' }, take: MAX_NOTIFICATIONS })
    : await db.notification.findMany({ orderBy: { createdAt: 'desc' }, take: MAX_NOTIFICATIONS });
  if (after) {
    // Cards whose decision arrived after `after`, even if the notification itself did not change.
    const decided = await db.approval.findMany({ where: { createdAt: { gt: after }, effective: true }, select: { videoId: true, workflowId: true } });
    if (decided.length) {
      const have = new Set(notes.map((n) => n.id));
      const videoIds = new Set(decided.map((d) => d.videoId));
      const cards = await db.notification.findMany({
        where: { kind: 'approval_requested', workflowId: { in: [...new Set(decided.map((d) => d.workflowId))] } },
      });
      for (const c of cards) if (!have.has(c.id) && videoIds.has(videoIdOf(c.data))) notes.push(c);
    }
  }
  const videoIds = notes
    .filter((n) => n.kind === 'approval_requested')
    .map((n) => videoIdOf(n.data))
    .filter(Boolean);
  const latest = new Map<string, { decision: string; decidedBy: string; decidedByName: string | null; decidedAt: Date; createdAt: Date }>();
  if (videoIds.length) {
    const approvals = await db.approval.findMany({ where: { videoId: { in: videoIds }, effective: true }, orderBy: { decidedAt: 'desc' } });
    for (const a of approvals) if (!latest.has(a.videoId)) latest.set(a.videoId, a);
  }
  // The console runs next to the server: our own links (loopback included) work for its reader.
  const opts = { publicBaseUrl: config.publicBaseUrl, temporalUiUrl: config.TEMPORAL_UI_URL, namespace: config.TEMPORAL_NAMESPACE };
  return notes.map((n) => {
    const input: NotificationInput = {
      kind: n.kind as NotificationKind,
      level: n.level,
      title: n.title,
      message: n.message,
      workflowId: n.workflowId ?? undefined,
      data: (n.data ?? undefined) as Record<string, unknown> | undefined,
    };
    let message: ChatMessage;
    let updatedAt = n.updatedAt;
    const decision = n.kind === 'approval_requested' ? latest.get(videoIdOf(n.data)) : undefined;
    if (decision) {
      const d = (n.data ?? {}) as Record<string, unknown>;
      const state = decision.decision === 'APPROVE' ? 'approved' : 'rejected';
      message = approvalCard(
        approvalCardDataOf(n.workflowId ?? undefined, d),
        decidedText(state, decision.decidedByName ? `@${decision.decidedByName}` : decision.decidedBy, decision.decidedAt.toISOString(), config.TIMEZONE),
      );
      if (decision.createdAt > updatedAt) updatedAt = decision.createdAt;
    } else {
      message = renderNotification(input, { ...opts, count: n.count });
    }
    const trouble = deliveryTrouble(n.deliveries);
    if (trouble) message = { ...message, blocks: [...message.blocks, { type: 'context', text: trouble }] };
    return { id: `n-${n.id}`, at: n.createdAt.toISOString(), updatedAt: updatedAt.toISOString(), kind: n.kind, message: localizeMessage(message) };
  });
}

function replyItem(row: { id: bigint; visibility: string; command: string | null; message: Prisma.JsonValue; createdAt: Date; updatedAt: Date }): FeedItem {
  return {
    id: `r-${row.id}`,
    at: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    kind: 'reply',
    visibility: row.visibility as Reply['visibility'],
    ...(row.command !== null ? { command: row.command } : {}),
    message: row.message as unknown as ConsoleMessage,
  };
}

const videoIdOf = (data: unknown): string => {
  const v = data && typeof data === 'object' ? (data as Record<string, unknown>).videoId : undefined;
  return typeof v === 'string' ? v : '';
};

/** What went wrong delivering a notification to a chat platform, as one line for the feed (or undefined). */
export function deliveryTrouble(deliveries: unknown): string | undefined {
  if (!deliveries || typeof deliveries !== 'object') return undefined;
  const lines: string[] = [];
  for (const d of Object.values(deliveries as Record<string, Delivery>)) {
    const name = d.channel.charAt(0).toUpperCase() + d.channel.slice(1);
    if (d.status === 'fallback') lines.push(`⚠️ ${name} refused this message (${d.error ?? 'unknown error'}); a plain-text version was posted instead.`);
    else if (d.status === 'failed') lines.push(`⚠️ Not delivered to ${name}: ${d.error ?? d.lastError ?? 'unknown error'}.`);
    else if (d.status === 'pending' && (d.attempts ?? 0) > 0)
      lines.push(
        `⏳ Not yet delivered to ${name} (${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${d.nextAttemptAt ? `, next at ${d.nextAttemptAt}` : ''}): ${d.lastError ?? 'unknown error'}.`,
      );
    else if (d.detail) lines.push(`⚠️ ${name}: ${d.detail}.`);
  }
  return lines.length ? lines.join('\n') : undefined;
}

/**
 * Media becomes a relative `/media/<key>` URL of this same server, so the console
 * plays videos whatever address it was opened at (127.0.0.1 vs localhost, a
 * tunnel, a test server on a random port).
 */
export function localizeMessage(m: ChatMessage): ConsoleMessage {
  const url = (key: string) => `/media/${key}`;
  const blocks = m.blocks.map((b): ConsoleBlock => {
    if (b.type === 'video') return { type: 'video', url: url(b.media.key), ...(b.poster ? { posterUrl: url(b.poster.key) } : {}), title: b.title };
    if (b.type === 'image') return { type: 'image', url: url(b.media.key), alt: b.alt };
    return b;
  });
  return { text: m.text, blocks };
}

function localizeReply(r: Reply): { visibility: Reply['visibility']; message: ConsoleMessage; replaceOriginal?: ConsoleMessage } {
  return {
    visibility: r.visibility,
    message: localizeMessage(r.message),
    ...(r.replaceOriginal ? { replaceOriginal: localizeMessage(r.replaceOriginal) } : {}),
  };
}
