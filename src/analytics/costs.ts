/**
 * The cost ledger: what producing content cost, one CostEntry per rendered video,
 * paid API call or other expense. Analytics sums it per product to compute ROI.
 *
 * Every entry carries a caller-chosen unique `key` (e.g. `video:<videoId>:render`
 * or `openai:<requestId>`), so recording the same cost twice (an activity retry,
 * a replayed workflow) stores it once: the second call is a no-op.
 */
import type { Db } from '../db.js';

export type CostKind = 'VIDEO' | 'API_CALL' | 'OTHER';
const KINDS: readonly CostKind[] = ['VIDEO', 'API_CALL', 'OTHER'];

export interface CostInput {
  /** Idempotency key: one entry per key, ever. */
  key: string;
  kind: CostKind;
  productId?: string | null;
  videoId?: string | null;
  /** Who charged it: "ffmpeg-local", "openai", "elevenlabs", … */
  provider?: string | null;
  /** In the account currency (USD), up to 4 decimals (more are rounded). A refund may be negative. */
  amount: number;
  /** When the cost was incurred (default: now). */
  at?: Date;
}

/** Decimal(12,4). */
const MAX_AMOUNT = 1e8;

function validate(entry: CostInput): void {
  if (typeof entry.key !== 'string' || entry.key.trim() === '') throw new TypeError('recordCost: key must be a non-empty string');
  if (!KINDS.includes(entry.kind)) throw new TypeError(`recordCost: kind must be one of ${KINDS.join(', ')}, got ${String(entry.kind)}`);
  if (typeof entry.amount !== 'number' || !Number.isFinite(entry.amount) || Math.abs(entry.amount) >= MAX_AMOUNT) {
    throw new TypeError(`recordCost: amount must be a finite number below ${MAX_AMOUNT}, got ${String(entry.amount)} (key ${entry.key})`);
  }
  if (entry.at !== undefined && !(entry.at instanceof Date && Number.isFinite(entry.at.getTime()))) {
    throw new TypeError(`recordCost: at must be a valid Date (key ${entry.key})`);
  }
}

/**
 * Records several costs in one statement. Entries whose key is already stored
 * (or repeated in `entries`: the first wins) are skipped. Returns how many were new.
 */
export async function recordCosts(db: Db, entries: CostInput[]): Promise<{ created: number }> {
  entries.forEach(validate);
  if (entries.length === 0) return { created: 0 };
  const { count } = await db.costEntry.createMany({
    data: entries.map((e) => ({
      key: e.key,
      kind: e.kind,
      productId: e.productId ?? null,
      videoId: e.videoId ?? null,
      provider: e.provider ?? null,
      // A string keeps the decimal exact; toFixed(4) rounds float noise such as 0.1 + 0.2.
      amount: e.amount.toFixed(4),
      at: e.at ?? new Date(),
    })),
    skipDuplicates: true,
  });
  return { created: count };
}

/** Records one cost; a second call with the same key changes nothing. `created` says whether this call stored it. */
export async function recordCost(db: Db, entry: CostInput): Promise<{ created: boolean }> {
  const { created } = await recordCosts(db, [entry]);
  return { created: created === 1 };
}
