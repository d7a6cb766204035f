import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { configErrorFor } from '../support/config-error.js';
import { checkCron, CronExpressionError, cronSchedule } from '../../src/domain/cron.js';
import { cronMatches, parseCron, startCronFallback } from '../../src/temporal/cron-fallback.js';

const at = (iso: string) => new Date(iso);
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('cron: day-of-month OR day-of-week (standard cron)', () => {
  it('"0 0 1 * 1" fires on the 1st of every month AND on every Monday', () => {
    const s = cronSchedule('0 0 1 * 1', 'UTC');
    expect(s.matches(at('2026-06-01T00:00:00Z'))).toBe(true); // Monday the 1st
    expect(s.matches(at('2026-06-08T00:00:00Z'))).toBe(true); // a Monday
    expect(s.matches(at('2026-07-01T00:00:00Z'))).toBe(true); // a Wednesday, the 1st
    expect(s.matches(at('2026-07-02T00:00:00Z'))).toBe(false); // neither
    expect(iso(s.nextRuns(6, at('2026-06-01T00:00:30Z')))).toEqual([
      '2026-06-08T00:00:00.000Z',
      '2026-06-15T00:00:00.000Z',
      '2026-06-22T00:00:00.000Z',
      '2026-06-29T00:00:00.000Z',
      '2026-07-01T00:00:00.000Z',
      '2026-07-06T00:00:00.000Z',
    ]);
    // The same through the fallback's API.
    const parsed = parseCron('0 0 1 * 1');
    expect(cronMatches(parsed, at('2026-07-01T00:00:40Z'), 'UTC')).toBe(true);
    expect(cronMatches(parsed, at('2026-06-08T00:00:00Z'), 'UTC')).toBe(true);
    expect(cronMatches(parsed, at('2026-07-02T00:00:00Z'), 'UTC')).toBe(false);
  });

  it('uses only the restricted field when the other is *', () => {
    const mondays = cronSchedule('0 0 * * 1', 'UTC');
    expect(mondays.matches(at('2026-07-01T00:00:00Z'))).toBe(false);
    expect(mondays.matches(at('2026-07-06T00:00:00Z'))).toBe(true);
    const firsts = cronSchedule('0 0 1 * *', 'UTC');
    expect(firsts.matches(at('2026-07-06T00:00:00Z'))).toBe(false);
    expect(iso(firsts.nextRuns(2, at('2026-06-15T00:00:00Z')))).toEqual(['2026-07-01T00:00:00.000Z', '2026-08-01T00:00:00.000Z']);
  });

  it('reads the expression in the configured time zone, across daylight saving time', () => {
    const s = cronSchedule('0 0 * * *', 'America/New_York');
    expect(iso(s.nextRuns(1, at('2026-01-15T12:00:00Z')))).toEqual(['2026-01-16T05:00:00.000Z']); // EST
    expect(iso(s.nextRuns(1, at('2026-07-15T12:00:00Z')))).toEqual(['2026-07-16T04:00:00.000Z']); // EDT
    // Sunday in Sydney starts on Saturday in UTC.
    expect(cronSchedule('0 0 * * 0', 'Australia/Sydney').matches(at('2026-11-28T13:00:00Z'))).toBe(true);
  });
});

describe('cron: validation messages', () => {
  const bad: [string, RegExp][] = [
    ['0 0 * *', /^"0 0 \* \*" is not a 5-field cron expression \(minute hour day-of-month month day-of-week\)$/],
    ['0 0 * * * *', /is not a 5-field cron expression/],
    ['61 0 * * *', /^the minute field "61" is out of range 0-59$/],
    ['0 24 * * *', /^the hour field "24" is out of range 0-23$/],
    ['0 0 0 * *', /^the day-of-month field "0" is out of range 1-31$/],
    ['0 0 * 13 *', /^the month field "13" is out of range 1-12 or JAN-DEC$/],
    ['0 0 * * 8', /^the day-of-week field "8" is out of range 0-7 or SUN-SAT/],
    ['0 0 L * *', /^the day-of-month field "L" is not understood: .*L, W, # and \? are not standard cron$/],
    ['0 0 * * 1#2', /^the day-of-week field "1#2" is not understood/],
    ['0 0 ? * *', /^the day-of-month field "\?" is not understood/],
    ['0 0 5-1 * *', /^the day-of-month field "5-1" is not understood \(From value is larger than to value/],
    ['*/0 0 * * *', /^the minute field "\*\/0" is not understood \(Syntax error, illegal stepping: 0\)$/],
    ['0 0 31 2 *', /^"0 0 31 2 \*" never fires/],
  ];
  for (const [expr, message] of bad) {
    it(`rejects "${expr}"`, () => {
      expect(() => checkCron(expr)).toThrow(CronExpressionError);
      expect(() => checkCron(expr)).toThrow(message);
    });
  }

  it('accepts standard expressions: names, ranges, lists, steps, 7 for Sunday', () => {
    for (const expr of ['0 0 * * *', '0 0 * * 0', '0 0 * * 7', '0 0 * * SUN', '30 6 * JAN-MAR MON-FRI', '*/15 9-17 1,15 * 1-5', '0 0 29 2 *']) {
      expect(() => checkCron(expr), expr).not.toThrow();
    }
    expect([...parseCron('*/15 9-17 1,15 * 1-5')[0]]).toEqual([0, 15, 30, 45]);
    expect([...parseCron('0 0 * * 7')[4]]).toEqual([0]);
    expect([...parseCron('0 0 * JAN,dec *')[3]]).toEqual([1, 12]);
  });

  it('stops start-up with a message naming the variable', () => {
    const errorFor = configErrorFor;
    const daily = errorFor({ SCHEDULE_DAILY_CRON: '0 25 * * *' });
    expect(daily.variable).toBe('SCHEDULE_DAILY_CRON');
    expect(daily.message).toBe(
      'SCHEDULE_DAILY_CRON is invalid: the hour field "25" is out of range 0-23. Use 5 fields such as "0 0 * * *" (midnight) or "0 0 * * 0" (Sundays).',
    );
    const weekly = errorFor({ SCHEDULE_WEEKLY_CRON: '0 0 30 2 *' });
    expect(weekly.variable).toBe('SCHEDULE_WEEKLY_CRON');
    expect(weekly.message).toMatch(/^SCHEDULE_WEEKLY_CRON is invalid: "0 0 30 2 \*" never fires/);
    expect(errorFor({ SCHEDULE_WEEKLY_CRON: '0 0 * * 1L' }).message).toMatch(/day-of-week field "1L" is not understood/);
    expect(errorFor({ SCHEDULE_DAILY_CRON: '0 0 * *' }).variable).toBe('SCHEDULE_DAILY_CRON');
    expect(loadConfig({ SCHEDULE_DAILY_CRON: '0 0 1 * 1', TIMEZONE: 'Europe/Berlin' }).SCHEDULE_DAILY_CRON).toBe('0 0 1 * 1');
  });
});

describe('cron fallback timer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  const log = () => ({ info: vi.fn(), error: vi.fn() });

  it('fires at the cron times in TIMEZONE, on the 1st and on Mondays, once each', async () => {
    vi.useFakeTimers({ now: new Date('2026-02-28T04:59:00Z') }); // Friday 27 February, 23:59 in New York (EST)
    const runs: string[] = [];
    const l = log();
    const stop = startCronFallback([{ name: 'daily', cron: '0 0 1 * 1', run: async () => runs.push(new Date().toISOString()) }], 'America/New_York', l);
    await vi.advanceTimersByTimeAsync(3 * 24 * 3600_000); // to Tuesday 3 March
    stop();
    // Sunday 1 March (the 1st) and Monday 2 March, at midnight in New York; not Saturday 28 February nor Tuesday 3 March.
    expect(runs.map((r) => r.slice(0, 16))).toEqual(['2026-03-01T05:00', '2026-03-02T05:00']);
    expect(l.info).toHaveBeenCalledWith(expect.objectContaining({ job: 'daily', next: '2026-03-01T05:00:00.000Z' }), 'cron fallback scheduled');
    expect(l.info).toHaveBeenCalledWith(expect.objectContaining({ job: 'daily', result: 2 }), 'cron fallback started a workflow');
  });

  it('logs a failed start and keeps its schedule; stop() ends it', async () => {
    vi.useFakeTimers({ now: new Date('2026-06-07T23:59:30Z') });
    let calls = 0;
    const l = log();
    const run = async () => {
      calls++;
      throw new Error('Temporal is unreachable');
    };
    const stop = startCronFallback([{ name: 'weekly', cron: '0 0 * * *', run }], 'UTC', l);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toBe(1);
    expect(l.error).toHaveBeenCalledWith({ job: 'weekly', err: 'Temporal is unreachable' }, 'cron fallback could not start a workflow');
    await vi.advanceTimersByTimeAsync(24 * 3600_000);
    expect(calls).toBe(2);
    stop();
    await vi.advanceTimersByTimeAsync(24 * 3600_000);
    expect(calls).toBe(2);
  });

  it('refuses to start with a bad expression', () => {
    expect(() => startCronFallback([{ name: 'daily', cron: '0 0 L * *', run: async () => 0 }], 'UTC', log())).toThrow(CronExpressionError);
  });
});

describe('Temporal Schedules get the same days as cron', () => {
  it('splits a value restricting both day fields into two expressions (Temporal ANDs them, cron ORs them)', async () => {
    const { temporalCronExpressions } = await import('../../src/temporal/schedules.js');
    expect(temporalCronExpressions('0 0 1 * 1')).toEqual(['0 0 1 * *', '0 0 * * 1']);
    expect(temporalCronExpressions('0 0 * * 0')).toEqual(['0 0 * * 0']);
    expect(temporalCronExpressions(' 30 6 15 1-6 * ')).toEqual(['30 6 15 1-6 *']);
  });
});
