/**
 * SCHEDULER=cron: a fallback for Temporal servers without Schedules. The API
 * process runs one croner job per expression, in the configured time zone, and
 * starts the workflow through the orchestrator (whose fixed workflow ids prevent a
 * second run for the same day or week, even with several API processes).
 * Parsing and matching live in domain/cron.ts (standard cron: day-of-month OR
 * day-of-week when both are restricted).
 */
import { Cron } from 'croner';
import { cronFieldValues, cronOptions, cronSchedule } from '../domain/cron.js';

/** The values each field allows (minute, hour, day-of-month, month, day-of-week), plus the expression. */
export type ParsedCron = Set<number>[] & { readonly expression: string };

/** Validates a 5-field expression (throws CronExpressionError) and lists each field's values. */
export function parseCron(expr: string): ParsedCron {
  return Object.assign(cronFieldValues(expr), { expression: expr.trim() });
}

/** Whether the expression fires in the minute that contains `at`, in `timeZone`. */
export function cronMatches(parsed: ParsedCron, at: Date, timeZone: string): boolean {
  return cronSchedule(parsed.expression, timeZone).matches(at);
}

export function startCronFallback(
  jobs: { name: string; cron: string; run: () => Promise<unknown> }[],
  timeZone: string,
  log: { info: (o: object, m: string) => void; error: (o: object, m: string) => void },
): () => void {
  // Check every expression first: one bad expression starts nothing.
  const checked = jobs.map((job) => ({ ...job, schedule: cronSchedule(job.cron, timeZone) }));
  const started = checked.map(
    (job) =>
      new Cron(
        job.schedule.expression,
        {
          ...cronOptions(timeZone),
          unref: true,
          catch: true,
          protect: () => log.error({ job: job.name }, 'cron fallback skipped a run: the previous start has not returned yet'),
        },
        async () => {
          try {
            const result = await job.run();
            log.info({ job: job.name, result }, 'cron fallback started a workflow');
          } catch (err) {
            log.error({ job: job.name, err: (err as Error).message }, 'cron fallback could not start a workflow');
          }
        },
      ),
  );
  for (const job of checked)
    log.info({ job: job.name, cron: job.schedule.expression, timeZone, next: job.schedule.nextRuns(1)[0]?.toISOString() }, 'cron fallback scheduled');
  return () => started.forEach((c) => c.stop());
}
