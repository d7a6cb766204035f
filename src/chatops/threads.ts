// Which chat message belongs to which dedupe key, and which uploaded file to which media key:
// what the Slack and Discord notifiers need to update an earlier message instead of posting a
// new one. Kept in PostgreSQL in production (it survives restarts and is shared by every worker);
// in memory for a notifier used without a database.
import type { Db } from '../db.js';

export type ChatPlatform = 'slack' | 'discord';

/** The message posted for a dedupe key: Slack's channel + ts, Discord's channel + message id. */
export interface ChatThreadRef {
  channel: string;
  messageId: string;
  /** How many times the notice was delivered (the "Seen N times" count). */
  count: number;
}

export interface ChatThreadStore {
  thread(platform: ChatPlatform, dedupeKey: string): Promise<ChatThreadRef | undefined>;
  saveThread(platform: ChatPlatform, dedupeKey: string, ref: ChatThreadRef): Promise<void>;
  /** The platform's file id of an earlier upload of this media key. */
  upload(platform: ChatPlatform, mediaKey: string): Promise<string | undefined>;
  saveUpload(platform: ChatPlatform, mediaKey: string, fileId: string): Promise<void>;
}

/** Rows older than this are deleted now and then: nobody repeats a notice a month later. */
const KEEP_MS = 30 * 86_400_000;

export function databaseThreadStore(db: Db): ChatThreadStore {
  const prune = () => {
    if (Math.random() >= 0.01) return;
    const before = new Date(Date.now() - KEEP_MS);
    void db.chatThread.deleteMany({ where: { updatedAt: { lt: before } } }).catch(() => undefined);
    void db.chatUpload.deleteMany({ where: { createdAt: { lt: before } } }).catch(() => undefined);
  };
  return {
    async thread(platform, dedupeKey) {
      const row = await db.chatThread.findUnique({ where: { platform_dedupeKey: { platform, dedupeKey } } });
      return row ? { channel: row.channel, messageId: row.messageId, count: row.count } : undefined;
    },
    async saveThread(platform, dedupeKey, ref) {
      prune();
      await db.chatThread.upsert({
        where: { platform_dedupeKey: { platform, dedupeKey } },
        create: { platform, dedupeKey, ...ref },
        update: ref,
      });
    },
    async upload(platform, mediaKey) {
      return (await db.chatUpload.findUnique({ where: { platform_mediaKey: { platform, mediaKey } } }))?.fileId;
    },
    async saveUpload(platform, mediaKey, fileId) {
      await db.chatUpload.upsert({ where: { platform_mediaKey: { platform, mediaKey } }, create: { platform, mediaKey, fileId }, update: { fileId } });
    },
  };
}

/** For a notifier without a database (a one-off script, a test of the notifier alone): process-local. */
export function memoryThreadStore(limit = 500): ChatThreadStore {
  const threads = new Map<string, ChatThreadRef>();
  const uploads = new Map<string, string>();
  const put = <T>(m: Map<string, T>, k: string, v: T) => {
    m.delete(k);
    m.set(k, v);
    if (m.size > limit) m.delete(m.keys().next().value as string);
  };
  return {
    thread: async (p, k) => {
      const t = threads.get(`${p}:${k}`);
      return t && { ...t };
    },
    saveThread: async (p, k, ref) => put(threads, `${p}:${k}`, { ...ref }),
    upload: async (p, k) => uploads.get(`${p}:${k}`),
    saveUpload: async (p, k, id) => put(uploads, `${p}:${k}`, id),
  };
}
