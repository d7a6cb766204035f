import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySchedules, listSchedules, setSchedulePaused, triggerSchedule } from '../../src/temporal/schedules.js';
import { eventually, startTestSystem, type TestSystem } from '../support/harness.js';

/** PNG width and height from the IHDR chunk. */
function pngSize(buf: Buffer): { width: number; height: number } {
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

describe('weekly optimization end to end', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(async () => sys?.stop());

  it('analyses the week, decides, and stores the owner report with a chart', async () => {
    // A week with a published video and some real clicks to report on.
    const daily = await sys.request('POST', '/orchestrator/daily-loop/start', { maxProducts: 1, autoApprove: true, platforms: ['youtube'] });
    await eventually(
      async () => (await sys.request('GET', `/orchestrator/daily-loop/status/${daily.body.workflowId}`)).body.status === 'COMPLETED',
      120_000,
      250,
    );
    const content = await sys.db.content.findFirstOrThrow();
    for (let i = 0; i < 3; i++)
      await fetch(`${sys.baseUrl}/r/${content.trackingCode}-yt`, {
        redirect: 'manual',
        headers: { 'user-agent': 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126 Mobile Safari/537.36' },
      });

    // The default period ends at the start of today; include today for this test by starting through the client with periodEnd = tomorrow.
    const client = await sys.orchestrator.client();
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10) + 'T00:00:00.000Z';
    const weeklyId = 'weekly-test-W01';
    const result = await client.workflow.execute('weeklyOptimization', {
      workflowId: weeklyId,
      taskQueue: sys.config.TEMPORAL_TASK_QUEUE,
      args: [sys.orchestrator.weeklyInput({ periodEnd: tomorrow })],
    });
    // Three requests from one visitor on one link on one day count as one click (the other two are filtered repeats).
    expect(result.analytics).toMatchObject({ totalClicks: 1, totalViews: null, totalEarnings: 0 });
    expect(result.analytics.totalCost).toBeCloseTo(sys.config.COST_PER_VIDEO, 4);

    const list = await sys.request('GET', '/orchestrator/reports');
    expect(list.status).toBe(200);
    const report = list.body.reports.find((r: { workflowId: string }) => r.workflowId === weeklyId);
    expect(report.markdown).toMatch(/no platform view data/i);
    expect(report.markdown).toMatch(/npm run import:earnings/);
    expect(report.data.totals.clicks).toBe(1);
    const png = Buffer.from(await (await fetch(report.chartUrl.replace(/^http:\/\/127\.0\.0\.1:\d+/, sys.baseUrl))).arrayBuffer());
    const size = pngSize(png);
    expect(size.width).toBeGreaterThanOrEqual(800);
    expect(size.height).toBeGreaterThanOrEqual(400);
    expect(png.length).toBeGreaterThan(5000); // a blank image compresses to almost nothing

    const one = await sys.request('GET', `/orchestrator/reports/${weeklyId}`);
    expect(one.body.markdown).toBe(report.markdown);
    expect((await sys.request('GET', '/orchestrator/reports/weekly-1999-W01')).status).toBe(404);

    const notes = await sys.request('GET', `/orchestrator/notifications?kind=weekly_report&workflowId=${weeklyId}`);
    expect(notes.body.notifications).toHaveLength(1);
    expect(notes.body.notifications[0].data).toMatchObject({ reportId: report.id, chartUrl: report.chartUrl, clicks: 1 });
    const log = await sys.db.workflowLog.findFirstOrThrow({ where: { workflowId: weeklyId } });
    expect(log.status).toBe('COMPLETED');
  }, 240_000);

  it('starts the weekly run through the API with the ISO-week id, once', async () => {
    const a = await sys.request('POST', '/orchestrator/weekly-optimization/start', {});
    expect(a.status).toBe(201);
    expect(a.body.workflowId).toMatch(/^weekly-\d{4}-W\d{2}$/);
    const b = await sys.request('POST', '/orchestrator/weekly-optimization/start');
    expect([200, 201]).toContain(b.status);
    if (b.status === 200) expect(b.body).toMatchObject({ status: 'already-running', runId: a.body.runId });
    await eventually(async () => (await sys.request('GET', `/orchestrator/daily-loop/status/${a.body.workflowId}`)).body.status === 'COMPLETED', 60_000, 250);
    expect((await sys.request('POST', '/orchestrator/weekly-optimization/start', { force: true })).status).toBe(400);
  }, 120_000);
});

describe('Temporal Schedules', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({
      env: { TIMEZONE: 'America/New_York', SCHEDULE_DAILY_AUTO_APPROVE: 'true', DAILY_MAX_PRODUCTS: '1', DAILY_PLATFORMS: 'tiktok' },
    });
  });
  afterAll(async () => sys?.stop());

  it('are created once and updated (not duplicated) when applied again', async () => {
    const client = await sys.orchestrator.client();
    expect(await applySchedules(client, sys.config, sys.orchestrator)).toEqual([
      { id: 'daily-control-loop', action: 'created' },
      { id: 'weekly-optimization', action: 'created' },
    ]);
    expect(await applySchedules(client, sys.config, sys.orchestrator)).toEqual([
      { id: 'daily-control-loop', action: 'updated' },
      { id: 'weekly-optimization', action: 'updated' },
    ]);
    const list = await listSchedules(client);
    expect(list.map((s) => [s.id, s.cron, s.timeZone, s.paused])).toEqual([
      ['daily-control-loop', '0 0 * * *', 'America/New_York', false],
      ['weekly-optimization', '0 0 * * 0', 'America/New_York', false],
    ]);
    // Next daily run: midnight in New York.
    const next = new Date(list[0].nextRuns[0]);
    expect(new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: 'numeric', minute: 'numeric', hour12: false }).format(next)).toMatch(
      /^(00|24):00$/,
    );
    const nextWeekly = new Date(list[1].nextRuns[0]);
    expect(new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', weekday: 'long' }).format(nextWeekly)).toBe('Sunday');
    expect((await sys.request('GET', '/orchestrator/schedules')).body.schedules).toHaveLength(2);
  });

  it('fire the daily loop under its contract id with the configured arguments', async () => {
    const client = await sys.orchestrator.client();
    await triggerSchedule(client, 'daily');
    const expectedId = `daily-${new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' }).format(new Date())}`;
    const d = await eventually(
      async () => {
        try {
          return await client.workflow.getHandle(expectedId).describe();
        } catch {
          return undefined;
        }
      },
      30_000,
      200,
    );
    expect(d.type).toBe('dailyControlLoop');
    const started = await client.workflow.getHandle(expectedId).fetchHistory();
    const input = JSON.parse(Buffer.from(started.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0].data!).toString());
    expect(input).toMatchObject({ maxProducts: 1, platforms: ['TIKTOK'], autoApprove: true, startedBy: 'schedule' });
    await eventually(async () => (await client.workflow.getHandle(expectedId).describe()).status.name === 'COMPLETED', 120_000, 250);
  }, 180_000);

  it('can be paused and resumed', async () => {
    const client = await sys.orchestrator.client();
    await setSchedulePaused(client, 'weekly', true, 'holiday');
    let weekly = (await listSchedules(client)).find((s) => s.name === 'weekly')!;
    expect(weekly).toMatchObject({ paused: true, note: 'holiday' });
    // Applying again (a restart) keeps the operator's pause.
    await applySchedules(client, sys.config, sys.orchestrator);
    expect((await listSchedules(client)).find((s) => s.name === 'weekly')!.paused).toBe(true);
    await setSchedulePaused(client, 'weekly', false, 'back');
    weekly = (await listSchedules(client)).find((s) => s.name === 'weekly')!;
    expect(weekly.paused).toBe(false);
  });
});
