import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { limitParam, parse } from '../params.js';
import { PLATFORMS, parsePlatformList } from '../../domain/platforms.js';
import type { Db } from '../../db.js';
import type { Orchestrator } from '../../temporal/client.js';
import { listSchedules } from '../../temporal/schedules.js';
import { HttpError } from '../errors.js';
import { audited } from '../audit.js';

const platformList = z.union([z.array(z.string()), z.string()]).transform((v, ctx) => {
  const r = parsePlatformList(v);
  if (r.ok) return r.platforms;
  ctx.addIssue({
    code: 'custom',
    message: r.bad ? `"${r.bad}" is not a platform; use any of ${PLATFORMS.join(', ')} (any case)` : `must list at least one of ${PLATFORMS.join(', ')}`,
  });
  return z.NEVER;
});

export const startDailyBody = z
  .object({
    maxProducts: z
      .number({ error: 'must be a whole number from 1 to 100' })
      .int('must be a whole number from 1 to 100')
      .min(1, 'must be at least 1')
      .max(100, 'must be at most 100')
      .optional(),
    platforms: platformList.optional(),
    autoApprove: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .strict();

const workflowIdParam = z.object({
  workflowId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/, 'must be a workflow id such as daily-2026-11-27 (letters, digits, . _ : -)'),
});

export const approvalBody = z
  .object({
    videoId: z.string({ error: 'is required: the id of the video to decide on' }).min(1, 'is required').max(100),
    decision: z.enum(['approve', 'reject'], { error: 'must be "approve" or "reject"' }),
    by: z.string({ error: 'must be a string naming who decides' }).trim().min(1, 'must not be empty').max(200).optional(),
    reason: z.string({ error: 'must be a string' }).max(1000, 'must be at most 1000 characters').optional(),
  })
  .strict();

const notificationsQuery = z
  .object({
    limit: limitParam,
    workflowId: z.string().max(200).optional(),
    kind: z.string().max(50).optional(),
  })
  .strict();

const logsQuery = z
  .object({
    limit: limitParam,
    workflowId: z.string().max(200).optional(),
  })
  .strict();

export function orchestratorRoutes(app: FastifyInstance, deps: { orchestrator: Orchestrator; db: Db; publicBaseUrl: string }) {
  const { orchestrator, db, publicBaseUrl } = deps;

  app.post('/orchestrator/daily-loop/start', async (req, reply) => {
    if (req.body !== undefined && (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body))) {
      throw new HttpError(400, 'invalid_request', 'The body must be a JSON object such as {"maxProducts": 5, "platforms": ["youtube"]}.');
    }
    const body = parse(startDailyBody, req.body);
    // autoApprove skips the approval gate: the caller has the right to approve (the token, or the loopback owner), and it is audited.
    const started = await audited(
      db,
      req,
      'POST /orchestrator/daily-loop/start',
      body,
      undefined,
      () => orchestrator.startDailyLoop({ ...body, startedBy: req.caller ?? 'api' }),
      (r) => r.status,
    );
    req.log.info({ workflowId: started.workflowId, status: started.status }, 'daily loop start requested');
    return reply.status(started.status === 'started' ? 201 : 200).send(started);
  });

  app.get('/orchestrator/daily-loop/status/:workflowId', async (req) => {
    const { workflowId } = parse(workflowIdParam, req.params);
    const view = await orchestrator.status(workflowId);
    if (view.approvals?.length) {
      // What an operator needs to decide: the title and a link to watch the video.
      const videos = await db.video.findMany({ where: { id: { in: view.approvals.map((a) => a.videoId) } }, include: { content: true } });
      const byId = new Map(videos.map((v) => [v.id, v]));
      view.approvals = view.approvals.map((a) => {
        const v = byId.get(a.videoId);
        return v
          ? {
              ...a,
              title: v.content.title,
              videoUrl: v.videoPath ? `${publicBaseUrl}/media/${v.videoPath}` : null,
              thumbnailUrl: v.thumbnailPath ? `${publicBaseUrl}/media/${v.thumbnailPath}` : null,
            }
          : a;
      });
    }
    return view;
  });

  app.post('/orchestrator/daily-loop/cancel/:workflowId', async (req, reply) => {
    const { workflowId } = parse(workflowIdParam, req.params);
    const r = await audited(
      db,
      req,
      'POST /orchestrator/daily-loop/cancel',
      { workflowId },
      workflowId,
      () => orchestrator.cancel(workflowId),
      (x) => x.status,
    );
    req.log.info({ workflowId, status: r.status }, 'cancel requested');
    return reply.status(r.status === 'cancel-requested' ? 202 : 200).send(r);
  });

  app.post('/orchestrator/daily-loop/:workflowId/approval', async (req, reply) => {
    const { workflowId } = parse(workflowIdParam, req.params);
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      throw new HttpError(400, 'invalid_request', 'The body must be a JSON object such as {"videoId": "…", "decision": "approve", "by": "alice"}.');
    }
    const body = parse(approvalBody, req.body);
    // Who decides is the authenticated caller; a `by` in the body is only a label stored beside it.
    const r = await audited(
      db,
      req,
      'POST /orchestrator/daily-loop/approval',
      body,
      workflowId,
      () =>
        orchestrator.sendApproval(workflowId, {
          videoId: body.videoId,
          decision: body.decision,
          by: req.caller ?? 'api',
          ...(body.by ? { byName: body.by } : {}),
          reason: body.reason,
          source: 'api',
        }),
      (x) => (x.effective ? 'applied' : 'ignored: already decided'),
    );
    req.log.info({ workflowId, videoId: body.videoId, decision: body.decision, effective: r.effective }, 'approval sent');
    if (!r.effective) {
      return reply.status(409).send({
        error: {
          code: 'already_decided',
          message: `Video ${body.videoId} was already ${r.state.state} by ${r.state.byName ?? r.state.by} at ${r.state.at}; this decision was recorded and ignored.`,
        },
        state: r.state,
      });
    }
    return r;
  });

  app.post('/orchestrator/weekly-optimization/start', async (req, reply) => {
    if (req.body !== undefined && (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body))) {
      throw new HttpError(400, 'invalid_request', 'The body must be a JSON object (or empty).');
    }
    parse(z.object({}).strict(), req.body);
    const started = await audited(
      db,
      req,
      'POST /orchestrator/weekly-optimization/start',
      {},
      undefined,
      () => orchestrator.startWeeklyOptimization({ startedBy: req.caller ?? 'api' }),
      (r) => r.status,
    );
    return reply.status(started.status === 'started' ? 201 : 200).send(started);
  });

  app.get('/orchestrator/reports', async (req) => {
    const q = parse(z.object({ limit: limitParam }).strict(), req.query);
    const reports = await db.report.findMany({ orderBy: { createdAt: 'desc' }, take: q.limit ?? 20 });
    return { reports: reports.map((r) => ({ ...r, chartUrl: r.chartKey ? `${publicBaseUrl}/media/${r.chartKey}` : null })) };
  });

  app.get('/orchestrator/reports/:workflowId', async (req) => {
    const { workflowId } = parse(workflowIdParam, req.params);
    const r = await db.report.findUnique({ where: { workflowId } });
    if (!r)
      throw new HttpError(
        404,
        'report_not_found',
        `No report for ${workflowId}. Reports are made by the weekly optimization: POST /orchestrator/weekly-optimization/start.`,
        'workflowId',
      );
    return { ...r, chartUrl: r.chartKey ? `${publicBaseUrl}/media/${r.chartKey}` : null };
  });

  app.get('/orchestrator/schedules', async () => {
    return { schedules: await listSchedules(await orchestrator.client()) };
  });

  app.get('/orchestrator/notifications', async (req) => {
    const q = parse(notificationsQuery, req.query);
    const notifications = await db.notification.findMany({
      where: { ...(q.workflowId ? { workflowId: q.workflowId } : {}), ...(q.kind ? { kind: q.kind } : {}) },
      orderBy: { updatedAt: 'desc' },
      take: q.limit ?? 50,
    });
    return { notifications };
  });

  app.get('/orchestrator/workflow-logs', async (req) => {
    const q = parse(logsQuery, req.query);
    const logs = await db.workflowLog.findMany({
      where: q.workflowId ? { workflowId: q.workflowId } : undefined,
      orderBy: { startedAt: 'desc' },
      take: q.limit ?? 50,
    });
    return { logs };
  });
}
