// The chat outbox: every Slack and Discord notice is a row in PostgreSQL (ChatDelivery) before
// it is sent, so a platform outage, a rate limit or a worker restart delays a notice but never
// loses it. notify() stores the notification and its deliveries and tries each once at once
// (so a healthy platform gets the message as fast as before); what fails is left to the
// delivery loop, which any number of workers may run (rows are claimed with FOR UPDATE SKIP
// LOCKED), retrying with exponential backoff and jitter, honouring Retry-After, until the
// delivery succeeds or expires. Every state shows in the Notification row's `deliveries`.
import { Prisma } from '@prisma/client';
import type { Config } from '../config.js';
import type { Db } from '../db.js';
import { createLogger, type Logger } from '../logger.js';
import { DatabaseFeedNotifier, errorText, type Delivery, type DeliveryFailure, type NotificationInput, type Notifier } from '../providers/notifier/index.js';
import type { MediaSource } from '../providers/storage/read.js';
import { DiscordNotifier } from './discord/notifier.js';
import { SlackNotifier } from './slack/notifier.js';
import { databaseThreadStore } from './threads.js';

export interface ChatOutboxOptions {
  db: Db;
  /** The chat adapters, by their `name` (slack, discord): each gets one delivery per notification it accepts. */
  chats: Notifier[];
  log: Logger;
  /** CHAT_DELIVERY_EXPIRY: after this long an undelivered notice is marked failed. */
  expiryMs: number;
  /** CHAT_RETRY_MAX_INTERVAL: the backoff's ceiling. */
  maxIntervalMs: number;
  /** The first retry's wait (doubled per attempt). */
  minIntervalMs?: number;
  /** How often the loop looks for due deliveries. */
  pollMs?: number;
  /** How long a claimed delivery may stay unfinished before another worker takes it over (its sender died). */
  leaseMs?: number;
  /**
   * How long notify() waits for its inline first attempt (default 20 s: the notify activity's
   * start-to-close timeout is 30 s, and a Discord card may first encode a preview). A slower
   * attempt goes on in the background and records its outcome itself.
   */
  inlineWaitMs?: number;
  batchSize?: number;
}

interface Row {
  id: bigint;
  notificationId: string;
  platform: string;
  lane: string;
  payload: Prisma.JsonValue;
  attempts: number;
}

const FINAL = ['delivered', 'fallback', 'failed'];

export class ChatOutbox implements Notifier {
  readonly name: string;
  private readonly feed: DatabaseFeedNotifier;
  private readonly chats: Map<string, Notifier>;
  private readonly minIntervalMs: number;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly inlineWaitMs: number;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(private readonly o: ChatOutboxOptions) {
    this.feed = new DatabaseFeedNotifier(o.db);
    this.chats = new Map(o.chats.map((c) => [c.name, c]));
    this.name = ['feed', ...this.chats.keys()].join('+');
    this.minIntervalMs = o.minIntervalMs ?? 1000;
    this.pollMs = o.pollMs ?? 1000;
    this.leaseMs = o.leaseMs ?? 5 * 60_000;
    this.inlineWaitMs = o.inlineWaitMs ?? 20_000;
  }

  /**
   * Stores the notification (the feed) and one pending delivery per chat platform that has a
   * channel for it, then tries each once, waiting at most inlineWaitMs. Throws only when the
   * database cannot be written (the notify activity then retries).
   */
  async notify(n: NotificationInput): Promise<Delivery> {
    const notificationId = await this.feed.store(n);
    const targets = [...this.chats.values()].filter((c) => c.accepts?.(n) ?? true);
    if (!targets.length) return { channel: 'feed', status: 'delivered' };
    const ids = await this.enqueue(notificationId, n, targets);
    const inline = Promise.all(ids.map((id) => this.tryInline(id).catch((err) => this.o.log.warn({ err: errorText(err) }, 'chat outbox: inline attempt'))));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([inline, new Promise((r) => (timer = setTimeout(r, this.inlineWaitMs)))]);
    clearTimeout(timer);
    return { channel: 'feed', status: 'delivered' };
  }

  /** Starts the delivery loop (idempotent). */
  start(): this {
    if (this.running) return this;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        let busy = false;
        try {
          busy = (await this.tick()) > 0;
        } catch (err) {
          this.o.log.warn({ err: errorText(err) }, 'chat outbox: delivery round failed; trying again');
        }
        if (!this.running) break;
        await new Promise<void>((r) => {
          const t = setTimeout(r, busy ? 0 : this.pollMs);
          this.wake = () => (clearTimeout(t), r());
        });
      }
    })();
    return this;
  }

  /** Stops the loop after the round in progress (its sends finish and are recorded). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /**
   * One round: claims up to batchSize due deliveries (oldest first, only the oldest
   * unfinished one of each lane) and sends them, platforms in parallel, one at a time
   * per platform. After a retryable failure the platform's other claimed deliveries are
   * released untried, so an outage costs one attempt per round, not one per notice.
   * Returns how many were sent (the loop goes straight on to the next round only then, so a
   * platform that is down costs one attempt per poll, not a busy loop).
   */
  async tick(): Promise<number> {
    await this.expireUnserved();
    const rows = await this.claim();
    let sent = 0;
    const byPlatform = new Map<string, Row[]>();
    for (const r of rows.sort((a, b) => (a.id < b.id ? -1 : 1))) byPlatform.set(r.platform, [...(byPlatform.get(r.platform) ?? []), r]);
    await Promise.all(
      [...byPlatform.values()].map(async (list) => {
        for (let i = 0; i < list.length; i++) {
          const ok = await this.send(list[i]);
          if (ok) sent++;
          else {
            await this.release(list.slice(i + 1));
            break;
          }
        }
      }),
    );
    return sent;
  }

  private async enqueue(notificationId: string, n: NotificationInput, targets: Notifier[]): Promise<bigint[]> {
    const lane = n.dedupeKey ?? `notification:${notificationId}`;
    const payload = { ...n } as unknown as Prisma.InputJsonValue;
    const expiresAt = new Date(Date.now() + this.o.expiryMs);
    const ids: bigint[] = [];
    // Sorted, so two enqueues take the lane locks in the same order (no deadlock).
    for (const chat of [...targets].sort((a, b) => a.name.localeCompare(b.name))) {
      await this.o.db.$transaction(async (tx) => {
        // One enqueue per lane at a time: ids then commit in lane order, which the claim relies on.
        await lockLane(tx, chat.name, lane);
        const row = await tx.chatDelivery.create({ data: { notificationId, platform: chat.name, lane, payload, expiresAt }, select: { id: true } });
        ids.push(row.id);
        await refreshFeed(tx, notificationId, chat.name);
      });
    }
    return ids;
  }

  /** The inline first attempt: waits (briefly) for the lane's earlier notices, then sends once. */
  private async tryInline(id: bigint): Promise<void> {
    const deadline = Date.now() + this.inlineWaitMs;
    for (let wait = 20; Date.now() < deadline; wait = Math.min(wait * 2, 250)) {
      const [row] = await this.claim(id);
      if (row) {
        await this.send(row);
        return;
      }
      const mine = await this.o.db.chatDelivery.findUnique({ where: { id }, select: { status: true, platform: true, lane: true, attempts: true } });
      // Finished, or tried once already (by a loop that took it): nothing to do here.
      if (!mine || (mine.status !== 'pending' && mine.status !== 'sending') || mine.attempts > 0) return;
      // A loop is sending it right now: wait for that first attempt's outcome, as if it were ours.
      if (mine.status === 'sending') {
        await new Promise((r) => setTimeout(r, wait));
        continue;
      }
      const head = await this.o.db.chatDelivery.findFirst({
        where: { platform: mine.platform, lane: mine.lane, status: { in: ['pending', 'sending'] } },
        orderBy: { id: 'asc' },
        select: { status: true, nextAttemptAt: true },
      });
      // An earlier notice of the lane waits for its retry (the platform is failing): the loop sends both, in order.
      if (head?.status === 'pending' && head.nextAttemptAt.getTime() > Date.now()) return;
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /**
   * Claims due deliveries (or the one given): pending and due, or sending with an expired
   * lease, and the oldest unfinished of their lane, so a parent message always goes
   * before its repeats and thread replies, on whichever worker.
   */
  private async claim(only?: bigint): Promise<Row[]> {
    const platforms = [...this.chats.keys()];
    const filter = only === undefined ? Prisma.empty : Prisma.sql`AND c."id" = ${only}`;
    return this.o.db.$queryRaw<Row[]>`
      WITH picked AS (
        SELECT c."id" FROM "ChatDelivery" c
        WHERE c."platform" IN (${Prisma.join(platforms)}) ${filter}
          AND ((c."status" = 'pending' AND c."nextAttemptAt" <= now()) OR (c."status" = 'sending' AND c."leaseUntil" < now()))
          AND NOT EXISTS (
            SELECT 1 FROM "ChatDelivery" o
            WHERE o."platform" = c."platform" AND o."lane" = c."lane" AND o."id" < c."id" AND o."status" IN ('pending', 'sending'))
        ORDER BY c."id"
        LIMIT ${this.o.batchSize ?? 20}
        FOR UPDATE SKIP LOCKED)
      UPDATE "ChatDelivery" d
      SET "status" = 'sending', "leaseUntil" = now() + make_interval(secs => ${this.leaseMs / 1000}), "updatedAt" = now()
      FROM picked WHERE d."id" = picked."id"
      RETURNING d."id", d."notificationId", d."platform", d."lane", d."payload", d."attempts"`;
  }

  /** Sends one claimed delivery and records the outcome. false: a retryable failure (the platform is struggling). */
  private async send(row: Row): Promise<boolean> {
    const chat = this.chats.get(row.platform)!;
    const n = row.payload as unknown as NotificationInput;
    const log = this.o.log.child({ delivery: String(row.id), platform: row.platform, workflowId: n.workflowId, kind: n.kind });
    let result: Delivery | void;
    try {
      result = await chat.notify(n);
    } catch (err) {
      const f: DeliveryFailure = chat.failure?.(err) ?? { retry: true, reason: errorText(err) };
      const status = await this.recordFailure(row, f);
      if (status === 'failed') log.error({ attempts: row.attempts + 1, error: f.reason }, 'chat outbox: notice not delivered, giving up');
      else log.warn({ attempts: row.attempts + 1, error: f.reason }, 'chat outbox: notice not delivered yet, will retry');
      return !f.retry;
    }
    const status = result?.status === 'fallback' ? 'fallback' : 'delivered';
    await this.o.db.$executeRaw`
      UPDATE "ChatDelivery" SET "status" = ${status}, "attempts" = "attempts" + 1, "deliveredAt" = now(), "leaseUntil" = NULL,
        "lastError" = ${result?.error ?? null}, "detail" = ${result?.detail ?? null}, "updatedAt" = now()
      WHERE "id" = ${row.id}`;
    await this.refresh(row);
    if (row.attempts > 0) log.info({ attempts: row.attempts + 1 }, 'chat outbox: notice delivered after retrying');
    // The platform answers again: whatever waits for it is due now (in order), not at its backoff time.
    const woken = await this.o.db.$executeRaw`
      UPDATE "ChatDelivery" SET "nextAttemptAt" = now(), "updatedAt" = now()
      WHERE "platform" = ${row.platform} AND "status" = 'pending' AND "nextAttemptAt" > now()`;
    if (woken > 0) this.wake?.();
    return true;
  }

  /** Schedules the retry (backoff with jitter, never before Retry-After, never after expiry) or marks it failed. */
  private async recordFailure(row: Row, f: DeliveryFailure): Promise<string> {
    const attempts = row.attempts + 1;
    const backoff = Math.min(this.o.maxIntervalMs, this.minIntervalMs * 2 ** (attempts - 1));
    // "Equal jitter": half fixed, half random, so workers retrying together spread out.
    const jittered = backoff / 2 + Math.random() * (backoff / 2);
    const delayMs = f.retryAfterMs !== undefined ? f.retryAfterMs + Math.random() * Math.min(1000, f.retryAfterMs * 0.1) : jittered;
    const [r] = await this.o.db.$queryRaw<{ status: string }[]>`
      UPDATE "ChatDelivery" SET
        "attempts" = ${attempts}, "leaseUntil" = NULL, "updatedAt" = now(),
        "lastError" = CASE WHEN ${f.retry} AND now() >= "expiresAt"
          THEN ${`expired after ${attempts} attempt${attempts === 1 ? '' : 's'} (CHAT_DELIVERY_EXPIRY): `} || ${f.reason.slice(0, 1000)}
          ELSE ${f.reason.slice(0, 1000)} END,
        "status" = CASE WHEN ${!f.retry} OR now() >= "expiresAt" THEN 'failed' ELSE 'pending' END,
        "nextAttemptAt" = LEAST(now() + make_interval(secs => ${delayMs / 1000}), "expiresAt")
      WHERE "id" = ${row.id}
      RETURNING "status"`;
    await this.refresh(row);
    return r?.status ?? 'failed';
  }

  private async release(rows: Row[]): Promise<void> {
    if (!rows.length) return;
    await this.o.db.$executeRaw`
      UPDATE "ChatDelivery" SET "status" = 'pending', "leaseUntil" = NULL, "updatedAt" = now()
      WHERE "id" IN (${Prisma.join(rows.map((r) => r.id))}) AND "status" = 'sending'`;
  }

  /** A platform no longer configured anywhere would never send its rows: they fail at expiry, visibly. */
  private async expireUnserved(): Promise<void> {
    const rows = await this.o.db.$queryRaw<Row[]>`
      UPDATE "ChatDelivery" SET "status" = 'failed', "updatedAt" = now(),
        "lastError" = COALESCE("lastError" || '; ', '') || 'expired: no worker has this chat platform configured'
      WHERE "status" = 'pending' AND "expiresAt" < now() - interval '1 minute' AND "platform" NOT IN (${Prisma.join([...this.chats.keys()])})
      RETURNING "id", "notificationId", "platform", "lane"`;
    for (const r of rows) await this.refresh(r);
  }

  private refresh(row: Pick<Row, 'notificationId' | 'platform' | 'lane'>): Promise<void> {
    return this.o.db.$transaction(async (tx) => {
      await lockLane(tx, row.platform, row.lane);
      await refreshFeed(tx, row.notificationId, row.platform);
    });
  }
}

type Tx = Prisma.TransactionClient;

const lockLane = (tx: Tx, platform: string, lane: string) =>
  tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`chat-outbox:${platform}:${lane}`}, 0))`;

/**
 * Writes a platform's state into the Notification row's `deliveries` (what the feed and the
 * console show): pending while any of its deliveries is unfinished (with that one's attempts,
 * next attempt and last error), else the latest one's outcome. Called under the lane's lock.
 */
async function refreshFeed(tx: Tx, notificationId: string, platform: string): Promise<void> {
  const rows = await tx.chatDelivery.findMany({ where: { notificationId, platform }, orderBy: { id: 'asc' } });
  if (!rows.length) return;
  const open = rows.find((r) => !FINAL.includes(r.status));
  const last = rows[rows.length - 1];
  const earlierFailures = rows.filter((r) => r.status === 'failed' && r !== last).length;
  const d: Delivery = open
    ? {
        channel: platform,
        status: 'pending',
        at: open.createdAt.toISOString(),
        attempts: open.attempts,
        nextAttemptAt: open.nextAttemptAt.toISOString(),
        ...(open.lastError ? { lastError: open.lastError } : {}),
      }
    : {
        channel: platform,
        status: last.status as Delivery['status'],
        at: (last.deliveredAt ?? last.updatedAt).toISOString(),
        attempts: last.attempts,
        ...(last.lastError ? { error: last.lastError } : {}),
        ...(last.detail || earlierFailures
          ? { detail: [last.detail, earlierFailures ? `${earlierFailures} earlier notice(s) of this thread not delivered` : ''].filter(Boolean).join('; ') }
          : {}),
      };
  await tx.$executeRaw`
    UPDATE "Notification" SET "deliveries" = jsonb_set(COALESCE("deliveries", '{}'::jsonb), ARRAY[${platform}]::text[], ${JSON.stringify(d)}::jsonb, true),
      "updatedAt" = now()
    WHERE "id" = ${notificationId}`;
}

/**
 * The chat adapters configured in `config`, set up for the outbox: their dedupe maps and
 * uploaded file ids in PostgreSQL, and rate limits and 5xx answers handed to the outbox
 * (which retries durably) instead of being waited out inside the call.
 */
export function chatNotifiers(config: Config, db: Db, media?: MediaSource): Notifier[] {
  const threads = databaseThreadStore(db);
  const chats: Notifier[] = [];
  const discord = DiscordNotifier.fromConfig(config, {
    temporalUiUrl: config.TEMPORAL_UI_URL,
    media,
    log: createLogger('discord-notifier', config.LOG_LEVEL),
    threads,
    callerRetries: true,
  });
  if (discord) chats.push(discord);
  if (config.SLACK_BOT_TOKEN)
    chats.push(
      new SlackNotifier({
        config,
        media,
        log: createLogger('slack-notifier', config.LOG_LEVEL),
        threads,
        rejectRateLimitedCalls: true,
        retryConfig: { retries: 0 },
      }),
    );
  return chats;
}

/** The outbox for the chat platforms in `config` (not started), or undefined when none is configured. */
export function createChatOutbox(
  config: Config,
  db: Db,
  media?: MediaSource,
  log: Logger = createLogger('chat-outbox', config.LOG_LEVEL),
  options: Partial<ChatOutboxOptions> = {},
): ChatOutbox | undefined {
  const chats = options.chats ?? chatNotifiers(config, db, media);
  if (!chats.length) return undefined;
  return new ChatOutbox({ db, chats, log, expiryMs: config.CHAT_DELIVERY_EXPIRY, maxIntervalMs: config.CHAT_RETRY_MAX_INTERVAL, ...options });
}

/** Starts the delivery loop where chat notifiers exist (every orchestration worker may run one); undefined without chat. */
export function startChatOutbox(config: Config, db: Db, log: Logger, media?: MediaSource, options: Partial<ChatOutboxOptions> = {}): ChatOutbox | undefined {
  return createChatOutbox(config, db, media, log.child({ component: 'chat-outbox' }), options)?.start();
}
