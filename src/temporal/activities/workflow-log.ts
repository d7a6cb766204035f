import type { Prisma } from '@prisma/client';
import type { Db } from '../../db.js';

export interface WorkflowStartRecord {
  workflowId: string;
  runId: string;
  workflowType: string;
  startedAt: string;
}

export interface WorkflowEndRecord {
  workflowId: string;
  runId: string;
  workflowType: string;
  status: 'COMPLETED' | 'FAILED' | 'CANCELLED';
  startedAt: string;
  completedAt: string;
  step?: string;
  result?: unknown;
  errorMessage?: string;
}

/**
 * WorkflowLog writes. Keyed by (workflowId, runId) and written with upserts, so an
 * activity retry or a workflow replay rewrites the same row instead of adding one.
 */
export function workflowLogActivities(db: Db) {
  return {
    async recordWorkflowStart(r: WorkflowStartRecord): Promise<void> {
      await db.workflowLog.upsert({
        where: { workflowId_runId: { workflowId: r.workflowId, runId: r.runId } },
        create: { workflowId: r.workflowId, runId: r.runId, workflowType: r.workflowType, status: 'RUNNING', startedAt: new Date(r.startedAt) },
        update: {},
      });
    },

    async recordWorkflowStep(r: { workflowId: string; runId: string; step: string }): Promise<void> {
      await db.workflowLog.updateMany({ where: { workflowId: r.workflowId, runId: r.runId, status: 'RUNNING' }, data: { step: r.step } });
    },

    async recordWorkflowEnd(r: WorkflowEndRecord): Promise<void> {
      const startedAt = new Date(r.startedAt);
      const completedAt = new Date(r.completedAt);
      const data = {
        status: r.status,
        completedAt,
        duration: Math.max(0, (completedAt.getTime() - startedAt.getTime()) / 1000),
        step: r.step ?? null,
        result: r.result === undefined ? undefined : (r.result as Prisma.InputJsonValue),
        errorMessage: r.errorMessage ?? null,
      };
      // Upsert: a run cancelled before its first activity never wrote the RUNNING row.
      await db.workflowLog.upsert({
        where: { workflowId_runId: { workflowId: r.workflowId, runId: r.runId } },
        create: { workflowId: r.workflowId, runId: r.runId, workflowType: r.workflowType, startedAt, ...data },
        update: data,
      });
    },
  };
}
