import { ApplicationFailure, CancellationScope, isCancellation, workflowInfo } from '@temporalio/workflow';
import type { WeeklyInput, WeeklyResult } from '../types.js';
import { activitiesWith, bookkeeping } from './activity-options.js';

/**
 * The weekly optimization: analyse the last 7 days, archive the losers, scale
 * the winners, adjust templates, and hand the owner report to the notifier.
 */
export async function weeklyOptimization(input: WeeklyInput): Promise<WeeklyResult> {
  const { workflowId, runId, workflowType } = workflowInfo();
  const acts = activitiesWith(input.retry);
  const startedAt = new Date().toISOString();
  // The period ends at the start of the current day (UTC) unless given: whole days only.
  const end = input.periodEnd ? new Date(input.periodEnd) : startOfUtcDay(new Date());
  const period = { from: new Date(end.getTime() - input.days * 86_400_000).toISOString(), to: end.toISOString() };
  let step = 'collectAnalytics';
  try {
    await bookkeeping.recordWorkflowStart({ workflowId, runId, workflowType, startedAt });
    const analytics = await acts.collectAnalytics(period);
    step = 'optimizeStrategy';
    const o = input.optimize;
    const optimization = await acts.optimizeStrategy({ ...period, workflowId, killThreshold: o.killThreshold, minROI: o.minROI, scaleFactor: o.scaleFactor, maxSelectionWeight: o.maxSelectionWeight, minVideos: o.minVideos, minVideosPerVariant: o.minVideosPerVariant });
    step = 'buildWeeklyReport';
    const report = await acts.buildWeeklyReport({ ...period, workflowId });
    step = 'notify';
    await bookkeeping.notify({
      kind: 'weekly_report',
      level: 'INFO',
      title: `Weekly report ${workflowId}`,
      message: report.markdown,
      workflowId,
      data: { reportId: report.reportId, chartKey: report.chartKey, chartUrl: report.chartUrl, period, ...report.headline },
      dedupeKey: `report:${workflowId}`,
    });
    const result: WeeklyResult = { workflowId, period, analytics, optimization, report: { reportId: report.reportId, chartUrl: report.chartUrl } };
    await bookkeeping.recordWorkflowEnd({ workflowId, runId, workflowType, startedAt, status: 'COMPLETED', completedAt: new Date().toISOString(), step: 'completed', result });
    return result;
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() =>
        bookkeeping.recordWorkflowEnd({ workflowId, runId, workflowType, startedAt, status: 'CANCELLED', completedAt: new Date().toISOString(), step, errorMessage: `Cancelled during ${step}` }),
      );
      throw err;
    }
    const message = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
    await bookkeeping.recordWorkflowEnd({ workflowId, runId, workflowType, startedAt, status: 'FAILED', completedAt: new Date().toISOString(), step, errorMessage: `${step}: ${message}` });
    await bookkeeping.notify({ kind: 'workflow_failed', level: 'ERROR', title: `Weekly optimization ${workflowId} failed at ${step}`, message, workflowId, data: { runId, step, error: message }, dedupeKey: `failed:${workflowId}:${runId}` });
    throw ApplicationFailure.nonRetryable(`${step} failed: ${message}`, 'StepFailed', { step });
  }
}

function startOfUtcDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}
