import type { FastifyRequest } from 'fastify';
import type { Db } from '../db.js';
import { HttpError } from './errors.js';
import { isDatabaseUnavailable } from '../db.js';

/**
 * API calls that change something are audited like chat commands: the row is
 * written BEFORE the action, with the caller's identity from authentication
 * (api:token, api:loopback, console), never a name the caller chooses. If the row
 * cannot be written, the action is not done (503).
 */
export async function auditApiStart(db: Db, req: FastifyRequest, action: string, args: unknown, workflowId?: string): Promise<string> {
  try {
    const row = await db.auditEvent.create({
      data: { actor: req.caller ?? 'api', platform: 'api', action, arguments: (args ?? {}) as object, outcome: 'started', workflowId, target: req.ip },
      select: { id: true },
    });
    return row.id;
  } catch (err) {
    req.log.error({ err: (err as Error).message, action }, 'audit row could not be written; the call was refused');
    if (isDatabaseUnavailable(err)) throw err; // answered as 503 database_unavailable, which says the same and how to fix it
    throw new HttpError(
      503,
      'audit_unavailable',
      'This call could not be recorded in the audit log, so nothing was done. Check that the database is up (GET /orchestrator/health) and retry.',
    );
  }
}

export async function auditApiEnd(db: Db, req: FastifyRequest, id: string, outcome: string, startedMs: number): Promise<void> {
  await db.auditEvent
    .update({ where: { id }, data: { outcome, latencyMs: Date.now() - startedMs } })
    .catch((err: Error) => req.log.error({ err: err.message, id }, 'audit outcome could not be recorded'));
}

/** Runs `fn` between an audit row written first and its outcome written after. */
export async function audited<T>(
  db: Db,
  req: FastifyRequest,
  action: string,
  args: unknown,
  workflowId: string | undefined,
  fn: () => Promise<T>,
  outcomeOf: (r: T) => string = () => 'ok',
): Promise<T> {
  const started = Date.now();
  const id = await auditApiStart(db, req, action, args, workflowId);
  try {
    const r = await fn();
    await auditApiEnd(db, req, id, outcomeOf(r), started);
    return r;
  } catch (err) {
    await auditApiEnd(db, req, id, `error: ${(err as Error).message?.split('\n')[0].slice(0, 200)}`, started);
    throw err;
  }
}
