import type { Prisma } from '@prisma/client';
import type { Db } from '../../db.js';

export type NotificationKind =
  'workflow_failed' | 'provider_alert' | 'approval_requested' | 'approval_decided' | 'run_started' | 'run_finished' | 'run_progress' | 'weekly_report';

export interface NotificationInput {
  kind: NotificationKind;
  level: 'INFO' | 'WARNING' | 'ERROR';
  title: string;
  message: string;
  workflowId?: string;
  data?: Record<string, unknown>;
  /** Same key → the existing notification is updated and its count raised, not re-posted. */
  dedupeKey?: string;
}

/**
 * What became of one notification on one channel (Slack, Discord):
 * - delivered: the message as designed;
 * - fallback: the platform refused the designed message (`error` says why) and a
 *   plain-text version with the essentials (and the buttons) was posted instead;
 * - failed: nothing reached the platform (`error` says why);
 * - skipped: the platform has no channel for this kind.
 * `detail` notes a partial problem (e.g. the video could not be attached).
 */
export interface Delivery {
  channel: string;
  status: 'delivered' | 'fallback' | 'failed' | 'skipped';
  error?: string;
  detail?: string;
  at?: string;
}

/**
 * The notifier port. Called from workflows through an activity, so a
 * notification is durable: it survives worker crashes and is retried.
 */
export interface Notifier {
  readonly name: string;
  notify(n: NotificationInput): Promise<Delivery | void>;
}

/** The offline default: a feed in the database, listed at GET /orchestrator/notifications. */
export class DatabaseFeedNotifier implements Notifier {
  readonly name = 'feed';
  constructor(private readonly db: Db) {}

  async notify(n: NotificationInput): Promise<Delivery> {
    await this.store(n);
    return { channel: 'feed', status: 'delivered' };
  }

  /** Stores the notification; returns its row id. */
  async store(n: NotificationInput): Promise<string> {
    const data = (n.data ?? undefined) as Prisma.InputJsonValue | undefined;
    if (!n.dedupeKey) {
      return (
        await this.db.notification.create({
          data: { kind: n.kind, level: n.level, title: n.title, message: n.message, workflowId: n.workflowId, data },
          select: { id: true },
        })
      ).id;
    }
    const row = await this.db.notification.upsert({
      where: { dedupeKey: n.dedupeKey },
      create: { kind: n.kind, level: n.level, title: n.title, message: n.message, workflowId: n.workflowId, data, dedupeKey: n.dedupeKey },
      update: { title: n.title, message: n.message, data, level: n.level, count: { increment: 1 } },
      select: { id: true },
    });
    return row.id;
  }

  /** Records what each chat platform made of the notification (shown in the feed). */
  async recordDeliveries(id: string, deliveries: Delivery[]): Promise<void> {
    if (!deliveries.length) return;
    const row = await this.db.notification.findUnique({ where: { id }, select: { deliveries: true } });
    const merged = { ...((row?.deliveries as Record<string, Delivery> | null) ?? {}) };
    for (const d of deliveries) merged[d.channel] = d;
    await this.db.notification.update({ where: { id }, data: { deliveries: merged as unknown as Prisma.InputJsonValue } });
  }
}

/**
 * The feed plus each chat platform. The feed is written first; then every
 * platform is tried, one failing does not stop the others, and what each made of
 * the notification (delivered, fallback, failed) is recorded on the feed's row,
 * so GET /orchestrator/notifications shows a message that a platform refused.
 * It throws only when the feed itself cannot be written.
 */
export class FanOutNotifier implements Notifier {
  readonly name: string;
  constructor(
    private readonly feed: DatabaseFeedNotifier,
    private readonly chats: Notifier[],
  ) {
    this.name = ['feed', ...chats.map((n) => n.name)].join('+');
  }
  async notify(n: NotificationInput): Promise<Delivery> {
    const id = await this.feed.store(n);
    const at = new Date().toISOString();
    const results = await Promise.allSettled(this.chats.map((x) => x.notify(n)));
    const deliveries = results.map((r, i): Delivery => {
      if (r.status === 'rejected') return { channel: this.chats[i].name, status: 'failed', error: errorText(r.reason), at };
      return { channel: this.chats[i].name, status: 'delivered', ...(r.value ?? {}), at };
    });
    await this.feed.recordDeliveries(
      id,
      deliveries.filter((d) => d.status !== 'skipped'),
    );
    return { channel: 'feed', status: 'delivered' };
  }
}

/** A platform error as one line: its message, without stack or secrets. */
export function errorText(err: unknown): string {
  const e = err as { message?: string; data?: { error?: string; errors?: string[] } };
  const platform = e?.data?.error ? `${e.data.error}${e.data.errors?.length ? ` (${e.data.errors.join('; ')})` : ''}` : undefined;
  return (platform ?? e?.message ?? String(err)).split('\n')[0].slice(0, 500);
}
