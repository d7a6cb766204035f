import { Cron, CronPattern } from 'croner';

/**
 * Cron expressions for SCHEDULE_DAILY_CRON / SCHEDULE_WEEKLY_CRON, read by `croner`
 * (not by hand): the standard 5 fields (minute hour day-of-month month day-of-week),
 * with numbers, month and day names, `*`, ranges, lists and steps. When both
 * day-of-month and day-of-week are restricted, a day matches if EITHER matches
 * (standard cron: `0 0 1 * 1` runs on the 1st and on every Monday).
 *
 * croner's own extensions (`L`, `W`, `#`, `?`, a leading `+`) are refused: the same
 * setting feeds Temporal Schedules, which reject `L`, `W` and `?` and silently read
 * `1#2` as "every Monday".
 *
 * Pure: parsing and date arithmetic only; the timer lives in temporal/cron-fallback.ts.
 */

export class CronExpressionError extends Error {
  override name = 'CronExpressionError';
}

const FIELDS = [
  { label: 'minute', range: '0-59', names: null },
  { label: 'hour', range: '0-23', names: null },
  { label: 'day-of-month', range: '1-31', names: null },
  { label: 'month', range: '1-12 or JAN-DEC', names: /JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC/gi },
  { label: 'day-of-week', range: '0-7 or SUN-SAT (0 and 7 are Sunday)', names: /SUN|MON|TUE|WED|THU|FRI|SAT/gi },
] as const;

function fail(message: string): never {
  throw new CronExpressionError(message);
}

function fieldsOf(expr: string): string[] {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5 || fields[0] === '') fail(`"${expr}" is not a 5-field cron expression (minute hour day-of-month month day-of-week)`);
  return fields;
}

/** Checks each field on its own through croner, so that the message names the field at fault. */
function checkFields(fields: string[]): void {
  fields.forEach((field, i) => {
    const { label, range, names } = FIELDS[i];
    const plain = names ? field.replace(names, '0') : field;
    if (!/^[\d*,/-]+$/.test(plain)) {
      fail(
        `the ${label} field "${field}" is not understood: use ${names ? 'numbers or names' : 'numbers'}, *, ranges (1-5), lists (1,15) and steps (*/2); L, W, # and ? are not standard cron`,
      );
    }
    const alone = ['*', '*', '*', '*', '*'];
    alone[i] = field;
    try {
      new CronPattern(alone.join(' '), undefined, { mode: '5-part' });
    } catch (err) {
      const why = (err as Error).message.replace(/^CronPattern:\s*/, '');
      if (/Invalid value/i.test(why)) fail(`the ${label} field "${field}" is out of range ${range}`);
      fail(`the ${label} field "${field}" is not understood (${why})`);
    }
  });
}

/** Throws a CronExpressionError naming the field at fault, or the expression if it never fires. */
export function checkCron(expr: string, timeZone = 'UTC'): void {
  cronSchedule(expr, timeZone);
}

export interface CronSchedule {
  readonly expression: string;
  readonly timeZone: string;
  /** Whether the expression fires in the minute that contains `at` (seconds are ignored). */
  matches(at: Date): boolean;
  /** The next `count` fire times strictly after `after` (default: now). */
  nextRuns(count: number, after?: Date): Date[];
}

/** The croner options every reading of SCHEDULE_*_CRON uses: 5 fields only, day-of-month OR day-of-week. */
export function cronOptions(timeZone: string) {
  return { mode: '5-part', domAndDow: false, timezone: timeZone } as const;
}

/** A validated expression bound to a time zone. Throws CronExpressionError. */
export function cronSchedule(expr: string, timeZone = 'UTC'): CronSchedule {
  checkFields(fieldsOf(expr));
  let cron: Cron;
  try {
    cron = new Cron(expr.trim(), { ...cronOptions(timeZone), paused: true });
  } catch (err) {
    fail(`"${expr}" is not understood (${(err as Error).message.replace(/^Cron\w*:\s*/, '')})`);
  }
  if (cron.nextRun(new Date(Date.UTC(2000, 0, 1))) === null) fail(`"${expr}" never fires (no such date, e.g. 30 February)`);
  return {
    expression: expr.trim(),
    timeZone,
    matches: (at) => cron.match(new Date(Math.floor(at.getTime() / 60_000) * 60_000)),
    nextRuns: (count, after) => cron.nextRuns(count, after ?? new Date()),
  };
}

/** The values each field allows, in the order minute, hour, day-of-month, month (1-12), day-of-week (0 = Sunday). */
export function cronFieldValues(expr: string): Set<number>[] {
  checkFields(fieldsOf(expr));
  const p = new CronPattern(expr.trim(), undefined, { mode: '5-part' });
  const set = (flags: number[], offset: number) => new Set(flags.flatMap((on, i) => (on ? [i + offset] : [])));
  return [set(p.minute, 0), set(p.hour, 0), set(p.day, 1), set(p.month, 1), set(p.dayOfWeek, 0)];
}
