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
 * - skipped: the platform has no channel for this kind;
 * - pending: in the chat outbox, not delivered yet: `attempts` so far, `nextAttemptAt`,
 *   and `lastError` (what the last attempt got).
 * `detail` notes a partial problem (e.g. the video could not be attached).
 */
export interface Delivery {
  channel: string;
  status: 'delivered' | 'fallback' | 'failed' | 'skipped' | 'pending';
  error?: string;
  detail?: string;
  at?: string;
  attempts?: number;
  nextAttemptAt?: string;
  lastError?: string;
}

/** What a chat adapter makes of a failed notify(): retry later (after `retryAfterMs` at least), or give up. */
export interface DeliveryFailure {
  retry: boolean;
  retryAfterMs?: number;
  reason: string;
}

/**
 * The notifier port. Called from workflows through an activity, so a
 * notification is durable: it survives worker crashes and is retried.
 */
export interface Notifier {
  readonly name: string;
  notify(n: NotificationInput): Promise<Delivery | void>;
  /** false: this adapter has nowhere to post this kind (no channel configured); nothing to deliver. */
  accepts?(n: NotificationInput): boolean;
  /** Classifies an error thrown by notify() for the chat outbox (default: retry). */
  failure?(err: unknown): DeliveryFailure;
}

/**
 * The offline default: a feed in the database, listed at GET /orchestrator/notifications.
 * With chat platforms configured, the chat outbox (src/chatops/outbox.ts) stores here and
 * records each platform's delivery state on the row (`deliveries`).
 */
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
}

/** A platform error as one line: its message, without stack or secrets. */
export function errorText(err: unknown): string {
  const e = err as { message?: string; data?: { error?: string; errors?: string[] } };
  const platform = e?.data?.error ? `${e.data.error}${e.data.errors?.length ? ` (${e.data.errors.join('; ')})` : ''}` : undefined;
  return (platform ?? e?.message ?? String(err)).split('\n')[0].slice(0, 500);
}
