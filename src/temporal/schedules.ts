import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription, type ScheduleOptions } from '@temporalio/client';
import type { Config } from '../config.js';
import type { Orchestrator } from './client.js';

export const SCHEDULE_IDS = { daily: 'daily-control-loop', weekly: 'weekly-optimization' } as const;
export type ScheduleName = keyof typeof SCHEDULE_IDS;

export interface ScheduleView {
  id: string;
  name: ScheduleName;
  cron: string;
  timeZone: string;
  paused: boolean;
  note?: string;
  nextRuns: string[];
  recentRuns: { scheduledAt: string; workflowId: string }[];
}

/** What each schedule should be, from configuration (cron, time zone, arguments). */
export function desiredSchedules(config: Config, orchestrator: Orchestrator): Record<ScheduleName, ScheduleOptions> {
  const timeZone = config.TIMEZONE;
  const common = { taskQueue: config.TEMPORAL_TASK_QUEUE, workflowExecutionTimeout: undefined } as const;
  return {
    daily: {
      scheduleId: SCHEDULE_IDS.daily,
      spec: { cronExpressions: temporalCronExpressions(config.SCHEDULE_DAILY_CRON), timezone: timeZone },
      action: {
        type: 'startWorkflow',
        workflowType: 'scheduledDailyLoop',
        workflowId: 'schedule-daily',
        args: [{ timeZone, daily: orchestrator.dailyInput({ autoApprove: config.SCHEDULE_DAILY_AUTO_APPROVE, startedBy: 'schedule' }) }],
        ...common,
      },
      // A day's run that is still open (waiting for approvals) is not doubled.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
      memo: { managedBy: 'affiliate-empire', cron: config.SCHEDULE_DAILY_CRON },
    },
    weekly: {
      scheduleId: SCHEDULE_IDS.weekly,
      spec: { cronExpressions: temporalCronExpressions(config.SCHEDULE_WEEKLY_CRON), timezone: timeZone },
      action: {
        type: 'startWorkflow',
        workflowType: 'scheduledWeeklyOptimization',
        workflowId: 'schedule-weekly',
        args: [{ timeZone, weekly: orchestrator.weeklyInput({ startedBy: 'schedule' }) }],
        ...common,
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      memo: { managedBy: 'affiliate-empire', cron: config.SCHEDULE_WEEKLY_CRON },
    },
  };
}

/**
 * Creates the schedules, or updates them to match the configuration; safe to run
 * at every start. Pausing is an operator's decision: an update keeps it.
 */
export async function applySchedules(client: Client, config: Config, orchestrator: Orchestrator): Promise<{ id: string; action: 'created' | 'updated' }[]> {
  const out: { id: string; action: 'created' | 'updated' }[] = [];
  for (const opts of Object.values(desiredSchedules(config, orchestrator))) {
    const handle = client.schedule.getHandle(opts.scheduleId);
    try {
      // Memo cannot change on update; the cron shown by `schedules:list` comes from the spec's memo at creation,
      // so a changed cron re-creates the schedule (keeping its paused state).
      const prev = await handle.describe();
      if ((prev.memo as { cron?: string } | undefined)?.cron !== opts.memo?.cron) {
        await handle.delete();
        await client.schedule.create({ ...opts, state: { paused: prev.state.paused, note: prev.state.note } });
      } else {
        await handle.update((p) => ({
          ...p,
          spec: opts.spec,
          action: opts.action as ScheduleDescription['action'],
          policies: { ...p.policies, ...opts.policies },
          state: p.state,
        }));
      }
      out.push({ id: opts.scheduleId, action: 'updated' });
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      try {
        await client.schedule.create(opts);
        out.push({ id: opts.scheduleId, action: 'created' });
      } catch (e) {
        // Another process (a second API or worker) created it between our describe and create.
        if ((e as Error).name !== 'ScheduleAlreadyRunning') throw e;
        out.push({ id: opts.scheduleId, action: 'updated' });
      }
    }
  }
  return out;
}

export async function listSchedules(client: Client): Promise<ScheduleView[]> {
  const views: ScheduleView[] = [];
  for (const [name, id] of Object.entries(SCHEDULE_IDS) as [ScheduleName, string][]) {
    try {
      const d = await client.schedule.getHandle(id).describe();
      views.push({
        id,
        name,
        cron: String((d.memo as { cron?: string } | undefined)?.cron ?? describeCalendars(d)),
        timeZone: d.spec.timezone ?? 'UTC',
        paused: d.state.paused,
        note: d.state.note,
        nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
        recentRuns: d.info.recentActions.slice(-5).map((a) => ({ scheduledAt: a.scheduledAt.toISOString(), workflowId: a.action.workflow.workflowId })),
      });
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }
  return views;
}

function describeCalendars(d: ScheduleDescription): string {
  return d.spec.calendars?.length ? `${d.spec.calendars.length} calendar spec(s)` : '';
}

export async function setSchedulePaused(client: Client, name: ScheduleName, paused: boolean, note: string): Promise<void> {
  const handle = client.schedule.getHandle(SCHEDULE_IDS[name]);
  if (paused) await handle.pause(note);
  else await handle.unpause(note);
}

export async function triggerSchedule(client: Client, name: ScheduleName): Promise<void> {
  await client.schedule.getHandle(SCHEDULE_IDS[name]).trigger(ScheduleOverlapPolicy.ALLOW_ALL);
}

/**
 * Temporal Schedules match a day only when day-of-month AND day-of-week both match
 * (the OR of classic cron is "not implemented", ScheduleSpec docs; checked on the dev
 * server), while cron, and our SCHEDULER=cron fallback, fire when EITHER matches. When
 * both fields are restricted, two expressions give Temporal the union, so one
 * SCHEDULE_*_CRON value means the same days under both schedulers.
 */
export function temporalCronExpressions(expr: string): string[] {
  const f = expr.trim().split(/\s+/);
  if (f.length === 5 && f[2] !== '*' && f[4] !== '*') return [`${f[0]} ${f[1]} ${f[2]} ${f[3]} *`, `${f[0]} ${f[1]} * ${f[3]} ${f[4]}`];
  return [expr.trim()];
}
