import type { Prisma } from '@prisma/client';
import type { Db } from '../../db.js';

export type NotificationKind = 'workflow_failed' | 'approval_requested' | 'approval_decided' | 'run_started' | 'run_finished' | 'run_progress' | 'weekly_report';

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
 * The notifier port. Called from workflows through an activity, so a
 * notification is durable: it survives worker crashes and is retried.
 */
export interface Notifier {
  readonly name: string;
  notify(n: NotificationInput): Promise<void>;
}

/** The offline default: a feed in the database, listed at GET /orchestrator/notifications. */
export class DatabaseFeedNotifier implements Notifier {
  readonly name = 'feed';
  constructor(private readonly db: Db) {}

  async notify(n: NotificationInput): Promise<void> {
    const data = (n.data ?? undefined) as Prisma.InputJsonValue | undefined;
    if (!n.dedupeKey) {
      await this.db.notification.create({ data: { kind: n.kind, level: n.level, title: n.title, message: n.message, workflowId: n.workflowId, data } });
      return;
    }
    await this.db.notification.upsert({
      where: { dedupeKey: n.dedupeKey },
      create: { kind: n.kind, level: n.level, title: n.title, message: n.message, workflowId: n.workflowId, data, dedupeKey: n.dedupeKey },
      update: { title: n.title, message: n.message, data, level: n.level, count: { increment: 1 } },
    });
  }
}

/** Delivers to several notifiers (the feed plus chat platforms); one failing does not stop the others. */
export class FanOutNotifier implements Notifier {
  readonly name: string;
  constructor(private readonly notifiers: Notifier[]) {
    this.name = notifiers.map((n) => n.name).join('+');
  }
  async notify(n: NotificationInput): Promise<void> {
    const results = await Promise.allSettled(this.notifiers.map((x) => x.notify(n)));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length === this.notifiers.length && failed.length) throw failed[0].reason;
  }
}
