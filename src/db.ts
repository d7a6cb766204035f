import { PrismaClient } from '@prisma/client';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';

export type Db = PrismaClient;

/** The pg pool under each client createDb made (see bulkPool). */
const pools = new WeakMap<Db, pg.Pool>();

/**
 * The Prisma client over the pg driver adapter (no engine binaries: runs offline).
 * A short connect timeout makes an unreachable database fail fast with a clear
 * error (mapped to 503 by the API) instead of hanging a request.
 */
export function createDb(databaseUrl: string, opts: { max?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, connectionTimeoutMillis: 3000, max: opts.max ?? 10 });
  // An idle connection the server dropped (a restart) surfaces as an error on the next query; not a crash.
  pool.on('error', () => undefined);
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(db, pool);
  return db;
}

/**
 * The pg pool under a client from createDb, for the few bulk statements whose parameter is
 * megabytes (a catalog batch as JSON): Prisma's query compiler copies and parses every
 * parameter first, about a tenth of a second per megabyte, longer than the statement itself.
 * Undefined for another client or after $disconnect; callers then go through Prisma.
 */
export function bulkPool(db: Db): pg.Pool | undefined {
  const pool = pools.get(db);
  return pool && !pool.ended ? pool : undefined;
}

/** True for errors that mean "the database is not reachable" rather than "the query was wrong". */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string; name?: string; cause?: unknown } | undefined;
  if (!e) return false;
  const text = `${e.name ?? ''} ${e.code ?? ''} ${e.message ?? ''}`;
  if (
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|Connection terminated|connection timeout|timeout exceeded when trying to connect|Can't reach database|DatabaseNotReachable|P1001|P1002|P1017|the database system is (starting up|shutting down)|terminating connection/i.test(
      text,
    )
  )
    return true;
  return e.cause !== undefined && e.cause !== err ? isDatabaseUnavailable(e.cause) : false;
}
