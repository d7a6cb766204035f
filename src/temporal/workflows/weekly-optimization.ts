import { workflowInfo } from '@temporalio/workflow';
import type { WeeklyInput, WeeklyResult } from '../types.js';
import { activitiesWith, bookkeeping } from './activity-options.js';
import { runWithBookkeeping } from './run-skeleton.js';

/**
 * The weekly optimization: analyse the last 7 days, archive the losers, scale
 * the winners, adjust templates, and hand the owner report to the notifier.
 */
export async function weeklyOptimization(input: WeeklyInput): Promise<WeeklyResult> {
  const { workflowId } = workflowInfo();
  const acts = activitiesWith(input.retry);
  // The period ends at the start of the current day (UTC) unless given: whole days only.
  const end = input.periodEnd ? new Date(input.periodEnd) : startOfUtcDay(new Date());
  const period = { from: new Date(end.getTime() - input.days * 86_400_000).toISOString(), to: end.toISOString() };

  return runWithBookkeeping({ title: 'Weekly optimization', firstStep: 'collectAnalytics' }, async (step) => {
    const analytics = await step('collectAnalytics', () => acts.collectAnalytics(period));
    const optimization = await step('optimizeStrategy', () => acts.optimizeStrategy({ ...period, workflowId, ...input.optimize }));
    const report = await step('buildWeeklyReport', () => acts.buildWeeklyReport({ ...period, workflowId }));
    await step('notify', () =>
      bookkeeping.notify({
        kind: 'weekly_report',
        level: 'INFO',
        title: `Weekly report ${workflowId}`,
        message: report.markdown,
        workflowId,
        data: { reportId: report.reportId, chartKey: report.chartKey, chartUrl: report.chartUrl, period, ...report.headline },
        dedupeKey: `report:${workflowId}`,
      }),
    );
    return { workflowId, period, analytics, optimization, report: { reportId: report.reportId, chartUrl: report.chartUrl } };
  });
}

function startOfUtcDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}
