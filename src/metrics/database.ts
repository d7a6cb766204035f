// The business metrics, computed at scrape time from PostgreSQL.
//
// Why from the database and not counters kept in memory: runs, approvals, publications and
// renders happen in the worker processes (one or several per role, on several machines), while
// /metrics is served by the API. In-process counters would be split across processes, start
// from zero at every restart, and miss whatever a process did before it died. The database
// already records every run (WorkflowLog), decision (Approval, Video.status), post (Publication)
// and delivery (the ChatDelivery outbox), durably and once: a few aggregate queries give the
// same totals from any API replica, at any time. "Counters" here are database totals: they only
// decrease if rows are deleted (Prometheus then sees a counter reset). Every API replica reports
// the same totals: aggregate them across instances with max(), not sum().
//
// The queries are cheap aggregates over small tables (a few rows a day), run together, at most
// once per CACHE_MS however many scrapes arrive (concurrent scrapes share the one in flight),
// so a scrape storm cannot hammer the database.
import { Counter, Gauge, Registry } from 'prom-client';
import type { Db } from '../db.js';
import { PLATFORMS } from '../domain/platforms.js';

const CACHE_MS = 10_000;
const QUERY_TIMEOUT_MS = 5_000;
/** The render-cost gauge averages over this many most recent rendered videos. */
const RECENT_RENDERS = 20;
/** Chat channels that always have pending/failed series, so alert rules see 0 instead of nothing. */
const CHAT_CHANNELS = ['slack', 'discord'];
const DELIVERY_STATUSES = new Set(['pending', 'delivered', 'fallback', 'failed', 'expired']);

export interface DatabaseSnapshot {
  runs: { workflowType: string; status: string; count: number; lastCompletedAt: Date | null; lastDurationSec: number | null }[];
  approvals: { waiting: number; oldestSince: Date | null };
  publications: { platform: string; status: string; count: number }[];
  renders: { videos: number; renderSeconds: number; mediaSeconds: number; recentRatio: number | null };
  deliveries: { channel: string; status: string; count: number }[];
  queriedAt: Date;
  querySeconds: number;
}

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

export async function readSnapshot(db: Db): Promise<DatabaseSnapshot> {
  const t0 = performance.now();
  const [runs, approvals, publications, renders, deliveries] = await Promise.all([
    db.$queryRaw<Row[]>`
      SELECT "workflowType" AS type, status::text AS status, count(*) AS n,
             max("completedAt") FILTER (WHERE status = 'COMPLETED') AS last_ok,
             (array_agg(duration ORDER BY "completedAt" DESC) FILTER (WHERE status = 'COMPLETED'))[1] AS last_duration
      FROM "WorkflowLog" GROUP BY 1, 2`,
    // Waiting: rendered (READY) and undecided, in a run that is still open (a failed run's
    // videos wait for nobody). Its age counts from when the video became READY (its last update).
    db.$queryRaw<Row[]>`
      SELECT count(*) AS n, min(v."updatedAt") AS oldest FROM "Video" v
      WHERE v.status = 'READY' AND EXISTS (SELECT 1 FROM "WorkflowLog" w WHERE w."workflowId" = v."workflowId" AND w.status = 'RUNNING')`,
    db.$queryRaw<Row[]>`SELECT platform::text AS platform, status::text AS status, count(*) AS n FROM "Publication" GROUP BY 1, 2`,
    db.$queryRaw<Row[]>`
      SELECT count(*) AS n, sum("renderSeconds") AS render, sum("durationSeconds") AS media,
             (SELECT sum(r) / nullif(sum(d), 0) FROM (
                SELECT "renderSeconds" AS r, "durationSeconds" AS d FROM "Video"
                WHERE "renderSeconds" IS NOT NULL AND "durationSeconds" > 0 ORDER BY "createdAt" DESC LIMIT ${RECENT_RENDERS}) recent) AS ratio
      FROM "Video" WHERE "renderSeconds" IS NOT NULL AND "durationSeconds" > 0`,
    // The chat outbox (src/chatops/outbox.ts): one row per notice and platform; one being sent counts as pending.
    db.$queryRaw<Row[]>`
      SELECT platform AS channel, CASE WHEN status = 'sending' THEN 'pending' ELSE status END AS status, count(*) AS n
      FROM "ChatDelivery"
      GROUP BY 1, 2`,
  ]);
  const a = approvals[0] ?? {};
  const r = renders[0] ?? {};
  return {
    runs: runs.map((x) => ({
      workflowType: String(x.type),
      status: String(x.status),
      count: num(x.n),
      lastCompletedAt: (x.last_ok as Date | null) ?? null,
      lastDurationSec: x.last_duration === null || x.last_duration === undefined ? null : Number(x.last_duration),
    })),
    approvals: { waiting: num(a.n), oldestSince: (a.oldest as Date | null) ?? null },
    publications: publications.map((x) => ({ platform: String(x.platform), status: String(x.status), count: num(x.n) })),
    renders: {
      videos: num(r.n),
      renderSeconds: num(r.render),
      mediaSeconds: num(r.media),
      recentRatio: r.ratio === null || r.ratio === undefined ? null : Number(r.ratio),
    },
    // Only plausible channel names and known statuses become labels: the JSON is written by our
    // notifiers, but a label value per odd key would be a new time series each.
    deliveries: deliveries
      .filter((x) => /^[a-z0-9_-]{1,32}$/.test(String(x.channel)) && DELIVERY_STATUSES.has(String(x.status)))
      .map((x) => ({ channel: String(x.channel), status: String(x.status), count: num(x.n) })),
    queriedAt: new Date(),
    querySeconds: (performance.now() - t0) / 1000,
  };
}

/** One snapshot per CACHE_MS: concurrent callers share the query in flight; a failure is cached too (a down database is not hammered). */
function cachedSnapshot(db: Db, now: () => number = Date.now): () => Promise<DatabaseSnapshot | Error> {
  let cached: { at: number; value: Promise<DatabaseSnapshot | Error> } | undefined;
  return () => {
    if (!cached || now() - cached.at >= CACHE_MS) {
      cached = {
        at: now(),
        value: withTimeout(readSnapshot(db), QUERY_TIMEOUT_MS).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))),
      };
    }
    return cached.value;
  };
}

export interface DatabaseMetrics {
  /** The business metrics: render it only when `readable()` says the database answered. */
  registry: Registry;
  /** Reads (or reuses) the snapshot; false when the database cannot be read. */
  readable(): Promise<boolean>;
}

/**
 * The database-backed metrics, in a registry of their own. Each is filled by its collect(), which
 * prom-client calls on every scrape, from the shared cached snapshot. When the database cannot be
 * read, the caller leaves this registry out: no stale or zero values for alerts to act on, and no
 * false counter resets; affiliate_empire_metrics_database_up (on `base`, always served) is then 0.
 */
export function databaseMetrics(base: Registry, db: Db): DatabaseMetrics {
  const snapshot = cachedSnapshot(db);
  const registry = new Registry();
  const registers = [registry];
  /** Fills a metric from the snapshot; returns nothing when there is none. */
  const from = <M extends { reset(): void }>(fill: (this: M, s: DatabaseSnapshot) => void) =>
    async function (this: M) {
      this.reset();
      const s = await snapshot();
      if (!(s instanceof Error)) fill.call(this, s);
    };

  new Gauge({
    name: 'affiliate_empire_metrics_database_up',
    help: 'Whether the last read of the business metrics from PostgreSQL succeeded (1) or not (0).',
    registers: [base],
    async collect() {
      this.set((await snapshot()) instanceof Error ? 0 : 1);
    },
  });
  new Gauge({
    name: 'affiliate_empire_metrics_database_query_seconds',
    help: 'How long the last read of the business metrics from PostgreSQL took.',
    registers,
    collect: from(function (this: Gauge, s) {
      this.set(s.querySeconds);
    }),
  });

  const started = new Counter({
    name: 'affiliate_empire_workflow_runs_started_total',
    help: 'Runs started, by workflow type (rows of the workflow log).',
    labelNames: ['workflow_type'],
    registers,
    collect: from((s) => {
      for (const x of s.runs) started.inc({ workflow_type: x.workflowType }, x.count);
    }),
  });
  const ended = new Counter({
    name: 'affiliate_empire_workflow_runs_ended_total',
    help: 'Runs ended, by workflow type and outcome (completed, failed, cancelled).',
    labelNames: ['workflow_type', 'outcome'],
    registers,
    collect: from((s) => {
      for (const x of s.runs) if (x.status !== 'RUNNING') ended.inc({ workflow_type: x.workflowType, outcome: x.status.toLowerCase() }, x.count);
    }),
  });
  const running = new Gauge({
    name: 'affiliate_empire_workflow_runs_running',
    help: 'Runs open now, by workflow type.',
    labelNames: ['workflow_type'],
    registers,
    collect: from((s) => {
      for (const x of s.runs) running.inc({ workflow_type: x.workflowType }, x.status === 'RUNNING' ? x.count : 0);
    }),
  });
  const lastSuccess = new Gauge({
    name: 'affiliate_empire_workflow_last_success_timestamp_seconds',
    help: 'When the last run of each workflow type completed (Unix time).',
    labelNames: ['workflow_type'],
    registers,
    collect: from((s) => {
      for (const x of s.runs) if (x.lastCompletedAt) lastSuccess.set({ workflow_type: x.workflowType }, x.lastCompletedAt.getTime() / 1000);
    }),
  });
  const lastDuration = new Gauge({
    name: 'affiliate_empire_workflow_last_run_duration_seconds',
    help: 'How long the last completed run of each workflow type took, start to end.',
    labelNames: ['workflow_type'],
    registers,
    collect: from((s) => {
      for (const x of s.runs) if (x.lastDurationSec !== null) lastDuration.set({ workflow_type: x.workflowType }, x.lastDurationSec);
    }),
  });

  new Gauge({
    name: 'affiliate_empire_approvals_waiting',
    help: 'Rendered videos waiting for an approval decision in open runs.',
    registers,
    collect: from(function (this: Gauge, s) {
      this.set(s.approvals.waiting);
    }),
  });
  new Gauge({
    name: 'affiliate_empire_approvals_oldest_waiting_age_seconds',
    help: 'How long the oldest video waiting for a decision has waited since it was rendered (0 when none waits).',
    registers,
    collect: from(function (this: Gauge, s) {
      this.set(s.approvals.oldestSince ? Math.max(0, (s.queriedAt.getTime() - s.approvals.oldestSince.getTime()) / 1000) : 0);
    }),
  });

  const publications = new Gauge({
    name: 'affiliate_empire_publications',
    help: 'Publications in the ledger by platform and status: pending (not posted yet), published, failed (outcome unknown, waiting for an operator).',
    labelNames: ['platform', 'status'],
    registers,
    collect: from((s) => {
      // Every platform and status has a series (0 when empty), so rate() and alerts see the first one.
      for (const platform of PLATFORMS)
        for (const status of ['pending', 'published', 'failed']) publications.set({ platform: platform.toLowerCase(), status }, 0);
      for (const x of s.publications) publications.set({ platform: x.platform.toLowerCase(), status: x.status.toLowerCase() }, x.count);
    }),
  });

  new Counter({
    name: 'affiliate_empire_videos_rendered_total',
    help: 'Videos rendered with a recorded render time.',
    registers,
    collect: from(function (this: Counter, s) {
      this.inc(s.renders.videos);
    }),
  });
  new Counter({
    name: 'affiliate_empire_video_render_seconds_total',
    help: 'Wall-clock seconds spent producing videos (voice, picture, every platform cut), summed.',
    registers,
    collect: from(function (this: Counter, s) {
      this.inc(s.renders.renderSeconds);
    }),
  });
  new Counter({
    name: 'affiliate_empire_video_media_seconds_total',
    help: 'Seconds of video produced (the main cut of each rendered video), summed.',
    registers,
    collect: from(function (this: Counter, s) {
      this.inc(s.renders.mediaSeconds);
    }),
  });
  new Gauge({
    name: 'affiliate_empire_render_seconds_per_video_second',
    help: `Render seconds per second of video, over the ${RECENT_RENDERS} most recently rendered videos.`,
    registers,
    collect: from(function (this: Gauge, s) {
      if (s.renders.recentRatio !== null) this.set(s.renders.recentRatio);
    }),
  });

  const deliveries = new Gauge({
    name: 'affiliate_empire_chat_deliveries',
    help: 'Chat notifications by channel (slack, discord) and delivery status (pending, delivered, fallback, failed).',
    labelNames: ['channel', 'status'],
    registers,
    collect: from((s) => {
      for (const channel of CHAT_CHANNELS) for (const status of ['pending', 'failed']) deliveries.set({ channel, status }, 0);
      for (const x of s.deliveries) deliveries.set({ channel: x.channel, status: x.status }, x.count);
    }),
  });

  return { registry, readable: async () => !((await snapshot()) instanceof Error) };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the metrics queries took longer than ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}
