import { ParentClosePolicy, WorkflowIdReusePolicy, startChild } from '@temporalio/workflow';
import { dailyWorkflowId, weeklyWorkflowId } from '../../domain/dates.js';
import type { DailyLoopInput, WeeklyInput } from '../types.js';
import { dailyControlLoop } from './daily-control-loop.js';
import { weeklyOptimization } from './weekly-optimization.js';

/**
 * Temporal Schedules name their runs `<id>-<timestamp>`; our contract names them
 * `daily-YYYY-MM-DD` and `weekly-YYYY-Www`. These launchers (what the schedules
 * start) start the real workflow under its contract id, in the configured time
 * zone, and leave it running on its own. A run already open under that id (an
 * operator started it) is left alone: never a duplicate.
 */
export async function scheduledDailyLoop(input: { timeZone: string; daily: DailyLoopInput }): Promise<{ workflowId: string; started: boolean }> {
  const workflowId = dailyWorkflowId(new Date(), input.timeZone);
  return launch(workflowId, () =>
    startChild(dailyControlLoop, {
      workflowId,
      args: [{ ...input.daily, startedBy: 'schedule' }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    }),
  );
}

export async function scheduledWeeklyOptimization(input: { timeZone: string; weekly: WeeklyInput }): Promise<{ workflowId: string; started: boolean }> {
  const workflowId = weeklyWorkflowId(new Date(), input.timeZone);
  return launch(workflowId, () =>
    startChild(weeklyOptimization, {
      workflowId,
      args: [{ ...input.weekly, startedBy: 'schedule' }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    }),
  );
}

async function launch(workflowId: string, start: () => Promise<unknown>): Promise<{ workflowId: string; started: boolean }> {
  try {
    await start();
    return { workflowId, started: true };
  } catch (err) {
    if ((err as Error).name === 'WorkflowExecutionAlreadyStartedError') return { workflowId, started: false };
    throw err;
  }
}
