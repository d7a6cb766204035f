import { PrismaClient } from '@prisma/client';
import { PrismaPg } from '@prisma/adapter-pg';

export type Db = PrismaClient;

/**
 * The Prisma client over the pg driver adapter (no engine binaries: runs offline).
 * A short connect timeout makes an unreachable database fail fast with a clear
 * error (mapped to 503 by the API) instead of hanging a request.
 */
export function createDb(databaseUrl: string, opts: { max?: number } = {}): Db {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    connectionTimeoutMillis: 3000,
    max: opts.max ?? 10,
  });
  return new PrismaClient({ adapter });
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
