/**
 * SCHEDULER=cron: a fallback for Temporal servers without Schedules. The API
 * process checks once a minute whether a 5-field cron expression matches the
 * current minute in the configured time zone and starts the workflow through
 * the orchestrator (whose fixed workflow ids prevent a second run for the same
 * day or week, even with several API processes).
 */

const FIELD_RANGES: [number, number][] = [
  [0, 59], // minute
  [0, 23], // hour
  [1, 31], // day of month
  [1, 12], // month
  [0, 6], // day of week (0 = Sunday; 7 also means Sunday)
];

export function parseCron(expr: string): Set<number>[] {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`"${expr}" is not a 5-field cron expression (minute hour day-of-month month day-of-week)`);
  return fields.map((field, i) => {
    const [lo, hi] = FIELD_RANGES[i];
    const values = new Set<number>();
    for (const part of field.split(',')) {
      const m = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(part);
      if (!m) throw new Error(`cron field "${field}" is not understood`);
      const step = m[2] ? Number(m[2]) : 1;
      let [a, b] = m[1] === '*' ? [lo, hi] : m[1].split('-').map(Number).concat([]) as number[];
      if (b === undefined) b = m[2] ? hi : a;
      const max = i === 4 ? 7 : hi; // day of week: 7 is Sunday too
      if (a < lo || b > max || a > b || step < 1) throw new Error(`cron field "${field}" is out of range ${lo}-${hi}`);
      for (let v = a; v <= b; v += step) values.add(i === 4 && v === 7 ? 0 : v);
    }
    return values;
  });
}

export function cronMatches(fields: Set<number>[], at: Date, timeZone: string): boolean {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hour12: false, minute: 'numeric', hour: 'numeric', day: 'numeric', month: 'numeric', weekday: 'short' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.weekday);
  const values = [Number(parts.minute), Number(parts.hour) % 24, Number(parts.day), Number(parts.month), weekday];
  return fields.every((set, i) => set.has(values[i]));
}

export function startCronFallback(jobs: { name: string; cron: string; run: () => Promise<unknown> }[], timeZone: string, log: { info: (o: object, m: string) => void; error: (o: object, m: string) => void }): () => void {
  const parsed = jobs.map((j) => ({ ...j, fields: parseCron(j.cron) }));
  let lastMinute = -1;
  const timer = setInterval(() => {
    const now = new Date();
    const minute = Math.floor(now.getTime() / 60_000);
    if (minute === lastMinute) return;
    lastMinute = minute;
    for (const job of parsed) {
      if (!cronMatches(job.fields, now, timeZone)) continue;
      job.run().then(
        (r) => log.info({ job: job.name, result: r }, 'cron fallback started a workflow'),
        (err: Error) => log.error({ job: job.name, err: err.message }, 'cron fallback could not start a workflow'),
      );
    }
  }, 5_000);
  timer.unref();
  return () => clearInterval(timer);
}
