/**
 * A month in minutes: 30 daily runs and 4 weekly runs on schedule, on Temporal's time-skipping
 * test server and a real PostgreSQL, publishing to the outbox, with approvals that arrive
 * promptly, late, after the deadline or never.
 *
 * "On schedule". The time-skipping server does not implement the Schedule API (CreateSchedule
 * fails: "Failed to create schedule"), so the test plays Temporal's scheduler and nothing else:
 * the fire times come from the project's cron code (domain/cron.ts) reading the configured
 * SCHEDULE_DAILY_CRON and SCHEDULE_WEEKLY_CRON (defaults: every day at 00:00, Sundays at 00:00,
 * UTC), and at each one the test skips server time to it and starts exactly what the Schedule
 * would start: the action of `desiredSchedules()` (the `scheduledDailyLoop` /
 * `scheduledWeeklyOptimization` launchers with their arguments), under a Schedule-style id.
 * The launchers then start `daily-YYYY-MM-DD` / `weekly-YYYY-Www` from workflow time, as in
 * production.
 *
 * The month starts at a weekly fire time W0 (a Sunday 00:00): dailies at W0 + 0..29 days, weeklies
 * at W0 + 7, 14, 21, 28 days; each weekly report covers the seven dailies before it.
 *
 * Approvals, by day d (the same 24 h APPROVAL_TIMEOUT and `reject` default as production), sent
 * through the orchestrator (the path the API and chat use):
 *   d % 5 = 0 prompt       approved 10 minutes after the video is ready
 *   d % 5 = 1 late         approved 20 hours after
 *   d % 5 = 2 never        nobody answers: rejected by the timeout, nothing published
 *   d % 5 = 3 too late     approved 26 hours after: refused (the run has closed), nothing published
 *   d % 5 = 4 conflicting  approved 1 hour after, then rejected and approved again at once:
 *                          the first decision wins, one post per platform
 * Every day at 12:00 visitors click the tracked links of everything published so far (through
 * the real redirect route), some of them twice.
 *
 * The weekly reports are then checked against sums computed here from the daily data: the
 * clicks this test made, the videos the daily runs rendered (cost = COST_PER_VIDEO each), and
 * the videos created, published or clicked in the week.
 *
 * Time: almost all of it is the 30 renders (fire to approval request: 22-50 s a day with the
 * machine's 2 cores shared by other test runs, load 8-14; 745 s in all, measured). Between
 * events the server skips time; it never skips while an activity is pending, so a render is
 * never cut short by a skip. The server's lock leak for abandoned children is worked around
 * in test/support/time-skipping.ts (releaseOrphanedChildLock).
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cronSchedule } from '../../src/domain/cron.js';
import { WorkflowStateError } from '../../src/temporal/client.js';
import { desiredSchedules } from '../../src/temporal/schedules.js';
import type { DailyLoopResult } from '../../src/temporal/types.js';
import type { OwnerReportData } from '../../src/domain/report.js';
import { eventually } from '../support/harness.js';
import { startTimeSkippingSystem, type TimeSkippingSystem } from '../support/time-skipping.js';

const DAYS = 30;
const WEEKS = 4;
const HOUR = 3600_000;
const DAY = 24 * HOUR;
type Plan = 'prompt' | 'late' | 'never' | 'too-late' | 'conflicting';
const PLANS: Plan[] = ['prompt', 'late', 'never', 'too-late', 'conflicting'];

interface Day {
  d: number;
  plan: Plan;
  fireAt: number;
  workflowId?: string;
  videoIds: string[];
}

interface Event {
  at: number;
  seq: number;
  run(): Promise<void>;
}

describe('a month in minutes (time-skipping test server)', () => {
  let sys: TimeSkippingSystem;
  let started = 0;

  beforeAll(async () => {
    started = performance.now();
    // One product a day, spoken by espeak, at most 15 s (the shortest cap every bundled product's hook and disclosure fit in).
    // TikTok and Instagram share one cut ("link in bio"): one render per day keeps the month short.
    sys = await startTimeSkippingSystem({
      env: { DAILY_MAX_PRODUCTS: '1', FETCH_PRODUCT_IMAGES: 'false', DAILY_PLATFORMS: 'tiktok,instagram', VIDEO_MAX_SECONDS: '15' },
    });
  }, 120_000);
  afterAll(async () => {
    await sys?.stop();
  });

  it('runs 30 dailies and 4 weeklies to completion, posts each approved video once, and the weekly reports add up', async () => {
    const { config, db, orchestrator, clock } = sys;
    const client = await orchestrator.client();
    const schedules = desiredSchedules(config, orchestrator);
    const daily = cronSchedule(config.SCHEDULE_DAILY_CRON, config.TIMEZONE);
    const weekly = cronSchedule(config.SCHEDULE_WEEKLY_CRON, config.TIMEZONE);

    const w0 = weekly.nextRuns(1, new Date(await clock.sync()))[0].getTime();
    const dailyFires = daily.nextRuns(DAYS, new Date(w0 - 1)).map((t) => t.getTime());
    const weeklyFires = weekly.nextRuns(WEEKS, new Date(w0)).map((t) => t.getTime());
    expect(dailyFires[0]).toBe(w0);
    expect(weeklyFires[WEEKS - 1]).toBeLessThanOrEqual(dailyFires[DAYS - 1]);

    const days: Day[] = dailyFires.map((fireAt, d) => ({ d, plan: PLANS[d % PLANS.length], fireAt, videoIds: [] }));
    const weeklyIds: string[] = [];
    /** Counted clicks this test made, by UTC day (one per link, client and day). */
    const clicksByDay = new Map<string, number>();
    /** The videos clicked, by UTC day. */
    const clickedByDay = new Map<string, Set<string>>();
    const refusedLate: string[] = [];
    const lateSignalsIgnored: boolean[] = [];

    const events: Event[] = [];
    let seq = 0;
    const at = (when: number, run: () => Promise<void>) => events.push({ at: when, seq: seq++, run });

    const runStatus = (workflowId: string) => client.workflow.getHandle(workflowId).describe();
    const waitClosed = (workflowId: string) =>
      eventually(async () => (await runStatus(workflowId)).status.name !== 'RUNNING', 120_000, 100).then(() => runStatus(workflowId));

    /** Waits until a launched run has closed, then releases the server's orphaned-child lock (once per run; see ServerClock). */
    const settled = new Map<string, Promise<string>>();
    const settle = (workflowId: string) => {
      if (!settled.has(workflowId))
        settled.set(
          workflowId,
          waitClosed(workflowId).then(async (d) => {
            await clock.releaseOrphanedChildLock();
            return d.status.name;
          }),
        );
      return settled.get(workflowId)!;
    };

    /** Starts what the Schedule's action starts, under the id a Schedule gives its runs. */
    async function fire(kind: 'daily' | 'weekly', when: number): Promise<string> {
      const action = schedules[kind].action as { workflowType: string; args: unknown[]; taskQueue: string };
      const handle = await client.workflow.start(action.workflowType, {
        workflowId: `schedule-${kind}-${new Date(when).toISOString()}`,
        taskQueue: action.taskQueue,
        args: action.args,
      });
      const launched = (await handle.result()) as { workflowId: string; started: boolean };
      expect(launched.started).toBe(true);
      return launched.workflowId;
    }

    async function approve(day: Day, decision: 'approve' | 'reject', by: string) {
      return orchestrator.sendApproval(day.workflowId!, { videoId: day.videoIds[0], decision, by });
    }

    for (const day of days) {
      at(day.fireAt, async () => {
        day.workflowId = await fire('daily', day.fireAt);
        // The run renders in real time (the server does not skip time while activities are pending); wait for its approval request.
        const progress = await eventually(async () => {
          const s = await orchestrator.status(day.workflowId!);
          return (s.progress?.step === 'awaitApproval' && s.approvals?.length) || s.status !== 'RUNNING' ? s : null;
        }, 120_000);
        expect(progress.error ?? progress.status, day.workflowId).toBe('RUNNING');
        day.videoIds = progress.approvals!.map((a) => a.videoId);
        const readyAt = await clock.sync();
        const approveOnce = async () => {
          expect((await approve(day, 'approve', 'api:owner')).effective).toBe(true);
          expect(await settle(day.workflowId!)).toBe('COMPLETED');
        };
        if (day.plan === 'prompt') at(readyAt + 10 * 60_000, approveOnce);
        if (day.plan === 'late') at(readyAt + 20 * HOUR, approveOnce);
        if (day.plan === 'too-late')
          at(readyAt + 26 * HOUR, async () => {
            const refused = await approve(day, 'approve', 'api:owner').catch((err: unknown) => err);
            expect(refused).toBeInstanceOf(WorkflowStateError);
            refusedLate.push((refused as WorkflowStateError).code);
          });
        if (day.plan === 'conflicting')
          at(readyAt + HOUR, async () => {
            expect((await approve(day, 'approve', 'slack:U0AAAAAAA')).effective).toBe(true);
            for (const [decision, by] of [
              ['reject', 'discord:123456789012345678'],
              ['approve', 'console'],
            ] as const) {
              // The run may already be publishing (still open: the decision is recorded and ignored) or closed (refused).
              const second = await approve(day, decision, by).catch((err: unknown) => err);
              lateSignalsIgnored.push(
                second instanceof WorkflowStateError ? second.code === 'run_closed' : (second as { effective: boolean }).effective === false,
              );
            }
            expect(await settle(day.workflowId!)).toBe('COMPLETED');
          });
        // Just past the approval deadline every run has closed, whatever its plan.
        at(readyAt + config.APPROVAL_TIMEOUT + 1000, async () => {
          expect(await settle(day.workflowId!)).toBe('COMPLETED');
        });
      });
      at(day.fireAt + 12 * HOUR, () => clickPublishedLinks(day));
    }
    for (const fireAt of weeklyFires)
      at(fireAt, async () => {
        const id = await fire('weekly', fireAt);
        weeklyIds.push(id);
        expect(await settle(id)).toBe('COMPLETED');
      });

    /** Every published video's link gets 1-3 visitors (by day), the first of whom comes back on another platform's link: counted once. */
    async function clickPublishedLinks(day: Day) {
      const published = await db.publication.findMany({
        where: { status: 'PUBLISHED' },
        select: { videoId: true, video: { select: { content: { select: { trackingCode: true } } } } },
        distinct: ['videoId'],
        orderBy: { videoId: 'asc' },
      });
      const dateKey = new Date(await clock.sync()).toISOString().slice(0, 10);
      for (const [i, p] of published.entries()) {
        const visitors = 1 + ((day.d + i) % 3);
        for (let v = 0; v < visitors; v++) {
          const r = await sys.api.inject({ method: 'GET', url: `/r/${p.video.content.trackingCode}-yt`, remoteAddress: `198.18.${i}.${v + 1}` });
          expect(r.statusCode).toBe(302);
        }
        const again = await sys.api.inject({ method: 'GET', url: `/r/${p.video.content.trackingCode}-tt`, remoteAddress: `198.18.${i}.1` });
        expect(again.statusCode).toBe(302);
        clicksByDay.set(dateKey, (clicksByDay.get(dateKey) ?? 0) + visitors);
        clickedByDay.set(dateKey, (clickedByDay.get(dateKey) ?? new Set()).add(p.videoId));
      }
    }

    // Play the month: skip to each event in time order (events may add later ones).
    while (events.length) {
      events.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = events.shift()!;
      await clock.sleepUntil(next.at);
      await next.run();
    }
    const simulatedDays = ((await clock.sync()) - w0) / DAY;

    // All 34 runs completed.
    const dailyIds = days.map((d) => d.workflowId!);
    expect(new Set(dailyIds).size).toBe(DAYS);
    expect(new Set(weeklyIds).size).toBe(WEEKS);
    const results = new Map<string, DailyLoopResult>();
    for (const id of [...dailyIds, ...weeklyIds]) {
      const handle = client.workflow.getHandle(id);
      expect((await handle.describe()).status.name, id).toBe('COMPLETED');
      if (id.startsWith('daily-')) results.set(id, (await handle.result()) as DailyLoopResult);
    }
    const logs = await db.workflowLog.findMany({ where: { workflowId: { in: [...dailyIds, ...weeklyIds] } } });
    expect(logs.filter((l) => l.status === 'COMPLETED')).toHaveLength(DAYS + WEEKS);

    // Each day ended as its approvals dictate.
    const approvedVideos: string[] = [];
    for (const day of days) {
      const r = results.get(day.workflowId!)!;
      expect(r.videos!.readyVideoIds, day.workflowId).toEqual(day.videoIds);
      const publishes = ['prompt', 'late', 'conflicting'].includes(day.plan);
      expect(r.approvals!.approved, `${day.workflowId} (${day.plan})`).toEqual(publishes ? day.videoIds : []);
      expect(r.approvals!.expired, `${day.workflowId} (${day.plan})`).toEqual(publishes ? [] : day.videoIds);
      expect(r.publishing!.published.length).toBe(publishes ? day.videoIds.length * config.DAILY_PLATFORMS.length : 0);
      expect(r.publishing!.failed).toEqual([]);
      if (publishes) approvedVideos.push(...day.videoIds);
    }
    expect(refusedLate).toEqual(Array(DAYS / PLANS.length).fill('run_closed'));
    expect(lateSignalsIgnored).toEqual(Array((2 * DAYS) / PLANS.length).fill(true));
    const timeouts = await db.approval.findMany({ where: { source: 'timeout' } });
    expect(timeouts).toHaveLength((2 * DAYS) / PLANS.length);
    expect(timeouts.every((a) => a.decision === 'REJECT' && a.effective)).toBe(true);

    // No duplicate post: one PUBLISHED row and one outbox post per (video, platform), for approved videos only.
    const publications = await db.publication.findMany();
    expect(publications.every((p) => p.status === 'PUBLISHED')).toBe(true);
    const pairs = publications.map((p) => `${p.videoId}/${p.platform}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    expect(pairs.sort()).toEqual(approvedVideos.flatMap((v) => config.DAILY_PLATFORMS.map((pl) => `${v}/${pl}`)).sort());
    const outboxPosts: string[] = [];
    for (const platform of config.DAILY_PLATFORMS) {
      const dir = path.join(config.outboxDir, platform.toLowerCase());
      for (const name of fs.readdirSync(dir).filter((n) => !n.startsWith('.') && n !== 'posts.log')) {
        const meta = JSON.parse(fs.readFileSync(path.join(dir, name, 'metadata.json'), 'utf8')) as { videoId: string };
        outboxPosts.push(`${meta.videoId}/${platform}`);
      }
    }
    expect(outboxPosts.sort()).toEqual(pairs);

    // The weekly reports add up to the daily data.
    const videos = await db.video.findMany({ select: { id: true, productId: true, status: true } });
    const publishedAt = new Map<string, number>();
    for (const p of publications) publishedAt.set(p.videoId, Math.min(publishedAt.get(p.videoId) ?? Infinity, p.publishedAt!.getTime()));
    for (const [k, fireAt] of weeklyFires.entries()) {
      const report = await db.report.findUniqueOrThrow({ where: { workflowId: weeklyIds[k] } });
      const data = report.data as unknown as OwnerReportData;
      const from = fireAt - 7 * DAY;
      expect(report.periodFrom.getTime()).toBe(from);
      expect(report.periodTo.getTime()).toBe(fireAt);
      const inWeek = (t: number) => t >= from && t < fireAt;
      const weekDays = days.filter((d) => inWeek(d.fireAt));
      expect(weekDays).toHaveLength(7);

      const dates = Array.from({ length: 7 }, (_, i) => new Date(from + i * DAY).toISOString().slice(0, 10));
      expect(data.daily.map((p) => [p.date, p.clicks])).toEqual(dates.map((date) => [date, clicksByDay.get(date) ?? 0]));
      expect(data.totals.clicks).toBe(dates.reduce((sum, date) => sum + (clicksByDay.get(date) ?? 0), 0));
      expect(data.totals.botClicks).toBe(0);
      expect(data.totals.views).toBeNull();

      const rendered = weekDays.flatMap((d) => d.videoIds);
      expect(data.totals.cost).toBeCloseTo(rendered.length * config.COST_PER_VIDEO, 4);
      // The report's videos: created, published or clicked in the week.
      const active = new Set([
        ...rendered,
        ...[...publishedAt].filter(([, t]) => inWeek(t)).map(([v]) => v),
        ...dates.flatMap((date) => [...(clickedByDay.get(date) ?? [])]),
      ]);
      expect(data.variants.reduce((sum, v) => sum + v.videos, 0)).toBe(active.size);
      const activeProducts = new Set(videos.filter((v) => active.has(v.id)).map((v) => v.productId));
      for (const productId of activeProducts) expect(data.byProduct.map((p) => p.productId)).toContain(productId);
      expect(data.byProduct.reduce((sum, p) => sum + p.clicks, 0)).toBe(data.totals.clicks);
      expect(data.byProduct.reduce((sum, p) => sum + p.cost, 0)).toBeCloseTo(data.totals.cost, 4);
    }

    console.log(
      `month-in-minutes: ${simulatedDays.toFixed(1)} simulated days in ${((performance.now() - started) / 1000).toFixed(0)} s; ` +
        `${publications.length} posts, ${[...clicksByDay.values()].reduce((a, b) => a + b, 0)} counted clicks`,
    );
  }, 1_800_000);
});
