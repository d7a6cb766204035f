/** Calendar helpers for workflow ids (`daily-YYYY-MM-DD`, `weekly-YYYY-Www`) in a configured time zone. */

export function localDate(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function dailyWorkflowId(at: Date, timeZone: string): string {
  return `daily-${localDate(at, timeZone)}`;
}

/** ISO-8601 week (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeek(dateStr: string): { year: number; week: number } {
  const [y, m, d] = dateStr.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  const day = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return { year: date.getUTCFullYear(), week };
}

export function weeklyWorkflowId(at: Date, timeZone: string): string {
  const { year, week } = isoWeek(localDate(at, timeZone));
  return `weekly-${year}-W${String(week).padStart(2, '0')}`;
}
