import { createHash } from 'node:crypto';
import type { Db } from '../../db.js';

/**
 * Which Slack requests were already taken in hand. Slack retries a request it got no
 * timely answer for (X-Slack-Retry-Num); a retry is dropped only when the first
 * delivery is recorded as handled (or is being handled right now). A retry of a
 * delivery that never reached us, or whose handler died without finishing, is
 * processed, once.
 */
export interface SlackDeliveryLedger {
  /** true: process this request now (first delivery, or a retry nobody is handling). */
  claim(key: string): Promise<boolean>;
  /** The request's work is done: later retries are dropped. */
  handled(key: string): Promise<void>;
  /** The work failed before it could take effect: a retry may process it again. */
  release(key: string): Promise<void>;
}

/** A retry is the same signed body: the key is its hash. */
export const deliveryKey = (rawBody: string): string => createHash('sha256').update(rawBody).digest('hex');

/** How long a claimed delivery may stay unfinished before a retry takes it over (its handler died). */
const STALE_MS = 60_000;

/** Kept in PostgreSQL, so that it holds across restarts and several API processes. */
export function databaseDeliveryLedger(db: Db, staleMs = STALE_MS): SlackDeliveryLedger {
  return {
    async claim(key) {
      const inserted =
        await db.$executeRaw`INSERT INTO "SlackDelivery" ("key", "state", "claimedAt") VALUES (${key}, 'processing', now()) ON CONFLICT ("key") DO NOTHING`;
      if (inserted === 1) {
        if (Math.random() < 0.01) void db.slackDelivery.deleteMany({ where: { claimedAt: { lt: new Date(Date.now() - 86_400_000) } } }).catch(() => undefined);
        return true;
      }
      // Taken over only if still unfinished and stale, by one claimer (compare-and-set on claimedAt).
      const taken =
        await db.$executeRaw`UPDATE "SlackDelivery" SET "claimedAt" = now() WHERE "key" = ${key} AND "state" = 'processing' AND "claimedAt" < now() - make_interval(secs => ${staleMs / 1000})`;
      return taken === 1;
    },
    async handled(key) {
      await db.slackDelivery.update({ where: { key }, data: { state: 'handled', handledAt: new Date() } });
    },
    async release(key) {
      await db.slackDelivery.deleteMany({ where: { key, state: 'processing' } });
    },
  };
}

/** For a Slack app without a database (tests of the app alone): the same rules, in memory. */
export function memoryDeliveryLedger(staleMs = STALE_MS): SlackDeliveryLedger {
  const rows = new Map<string, { state: 'processing' | 'handled'; at: number }>();
  return {
    async claim(key) {
      const row = rows.get(key);
      if (row && (row.state === 'handled' || Date.now() - row.at < staleMs)) return false;
      rows.set(key, { state: 'processing', at: Date.now() });
      if (rows.size > 10_000) rows.delete(rows.keys().next().value as string);
      return true;
    },
    async handled(key) {
      rows.set(key, { state: 'handled', at: Date.now() });
    },
    async release(key) {
      if (rows.get(key)?.state === 'processing') rows.delete(key);
    },
  };
}
